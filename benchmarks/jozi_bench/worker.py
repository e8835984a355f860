"""One benchmark scenario in its own process: ``python -m jozi_bench.worker <spec.json> <out.json>``.

A fresh process per scenario means a fresh JVM: the Spark start-up is measured cold every time,
memory high-water marks belong to this scenario alone, and a failure at 1M orders leaves the
smaller sizes' results intact. The parent (:mod:`jozi_bench.runner`) reads ``out.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from jozi_bench import integration
from jozi_bench.eventlog import event_log_conf, latest_event_log, summarise_event_log
from jozi_bench.measure import StageMeasurement, measure
from jozi_lake.errors import LakeError
from jozi_lake.jobs import registry

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

    conf = dict(spec.get("spark_conf") or {})
    event_dir = Path(spec["workdir"]) / f"eventlog-{orders}"
    if spec.get("event_log"):
        shutil.rmtree(event_dir, ignore_errors=True)
        conf.update(event_log_conf(event_dir))
    with measure("spark_startup") as m:
        spark = integration.spark_session(conf)
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
    log = latest_event_log(event_dir) if spec.get("event_log") else None
    if log is not None:
        costs, totals = summarise_event_log(log)
        result["spark_hotspots"] = {
            "totals": totals,
            "top": [c.__dict__ for c in costs[:12]],
        }

    from jozi_bench.reference import run_reference

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


def raw_sources_for(tables: list[str]) -> list[str]:
    """Bronze sources behind the (qualified or plain) table names a query read: the raw data a
    question answered from those tables would have to scan without the lake.

    A silver table is its own source; a gold table's sources come from the gold models' SQL
    (:func:`jozi_lake.lineage.silver_sources`), the lineage the gold job itself runs by. Names that are
    not tables of the contracts (a quarantine table) count as their own source.
    """
    from jozi_lake.errors import LakeError
    from jozi_lake.lineage import silver_sources

    sources: set[str] = set()
    for qualified in tables:
        table = qualified.rsplit(".", 1)[-1]
        try:
            sources.update(silver_sources(table))
        except LakeError:
            sources.add(table)
    return sorted(sources)


def _table_totals(env: Any, tables: list[str]) -> tuple[int, int]:
    """(files, partitions) of the catalogued tables a query read: the denominator of pruning."""
    from jozi_lake.local.catalog import LocalCatalog
    from jozi_lake.local.engine import table_files

    catalog = LocalCatalog.for_env(env)
    files = partitions = 0
    for qualified in tables:
        database, name = qualified.split(".", 1)
        table = catalog.get_table(database, name)
        files += len(table_files(table))
        partitions += len(table.partitions) if table.partition_keys else 1
    return files, partitions


def query_cost(env: Any, per_source: dict[str, dict[str, int]], orders: int) -> dict[str, Any]:
    """Per named query: Parquet bytes and files the lake reads vs the raw bronze bytes it would scan."""
    integration.crawl(env, ["silver", "gold"])
    queries: list[dict[str, Any]] = []
    for name in integration.named_queries():
        started = time.perf_counter()
        qr = integration.run_named_query(env, name)
        wall = time.perf_counter() - started
        sources = raw_sources_for(qr.tables)
        raw_bytes = sum(per_source.get(s, {}).get("gz_bytes", 0) for s in sources)
        files_total, partitions_total = _table_totals(env, qr.tables)
        queries.append(
            {
                "query": name,
                "tables": qr.tables,
                "raw_sources": sources,
                "wall_s": round(wall, 4),
                "engine_s": round(qr.elapsed_s, 4),
                "rows": qr.row_count,
                "bytes_read": qr.bytes_read,
                "bytes_scanned": qr.bytes_scanned,
                "files_read": qr.files_read,
                "files_total": files_total,
                "files_pruned": max(0, files_total - qr.files_read),
                "partitions_total": partitions_total,
                "row_groups_scanned": qr.row_groups_scanned,
                "raw_bronze_bytes": raw_bytes,
                "bronze_to_lake_ratio": (raw_bytes / qr.bytes_read) if qr.bytes_read else None,
            }
        )
    return {
        "orders": orders,
        "queries": queries,
        "note": (
            "Raw bronze bytes = total gzip bytes of every bronze source the question needs "
            "(bronze is laid out by ingest date, not event date, so without the lake nothing can be "
            "pruned). Lake bytes = DuckDB profiling io.total_bytes_read over the catalogued Parquet; "
            "files pruned = files of the tables read minus files DuckDB opened."
        ),
    }


_UPDATED_AT = re.compile(rb'"updated_at"\s*:\s*"([^"]*)"')


def split_by_clock(source_dir: Path, cutoff_local: str, before_dir: Path, after_dir: Path) -> dict[str, int]:
    """Split a generated dataset the way the source API's ``as_of`` clock would serve it.

    Records whose ``updated_at`` (local wall clock, which sorts as text) is at or before ``cutoff_local``
    were served by then and go to ``before_dir``; the rest (the new day, plus late-arriving events and
    re-sent updates of older days) to ``after_dir``. Bytes are copied as generated, defects included.
    """
    cutoff = cutoff_local.encode()
    counts = {"before": 0, "after": 0}
    for folder in (before_dir, after_dir):
        folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(source_dir.glob("*.jsonl")):
        with (
            open(path, "rb") as src,
            open(before_dir / path.name, "wb") as before,
            open(after_dir / path.name, "wb") as after,
        ):
            for line in src:
                match = _UPDATED_AT.search(line)
                late = match is not None and match.group(1) > cutoff
                (after if late else before).write(line)
                counts["after" if late else "before"] += 1
    return counts


def incremental_scenario(spec: dict[str, Any]) -> dict[str, Any]:
    """With H days already processed, time landing and processing one more day (for each H).

    The generator makes H+1 days once; the records are split by the source clock at the end of day H,
    the history is landed and processed (not timed), then the new day is landed and processed (timed),
    each landing stamped with the night it would run so bronze gets realistic ``ingest_date`` folders.
    """
    per_day = int(spec.get("orders_per_day", 100))
    histories = [int(h) for h in spec.get("histories", (30, 180))]
    runs: list[dict[str, Any]] = []
    startup: StageMeasurement | None = None
    spark = None
    try:
        for history in histories:
            work = Path(spec["workdir"]) / f"incremental-{history}"
            env = _fresh_lake(work / "lake")
            generated = work / "generated"
            integration.generate(
                env, history + 1, per_day, int(spec.get("seed", 42)), DEFAULT_START, generated
            )
            last_history_day = DEFAULT_START + dt.timedelta(days=history - 1)
            split = split_by_clock(
                generated, f"{last_history_day.isoformat()} 23:59:59", work / "history", work / "new-day"
            )
            # The nightly run starts 00:30 local (lake.yaml schedule) = 22:30 UTC of the day itself.
            night = dt.datetime.combine(last_history_day, dt.time(22, 30), tzinfo=dt.UTC)
            integration.land_bronze(env, work / "history", now=night)
            if spark is None:
                with measure("spark_startup") as startup:
                    spark = integration.spark_session(spec.get("spark_conf") or {})
            setup_started = time.perf_counter()
            for job in registry.jobs():
                integration.run_job(env, job, spark)
            setup_s = time.perf_counter() - setup_started

            stages: list[StageMeasurement] = []
            with measure("land_new_day", rows=split["after"]) as m:
                integration.land_bronze(env, work / "new-day", now=night + dt.timedelta(days=1))
            stages.append(m)
            for job in registry.jobs():
                with measure(job, rows=split["after"]) as m:
                    integration.run_job(env, job, spark)
                stages.append(m)
            runs.append(
                {
                    "history_days": history,
                    "orders_per_day": per_day,
                    "history_records": split["before"],
                    "history_processing_s": round(setup_s, 3),
                    "new_day_records": split["after"],
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
        print("usage: python -m jozi_bench.worker <spec.json> <out.json>", file=sys.stderr)
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
