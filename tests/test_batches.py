"""Bronze batches without Spark: states read from the lake, hold/release round trip, the backlog rule
skipping held batches, the ``lake batches`` verbs through the CLI, one-line errors."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jozi_lake import batches
from jozi_lake.backlog import stage_work, unprocessed_bronze_files
from jozi_lake.cli import app
from jozi_lake.config import env_config, load_config
from jozi_lake.errors import LakeError
from jozi_lake.layout import lake_layout
from jozi_lake.storage import ObjectStore, store_for_env

RUN_A, RUN_B = "20260601T010000Z-aaaaaa", "20260602T010000Z-bbbbbb"
A, B = f"orders/2026-06-01_{RUN_A}", f"orders/2026-06-02_{RUN_B}"


def _lake() -> ObjectStore:
    store = store_for_env(env_config("local"))
    for day, run in (("2026-06-01", RUN_A), ("2026-06-02", RUN_B)):
        for page in (1, 2):
            key = f"bronze/orders/ingest_date={day}/{run}-{page:05d}.json.gz"
            store.put_bytes(key, gzip.compress(b'{"order_id": "x"}\n'))
    return store


def _silver_stage() -> object:
    return next(s for s in load_config().pipeline if s.kind == "job" and s.job == "bronze_to_silver")


def test_hold_and_release_round_trip(lake_home: Path) -> None:
    store = _lake()
    first_a = f"bronze/orders/ingest_date=2026-06-01/{RUN_A}-00001.json.gz"
    processed = {"files": {first_a: "r0", first_a.replace("00001", "00002"): "r0"}}
    store.put_bytes(lake_layout().processed_batches("orders"), json.dumps(processed).encode())
    assert [(b.id, b.state, b.files) for b in batches.list_batches(store, "orders")] == [
        (A, "processed", 2),
        (B, "pending", 2),
    ]
    held = batches.hold(store, batches.BatchRef.parse(B), "supplier re-sends June 2", "ops@laptop")
    assert (held.state, held.reason, held.held_by) == ("held", "supplier re-sends June 2", "ops@laptop")
    assert held.held_at
    assert unprocessed_bronze_files(store, "orders") == []
    work = stage_work(store, _silver_stage(), lambda layer: None)  # type: ignore[arg-type]
    assert not work.has_work and "1 batch(es) held" in work.reason
    assert [b.id for b in batches.list_batches(store, state="held")] == [B]

    released = batches.release(store, batches.BatchRef.parse(B))
    assert released.state == "pending" and not released.reason
    assert len(unprocessed_bronze_files(store, "orders")) == 2
    assert not store.exists(lake_layout().batch_hold("orders", B.split("/")[1]))


def test_refusals_name_the_fix(lake_home: Path) -> None:
    store = _lake()
    with pytest.raises(LakeError, match="not a batch") as bad:
        batches.BatchRef.parse("2026-06-01_x")
    assert "<source>/<batch id>" in str(bad.value.hint)
    with pytest.raises(LakeError, match="no bronze batch orders/2026-06-09_x") as missing:
        batches.hold(store, batches.BatchRef.parse("orders/2026-06-09_x"), "why", "me")
    assert "lake batches --source orders" in str(missing.value.hint)
    with pytest.raises(LakeError, match="is not held"):
        batches.release(store, batches.BatchRef.parse(A))
    with pytest.raises(LakeError, match="needs a reason"):
        batches.hold(store, batches.BatchRef.parse(A), "  ", "me")
    with pytest.raises(LakeError, match="unknown batch state"):
        batches.list_batches(store, state="stuck")


def test_lake_batches_verbs_through_the_cli(lake_home: Path) -> None:
    _lake()
    runner = CliRunner()
    held = runner.invoke(app, ["batches", "hold", B, "--reason", "duplicate export"])
    assert held.exit_code == 0, held.output
    assert f"held {B}: now held" in held.output
    listed = runner.invoke(app, ["batches", "--source", "orders", "--state", "held"])
    assert listed.exit_code == 0, listed.output
    assert B in listed.output and "duplicate export" in listed.output and A not in listed.output
    pending = runner.invoke(app, ["batches", "--state", "pending"])
    assert A in pending.output and B not in pending.output
    released = runner.invoke(app, ["batches", "release", B])
    assert released.exit_code == 0 and "now pending" in released.output
    again = runner.invoke(app, ["batches", "release", B])
    assert again.exit_code == 1
    assert "error: batch" in again.output and "is not held" in again.output and "fix:" in again.output
    assert "Traceback" not in again.output
