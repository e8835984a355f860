"""Replay and rebuild: re-derive silver and gold from what the lake holds (bronze is the record of truth).

Neither runs a job itself: each marks work in the lake's state, then the ordinary pipeline run does it
with its ordinary stages (:class:`~jozi_lake.local.pipeline.LocalPipeline` with
:class:`~jozi_lake.backend.PipelineOptions` ``replay_*`` / ``rebuild_layer``), so a replay is staged,
published, reported and recorded in ``ops/`` like any run, and the backlog rule decides the stages.

* **replay** ``--source S --from D1 [--to D2]``: the batches of S ingested in that range are written
  to a replay request (``state/replay/<table>.json``), then marked unprocessed (removed from
  ``state/processed/<table>.json``). The silver job then reads those batches again and treats the
  silver rows that came from them as absent: they are re-derived by the current contract, compete
  with the rows of every other batch as at first load, and the touched partitions are staged then
  published (:mod:`jozi_lake.jobs.bronze_to_silver`). With the contract unchanged the table comes out
  the same; after a contract fix the fix applies to exactly those batches. Held batches stay held.
  A reference table's replay runs to its latest batch whatever ``--to`` says: which keys a full
  snapshot deleted depends on every later snapshot.
* **rebuild** ``--layer silver``: a replay of every batch of every silver table (gold follows through
  the change log); ``--layer gold``: a change-log entry "changed since always" per silver table, so
  the gold job recomputes every partition of every model.

The request is written before the processed record changes, so a run killed in between leaves a
request whose batches are still processed: harmless, and the next replay replaces it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from jozi_lake.batches import HOLD_STATES, Batch, list_batches
from jozi_lake.errors import LakeError
from jozi_lake.layout import lake_layout
from jozi_lake.storage import ObjectStore

SILVER, GOLD = "silver", "gold"
LAYERS = (SILVER, GOLD)


def _day(text: str, option: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise LakeError(
            f"{option} {text!r} is not a date", f"give it as YYYY-MM-DD, e.g. {option} 2026-06-01"
        ) from None


def _read(store: ObjectStore, key: str) -> dict[str, Any]:
    try:
        value = json.loads(store.get_bytes(key))
    except KeyError:
        return {}
    return value if isinstance(value, dict) else {}


def _write(store: ObjectStore, key: str, value: dict[str, Any]) -> None:
    store.put_bytes(key, (json.dumps(value, indent=1, sort_keys=True) + "\n").encode(), "application/json")


def replay_batches(store: ObjectStore, table: str) -> set[str]:
    """Batch ids of ``table`` a replay asked to re-derive (the silver job reads this)."""
    return set(_read(store, lake_layout().replay_request(table)).get("batches", []))


def finish_replay(store: ObjectStore, table: str) -> None:
    """The silver job published the table: its replay request is done."""
    store.delete(lake_layout().replay_request(table))


def mark_for_replay(store: ObjectStore, table: str, batches: list[Batch], requested_by: str) -> None:
    """Write the replay request for ``batches`` of ``table``, then mark their files unprocessed."""
    layout = lake_layout()
    ids = sorted({b.batch for b in batches} | replay_batches(store, table))
    request = {
        "table": table,
        "batches": ids,
        "requested_by": requested_by,
        "requested_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    _write(store, layout.replay_request(table), request)
    processed = _read(store, layout.processed_batches(table))
    if processed.get("files"):
        from jozi_lake.batches import batch_id_of

        wanted = set(ids)
        processed["files"] = {k: v for k, v in processed["files"].items() if batch_id_of(k) not in wanted}
        _write(store, layout.processed_batches(table), processed)


def request_replay(
    store: ObjectStore, source: str, day_from: str, day_to: str | None, requested_by: str
) -> list[Batch]:
    """Mark the batches of ``source`` ingested from ``day_from`` to ``day_to`` (inclusive) for replay."""
    first = _day(day_from, "--from")
    last = _day(day_to, "--to") if day_to else None
    if last is not None and last < first:
        raise LakeError(f"--to {last} is before --from {first}", "give --from the earlier date")
    from jozi_lake.contracts import REFERENCE, silver_contract

    if last is not None and silver_contract(source).kind == REFERENCE:
        last = None  # a reference table's content depends on every later snapshot: replay them too
    chosen = [
        b
        for b in list_batches(store, source)
        if b.ingest_date
        and b.files
        and b.ingest_date >= first
        and (last is None or b.ingest_date <= last)
        and b.state not in HOLD_STATES
    ]
    if not chosen:
        span = f"{first} .. {last}" if last else f"{first} on"
        raise LakeError(
            f"no processable bronze batch of {source} was ingested {span}",
            f"`lake batches --source {source}` lists its batches and their ingest dates (held ones are "
            "replayed after `lake batches release`)",
        )
    mark_for_replay(store, source, chosen, requested_by)
    return chosen


def request_rebuild(store: ObjectStore, layer: str, requested_by: str, run_id: str) -> list[str]:
    """Mark a whole layer for re-derivation; returns what was marked (batch ids or tables)."""
    from jozi_lake.contracts_index import silver_tables

    if layer not in LAYERS:
        raise LakeError(f"cannot rebuild layer {layer!r}", "choose --layer silver or --layer gold")
    marked: list[str] = []
    if layer == SILVER:
        for table in silver_tables():
            chosen = [b for b in list_batches(store, table) if b.files and b.state not in HOLD_STATES]
            if chosen:
                mark_for_replay(store, table, chosen, requested_by)
                marked.extend(b.id for b in chosen)
        return marked
    layout = lake_layout()
    for table in silver_tables():  # "changed since always": every partition of every model recomputes
        entry: dict[str, object] = {
            "table": table,
            "run_id": run_id,
            "event_dates": [],
            "changed_since": None,
        }
        _write(store, layout.change_log(table, run_id), entry)
        marked.append(table)
    return marked


def prepare_run(
    store: ObjectStore,
    *,
    replay_source: str | None,
    replay_from: str | None,
    replay_to: str | None,
    rebuild_layer: str | None,
    requested_by: str,
    run_id: str,
) -> str:
    """Mark what a replay or rebuild run re-derives (both backends call this before the stages run);
    returns a one-line summary for the run's first stage."""
    if replay_source is not None:
        if not replay_from:
            example = f"e.g. lake replay --source {replay_source} --from 2026-06-01"
            raise LakeError("a replay needs --from", example)
        chosen = request_replay(store, replay_source, replay_from, replay_to, requested_by)
        return f"replay: {len(chosen)} batch(es) of {replay_source} marked for re-derivation"
    if rebuild_layer is not None:
        marked = request_rebuild(store, rebuild_layer, requested_by, run_id)
        what = "batch(es)" if rebuild_layer == SILVER else "silver table(s) marked changed"
        return f"rebuild {rebuild_layer}: {len(marked)} {what}"
    return ""
