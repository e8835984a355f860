"""``lake contract check``: every contract and gold model analysed by Spark over empty tables, before data.

Loading the project already checks what the files say (keys, types, rule columns, the gold SQL's syntax
and lineage). What only Spark can say otherwise waits for the first run with data: a function Spark does
not know in a rule, a gold model's column it cannot resolve, an output type that differs from the gold
contract. Here each of those is asked of Spark with zero rows, through the jobs' own steps, so the check
and the jobs cannot disagree:

* a silver contract: the silver job's parse, type and rule steps over no bronze lines, and its table
  rules over the run figures they see;
* a gold model: the gold job's :func:`~jozi_lake.jobs.silver_to_gold.model_frame` (analysis and the
  output check against the contract) over empty inputs of the contracts' schemas, in dependency order,
  then its rules over that output.

Nothing is read from or written to a lake. A model whose input failed is checked against that input's
contract schema, so one mistake is reported once, where it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from pyspark.errors import AnalysisException, ParseException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jozi_lake.config import load_config
from jozi_lake.contracts import (
    BATCH_COLUMN,
    GOLD,
    SILVER,
    TABLE_METRICS,
    GoldContract,
    SilverContract,
    load_contracts,
    spark_ddl,
)
from jozi_lake.errors import LakeError
from jozi_lake.jobs.silver_to_gold import TIMEZONE_VARIABLE, model_frame
from jozi_lake.lineage import GoldModel, load_models
from jozi_lake.transforms.quality import broken_rules, evaluate_rules
from jozi_lake.transforms.records import parse_lines
from jozi_lake.transforms.spark_errors import spark_error_text
from jozi_lake.transforms.typed import conform, type_columns


@dataclass(frozen=True)
class CheckResult:
    """One table's verdict: ``message`` is empty when Spark accepts everything the table asks of it."""

    layer: str
    table: str
    path: str
    message: str = ""
    hint: str | None = None

    @property
    def ok(self) -> bool:
        return not self.message


T = TypeVar("T")


def _verdict(
    layer: str, table: str, path: str, check: Callable[[], T], hint: str
) -> tuple[CheckResult, T | None]:
    """Run ``check``; a user's mistake (a :class:`LakeError`, or Spark refusing the SQL) is the verdict."""
    try:
        value = check()
    except LakeError as err:
        return CheckResult(layer, table, path, err.message, err.hint), None
    except (AnalysisException, ParseException) as err:
        return CheckResult(
            layer, table, path, f"Spark cannot analyse it: {spark_error_text(err)}", hint
        ), None
    return CheckResult(layer, table, path), value


def _silver(spark: SparkSession, contract: SilverContract, zone: str) -> None:
    """The silver job's parse, type and rule steps over no lines; then the table rules over the figures."""
    lines = spark.createDataFrame([], f"value string, bronze_file string, {BATCH_COLUMN} string")
    _ = evaluate_rules(type_columns(parse_lines(lines, contract), contract, zone), contract).schema
    if contract.table_rules:
        figures = spark.createDataFrame([], ", ".join(f"{n} {t}" for n, t in TABLE_METRICS.items()))
        _ = figures.select(*[F.expr(r.expr).alias(r.name) for r in contract.table_rules]).schema


def _gold(spark: SparkSession, model: GoldModel, frames: dict[str, DataFrame]) -> DataFrame:
    """The gold job's analysis and output check over ``frames``; then the model's rules over its output."""
    try:
        frame = model_frame(spark, model, {t: frames[t] for t in model.inputs})
        _ = broken_rules(conform(frame, model.contract.columns), model.contract.rules).schema
    finally:
        for view in model.inputs:
            spark.catalog.dropTempView(view)
    return frame


def _empty(spark: SparkSession, contract: SilverContract | GoldContract) -> DataFrame:
    return spark.createDataFrame([], spark_ddl(contract.columns))


def check_project(spark: SparkSession) -> list[CheckResult]:
    """Every silver contract, then every gold model in dependency order (silver before what reads it)."""
    config = load_config()
    contracts = load_contracts()
    results: list[CheckResult] = []
    for table, contract in contracts.silver.items():
        source = config.find_source(table)
        zone = source.timezone if source else config.source_timezone
        verdict, _ = _verdict(
            SILVER,
            table,
            contract.path,
            partial(_silver, spark, contract, zone),
            "fix the rule's expression: Spark SQL over the contract's typed columns",
        )
        results.append(verdict)
    spark.conf.set(TIMEZONE_VARIABLE, config.source_timezone)
    frames = {t: _empty(spark, c) for t, c in contracts.silver.items()}
    for table, model in load_models().items():
        verdict, frame = _verdict(
            GOLD,
            table,
            model.path,
            partial(_gold, spark, model, frames),
            "fix the SQL (line and position are Spark's, counted in the file)",
        )
        results.append(verdict)
        # What reads this model sees its output or, when it failed, the schema its contract promises.
        frames[table] = frame if frame is not None else _empty(spark, model.contract)
    return results
