"""One benchmark scenario in its own process: ``python -m jozi_lake.bench.worker <spec.json> <out.json>``.

A fresh process per scenario means a fresh JVM: the Spark start-up is measured cold every time,
memory high-water marks belong to this scenario alone, and a failure at 1M orders leaves the
smaller sizes' results intact. The parent (:mod:`jozi_lake.bench.runner`) reads ``out.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from jozi_lake.bench import integration
from jozi_lake.bench.measure import StageMeasurement, measure
from jozi_lake.errors import LakeError

JOBS = ("bronze_to_silver", "silver_to_gold")
DEFAULT_START = dt.date(2026, 6, 1)


def plan_days(orders: int) -> tuple[int, int]:
    """Days x orders/day for a target order count.

    Roughly the store's real rhythm (a few hundred orders a day) at the small end, busier days at the
    large end so 1M orders does not mean thousands of tiny daily partitions; the product is rounded up.
    """
    days = 40 if orders <= 10_000 else 100 if orders <= 100_000 else 200
    per_day = max(10, -(-orders // days))
    return days, per_day


def _fresh_lake(home: Path) -> Any:
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    os.environ["LAKE_HOME"] = str(home)
    from jozi_lake.config import env_config

    return env_config("local")


def _duckdb_count(sql: str) -> int:
    import duckdb

    with duckdb.connect() as con:
        row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def bronze_stats(bronze: Path) -> dict[str, Any]:
    """Records and gzip bytes per source: the raw volume each stage is measured against."""
    per_source: dict[str, dict[str, int]] = {}
    for source_dir in sorted(p for p in bronze.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        files = list(source_dir.glob("ingest_date=*/*.json.gz"))
        if not files:
            continue
        glob = str(source_dir / "ingest_date=*" / "*.json.gz").replace("'", "''")
        records = _duckdb_count(
            f"SELECT count(*) FROM read_csv('{glob}', columns={{'line': 'VARCHAR'}}, delim=chr(1), quote='', "
            "escape='', header=false, encoding='latin-1', compression='gzip') WHERE trim(line) <> ''"
        )
        per_source[source_dir.name] = {
            "files": len(files),
            "gz_bytes": sum(f.stat().st_size for f in files),
            "records": records,
        }
    return per_source


def parquet_rows(layer_dir: Path) -> int:
    files = [
        p for p in layer_dir.rglob("*.parquet") if not any(part.startswith(("_", ".")) for part in p.parts)
    ]
    if not files:
        return 0
    listing = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
    return _duckdb_count(f"SELECT sum(num_rows) FROM parquet_file_metadata([{listing}])")


def _layer_files(layer_dir: Path) -> dict[str, int]:
    files = [
        p for p in layer_dir.rglob("*.parquet") if not any(part.startswith(("_", ".")) for part in p.parts)
    ]
    return {"files": len(files), "bytes": sum(f.stat().st_size for f in files)}


def scale_scenario(spec: dict[str, Any]) -> dict[str, Any]:
    """Generate N orders, land bronze, time bronze -> silver -> gold on Spark and on the DuckDB reference."""
    orders = int(spec["orders"])
    days, per_day = (
        spec.get("days") or plan_days(orders)[0],
        spec.get("orders_per_day") or plan_days(orders)[1],
    )
    env = _fresh_lake(Path(spec["workdir"]) / f"scale-{orders}")
    stages: list[StageMeasurement] = []
    result: dict[str, Any] = {"orders": orders, "days": days, "orders_per_day": per_day, "stages": stages}

    with measure("generate") as m:
        integration.generate(env, days, per_day, int(spec.get("seed", 42)), DEFAULT_START)
    stages.append(m)
    with measure("land_bronze") as m:
        integration.land_bronze(env)
    stages.append(m)

    bronze = integration.bronze_dir(env)
    per_source = bronze_stats(bronze)
    bronze_records = sum(s["records"] for s in per_source.values())
    result.update(bronze_records=bronze_records, bronze=per_source)
    result["bronze_gz_bytes"] = sum(s["gz_bytes"] for s in per_source.values())
    stages[0].rows = stages[1].rows = bronze_records

    with measure("spark_startup") as m:
        spark = integration.spark_session(spec.get("spark_conf") or {})
    stages.append(m)
    result["spark_startup_s"] = m.wall_s
    job_reports: dict[str, Any] = {}
    try:
        with measure("bronze_to_silver", rows=bronze_records) as m:
            job_reports["bronze_to_silver"] = integration.run_job(env, "bronze_to_silver", spark)
        stages.append(m)
        silver_dir = bronze.parent / "silver"
        silver_rows = parquet_rows(silver_dir)
        with measure("silver_to_gold", rows=silver_rows) as m:
            job_reports["silver_to_gold"] = integration.run_job(env, "silver_to_gold", spark)
        stages.append(m)
    finally:
        spark.stop()
    result["silver"] = {"rows": silver_rows, **_layer_files(silver_dir)}
    gold_dir = bronze.parent / "gold"
    result["gold"] = {"rows": parquet_rows(gold_dir), **_layer_files(gold_dir)}
    result["job_reports"] = job_reports

    from jozi_lake.bench.reference import run_reference

    ref_out = Path(spec["workdir"]) / f"reference-{orders}"
    shutil.rmtree(ref_out, ignore_errors=True)
    with measure("duckdb_reference", rows=bronze_records) as m:
        ref = run_reference(bronze, out_dir=ref_out)
    m.extra = {
        "silver_s": round(ref.silver_s, 3),
        "gold_s": round(ref.gold_s, 3),
        "write_s": round(ref.write_s, 3),
        "gold_rows": ref.gold_rows,
    }
    ref.con.close()
    stages.append(m)
    shutil.rmtree(ref_out, ignore_errors=True)

    by_name = {s.name: s for s in stages}
    spark_s = by_name["bronze_to_silver"].wall_s + by_name["silver_to_gold"].wall_s
    result["spark_transform_s"] = spark_s
    result["spark_us_per_order"] = spark_s / orders * 1e6
    result["duckdb_s"] = by_name["duckdb_reference"].wall_s
    result["spark_duckdb_ratio"] = spark_s / result["duckdb_s"] if result["duckdb_s"] else None
    result["peak_rss_mb"] = max((s.peak_rss_mb or 0.0) for s in stages)

    if spec.get("query_cost"):
        result["query_cost"] = query_cost(env, per_source, orders)
    result["stages"] = [s.to_dict() for s in stages]
    return result


# Which bronze sources each gold table is built from (docs/data-model.md): the raw data a question
# answered from that table would have to scan without the lake.
GOLD_LINEAGE: dict[str, tuple[str, ...]] = {
    "fact_deliveries": (
        "orders",
        "order_items",
        "kitchen_events",
        "dispatch_events",
        "complaints",
        "ratings",
        "load_shedding",
    ),
    "delivery_performance_hourly": ("orders", "kitchen_events", "dispatch_events"),
    "lateness_stage_attribution": ("orders", "kitchen_events", "dispatch_events"),
    "driver_performance": ("orders", "kitchen_events", "dispatch_events", "drivers", "complaints"),
    "menu_prep_impact": ("orders", "order_items", "menu", "kitchen_events", "dispatch_events"),
    "complaints_vs_lateness": ("orders", "kitchen_events", "dispatch_events", "complaints", "ratings"),
    "repeat_customers": ("orders", "kitchen_events", "dispatch_events"),
}


def tables_in_sql(sql: str) -> set[str]:
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read="athena")
    except sqlglot.errors.ParseError:
        tree = sqlglot.parse_one(sql, read="trino")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    return {t.name for t in tree.find_all(exp.Table) if t.name not in ctes}


def raw_sources_for(tables: set[str]) -> set[str]:
    sources: set[str] = set()
    for table in tables:
        # A silver table is one source; a gold table is its lineage.
        sources.update(GOLD_LINEAGE.get(table, (table,)))
    return sources


def _profile_value(result: Any, *names: str) -> Any:
    for name in names:
        value = getattr(result, name, None)
        if value is None and isinstance(result, dict):
            value = result.get(name)
        if value is not None:
            return value
    return None


def query_cost(env: Any, per_source: dict[str, dict[str, int]], orders: int) -> dict[str, Any]:
    """Per named query: Parquet bytes and files the lake reads vs the raw bronze bytes it would scan."""
    from jozi_lake.config import repo_root

    for layer in ("silver", "gold"):
        integration.crawl(env, layer)
    queries: list[dict[str, Any]] = []
    for name in integration.named_queries():
        sql = (repo_root() / "sql" / "queries" / f"{name}.sql").read_text(encoding="utf-8")
        tables = tables_in_sql(sql)
        sources = raw_sources_for(tables)
        raw_bytes = sum(per_source.get(s, {}).get("gz_bytes", 0) for s in sources)
        started = time.perf_counter()
        qr = integration.run_named_query(env, name)
        wall = time.perf_counter() - started
        bytes_read = _profile_value(qr, "bytes_read", "total_bytes_read")
        row = {
            "query": name,
            "tables": sorted(tables),
            "raw_sources": sorted(sources),
            "wall_s": round(wall, 4),
            "rows": _profile_value(qr, "row_count", "rows_returned"),
            "bytes_read": bytes_read,
            "files_read": _profile_value(qr, "files_read"),
            "partitions_read": _profile_value(qr, "partitions_read"),
            "partitions_total": _profile_value(qr, "partitions_total"),
            "partitions_pruned": _profile_value(qr, "partitions_pruned"),
            "raw_bronze_bytes": raw_bytes,
            "bronze_to_lake_ratio": (raw_bytes / bytes_read) if bytes_read else None,
        }
        queries.append(row)
    return {
        "orders": orders,
        "queries": queries,
        "note": (
            "Raw bronze bytes = total gzip bytes of every bronze source the question needs "
            "(bronze is laid out by ingest date, not event date, so without the lake nothing can be "
            "pruned). Lake bytes = "
            "DuckDB profiling io.total_bytes_read over the gold/silver Parquet."
        ),
    }


def incremental_scenario(spec: dict[str, Any]) -> dict[str, Any]:
    """With H days already processed, time landing and processing one more day (for each H)."""
    per_day = int(spec.get("orders_per_day", 100))
    histories = [int(h) for h in spec.get("histories", (30, 180))]
    runs: list[dict[str, Any]] = []
    startup: StageMeasurement | None = None
    spark = None
    try:
        for history in histories:
            env = _fresh_lake(Path(spec["workdir"]) / f"incremental-{history}")
            integration.generate(env, history + 1, per_day, int(spec.get("seed", 42)), DEFAULT_START)
            last_history_day = DEFAULT_START + dt.timedelta(days=history - 1)
            integration.land_bronze(env, until=last_history_day)
            if spark is None:
                with measure("spark_startup") as startup:
                    spark = integration.spark_session(spec.get("spark_conf") or {})
            setup_started = time.perf_counter()
            for job in JOBS:
                integration.run_job(env, job, spark)
            setup_s = time.perf_counter() - setup_started
            bronze = integration.bronze_dir(env)
            before = sum(s["records"] for s in bronze_stats(bronze).values())

            stages: list[StageMeasurement] = []
            with measure("land_new_day") as m:
                integration.land_bronze(env, until=last_history_day + dt.timedelta(days=1))
            stages.append(m)
            new_records = sum(s["records"] for s in bronze_stats(bronze).values()) - before
            m.rows = new_records
            for job in JOBS:
                with measure(job, rows=new_records) as m:
                    integration.run_job(env, job, spark)
                stages.append(m)
            runs.append(
                {
                    "history_days": history,
                    "orders_per_day": per_day,
                    "history_processing_s": round(setup_s, 3),
                    "new_day_records": new_records,
                    "new_day_total_s": sum(s.wall_s for s in stages),
                    "stages": [s.to_dict() for s in stages],
                }
            )
    finally:
        if spark is not None:
            spark.stop()
    ratio = None
    if len(runs) >= 2 and runs[0]["new_day_total_s"]:
        ratio = runs[-1]["new_day_total_s"] / runs[0]["new_day_total_s"]
    return {"runs": runs, "ratio": ratio, "spark_startup": startup.to_dict() if startup else None}


SCENARIOS = {"scale": scale_scenario, "incremental": incremental_scenario}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m jozi_lake.bench.worker <spec.json> <out.json>", file=sys.stderr)
        return 2
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    out = Path(argv[1])
    try:
        payload = {"ok": True, "result": SCENARIOS[spec["scenario"]](spec)}
    except LakeError as err:
        payload = {"ok": False, "error": str(err)}
    except Exception as err:  # a benchmark records the failure and lets the other scenarios run
        payload = {"ok": False, "error": f"{type(err).__name__}: {err}", "traceback": traceback.format_exc()}
    out.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    return 0 if payload["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
