"""Athena functions whose plain sqlglot translation gives a *different* answer on DuckDB.

Each case runs through the local engine and must equal the value Trino/Athena returns (worked out by
hand from Trino's documented semantics). Where the case is literal-only, the test also runs the
naive translation on DuckDB and checks it really differs, so the rewrite is what makes it pass.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import duckdb
import pytest
import sqlglot

from jozi_lake.config import EnvConfig, env_config, load_config
from jozi_lake.errors import LakeError
from jozi_lake.local.crawler import crawl
from jozi_lake.local.engine import run_query
from jozi_lake.query.translate import java_to_re2_replacement

SAMPLES_SQL = """
SELECT CAST(7 AS BIGINT) AS a, CAST(2 AS BIGINT) AS b, CAST(-7 AS INTEGER) AS n, 1.0::DOUBLE AS x,
       'pizza oven' AS s, TIMESTAMP '2026-06-01 23:00:00' AS ts, TIMESTAMP '2026-06-02 01:00:00' AS ts2,
       DATE '2026-06-30' AS d, '2026-06-01' AS order_date
"""
NUMBERS_SQL = "SELECT CAST(range AS BIGINT) AS v, '2026-06-01' AS order_date FROM range(1, 11)"


@pytest.fixture(scope="module")
def trap_env(tmp_path_factory: pytest.TempPathFactory, parquet_writer: Any) -> Iterator[EnvConfig]:
    lake_home = tmp_path_factory.mktemp("trap-lake")
    parquet_writer(lake_home, "gold/samples", SAMPLES_SQL, "order_date")
    parquet_writer(lake_home, "gold/numbers", NUMBERS_SQL, "order_date")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAKE_HOME", str(lake_home))
        env = env_config("local")
        crawl(env, ["gold"])
        yield env


def one_value(env: EnvConfig, sql: str) -> Any:
    result = run_query(env, sql=sql)
    assert len(result.rows) == 1 and len(result.columns) == 1, result.rows
    return result.rows[0][0]


def naive_duckdb_value(sql: str) -> Any:
    """What a plain sqlglot transpile gives on DuckDB (literal-only SQL)."""
    connection = duckdb.connect()
    try:
        return connection.execute(sqlglot.transpile(sql, read="athena", write="duckdb")[0]).fetchall()[0][0]
    finally:
        connection.close()


# (Athena SQL, Trino's answer) for literal-only cases: the naive translation must differ.
LITERAL_TRAPS = [
    # date_diff counts whole units in Trino (2 hours is 0 days); DuckDB's date_diff counts boundaries.
    ("SELECT date_diff('day', TIMESTAMP '2026-06-01 23:00:00', TIMESTAMP '2026-06-02 01:00:00')", 0),
    ("SELECT date_diff('hour', TIMESTAMP '2026-06-01 01:59:00', TIMESTAMP '2026-06-01 03:00:00')", 1),
    # integer division truncates toward zero in Trino; DuckDB's / is fractional.
    ("SELECT 7 / 2", 3),
    ("SELECT -7 / 2", -3),
    # Java-style $1 back-references in the replacement.
    ("SELECT regexp_replace('pizza oven', '(\\w+) (\\w+)', '$2 $1')", "oven pizza"),
    ("SELECT regexp_replace('cost 5', '(\\d+)', '\\$$1')", "cost $5"),
    # date + days is a DATE in Trino, a TIMESTAMP in DuckDB.
    ("SELECT date_add('day', 1, DATE '2026-06-30')", dt.date(2026, 7, 1)),
    ("SELECT DATE '2026-06-30' + INTERVAL '1' DAY", dt.date(2026, 7, 1)),
    # try(): division by zero is an error Trino turns into NULL; DuckDB divides to infinity.
    ("SELECT try(1 / 0)", None),
    # decimal / x stays decimal in Trino (scale max(s1, s2), rounded half up); DuckDB returns a double.
    ("SELECT CAST(200.00 AS decimal(10,2)) / 3", Decimal("66.67")),
    ("SELECT CAST(-200.00 AS decimal(10,2)) / 3", Decimal("-66.67")),
    ("SELECT CAST(0.05 AS decimal(10,2)) / 2", Decimal("0.03")),  # 0.025 rounds half up, exactly
    ("SELECT CAST(1.00 AS decimal(10,2)) / CAST(8 AS decimal(10,3))", Decimal("0.125")),
    ("SELECT try(CAST(1.00 AS decimal(10,2)) / 0)", None),
    ("SELECT 7 / 0.3", Decimal("23.3")),  # 0.3 is a decimal(1,1) literal in Trino
    # avg(decimal) is decimal in Trino: 100.01 / 3 = 33.3366... -> 33.34
    (
        "SELECT avg(x) FROM (VALUES CAST(100.00 AS decimal(10,2)), CAST(0.00 AS decimal(10,2)), "
        "CAST(0.01 AS decimal(10,2))) AS t(x)",
        Decimal("33.34"),
    ),
    # AT TIME ZONE: Athena reads a plain timestamp as UTC; DuckDB reads it as the named zone.
    ("SELECT hour(TIMESTAMP '2026-06-01 17:30:00' AT TIME ZONE 'Africa/Johannesburg')", 19),
]


@pytest.mark.parametrize(("sql", "trino_answer"), LITERAL_TRAPS, ids=[s for s, _ in LITERAL_TRAPS])
def test_literal_trap_matches_trino(trap_env: EnvConfig, sql: str, trino_answer: Any) -> None:
    local = one_value(trap_env, sql)
    assert local == trino_answer and type(local) is type(trino_answer)
    try:
        naive = naive_duckdb_value(sql)
    except duckdb.Error:
        return  # the naive translation fails outright: also not Trino's answer
    assert not (naive == trino_answer and type(naive) is type(trino_answer)), "trap no longer a trap?"


# Cases over catalogued columns: the translator needs the table schema to get them right.
COLUMN_CASES = [
    ("SELECT a / b FROM samples", 3),  # bigint / bigint: integer division, 7 / 2
    ("SELECT n / b FROM samples", -3),  # int / bigint truncates toward zero
    ("SELECT x / b FROM samples", 0.5),  # a double operand keeps fractional division
    ("SELECT sum(a) / count(*) FROM samples", 7),
    ("SELECT date_diff('day', ts, ts2) FROM samples", 0),  # 23:00 -> 01:00 next day
    ("SELECT date_diff('day', ts2, ts) FROM samples", 0),
    ("SELECT date_add('day', 1, d) FROM samples", dt.date(2026, 7, 1)),
    ("SELECT date_add('month', 1, DATE '2026-01-31') FROM samples", dt.date(2026, 2, 28)),
    ("SELECT date_add('hour', 1, ts) FROM samples", dt.datetime(2026, 6, 2, 0, 0)),
    ("SELECT try(a / 0) FROM samples", None),
    ("SELECT try(CAST(s AS integer)) FROM samples", None),
    ("SELECT regexp_replace('a-b-c', '-', '+') FROM samples", "a+b+c"),  # Trino replaces every match
    ("SELECT CAST(ts AT TIME ZONE 'Africa/Johannesburg' AS date) FROM samples", dt.date(2026, 6, 2)),
    (
        "SELECT date_format(ts AT TIME ZONE 'Africa/Johannesburg', '%Y-%m-%d %H:%i') FROM samples",
        "2026-06-02 01:00",
    ),
    # approx_percentile (q-digest, exact on small inputs): smallest v with count(<= v) > p * n.
    ("SELECT approx_percentile(v, 0.9) FROM numbers", 10),  # 9 values <= 9 is not > 9
    ("SELECT approx_percentile(v, 0.5) FROM numbers", 6),
    ("SELECT approx_percentile(v, 0.05) FROM numbers", 1),
    ("SELECT count(*) FROM awsdatacatalog.jozi_pizza_local_gold.samples", 1),  # Athena's catalog prefix
    ("SELECT count(*) FROM gold.samples", 1),
]


@pytest.mark.parametrize(("sql", "trino_answer"), COLUMN_CASES, ids=[s for s, _ in COLUMN_CASES])
def test_column_case_matches_trino(trap_env: EnvConfig, sql: str, trino_answer: Any) -> None:
    local = one_value(trap_env, sql)
    assert local == trino_answer and type(local) is type(trino_answer)


def test_try_keeps_double_division_infinite(trap_env: EnvConfig) -> None:
    assert one_value(trap_env, "SELECT try(x / 0) FROM samples") == math.inf  # Trino: Infinity, no error


def test_unnamed_columns_are_named_like_athena(trap_env: EnvConfig) -> None:
    assert run_query(trap_env, sql="SELECT a, a + 1, b * 2 FROM samples").columns == ["a", "_col1", "_col2"]


@pytest.mark.parametrize(
    ("sql", "named_construct"),
    [
        ("SELECT format_datetime(ts, 'yyyy-MM-dd') FROM samples", "format_datetime"),
        ("SELECT parse_datetime('2026', 'yyyy') FROM samples", "parse_datetime"),
        ("SELECT map_agg(s, a) FROM samples", "map_agg"),
        ("SELECT at_timezone(ts, 'UTC') FROM samples", "at_timezone"),
        ("SELECT no_such_function(a) FROM samples", "no_such_function"),
        ("SELECT regexp_replace(s, 'a', s) FROM samples", "regexp_replace"),
        ("SELECT regexp_replace(s, '(a)', '${name}') FROM samples", "regexp_replace"),
        ("SELECT approx_percentile(v, ARRAY[0.5, 0.9]) FROM numbers", "approx_percentile"),
        ("SELECT * FROM samples CROSS JOIN UNNEST(MAP(ARRAY['k'], ARRAY[1])) AS t(k, v)", "UNNEST of a map"),
        ("SELECT nope FROM samples", "nope"),
        ("SELECT * FROM gold.nothing", "gold.nothing"),
        ("SELECT * FROM platinum.samples", "platinum"),
        ("SELEC 1", "could not parse"),
    ],
)
def test_unsupported_constructs_fail_with_their_name(
    trap_env: EnvConfig, sql: str, named_construct: str
) -> None:
    with pytest.raises(LakeError) as failure:
        run_query(trap_env, sql=sql)
    assert named_construct in failure.value.message
    assert "\n" not in failure.value.message


def test_a_time_zone_function_is_answered_with_the_sources_zone(trap_env: EnvConfig) -> None:
    with pytest.raises(LakeError) as failure:
        run_query(trap_env, sql="SELECT at_timezone(ts, 'UTC') FROM samples")
    assert failure.value.hint == f"use ts AT TIME ZONE '{load_config().source_timezone}'"


def test_close_matches_are_suggested_for_unknown_tables(trap_env: EnvConfig) -> None:
    with pytest.raises(LakeError) as failure:
        run_query(trap_env, sql="SELECT * FROM sample")
    assert failure.value.hint is not None and "samples" in failure.value.hint


def test_parameters_fill_placeholders_as_values(trap_env: EnvConfig) -> None:
    result = run_query(
        trap_env,
        sql="SELECT a FROM samples WHERE s = ? AND d = ?",
        params=["pizza oven", dt.date(2026, 6, 30)],
    )
    assert result.rows == [(7,)]
    injected = run_query(trap_env, sql="SELECT count(*) FROM samples WHERE s = ?", params=["x' OR '1'='1"])
    assert injected.rows == [(0,)]
    with pytest.raises(LakeError, match="placeholder"):
        run_query(trap_env, sql="SELECT a FROM samples WHERE s = ?", params=["a", "b"])
    with pytest.raises(LakeError, match="placeholder"):
        run_query(trap_env, sql="SELECT a FROM samples WHERE s = ?")


@pytest.mark.parametrize(
    ("java", "re2"),
    [
        ("$1", "\\1"),
        ("$2-$1", "\\2-\\1"),
        ("\\$1", "$1"),
        ("a\\\\b", "a\\\\b"),
        ("$0!", "\\0!"),
        ("plain", "plain"),
    ],
)
def test_java_replacement_conversion(java: str, re2: str) -> None:
    assert java_to_re2_replacement(java) == re2


def test_layer_names_become_real_databases_for_athena() -> None:
    from jozi_lake.query.translate import athena_sql_for_env

    databases = {"silver": "jozi_pizza_dev_silver", "gold": "jozi_pizza_dev_gold"}
    sql = "SELECT o.order_id FROM silver.orders AS o JOIN fact_deliveries AS f ON o.order_id = f.order_id"
    assert athena_sql_for_env(sql, databases) == (
        "SELECT o.order_id FROM jozi_pizza_dev_silver.orders AS o "
        "JOIN fact_deliveries AS f ON o.order_id = f.order_id"
    )
