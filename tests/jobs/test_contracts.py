"""Contracts load, cover every source in lake.yaml, and reject broken definitions with a clear message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from jozi_lake.config import load_config
from jozi_lake.contracts import (
    ContractError,
    gold_contracts,
    parse_gold_contract,
    parse_silver_contract,
    silver_contract,
    silver_contracts,
)

REPO = Path(__file__).resolve().parents[2]


def _orders_raw() -> dict:
    return {
        "table": "orders",
        "primary_key": ["order_id"],
        "event_time": "placed_at",
        "columns": [
            {"name": "order_id", "type": "string", "parse": "text", "required": True},
            {"name": "placed_at", "type": "timestamp", "parse": "local_timestamp"},
            {"name": "updated_at", "type": "timestamp", "parse": "local_timestamp"},
            {"name": "total_zar", "type": "decimal(10,2)", "parse": "money"},
        ],
        "rules": [{"name": "total_ok", "severity": "quarantine", "expr": "total_zar >= 0"}],
    }


def test_one_silver_contract_per_source_and_the_documented_gold_tables() -> None:
    assert sorted(silver_contracts()) == sorted(load_config().source_names)
    assert sorted(gold_contracts()) == sorted(
        [
            "fact_deliveries",
            "delivery_performance_hourly",
            "lateness_stage_attribution",
            "driver_performance",
            "menu_prep_impact",
            "complaints_vs_lateness",
            "repeat_customers",
        ]
    )
    for gold in gold_contracts().values():
        assert gold.partition_column == "order_date"


def test_schema_evolution_and_derived_columns_are_in_the_orders_contract() -> None:
    orders = silver_contract("orders")
    assert orders.column("payment_method").source_fields == ("payment_method", "payment_type")
    assert orders.column("tip_zar").type == "decimal(10,2)"
    names = [c.name for c in orders.columns]
    assert names[-2:] == ["bronze_batch_id", "event_date"]
    assert "placed_at_utc_offset_minutes" in names
    assert {r.name for r in orders.rules} >= {"order_id_required", "total_zar_parseable", "status_known"}


def test_valid_minimal_contract_parses() -> None:
    contract = parse_silver_contract(_orders_raw(), "t.yaml")
    assert contract.primary_key == ("order_id",)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r["columns"][0].update(type="varchar"), "unknown type 'varchar'"),
        (lambda r: r["columns"][3].update(type="decimal(50,2)"), "unknown type"),
        (lambda r: r.update(primary_key=["order_no"]), "primary key column 'order_no'"),
        (lambda r: r["rules"][0].update(expr="total_zar >= AND"), "does not parse"),
        (lambda r: r["rules"][0].update(expr="tips_zar >= 0"), "unknown column(s) tips_zar"),
        (
            lambda r: r["rules"][0].update(expr="totl_zar >= 0"),
            "unknown column(s) totl_zar (fix: did you mean totl_zar -> total_zar?",
        ),
        # A misspelt SQL word parses as a column: named as the word it was meant to be.
        (
            lambda r: r["rules"][0].update(expr="total_zar IS NULLL OR total_zar >= 0"),
            "unknown column(s) NULLL (fix: did you mean NULLL -> NULL?",
        ),
        (lambda r: r["rules"][0].update(severity="panic"), "unknown severity"),
        (lambda r: r["columns"][3].update(parse="integer"), "cannot produce type"),
        (lambda r: r.update(event_time="nope"), "event_time column 'nope'"),
        (lambda r: r.pop("table"), "missing required key 'table'"),
        # A misspelt option is refused, not ignored (its check would silently not apply).
        (lambda r: r["columns"][0].update(requird=True), "column 'order_id': unknown key(s) requird"),
        (
            lambda r: r.update(descripton="x"),
            "t.yaml: unknown key(s) descripton (fix: did you mean descripton -> description?",
        ),
        (lambda r: r["rules"][0].update(severty="warn"), "unknown key(s) severty"),
    ],
)
def test_broken_silver_contracts_are_rejected_with_a_clear_message(mutate, message: str) -> None:
    raw = _orders_raw()
    mutate(raw)
    with pytest.raises(ContractError) as info:
        parse_silver_contract(raw, "t.yaml")
    assert message in str(info.value)
    assert str(info.value).startswith("t.yaml")


def test_table_rules_may_only_use_run_metrics() -> None:
    raw = _orders_raw()
    raw["table_rules"] = [{"name": "share", "severity": "fail", "expr": "order_id IS NULL"}]
    with pytest.raises(ContractError, match="unknown column"):
        parse_silver_contract(raw, "t.yaml")


def test_gold_contract_needs_its_partition_column() -> None:
    raw = {
        "table": "x",
        "grain": ["order_date"],
        "partition_column": "order_day",
        "columns": [{"name": "order_date", "type": "date", "description": "d"}],
    }
    with pytest.raises(ContractError, match="'order_day' is not a declared column"):
        parse_gold_contract(raw, "g.yaml")


def test_committed_contracts_doc_is_current() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "render_contracts_doc.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _reference_raw() -> dict:
    return {
        "table": "zones",
        "kind": "reference",
        "primary_key": ["zone_code"],
        "columns": [
            {"name": "zone_code", "type": "string", "parse": "text", "required": True},
            {"name": "zone_name", "type": "string", "parse": "text"},
            {"name": "changed_at", "type": "timestamp", "parse": "local_timestamp"},
        ],
    }


def test_reference_tables_are_unpartitioned_and_history_adds_the_version_columns() -> None:
    latest = parse_silver_contract(_reference_raw(), "z.yaml")
    assert (latest.kind, latest.partition_column, latest.dedup_order, latest.history) == (
        "reference",
        None,
        None,
        "latest",
    )
    assert [c.name for c in latest.columns][-1] == "bronze_batch_id"
    history = parse_silver_contract(
        {**_reference_raw(), "history": "scd2", "dedup_order": "changed_at", "full_snapshot": True}, "z.yaml"
    )
    assert [c.name for c in history.columns][-5:] == [
        "bronze_batch_id",
        "valid_from",
        "valid_to",
        "is_current",
        "is_deleted",
    ]
    # The version time itself is not a tracked value: a re-export with a new time is no new version.
    assert history.tracked_columns == ("zone_name",)
    assert history.max_deleted_share == 0.2
    menu = silver_contract("menu")
    assert menu.scd2 and menu.partition_column is None and menu.dedup_order == "updated_at"


def test_a_keyless_event_table_is_identified_by_all_its_values() -> None:
    raw = _orders_raw()
    raw["primary_key"] = "none"
    contract = parse_silver_contract(raw, "t.yaml")
    assert not contract.keyed and contract.dedup_order is None
    assert contract.identity_columns == (
        "order_id",
        "placed_at",
        "placed_at_utc_offset_minutes",
        "updated_at",
        "updated_at_utc_offset_minutes",
        "total_zar",
    )


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r.update(event_time="changed_at"), "reference tables have no event time"),
        (lambda r: r.update(primary_key="none"), "a reference table needs a primary key"),
        (lambda r: r.update(kind="snapshot"), "unknown kind 'snapshot'"),
        (lambda r: r.update(history="scd3"), "unknown history 'scd3'"),
        (lambda r: r.update(max_deleted_share=0.5), "max_deleted_share applies only to full_snapshot"),
        (lambda r: r.update(full_snapshot=True, max_deleted_share=1.5), "between 0 and 1"),
        (lambda r: r.update(full_snapshot="yes"), "full_snapshot must be true or false"),
        (lambda r: r.update(dedup_order="zone_name"), "dedup_order column 'zone_name' must be a timestamp"),
        (lambda r: r["columns"].append({"name": "valid_from", "type": "timestamp"}), "reserved"),
        (lambda r: r.update(primary_key="zone_code"), "primary_key must be a list of columns or none"),
        (lambda r: r.pop("primary_key"), "missing required key 'primary_key'"),
    ],
)
def test_broken_reference_contracts_are_rejected_with_a_clear_message(mutate, message: str) -> None:
    raw = _reference_raw()
    mutate(raw)
    with pytest.raises(ContractError) as info:
        parse_silver_contract(raw, "z.yaml")
    assert message in str(info.value)
    assert str(info.value).startswith("z.yaml")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r.pop("event_time"), "a table without one (a code list, a menu) is kind: reference"),
        (lambda r: r.update(history="scd2"), "history is an option of reference tables"),
        (lambda r: r.update(full_snapshot=True), "full_snapshot is an option of reference tables"),
        (lambda r: r.update(primary_key="none", dedup_order="updated_at"), "dedup_order needs a key"),
    ],
)
def test_event_contracts_reject_reference_options(mutate, message: str) -> None:
    raw = _orders_raw()
    mutate(raw)
    with pytest.raises(ContractError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_silver_contract(raw, "t.yaml")


def _gold_raw() -> dict:
    return {
        "table": "zone_day",
        "grain": ["order_date", "zone"],
        "partition_column": "order_date",
        "columns": [
            {"name": "order_date", "type": "date", "description": "d"},
            {"name": "zone", "type": "string", "description": "z"},
            {"name": "orders", "type": "bigint", "description": "n"},
        ],
        "rules": [{"name": "some", "severity": "fail", "expr": "orders > 0"}],
        "incremental": {
            "fact_deliveries": {"by": "date", "column": "order_date", "lookback_days": 2},
            "zones": "full_refresh",
        },
    }


def test_a_misspelt_gold_option_is_refused_with_the_option_meant() -> None:
    raw = _gold_raw()
    raw["partition_columns"] = raw.pop("partition_column")
    with pytest.raises(ContractError) as caught:
        parse_gold_contract(raw, "g.yaml")
    assert caught.value.message == "g.yaml: unknown key(s) partition_columns"
    assert (caught.value.hint or "").startswith("did you mean partition_columns -> partition_column?")
    column = _gold_raw()
    column["columns"][2]["descrption"] = "n"
    with pytest.raises(ContractError, match="column 'orders': unknown key\\(s\\) descrption"):
        parse_gold_contract(column, "g.yaml")


def test_a_description_cut_at_a_comma_says_to_quote_it() -> None:
    import yaml

    raw = _gold_raw()
    raw["columns"][2] = yaml.safe_load("{name: orders, type: bigint, description: Of those, the late ones.}")
    with pytest.raises(ContractError) as caught:
        parse_gold_contract(raw, "g.yaml")
    assert caught.value.message == (
        "g.yaml column 'orders': unknown key(s) the late ones.: a value with a comma was cut there"
    )
    assert caught.value.hint == "quote the value, e.g. description: 'Of those, the late ones.'"


def test_a_key_that_is_not_text_is_refused_like_any_unknown_key() -> None:
    raw = {**_gold_raw(), 1: "x"}  # YAML reads `1: x` as an integer key
    with pytest.raises(ContractError, match=r"g\.yaml: unknown key\(s\) 1"):
        parse_gold_contract(raw, "g.yaml")


def test_gold_contract_declares_rules_and_incremental_mappings() -> None:
    contract = parse_gold_contract(_gold_raw(), "g.yaml")
    assert [r.name for r in contract.rules] == ["some"]
    assert contract.incremental.mapping("fact_deliveries").lookback_days == 2
    assert contract.incremental.mapping("fact_deliveries").lookahead_days == 0
    assert contract.incremental.mapping("zones").by == "full_refresh"
    unpartitioned = parse_gold_contract(
        {**_gold_raw(), "partition_column": "none", "incremental": None}, "g.yaml"
    )
    assert unpartitioned.partition_column is None and unpartitioned.incremental.full_refresh
    assert parse_gold_contract(
        {**_gold_raw(), "incremental": "full_refresh"}, "g.yaml"
    ).incremental.full_refresh
    fact = gold_contracts()["fact_deliveries"].incremental
    assert fact.mapping("complaints").by == "key" and fact.mapping("complaints").lookback_days is None


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r["incremental"].update(zones={"by": "magic"}), "unknown mapping by 'magic'"),
        (lambda r: r["incremental"].update(zones={"by": "date"}), "missing required key 'column'"),
        (
            lambda r: r["incremental"].update(zones={"by": "key", "column": "zone"}),
            "missing required key 'lookup'",
        ),
        (lambda r: r["incremental"].update(zones={"by": "validity", "column": "x"}), "do(es) not apply"),
        (
            lambda r: r["incremental"]["fact_deliveries"].update(lookback_days=-1),
            "lookback_days must be a whole number of days",
        ),
        (lambda r: r.update(partition_column="none"), "an unpartitioned table is rebuilt whole"),
        (lambda r: r.update(incremental={}), "incremental must map each input table"),
        (lambda r: r.update(partition_column="zone"), "incremental mappings shift dates"),
        (lambda r: r["rules"][0].update(expr="ordres > 0"), "unknown column(s) ordres"),
    ],
)
def test_broken_gold_contracts_are_rejected_with_a_clear_message(mutate, message: str) -> None:
    raw = _gold_raw()
    mutate(raw)
    with pytest.raises(ContractError) as info:
        parse_gold_contract(raw, "g.yaml")
    assert message in str(info.value)


def test_the_contract_format_doc_names_every_key_and_value_the_loader_accepts() -> None:
    """docs/contract-format.md is the reference a person writes contracts from: a key or value the code
    accepts and the doc leaves out is one nobody can find (source_aliases was only in the code)."""
    from jozi_lake import contracts as c
    from jozi_lake.config import repo_root

    doc = (repo_root() / "docs" / "contract-format.md").read_text(encoding="utf-8")
    accepted = {
        *c.SILVER_KEYS, *c.SILVER_COLUMN_KEYS, *c.GOLD_KEYS, *c.GOLD_COLUMN_KEYS, *c.RULE_KEYS,
        *c.PARSERS, *c.SIMPLE_TYPES, *c.SEVERITIES, *c.KINDS, *c.HISTORIES, *c.TABLE_METRICS,
        *c.DERIVED_NAMES, c.NO_KEY, c.FULL_REFRESH,
    }  # fmt: skip
    missing = sorted(k for k in accepted if f"`{k}`" not in doc)
    assert not missing, f"docs/contract-format.md does not name: {', '.join(missing)}"
    for mapping in (c.BY_DATE, c.BY_KEY, c.BY_VALIDITY):
        assert f"{{by: {mapping}" in doc
    from jozi_lake.transforms.records import RECORD_ERRORS

    assert all(f"`{e}`" in doc for e in RECORD_ERRORS)
