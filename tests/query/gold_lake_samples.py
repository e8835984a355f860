"""A tiny hand-made gold layer (DuckDB writes the Parquet) for the query and report tests.

Every value is chosen so the expected answers can be worked out by hand; the golden tests spell
the arithmetic out next to each expected row.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from jozi_lake.config import EnvConfig, env_config
from jozi_lake.local.crawler import crawl

BUCKET_DIR = Path("s3") / "jozi-pizza-local-lake"

# order_id, customer_id, order_date, order_hour, weekday, total_min, promised_minutes, prep, oven,
# wait_for_driver, drive, distance_km, zone, driver_id, during_load_shedding, has_complaint, stars, total_zar
# (wait_before_prep is 5 minutes for every order; the five stages add up to total_min.)
FACT_ROWS = """
('O1','C1','2026-06-01',18,'Mon',40.0,35,10.0,12.0,3.0,10.0,4.0,'north','DRV-001',true,true,2,200.00),
('O2','C2','2026-06-01',18,'Mon',30.0,35,8.0,9.0,2.0,6.0,3.0,'north','DRV-001',false,false,5,150.50),
('O3','C3','2026-06-01',18,'Mon',50.0,40,12.0,13.0,10.0,10.0,5.0,'south','DRV-002',true,true,NULL,300.00),
('O4','C1','2026-06-01',12,'Mon',25.0,30,7.0,6.0,2.0,5.0,2.0,'south','DRV-002',false,false,4,99.90),
('O5','C2','2026-06-02',18,'Tue',45.0,35,9.0,11.0,5.0,15.0,6.0,'north','DRV-001',false,false,3,120.00),
('O6','C4','2026-06-02',18,'Tue',33.0,35,8.0,10.0,4.0,6.0,3.0,'south','DRV-002',false,false,NULL,80.00)
"""

FACT_SQL = f"""
SELECT order_id, customer_id, CAST(order_date AS DATE) AS order_date,
       CAST(order_hour AS INTEGER) AS order_hour, weekday,
       CAST(NULL AS TIMESTAMP) AS placed_at, CAST(NULL AS TIMESTAMP) AS delivered_at,
       5.0::DOUBLE AS wait_before_prep_min, prep::DOUBLE AS prep_min, oven::DOUBLE AS oven_min,
       wfd::DOUBLE AS wait_for_driver_min, drive::DOUBLE AS drive_min, total::DOUBLE AS total_min,
       CAST(promised AS INTEGER) AS promised_minutes, (total - promised)::DOUBLE AS minutes_late,
       total - promised > 0 AS is_late, CAST(1 AS INTEGER) AS items_count, driver_id, zone,
       'Sandton' AS suburb, 'app' AS channel, dist::DOUBLE AS distance_km,
       CAST(zar AS DECIMAL(10, 2)) AS total_zar, ls AS during_load_shedding, complaint AS has_complaint,
       CAST(stars AS INTEGER) AS rating_stars
FROM (VALUES {FACT_ROWS}) AS v(order_id, customer_id, order_date, order_hour, weekday, total, promised, prep,
      oven, wfd, drive, dist, zone, driver_id, ls, complaint, stars, zar)
"""

HOURLY_SQL = """
SELECT CAST(d AS DATE) AS order_date, CAST(h AS INTEGER) AS order_hour, w AS weekday,
       CAST(o AS BIGINT) AS orders, CAST(l AS BIGINT) AS late_orders, s::DOUBLE AS late_share,
       p50::DOUBLE AS p50_total_min,
       p90::DOUBLE AS p90_total_min, m::DOUBLE AS avg_minutes_late
FROM (VALUES ('2026-06-01', 12, 'Mon', 1, 0, 0.0, 25.0, 25.0, -5.0),
             ('2026-06-01', 18, 'Mon', 3, 2, 0.6667, 40.0, 50.0, 3.33),
             ('2026-06-01', 19, 'Mon', 2, 1, 0.5, 35.0, 40.0, 1.0),
             ('2026-06-02', 18, 'Tue', 2, 1, 0.5, 39.0, 45.0, 4.0),
             ('2026-06-02', 19, 'Tue', 2, 1, 0.5, 35.0, 40.0, 1.0)) AS v(d, h, w, o, l, s, p50, p90, m)
"""

STAGES_SQL = """
SELECT CAST(d AS DATE) AS order_date, CAST(h AS INTEGER) AS order_hour, w AS weekday, stage,
       CAST(o AS BIGINT) AS orders, CAST(l AS BIGINT) AS late_orders,
       sl::DOUBLE AS stage_min_sum_late, so::DOUBLE AS stage_min_sum_on_time
FROM (VALUES ('2026-06-01', 18, 'Mon', 'wait_before_prep', 3, 2, 10.0, 5.0),
             ('2026-06-01', 18, 'Mon', 'prep', 3, 2, 22.0, 8.0),
             ('2026-06-01', 18, 'Mon', 'oven', 3, 2, 25.0, 9.0),
             ('2026-06-01', 18, 'Mon', 'wait_for_driver', 3, 2, 13.0, 2.0),
             ('2026-06-01', 18, 'Mon', 'drive', 3, 2, 20.0, 6.0),
             ('2026-06-01', 12, 'Mon', 'oven', 1, 0, 0.0, 100.0),
             ('2026-06-01', 19, 'Mon', 'oven', 2, 1, 20.0, 10.0),
             ('2026-06-02', 18, 'Tue', 'wait_before_prep', 2, 1, 5.0, 5.0),
             ('2026-06-02', 18, 'Tue', 'prep', 2, 1, 9.0, 8.0),
             ('2026-06-02', 18, 'Tue', 'oven', 2, 1, 11.0, 10.0),
             ('2026-06-02', 18, 'Tue', 'wait_for_driver', 2, 1, 5.0, 4.0),
             ('2026-06-02', 18, 'Tue', 'drive', 2, 1, 15.0, 6.0)) AS v(d, h, w, stage, o, l, sl, so)
"""

DRIVERS_SQL = """
SELECT CAST(d AS DATE) AS order_date, driver_id, shift, vehicle, CAST(n AS BIGINT) AS deliveries,
       CAST(l AS BIGINT) AS late_deliveries, dm::DOUBLE AS avg_drive_min,
       wm::DOUBLE AS avg_wait_for_driver_min, km::DOUBLE AS avg_min_per_km, CAST(c AS BIGINT) AS complaints
FROM (VALUES ('2026-06-01', 'DRV-001', 'dinner', 'scooter', 2, 1, 8.0, 2.5, 2.0, 1),
             ('2026-06-02', 'DRV-001', 'full', 'scooter', 1, 1, 15.0, 5.0, 2.5, 0),
             ('2026-06-01', 'DRV-002', 'lunch', 'car', 2, 1, 7.5, 6.0, 2.1, 1),
             ('2026-06-02', 'DRV-002', 'lunch', 'car', 1, 0, 6.0, 4.0, 2.0, 0))
     AS v(d, driver_id, shift, vehicle, n, l, dm, wm, km, c)
"""

MENU_SQL = """
SELECT CAST(d AS DATE) AS order_date, item_id, item_name, category, base::DOUBLE AS base_prep_minutes,
       CAST(o AS BIGINT) AS orders_with_item, CAST(q AS BIGINT) AS qty, a::DOUBLE AS avg_prep_min,
       s::DOUBLE AS prep_min_sum
FROM (VALUES ('2026-06-01', 'ITM-01', 'Margherita', 'pizza', 8.0, 3, 4, 10.0, 30.0),
             ('2026-06-02', 'ITM-01', 'Margherita', 'pizza', 8.0, 1, 1, 9.0, 9.0),
             ('2026-06-01', 'ITM-02', 'Garlic bread', 'side', 3.0, 2, 2, 7.5, 15.0),
             ('2026-06-02', 'ITM-03', 'Cola', 'drink', 0.0, 1, 3, 8.0, 8.0))
     AS v(d, item_id, item_name, category, base, o, q, a, s)
"""

COMPLAINTS_SQL = """
SELECT CAST(d AS DATE) AS order_date, b AS lateness_bucket, CAST(o AS BIGINT) AS orders,
       CAST(c AS BIGINT) AS complaints, r::DOUBLE AS complaint_rate, CAST(n AS BIGINT) AS rated_orders,
       s::DOUBLE AS avg_stars
FROM (VALUES ('2026-06-01', 'on_time', 2, 0, 0.0, 2, 4.5),
             ('2026-06-01', 'late_0_10', 2, 2, 1.0, 1, 2.0),
             ('2026-06-02', 'on_time', 1, 0, 0.0, 0, NULL),
             ('2026-06-02', 'late_0_10', 1, 0, 0.0, 1, 3.0),
             ('2026-06-02', 'late_20_plus', 1, 1, 1.0, 1, 1.0)) AS v(d, b, o, c, r, n, s)
"""

REPEAT_SQL = """
SELECT CAST(d AS DATE) AS order_date, e AS experience, CAST(o AS BIGINT) AS orders,
       CAST(c AS BIGINT) AS customers,
       CAST(r AS BIGINT) AS reordered_within_30d, rate::DOUBLE AS repeat_rate
FROM (VALUES ('2026-06-01', 'late', 2, 2, 1, 0.5),
             ('2026-06-01', 'on_time', 2, 2, 2, 1.0),
             ('2026-06-02', 'late', 1, 1, 0, 0.0),
             ('2026-06-02', 'on_time', 1, 1, 1, 1.0)) AS v(d, e, o, c, r, rate)
"""

GOLD_TABLES = {
    "fact_deliveries": FACT_SQL,
    "delivery_performance_hourly": HOURLY_SQL,
    "lateness_stage_attribution": STAGES_SQL,
    "driver_performance": DRIVERS_SQL,
    "menu_prep_impact": MENU_SQL,
    "complaints_vs_lateness": COMPLAINTS_SQL,
    "repeat_customers": REPEAT_SQL,
}


def write_partitioned(lake_home: Path, prefix: str, sql: str, partition_by: str) -> None:
    """Write ``sql``'s rows as Parquet under ``<bucket>/<prefix>/<partition>=<value>/`` (Spark's layout)."""
    target = lake_home / BUCKET_DIR / prefix
    target.parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect()
    try:
        connection.execute(
            f"COPY ({sql}) TO '{target}' (FORMAT parquet, PARTITION_BY ({partition_by}), OVERWRITE_OR_IGNORE)"
        )
    finally:
        connection.close()


def build_gold(lake_home: Path) -> None:
    for table, sql in GOLD_TABLES.items():
        write_partitioned(lake_home, f"gold/{table}", sql, "order_date")


def crawl_sample_lake() -> EnvConfig:
    """Crawl the gold layer and the ops area of the lake at LAKE_HOME; the samples crawl cleanly."""
    env = env_config("local")
    result = crawl(env, ["gold", "ops"])
    assert not result.conflicts, result.conflicts
    assert not result.warnings, result.warnings
    return env
