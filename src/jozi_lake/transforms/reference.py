"""Reference (snapshot) tables: the latest version per key, or every version (SCD type 2), and the keys a
full snapshot no longer carries.

A reference table has no event time, so it is not partitioned: each run that changes it rewrites it
whole from its existing rows and the incoming ones (reference tables are lists of things, small next
to the event tables). Versions are ordered by the contract's ``dedup_order`` column or, without one,
by their bronze batch's ingest time (:func:`batch_time`), so the later batch wins.

* **latest** (default): one row per key, ranked exactly like an event table's
  (:func:`jozi_lake.transforms.dedup.merge_latest`, over the whole table).
* **scd2** (``history: scd2``): every distinct version of a key, with ``valid_from`` (the version's
  time; null for the key's first version, which counts as valid since before the lake saw it),
  ``valid_to`` (the next version's time; null while current) and ``is_current``. An incoming row equal
  to the version before it in every tracked value (all but the version time) is a duplicate, so a
  re-export with a fresh ``updated_at`` adds nothing and a rerun changes nothing. A late row of an
  older version slots into the history where its time puts it.
* **full snapshot** (``full_snapshot: true``): keys that silver holds but the batch (``latest_batch``)
  lacks are deleted: the latest-only row is marked ``is_deleted`` (keeping its values and their
  ``bronze_batch_id``); an SCD2 key's current version is closed at the batch's time and a deletion row
  (no values, ``is_deleted``, the deleting batch's id) opens there. Keys are counted present when the
  batch names them, even on a row that was quarantined: a bad value is not a deletion. One merge
  applies one export: the silver job applies a run's exports one after another, oldest first
  (:func:`jozi_lake.jobs.bronze_to_silver._snapshot_steps`), so several exports in one run (a replay, a
  rebuild) give what one run per export gave.

Every incoming row ends written, duplicate or quarantined, so the silver job's row conservation holds
for these tables as for event tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from jozi_lake.contracts import (
    BATCH_COLUMN,
    IS_CURRENT,
    IS_DELETED,
    VALID_FROM,
    VALID_TO,
    SilverContract,
)
from jozi_lake.transforms import dedup

TIME = "__version_time"
DELETED_NOW = "__deleted_now"  # the row of a key this run deletes (its last version)
CURRENT_BEFORE = "__current_before"  # an existing row that was its key's current one before the run
SINCE = "__changed_since"  # when the table's content changed because of this row (null: since always)
SINCE_ALWAYS = "__changed_since_always"
IN_CONTENT = "__in_content"
PRESENT = "__present"

_RUN_STAMP = r"_([0-9]{8}T[0-9]{6}Z)"


@dataclass(frozen=True)
class ReferenceMerge:
    """``ranked``: every candidate row (incoming, bystanders, existing) with ``row_status`` and the
    figures' flags; ``content``: the table's new content (contract columns); ``bystanders``: the
    incoming rows that took no part (quarantined)."""

    ranked: DataFrame
    content: DataFrame
    bystanders: DataFrame


def batch_time(batch: Column) -> Column:
    """The ingest time of a bronze batch (``<ingest date>_<run id>``): the run id's UTC timestamp, else
    the ingest date's midnight (UTC). Orders versions of a reference table without ``dedup_order``."""
    stamp = F.regexp_extract(batch, _RUN_STAMP, 1)
    return F.coalesce(
        F.try_to_timestamp(F.when(stamp != "", stamp), F.lit("yyyyMMdd'T'HHmmss'Z'")),
        F.try_to_timestamp(F.substring(batch, 1, 10), F.lit("yyyy-MM-dd")),
    )


def version_time(contract: SilverContract) -> Column:
    """When a row's version became true: its ``dedup_order`` value, else its bronze batch's time."""
    if contract.dedup_order:
        return F.col(contract.dedup_order)
    return batch_time(F.col(BATCH_COLUMN))


def _present_keys(incoming: DataFrame, contract: SilverContract, latest_batch: str) -> DataFrame:
    """Keys the newest batch names (valid or quarantined rows alike), for full-snapshot deletions."""
    key = list(contract.primary_key)
    named = reduce(lambda a, b: a & b, [F.col(k).isNotNull() for k in key])
    return (
        incoming.where((F.col(BATCH_COLUMN) == latest_batch) & named)
        .select(*key)
        .distinct()
        .withColumn(PRESENT, F.lit(True))
    )


def merge_reference(
    incoming: DataFrame,
    existing: DataFrame | None,
    contract: SilverContract,
    latest_batch: str,
    carry: tuple[str, ...] = (),
    competing: Column | None = None,
) -> ReferenceMerge:
    """Merge ``incoming`` rows (contract source columns, offsets and batch id, plus ``bronze_file``,
    ``raw_record`` and ``carry``) into the whole ``existing`` table (None when empty)."""
    if contract.scd2:
        return _merge_history(incoming, existing, contract, latest_batch, carry, competing)
    return _merge_latest(incoming, existing, contract, latest_batch, carry, competing)


def _merge_latest(
    incoming: DataFrame,
    existing: DataFrame | None,
    contract: SilverContract,
    latest_batch: str,
    carry: tuple[str, ...],
    competing: Column | None,
) -> ReferenceMerge:
    rows = incoming.withColumn(IS_DELETED, F.lit(False)) if contract.full_snapshot else incoming
    ranked = dedup.merge_latest(rows, existing, contract, carry, competing, whole_table=True).ranked
    origin = F.col(dedup.ORIGIN)
    kept = (origin != dedup.BYSTANDER) & (F.col(dedup.RANK) == 1)
    status = F.when(origin == dedup.BYSTANDER, F.lit(dedup.QUARANTINED)).otherwise(dedup.row_status())
    deleted_now = F.lit(False)
    current_before = F.lit(False)
    if contract.full_snapshot:
        ranked = ranked.join(
            _present_keys(incoming, contract, latest_batch), list(contract.primary_key), "left"
        )
        deleted_now = kept & ~F.col(IS_DELETED) & F.col(PRESENT).isNull()
        current_before = (origin == dedup.EXISTING) & ~F.col(IS_DELETED)
    ranked = ranked.select(
        "*",
        status.alias(dedup.STATUS),
        deleted_now.alias(DELETED_NOW),
        current_before.alias(CURRENT_BEFORE),
        kept.alias(IN_CONTENT),
    )
    # Latest-only values appear on every date, so any change changes every date.
    changed = F.col(dedup.STATUS).isin(dedup.WRITTEN) | F.col(DELETED_NOW)
    ranked = ranked.select(
        "*", F.lit(None).cast("timestamp").alias(SINCE), F.when(changed, F.lit(True)).alias(SINCE_ALWAYS)
    )
    columns = []
    for col in contract.columns:
        value = F.col(col.name)
        if col.name == IS_DELETED:
            # The row keeps its values and the batch they came from: a replay of that batch re-derives
            # the row, and the deleting export (a later batch, replayed too) deletes it again.
            value = F.col(IS_DELETED) | F.col(DELETED_NOW)
        columns.append(value.cast(col.type).alias(col.name))
    content = ranked.where(F.col(IN_CONTENT)).select(*columns)
    return ReferenceMerge(ranked, content, ranked.where(origin == dedup.BYSTANDER))


def _merge_history(
    incoming: DataFrame,
    existing: DataFrame | None,
    contract: SilverContract,
    latest_batch: str,
    carry: tuple[str, ...],
    competing: Column | None,
) -> ReferenceMerge:
    key = list(contract.primary_key)
    columns = [c.name for c in contract.columns]
    source_values = [c for c in columns if c not in (VALID_FROM, VALID_TO, IS_CURRENT, IS_DELETED)]
    passthrough = ["bronze_file", "raw_record", *carry]
    origin_of = (
        F.lit(dedup.INCOMING)
        if competing is None
        else F.when(competing, dedup.INCOMING).otherwise(dedup.BYSTANDER)
    )
    rows = incoming.select(
        *source_values,
        *passthrough,
        origin_of.alias(dedup.ORIGIN),
        version_time(contract).alias(TIME),
        F.lit(False).alias(IS_DELETED),
    )
    if existing is not None:
        tombstone = F.col(IS_DELETED) if contract.full_snapshot else F.lit(False)
        old = existing.select(
            *source_values,
            *[F.lit(None).cast(incoming.schema[c].dataType).alias(c) for c in passthrough],
            F.lit(dedup.EXISTING).alias(dedup.ORIGIN),
            # A deletion row has no source time: its own validity start is its time.
            F.when(tombstone, F.col(VALID_FROM)).otherwise(version_time(contract)).alias(TIME),
            tombstone.alias(IS_DELETED),
        )
        # A key's current version before the run is its last one, unless that is a deletion: read from
        # the versions themselves, not the stored is_current, which a replay's removed rows made stale.
        last_first = Window.partitionBy(*key).orderBy(F.col(TIME).desc_nulls_last(), F.col(IS_DELETED).desc())
        old = old.withColumn(CURRENT_BEFORE, (F.row_number().over(last_first) == 1) & ~F.col(IS_DELETED))
        candidates = old.unionByName(rows.withColumn(CURRENT_BEFORE, F.lit(False)))
    else:
        candidates = rows.withColumn(CURRENT_BEFORE, F.lit(False))

    origin, tomb, t = F.col(dedup.ORIGIN), F.col(IS_DELETED), F.col(TIME)
    aside = origin == dedup.BYSTANDER
    # 1. One row per (key, time): silver's row first, then the later file, then the raw text.
    same_time = Window.partitionBy(*key, aside, t, tomb).orderBy(
        origin.asc(), F.col("bronze_file").desc_nulls_last(), F.col("raw_record").desc_nulls_last()
    )
    ranked = candidates.select("*", F.row_number().over(same_time).alias(dedup.RANK))
    survivor = ~aside & (F.col(dedup.RANK) == 1)
    # 2. A survivor equal to the version before it (every tracked value) is no new version.
    in_time = Window.partitionBy(*key, survivor).orderBy(t.asc_nulls_first(), tomb.asc(), origin.asc())
    unchanged = reduce(
        lambda a, b: a & b,
        [F.col(c).eqNullSafe(F.lag(c).over(in_time)) for c in contract.tracked_columns],
        F.lag(dedup.ORIGIN).over(in_time).isNotNull() & ~F.lag(IS_DELETED).over(in_time) & ~tomb,
    )
    per_key = Window.partitionBy(*key, aside)
    ranked = ranked.select(
        "*",
        (survivor & ~F.coalesce(unchanged, F.lit(False))).alias(IN_CONTENT),
        (F.min(dedup.ORIGIN).over(per_key) == dedup.EXISTING).alias(dedup.HAD_EXISTING),
    )
    # 3. Validity of the versions: from its time (the first: since always) to the next version's time.
    versions = Window.partitionBy(*key, F.col(IN_CONTENT)).orderBy(t.asc_nulls_first(), tomb.asc())
    ranked = ranked.select(
        "*",
        F.lead(TIME).over(versions).alias("__next_time"),
        (F.row_number().over(versions) == 1).alias("__first"),
    )
    deleted_now = F.lit(False)
    if contract.full_snapshot:
        ranked = ranked.join(_present_keys(incoming, contract, latest_batch), key, "left")
        deleted_now = F.col(IN_CONTENT) & F.col("__next_time").isNull() & ~tomb & F.col(PRESENT).isNull()
    deleted_at = F.greatest(batch_time(F.lit(latest_batch)), t)
    status = (
        F.when(aside, F.lit(dedup.QUARANTINED))
        .when((origin == dedup.INCOMING) & F.col(IN_CONTENT), F.lit(dedup.WRITTEN))
        .when(origin == dedup.INCOMING, F.lit(dedup.DUPLICATE))
    )
    written = status == dedup.WRITTEN
    dropped = (origin == dedup.EXISTING) & ~F.col(IN_CONTENT)  # an existing version merged into another
    ranked = ranked.select(
        "*",
        status.alias(dedup.STATUS),
        deleted_now.alias(DELETED_NOW),
        F.when(written | dropped, t).when(deleted_now, deleted_at).alias(SINCE),
        F.when(written & F.col("__first"), F.lit(True)).alias(SINCE_ALWAYS),
    )
    valid_to = F.coalesce(F.col("__next_time"), F.when(F.col(DELETED_NOW), deleted_at))
    content_values = {
        VALID_FROM: F.when(F.col("__first"), F.lit(None)).otherwise(t),
        VALID_TO: valid_to,
        IS_CURRENT: valid_to.isNull() & ~tomb,
        IS_DELETED: tomb,
    }
    typed = {c.name: c.type for c in contract.columns}
    versions_out = ranked.where(F.col(IN_CONTENT)).select(
        *[content_values.get(c, F.col(c)).cast(typed[c]).alias(c) for c in columns]
    )
    if contract.full_snapshot:
        deletion_rows = ranked.where(F.col(DELETED_NOW)).select(
            *[
                (
                    F.col(c)
                    if c in key
                    else F.lit(latest_batch)
                    if c == BATCH_COLUMN
                    else deleted_at
                    if c == VALID_FROM
                    else F.lit(c == IS_DELETED)
                    if c in (IS_CURRENT, IS_DELETED)
                    else F.lit(None)
                )
                .cast(typed[c])
                .alias(c)
                for c in columns
            ]
        )
        versions_out = versions_out.unionByName(deletion_rows)
    return ReferenceMerge(ranked, versions_out, ranked.where(aside))
