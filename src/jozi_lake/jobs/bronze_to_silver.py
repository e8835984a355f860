"""The bronze_to_silver job: new bronze batches to typed, validated, deduplicated silver tables.

Per table, in two phases so a failing quality gate publishes nothing:

1. prepare (every table): list bronze files not yet processed (``state/processed/<table>.json``),
   parse and type them by the contract, apply the rules, merge with silver by the table's kind, and
   stage what must be rebuilt under ``silver/_staging/<run_id>/`` (not in place: the old rows are read
   from there). One aggregation per table gives the counts, rule failures and what changed.

   * event tables: merge with the silver rows of the same keys (latest ``updated_at`` wins, wherever
     the old version lives; a keyless table collapses exact duplicates only) and rebuild the touched
     date partitions;
   * reference tables: merge into the whole table (:mod:`jozi_lake.transforms.reference`: the latest
     version per key or every version, deletions of a full snapshot) and rebuild it whole. A snapshot
     that would delete more than the contract's ``max_deleted_share`` of the keys fails the gate.
   When a ``fail`` rule fires, the bronze batches its failing rows came from (each row carries its
   batch id) are held (:func:`jozi_lake.batches.hold_failed_batches`, state ``failed``, the rule
   in the reason) and the job stops; the next run processes every other batch, and
   ``lake batches release <source>/<batch>`` after a contract or source fix puts them back.
2. publish (only if no ``fail`` rule fired in any table): append what changed to the change log that
   silver_to_gold reads (``silver/_state/changes/``: the touched dates, or for a reference table the
   date its content changed from), overwrite the touched partitions (dynamic overwrite; partitions
   left empty are deleted, which dynamic overwrite alone would not do) or the whole reference table,
   write quarantine partitions per bronze batch, then record the files as processed.

Recording processed files last makes a killed run safe to repeat: re-read rows tie with the silver
rows already published and count as duplicates, so silver comes out the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce

from pyspark import StorageLevel, inheritable_thread_target
from pyspark.sql import Column, DataFrame, Row, SparkSession
from pyspark.sql import functions as F

from jozi_lake import faults, notify
from jozi_lake.backlog import unprocessed_bronze_files
from jozi_lake.batches import Batch, batch_id_of, hold_failed_batches
from jozi_lake.config import load_config
from jozi_lake.contracts import (
    BATCH_COLUMN,
    REFERENCE,
    SILVER,
    SilverContract,
    resolve_tables,
    silver_contract,
)
from jozi_lake.errors import LakeError
from jozi_lake.ids import new_run_id
from jozi_lake.jobs import lake_io
from jozi_lake.jobs.concurrency import DEFAULT_PARALLEL_TABLES, map_tables
from jozi_lake.jobs.report import JobReport, TableReport, now_iso
from jozi_lake.jobs.run_tables import finish_run
from jozi_lake.layout import lake_layout
from jozi_lake.rederive import finish_replay, replay_batches
from jozi_lake.sources import (
    BRONZE_CSV,
    BRONZE_JSON_DOCUMENT,
    SPARK_CHARSETS,
    CsvOptions,
    SourceConfig,
    bronze_format,
)
from jozi_lake.storage import ObjectStore
from jozi_lake.transforms import dedup, reference
from jozi_lake.transforms.normalize import local_date
from jozi_lake.transforms.quality import FAIL_RULES, QUARANTINE_REASONS, WARN_RULES, evaluate_rules
from jozi_lake.transforms.records import (
    RECORD_ERRORS,
    UNREADABLE,
    csv_rows_as_lines,
    documents_as_lines,
    exact_bytes_base64,
    parse_lines,
)
from jozi_lake.transforms.typed import conform, type_columns

JOB_NAME = "bronze_to_silver"

QUARANTINE_COLUMNS = (
    "raw_record",
    "raw_record_base64",
    "quarantine_reason",
    "bronze_file",
    "run_id",
    BATCH_COLUMN,
)


# Called with a one-line message at each step (the runner shows it in a Rich progress display).
ProgressCallback = Callable[[str], None]


class QualityGateError(LakeError):
    """A ``fail`` rule fired: nothing was published. ``alerts``: one per batch the gate held (on AWS the
    Glue entry publishes them to the alert topic; locally the run output has a line per held batch)."""

    def __init__(
        self, message: str, hint: str | None = None, alerts: list[notify.Alert] | None = None
    ) -> None:
        super().__init__(message, hint)
        self.alerts = list(alerts or [])


@dataclass
class PreparedTable:
    contract: SilverContract
    report: TableReport
    new_files: list[str]
    staging_prefix: str
    touched_dates: set[str] = field(default_factory=set)
    changed: bool = False  # silver content changes (event: touched_dates; reference: anything)
    changed_since: str | None = None  # reference tables: local date from which the content changed
    gate_failures: list[str] = field(default_factory=list)
    # The bronze batches that tripped the gate, each with what it tripped: held when the job stops.
    gate_batches: dict[str, list[str]] = field(default_factory=dict)
    cached: DataFrame | None = None
    quarantine_rows: DataFrame | None = None
    direct_content: DataFrame | None = None
    replayed: set[str] = field(default_factory=set)  # batches re-derived (lake replay / rebuild)


def new_bronze_files(store: ObjectStore, table: str) -> list[str]:
    """Bronze files of ``table`` not processed yet (the pipeline's backlog rule reads the same list)."""
    return unprocessed_bronze_files(store, table)


def _decoded(value: Column, encoding_tag: str | None) -> Column:
    """Text of a non-UTF-8 bronze file decoded by its name's encoding tag (Spark reads text as UTF-8)."""
    if encoding_tag in (None, "utf8sig"):
        text = value
    else:
        text = F.decode(value.cast("binary"), SPARK_CHARSETS[str(encoding_tag)])
    if encoding_tag == "utf8sig":
        text = F.regexp_replace(text, "^\ufeff", "")
    return text


def read_bronze_lines(
    spark: SparkSession, store: ObjectStore, keys: list[str], source: SourceConfig | None = None
) -> DataFrame:
    """All files as one frame of raw lines (``value``, ``bronze_file``, ``bronze_batch_id``, and the
    unreadable-document flag), one JSON object text per record.

    Each file is read by the format its name says (:func:`jozi_lake.sources.bronze_format`) with the
    options of its ``source`` (records path, CSV dialect; defaults when lake.yaml declares none), so
    silver reads bronze with the definition ingestion wrote it with. JSON lines and JSON documents are
    read with one scan per bronze batch and encoding (a nightly run is one batch), each tagged with its
    batch id computed once on the driver.
    """
    records_path = source.records_path if source else ()
    csv_options = source.files.csv if source else CsvOptions()
    scans: dict[tuple[str, str | None, str], list[str]] = {}
    csv_files: list[tuple[str, str | None]] = []
    for key in keys:
        parsed = bronze_format(key)
        if parsed is None:
            continue
        fmt, tag = parsed
        if fmt == BRONZE_CSV:
            csv_files.append((key, tag))
        else:
            scans.setdefault((fmt, tag, batch_id_of(key)), []).append(lake_io.spark_uri(store, key))
    frames: list[DataFrame] = []
    for (fmt, tag, batch), uris in sorted(
        scans.items(), key=lambda item: (item[0][0], item[0][1] or "", item[0][2])
    ):
        whole = fmt == BRONZE_JSON_DOCUMENT
        read = spark.read.text(uris, wholetext=whole).select(
            _decoded(F.col("value"), tag).alias("value"),
            F.input_file_name().alias("bronze_file"),
            F.lit(batch).alias(BATCH_COLUMN),
        )
        if whole:
            frames.append(documents_as_lines(read, records_path))
        else:
            frames.append(read.withColumn(UNREADABLE, F.lit(False)))
    # CSV files may differ in header, so each is read on its own and turned into JSON lines.
    for key, tag in csv_files:
        frames.append(
            csv_rows_as_lines(
                _read_csv(spark, lake_io.spark_uri(store, key), csv_options, tag),
                lake_io.spark_uri(store, key),
                batch_id_of(key),
                csv_options.null_values,
            )
        )
    if not frames:
        raise LakeError(
            f"none of {len(keys)} bronze file(s) has a bronze format in its name", "see docs/data-model.md"
        )
    return reduce(DataFrame.unionByName, frames)


def _read_csv(spark: SparkSession, uri: str, options: CsvOptions, tag: str | None) -> DataFrame:
    """One CSV file, every column as text, in the source's dialect and the file's encoding."""
    from pyspark.sql.types import StringType, StructField, StructType

    reader = (
        spark.read.option("header", options.header)
        .option("inferSchema", False)
        .option("multiLine", True)
        .option("sep", options.delimiter)
        .option("quote", options.quote)
        .option("escape", options.escape)
        .option("encoding", SPARK_CHARSETS.get(tag or "", "UTF-8"))
    )
    if options.columns:
        reader = reader.schema(StructType([StructField(c, StringType()) for c in options.columns]))
    frame = reader.csv(uri)
    # A byte-order mark ends up in the first column's name (header) or first value (given columns).
    first = frame.columns[0]
    if first.startswith("\ufeff"):
        frame = frame.withColumnRenamed(first, first.lstrip("\ufeff"))
    elif tag == "utf8sig" and not options.header:
        frame = frame.withColumn(first, F.regexp_replace(F.col(f"`{first}`"), "^\ufeff", ""))
    return frame


def _count_of(condition: Column) -> Column:
    """Rows meeting ``condition``; 0, not NULL, over no rows (a header-only export is an empty batch)."""
    return F.coalesce(F.sum(F.when(condition, 1).otherwise(0)), F.lit(0)).cast("bigint")


CARRIED = (QUARANTINE_REASONS, WARN_RULES, FAIL_RULES, "raw_record_base64")


def _rule_names(contract: SilverContract) -> list[tuple[str, str]]:
    return [(r.name, r.severity) for r in contract.rules] + [(error, "quarantine") for error in RECORD_ERRORS]


def _figures(outcome: DataFrame, contract: SilverContract, extra: list[Column]) -> Row:
    """One aggregation over what happened to each row (``row_status``): the report's counts, the rule
    failures, the table rules' verdicts and the kind's own figures (``extra``), in one Spark job."""
    status = F.col(dedup.STATUS)
    incoming = status.isNotNull() & (status != dedup.REPLACED)
    array_of = {"quarantine": QUARANTINE_REASONS, "warn": WARN_RULES, "fail": FAIL_RULES}
    counts = outcome.agg(
        _count_of(status.isNotNull() & (status != dedup.REPLACED)).alias("rows_read"),
        _count_of(status == dedup.WRITTEN).alias("rows_written"),
        _count_of((status == dedup.WRITTEN) & F.col(dedup.HAD_EXISTING)).alias("rows_replacing"),
        _count_of(status == dedup.QUARANTINED).alias("rows_quarantined"),
        _count_of(status == dedup.DUPLICATE).alias("duplicates_removed"),
        F.collect_set(F.when(status.isNotNull() & (status != dedup.REPLACED), F.col(BATCH_COLUMN))).alias(
            "batches"
        ),
        *[
            _count_of(F.array_contains(F.col(array_of[severity]), name)).alias(f"rule__{name}")
            for name, severity in _rule_names(contract)
        ],
        # Which bronze batch each failing row came from (its batch column), per fail rule: the batches
        # the gate holds when it stops the job.
        *[
            F.collect_set(
                F.when(incoming & F.array_contains(F.col(FAIL_RULES), r.name), F.col(BATCH_COLUMN))
            ).alias(f"fail_batches__{r.name}")
            for r in contract.rules
            if r.severity == "fail"
        ],
        *extra,
    )
    # Table rules (scope: table) are expressions over the run's figures: evaluated on the same row.
    with_share = counts.select(
        "*",
        F.when(F.col("rows_read") > 0, F.col("rows_quarantined") / F.col("rows_read"))
        .otherwise(F.lit(0.0))
        .alias("quarantine_share"),
    )
    figures = with_share.select(
        "*",
        *[
            F.coalesce(F.expr(r.expr), F.lit(False)).alias(f"table_rule__{r.name}")
            for r in contract.table_rules
        ],
    ).first()  # hygiene: bounded (one aggregated row per table)
    assert figures is not None
    return figures


def _report_figures(prepared: PreparedTable, figures: Row) -> None:
    """Copy the figures into the table's report, check conservation and collect the gate's verdicts."""
    report, contract = prepared.report, prepared.contract
    report.rows_read = int(figures["rows_read"])
    report.rows_written = int(figures["rows_written"])
    report.rows_replacing = int(figures["rows_replacing"])
    report.rows_new = report.rows_written - report.rows_replacing
    report.rows_quarantined = int(figures["rows_quarantined"])
    report.duplicates_removed = int(figures["duplicates_removed"])
    if not report.conserved:
        # Every bronze row must end in silver, quarantine or the duplicate count: never publish a table
        # whose figures say a row went missing (a bug in this job, not bad input).
        raise LakeError(
            f"row conservation broken for {contract.table}: {report.rows_read} read != "
            f"{report.rows_written} written + {report.rows_quarantined} quarantined + "
            f"{report.duplicates_removed} duplicates",
            "nothing was published; report this with the run report (a bug in the silver job)",
        )
    report.rule_failures = {name: int(figures[f"rule__{name}"]) for name, _ in _rule_names(contract)}
    report.batches = sorted(figures["batches"])
    prepared.gate_failures = [
        f"{r.name} ({report.rule_failures[r.name]} rows)"
        for r in contract.rules
        if r.severity == "fail" and report.rule_failures[r.name]
    ] + [r.name for r in contract.table_rules if not figures[f"table_rule__{r.name}"]]
    for r in contract.rules:
        if r.severity == "fail" and report.rule_failures[r.name]:
            for batch in figures[f"fail_batches__{r.name}"]:
                prepared.gate_batches.setdefault(batch, []).append(r.name)
    for r in contract.table_rules:  # a rule over the run's figures: every batch of the run shares it
        if not figures[f"table_rule__{r.name}"]:
            for batch in report.batches:
                prepared.gate_batches.setdefault(batch, []).append(r.name)


def _quarantine_rows(bystanders: DataFrame, run_id: str) -> DataFrame:
    return bystanders.select(
        "raw_record",
        exact_bytes_base64().alias("raw_record_base64"),
        F.array_join(QUARANTINE_REASONS, ",").alias("quarantine_reason"),
        "bronze_file",
        F.lit(run_id).alias("run_id"),
        BATCH_COLUMN,
    )


def prepare_table(
    spark: SparkSession,
    store: ObjectStore,
    contract: SilverContract,
    run_id: str,
    timezone: str | None = None,
) -> PreparedTable:
    """Phase 1 for one table: parse, validate, merge, count; stage what must be rebuilt.

    Local times are read in ``timezone`` when given, else in the zone of the table's source
    (lake.yaml ``sources.<table>.timezone``, default ``source_timezone``).
    """
    table = contract.table
    staging = f"{lake_layout().staging(SILVER, run_id)}{table}/"
    new_files = new_bronze_files(store, table)
    report = TableReport(table=table)
    prepared = PreparedTable(contract=contract, report=report, new_files=new_files, staging_prefix=staging)
    if not new_files:
        report.status = "no_new_data"
        return prepared

    source = load_config().find_source(table)
    zone = timezone or (source.timezone if source else load_config().source_timezone)
    checked = evaluate_rules(
        type_columns(
            parse_lines(read_bronze_lines(spark, store, new_files, source), contract), contract, zone
        ),
        contract,
    )
    target = lake_layout().silver_table(table)
    try:
        existing: DataFrame | None = lake_io.read_table(spark, store, target, contract.columns)
    except KeyError:
        existing = None
    prepared.replayed = replay_batches(store, table) & {batch_id_of(k) for k in new_files}
    if existing is not None and prepared.replayed:
        # A replay: the silver rows these batches gave are re-derived, so they take no part as
        # "already in silver" (the rest of silver does); their partitions are rebuilt too.
        from_replayed = F.col(BATCH_COLUMN).isin(sorted(prepared.replayed))
        if contract.partition_column is not None:
            part = contract.partition_column
            removed = existing.where(from_replayed).select(part).distinct()
            dates = removed.collect()  # hygiene: bounded (one row per date partition)
            prepared.touched_dates |= {str(r[0]) for r in dates}
        existing = existing.where(~from_replayed)
    if contract.kind == REFERENCE:
        _prepare_reference(spark, store, prepared, checked, existing, run_id, zone)
    else:
        _prepare_events(spark, store, prepared, checked, existing, run_id)
    return prepared


def _prepare_events(
    spark: SparkSession,
    store: ObjectStore,
    prepared: PreparedTable,
    checked: DataFrame,
    existing: DataFrame | None,
    run_id: str,
) -> None:
    """An event table: rank against the silver rows of the same keys, rebuild the touched partitions."""
    contract, report, staging = prepared.contract, prepared.report, prepared.staging_prefix
    # One frame holds every incoming row after one read and parse of the bronze files: valid rows
    # ranked against each other and the silver rows of their keys, quarantined rows alongside as
    # bystanders. It is kept (the counts, the silver write and the quarantine write all read it; the
    # parse and the window are the job's most expensive steps). Raw text was needed only to break
    # ties, so it stays only on quarantined rows, which keeps the kept frame small.
    quarantined_flag = F.size(QUARANTINE_REASONS) > 0
    ranked = dedup.merge_latest(
        checked, existing, contract, carry=CARRIED, competing=~quarantined_flag
    ).ranked
    bystander = F.col(dedup.ORIGIN) == dedup.BYSTANDER
    raw_columns = ("raw_record", "raw_record_base64", "bronze_file")
    ranked = ranked.select(
        *[c for c in ranked.columns if c not in raw_columns],
        *[F.when(bystander, F.col(c)).alias(c) for c in raw_columns],
    ).persist(StorageLevel.MEMORY_AND_DISK)
    prepared.cached = ranked
    merge = dedup.MergeResult.over(ranked)

    part = contract.partition_column
    assert part is not None
    outcome = ranked.select(
        F.when(bystander, F.lit(dedup.QUARANTINED))
        .otherwise(dedup.row_status())
        .alias(dedup.STATUS),  # null: a silver row that stays as it is
        dedup.HAD_EXISTING,
        part,
        QUARANTINE_REASONS,
        WARN_RULES,
        FAIL_RULES,
        BATCH_COLUMN,
    ).where(F.col(dedup.STATUS).isNotNull())
    status = F.col(dedup.STATUS)
    dates = F.collect_set(F.when(status.isin(dedup.WRITTEN, dedup.REPLACED), F.col(part).cast("string")))
    figures = _figures(outcome, contract, [dates.alias("dates")])
    _report_figures(prepared, figures)
    prepared.touched_dates |= {d for d in figures["dates"] if d}
    prepared.changed = bool(prepared.touched_dates)
    report.partitions_changed = sorted(prepared.touched_dates)

    if prepared.touched_dates and existing is None:
        # First load: the new rows are the whole table and nothing is read from the target, so they
        # are written straight from the cached input at publish time (no staging copy needed).
        prepared.direct_content = conform(merge.winners, contract.columns)
    elif prepared.touched_dates:
        touched = spark.createDataFrame(
            [(d,) for d in sorted(prepared.touched_dates)], f"{part} string"
        ).select(F.col(part).cast("date").alias(part))
        content = dedup.rebuild_partitions(existing, merge.winners, touched, contract)
        lake_io.write_partitions(
            conform(content, contract.columns), lake_io.spark_uri(store, staging + "rows/"), part
        )
    if report.rows_quarantined:
        prepared.quarantine_rows = _quarantine_rows(merge.bystanders, run_id)


def _prepare_reference(
    spark: SparkSession,
    store: ObjectStore,
    prepared: PreparedTable,
    checked: DataFrame,
    existing: DataFrame | None,
    run_id: str,
    timezone: str,
) -> None:
    """A reference table: merge into the whole table (latest or every version), mark what a full
    snapshot no longer carries, stage the new table. Reference tables are small, so the parsed input
    is kept and the merge (a few windows) is recomputed by each of the three actions that read it.

    A full snapshot's batches are applied one after another, in batch order, each deciding the
    deletions of its own export (:func:`_snapshot_steps`): so a run that finds several exports (a replay,
    a rebuild, a night after an outage) gives the table one run per export would have given.
    """
    contract, report, staging = prepared.contract, prepared.report, prepared.staging_prefix
    table_prefix = lake_layout().silver_table(contract.table)
    if lake_io.partition_folders(store, table_prefix):
        raise LakeError(
            f"{table_prefix} holds partition folders, but the contract says it is a reference "
            "table (not partitioned); it was written when the table was an event table",
            f"rebuild it: delete {table_prefix} and {lake_layout().processed_batches(contract.table)}, "
            "then run the job again (bronze is kept)",
        )
    checked = checked.persist(StorageLevel.MEMORY_AND_DISK)
    prepared.cached = checked
    steps = _snapshot_steps(contract, sorted({batch_id_of(key) for key in prepared.new_files}))
    competing = ~(F.size(QUARANTINE_REASONS) > 0)
    state = existing
    merges: list[reference.ReferenceMerge] = []
    for index, (batch, rows) in enumerate(steps):
        incoming = checked if rows is None else checked.where(F.col(BATCH_COLUMN).isin(rows))
        merge = reference.merge_reference(
            incoming, state, contract, batch, carry=CARRIED, competing=competing
        )
        merges.append(merge)
        if index < len(steps) - 1:  # the next export is applied to this one's result, read back
            step_prefix = f"{staging}steps/{index:05d}/"
            lake_io.write_table(
                conform(merge.content, contract.columns), lake_io.spark_uri(store, step_prefix)
            )
            try:
                state = lake_io.read_table(spark, store, step_prefix, contract.columns)
            except KeyError:
                state = None  # the export left the table empty
    step_column = "__step"
    kept = [
        dedup.STATUS,
        dedup.HAD_EXISTING,
        QUARANTINE_REASONS,
        WARN_RULES,
        FAIL_RULES,
        BATCH_COLUMN,
        reference.DELETED_NOW,
        reference.CURRENT_BEFORE,
        reference.SINCE,
        reference.SINCE_ALWAYS,
    ]
    outcome = reduce(
        DataFrame.unionByName,
        [m.ranked.select(*kept, F.lit(i).alias(step_column)) for i, m in enumerate(merges)],
    )
    status = F.col(dedup.STATUS)
    since = F.col(reference.SINCE)
    step = F.col(step_column)
    per_step = [
        column
        for i in range(len(steps))
        for column in (
            _count_of(F.col(reference.DELETED_NOW) & (step == i)).alias(f"rows_deleted__{i}"),
            _count_of(F.col(reference.CURRENT_BEFORE) & (step == i)).alias(f"current_before__{i}"),
        )
    ]
    figures = _figures(
        outcome,
        contract,
        [
            *per_step,
            F.max(F.coalesce(F.col(reference.SINCE_ALWAYS), F.lit(False))).alias("since_always"),
            F.min(F.when(since.isNotNull(), local_date(since, timezone).cast("string"))).alias("since"),
            F.max(status == dedup.WRITTEN).alias("any_written"),
        ],
    )
    _report_figures(prepared, figures)
    report.rows_deleted = sum(int(figures[f"rows_deleted__{i}"]) for i in range(len(steps)))
    for i, (batch, _rows) in enumerate(steps):
        deleted, current_before = int(figures[f"rows_deleted__{i}"]), int(figures[f"current_before__{i}"])
        if deleted and current_before and deleted / current_before > contract.max_deleted_share:
            share = deleted / current_before
            prepared.gate_batches.setdefault(batch, []).append("max_deleted_share")
            prepared.gate_failures.append(
                f"full snapshot {batch} lacks {deleted} of {current_before} current keys "
                f"({share:.0%} > max_deleted_share {contract.max_deleted_share:.0%}): a truncated export is "
                "not a mass deletion; re-send the complete export, or raise max_deleted_share in "
                f"{contract.path} if the keys are really gone"
            )
    prepared.changed = bool(figures["any_written"]) or report.rows_deleted > 0 or bool(prepared.replayed)
    prepared.changed_since = None if figures["since_always"] else figures["since"]
    if prepared.changed:
        content = conform(merges[-1].content, contract.columns)
        if existing is None:
            prepared.direct_content = content  # nothing is read from the target
        else:
            lake_io.write_table(content, lake_io.spark_uri(store, staging + "rows/"))
    if report.rows_quarantined:
        bystanders = reduce(DataFrame.unionByName, [m.bystanders for m in merges])
        prepared.quarantine_rows = _quarantine_rows(bystanders, run_id)


def _snapshot_steps(contract: SilverContract, batches: list[str]) -> list[tuple[str, list[str] | None]]:
    """How a run's batches are merged: (the batch whose export decides deletions, the batches whose rows
    take part; None: all of them). A full snapshot applies each export in turn, oldest first, as one run
    per export would have; any other reference table merges every batch at once (versions are ordered
    by their own time, so the grouping cannot change the result)."""
    if contract.full_snapshot and len(batches) > 1:
        return [(batch, [batch]) for batch in batches]
    return [(batches[-1], None)]


def publish_table(spark: SparkSession, store: ObjectStore, prepared: PreparedTable, run_id: str) -> None:
    """Phase 2 for one table: change log, quarantine, silver rows, then the processed-files record.

    Quarantine goes before silver: its rows come from the frame that ranked the batch against the
    silver rows of its keys, and rewriting silver's partitions (or deleting an emptied one) drops that
    frame from Spark's cache, so a later write would re-read silver files that are gone. A run killed
    between the two reruns them both (quarantine partitions are per batch and overwritten).
    """
    contract = prepared.contract
    table = contract.table
    part = contract.partition_column
    staging = prepared.staging_prefix
    layout = lake_layout()
    target = lake_io.spark_uri(store, layout.silver_table(table))
    if prepared.replayed:  # their quarantine is re-derived as well (a fix may have emptied it)
        lake_io.delete_partitions(store, layout.quarantine_table(table), BATCH_COLUMN, prepared.replayed)
    if prepared.quarantine_rows is not None:
        lake_io.write_partitions(
            prepared.quarantine_rows.select(*QUARANTINE_COLUMNS),
            lake_io.spark_uri(store, layout.quarantine_table(table)),
            BATCH_COLUMN,
        )
    if prepared.changed:
        entry: dict[str, object] = {
            "table": table,
            "run_id": run_id,
            "event_dates": sorted(prepared.touched_dates),
        }
        if part is None:
            # A reference table has no dates of its own: gold learns from when its content changed
            # (null: since always, e.g. a new key or a latest-only table).
            entry["changed_since"] = prepared.changed_since
        lake_io.write_json(store, layout.change_log(table, run_id), entry)
        if part is None:
            content = (
                prepared.direct_content
                if prepared.direct_content is not None
                else lake_io.read_table(spark, store, staging + "rows/", contract.columns)
            )
            lake_io.write_table(conform(content, contract.columns), target)
        elif prepared.direct_content is not None:
            lake_io.write_partitions(prepared.direct_content, target, part)
        else:
            staged_silver = lake_io.read_table(spark, store, staging + "rows/", contract.columns)
            lake_io.write_partitions(conform(staged_silver, contract.columns), target, part)
            emptied = prepared.touched_dates - lake_io.partition_values(store, staging + "rows/", part)
            lake_io.delete_partitions(store, layout.silver_table(table), part, emptied)
    faults.checkpoint(f"silver.publish.rows_written.{table}")  # quarantine too; the processed record not yet
    state = lake_io.read_json(store, layout.processed_batches(table), {"table": table, "files": {}})
    for key in prepared.new_files:
        state["files"][key] = run_id
    lake_io.write_json(store, layout.processed_batches(table), state)
    if prepared.replayed:
        finish_replay(store, table)


def gate_message(failures: dict[str, list[str]], held: list[str]) -> tuple[str, str]:
    """The error and the fix when the gate stops the job: which rule, which batches now wait, how on."""
    detail = "; ".join(f"{t}: {', '.join(f)}" for t, f in failures.items())
    message = f"quality gate failed, nothing published ({detail})"
    if not held:
        return message, "inspect quarantine/<table>/ and the report's batches, fix the source, rerun"
    tables = ", ".join(f"contracts/silver/{t}.yaml" for t in failures)
    return (
        f"{message}; held batch(es) {', '.join(held)}: the next run processes the others",
        f"fix the contract ({tables}) or re-send the source data, then "
        f"`lake batches release {held[0]}`"
        + (" (and the others held)" if len(held) > 1 else "")
        + " and run again",
    )


def held_batch_alert(env: str, batch: Batch, contract: SilverContract, run_id: str) -> notify.Alert:
    """The alert for a batch the gate held: which batch of which source, the rule, and the way on."""
    return notify.held_batch_alert(
        env,
        batch.source,
        batch.id,
        f"{batch.reason} (silver run {run_id} stopped and published nothing; the next run processes the "
        "other batches)",
        f"fix the contract ({contract.path}) or re-send the source data, then "
        f"`lake batches release {batch.id}` and run again",
        {"rules": batch.rules, "run_id": run_id, "table": contract.table, "job": JOB_NAME},
    )


def run_bronze_to_silver(
    spark: SparkSession,
    store: ObjectStore,
    tables: list[str] | None = None,
    run_id: str | None = None,
    env: str = "local",
    timezone: str | None = None,
    progress: ProgressCallback | None = None,
    parallel_tables: int = DEFAULT_PARALLEL_TABLES,
) -> JobReport:
    """Run the job over ``tables`` (all silver tables by default); returns the report it also writes.

    Raises :class:`QualityGateError` (after writing the report) when a ``fail`` rule fires; in that case
    no table is published.
    """
    run_id = run_id or new_run_id()
    report = JobReport(job=JOB_NAME, run_id=run_id, env=env, started_at=now_iso())
    names = resolve_tables(SILVER, tables)
    staging_root = lake_layout().staging(SILVER)
    store.delete_prefix(staging_root)  # leftovers of a killed run; one run at a time
    prepared_by_table: dict[str, PreparedTable] = {}

    @inheritable_thread_target  # driver threads carry the caller's Spark job properties
    def prepare(table: str) -> PreparedTable:
        _notify(progress, f"silver: preparing {table}")
        prepared = prepare_table(spark, store, silver_contract(table), run_id, timezone)
        prepared_by_table[table] = prepared  # registered at once, so a failure elsewhere still unpersists it
        return prepared

    try:
        prepared_tables = map_tables(prepare, names, parallel_tables)
        report.tables = [p.report for p in prepared_tables]
        failures = {p.contract.table: p.gate_failures for p in prepared_tables if p.gate_failures}
        if failures:
            held: list[str] = []
            alerts: list[notify.Alert] = []
            for prepared in prepared_tables:
                if prepared.gate_failures:
                    # The batches that tripped the gate wait (held, state failed): the next run
                    # processes every other batch instead of stopping on these again.
                    table = prepared.contract.table
                    batches = hold_failed_batches(store, table, prepared.gate_batches, run_id)
                    ids = [b.id for b in batches]
                    held.extend(ids)
                    alerts.extend(held_batch_alert(env, b, prepared.contract, run_id) for b in batches)
                    prepared.report.status = "failed"
                    prepared.report.held_batches = ids
                    prepared.report.message = "quality gate: " + ", ".join(prepared.gate_failures)
            raise QualityGateError(*gate_message(failures, held), alerts=alerts)

        @inheritable_thread_target  # driver threads carry the caller's Spark job properties
        def publish(prepared: PreparedTable) -> None:
            _notify(progress, f"silver: publishing {prepared.contract.table}")
            publish_table(spark, store, prepared, run_id)
            faults.checkpoint(f"silver.table_published.{prepared.contract.table}")  # others may still run

        map_tables(publish, [p for p in prepared_tables if p.new_files], parallel_tables)
        store.delete_prefix(staging_root)
        report.finish("succeeded")
    except BaseException as err:
        if not report.tables:  # a table failed to prepare: report the ones that did
            report.tables = [prepared_by_table[t].report for t in names if t in prepared_by_table]
        report.finish("failed", str(err).splitlines()[0] if str(err) else type(err).__name__)
        store.delete_prefix(staging_root)
        raise
    finally:
        for prepared in prepared_by_table.values():
            if prepared.cached is not None:
                prepared.cached.unpersist()
        finish_run(spark, store, report)  # the one place the run's report is written, failed or not
    return report


def _notify(progress: ProgressCallback | None, message: str) -> None:
    if progress is not None:
        progress(message)
