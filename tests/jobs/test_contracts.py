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
        (lambda r: r["rules"][0].update(severity="panic"), "unknown severity"),
        (lambda r: r["columns"][3].update(parse="integer"), "cannot produce type"),
        (lambda r: r.update(event_time="nope"), "event_time column 'nope'"),
        (lambda r: r.pop("table"), "missing required key 'table'"),
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
