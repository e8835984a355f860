"""Contract rules evaluated on typed rows: which rules each row breaks, by severity.

A rule is a Spark SQL boolean that must hold; null counts as broken (``stars BETWEEN 1 AND 5`` on a
null ``stars`` is not a pass). A record that could not be read at all gets only its record error as the
reason, since every other rule would fail on its nulls and hide the real cause.
"""

from __future__ import annotations

from pyspark.errors import AnalysisException
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jozi_lake.contracts import ContractError, RuleSpec, SilverContract
from jozi_lake.transforms.records import RECORD_ERROR
from jozi_lake.transforms.spark_errors import spark_error_text

QUARANTINE_REASONS = "quarantine_reasons"
WARN_RULES = "warn_rules"
FAIL_RULES = "fail_rules"


def _broken(rules: list[RuleSpec]) -> Column:
    """The names of the rules a row breaks, as an array (empty when none)."""
    # concat of one-element-or-empty arrays, not array_compact(array(...)): array_compact is a lambda
    # function (filter) that Spark cannot compile, which made every rule run interpreted.
    empty = F.array().cast("array<string>")
    checks = [
        F.when(~F.coalesce(F.expr(r.expr), F.lit(False)), F.array(F.lit(r.name))).otherwise(empty)
        for r in rules
    ]
    if not checks:
        return empty
    return F.concat(*checks) if len(checks) > 1 else checks[0]


def _rule_error(frame: DataFrame, rules: list[RuleSpec], where: str, err: AnalysisException) -> ContractError:
    """The rule Spark refused, by name: Spark's message names a function or column, not the rule, and a
    contract may hold twenty. Each rule is analysed alone (driver work only) to find it."""
    for rule in rules:
        try:
            frame.select(F.expr(rule.expr))
        except AnalysisException as own:
            return ContractError(
                f"{where}: rule {rule.name} ({rule.expr!r}): "
                f"Spark cannot analyse it: {spark_error_text(own)}",
                "fix the rule's expr; `lake contract check` checks every contract without data",
            )
    return ContractError(f"{where}: Spark cannot analyse the rules: {spark_error_text(err)}")


def broken_rules(frame: DataFrame, rules: tuple[RuleSpec, ...]) -> DataFrame:
    """Add the three arrays of broken rule names to rows that have no record error (gold model output)."""
    by_severity = {sev: [r for r in rules if r.severity == sev] for sev in ("quarantine", "warn", "fail")}
    return frame.select(
        "*",
        _broken(by_severity["quarantine"]).alias(QUARANTINE_REASONS),
        _broken(by_severity["warn"]).alias(WARN_RULES),
        _broken(by_severity["fail"]).alias(FAIL_RULES),
    )


def evaluate_rules(typed: DataFrame, contract: SilverContract) -> DataFrame:
    """Add ``quarantine_reasons``, ``warn_rules`` and ``fail_rules`` (arrays of broken rule names)."""
    by_severity = {
        sev: [r for r in contract.rules if r.severity == sev] for sev in ("quarantine", "warn", "fail")
    }
    unreadable = F.col(RECORD_ERROR).isNotNull()
    empty = F.array().cast("array<string>")
    try:
        return typed.select(
            "*",
            F.when(unreadable, F.array(F.col(RECORD_ERROR)))
            .otherwise(_broken(by_severity["quarantine"]))
            .alias(QUARANTINE_REASONS),
            F.when(unreadable, empty).otherwise(_broken(by_severity["warn"])).alias(WARN_RULES),
            F.when(unreadable, empty).otherwise(_broken(by_severity["fail"])).alias(FAIL_RULES),
        )
    except AnalysisException as err:
        raise _rule_error(typed, list(contract.rules), contract.path, err) from None
