"""Latest-version-wins deduplication of incoming rows against each other and against silver.

Incoming valid rows and the silver rows with the same keys compete per key; the row with the latest
``updated_at`` wins. On a tie the row already in silver wins (a byte-for-byte re-send changes
nothing), then the later bronze file, then the raw text, so the choice never depends on Spark's order.
Every incoming row ends up either written (new key or replacing an older version) or a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from jozi_lake.contracts import SilverContract

ORIGIN = "__origin"  # 0: already in silver, 1: incoming
RANK = "__rank"
HAD_EXISTING = "__had_existing"
STATUS = "row_status"
WRITTEN = "written"
DUPLICATE = "duplicate"
QUARANTINED = "quarantined"


@dataclass(frozen=True)
class MergeResult:
    """The pieces a silver publish needs, all lazy DataFrames.

    ``incoming``: every incoming valid row with ``row_status`` (written | duplicate) and
    ``__had_existing``; ``winners``: incoming rows to write; ``replaced``: silver rows they replace
    (their ``event_date`` may differ from the winner's, which is why both partitions are rewritten).
    """

    incoming: DataFrame
    winners: DataFrame
    replaced: DataFrame


def merge_latest(
    valid: DataFrame, existing: DataFrame | None, contract: SilverContract, carry: tuple[str, ...] = ()
) -> MergeResult:
    """Rank incoming ``valid`` rows against ``existing`` silver rows per primary key.

    ``valid`` must carry the contract's columns plus ``bronze_file`` and ``raw_record``; ``existing``
    the contract's columns (or None when the table is still empty). Columns named in ``carry`` pass
    through on incoming rows (null on silver rows), e.g. the rule results the report counts.
    """
    key = list(contract.primary_key)
    columns = [c.name for c in contract.columns]
    passthrough = ["bronze_file", "raw_record", *carry]
    incoming = valid.select(*columns, *passthrough, F.lit(1).alias(ORIGIN))
    if existing is not None:
        hits = existing.join(valid.select(*key).distinct(), on=key, how="left_semi")
        old = hits.select(
            *columns,
            *[F.lit(None).cast(valid.schema[c].dataType).alias(c) for c in passthrough],
            F.lit(0).alias(ORIGIN),
        )
        candidates = old.unionByName(incoming)
    else:
        candidates = incoming
    order = Window.partitionBy(*key).orderBy(
        F.col(contract.dedup_order).desc_nulls_last(),
        F.col(ORIGIN).asc(),
        F.col("bronze_file").desc_nulls_last(),
        F.col("raw_record").desc_nulls_last(),
    )
    per_key = Window.partitionBy(*key)
    ranked = candidates.select(
        "*",
        F.row_number().over(order).alias(RANK),
        (F.min(ORIGIN).over(per_key) == 0).alias(HAD_EXISTING),
    )
    incoming_ranked = ranked.where(F.col(ORIGIN) == 1).withColumn(
        STATUS, F.when(F.col(RANK) == 1, F.lit(WRITTEN)).otherwise(F.lit(DUPLICATE))
    )
    winners = incoming_ranked.where(F.col(STATUS) == WRITTEN)
    replaced = ranked.where((F.col(ORIGIN) == 0) & (F.col(RANK) > 1)).join(
        winners.select(*key), on=key, how="left_semi"
    )
    return MergeResult(incoming=incoming_ranked, winners=winners, replaced=replaced)


def rebuild_partitions(
    existing: DataFrame | None, winners: DataFrame, affected_dates: DataFrame, contract: SilverContract
) -> DataFrame:
    """The full new content of every affected partition: silver rows of those dates whose key has no new
    winner, plus the winners. ``affected_dates`` has one column, the partition column."""
    key = list(contract.primary_key)
    columns = [c.name for c in contract.columns]
    fresh = winners.select(*columns)
    if existing is None:
        return fresh
    part = contract.partition_column
    kept = existing.join(F.broadcast(affected_dates), on=part, how="left_semi").join(
        winners.select(*key), on=key, how="left_anti"
    )
    return kept.select(*columns).unionByName(fresh)
