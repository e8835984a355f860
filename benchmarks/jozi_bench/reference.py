"""The reference implementation: bronze -> silver -> gold as plain DuckDB SQL over the same bronze files.

Why it exists: a number like "Spark takes 40 s" says nothing on its own. The same transformation
written directly for a single-machine engine tells how much of that time is the work and how much is
the engine (start-up, shuffles, JVM), and a second implementation of the same rules catches logic
errors in either (``tests/bench/test_reference_equality.py`` compares their gold numbers).

Silver is generated from the same contract YAML files the Spark job reads (parse kinds, required
columns, quarantine rules, primary key and "latest ``updated_at`` wins"), so the reference follows the
contracts rather than re-stating them. Gold is written here by hand from ``docs/data-model.md``.

Bronze lines are read as JSON objects and every field is extracted as text, so parsing follows the
contract's parse kinds rather than DuckDB's type inference. A line that is not valid JSON or not valid
UTF-8 (the generator's ``non_utf8`` defect) is rejected, exactly as silver quarantines it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from jozi_lake.config import load_config, repo_root
from jozi_lake.errors import LakeError

CONTRACTS_DIR = repo_root() / "contracts" / "silver"
STAGES = ("wait_before_prep", "prep", "oven", "wait_for_driver", "drive")
# Wall-clock spellings the store's systems emit (an offset, if any, is split off first).
WALL_CLOCK_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
)
TIMESTAMP_WITH_OFFSET = r"^(.*?\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?$"
DECIMAL_TEXT = r"[+-]?[0-9]{1,15}(\.[0-9]{1,18})?"
FLOAT_TEXT = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,3})?"


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def load_silver_contracts(contracts_dir: Path = CONTRACTS_DIR) -> dict[str, dict[str, Any]]:
    contracts: dict[str, dict[str, Any]] = {}
    for path in sorted(contracts_dir.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        contracts[data["table"]] = data
    if not contracts:
        raise LakeError(f"no silver contracts found in {contracts_dir}", "run from a full checkout")
    return contracts


def _parse_expr(raw: str, parse: str, sql_type: str, tz: str) -> tuple[str, str | None]:
    """DuckDB expression typing one raw string value, plus (for timestamps) its UTC offset in minutes.

    Mirrors the parse kinds of ``jozi_lake.transforms.normalize`` (the same accepted spellings and the
    same "null when it does not read" rule), written independently in DuckDB SQL.
    """
    text = f"TRIM({raw})"
    if parse == "text":
        return f"CASE WHEN TRIM({raw}) = '' THEN NULL ELSE {raw} END", None
    if parse == "integer":
        number = (
            f"CASE WHEN regexp_full_match({text}, '{DECIMAL_TEXT}') THEN CAST({text} AS DECIMAL(20,4)) END"
        )
        return f"CASE WHEN {number} = floor({number}) THEN CAST({number} AS {sql_type.upper()}) END", None
    if parse == "number":
        return (
            f"CASE WHEN regexp_full_match({text}, '{FLOAT_TEXT}') THEN TRY_CAST({text} AS DOUBLE) END",
            None,
        )
    if parse == "money":
        stripped = f"regexp_replace(regexp_replace({text}, '^(?i)(ZAR|R)\\s*', ''), '[\\s\u00a0]', '', 'g')"
        canonical = (
            f"CASE WHEN regexp_full_match({stripped}, '-?[0-9.]*,[0-9]{{1,2}}') "
            f"THEN replace(replace({stripped}, '.', ''), ',', '.') ELSE replace({stripped}, ',', '') END"
        )
        return (
            f"CASE WHEN regexp_full_match({canonical}, '{DECIMAL_TEXT}') "
            f"THEN CAST(CAST({canonical} AS DECIMAL(20,4)) AS {sql_type.upper()}) END"
        ), None
    if parse == "date":
        return f"CAST(TRY_STRPTIME({text}, ['%Y-%m-%d', '%d/%m/%Y']) AS DATE)", None
    if parse == "boolean":
        value = f"lower({text})"
        return (
            f"CASE WHEN {value} IN ('true', '1', 'yes', 'y') THEN TRUE "
            f"WHEN {value} IN ('false', '0', 'no', 'n') THEN FALSE END"
        ), None
    if parse == "local_timestamp":
        formats = "[" + ", ".join(_sql_str(f) for f in WALL_CLOCK_FORMATS) + "]"
        wall_text = f"regexp_extract({text}, '{TIMESTAMP_WITH_OFFSET}', 1)"
        offset_text = f"regexp_extract({text}, '{TIMESTAMP_WITH_OFFSET}', 2)"
        # Fast path for the common spelling (no offset possible in 19 characters); regexes otherwise.
        plain = f"(length({text}) = 19 AND substr({text}, 11, 1) = ' ')"
        wall = (
            f"CASE WHEN {plain} THEN TRY_STRPTIME({text}, '%Y-%m-%d %H:%M:%S') "
            f"ELSE TRY_STRPTIME({wall_text}, {formats}) END"
        )
        digits = f"regexp_replace({offset_text}, '[^0-9]', '', 'g')"
        given = (
            f"CASE WHEN {plain} THEN NULL WHEN {offset_text} = 'Z' THEN 0 WHEN length({digits}) = 4 THEN "
            f"(CASE WHEN left({offset_text}, 1) = '-' THEN -1 ELSE 1 END) * "
            f"(CAST(left({digits}, 2) AS INTEGER) * 60 + CAST(right({digits}, 2) AS INTEGER)) END"
        )
        zone_utc = f"CAST(timezone({_sql_str(tz)}, {wall}) AS TIMESTAMP)"
        utc = f"CASE WHEN ({given}) IS NOT NULL THEN {wall} - to_minutes(({given})) ELSE {zone_utc} END"
        offset = (
            f"CASE WHEN {wall} IS NOT NULL THEN "
            f"COALESCE(({given}), CAST(date_diff('minute', {zone_utc}, {wall}) AS INTEGER)) END"
        )
        return utc, offset
    raise LakeError(f"reference implementation does not know parse kind {parse!r}")


def silver_sql(contract: dict[str, Any], source_glob: str | None, tz: str) -> str:
    """One silver table: parse every column, drop quarantined rows, keep the latest version per key.

    ``source_glob`` None means the source has no bronze files yet: the table is empty but typed.
    """
    columns = contract["columns"]
    paths = []
    for col in columns:
        for name in [col["name"], *col.get("source_aliases", [])]:
            paths.append(name)
    extract = "json_extract_string(line, [" + ", ".join(_sql_str("$." + p) for p in paths) + "])"
    index = {p: i + 1 for i, p in enumerate(paths)}

    typed: list[str] = []
    checks: list[str] = []
    for col in columns:
        raws = [f"v[{index[n]}]" for n in [col["name"], *col.get("source_aliases", [])]]
        raw = raws[0] if len(raws) == 1 else f"COALESCE({', '.join(raws)})"
        expr, offset = _parse_expr(raw, col.get("parse", "text"), col["type"], tz)
        typed.append(f"{expr} AS {col['name']}")
        if offset is not None:
            typed.append(f"{offset} AS {col['name']}_utc_offset_minutes")
        if col.get("required"):
            checks.append(f"{col['name']} IS NOT NULL")
        else:
            # A value that is present but does not parse is a defect, not a missing value.
            checks.append(f"(NULLIF(TRIM({raw}), '') IS NULL OR {col['name']} IS NOT NULL)")
    for rule in contract.get("rules", []):
        if rule.get("severity") == "quarantine":
            checks.append(f"COALESCE(({rule['expr']}), FALSE)")
    key = ", ".join(contract["primary_key"])
    order = contract.get("dedup_order", "updated_at")
    # A line that is not valid JSON or not valid UTF-8 reads as NULL here and is left out, as silver
    # quarantines it (record_error corrupt_record / non_utf8).
    raw_lines = (
        f"read_json_objects({_sql_str(source_glob)}, format='newline_delimited', ignore_errors=true, "
        "compression='gzip') AS t(line)"
        if source_glob
        else "(SELECT CAST(NULL AS JSON) AS line WHERE false)"  # a source with no data yet (no windows)
    )
    return (
        f"WITH raw AS MATERIALIZED (SELECT {extract} AS v FROM {raw_lines} WHERE line IS NOT NULL),\n"
        f"typed AS MATERIALIZED (SELECT v, {', '.join(typed)} FROM raw),\n"
        f"valid AS (SELECT * FROM typed WHERE {' AND '.join(checks)})\n"
        f"SELECT * EXCLUDE (_rn, v) FROM (SELECT *, row_number() OVER (PARTITION BY {key} "
        f"ORDER BY {order} DESC) AS _rn FROM valid) WHERE _rn = 1"
    )


# Gold doubles are rounded to 6 decimals (a rerun that sums in another order writes the same bytes).
DECIMALS = 6


def _round(expr: str) -> str:
    return f"round({expr}, {DECIMALS})"


def _minutes(later: str, earlier: str) -> str:
    return _round(f"(epoch_us({later}) - epoch_us({earlier})) / 60000000.0")


def gold_sql(tz: str) -> dict[str, str]:
    """The gold tables over the ``s_<table>`` silver tables, in dependency order."""
    local = f"CAST(timezone({_sql_str(tz)}, CAST(o.placed_at AS TIMESTAMPTZ)) AS TIMESTAMP)"
    kitchen_cols = ",\n  ".join(
        f"min(event_at) FILTER (WHERE event_type = '{t}') AS {t.replace('started', 'started')}_at"
        for t in ("prep_started", "prep_finished", "oven_in", "oven_out")
    )
    dispatch_cols = ",\n  ".join(
        f"min(event_at) FILTER (WHERE event_type = '{t}') AS {t}_at"
        for t in ("driver_assigned", "departed", "delivered")
    )
    stage_minutes = {
        "wait_before_prep": _minutes("prep_started_at", "placed_at"),
        "prep": _minutes("prep_finished_at", "prep_started_at"),
        "oven": _minutes("oven_out_at", "prep_finished_at"),
        "wait_for_driver": _minutes("departed_at", "oven_out_at"),
        "drive": _minutes("delivered_at", "departed_at"),
    }
    fact = f"""
WITH k AS (SELECT order_id, {kitchen_cols} FROM s_kitchen_events GROUP BY order_id),
d AS (
  SELECT order_id, {dispatch_cols},
    -- The driver who departed with the order, else the one assigned, else any; ties by time, then id.
    arg_min(driver_id, row(CASE event_type WHEN 'departed' THEN 0 WHEN 'driver_assigned' THEN 1 ELSE 2 END,
                           event_at, driver_id)) FILTER (WHERE driver_id IS NOT NULL) AS driver_id
  FROM s_dispatch_events GROUP BY order_id),
i AS (SELECT order_id, CAST(sum(qty) AS INTEGER) AS items_count FROM s_order_items GROUP BY order_id),
c AS (SELECT DISTINCT order_id FROM s_complaints),
r AS (SELECT order_id, arg_max(stars, row(rated_at, updated_at, rating_id)) AS rating_stars
      FROM s_ratings GROUP BY order_id),
base AS (
  SELECT o.order_id, o.customer_id, {local} AS placed_local, o.placed_at,
    k.prep_started_at, k.prep_finished_at, k.oven_in_at, k.oven_out_at,
    d.driver_assigned_at, d.departed_at, d.delivered_at,
    o.promised_minutes, i.items_count, d.driver_id, o.zone, o.suburb, o.channel, o.distance_km, o.total_zar,
    c.order_id IS NOT NULL AS has_complaint, r.rating_stars
  FROM s_orders o
  LEFT JOIN k USING (order_id) LEFT JOIN d USING (order_id) LEFT JOIN i USING (order_id)
  LEFT JOIN c USING (order_id) LEFT JOIN r USING (order_id)
  WHERE o.status = 'delivered')
SELECT order_id, customer_id, CAST(placed_local AS DATE) AS order_date, CAST(hour(placed_local) AS INTEGER)
    AS order_hour, strftime(placed_local, '%a') AS weekday, placed_at, prep_started_at, prep_finished_at,
  oven_in_at, oven_out_at, driver_assigned_at, departed_at, delivered_at,
  {", ".join(f"{expr} AS {name}_min" for name, expr in stage_minutes.items())},
  {_minutes("delivered_at", "placed_at")} AS total_min, promised_minutes,
  {_round(_minutes("delivered_at", "placed_at") + " - promised_minutes")} AS minutes_late,
  {_round(_minutes("delivered_at", "placed_at") + " - promised_minutes")} > 0 AS is_late,
  items_count, driver_id, zone, suburb, channel, distance_km, total_zar,
  EXISTS (SELECT 1 FROM s_load_shedding ls WHERE ls.starts_at < base.oven_out_at
          AND ls.ends_at > base.prep_finished_at) AS during_load_shedding,
  has_complaint, rating_stars
FROM base"""
    hourly = """
SELECT order_date, order_hour, any_value(weekday) AS weekday, count(*) AS orders,
  count(*) FILTER (WHERE is_late) AS late_orders,
  round(count(*) FILTER (WHERE is_late) / count(*), 6) AS late_share,
  round(quantile_cont(total_min, 0.5), 6) AS p50_total_min,
  round(quantile_cont(total_min, 0.9), 6) AS p90_total_min,
  round(avg(minutes_late), 6) AS avg_minutes_late
FROM g_fact_deliveries GROUP BY order_date, order_hour"""
    unpivot = " UNION ALL ".join(
        f"SELECT order_date, order_hour, weekday, '{s}' AS stage, is_late, {s}_min AS m "
        "FROM g_fact_deliveries"
        for s in STAGES
    )
    attribution = f"""
SELECT order_date, order_hour, any_value(weekday) AS weekday, stage, count(*) AS orders,
  count(*) FILTER (WHERE is_late) AS late_orders,
  round(COALESCE(sum(m) FILTER (WHERE is_late), 0), 6) AS stage_min_sum_late,
  round(COALESCE(sum(m) FILTER (WHERE NOT is_late), 0), 6) AS stage_min_sum_on_time
FROM ({unpivot}) WHERE m IS NOT NULL AND is_late IS NOT NULL GROUP BY order_date, order_hour, stage"""
    drivers = """
SELECT f.order_date, f.driver_id, any_value(dr.shift) AS shift, any_value(dr.vehicle) AS vehicle,
  count(*) AS deliveries, count(*) FILTER (WHERE f.is_late) AS late_deliveries,
  round(avg(f.drive_min), 6) AS avg_drive_min,
  round(avg(f.wait_for_driver_min), 6) AS avg_wait_for_driver_min,
  round(sum(f.drive_min) / sum(f.distance_km) FILTER (WHERE f.drive_min IS NOT NULL), 6) AS avg_min_per_km,
  count(*) FILTER (WHERE f.has_complaint) AS complaints
FROM g_fact_deliveries f LEFT JOIN s_drivers dr USING (driver_id)
WHERE f.driver_id IS NOT NULL GROUP BY f.order_date, f.driver_id"""
    menu = """
WITH lines AS (SELECT order_id, item_id, sum(qty) AS qty FROM s_order_items GROUP BY order_id, item_id)
SELECT f.order_date, l.item_id, any_value(m.name) AS item_name, any_value(m.category) AS category,
  any_value(m.base_prep_minutes) AS base_prep_minutes, count(*) AS orders_with_item, sum(l.qty) AS qty,
  round(avg(f.prep_min), 6) AS avg_prep_min, round(COALESCE(sum(f.prep_min), 0), 6) AS prep_min_sum
FROM g_fact_deliveries f JOIN lines l USING (order_id) LEFT JOIN s_menu m USING (item_id)
GROUP BY f.order_date, l.item_id"""
    complaints = """
SELECT order_date,
  CASE WHEN minutes_late <= 0 THEN 'on_time' WHEN minutes_late <= 10 THEN 'late_0_10'
       WHEN minutes_late <= 20 THEN 'late_10_20' ELSE 'late_20_plus' END AS lateness_bucket,
  count(*) AS orders, count(*) FILTER (WHERE has_complaint) AS complaints,
  round(count(*) FILTER (WHERE has_complaint) / count(*), 6) AS complaint_rate,
  count(rating_stars) AS rated_orders, round(avg(rating_stars), 6) AS avg_stars
FROM g_fact_deliveries WHERE minutes_late IS NOT NULL GROUP BY ALL"""
    repeat = """
WITH exp AS (
  SELECT order_date, customer_id, placed_at, CASE WHEN is_late THEN 'late' ELSE 'on_time' END AS experience
  FROM g_fact_deliveries WHERE is_late IS NOT NULL),
came_back AS (
  SELECT e.order_date, e.experience, e.customer_id,
    EXISTS (SELECT 1 FROM s_orders o WHERE o.customer_id = e.customer_id AND o.placed_at > e.placed_at
            AND o.placed_at <= e.placed_at + INTERVAL 30 DAY) AS reordered
  FROM exp e)
SELECT order_date, experience, count(*) AS orders, count(DISTINCT customer_id) AS customers,
  count(DISTINCT customer_id) FILTER (WHERE reordered) AS reordered_within_30d,
  round(count(DISTINCT customer_id) FILTER (WHERE reordered) / count(DISTINCT customer_id), 6) AS repeat_rate
FROM came_back GROUP BY order_date, experience"""
    return {
        "fact_deliveries": fact,
        "delivery_performance_hourly": hourly,
        "lateness_stage_attribution": attribution,
        "driver_performance": drivers,
        "menu_prep_impact": menu,
        "complaints_vs_lateness": complaints,
        "repeat_customers": repeat,
    }


@dataclass
class ReferenceRun:
    """Timings and row counts of one reference run; ``con`` keeps the tables for comparisons."""

    con: Any
    silver_rows: dict[str, int] = field(default_factory=dict)
    gold_rows: dict[str, int] = field(default_factory=dict)
    silver_s: float = 0.0
    gold_s: float = 0.0
    write_s: float = 0.0

    @property
    def total_s(self) -> float:
        return self.silver_s + self.gold_s + self.write_s


def run_reference(
    bronze_dir: Path,
    out_dir: Path | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> ReferenceRun:
    """Build silver and gold from ``bronze_dir`` in DuckDB; write both as Parquet under ``out_dir`` if given.

    Writing is part of the timed work when ``out_dir`` is set, because the Spark side writes its
    layers too; without it the comparison would flatter DuckDB.
    """
    import duckdb

    config = load_config()
    tz = config.source_timezone
    if not bronze_dir.is_dir():
        raise LakeError(f"no bronze data at {bronze_dir}", "land bronze first (lake ingest / lake drop)")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = {_sql_str(memory_limit)}")
    run = ReferenceRun(con=con)

    started = time.perf_counter()
    for table, contract in load_silver_contracts().items():
        has_files = any((bronze_dir / table).glob("ingest_date=*/*.json.gz"))
        glob = str(bronze_dir / table / "ingest_date=*" / "*.json.gz") if has_files else None
        con.execute(f"CREATE OR REPLACE TABLE s_{table} AS {silver_sql(contract, glob, tz)}")
        run.silver_rows[table] = con.execute(f"SELECT count(*) FROM s_{table}").fetchall()[0][0]
    run.silver_s = time.perf_counter() - started

    started = time.perf_counter()
    for table, sql in gold_sql(tz).items():
        con.execute(f"CREATE OR REPLACE TABLE g_{table} AS {sql}")
        run.gold_rows[table] = con.execute(f"SELECT count(*) FROM g_{table}").fetchall()[0][0]
    run.gold_s = time.perf_counter() - started

    if out_dir is not None:
        started = time.perf_counter()
        for prefix, layer, names in (("s", "silver", run.silver_rows), ("g", "gold", run.gold_rows)):
            for table in names:
                target = out_dir / layer / table
                target.mkdir(parents=True, exist_ok=True)
                con.execute(
                    f"COPY {prefix}_{table} TO {_sql_str(str(target / 'data.parquet'))} (FORMAT parquet)"
                )
        run.write_s = time.perf_counter() - started
    return run
