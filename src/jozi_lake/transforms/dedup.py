"""Latest-version-wins deduplication of incoming rows against each other and against silver.

Incoming valid rows and the silver rows with the same keys compete per key; the row with the latest
``dedup_order`` (``updated_at``) wins, or for a reference table without one the later bronze batch.
On a tie an incoming row of a later batch whose values differ from the silver row's wins (a
correction re-sent with the same change time, e.g. by a source whose ``dedup_order`` is its event
time); otherwise the row already in silver wins (a byte-for-byte re-send, or a killed run's rerun,
changes nothing); then the later bronze file, then the raw text, so the choice never depends on
Spark's order. Every incoming row ends up either written (new key or replacing an older version) or a
duplicate.

A table without a natural key (``primary_key: none``) competes on every stored value instead
(:attr:`~jozi_lake.contracts.SilverContract.identity_columns`), compared null-safely: exact duplicates
collapse into one row and every other row is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from jozi_lake.contracts import BATCH_COLUMN, DERIVED_NAMES, IS_DELETED, SilverContract

ORIGIN = "__origin"  # 0: already in silver, 1: incoming and competing, 2: incoming, not competing
EXISTING, INCOMING, BYSTANDER = 0, 1, 2
RANK = "__rank"
TOP_IS_INCOMING = "__top_is_incoming"
HAD_EXISTING = "__had_existing"
SIDE = "__is_bystander"  # the window partitions' second half: bystanders never meet competing rows
DIFFERS = "__differs_from_silver"  # an incoming row whose values are not the silver row's
STATUS = "row_status"
WRITTEN = "written"
DUPLICATE = "duplicate"
REPLACED = "replaced_old"
QUARANTINED = "quarantined"


@dataclass(frozen=True)
class MergeResult:
    """The pieces a silver publish needs, all lazy DataFrames over ``ranked``.

    ``ranked``: every candidate (incoming rows and the silver rows of their keys) with ``__origin``
    and its rank; a job that uses several of the pieces persists it and calls :meth:`over`, so the
    window runs once. ``incoming``: every competing incoming row with ``row_status`` (written |
    duplicate) and ``__had_existing``; ``winners``: incoming rows to write; ``replaced``: silver rows
    they replace (their ``event_date`` may differ from the winner's, which is why both partitions are
    rewritten); ``bystanders``: incoming rows that took no part (see :func:`merge_latest`).
    """

    ranked: DataFrame
    incoming: DataFrame
    winners: DataFrame
    replaced: DataFrame
    bystanders: DataFrame

    @classmethod
    def over(cls, ranked: DataFrame) -> MergeResult:
        """The pieces as filters of ``ranked`` (e.g. after the caller persisted it)."""
        origin, status = F.col(ORIGIN), F.col(STATUS)
        with_status = ranked.withColumn(STATUS, row_status())
        incoming = with_status.where(origin == INCOMING)
        return cls(
            ranked=ranked,
            incoming=incoming,
            winners=incoming.where(status == WRITTEN),
            replaced=with_status.where(status == REPLACED),
            bystanders=ranked.where(origin == BYSTANDER),
        )


def row_status() -> Column:
    """What happens to each ranked candidate: an incoming row is ``written`` (rank 1) or a
    ``duplicate``; a silver row is ``replaced_old`` when it lost to an incoming row (rank 1 is then
    incoming), and null when it stays as it is; null for bystanders too."""
    origin, rank = F.col(ORIGIN), F.col(RANK)
    return (
        F.when((origin == INCOMING) & (rank == 1), F.lit(WRITTEN))
        .when(origin == INCOMING, F.lit(DUPLICATE))
        .when((origin == EXISTING) & (rank > 1) & F.col(TOP_IS_INCOMING), F.lit(REPLACED))
    )


def version_order(contract: SilverContract) -> list[Column]:
    """What makes one version of a key newer than another, newest first: the ``dedup_order`` column, or
    for a reference table without one the bronze batch (batch ids start with the ingest date and run
    id, so later batches sort later). A keyless table has nothing to order: its rows are equal.

    For a full-snapshot table a row marked deleted loses to any row of its key that arrives again, so a
    key missing from one (perhaps truncated) export comes back with the next complete one.
    """
    order: list[Column] = []
    if contract.full_snapshot:
        order.append(F.coalesce(F.col(IS_DELETED), F.lit(False)).asc())
    if contract.dedup_order:
        order.append(F.col(contract.dedup_order).desc_nulls_last())
    elif contract.keyed:
        order.append(F.col(BATCH_COLUMN).desc_nulls_last())
    return order


def same_key(left: DataFrame, right: DataFrame, contract: SilverContract) -> Column | list[str]:
    """Join condition of two frames on the contract's identity: the key columns, or (keyless) every
    stored value, null-safely, since two exact duplicates may both hold a null."""
    if contract.keyed:
        return list(contract.primary_key)
    return reduce(lambda a, b: a & b, [left[c].eqNullSafe(right[c]) for c in contract.identity_columns])


def merge_latest(
    incoming: DataFrame,
    existing: DataFrame | None,
    contract: SilverContract,
    carry: tuple[str, ...] = (),
    competing: Column | None = None,
    whole_table: bool = False,
) -> MergeResult:
    """Rank ``incoming`` rows against ``existing`` silver rows per primary key.

    ``incoming`` must carry the contract's columns plus ``bronze_file`` and ``raw_record``;
    ``existing`` the contract's columns (or None when the table is still empty). Columns named in
    ``carry`` pass through on incoming rows (null on silver rows), e.g. the rule results the report
    counts. Incoming rows for which ``competing`` is false (e.g. quarantined ones) are *bystanders*:
    they pass through the same window, in partitions of their own, without ranking against anything.
    That lets a job read and parse its input once and still keep every row in one frame.

    ``whole_table`` ranks every existing row, not only those of the incoming keys: a reference table
    is rewritten whole (and a full snapshot must see the keys it no longer carries).
    """
    key = list(contract.identity_columns)
    columns = [c.name for c in contract.columns]
    passthrough = ["bronze_file", "raw_record", *carry]
    origin = F.lit(INCOMING) if competing is None else F.when(competing, INCOMING).otherwise(BYSTANDER)
    rows = incoming.select(*columns, *passthrough, origin.alias(ORIGIN))
    if existing is not None:
        if whole_table:
            hits = existing
        else:
            contenders = rows.where(F.col(ORIGIN) == INCOMING).select(*key).distinct()
            hits = existing.join(contenders, on=same_key(existing, contenders, contract), how="left_semi")
        old = hits.select(
            *columns,
            *[F.lit(None).cast(incoming.schema[c].dataType).alias(c) for c in passthrough],
            F.lit(EXISTING).alias(ORIGIN),
        )
        candidates = old.unionByName(rows)
    else:
        candidates = rows
    # Bystanders get partitions of their own; both windows share one partitioning, so one shuffle. The
    # flag is a column, not an expression in each window: Spark would see two partitionings and shuffle
    # again between the windows.
    candidates = candidates.withColumn(SIDE, F.col(ORIGIN) == BYSTANDER)
    partition: list[Column | str] = [*key, SIDE]
    per_key = Window.partitionBy(*partition)
    origin_col = F.col(ORIGIN)
    values = F.struct(*[F.col(c) for c in value_columns(contract)])
    # Compared whole (null-safely), not by a hash: a hash that skips nulls would take a value moved
    # from one column to another for a re-send, and the correction would be lost as a duplicate.
    if existing is None:  # a first load: nothing to compare with, and no second sort of its rows
        candidates = candidates.select(
            "*", F.lit(False).alias(HAD_EXISTING), (origin_col == INCOMING).alias(DIFFERS)
        )
    else:  # a window of its own (a second sort, no second shuffle): the order below ranks on it
        # Only a later batch corrects: a killed run's rerun re-reads its own batch, whose tied rows
        # must lose to the one it already published, or the rerun would publish another of them.
        silver_values = F.first(F.when(origin_col == EXISTING, values), ignorenulls=True).over(per_key)
        silver_batch = F.first(F.when(origin_col == EXISTING, F.col(BATCH_COLUMN)), ignorenulls=True)
        later = F.coalesce(F.col(BATCH_COLUMN) > silver_batch.over(per_key), F.lit(True))
        candidates = candidates.select(
            "*",
            (F.min(ORIGIN).over(per_key) == EXISTING).alias(HAD_EXISTING),
            ((origin_col == INCOMING) & ~values.eqNullSafe(silver_values) & later).alias(DIFFERS),
        )
    order = Window.partitionBy(*partition).orderBy(
        *version_order(contract),
        F.col(DIFFERS).desc(),
        origin_col.asc(),
        F.col("bronze_file").desc_nulls_last(),
        F.col("raw_record").desc_nulls_last(),
    )
    ranked = candidates.select(
        *[c for c in candidates.columns if c not in (DIFFERS, SIDE)],
        F.row_number().over(order).alias(RANK),
        # The default frame of an ordered window ends at the current row, so first() is rank 1's origin.
        (F.first(ORIGIN).over(order) == INCOMING).alias(TOP_IS_INCOMING),
    )
    return MergeResult.over(ranked)


def value_columns(contract: SilverContract) -> tuple[str, ...]:
    """The values a tie is decided on: every source value (and offset), not the batch or the columns
    the lake derives, which differ between a silver row and its byte-for-byte re-send."""
    return tuple(c.name for c in contract.columns if c.name not in DERIVED_NAMES)


def rebuild_partitions(
    existing: DataFrame | None, winners: DataFrame, affected_dates: DataFrame, contract: SilverContract
) -> DataFrame:
    """The full new content of every affected partition: silver rows of those dates whose key has no new
    winner, plus the winners. ``affected_dates`` has one column, the partition column.

    A keyless table's winners are rows silver does not hold yet (an equal row would have been a
    duplicate), so its existing rows all stay.
    """
    columns = [c.name for c in contract.columns]
    fresh = winners.select(*columns)
    if existing is None:
        return fresh
    part = contract.partition_column
    assert part is not None, "only partitioned (event) tables are rebuilt per partition"
    kept = existing.join(F.broadcast(affected_dates), on=part, how="left_semi")
    if contract.keyed:
        kept = kept.join(
            winners.select(*contract.primary_key), on=list(contract.primary_key), how="left_anti"
        )
    return kept.select(*columns).unionByName(fresh)
