"""Landed files: exports under ``landing/<source>/`` go to bronze as received, or aside with the reason.

A file ``landing/orders/orders_2026-06-01.csv`` becomes
``bronze/orders/ingest_date=<day>/<run-id>-orders_2026-06-01.csv.gz``: the file's bytes, gzip-
compressed (a file that is already gzip is copied byte for byte). The bronze name says the format
(``json`` = JSON lines, ``jsondoc`` = one JSON document, ``csv``) and, for text that is not UTF-8, the
declared encoding (``cp1252.csv``), so silver reads it with the source's options and nothing else.

Poison is set aside, never retried forever: a file that cannot be read (bad gzip, empty, an encoding
it does not declare, not the declared format; :func:`~jozi_lake.ingest.bodies.read_landed_file`) is
copied to ``rejected/<source>/<day>/<run>-<sha12>-<name>`` with a reason record beside it (source, file,
size, SHA-256, reason, first bytes), then removed from ``landing/``; the run goes on with the other
files. A corrected file lands whatever its name.

The ledger ``state/drops/<source>.json`` accounts for every landed file by SHA-256: ``claimed``
(its bronze key chosen, the copy under way), ``landed``, ``rejected``. ``held``, ``failed`` and
``processed`` are the later states of the bronze batch a landed file became; the ledger does not
store them (one home: :mod:`jozi_lake.batches`, which ``lake sources`` asks for each landed key).
A rerun skips landed bytes (also under another name), finishes a claimed copy under the same key
(so it never lands twice) and finishes an interrupted move to ``rejected/``. Nothing is deleted from
``landing/`` except a rejected file, after its copy is safe.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jozi_lake.errors import LakeError
from jozi_lake.ingest import bookkeeping as books
from jozi_lake.ingest.bodies import read_landed_file
from jozi_lake.ingest.failures import SourceError
from jozi_lake.ingest.summary import IngestSummary, RejectedFile, SourceResult
from jozi_lake.layout import REASON_SUFFIX, Layout, is_drop_name
from jozi_lake.sources import SourceConfig

LANDING_GZIP_LEVEL = 1  # generated landing files favour speed; bronze keeps whatever arrived
BRONZE_GZIP_LEVEL = 6
LANDED, CLAIMED, REJECTED, HELD, PROCESSED = "landed", "claimed", "rejected", "held", "processed"
# The ledger states that settle a landed file's bytes: in bronze (held and processed are later states of
# its batch) or set aside in rejected/. A ``claimed`` copy is unfinished: the next ingest completes it.
ACCOUNTED = frozenset({LANDED, REJECTED, HELD, PROCESSED})
ProgressCallback = Callable[[str, int, int], None]


def read_ledger(store: Any, layout: Layout, source: str) -> dict[str, Any]:
    """The drop ledger of a source, ``{"source", "files": {sha256: entry}}`` (older ledgers upgraded)."""
    ledger = books.read_json(store, layout.drop_state(source)) or {"source": source, "files": {}}
    if "drops" in ledger:  # the first ledgers were keyed by "<name>@<sha16>" with status claimed|done
        files: dict[str, Any] = ledger.setdefault("files", {})
        for entry_id, entry in ledger.pop("drops").items():
            name = entry_id.rsplit("@", 1)[0]
            status = LANDED if entry.get("status") == "done" else CLAIMED
            upgraded = {**entry, "status": status, "names": [name]}
            files.setdefault(entry["sha256"], upgraded)
    ledger.setdefault("files", {})
    return ledger


def is_accounted(ledger: dict[str, Any], digest: str) -> bool:
    """Whether the ledger (:func:`read_ledger`) has settled the file with SHA-256 ``digest``, under any name:
    an ingest would skip it (or only finish moving it to rejected/)."""
    entry = ledger["files"].get(digest)
    return bool(entry) and entry.get("status") in ACCOUNTED


def land_source_files(
    store: Any,
    layout: Layout,
    source: SourceConfig,
    result: SourceResult,
    *,
    run_id: str,
    day: str,
    now: dt.datetime | None = None,
    progress: ProgressCallback | None = None,
) -> None:
    """Land every new file under ``landing/<source>/`` (see the module docstring); fills ``result``."""
    state_key = layout.drop_state(source.name)
    ledger = read_ledger(store, layout, source.name)
    entries: dict[str, Any] = ledger["files"]
    prefix = layout.landing(source.name)

    def save() -> None:
        store.put_bytes(state_key, books.to_json_bytes(ledger), "application/json")

    for key in store.list_keys(prefix):
        name = key[len(prefix) :]
        if not is_drop_name(name):
            continue  # sub-folders and hidden/marker files are not drops
        data = store.get_bytes(key)
        digest = hashlib.sha256(data).hexdigest()
        entry = entries.get(digest)
        if entry and name not in entry.setdefault("names", []):
            entry["names"].append(name)
        if entry and entry["status"] in (LANDED, HELD, PROCESSED):
            result.skipped += 1
            continue
        if entry and entry["status"] == REJECTED:
            # The same bytes again (or a move a crash interrupted): they are in rejected/ already.
            _finish_rejection(store, key, entry)
            result.rejected.append(_rejected_of(source, key, data, digest, entry))
            save()
            continue
        try:
            landed = read_landed_file(source, name, data)
        except SourceError as err:
            entry = _reject(
                store, layout, source, key, name, data, digest, err, run_id=run_id, day=day, now=now
            )
            entries[digest] = entry
            save()  # recorded before the landing copy goes: a crash now finishes the move next run
            _finish_rejection(store, key, entry)
            result.rejected.append(_rejected_of(source, key, data, digest, entry))
            continue
        target = (
            entry["key"]
            if entry
            else layout.bronze_drop(source.name, day, run_id, landed.stem, landed.bronze_fmt)
        )
        entries[digest] = {
            "status": CLAIMED,
            "key": target,
            "run_id": entry["run_id"] if entry else run_id,
            "sha256": digest,
            "names": entry["names"] if entry else [name],
        }
        save()
        body = data if landed.gzipped else gzip.compress(landed.raw, BRONZE_GZIP_LEVEL, mtime=0)
        store.put_bytes(target, body, "application/gzip")
        entries[digest].update(
            status=LANDED,
            rows=landed.rows,
            format=landed.bronze_fmt,
            size=len(data),
            landed_at=books.iso(now or books.utc_now()),
        )
        save()
        result.rows += landed.rows
        result.new_rows += landed.rows
        result.file_rows += landed.rows
        result.files += 1
        result.keys.append(target)
        if progress:
            progress(source.name, result.files, result.rows)


def _reject(
    store: Any,
    layout: Layout,
    source: SourceConfig,
    key: str,
    name: str,
    data: bytes,
    digest: str,
    err: SourceError,
    *,
    run_id: str,
    day: str,
    now: dt.datetime | None,
) -> dict[str, Any]:
    """Copy a poison file to rejected/ with its reason record; returns its ledger entry."""
    failure = err.failure
    rejected_key = layout.rejected_file(source.name, day, run_id, digest, name)
    reason_key = layout.rejection_reason(rejected_key)
    store.put_bytes(rejected_key, data)
    record = {
        "source": source.name,
        "file": key,
        "size": len(data),
        "sha256": digest,
        "reason": failure.problem,
        "expected": failure.expected,
        "hint": failure.hint,
        "first_bytes": failure.received,
        "run_id": run_id,
        "rejected_at": books.iso(now or books.utc_now()),
        "rejected_key": rejected_key,
    }
    store.put_bytes(reason_key, books.to_json_bytes(record), "application/json")
    return {
        "status": REJECTED,
        "sha256": digest,
        "names": [name],
        "run_id": run_id,
        "size": len(data),
        "reason": failure.problem,
        "hint": failure.hint,
        "first_bytes": failure.received,
        "rejected_key": rejected_key,
        "reason_key": reason_key,
        "rejected_at": record["rejected_at"],
    }


def rejection_records(store: Any, layout: Layout, source: str | None = None) -> list[dict[str, Any]]:
    """Every reason record under ``rejected/`` (one source's, or all), oldest first: what ``lake status``
    lists, so a file set aside is never forgotten."""
    records = []
    for key in store.list_keys(layout.rejected(source)):
        if key.endswith(REASON_SUFFIX):
            record = books.read_json(store, key)
            if record is not None:
                records.append(record)
    return sorted(records, key=lambda r: (str(r.get("rejected_at", "")), str(r.get("file", ""))))


def _finish_rejection(store: Any, landing_key: str, entry: dict[str, Any]) -> None:
    """Remove the landing copy once its rejected copy is in place (moving, not deleting)."""
    if store.exists(entry["rejected_key"]):
        store.delete(landing_key)


def _rejected_of(
    source: SourceConfig, key: str, data: bytes, digest: str, entry: dict[str, Any]
) -> RejectedFile:
    return RejectedFile(
        source=source.name,
        file=key,
        size=len(data),
        sha256=digest,
        reason=str(entry.get("reason", "")),
        hint=str(entry.get("hint", "")),
        first_bytes=str(entry.get("first_bytes", "")),
        rejected_key=str(entry["rejected_key"]),
        reason_key=str(entry["reason_key"]),
    )


def land_generated_dataset(
    source_dir: Path | str,
    store: Any,
    sources: list[str],
    *,
    run_id: str | None = None,
    now: dt.datetime | None = None,
    chunk_lines: int = 200_000,
    layout: Layout | None = None,
) -> IngestSummary:
    """Put a generated dataset into bronze without HTTP: split, drop into landing, land the files.

    Each ``<source>.jsonl`` is cut into ``landing/<source>/<source>-part-NNNNN.jsonl.gz`` of at most
    ``chunk_lines`` lines (gzip is not splittable, so many moderate files let Spark read in
    parallel), then :func:`~jozi_lake.ingest.run.ingest_files` lands them. Used by the benchmarks.
    """
    from jozi_lake.ingest.run import ingest_files
    from jozi_lake.layout import lake_layout

    if chunk_lines < 1:
        raise LakeError("chunk_lines must be positive")
    layout = layout or lake_layout()
    src = Path(source_dir)
    for source in sources:
        path = src / f"{source}.jsonl"
        if not path.is_file():
            raise LakeError(f"no generated data for {source!r} in {src}", "run `lake generate` first")
        with open(path, "rb") as fh:
            part, lines = 0, []
            for line in fh:
                lines.append(line)
                if len(lines) >= chunk_lines:
                    part += 1
                    _put_landing(store, layout, source, part, lines)
                    lines = []
            if lines or part == 0:
                part += 1
                _put_landing(store, layout, source, part, lines)
    return ingest_files(store, sources, run_id=run_id, now=now, layout=layout)


def _put_landing(store: Any, layout: Layout, source: str, part: int, lines: list[bytes]) -> None:
    if not lines:
        return  # an empty source (e.g. no load-shedding at all) has nothing to drop
    key = f"{layout.landing(source)}{source}-part-{part:05d}.jsonl.gz"
    store.put_bytes(key, gzip.compress(b"".join(lines), LANDING_GZIP_LEVEL, mtime=0), "application/gzip")
