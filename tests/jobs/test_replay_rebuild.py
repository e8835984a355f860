"""Replay and rebuild re-derive silver and gold from what the lake holds, through the ordinary pipeline
run: a replay of a date range and a rebuild of either layer reproduce the tables row for row, read
the batches again (the job reports say so), and ``lake status`` shows the backlog, held batches and
rejected files. Local Spark, the real local lake folder, the CLI through typer's runner."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jobs_lake_samples import batch_one, batch_two, order, put_batch
from typer.testing import CliRunner

from jozi_lake import batches
from jozi_lake.backend import SKIPPED, SUCCEEDED, PipelineOptions, PipelineRun, QuietEvents
from jozi_lake.cli import app
from jozi_lake.config import env_config
from jozi_lake.contracts_index import silver_tables
from jozi_lake.ingest import ingest_files
from jozi_lake.jobs.lake_io import spark_uri
from jozi_lake.jobs.report import JobReport, find_report
from jozi_lake.layout import lake_layout
from jozi_lake.lineage import load_models
from jozi_lake.local.backend import LocalBackend
from jozi_lake.storage import store_for_env

pytestmark = [pytest.mark.spark, pytest.mark.slow]

RUN_1, RUN_2, RUN_3 = "20260606T010000Z-aaaaaa", "20260608T010000Z-bbbbbb", "20260609T020000Z-eeeeee"


def _rows(spark: Any, store: Any, prefix: str) -> list[tuple[str, ...]]:
    """Every row of a table as text, sorted: what 'equal' means here (column order included)."""
    if not any(k.endswith(".parquet") for k in store.list_keys(prefix)):
        return []
    frame = spark.read.parquet(spark_uri(store, prefix))
    return sorted(tuple(str(v) for v in row) for row in frame.collect())


def _layer(spark: Any, store: Any, layer: str) -> dict[str, list[tuple[str, ...]]]:
    tables = silver_tables() if layer == "silver" else list(load_models())
    return {t: _rows(spark, store, lake_layout().table(layer, t)) for t in tables}


def _silver_report(store: Any, run: PipelineRun) -> JobReport:
    report = find_report(store, "bronze_to_silver", run.run_id)
    assert report is not None
    return report


@pytest.fixture(scope="module")
def lake(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("replay") / "lake"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAKE_HOME", str(home))
        env = env_config("local")
        store = store_for_env(env)
        backend = LocalBackend(env, spark=spark)
        put_batch(store, "2026-06-06", RUN_1, batch_one())
        put_batch(store, "2026-06-08", RUN_2, batch_two())
        backend.run_jobs(["all"], None)
        silver, gold = _layer(spark, store, "silver"), _layer(spark, store, "gold")
        result: dict[str, Any] = {"store": store, "silver": silver, "gold": gold}

        replay_cli = CliRunner().invoke(app, ["replay", "--source", "orders", "--from", "2026-06-08"])
        result["replay_cli"] = replay_cli
        result["after_replay_late"] = (_layer(spark, store, "silver"), _layer(spark, store, "gold"))

        first_day = PipelineOptions(replay_source="orders", replay_from="2026-06-06", replay_to="2026-06-06")
        result["replay_first"] = backend.run_pipeline(first_day, QuietEvents())
        result["after_replay_first"] = _layer(spark, store, "silver")

        result["rebuild_gold"] = backend.run_pipeline(PipelineOptions(rebuild_layer="gold"), QuietEvents())
        result["after_rebuild_gold"] = _layer(spark, store, "gold")

        result["rebuild_silver"] = backend.run_pipeline(
            PipelineOptions(rebuild_layer="silver"), QuietEvents()
        )
        result["after_rebuild_silver"] = (_layer(spark, store, "silver"), _layer(spark, store, "gold"))

        # Something to show: a held batch and a file set aside.
        put_batch(store, "2026-06-09", RUN_3, {"orders": [order(30)]})
        batches.hold(store, batches.BatchRef("orders", f"2026-06-09_{RUN_3}"), "supplier re-sends", "ops")
        store.put_bytes("landing/orders/broken.json.gz", b"\x1f\x8b not really gzip")
        ingest_files(store, ["orders"], run_id="20260609T010000Z-dddddd")
        result["status"] = CliRunner().invoke(app, ["status"])
        yield result


def test_a_replay_of_a_date_range_reproduces_silver_and_gold_row_for_row(lake: dict[str, Any]) -> None:
    cli = lake["replay_cli"]
    assert cli.exit_code == 0, cli.output
    assert "replay: 1 batch(es) of orders marked for re-derivation" in cli.output
    assert "Pipeline succeeded" in cli.output
    silver, gold = lake["after_replay_late"]
    assert silver == lake["silver"]
    assert gold == lake["gold"]
    assert lake["after_replay_first"] == lake["silver"]
    store = lake["store"]
    assert not store.exists(lake_layout().replay_request("orders"))  # done once published
    assert [b.state for b in batches.list_batches(store, "orders")][:1] == ["processed"]


def test_a_replay_reads_exactly_the_batches_of_its_range(lake: dict[str, Any]) -> None:
    run = lake["replay_first"]
    assert run.status == SUCCEEDED
    ingest = run.stages[0]
    assert ingest.status == SKIPPED and ingest.summary.startswith("replay: 1 batch(es) of orders")
    orders = next(t for t in _silver_report(lake["store"], run).tables if t.table == "orders")
    assert orders.batches == [f"2026-06-06_{RUN_1}"]
    assert orders.rows_read == len(batch_one()["orders"])


def test_a_gold_rebuild_equals_gold_before(lake: dict[str, Any]) -> None:
    run = lake["rebuild_gold"]
    assert run.status == SUCCEEDED
    assert run.stages[0].summary.startswith("rebuild gold:")
    gold_stage = next(s for s in run.stages if s.kind == "job" and s.name.endswith("gold"))
    assert gold_stage.status == SUCCEEDED
    assert lake["after_rebuild_gold"] == lake["gold"]
    assert any(rows for rows in lake["gold"].values())  # a comparison of empty tables proves nothing


def test_a_silver_rebuild_rereads_every_batch_and_equals_before(lake: dict[str, Any]) -> None:
    run = lake["rebuild_silver"]
    assert run.status == SUCCEEDED
    report = _silver_report(lake["store"], run)
    orders = next(t for t in report.tables if t.table == "orders")
    assert orders.batches == [f"2026-06-06_{RUN_1}", f"2026-06-08_{RUN_2}"]
    silver, gold = lake["after_rebuild_silver"]
    assert silver == lake["silver"]
    assert gold == lake["gold"]


def test_status_shows_the_backlog_held_batches_and_rejected_files(lake: dict[str, Any]) -> None:
    status = lake["status"]
    assert status.exit_code == 0, status.output
    out = " ".join(status.output.split())
    assert "Backlog (what the next run would do)" in out
    assert "(1 batch(es) held by an operator: lake batches --state held)" in out
    assert f"held batch orders/2026-06-09_{RUN_3} (1 file(s)): supplier re-sends" in out
    assert "rejected orders: landing/orders/broken.json.gz:" in out
