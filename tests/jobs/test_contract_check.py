"""``lake contract check``: what only Spark can refuse is found before any data arrives.

Each case edits a copy of the project files the way a person's slip would, and checks that the verdict
names the table, the file and Spark's reason, and that one mistake is reported once (the models that
read a broken one are checked against its contract instead). No lake: nothing is read or written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jozi_lake.cli import app
from jozi_lake.jobs.contract_check import check_project

pytestmark = pytest.mark.spark


def edit(project: Path, relative: str, old: str, new: str) -> None:
    path = project / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_project_s_own_contracts_and_models_are_accepted(spark: Any, project_copy: Path) -> None:
    result = CliRunner().invoke(app, ["contract", "check"])
    assert result.exit_code == 0, result.output
    silver = len(list((project_copy / "contracts" / "silver").glob("*.yaml")))
    gold = len(list((project_copy / "contracts" / "gold").glob("*.yaml")))
    assert f"{silver + gold} of {silver + gold} accepted" in result.output
    assert "refused" not in result.output


def test_a_slip_in_a_rule_and_in_a_model_are_each_named_once(spark: Any, project_copy: Path) -> None:
    # A misspelt function in a silver rule: the contract loads (the rule's columns exist), Spark refuses.
    edit(
        project_copy,
        "contracts/silver/orders.yaml",
        "expr: \"status IN ('delivered', 'cancelled')\"",
        'expr: "lenght(status) > 0"',
    )
    # A column the first gold model cannot resolve: every model reading fact_deliveries is still checked,
    # against fact_deliveries' contract, and accepted.
    edit(project_copy, "sql/gold/fact_deliveries.sql", "        o.total_zar,\n", "        o.total_zr,\n")
    verdicts = {(r.layer, r.table): r for r in check_project(spark)}
    refused = {key: r for key, r in verdicts.items() if not r.ok}
    assert set(refused) == {("silver", "orders"), ("gold", "fact_deliveries")}, refused

    orders = refused[("silver", "orders")]
    assert orders.path == "contracts/silver/orders.yaml"
    # The job's own rule step names the rule Spark refused (a contract may hold twenty).
    assert orders.message.startswith(
        "contracts/silver/orders.yaml: rule status_known ('lenght(status) > 0'): Spark cannot analyse it: "
        "[UNRESOLVED_ROUTINE]"
    ), orders.message
    assert "`lenght`" in orders.message and orders.hint and "rule" in orders.hint

    fact = refused[("gold", "fact_deliveries")]
    assert fact.path == "sql/gold/fact_deliveries.sql"
    assert "`o`.`total_zr` cannot be resolved" in fact.message, fact.message
    assert "\n" not in fact.message and fact.hint

    result = CliRunner().invoke(app, ["contract", "check"])
    assert result.exit_code == 1
    assert "2 to fix" in result.output and "Traceback" not in result.output


def test_an_output_type_the_contract_does_not_declare_is_refused(spark: Any, project_copy: Path) -> None:
    edit(
        project_copy,
        "sql/gold/delivery_performance_hourly.sql",
        "    round(count(CASE WHEN is_late THEN 1 END) / count(1), 6) AS late_share,",
        "    count(CASE WHEN is_late THEN 1 END) AS late_share,",
    )
    (hourly,) = [r for r in check_project(spark) if not r.ok]
    assert hourly.table == "delivery_performance_hourly"
    assert "column late_share is bigint in the SQL but double in" in hourly.message
    assert hourly.hint and "CAST" in hourly.hint
