"""Export files for the file-drop path: what the store's back office would e-mail or SFTP to us.

The store exports one file per source per day of ``updated_at`` (``<source>_<YYYY-MM-DD>.csv`` or
``.jsonl``). JSON exports are the generator's lines, byte for byte. CSV exports have a header row of
the columns present that day (the orders file gains ``tip_zar``/``payment_type`` after the schema
change); a null becomes an empty cell, and text keeps its original bytes (non-UTF-8 included),
because the back office's CSV writer does not re-encode.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from pathlib import Path

from jozi_lake.demo.generator.emit import SOURCES
from jozi_lake.errors import LakeError

EXPORT_FORMATS = ("csv", "json")
_UPDATED_AT = re.compile(rb'"updated_at":"(\d{4}-\d{2}-\d{2})')


def _lines_by_day(path: Path) -> dict[str, list[bytes]]:
    days: dict[str, list[bytes]] = defaultdict(list)
    with open(path, "rb") as fh:
        for line in fh:
            match = _UPDATED_AT.search(line)
            days[match.group(1).decode() if match else "unknown"].append(line)
    return days


def _csv_bytes(lines: list[bytes]) -> bytes:
    records = [json.loads(line.decode("utf-8", "surrogateescape")) for line in lines]
    columns: dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(record))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow(["" if record.get(c) is None else record[c] for c in columns])
    return buffer.getvalue().encode("utf-8", "surrogateescape")


def write_exports(
    source_dir: Path | str, landing_dir: Path | str, fmt: str = "csv", sources: list[str] | None = None
) -> list[Path]:
    """Write ``<landing_dir>/<source>/<source>_<day>.<csv|jsonl>`` from a generated dataset.

    Returns the files written, sorted. ``landing_dir`` is a local folder; for a lake bucket pass
    ``<bucket folder>/landing`` or upload the files to ``landing/<source>/``.
    """
    if fmt not in EXPORT_FORMATS:
        raise LakeError(f"unknown export format {fmt!r}", f"use one of: {', '.join(EXPORT_FORMATS)}")
    src, landing = Path(source_dir), Path(landing_dir)
    written: list[Path] = []
    for source in sources or list(SOURCES):
        path = src / f"{source}.jsonl"
        if not path.is_file():
            raise LakeError(f"no generated data for {source!r} in {src}", "run `lake generate` first")
        target_dir = landing / source
        target_dir.mkdir(parents=True, exist_ok=True)
        for day, lines in sorted(_lines_by_day(path).items()):
            ext = "csv" if fmt == "csv" else "jsonl"
            target = target_dir / f"{source}_{day}.{ext}"
            target.write_bytes(_csv_bytes(lines) if fmt == "csv" else b"".join(lines))
            written.append(target)
    return sorted(written)
