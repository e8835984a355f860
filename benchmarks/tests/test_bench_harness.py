"""The benchmark harness's own logic: memory measurement, the scaling verdict, the as_of split, reports.

These run without Spark, in well under a second each; the numbers ``make bench`` prints are only as
good as these pieces.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from jozi_bench import measure as measure_mod
from jozi_bench.report import render_markdown, scaling_verdict, write_results
from jozi_bench.runner import _conf_pairs, _int_list
from jozi_bench.worker import plan_days, raw_sources_for, split_by_clock

from jozi_lake.errors import LakeError

ALLOCATE_200_MB_IN_CHILD = (
    "b = bytearray(200 * 1024 * 1024)\n"
    "for i in range(0, len(b), 4096):\n"
    "    b[i] = 1\n"
    "import time; time.sleep(1.5)\n"  # outlives at least two polls (every 0.5 s or more)
)


@pytest.mark.skipif(not measure_mod.memory_supported(), reason="needs Linux /proc")
def test_peak_rss_includes_child_processes() -> None:
    """A child that touches 200 MiB must show up in the stage's peak (the Spark JVM is such a child)."""
    with measure_mod.measure("child") as stage:
        subprocess.run([sys.executable, "-c", ALLOCATE_200_MB_IN_CHILD], check=True)
    assert stage.peak_rss_mb is not None
    assert stage.peak_rss_mb >= 200
    assert stage.processes >= 2
    assert stage.wall_s >= 1.5


# Runs in a fresh interpreter: the pytest process may have a Spark JVM child from an earlier test, whose
# memory (and the sum over the tree) would swamp the 300 MiB this test needs to see disappear.
PEAK_AFTER_FREEING_300_MB = (
    "import json, sys\n"
    "from jozi_bench import measure\n"
    "big = bytearray(300 * 1024 * 1024)\n"
    "for i in range(0, len(big), 4096):\n"
    "    big[i] = 1\n"
    "del big\n"
    "resident = int(next(l for l in open('/proc/self/status') if l.startswith('VmRSS:')).split()[1]) / 1024\n"
    "with measure.measure('small') as stage:\n"
    "    pass\n"
    "print(json.dumps({'peak': stage.peak_rss_mb, 'resident': resident}))\n"
)


@pytest.mark.skipif(not measure_mod.memory_supported(), reason="needs Linux /proc")
def test_peak_rss_is_reset_between_stages() -> None:
    """A stage's peak is its own: 300 MiB touched and freed before the stage started does not count."""
    out = subprocess.run(
        [sys.executable, "-c", PEAK_AFTER_FREEING_300_MB], check=True, capture_output=True, text=True
    ).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    assert figures["peak"] is not None
    assert figures["peak"] < figures["resident"] + 150, figures  # not resident + 300: the mark was reset


def test_rows_per_second() -> None:
    stage = measure_mod.StageMeasurement(name="x", wall_s=2.0, rows=1000)
    assert stage.rows_per_s == 500
    assert measure_mod.StageMeasurement(name="y", wall_s=0.0, rows=10).rows_per_s is None
    assert stage.to_dict()["rows_per_s"] == 500.0


def _row(orders: int, us: float) -> dict[str, object]:
    return {"orders": orders, "spark_us_per_order": us}


def test_scaling_verdict_falling_flat_and_rising() -> None:
    assert scaling_verdict([_row(10_000, 900.0), _row(100_000, 200.0), _row(1_000_000, 150.0)])["holds"]
    assert scaling_verdict([_row(10_000, 100.0), _row(100_000, 108.0)])["holds"]  # within 10 %: flat
    rising = scaling_verdict([_row(10_000, 100.0), _row(100_000, 90.0), _row(1_000_000, 130.0)])
    assert rising["holds"] is False
    assert "RISES" in rising["text"]
    assert scaling_verdict([_row(10_000, 100.0)])["holds"] is None


def test_split_by_clock_follows_updated_at(tmp_path: Path) -> None:
    src = tmp_path / "gen"
    src.mkdir()
    lines = [
        b'{"event_id":"a","updated_at":"2026-06-30 21:00:00"}\n',
        b'{"event_id":"b","updated_at":"2026-07-01 10:00:00"}\n',  # the new day
        b'{"event_id":"c","updated_at":"2026-07-03 09:00:00","text":"caf\xe9"}\n',  # late, not UTF-8
        b'{"event_id":"d","updated_at":"2026-06-30 23:59:59"}\n',  # exactly at the cut: served
    ]
    (src / "kitchen_events.jsonl").write_bytes(b"".join(lines))
    counts = split_by_clock(src, "2026-06-30 23:59:59", tmp_path / "before", tmp_path / "after")
    assert counts == {"before": 2, "after": 2}
    assert (tmp_path / "before" / "kitchen_events.jsonl").read_bytes() == lines[0] + lines[3]
    # bytes are copied as generated, defects included
    assert (tmp_path / "after" / "kitchen_events.jsonl").read_bytes() == lines[1] + lines[2]


def test_plan_days_covers_the_target() -> None:
    for orders in (10_000, 100_000, 1_000_000, 5_000):
        days, per_day = plan_days(orders)
        assert days * per_day >= orders
        assert days * (per_day - 1) < orders


def test_raw_sources_of_gold_and_silver_tables() -> None:
    # Derived from the SQL: the hourly table reads the fact, which reads seven silver tables.
    assert raw_sources_for(["db.delivery_performance_hourly"]) == [
        "complaints",
        "dispatch_events",
        "kitchen_events",
        "load_shedding",
        "order_items",
        "orders",
        "ratings",
    ]
    assert raw_sources_for(["db.driver_performance"]) == [
        "complaints",
        "dispatch_events",
        "drivers",
        "kitchen_events",
        "load_shedding",
        "order_items",
        "orders",
        "ratings",
    ]
    assert raw_sources_for(["jozi_pizza_local_silver.ratings"]) == ["ratings"]
    assert raw_sources_for(["jozi_pizza_local_silver.quarantine_orders"]) == ["quarantine_orders"]


def test_cli_inputs_are_validated() -> None:
    assert _int_list("10_000,100000", "--sizes") == [10_000, 100_000]
    with pytest.raises(LakeError):
        _int_list("10k", "--sizes")
    with pytest.raises(LakeError):
        _int_list("0", "--sizes")
    assert _conf_pairs(["spark.sql.shuffle.partitions=2"]) == {"spark.sql.shuffle.partitions": "2"}
    with pytest.raises(LakeError):
        _conf_pairs(["shuffle=2"])


def test_results_are_written_as_json_and_markdown(tmp_path: Path) -> None:
    results = {
        "label": "unit",
        "started_at": "2026-11-26T12:00:00+00:00",
        "machine": {"nproc": 2, "cpu_model": "test cpu", "memory_gib": 8.0},
        "scale": [
            {
                "orders": 10_000,
                "days": 40,
                "orders_per_day": 250,
                "bronze_records": 107_000,
                "spark_startup_s": 4.0,
                "spark_transform_s": 30.0,
                "spark_us_per_order": 3000.0,
                "duckdb_s": 3.0,
                "spark_duckdb_ratio": 10.0,
                "peak_rss_mb": 1500.0,
                "stages": [
                    {"name": "bronze_to_silver", "wall_s": 20.0, "rows_per_s": 5350.0, "peak_rss_mb": 1500}
                ],
            }
        ],
        "scale_verdict": {"text": "needs at least two sizes"},
        "incremental": {"runs": [], "ratio": None},
        "query_cost": {},
        "errors": [],
    }
    json_path, md_path = write_results(results, tmp_path, "20261126T120000Z")
    assert json.loads(json_path.read_text())["scale"][0]["orders"] == 10_000
    markdown = md_path.read_text()
    assert md_path.name == "latest.md"
    assert "| 10,000 | 4.00 | 30.00 | 3,000.0 | 3.00 | 10.00 | 1,500 |" in markdown
    assert "bronze_to_silver" in render_markdown(results)


def test_event_log_summary_ranks_call_sites(tmp_path: Path) -> None:
    from jozi_bench.eventlog import latest_event_log, summarise_event_log

    def start(job: int, site: str | None, at: int, tasks: int, stage_name: str = "x") -> dict[str, object]:
        props = {"callSite.short": site} if site else {}
        stages = [{"Stage ID": job, "Stage Name": stage_name, "Number of Tasks": tasks}]
        return {"Event": "SparkListenerJobStart", "Job ID": job, "Submission Time": at, "Stage Infos": stages,
                "Properties": props}  # fmt: skip

    events = [
        {"Event": "SparkListenerApplicationStart"},
        start(0, "first at job.py:10", 1_000, 2),
        {"Event": "SparkListenerJobEnd", "Job ID": 0, "Completion Time": 4_000},
        start(1, "first at job.py:10", 5_000, 2),
        {"Event": "SparkListenerJobEnd", "Job ID": 1, "Completion Time": 6_000},
        start(2, None, 7_000, 40, stage_name="parquet at NativeMethodAccessorImpl.java:0"),
        {"Event": "SparkListenerJobEnd", "Job ID": 2, "Completion Time": 7_500},
    ]
    log = tmp_path / "local-123"
    log.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    (tmp_path / "local-999.inprogress").write_text("")
    assert latest_event_log(tmp_path) == log
    costs, totals = summarise_event_log(log)
    assert [(c.call_site, c.jobs, c.tasks, c.total_s) for c in costs] == [
        ("first at job.py:10", 2, 4, 4.0),
        ("parquet at NativeMethodAccessorImpl.java:0", 1, 40, 0.5),
    ]
    assert totals == {"jobs": 3.0, "job_seconds": 4.5, "tasks": 44.0}
