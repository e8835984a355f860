"""What work the lake has waiting, read from its durable state: the one rule for which stages run.

A stage runs when there is work for it, whatever the last ingest brought:

* a job writing silver: bronze files of its tables that no run has processed yet
  (:func:`unprocessed_bronze_files`, the same list the silver job reads);
* a job writing gold: entries in silver's change log that no gold run has applied yet;
* a crawl of a layer: the layer changed (a writer recorded it with :func:`mark_changed`) after that
  layer's last crawl started.

So a quiet night after a failed one repairs it (the unprocessed batches are still there), and a
``make ingest`` followed by ``make demo`` processes what the ingest landed. The local pipeline asks
:func:`stage_work`; on AWS the lake Lambda's ``plan`` action answers the state machine with the same
function, and the crawl's last start comes from Glue instead of the local crawl record.

Standard library and storage only: the Lambda imports this module.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from jozi_lake.batches import (
    FAILED,
    HELD,
    batch_id_of,
    bronze_files,
    held_batch_ids,
    held_batch_states,
    processed_files,
)
from jozi_lake.config import StageConfig, load_config
from jozi_lake.layout import lake_layout
from jozi_lake.storage import ObjectStore


def _read_json(store: ObjectStore, key: str) -> dict[str, Any] | None:
    try:
        value = json.loads(store.get_bytes(key))
    except KeyError:
        return None
    return value if isinstance(value, dict) else None


def unprocessed_bronze_files(store: ObjectStore, table: str) -> list[str]:
    """Bronze files of ``table`` not processed yet and not held (any bronze format), in key order.

    A held batch (:mod:`jozi_lake.batches`: by an operator, or by the quality gate after its rows
    tripped a ``fail`` rule) is left out, so the silver job and this rule skip it and the other
    batches go on.
    """
    done = processed_files(store, table)
    held = held_batch_ids(store, table)
    return [key for key in bronze_files(store, table) if key not in done and batch_id_of(key) not in held]


def unread_sources(store: ObjectStore, contracted: list[str]) -> dict[str, int]:
    """Sources of lake.yaml with bronze files but no silver contract: source -> file count.

    The silver job reads only tables with a contract, so these rows wait in bronze until one is
    drafted; the plan says so instead of reporting "no unprocessed bronze files" over them.
    """
    found = {s: len(bronze_files(store, s)) for s in load_config().source_names if s not in contracted}
    return {s: n for s, n in found.items() if n}


def held_batches_note(store: ObjectStore, tables: list[str]) -> str:
    """What is held out of the backlog, by state, with the command that lists each: ``lake status``
    and the silver stage's plan show it beside the files to process ("" when nothing is held)."""
    counts: dict[str, int] = {}
    for table in tables:
        for state, count in held_batch_states(store, table).items():
            counts[state] = counts.get(state, 0) + count
    words = {FAILED: "failed the quality gate", HELD: "held by an operator"}
    return "; ".join(
        f"{counts[state]} batch(es) {words[state]}: lake batches --state {state}"
        for state in (FAILED, HELD)
        if counts.get(state)
    )


def pending_change_keys(store: ObjectStore) -> list[str]:
    """Entries of silver's change log not yet applied to gold (the gold job deletes those it applied)."""
    return [k for k in store.list_keys(lake_layout().change_log()) if k.endswith(".json")]


def unbuilt_gold_models(store: ObjectStore) -> list[str]:
    """Gold tables whose model was never built: a model added since the last gold run.

    No silver change reaches a new model (its inputs may have been loaded long ago), so without this
    its table would wait for the next change to its inputs and then hold only those partitions. Its
    first build covers every partition; then the job records it (``state/gold_built/``). A table with
    data but no record was built before the records were kept, and counts as built.
    """
    from jozi_lake.contracts_index import layer_table_names
    from jozi_lake.layout import is_data_key

    layout = lake_layout()
    built = {k.rsplit("/", 1)[-1].removesuffix(".json") for k in store.list_keys(layout.gold_built())}
    unbuilt = []
    for table in layer_table_names("gold"):
        if table in built:
            continue
        prefix = layout.gold_table(table)
        if not any(is_data_key(k, prefix) for k in store.list_keys(prefix)):  # stops at the first data key
            unbuilt.append(table)
    return unbuilt


def mark_gold_built(store: ObjectStore, table: str) -> None:
    """Record that ``table``'s model has been built (its later runs follow silver's changes). What, not
    when: a killed run rerun writes the same record (the run's report says when)."""
    body = {"table": table}
    store.put_bytes(lake_layout().gold_built(table), json.dumps(body).encode(), "application/json")


# --------------------------------------------------------------------------------- layer changes


def mark_changed(store: ObjectStore, layer: str, run_id: str, at: dt.datetime | None = None) -> None:
    """Record that ``layer`` changed (new or rewritten data): its next crawl has work."""
    moment = (at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    body = {"layer": layer, "run_id": run_id, "changed_at": moment.isoformat(timespec="microseconds")}
    store.put_bytes(lake_layout().layer_change(layer), json.dumps(body).encode(), "application/json")


def changed_at(store: ObjectStore, layer: str) -> dt.datetime | None:
    record = _read_json(store, lake_layout().layer_change(layer))
    return dt.datetime.fromisoformat(record["changed_at"]) if record and record.get("changed_at") else None


def mark_crawled(store: ObjectStore, layer: str, started: dt.datetime) -> None:
    """Locally: the crawl of ``layer`` that started at ``started`` finished (Glue keeps this on AWS)."""
    body = {"layer": layer, "started_at": started.astimezone(dt.UTC).isoformat(timespec="microseconds")}
    store.put_bytes(lake_layout().layer_crawl(layer), json.dumps(body).encode(), "application/json")


def last_local_crawl(store: ObjectStore, layer: str) -> dt.datetime | None:
    record = _read_json(store, lake_layout().layer_crawl(layer))
    return dt.datetime.fromisoformat(record["started_at"]) if record and record.get("started_at") else None


def crawl_needed(changed: dt.datetime | None, last_crawl_started: dt.datetime | None) -> bool:
    """A layer needs a crawl when it changed after its last crawl began (or was never crawled)."""
    if changed is None:
        return False
    return last_crawl_started is None or changed >= last_crawl_started


# --------------------------------------------------------------------------------- the rule


@dataclass
class StageWork:
    stage: str
    has_work: bool
    reason: str
    detail: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


CrawlClock = Callable[[str], "dt.datetime | None"]


def stage_work(store: ObjectStore, stage: StageConfig, last_crawl: CrawlClock) -> StageWork:
    """Whether ``stage`` has work now, and why; ``last_crawl(layer)`` is when its last crawl started."""
    if stage.kind in ("ingest", "summary"):
        return StageWork(stage.name, True, "always runs")
    if stage.kind == "crawl":
        layer = str(stage.layer)
        changed = changed_at(store, layer)
        needed = crawl_needed(changed, last_crawl(layer))
        reason = (
            f"{layer} changed since its last crawl" if needed else f"{layer} unchanged since its last crawl"
        )
        return StageWork(stage.name, needed, reason)
    if stage.kind == "job":
        from jozi_lake.jobs import registry

        spec = registry.job(str(stage.job))
        if spec.writes == "silver":
            from jozi_lake.contracts_index import silver_tables

            tables = silver_tables()
            waiting = {t: len(unprocessed_bronze_files(store, t)) for t in tables}
            waiting = {t: n for t, n in waiting.items() if n}
            files = sum(waiting.values())
            reason = f"{files} bronze file(s) to process" if files else "no unprocessed bronze files"
            held = held_batches_note(store, tables)
            if held:
                reason += f" ({held})"
            unread = unread_sources(store, tables)
            if unread:
                reason += "; " + ", ".join(f"{s} has {n} bronze file(s)" for s, n in unread.items())
                reason += " but no silver contract yet: lake contract draft " + (
                    next(iter(unread)) if len(unread) == 1 else "<source>"
                )
            return StageWork(stage.name, files > 0, reason, waiting)
        pending = len(pending_change_keys(store))
        # A new model waits for silver to hold something: over an empty lake there is nothing to build.
        unbuilt = unbuilt_gold_models(store) if changed_at(store, "silver") is not None else []
        reason = f"{pending} silver change(s) to apply" if pending else "no silver changes to apply"
        if unbuilt:
            reason = (f"{reason}; " if pending else "") + f"new gold model(s) to build: {', '.join(unbuilt)}"
        return StageWork(
            stage.name, pending > 0 or bool(unbuilt), reason, {"changes": pending, "new_models": len(unbuilt)}
        )
    return StageWork(stage.name, True, f"unknown stage kind {stage.kind!r}: runs")


def plan(store: ObjectStore, last_crawl: CrawlClock) -> list[StageWork]:
    """Every stage of lake.yaml's pipeline with whether it has work now."""
    return [stage_work(store, stage, last_crawl) for stage in load_config().pipeline]
