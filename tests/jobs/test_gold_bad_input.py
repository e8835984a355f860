"""A gold model whose output does not match its contract, whose SQL Spark cannot analyse, or whose fail
rule fires stops the gold job before anything is published; quarantine rules set rows aside.

One silver lake (the hand-made batch one) is shared; each test edits a copy of the project files and
runs the gold job over it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from jobs_lake_samples import batch_one, new_store, put_batch

from jozi_lake.jobs import bronze_to_silver as b2s
from jozi_lake.jobs import silver_to_gold as s2g
from jozi_lake.jobs.lake_io import spark_uri
from jozi_lake.jobs.report import latest_reports
from jozi_lake.lineage import ModelError
from jozi_lake.storage import LocalObjectStore

pytestmark = pytest.mark.spark

HOURLY_SQL = "sql/gold/delivery_performance_hourly.sql"
HOURLY_CONTRACT = "contracts/gold/delivery_performance_hourly.yaml"


@pytest.fixture(scope="module")
def silver_lake(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> LocalObjectStore:
    store = new_store(tmp_path_factory.mktemp("bad-gold"))
    put_batch(store, "2026-06-06", "r1", batch_one())
    b2s.run_bronze_to_silver(spark, store, run_id="run1", env="test")
    return store


def edit(project: Path, relative: str, old: str, new: str) -> None:
    path = project / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def assert_nothing_published(store: LocalObjectStore) -> None:
    assert not [k for k in store.list_keys("gold/") if k.endswith(".parquet")]
    assert any(k.endswith(".json") for k in store.list_keys("silver/_state/changes/"))  # still pending
    assert latest_reports(store, 1)[0]["status"] == "failed"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    round(count(CASE WHEN is_late THEN 1 END) / count(1), 6) AS late_share,",
            "    count(CASE WHEN is_late THEN 1 END) AS late_share,",
            f"gold model delivery_performance_hourly ({HOURLY_SQL} line 8): column late_share is bigint in "
            f"the SQL but double in {HOURLY_CONTRACT}",
        ),
        (
            "    weekday,\n    count(1) AS orders,",
            "    count(1) AS orders,",
            f"gold model delivery_performance_hourly ({HOURLY_SQL}): the SQL does not produce column(s) "
            f"weekday that {HOURLY_CONTRACT} declares",
        ),
        (
            "    count(1) AS orders,",
            "    count(1) AS orders,\n    max(zone) AS busiest_zone,",
            f"gold model delivery_performance_hourly ({HOURLY_SQL} line 7): the SQL produces column(s) "
            f"busiest_zone that {HOURLY_CONTRACT} does not declare",
        ),
        (
            "round(avg(minutes_late), 6)",
            "round(avg(minutes_lat), 6)",
            f"gold model delivery_performance_hourly ({HOURLY_SQL}): Spark cannot analyse the SQL: "
            "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `minutes_lat` "
            "cannot be resolved.",
        ),
    ],
)
def test_a_model_that_does_not_match_its_contract_fails_before_anything_is_published(
    spark: Any, silver_lake: LocalObjectStore, project_copy: Path, old: str, new: str, message: str
) -> None:
    edit(project_copy, HOURLY_SQL, old, new)
    with pytest.raises(ModelError) as info:
        s2g.run_silver_to_gold(spark, silver_lake, run_id="bad", env="test")
    assert message in str(info.value)
    assert_nothing_published(silver_lake)


def test_spark_names_the_line_of_an_unresolved_column(
    spark: Any, silver_lake: LocalObjectStore, project_copy: Path
) -> None:
    edit(project_copy, HOURLY_SQL, "round(avg(minutes_late), 6)", "round(avg(minutes_lat), 6)")
    with pytest.raises(ModelError, match=r"line 11 pos 14") as info:
        s2g.run_silver_to_gold(spark, silver_lake, run_id="bad", env="test")
    # Spark's sentence only: not the logical plan it appends ('Aggregate ..., +- 'Filter ...).
    assert "\n" not in info.value.message and "+- " not in info.value.message, info.value.message
    assert info.value.message.endswith("line 11 pos 14"), info.value.message


def test_a_syntax_error_is_named_with_its_line_without_spark_s_excerpt(
    spark: Any, silver_lake: LocalObjectStore, project_copy: Path
) -> None:
    edit(project_copy, HOURLY_SQL, "    count(1) AS orders,", "    count(1) AS orders,,")
    with pytest.raises(ModelError) as info:
        s2g.run_silver_to_gold(spark, silver_lake, run_id="bad", env="test")
    assert info.value.message == (
        f"gold model delivery_performance_hourly ({HOURLY_SQL}): Spark cannot analyse the SQL: "
        "[PARSE_SYNTAX_ERROR] Syntax error at or near ','.(line 6, pos 23)"
    )


def test_a_fail_rule_on_gold_rows_publishes_nothing(
    spark: Any, silver_lake: LocalObjectStore, project_copy: Path
) -> None:
    edit(
        project_copy,
        HOURLY_CONTRACT,
        "rules:\n",
        'rules:\n  - {name: no_hour_after_17, severity: fail, expr: "order_hour < 18"}\n',
    )
    with pytest.raises(b2s.QualityGateError) as info:
        s2g.run_silver_to_gold(spark, silver_lake, run_id="gate", env="test")
    assert (
        "gold quality gate failed, nothing published (delivery_performance_hourly: no_hour_after_17"
        in str(info.value)
    )
    assert_nothing_published(silver_lake)


def test_quarantine_rules_set_gold_rows_aside(
    spark: Any, silver_lake: LocalObjectStore, project_copy: Path, tmp_path: Path
) -> None:
    shutil.copytree(silver_lake.base, tmp_path / "lake" / silver_lake.base.name)
    store = LocalObjectStore(tmp_path / "lake", silver_lake.base.name)
    edit(
        project_copy,
        HOURLY_CONTRACT,
        "rules:\n",
        'rules:\n  - {name: dinner_only, severity: quarantine, expr: "order_hour >= 17"}\n',
    )
    report = s2g.run_silver_to_gold(spark, store, run_id="q", env="test")
    hourly = next(t for t in report.tables if t.table == "delivery_performance_hourly")
    kept = spark.read.parquet(spark_uri(store, "gold/delivery_performance_hourly/")).collect()
    rejected = spark.read.parquet(spark_uri(store, "quarantine/delivery_performance_hourly/")).collect()
    assert kept and all(r["order_hour"] >= 17 for r in kept)
    assert rejected and all(
        r["order_hour"] < 17 and r["quarantine_reason"] == "dinner_only" for r in rejected
    )
    assert (hourly.rows_written, hourly.rows_quarantined) == (len(kept), len(rejected))
    assert hourly.rule_failures["dinner_only"] == len(rejected)
