"""Which gold partitions a run must recompute, and which input rows that needs, from declarations only.

The silver job logs what each run changed (``layout.change_log``): the date partitions of an event
table, or for a reference table the local date its content changed from (null: since always). Each
gold contract's ``incremental`` section says how an input's changes reach the model's partitions
(:class:`~jozi_lake.contracts.InputMapping`). Walking the models in dependency order turns the one
into the other: a model's changed partitions are changes of its own readers' inputs. Nothing here
knows a table of any particular lake.

The same declarations, read backwards, bound what a recompute reads: to recompute partitions P of a
model, an input mapped ``by: date`` with a look-back of N days is read for P .. P+N only, so a nightly
run over a year of history reads days, not the year.

Only :func:`look_up_keys` runs Spark (one job for every ``by: key`` mapping together); the rest is
plain Python, so the planning is tested without Spark.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import reduce
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jozi_lake.contracts import BY_DATE, BY_KEY, BY_VALIDITY, FULL_REFRESH, InputMapping
from jozi_lake.lineage import GoldModel


@dataclass(frozen=True)
class Partitions:
    """Some partitions of a date-partitioned table: listed dates, every date from ``since`` on, or
    ``everything`` (also what an unpartitioned table's "changed" is)."""

    dates: frozenset[date] = frozenset()
    since: date | None = None
    everything: bool = False

    def __bool__(self) -> bool:
        return self.everything or bool(self.dates) or self.since is not None

    def __or__(self, other: Partitions) -> Partitions:
        if self.everything or other.everything:
            return ALL
        since = min((d for d in (self.since, other.since) if d is not None), default=None)
        dates = self.dates | other.dates
        if since is not None:
            dates = frozenset(d for d in dates if d < since)
        return Partitions(dates, since)

    def spread(self, before: int | None, after: int | None) -> Partitions:
        """Each date d widened to d - before .. d + after (None: unbounded on that side)."""
        if self.everything or not self:
            return self
        if before is None:
            return ALL
        if after is None:
            start = min([*self.dates, *([self.since] if self.since else [])])
            return Partitions(since=start - timedelta(days=before))
        dates = frozenset(d + timedelta(days=k) for d in self.dates for k in range(-before, after + 1))
        since = self.since - timedelta(days=before) if self.since is not None else None
        return Partitions(dates) | Partitions(since=since) if since is not None else Partitions(dates)

    def contains(self, day: date) -> bool:
        return self.everything or day in self.dates or (self.since is not None and day >= self.since)

    def condition(self, column: Column) -> Column | None:
        """A filter on a date column selecting these partitions (None: no filter, everything)."""
        if self.everything:
            return None
        parts: list[Column] = []
        if self.dates:
            parts.append(column.isin(sorted(self.dates)))
        if self.since is not None:
            parts.append(column >= F.lit(self.since))
        return reduce(lambda a, b: a | b, parts) if parts else F.lit(False)

    def describe(self) -> str:
        if self.everything:
            return "every partition"
        parts = [f"{len(self.dates)} date(s)"] if self.dates else []
        if self.since is not None:
            parts.append(f"every date from {self.since.isoformat()}")
        return " and ".join(parts) or "nothing"


ALL = Partitions(everything=True)
NONE = Partitions()


@dataclass
class SilverChanges:
    """What the pending change-log entries say, per silver table, and which entries they are."""

    keys: list[str] = field(default_factory=list)
    tables: dict[str, Partitions] = field(default_factory=dict)

    def add(self, entry: Mapping[str, Any]) -> None:
        table = str(entry["table"])
        if "changed_since" in entry:  # a reference table: from that local date on, or since always
            since = entry["changed_since"]
            change = Partitions(since=date.fromisoformat(since)) if since else ALL
        else:
            change = Partitions(frozenset(date.fromisoformat(d) for d in entry.get("event_dates", [])))
        self.tables[table] = self.tables.get(table, NONE) | change


KeyLookups = dict[str, frozenset[date]]  # input table -> partitions of the keys its changes carry


def key_requests(models: Mapping[str, GoldModel], changes: SilverChanges) -> dict[tuple[str, str], list[str]]:
    """``(lookup, key column) -> inputs`` for every changed input mapped by key, grouped so one lookup
    table is read once for all of its inputs."""
    groups: dict[tuple[str, str], list[str]] = {}
    for model in models.values():
        for table in model.inputs:
            if table in models or not changes.tables.get(table) or model.contract.incremental.full_refresh:
                continue
            mapping = model.contract.incremental.mapping(table)
            if mapping.by == BY_KEY:
                assert mapping.lookup is not None and mapping.column is not None
                inputs = groups.setdefault((mapping.lookup, mapping.column), [])
                if table not in inputs:
                    inputs.append(table)
    return groups


def look_up_keys(
    requests: Mapping[tuple[str, str], list[str]],
    changed_rows: Callable[[str], DataFrame],
    lookup_rows: Callable[[str], DataFrame],
    partition_of: Callable[[str], str],
) -> KeyLookups:
    """One Spark job for every key mapping: the keys in each input's changed partitions, looked up in
    their lookup table, give the partitions (dates) they belong to."""
    if not requests:
        return {}
    found: list[DataFrame] = []
    for (lookup, column), inputs in requests.items():
        keys = reduce(
            DataFrame.unionByName,
            [changed_rows(t).select(F.lit(t).alias("input"), F.col(column).alias("__key")) for t in inputs],
        ).distinct()
        dates = lookup_rows(lookup).select(
            F.col(column).alias("__key"), F.col(partition_of(lookup)).cast("string").alias("day")
        )
        found.append(dates.join(keys, "__key").select("input", "day"))
    rows = reduce(DataFrame.unionByName, found).distinct().collect()  # hygiene: bounded (input x date)
    out: dict[str, set[date]] = {}
    for row in rows:
        out.setdefault(row["input"], set()).add(date.fromisoformat(row["day"]))
    return {table: frozenset(days) for table, days in out.items()}


def change_of(mapping: InputMapping, change: Partitions, looked_up: KeyLookups) -> Partitions:
    """The model partitions one input's change reaches."""
    if mapping.by == FULL_REFRESH:
        return ALL
    if mapping.by == BY_DATE:
        return change.spread(mapping.lookback_days or 0, mapping.lookahead_days or 0)
    if mapping.by == BY_KEY:
        if change.everything or change.since is not None:
            return ALL  # not a list of partitions to look keys up in: recompute everything
        return Partitions(looked_up.get(mapping.input, frozenset()))
    assert mapping.by == BY_VALIDITY
    return change.spread(mapping.lookback_days or 0, None)


def affected_partitions(
    models: Mapping[str, GoldModel],
    changes: SilverChanges,
    looked_up: KeyLookups,
    unbuilt: Iterable[str] = (),
) -> dict[str, Partitions]:
    """Per model (in dependency order), the partitions this run must recompute: every partition of a
    model never built (``unbuilt``), and of the models that read it."""
    affected: dict[str, Partitions] = {}
    new = set(unbuilt)
    for name, model in models.items():
        if name in new:
            affected[name] = ALL
            continue
        total = NONE
        for table in model.inputs:
            change = affected.get(table, NONE) if table in models else changes.tables.get(table, NONE)
            if not change:
                continue
            if model.contract.partition_column is None:
                total = ALL  # an unpartitioned table is rebuilt whole
                break
            total = total | change_of(model.contract.incremental.mapping(table), change, looked_up)
        affected[name] = total
    return affected


def read_window(mapping: InputMapping, affected: Partitions) -> Partitions:
    """The input partitions a recompute of ``affected`` must read (the mapping read backwards): a
    change on input date D reaches D - lookback .. D + lookahead, so partition P needs the input's
    P - lookahead .. P + lookback."""
    if mapping.by in (FULL_REFRESH, BY_VALIDITY):
        return ALL
    return affected.spread(mapping.lookahead_days, mapping.lookback_days)
