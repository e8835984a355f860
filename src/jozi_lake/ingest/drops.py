"""File drops: export files put under ``landing/<source>/`` are copied into bronze as received.

A drop ``landing/orders/orders_2026-06-01.csv`` becomes
``bronze/orders/ingest_date=<day>/<run-id>-orders_2026-06-01.csv.gz``: the file's bytes, gzip-
compressed (a drop that is already ``.gz`` is copied byte for byte). JSON-lines drops (``.json``,
``.jsonl``, ``.ndjson``) become ``...-<stem>.json.gz``; CSV drops (``.csv``) stay CSV as
``...-<stem>.csv.gz`` with their header row, so bronze of a file-drop source may hold both and the
silver job reads both.

Exactly-once copying: ``bronze/_state/drops/<source>.json`` records each drop by name and SHA-256.
Before copying, the drop is *claimed* with its target key; after the copy it is marked *done*. A
rerun skips done drops, and a drop claimed by a crashed run is copied again to the same key, so it
never lands twice. A file re-sent under the same name with different content is a new drop.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import zlib
from pathlib import Path
from typing import Any

from jozi_lake.errors import LakeError
from jozi_lake.ids import check_run_id, new_run_id
from jozi_lake.ingest import bookkeeping as books
from jozi_lake.ingest.api import summarise
from jozi_lake.layout import Layout, lake_layout

JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv",)
LANDING_GZIP_LEVEL = 1  # generated landing files favour speed; bronze keeps whatever arrived


def drop_format(name: str) -> tuple[str, str, bool] | None:
    """(stem, ``json``|``csv``, already gzipped) for a drop file name, or None if not a data file."""
    gz = name.endswith(".gz")
    base = name[:-3] if gz else name
    for suffixes, fmt in ((JSON_SUFFIXES, "json"), (CSV_SUFFIXES, "csv")):
        for suffix in suffixes:
            if base.lower().endswith(suffix):
                return base[: -len(suffix)], fmt, gz
    return None


def _count_rows(raw: bytes, fmt: str) -> int:
    if fmt == "json":
        return sum(1 for line in raw.splitlines() if line.strip())
    text = raw.decode("utf-8", "surrogateescape")
    return max(0, sum(1 for _ in csv.reader(io.StringIO(text, newline=""))) - 1)


def ingest_drops(
    store: Any,
    sources: list[str],
    *,
    run_id: str | None = None,
    now: dt.datetime | None = None,
    layout: Layout | None = None,
) -> dict[str, Any]:
    """Copy every new drop under ``landing/<source>/`` into bronze; returns the run summary."""
    layout = layout or lake_layout()
    started = now or books.utc_now()
    run_id = check_run_id(run_id) if run_id else new_run_id(started)
    day = books.ingest_date(started)
    manifest: dict[str, Any] = {
        "run_id": run_id,
        "kind": "file_drop",
        "status": "RUNNING",
        "started_at": books.iso(started),
        "finished_at": None,
        "sources": {},
    }
    mkey = layout.ingest_manifest(run_id)
    store.put_bytes(mkey, books.to_json_bytes(manifest), "application/json")
    for source in sources:
        try:
            manifest["sources"][source] = _ingest_source_drops(store, layout, source, run_id, day)
        except Exception as err:
            # A storage failure mid-copy: the claim in the drop state lets the rerun finish the job.
            manifest["sources"][source] = {
                "status": "FAILED",
                "rows": 0,
                "error": f"{type(err).__name__}: {err}",
            }
        store.put_bytes(mkey, books.to_json_bytes(manifest), "application/json")
    books.finish_manifest(store, mkey, manifest, now)
    return summarise(manifest, mkey)


def _ingest_source_drops(store: Any, layout: Layout, source: str, run_id: str, day: str) -> dict[str, Any]:
    state_key = layout.drop_state(source)
    state = books.read_json(store, state_key) or {"source": source, "drops": {}}
    drops: dict[str, Any] = state["drops"]
    prefix = layout.landing(source)
    result: dict[str, Any] = {"status": "SUCCEEDED", "rows": 0, "files": 0, "skipped": 0, "keys": []}
    errors: list[str] = []
    for key in store.list_keys(prefix):
        name = key[len(prefix) :]
        if "/" in name or name.startswith((".", "_")):
            continue  # sub-folders and hidden/marker files are not drops
        parsed = drop_format(name)
        if parsed is None:
            errors.append(f"{name}: not a .csv/.json/.jsonl/.ndjson file (optionally .gz)")
            continue
        stem, fmt, gzipped = parsed
        data = store.get_bytes(key)
        digest = hashlib.sha256(data).hexdigest()
        entry_id = f"{name}@{digest[:16]}"
        entry = drops.get(entry_id)
        if entry and entry["status"] == "done":
            result["skipped"] += 1
            continue
        try:
            raw = gzip.decompress(data) if gzipped else data
        except (OSError, EOFError, zlib.error):
            errors.append(f"{name}: named .gz but is not valid gzip")
            continue
        if not raw.strip():
            errors.append(f"{name}: empty file")
            continue
        target = entry["key"] if entry else layout.bronze_drop(source, day, run_id, stem, fmt)
        drops[entry_id] = {"status": "claimed", "key": target, "run_id": run_id, "sha256": digest}
        store.put_bytes(state_key, books.to_json_bytes(state), "application/json")
        body = data if gzipped else gzip.compress(raw, 6, mtime=0)
        store.put_bytes(target, body, "application/gzip")
        rows = _count_rows(raw, fmt)
        drops[entry_id].update(status="done", rows=rows, format=fmt)
        store.put_bytes(state_key, books.to_json_bytes(state), "application/json")
        result["rows"] += rows
        result["files"] += 1
        result["keys"].append(target)
    if errors:
        result.update(
            status="FAILED", error="; ".join(errors), hint="fix or remove the named files in landing/"
        )
    return result


def land_generated_dataset(
    source_dir: Path | str,
    store: Any,
    sources: list[str],
    *,
    run_id: str | None = None,
    now: dt.datetime | None = None,
    chunk_lines: int = 200_000,
    layout: Layout | None = None,
) -> dict[str, Any]:
    """Put a generated dataset into bronze without HTTP: split, drop into landing, ingest the drops.

    Each ``<source>.jsonl`` is cut into ``landing/<source>/<source>-part-NNNNN.jsonl.gz`` of at most
    ``chunk_lines`` lines (gzip is not splittable, so many moderate files let Spark read in
    parallel), then :func:`ingest_drops` copies them to bronze. Used by the benchmarks.
    """
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
    return ingest_drops(store, sources, run_id=run_id, now=now, layout=layout)


def _put_landing(store: Any, layout: Layout, source: str, part: int, lines: list[bytes]) -> None:
    if not lines:
        return  # an empty source (e.g. no load-shedding at all) has nothing to drop
    key = f"{layout.landing(source)}{source}-part-{part:05d}.jsonl.gz"
    store.put_bytes(key, gzip.compress(b"".join(lines), LANDING_GZIP_LEVEL, mtime=0), "application/gzip")
