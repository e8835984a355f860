"""Golden results of every named query and view on the hand-made gold layer (tests/query/conftest.py).

Expected values are worked out by hand with Trino semantics (integer counts, double averages,
round half away from zero, nearest-rank percentiles); the arithmetic is written next to each row.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from ops_lake_samples import TODAY, days_ago

from jozi_lake.config import EnvConfig
from jozi_lake.local.engine import run_query
from jozi_lake.query import list_named_queries, list_views
from jozi_lake.query.guard import ensure_read_only
from jozi_lake.query.named import OPS, QUERIES
from jozi_lake.query.translate import parse_athena

EXPECTED: dict[str, list[tuple[Any, ...]]] = {
    # weekday, hour, orders, late, late_share, p90 (nearest rank: ceil(0.9 n)-th smallest total_min)
    "late_share_by_hour_weekday": [
        ("Mon", 12, 1, 0, 0.0, 25.0),  # O4 only
        ("Mon", 18, 3, 2, 0.6667, 50.0),  # O1 40 late, O2 30, O3 50 late; rank ceil(2.7)=3 -> 50
        ("Tue", 18, 2, 1, 0.5, 45.0),  # O5 45 late, O6 33; rank ceil(1.8)=2 -> 45
    ],
    # Peak hours: orders by hour 12 -> 1, 18 -> 5, 19 -> 4; 0.8 * 5 = 4 -> hours 18 and 19.
    # stage, late, on-time, avg late, avg on-time, excess, share of the 46/3 total excess
    "peak_hour_stage_excess": [
        ("drive", 3, 2, 11.67, 6.0, 5.67, 0.3696),  # 35/3 - 12/2 = 17/3; 17/46
        (
            "oven",
            4,
            3,
            14.0,
            9.67,
            4.33,
            0.2826,
        ),  # (25+11+20)/4 - (9+10+10)/3 = 13/3; 13/46 (hour 12 excluded)
        ("wait_for_driver", 3, 2, 6.0, 3.0, 3.0, 0.1957),  # 18/3 - 6/2 = 3; 9/46
        ("prep", 3, 2, 10.33, 8.0, 2.33, 0.1522),  # 31/3 - 16/2 = 7/3; 7/46
        ("wait_before_prep", 3, 2, 5.0, 5.0, 0.0, 0.0),  # 15/3 - 10/2 = 0
    ],
    # Per weekday x meal peak (hours 18 and 19 are dinner; the lunch hour 12 row has no late order).
    # weekday, daypart, top stage, late, on-time, avg late, avg on-time, excess, share of the excess
    "stage_excess_by_weekday_daypart": [
        # Mon dinner: oven (25+20)/3 - (9+10)/2 = 5.5 of 0 + 3 + 5.5 + 4.5 + 4 = 17 excess minutes
        ("Mon", "dinner", "oven", 3, 2, 15.0, 9.5, 5.5, 0.3235),
        # Tue dinner: drive 15 - 6 = 9 of 0 + 1 + 1 + 1 + 9 = 12
        ("Tue", "dinner", "drive", 1, 1, 15.0, 6.0, 9.0, 0.75),
    ],
    # driver, latest shift/vehicle, deliveries, late, share, weighted avg drive, weighted avg wait, complaints
    "driver_lateness": [
        ("DRV-001", "full", "scooter", 3, 2, 0.6667, 10.33, 3.33, 1),  # (8*2+15)/3, (2.5*2+5)/3
        ("DRV-002", "lunch", "car", 3, 1, 0.3333, 7.0, 5.33, 1),  # (7.5*2+6)/3, (6*2+4)/3
    ],
    # zone, orders, late share, avg km, avg drive, avg wait for driver, drive min per km, avg minutes late
    "zone_lateness": [
        ("north", 3, 0.6667, 4.33, 10.33, 3.33, 2.38, 3.33),  # O1 O2 O5: 13 km, 31 drive min, (5-5+10)/3
        ("south", 3, 0.3333, 3.33, 7.0, 5.33, 2.1, 1.0),  # O3 O4 O6: 10 km, 21 drive min, (10-5-2)/3
    ],
    # overall average prep of all orders = (10+8+12+7+9+8)/6 = 9
    "menu_items_kitchen_impact": [
        ("ITM-01", "Margherita", "pizza", 8.0, 4, 5, 9.75, 0.75),  # 39/4
        ("ITM-03", "Cola", "drink", 0.0, 1, 3, 8.0, -1.0),
        ("ITM-02", "Garlic bread", "side", 3.0, 2, 2, 7.5, -1.5),
    ],
    "complaints_vs_lateness": [
        ("on_time", 3, 0, 0.0, 2, 4.5),  # stars (4.5*2 + NULL*0) / 2
        ("late_0_10", 3, 2, 0.6667, 2, 2.5),  # (2.0*1 + 3.0*1) / 2
        ("late_20_plus", 1, 1, 1.0, 1, 1.0),
    ],
    "load_shedding_impact": [
        (True, 2, 1.0, 12.5, 45.0, 7.5),  # O1 O3
        (False, 4, 0.25, 9.0, 33.25, -0.5),  # O2 O4 O5 O6: oven 36/4, total 133/4, late (-5-5+10-2)/4
    ],
    "repeat_after_late": [
        ("late", 3, 3, 1, 0.3333),
        ("on_time", 3, 3, 3, 1.0),
    ],
    # hour, stage, orders, (sum late + sum on time) / orders over the hour's slots of both days
    "stage_minutes_by_hour": [
        (12, "oven", 1, 100.0),  # (0 + 100) / 1
        (18, "wait_before_prep", 5, 5.0),  # (10 + 5 + 5 + 5) / (3 + 2)
        (18, "prep", 5, 9.4),  # (22 + 8 + 9 + 8) / 5
        (18, "oven", 5, 11.0),  # (25 + 9 + 11 + 10) / 5
        (18, "wait_for_driver", 5, 4.8),  # (13 + 2 + 5 + 4) / 5
        (18, "drive", 5, 9.4),  # (20 + 6 + 15 + 6) / 5
        (19, "oven", 2, 15.0),  # (20 + 10) / 2
    ],
    # ops.job_table_runs (conftest JOB_RUNS): silver orders of succeeded runs that read rows, from 89 days
    # ago to today; 90 and 100 days ago are out, the failed gate run and r-2's menu row do not count.
    "quarantine_share_orders_daily": [
        (days_ago(89), 40, 2, 0.05),
        (days_ago(1), 200, 3, 0.015),
        (TODAY, 100, 1, 0.01),
    ],
}


def test_every_named_query_has_a_golden_result() -> None:
    assert sorted(q.name for q in list_named_queries()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_named_query_golden_result(gold_env: EnvConfig, name: str) -> None:
    result = run_query(gold_env, named=name)
    assert result.rows == EXPECTED[name]
    assert result.name == name
    assert result.files_read > 0


def test_daily_kpis_view(gold_env: EnvConfig) -> None:
    result = run_query(gold_env, sql="SELECT * FROM v_daily_kpis ORDER BY order_date")
    assert result.columns == [
        "order_date",
        "orders",
        "late_orders",
        "late_share",
        "avg_total_min",
        "avg_minutes_late",
        "orders_with_complaint",
        "avg_stars",
        "revenue_zar",
    ]
    assert result.rows == [
        # 4 orders, O1 O3 late, (40+30+50+25)/4, (5-5+10-5)/4, stars (2+5+4)/3, 200+150.50+300+99.90
        (dt.date(2026, 6, 1), 4, 2, 0.5, 36.25, 1.25, 2, 3.67, Decimal("750.40")),
        (dt.date(2026, 6, 2), 2, 1, 0.5, 39.0, 4.0, 0, 3.0, Decimal("200.00")),
    ]


def test_peak_hours_view_keeps_the_threshold_hour(gold_env: EnvConfig) -> None:
    result = run_query(gold_env, sql="SELECT order_hour, orders FROM v_peak_hours ORDER BY order_hour")
    assert result.rows == [(18, 5), (19, 4)]  # 4 >= 0.8 * 5 is kept; hour 12 (1 order) is not


ALL_QUERIES = list_named_queries(folder=QUERIES) + list_named_queries(folder=OPS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_chart_spec_parses_and_names_only_returned_columns(gold_env: EnvConfig, name: str) -> None:
    """A query in sql/queries has a chart, drawn from columns its golden result really has."""
    query = next(q for q in list_named_queries() if q.name == name)
    chart = query.chart()
    assert chart is not None, f"{name} has no '-- chart:' line"
    assert query.section, f"{name} has no '-- section:' line"
    columns = run_query(gold_env, named=name).columns
    assert set(chart.columns) <= set(columns), (chart.columns, columns)


@pytest.mark.parametrize("query", ALL_QUERIES, ids=lambda q: f"{q.path.parent.name}/{q.name}")
def test_named_query_files_deploy_as_athena_named_queries(query: object) -> None:
    """One read-only statement, a title and a one-line description, no trailing semicolon."""
    text = query.sql  # type: ignore[attr-defined]
    assert query.title and query.description  # type: ignore[attr-defined]
    assert "\n" not in query.description  # type: ignore[attr-defined]
    assert not text.rstrip().endswith(";")
    assert re.fullmatch(r"[a-z0-9_]+", query.name)  # type: ignore[attr-defined]
    ensure_read_only(parse_athena(text))


def test_view_files_are_create_or_replace_view() -> None:
    views = list_views()
    assert {v.name for v in views} == {"v_daily_kpis", "v_peak_hours"}
    for view in views:
        text = view.path.read_text(encoding="utf-8")
        assert re.search(rf"CREATE OR REPLACE VIEW {view.name} AS", text)
        assert not text.rstrip().endswith(";")
