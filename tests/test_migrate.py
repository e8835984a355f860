"""A lake written before ``state/``: its bookkeeping moves once, at the next ingest, and nothing repeats."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

from jozi_lake.ingest import ingest_files
from jozi_lake.layout import lake_layout
from jozi_lake.migrate import migrate_bookkeeping
from jozi_lake.storage import LocalObjectStore

CSV = b"complaint_id,order_id\nC1,O1\n"
OLD_BRONZE = "bronze/complaints/ingest_date=2026-06-01/20260601T010000Z-aaaaaa-c.csv.gz"


def old_lake(tmp_path: Path) -> LocalObjectStore:
    """An old-layout lake: a landed file in the ledger under bronze/_state/, processed by silver."""
    store = LocalObjectStore(tmp_path / "s3", "lake")
    digest = hashlib.sha256(CSV).hexdigest()
    ledger = {
        "source": "complaints",
        "files": {digest: {"status": "landed", "key": OLD_BRONZE, "sha256": digest, "names": ["c.csv"]}},
    }
    store.put_bytes("bronze/_state/drops/complaints.json", json.dumps(ledger).encode())
    store.put_bytes("bronze/_state/ingest/orders.json", b'{"watermark": "2026-06-01T00:00:00Z"}')
    store.put_bytes("bronze/_manifests/ingest/20260601T010000Z-aaaaaa.json", b'{"kind": "ingest"}')
    store.put_bytes(
        "silver/_state/complaints/processed.json", json.dumps({"files": {OLD_BRONZE: "r"}}).encode()
    )
    store.put_bytes("silver/_state/changes/complaints/r.json", b'{"table": "complaints"}')
    store.put_bytes(OLD_BRONZE, gzip.compress(CSV))
    return store


def test_the_first_ingest_moves_old_bookkeeping_and_lands_nothing_twice(tmp_path: Path) -> None:
    store = old_lake(tmp_path)
    store.put_bytes("landing/complaints/c.csv", CSV)  # the same bytes again: the moved ledger knows them
    summary = ingest_files(store, ["complaints"], run_id="20260602T010000Z-bbbbbb")
    assert summary.sources["complaints"].files == 0 and summary.sources["complaints"].skipped == 1
    layout = lake_layout()
    keys = set(store.list_keys())
    assert not any(k.startswith(("bronze/_state/", "bronze/_manifests/")) for k in keys)
    assert "silver/_state/complaints/processed.json" not in keys
    assert json.loads(store.get_bytes(layout.processed_batches("complaints")))["files"] == {OLD_BRONZE: "r"}
    assert json.loads(store.get_bytes(layout.ingest_state("orders")))["watermark"] == "2026-06-01T00:00:00Z"
    assert store.exists(layout.ingest_manifest("20260601T010000Z-aaaaaa"))
    assert store.exists("silver/_state/changes/complaints/r.json")  # the change log stays (silver keeps)
    assert [k for k in keys if k.startswith("bronze/complaints/")] == [OLD_BRONZE]
    assert migrate_bookkeeping(store, layout) == []  # idempotent: a second pass moves nothing


def test_an_interrupted_move_is_finished_and_a_newer_record_is_never_overwritten(tmp_path: Path) -> None:
    store = old_lake(tmp_path)
    layout = lake_layout()
    # Killed between copy and delete: the copy is in place, the old object still there.
    store.put_bytes(layout.drop_state("complaints"), store.get_bytes("bronze/_state/drops/complaints.json"))
    # Written by the new code already: the new record wins and the old one is left for a person.
    store.put_bytes(layout.ingest_state("orders"), b'{"watermark": "2026-06-09T00:00:00Z"}')
    moved = dict(migrate_bookkeeping(store, layout))
    assert moved["bronze/_state/drops/complaints.json"] == layout.drop_state("complaints")
    assert "bronze/_state/ingest/orders.json" not in moved
    assert store.exists("bronze/_state/ingest/orders.json")
    assert json.loads(store.get_bytes(layout.ingest_state("orders")))["watermark"] == "2026-06-09T00:00:00Z"
    assert not store.exists("bronze/_state/drops/complaints.json")
