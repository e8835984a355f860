"""A gold model added to a lake whose silver is already loaded is built whole by the next run: no silver
change reaches it, so following the change log alone would leave its table missing until its inputs
changed, and then hold only those partitions."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from jobs_lake_samples import batch_one, new_store, put_batch

from jozi_lake import backlog, project
from jozi_lake.config import load_config
from jozi_lake.jobs import bronze_to_silver as b2s
from jozi_lake.jobs import silver_to_gold as s2g
from jozi_lake.jobs.lake_io import spark_uri
from jozi_lake.storage import LocalObjectStore

pytestmark = pytest.mark.spark

REPO = Path(__file__).resolve().parents[2]
MODEL = "delivery_performance_hourly"


def gold_work(store: LocalObjectStore) -> backlog.StageWork:
    stage = next(s for s in load_config().pipeline if s.kind == "job" and s.job == "silver_to_gold")
    return backlog.stage_work(store, stage, lambda layer: None)


def test_a_model_added_later_is_built_whole_by_the_next_run(
    spark: Any, project_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = new_store(tmp_path / "lake")
    monkeypatch.setenv(project.PROJECT_DIR_ENV_VAR, str(REPO))  # the project as it was
    assert not gold_work(store).has_work  # an empty lake: nothing to build yet
    put_batch(store, "2026-06-06", "r1", batch_one())
    b2s.run_bronze_to_silver(spark, store, run_id="s1", env="test")
    s2g.run_silver_to_gold(spark, store, run_id="g1", env="test")
    assert not gold_work(store).has_work

    # The analyst adds a model (SQL + contract) to the project; silver does not change.
    shutil.copy(project_copy / f"sql/gold/{MODEL}.sql", project_copy / "sql/gold/hourly_copy.sql")
    contract = (project_copy / f"contracts/gold/{MODEL}.yaml").read_text(encoding="utf-8")
    (project_copy / "contracts/gold/hourly_copy.yaml").write_text(
        contract.replace(f"table: {MODEL}", "table: hourly_copy", 1), encoding="utf-8"
    )
    monkeypatch.setenv(project.PROJECT_DIR_ENV_VAR, str(project_copy))
    work = gold_work(store)
    assert work.has_work and work.reason == "new gold model(s) to build: hourly_copy"

    report = s2g.run_silver_to_gold(spark, store, run_id="g2", env="test")
    built = next(t for t in report.tables if t.table == "hourly_copy")
    copied = spark.read.parquet(spark_uri(store, "gold/hourly_copy/")).collect()
    original = spark.read.parquet(spark_uri(store, f"gold/{MODEL}/")).collect()
    assert copied and sorted(map(tuple, copied)) == sorted(map(tuple, original))
    assert built.rows_written == len(copied)
    assert next(t for t in report.tables if t.table == MODEL).status == "no_new_data"  # the others wait
    assert not gold_work(store).has_work  # built once; from now on it follows silver's changes
