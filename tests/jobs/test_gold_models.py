"""Gold models as files: lineage derived from the SQL, and every way a model can be wrong found before
anything runs, naming the model, the line and what is wrong. Also the incremental planning, which is
plain Python over the declarations (no Spark)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jozi_lake.cli import app
from jozi_lake.jobs import incremental
from jozi_lake.jobs.incremental import ALL, NONE, Partitions, SilverChanges
from jozi_lake.lineage import ModelError, load_models, mermaid, silver_sources, upstream_models

D = dt.date(2026, 6, 10)


def day(offset: int) -> dt.date:
    return D + dt.timedelta(days=offset)


def edit(project: Path, relative: str, old: str, new: str) -> None:
    path = project / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_lineage_is_derived_from_the_sql_in_dependency_order() -> None:
    models = load_models()
    assert next(iter(models)) == "fact_deliveries"  # every other model reads it
    assert models["fact_deliveries"].inputs == (
        "orders",
        "kitchen_events",
        "dispatch_events",
        "order_items",
        "complaints",
        "ratings",
        "load_shedding",
    )
    assert models["driver_performance"].inputs == ("fact_deliveries", "drivers")
    # CTE names (delivered, kitchen ...) and the alias in a BROADCAST hint are not tables.
    assert "delivered" not in models["fact_deliveries"].inputs and "w" not in models["fact_deliveries"].inputs
    assert upstream_models(["menu_prep_impact"]) == ["fact_deliveries", "menu_prep_impact"]
    assert silver_sources("menu_prep_impact") == [
        "complaints",
        "dispatch_events",
        "kitchen_events",
        "load_shedding",
        "menu",
        "order_items",
        "orders",
        "ratings",
    ]


def test_lake_lineage_prints_the_mermaid_graph_of_the_docs() -> None:
    result = CliRunner().invoke(app, ["lineage"])
    assert result.exit_code == 0, result.output
    assert result.output == mermaid()
    assert "  silver_drivers --> gold_driver_performance" in result.output
    assert mermaid() in Path("docs/data-model.md").read_text(encoding="utf-8")
    one = CliRunner().invoke(app, ["lineage", "menu"])
    assert one.exit_code == 0 and "gold_menu_prep_impact" in one.output and "silver_orders" not in one.output
    unknown = CliRunner().invoke(app, ["lineage", "menus"])
    assert unknown.exit_code == 1 and "unknown table 'menus'" in unknown.output


def test_sql_that_does_not_parse_names_the_model_and_line(project_copy: Path) -> None:
    edit(
        project_copy,
        "sql/gold/complaints_vs_lateness.sql",
        "GROUP BY order_date, lateness_bucket",
        "GROUP BY (",
    )
    with pytest.raises(ModelError) as info:
        load_models()
    message = str(info.value)
    assert "gold model complaints_vs_lateness (sql/gold/complaints_vs_lateness.sql line 25)" in message
    assert "does not parse: Required keyword: 'this' missing for Paren near '('" in message


def test_a_model_file_must_be_one_select(project_copy: Path) -> None:
    path = project_copy / "sql/gold/complaints_vs_lateness.sql"
    path.write_text("DROP TABLE fact_deliveries", encoding="utf-8")
    with pytest.raises(ModelError, match="expected exactly one SELECT statement, found DROP"):
        load_models()


def test_reading_a_table_that_does_not_exist_names_the_line(project_copy: Path) -> None:
    edit(project_copy, "sql/gold/repeat_customers.sql", "LEFT JOIN orders AS o", "LEFT JOIN order AS o")
    edit(project_copy, "contracts/gold/repeat_customers.yaml", "  orders: {by: date", "  order: {by: date")
    with pytest.raises(ModelError) as info:
        load_models()
    assert "gold model repeat_customers (sql/gold/repeat_customers.sql line 11): reads table 'order'" in str(
        info.value
    )


def test_layer_qualified_names_are_refused(project_copy: Path) -> None:
    edit(
        project_copy, "sql/gold/repeat_customers.sql", "LEFT JOIN orders AS o", "LEFT JOIN silver.orders AS o"
    )
    with pytest.raises(ModelError, match=r"line 11\): write orders, not silver.orders"):
        load_models()


def test_models_that_read_each_other_form_a_cycle(project_copy: Path) -> None:
    # The fact now also reads one of its own aggregates: fact -> hourly -> fact.
    edit(
        project_copy,
        "sql/gold/fact_deliveries.sql",
        "    FROM orders\n    WHERE status = 'delivered'",
        "    FROM orders\n    WHERE status = 'delivered'\n"
        "      AND order_id NOT IN (SELECT CAST(order_hour AS STRING) FROM delivery_performance_hourly)",
    )
    edit(
        project_copy,
        "contracts/gold/fact_deliveries.yaml",
        "  orders: {by: date, column: event_date}",
        "  orders: {by: date, column: event_date}\n  delivery_performance_hourly: full_refresh",
    )
    with pytest.raises(ModelError) as info:
        load_models()
    message = str(info.value)
    assert "gold models read each other in a cycle" in message
    assert "fact_deliveries -> delivery_performance_hourly -> fact_deliveries" in message
    assert "sql/gold/fact_deliveries.sql line 10 reads delivery_performance_hourly" in message


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "contracts/gold/repeat_customers.yaml",
            "  orders: {by: date, column: event_date, lookback_days: 31}\n",
            "",
            "sql/gold/repeat_customers.sql line 11 reads orders, but incremental does not say",
        ),
        (
            "contracts/gold/repeat_customers.yaml",
            "  fact_deliveries: {by: date, column: order_date}",
            "  fact_deliveries: {by: date, column: order_date}\n  ratings: full_refresh",
            "incremental maps ratings, which sql/gold/repeat_customers.sql does not read",
        ),
        (
            "contracts/gold/repeat_customers.yaml",
            "column: event_date, lookback_days: 31",
            "column: placed_at, lookback_days: 31",
            "maps by column 'placed_at', but orders is partitioned by 'event_date'",
        ),
        (
            "contracts/gold/menu_prep_impact.yaml",
            "lookup: orders",
            "lookup: menu",
            "looks keys up in 'menu', which is not a silver event table",
        ),
        (
            "contracts/gold/driver_performance.yaml",
            "drivers: {by: validity, lookback_days: 1}",
            "drivers: {by: date, column: event_date}",
            "drivers is not partitioned, so it has no dates to map",
        ),
    ],
)
def test_incremental_declarations_must_match_what_the_sql_reads(
    project_copy: Path, file: str, old: str, new: str, message: str
) -> None:
    edit(project_copy, file, old, new)
    with pytest.raises(ModelError) as info:
        load_models()
    assert message in str(info.value)


def test_a_contract_without_a_model_and_a_model_without_a_contract(project_copy: Path) -> None:
    (project_copy / "sql/gold/orphan.sql").write_text("SELECT 1 AS x FROM orders", encoding="utf-8")
    with pytest.raises(ModelError, match=r"sql/gold/orphan\.sql has no gold contract"):
        load_models()
    (project_copy / "sql/gold/orphan.sql").unlink()
    (project_copy / "sql/gold/complaints_vs_lateness.sql").unlink()
    with pytest.raises(ModelError, match=r"has no model sql/gold/complaints_vs_lateness\.sql"):
        load_models()


# ----------------------------------------------------------------------------------- planning


def test_partitions_spread_and_union() -> None:
    changed = Partitions(frozenset({D}))
    assert changed.spread(1, 0) == Partitions(frozenset({day(-1), D}))
    assert changed.spread(0, None) == Partitions(since=D)
    assert changed.spread(None, 0) == ALL
    assert (Partitions(frozenset({day(-5), day(3)})) | Partitions(since=D)) == Partitions(
        frozenset({day(-5)}), since=D
    )
    assert not NONE and NONE.spread(3, 3) == NONE
    assert Partitions(since=D).contains(day(40)) and not Partitions(since=D).contains(day(-1))


def test_affected_partitions_follow_the_declarations_through_the_models() -> None:
    models = load_models()
    changes = SilverChanges()
    changes.add({"table": "kitchen_events", "event_dates": [D.isoformat()]})
    changes.add({"table": "complaints", "event_dates": [day(5).isoformat()]})
    # The complaint of day +5 is about an order of day -2 (the key lookup finds it).
    requests = incremental.key_requests(models, changes)
    assert requests == {("orders", "order_id"): ["complaints"]}
    affected = incremental.affected_partitions(models, changes, {"complaints": frozenset({day(-2)})})
    fact = Partitions(frozenset({day(-2), day(-1), D}))
    assert affected["fact_deliveries"] == fact
    assert affected["delivery_performance_hourly"] == fact
    # repeat_customers reads only the fact here (orders did not change): same dates.
    assert affected["repeat_customers"] == fact
    # Nothing reached the drivers: driver_performance follows the fact only.
    assert affected["driver_performance"] == fact


def test_a_new_driver_version_recomputes_from_its_date_and_orders_reach_back_31_days() -> None:
    models = load_models()
    changes = SilverChanges()
    changes.add({"table": "drivers", "event_dates": [], "changed_since": D.isoformat()})
    changes.add({"table": "orders", "event_dates": [day(3).isoformat()]})
    affected = incremental.affected_partitions(models, changes, {})
    # The drivers change reaches one day back (a delivery after midnight belongs to the day before).
    assert affected["driver_performance"] == Partitions(frozenset({day(3)})) | Partitions(since=day(-1))
    assert affected["menu_prep_impact"] == Partitions(frozenset({day(3)}))
    assert affected["repeat_customers"] == Partitions(
        frozenset(day(3) - dt.timedelta(days=k) for k in range(32))
    )
    # A key's first version has no start: every partition of the models that read it.
    changes.add({"table": "menu", "event_dates": [], "changed_since": None})
    assert incremental.affected_partitions(models, changes, {})["menu_prep_impact"] == ALL


def test_read_windows_are_the_declarations_read_backwards() -> None:
    fact = load_models()["fact_deliveries"].contract.incremental
    recompute = Partitions(frozenset({D}))
    # Kitchen events of D and D+1 belong to orders of D; load-shedding of D-1..D+1 can overlap them.
    assert incremental.read_window(fact.mapping("kitchen_events"), recompute) == Partitions(
        frozenset({D, day(1)})
    )
    assert incremental.read_window(fact.mapping("load_shedding"), recompute) == Partitions(
        frozenset({day(-1), D, day(1)})
    )
    # Complaints come on or after their order's day, any number of days later.
    assert incremental.read_window(fact.mapping("complaints"), recompute) == Partitions(since=D)
    repeat = load_models()["repeat_customers"].contract.incremental
    assert incremental.read_window(repeat.mapping("orders"), recompute) == Partitions(
        frozenset(day(k) for k in range(32))
    )
    assert incremental.read_window(repeat.mapping("orders"), ALL) == ALL


@pytest.mark.parametrize(
    ("file", "old", "hint"),
    [
        (  # a reference input has no dates: validity or a full refresh
            "contracts/gold/driver_performance.yaml",
            "  drivers: {by: validity, lookback_days: 1}\n",
            "add `drivers: {by: validity, lookback_days: N}` or `drivers: full_refresh` under incremental",
        ),
        (  # an event input: its own partition column is named
            "contracts/gold/repeat_customers.yaml",
            "  orders: {by: date, column: event_date, lookback_days: 31}\n",
            "add `orders: {by: date, column: event_date, lookback_days: N}`, `orders: {by: key, column: ..., "
            "lookup: ...}` or `orders: full_refresh` under incremental",
        ),
    ],
)
def test_an_unmapped_input_s_hint_offers_the_mappings_its_kind_allows(
    project_copy: Path, file: str, old: str, hint: str
) -> None:
    edit(project_copy, file, old, "")
    with pytest.raises(ModelError) as info:
        load_models()
    assert info.value.hint is not None and info.value.hint.startswith(hint), info.value.hint
