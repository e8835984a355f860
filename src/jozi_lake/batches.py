"""Bronze batches: what is waiting for silver, what is held and why, and the operator's hold/release.

A *batch* is the files of one source from one ingest run: every bronze key
``bronze/<source>/ingest_date=<day>/<run-id>-<page or stem>.<fmt>.gz`` with the same day and run id.
Its id is ``<day>_<run-id>`` (:func:`batch_id_of`, the value of the ``bronze_batch_id`` column the
silver job tags every row with and quarantine is partitioned by); a person names one as
``<source>/<day>_<run-id>`` (:class:`BatchRef`), since one ingest run writes a batch per source.

A batch's state is read from the lake, in one place each:

* ``processed``: every file is in the silver job's processed-files record (``state/processed/``);
* ``held``: an operator held it (``lake batches hold``); ``failed``: the silver job held it because
  its rows tripped a ``fail`` rule (:func:`hold_failed_batches`). Either way a hold record
  ``state/batches/<source>/<batch>.json`` says why, who and when, and the batch is left out of
  :func:`jozi_lake.backlog.unprocessed_bronze_files`, so the silver job and the pipeline's stage rule
  skip it and everything else goes on. ``lake batches release`` removes the record;
* ``pending``: anything else (files waiting for the next silver run).

The drop ledger records only how a file landed; a landed file's later state is its batch's, which
``lake sources`` reads from here (one home for batch state).

Pure Python over the :class:`~jozi_lake.storage.ObjectStore` (no Spark): the CLI, both backends and
the jobs share it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from jozi_lake.errors import LakeError
from jozi_lake.layout import is_data_key, lake_layout
from jozi_lake.storage import ObjectStore

PENDING, PROCESSED, HELD, FAILED = "pending", "processed", "held", "failed"
STATES = (PENDING, HELD, FAILED, PROCESSED)
HOLD_STATES = (HELD, FAILED)

# bronze/<source>/ingest_date=YYYY-MM-DD/<run-id>-<page>.<format>[.gz]: batch = ingest date + run id.
# Run ids look like 20261126T120453Z-1536d8 (jozi_lake.ids); file drops append "-<stem>".
_BATCH_PATTERN = (
    r"ingest_date=([0-9]{4}-[0-9]{2}-[0-9]{2})/"
    r"([0-9]{8}T[0-9]{6}Z-[0-9a-f]+|[^/-]+)-[^/]*\.(?:jsondoc|jsonl|json|ndjson|csv)(?:\.gz)?$"
)
_BATCH_RE = re.compile(_BATCH_PATTERN)
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
_DAY = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})_")


def batch_id_of(bronze_key: str) -> str:
    """``2026-06-01_<run-id>`` from a bronze key or URI; files outside the layout are their own batch.

    Computed on the driver once per file (the reader tags each file's lines with it): as a Spark
    expression it was three regex matches on every line.
    """
    match = _BATCH_RE.search(bronze_key)
    if match:
        return f"{match.group(1)}_{_UNSAFE.sub('_', match.group(2))}"
    return _UNSAFE.sub("_", bronze_key.rsplit("/", 1)[-1])


def ingest_day_of(batch: str) -> str | None:
    """The ingest date a batch id starts with (None for a file outside the layout)."""
    match = _DAY.match(batch)
    return match.group(1) if match else None


@dataclass(frozen=True)
class BatchRef:
    """A batch as a person names it: ``<source>/<batch id>``."""

    source: str
    batch: str

    @classmethod
    def parse(cls, text: str) -> BatchRef:
        source, sep, batch = text.strip().partition("/")
        if not sep or not source or not batch or "/" in batch:
            raise LakeError(
                f"{text!r} is not a batch",
                "name it <source>/<batch id>, e.g. <source>/2026-06-01_20260601T021500Z-a1b2c3 "
                "(`lake batches` lists them)",
            )
        return cls(source, batch)

    def __str__(self) -> str:
        return f"{self.source}/{self.batch}"


@dataclass
class Batch:
    """One bronze batch with its state and, when held, why, who and when."""

    source: str
    batch: str
    state: str
    files: int
    processed_files: int = 0
    ingest_date: str | None = None
    reason: str = ""
    held_by: str = ""
    held_at: str = ""
    rules: list[str] = field(default_factory=list)  # failed: the fail rules its rows tripped
    run_id: str = ""  # failed: the silver run that stopped on it

    @property
    def id(self) -> str:
        return str(BatchRef(self.source, self.batch))

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, **asdict(self)}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _silver_sources() -> list[str]:
    """Sources whose bronze a silver table reads (a silver table is named after its source)."""
    from jozi_lake.contracts_index import silver_tables

    return list(silver_tables())


def _check_source(source: str) -> None:
    known = _silver_sources()
    if source not in known:
        raise LakeError(
            f"no silver table reads a source named {source!r}", f"choose from: {', '.join(known)}"
        )


def holds(store: ObjectStore, source: str) -> dict[str, dict[str, Any]]:
    """The hold records of ``source``'s batches, by batch id."""
    prefix = lake_layout().batch_holds(source)
    found: dict[str, dict[str, Any]] = {}
    for key in store.list_keys(prefix):
        name = key[len(prefix) :]
        if "/" in name or not name.endswith(".json") or name.startswith((".", "_")):
            continue
        try:
            found[name[: -len(".json")]] = json.loads(store.get_bytes(key))
        except (KeyError, ValueError):
            continue  # removed meanwhile, or not ours
    return found


def held_batch_ids(store: ObjectStore, source: str) -> set[str]:
    """Batches of ``source`` held out of processing (by an operator or by the quality gate)."""
    return set(holds(store, source))


def hold_state(record: dict[str, Any]) -> str:
    """The state a hold record gives its batch: ``failed`` (the quality gate) or ``held`` (an operator)."""
    return FAILED if record.get("state") == FAILED else HELD


def held_batch_states(store: ObjectStore, source: str) -> dict[str, int]:
    """How many batches of ``source`` are held out, per state (``held``, ``failed``)."""
    return dict(Counter(hold_state(record) for record in holds(store, source).values()))


def processed_files(store: ObjectStore, table: str) -> set[str]:
    """Bronze keys of ``table`` the silver job has recorded as processed."""
    try:
        record = json.loads(store.get_bytes(lake_layout().processed_batches(table)))
    except KeyError:
        return set()
    return set(record.get("files", {})) if isinstance(record, dict) else set()


def bronze_files(store: ObjectStore, source: str) -> list[str]:
    """Every bronze data file of ``source`` (any bronze format), in key order."""
    from jozi_lake.sources import bronze_format

    prefix = lake_layout().bronze_table(source)
    return [k for k in store.list_keys(prefix) if is_data_key(k, prefix) and bronze_format(k) is not None]


def list_batches(store: ObjectStore, source: str | None = None, state: str | None = None) -> list[Batch]:
    """Every bronze batch (of one source, in one state), oldest first per source."""
    if state is not None and state not in STATES:
        raise LakeError(f"unknown batch state {state!r}", f"choose from: {', '.join(STATES)}")
    if source is not None:
        _check_source(source)
    found: list[Batch] = []
    for name in [source] if source else _silver_sources():
        done = processed_files(store, name)
        files: dict[str, list[str]] = {}
        for key in bronze_files(store, name):
            files.setdefault(batch_id_of(key), []).append(key)
        held = holds(store, name)
        for batch_id in sorted(set(files) | set(held)):
            keys = files.get(batch_id, [])
            record = held.get(batch_id)
            processed = sum(1 for k in keys if k in done)
            if record is not None:
                batch_state = hold_state(record)
            elif keys and processed == len(keys):
                batch_state = PROCESSED
            else:
                batch_state = PENDING
            batch = Batch(name, batch_id, batch_state, len(keys), processed, ingest_day_of(batch_id))
            if record is not None:
                batch.reason = str(record.get("reason", ""))
                batch.held_by = str(record.get("held_by", ""))
                batch.held_at = str(record.get("held_at", ""))
                batch.rules = list(record.get("rules", []))
                batch.run_id = str(record.get("run_id", ""))
            found.append(batch)
    return [b for b in found if state is None or b.state == state]


def find_batch(store: ObjectStore, ref: BatchRef) -> Batch:
    """The batch ``ref`` names; a LakeError naming how to find the right one otherwise."""
    for batch in list_batches(store, ref.source):
        if batch.batch == ref.batch:
            return batch
    raise LakeError(
        f"no bronze batch {ref} in the lake", f"`lake batches --source {ref.source}` lists its batches"
    )


def _write_hold(store: ObjectStore, ref: BatchRef, record: dict[str, Any]) -> None:
    body = (json.dumps(record, indent=1) + "\n").encode("utf-8")
    store.put_bytes(lake_layout().batch_hold(ref.source, ref.batch), body, "application/json")


def hold(store: ObjectStore, ref: BatchRef, reason: str, held_by: str) -> Batch:
    """Take a batch out of processing with a reason (a held batch stays held; the reason is replaced)."""
    if not reason.strip():
        raise LakeError("a hold needs a reason", "add --reason 'why this batch waits'")
    batch = find_batch(store, ref)
    if batch.state == PROCESSED:
        raise LakeError(
            f"batch {ref} is processed already: holding it would change nothing",
            f"to re-derive silver from bronze use `lake replay --source {ref.source} --from "
            f"{batch.ingest_date or '<date>'}`",
        )
    _write_hold(
        store,
        ref,
        {
            "source": ref.source,
            "batch": ref.batch,
            "state": HELD,
            "reason": reason.strip(),
            "held_by": held_by,
            "held_at": _now(),
        },
    )
    return find_batch(store, ref)


def release(store: ObjectStore, ref: BatchRef) -> Batch:
    """Put a held or failed batch back: the next silver run processes it."""
    batch = find_batch(store, ref)
    if batch.state not in HOLD_STATES:
        raise LakeError(
            f"batch {ref} is not held (it is {batch.state})",
            f"`lake batches --source {ref.source} --state held` lists the held ones",
        )
    store.delete(lake_layout().batch_hold(ref.source, ref.batch))
    return find_batch(store, ref)


def hold_failed_batches(
    store: ObjectStore, source: str, rules_by_batch: dict[str, list[str]], run_id: str
) -> list[Batch]:
    """The silver job's auto-hold: each batch whose rows tripped a ``fail`` rule, with the rules.

    Called after the job stopped (nothing published), so the next run processes every other batch.
    """
    held: list[Batch] = []
    for batch_id, rules in sorted(rules_by_batch.items()):
        ref = BatchRef(source, batch_id)
        reason = f"quality gate: {', '.join(rules)}"
        _write_hold(
            store,
            ref,
            {
                "source": source,
                "batch": batch_id,
                "state": FAILED,
                "reason": reason,
                "rules": list(rules),
                "held_by": f"bronze_to_silver run {run_id}",
                "held_at": _now(),
                "run_id": run_id,
            },
        )
        held.append(
            Batch(
                source,
                batch_id,
                FAILED,
                0,
                reason=reason,
                rules=list(rules),
                run_id=run_id,
                held_by=f"bronze_to_silver run {run_id}",
                ingest_date=ingest_day_of(batch_id),
            )
        )
    return held


def states_of_keys(store: ObjectStore, source: str, keys: Iterable[str]) -> dict[str, str]:
    """The state of the batch of each bronze key (what ``lake sources`` counts landed files by)."""
    by_batch = {b.batch: b.state for b in list_batches(store, source)}
    return {key: by_batch.get(batch_id_of(key), PENDING) for key in keys}
