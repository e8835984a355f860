"""The silver_to_gold job: run the gold models (``sql/gold/*.sql``) for what new silver data changed.

The job knows no table: everything comes from the models (:mod:`jozi_lake.lineage`, which derives
from the SQL what each model reads and the order they run in) and their contracts. Per run:

1. **Plan** (no data read except one key lookup): the pending change-log entries the silver job wrote
   (``silver/_state/changes/``) and the contracts' ``incremental`` declarations give each model's
   partitions to recompute (:mod:`jozi_lake.jobs.incremental`); models with none are skipped.
2. **Analyse** every model to run, in dependency order, before anything runs: its inputs become
   temporary views of just the partitions the recompute needs (a silver table; or an upstream model's
   table as of this run: its new rows for the partitions it recomputes, its published rows elsewhere),
   Spark analyses the SQL, and its output columns and types must be exactly the contract's. A model
   that does not parse, reads an unknown table, forms a cycle or does not match its contract fails
   here, naming the model, the line and what is wrong, and nothing is published.
3. **Compute** the models level by level (a model after the models it reads; independent ones up to
   three at once): each output is kept in memory, its quality rules evaluated and counted in one
   aggregation. A ``fail`` rule that fires stops the job: nothing is published.
4. **Publish** each model: its recomputed partitions are replaced (dynamic overwrite; partitions left
   empty are deleted), rows breaking a ``quarantine`` rule go to ``quarantine/<table>/`` instead; an
   unpartitioned model is replaced whole. Only after every model is published are the change files
   removed, so a killed run is redone by the next one, and a run with nothing pending changes nothing.

``--tables`` with a subset publishes only those tables (the models they read are computed, not
published) and keeps the change files for the next full run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from pyspark import StorageLevel, inheritable_thread_target
from pyspark.errors import AnalysisException, ParseException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jozi_lake import backlog, faults
from jozi_lake.config import load_config
from jozi_lake.contracts import (
    GOLD,
    GoldContract,
    gold_contract,
    resolve_tables,
    silver_contract,
    spark_ddl,
)
from jozi_lake.ids import new_run_id
from jozi_lake.jobs import incremental, lake_io
from jozi_lake.jobs.bronze_to_silver import ProgressCallback, QualityGateError
from jozi_lake.jobs.concurrency import DEFAULT_PARALLEL_TABLES, map_tables
from jozi_lake.jobs.incremental import ALL, NONE, Partitions, SilverChanges
from jozi_lake.jobs.report import JobReport, TableReport, now_iso
from jozi_lake.jobs.run_tables import finish_run
from jozi_lake.layout import lake_layout
from jozi_lake.lineage import GoldModel, ModelError, load_models, projection_line, upstream_models
from jozi_lake.storage import ObjectStore
from jozi_lake.transforms.quality import FAIL_RULES, QUARANTINE_REASONS, WARN_RULES, broken_rules
from jozi_lake.transforms.spark_errors import spark_error_text
from jozi_lake.transforms.typed import conform

JOB_NAME = "silver_to_gold"
# Gold models read lake.yaml's source_timezone as '${lake.source_timezone}' (Spark variable substitution).
TIMEZONE_VARIABLE = "lake.source_timezone"


def pending_changes(store: ObjectStore) -> SilverChanges:
    """Every change-log entry the silver job wrote since gold last consumed them."""
    pending = SilverChanges()
    for key in backlog.pending_change_keys(store):
        pending.keys.append(key)
        pending.add(lake_io.read_json(store, key, {}))
    return pending


def silver_frame(spark: SparkSession, store: ObjectStore, table: str, window: Partitions = ALL) -> DataFrame:
    """A silver table with its contract schema, only the partitions of ``window`` (a reference table is
    read whole); an empty frame with the same schema when the table has no data yet."""
    contract = silver_contract(table)
    try:
        frame = lake_io.read_table(spark, store, lake_layout().silver_table(table), contract.columns)
    except KeyError:
        return spark.createDataFrame([], spark_ddl(contract.columns))
    if contract.partition_column is not None:
        condition = window.condition(F.col(contract.partition_column))
        if condition is not None:
            frame = frame.where(condition)
    return frame


def _published(spark: SparkSession, store: ObjectStore, contract: GoldContract) -> DataFrame:
    try:
        return lake_io.read_table(spark, store, lake_layout().gold_table(contract.table), contract.columns)
    except KeyError:
        return spark.createDataFrame([], spark_ddl(contract.columns))


@dataclass
class ModelRun:
    """One model in this run: what it recomputes, its checked output and what publishing needs."""

    model: GoldModel
    affected: Partitions
    report: TableReport
    checked: DataFrame | None = None  # the output with its rules' verdicts, kept while in use
    produced: set[str] = field(default_factory=set)
    quarantined_in: set[str] = field(default_factory=set)
    rows_written: int = 0
    gate_failures: list[str] = field(default_factory=list)

    @property
    def contract(self) -> GoldContract:
        return self.model.contract

    def rows(self) -> DataFrame:
        """The rows the table gets (none that broke a quarantine rule), in the contract's columns."""
        assert self.checked is not None
        return conform(self.checked.where(F.size(QUARANTINE_REASONS) == 0), self.contract.columns)


def check_output_schema(model: GoldModel, frame: DataFrame) -> None:
    """The SQL's result must have exactly the contract's columns and types (conform would otherwise
    cast silently: a double written as int loses data, a missing column becomes nulls)."""
    contract = model.contract
    where = f"gold model {model.table} ({model.path}"
    produced = [(f.name, f.dataType.simpleString()) for f in frame.schema.fields]
    names = [name for name, _ in produced]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ModelError(f"{where}): the SQL produces column(s) {', '.join(twice)} more than once")
    declared = {c.name: c.type for c in contract.columns}
    missing = [c for c in declared if c not in names]
    if missing:
        raise ModelError(
            f"{where}): the SQL does not produce column(s) {', '.join(missing)} that "
            f"{contract.path} declares",
            "select them (with these names) or remove them from the contract",
        )
    extra = [n for n in names if n not in declared]
    if extra:
        raise ModelError(
            f"{where} line {projection_line(model, extra[0])}): the SQL produces column(s) "
            f"{', '.join(extra)} that {contract.path} does not declare",
            "declare them in the contract (name, type, description) or drop them from the SELECT",
        )
    for name, spark_type in produced:
        if spark_type != declared[name]:
            raise ModelError(
                f"{where} line {projection_line(model, name)}): column {name} is {spark_type} in the SQL but "
                f"{declared[name]} in {contract.path}",
                f"CAST it in the SQL (CAST(... AS {declared[name].upper()})) or change the contract's type",
            )


def model_frame(spark: SparkSession, model: GoldModel, inputs: Mapping[str, DataFrame]) -> DataFrame:
    """The model's SQL over ``inputs`` (a frame per table it reads), analysed by Spark and checked
    against its contract; nothing runs yet. The inputs become temporary views named after the tables
    (the caller drops them); ``'${lake.source_timezone}'`` must be set (:data:`TIMEZONE_VARIABLE`)."""
    for table in model.inputs:
        inputs[table].createOrReplaceTempView(table)
    try:
        frame = spark.sql(model.sql)
    except (AnalysisException, ParseException) as err:
        raise ModelError(
            f"gold model {model.table} ({model.path}): Spark cannot analyse the SQL: {spark_error_text(err)}",
            "fix the SQL (line and position are Spark's, counted in the file)",
        ) from None
    check_output_schema(model, frame)
    return frame


class ModelPlanner:
    """Builds each model's output frame over temporary views of exactly the input rows it needs.

    Frames are built one after the other on the driver (Spark resolves a temporary view when a query
    is analysed, so re-registering a name for the next model does not change earlier frames); the
    Spark jobs that compute them run later, several at once.
    """

    def __init__(self, spark: SparkSession, store: ObjectStore, runs: dict[str, ModelRun]) -> None:
        self.spark = spark
        self.store = store
        self.runs = runs
        self.views: set[str] = set()

    def table_as_of_run(self, name: str) -> DataFrame:
        """A gold table as this run leaves it: new rows where its model recomputes, published elsewhere."""
        run = self.runs.get(name)
        contract = gold_contract(name)
        if run is None or not run.affected:
            return _published(self.spark, self.store, contract)
        new = run.rows()
        if run.affected.everything or contract.partition_column is None:
            return new
        condition = run.affected.condition(F.col(contract.partition_column))
        assert condition is not None
        return new.unionByName(_published(self.spark, self.store, contract).where(~condition))

    def input_frame(self, run: ModelRun, table: str) -> DataFrame:
        mapping = run.contract.incremental.mapping(table)
        window = incremental.read_window(mapping, run.affected)
        if table not in self.runs and table not in load_models():
            return silver_frame(self.spark, self.store, table, window)
        frame = self.table_as_of_run(table)
        part = load_models()[table].contract.partition_column
        condition = window.condition(F.col(part)) if part is not None else None
        return frame if condition is None else frame.where(condition)

    def build(self, run: ModelRun) -> None:
        inputs = {table: self.input_frame(run, table) for table in run.model.inputs}
        self.views.update(inputs)
        frame = model_frame(self.spark, run.model, inputs)
        part = run.contract.partition_column
        if part is not None and not run.affected.everything:
            condition = run.affected.condition(F.col(part))
            assert condition is not None
            frame = frame.where(condition)  # boundary partitions computed from partial inputs drop out
        run.checked = broken_rules(conform(frame, run.contract.columns), run.contract.rules)

    def drop_views(self) -> None:
        for name in sorted(self.views):
            self.spark.catalog.dropTempView(name)


def compute(run: ModelRun) -> None:
    """Keep the model's output and count it, its partitions and its rule failures in one job."""
    assert run.checked is not None
    run.checked = run.checked.persist(StorageLevel.MEMORY_AND_DISK)
    part = run.contract.partition_column
    ok = F.size(QUARANTINE_REASONS) == 0
    part_text = F.col(part).cast("string") if part is not None else F.lit("")
    array_of = {"quarantine": QUARANTINE_REASONS, "warn": WARN_RULES, "fail": FAIL_RULES}
    rules = run.contract.rules
    figures = run.checked.agg(
        F.count(F.when(ok, 1)).alias("rows"),
        F.count(F.when(~ok, 1)).alias("quarantined"),
        F.collect_set(F.when(ok, part_text)).alias("dates"),
        F.collect_set(F.when(~ok, part_text)).alias("quarantined_in"),
        *[
            F.count(F.when(F.array_contains(F.col(array_of[r.severity]), r.name), 1)).alias(f"rule__{r.name}")
            for r in rules
        ],
    ).first()  # hygiene: bounded (one aggregated row per table)
    assert figures is not None
    run.rows_written = int(figures["rows"])
    run.produced = set(figures["dates"]) if part is not None else set()
    run.quarantined_in = set(figures["quarantined_in"]) if part is not None else set()
    run.report.rows_written = run.rows_written
    run.report.rows_quarantined = int(figures["quarantined"])
    run.report.rule_failures = {r.name: int(figures[f"rule__{r.name}"]) for r in rules}
    run.gate_failures = [
        f"{r.name} ({run.report.rule_failures[r.name]} rows)"
        for r in rules
        if r.severity == "fail" and run.report.rule_failures[r.name]
    ]


def _replace(
    store: ObjectStore, frame: DataFrame, prefix: str, part: str | None, run: ModelRun, produced: set[str]
) -> list[str]:
    """Replace the run's partitions under ``prefix`` with ``frame``; returns the partitions changed."""
    if part is None:
        lake_io.write_table(frame, lake_io.spark_uri(store, prefix))
        return []
    if produced:
        lake_io.write_partitions(frame, lake_io.spark_uri(store, prefix), part)
    existing = lake_io.partition_values(store, prefix, part)
    emptied = {d for d in existing - produced if run.affected.contains(date.fromisoformat(d))}
    lake_io.delete_partitions(store, prefix, part, emptied)
    return sorted(produced | emptied)


def publish(store: ObjectStore, run: ModelRun) -> None:
    """Replace the recomputed partitions of the model's table (and of its quarantine)."""
    layout = lake_layout()
    part = run.contract.partition_column
    run.report.partitions_changed = _replace(
        store, run.rows(), layout.gold_table(run.model.table), part, run, run.produced
    )
    faults.checkpoint(f"gold.publish.rows_written.{run.model.table}")  # the table replaced, quarantine not
    quarantine = layout.quarantine_table(run.model.table)
    if run.report.rows_quarantined or lake_io.has_data(store, quarantine):
        assert run.checked is not None
        rejected = run.checked.where(F.size(QUARANTINE_REASONS) > 0).select(
            *[c.name for c in run.contract.columns],
            F.array_join(QUARANTINE_REASONS, ",").alias("quarantine_reason"),
            F.array_join(WARN_RULES, ",").alias("warn_rules"),
        )
        _replace(store, rejected, quarantine, part, run, run.quarantined_in)


def _levels(runs: list[ModelRun]) -> list[list[ModelRun]]:
    """Runs grouped so each comes after the runs it reads (their outputs are kept, not recomputed)."""
    level: dict[str, int] = {}
    for run in runs:  # dependency order
        level[run.model.table] = 1 + max((level[t] for t in run.model.inputs if t in level), default=-1)
    return [
        [r for r in runs if level[r.model.table] == n] for n in range(max(level.values(), default=-1) + 1)
    ]


def run_silver_to_gold(
    spark: SparkSession,
    store: ObjectStore,
    tables: list[str] | None = None,
    run_id: str | None = None,
    env: str = "local",
    timezone: str | None = None,
    progress: ProgressCallback | None = None,
    parallel_tables: int = DEFAULT_PARALLEL_TABLES,
) -> JobReport:
    """Recompute gold for what silver changed since the last run; returns the report it also writes.

    ``tables`` limits which gold tables are published (all by default). A partial run does not
    consume the pending changes, so the next full run still brings every table up to date. Raises
    :class:`~jozi_lake.lineage.ModelError` for a model that cannot run and
    :class:`~jozi_lake.jobs.bronze_to_silver.QualityGateError` for a ``fail`` rule, both before
    anything is published.
    """
    run_id = run_id or new_run_id()
    zone = timezone or load_config().source_timezone
    report = JobReport(job=JOB_NAME, run_id=run_id, env=env, started_at=now_iso())
    planner: ModelPlanner | None = None
    runs: dict[str, ModelRun] = {}
    try:
        names = resolve_tables(GOLD, tables)
        models = load_models()
        report.tables = [TableReport(table=t) for t in models if t in names]
        pending = pending_changes(store)
        _notify(progress, "gold: planning the partitions to recompute")
        requests = incremental.key_requests(models, pending)
        looked_up = incremental.look_up_keys(
            requests,
            lambda t: silver_frame(spark, store, t, pending.tables.get(t, NONE)),
            lambda t: silver_frame(spark, store, t),
            lambda t: str(silver_contract(t).partition_column),
        )
        # A model added since the last run has no silver change to follow: its first build is whole.
        affected = incremental.affected_partitions(
            models, pending, looked_up, backlog.unbuilt_gold_models(store)
        )
        reports = {r.table: r for r in report.tables}
        needed = upstream_models(names)
        for name in needed:
            if affected[name]:
                runs[name] = ModelRun(
                    models[name], affected[name], reports.get(name, TableReport(table=name))
                )
        for table_report in report.tables:
            if table_report.table not in runs:
                table_report.status = "no_new_data"
        spark.conf.set(TIMEZONE_VARIABLE, zone)
        planner = ModelPlanner(spark, store, runs)
        for run in runs.values():  # dependency order; analysis only, no Spark job
            _notify(progress, f"gold: analysing {run.model.table} ({run.affected.describe()})")
            planner.build(run)

        @inheritable_thread_target  # driver threads carry the caller's Spark job properties
        def compute_one(run: ModelRun) -> None:
            _notify(progress, f"gold: computing {run.model.table}")
            compute(run)

        for level in _levels(list(runs.values())):
            map_tables(compute_one, level, parallel_tables)
        failures = {name: run.gate_failures for name, run in runs.items() if run.gate_failures}
        if failures:
            for name in failures:
                runs[name].report.status = "failed"
                runs[name].report.message = "fail rule(s): " + ", ".join(failures[name])
            detail = "; ".join(f"{t}: {', '.join(f)}" for t, f in failures.items())
            raise QualityGateError(
                f"gold quality gate failed, nothing published ({detail})",
                "the rules are in contracts/gold/<table>.yaml; fix the model or the silver data, rerun",
            )

        @inheritable_thread_target  # driver threads carry the caller's Spark job properties
        def publish_one(run: ModelRun) -> None:
            _notify(progress, f"gold: publishing {run.model.table}")
            publish(store, run)
            backlog.mark_gold_built(store, run.model.table)

        map_tables(publish_one, [runs[t] for t in names if t in runs], parallel_tables)
        faults.checkpoint("gold.before_changes_consumed")
        if set(names) == set(models):
            for key in pending.keys:
                store.delete(key)
        report.finish("succeeded")
    except BaseException as err:
        report.finish("failed", str(err).splitlines()[0] if str(err) else type(err).__name__)
        raise
    finally:
        for run in runs.values():
            if run.checked is not None:
                run.checked.unpersist()
        if planner is not None:
            planner.drop_views()
        finish_run(spark, store, report)  # the one place the run's report is written, failed or not
    return report


def _notify(progress: ProgressCallback | None, message: str) -> None:
    if progress is not None:
        progress(message)
