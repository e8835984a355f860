"""Records out of what a source sent: API page bodies and landed files, checked before anything is kept.

Ingestion never changes the bytes it stores; it reads them here only to know that they are what the
source's configuration says (so silver can read them with the same configuration), how many records
they hold, and what the pagination and the watermark need (cursors, totals, change times). A body or
file that is not what the configuration declares raises a :class:`~jozi_lake.ingest.failures.SourceError`
naming the key to change; a body that ended early raises :class:`TruncatedBody`, which the HTTP client
retries.

The probe and the contract draft read records through the same functions, so what they show is what
ingestion and silver will see. Standard library only: the ingest Lambda imports it.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from jozi_lake.ingest.failures import SourceError, fail
from jozi_lake.sources import (
    BRONZE_CSV,
    BRONZE_JSON_DOCUMENT,
    BRONZE_JSON_LINES,
    ENCODINGS,
    SourceConfig,
    bronze_format,
)

NDJSON_SUFFIXES = (".jsonl", ".ndjson")
JSON_SUFFIX = ".json"
CSV_SUFFIXES = (".csv",)
GZIP_MAGIC = b"\x1f\x8b"
_FOREIGN_SIGNATURES = {
    b"PK\x03\x04": "a zip archive (an .xlsx workbook?)",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old Office document (.xls?)",
}
_OTHER_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}
UTF8_BOM = b"\xef\xbb\xbf"
_HTML_TYPES = ("text/html", "application/xhtml+xml")


class TruncatedBody(Exception):
    """The body ended before the page did (fewer records than declared, JSON cut short): retryable."""


@dataclass
class ParsedBody:
    """Records of one page or file, and the JSON document they came from (None for NDJSON and CSV)."""

    records: list[dict[str, Any]]
    document: Any = None


def lookup(document: Any, path: tuple[str, ...]) -> Any:
    """The value at a dotted path of a JSON document, or None when any step is missing."""
    node = document
    for part in path:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _list_paths(document: Any, prefix: str = "", depth: int = 0) -> list[str]:
    """Dotted paths of the lists of objects in a document (what records_path could be)."""
    found: list[str] = []
    if isinstance(document, Mapping) and depth < 3:
        for key, value in document.items():
            path = f"{prefix}{key}"
            if isinstance(value, list) and (not value or isinstance(value[0], Mapping)):
                found.append(path)
            elif isinstance(value, Mapping):
                found += _list_paths(value, path + ".", depth + 1)
    return found


def records_at_path(
    source: SourceConfig, where: str, document: Any, data: bytes, *, key: str = "records_path"
) -> list[dict[str, Any]]:
    """The records of a JSON document under the source's ``records_path``, each a JSON object."""
    path = source.records_path
    shown = ".".join(path) or "(the document itself)"
    if not path and isinstance(document, Mapping):
        candidates = _list_paths(document)
        raise fail(
            source.name,
            where,
            "the JSON document is an object, not a list of records",
            expected=f"a JSON array, or records under {key}",
            data=data,
            hint=f"set {key} to where the records are"
            + (f" (lists found: {', '.join(candidates)})" if candidates else ""),
        )
    records = lookup(document, path)
    if records is None:
        candidates = _list_paths(document)
        raise fail(
            source.name,
            where,
            f"no records at {key} {shown!r}",
            expected=f"a list of records at {shown}",
            data=data,
            hint=(
                f"set {key} to one of: {', '.join(candidates)}"
                if candidates
                else f"check {key} against a real response (lake source probe {source.name})"
            ),
        )
    if not isinstance(records, list):
        raise fail(
            source.name,
            where,
            f"{key} {shown!r} holds a {type(records).__name__}, not a list",
            expected=f"a list of records at {shown}",
            data=data,
            hint=f"point {key} at the list of records",
        )
    for number, record in enumerate(records, start=1):
        if not isinstance(record, Mapping):
            raise fail(
                source.name,
                where,
                f"record {number} at {shown} is a {type(record).__name__}, not a JSON object",
                expected="a list of JSON objects",
                data=data,
                hint=f"point {key} at the list of records (one JSON object each)",
            )
    return records


# ---------------------------------------------------------------------------------------------- pages


def content_type(headers: Mapping[str, str]) -> str:
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def parse_page(source: SourceConfig, url: str, headers: Mapping[str, str], body: bytes) -> ParsedBody:
    """Records of one API page (``headers`` lower-cased); raises SourceError or TruncatedBody."""
    http = source.require_http()
    response = http.response
    kind = content_type(headers)
    expected = "NDJSON (one JSON object per line)" if response.format == "ndjson" else "a JSON document"
    if kind in _HTML_TYPES or body.lstrip()[:1] == b"<":
        raise fail(
            source.name,
            url,
            f"the API answered 200 with a web page (content type {kind or 'none'!r})",
            expected=expected,
            data=body,
            hint="check base_url and path (a login page, a proxy or a maintenance page answers there); "
            "if it is a maintenance page, the next run resumes once the API is back",
            retry_helps=True,
        )
    if response.content_types and kind not in response.content_types:
        raise fail(
            source.name,
            url,
            f"content type {kind or 'none'!r}",
            expected=f"one of response.content_types ({', '.join(response.content_types)})",
            data=body,
            hint="add this content type to response.content_types if the body is right",
        )
    parse = _ndjson_page if response.format == "ndjson" else _json_page
    parsed = parse(source, url, body)
    if response.count_header:
        declared = headers.get(response.count_header.lower())
        if declared is None:
            raise fail(
                source.name,
                url,
                f"empty or incomplete response: no {response.count_header} header ({len(body)} bytes)",
                expected=f"the record count in {response.count_header} (response.count_header)",
                data=body,
                hint="if the API never sends this header, remove response.count_header; "
                "if it usually does, the API is misbehaving and the next run resumes the window",
                retry_helps=True,
            )
        if not declared.strip().isdigit():
            raise fail(
                source.name,
                url,
                f"{response.count_header} is {declared!r}",
                expected="a record count",
                data=body,
                hint="remove response.count_header (the count is then taken from the body)",
            )
        if int(declared) != len(parsed.records):
            raise TruncatedBody(
                f"{len(parsed.records)} records, {declared} declared in {response.count_header}"
            )
    return parsed


def _ndjson_page(source: SourceConfig, url: str, body: bytes) -> ParsedBody:
    lines = [line for line in body.split(b"\n") if line.strip()]
    records: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        try:
            # Non-UTF-8 bytes inside strings are kept (surrogates): bronze stores the line as it came and
            # silver quarantines it with its exact bytes.
            record = json.loads(line.decode("utf-8", "surrogateescape"))
        except json.JSONDecodeError:
            if number == len(lines) and not body.endswith(b"\n"):
                raise TruncatedBody("the last line is cut off") from None
            raise fail(
                source.name,
                url,
                f"malformed record on line {number}: {line[:60]!r}",
                expected="one JSON object per line (response.format: ndjson)",
                data=body,
                hint="if the whole body is one JSON document, set response.format: json; otherwise the API "
                "sent broken JSON and nothing of this page was written",
            ) from None
        if not isinstance(record, dict):
            raise fail(
                source.name,
                url,
                f"line {number} is a JSON {type(record).__name__}, not an object",
                expected="one JSON object per line (response.format: ndjson)",
                data=body,
                hint="a body that is one JSON array needs response.format: json",
            )
        records.append(record)
    return ParsedBody(records)


def _json_page(source: SourceConfig, url: str, body: bytes) -> ParsedBody:
    if not body.strip():
        raise fail(
            source.name,
            url,
            "empty response body",
            expected="a JSON document",
            data=body,
            hint="check path and params; an API that sends nothing on 200 now and then recovers by itself",
            retry_helps=True,
        )
    try:
        document = json.loads(body)
    except UnicodeDecodeError:
        raise fail(
            source.name,
            url,
            "the body is not UTF-8 text",
            expected="JSON (UTF-8, RFC 8259)",
            data=body,
            hint="JSON APIs send UTF-8; check base_url and path",
        ) from None
    except json.JSONDecodeError as err:
        if err.pos >= len(err.doc.rstrip()):
            raise TruncatedBody(f"the JSON ends early ({err.msg})") from None
        guess = " (it looks like NDJSON: set response.format: ndjson)" if _looks_like_ndjson(body) else ""
        raise fail(
            source.name,
            url,
            f"the body is not JSON ({err.msg} at byte {err.pos}){guess}",
            expected="a JSON document (response.format: json)",
            data=body,
            hint="set response.format: ndjson for one object per line; otherwise check base_url and path",
        ) from None
    records = document if isinstance(document, list) and not source.records_path else None
    if records is None:
        records = records_at_path(source, url, document, body)
    else:
        for number, record in enumerate(records, start=1):
            if not isinstance(record, dict):
                raise fail(
                    source.name,
                    url,
                    f"record {number} of the JSON array is a {type(record).__name__}, not an object",
                    expected="a JSON array of objects",
                    data=body,
                    hint="set records_path if the records are nested inside each element",
                )
    return ParsedBody(records, document)


def _looks_like_ndjson(body: bytes) -> bool:
    first = body.lstrip().split(b"\n", 1)[0]
    try:
        return isinstance(json.loads(first), dict) and b"\n" in body.strip()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False


# ---------------------------------------------------------------------------------------------- files


@dataclass
class LandedFile:
    """A landed file as ingestion understands it: its bronze format and how many records it holds."""

    name: str
    stem: str
    fmt: str  # bronze format: json (lines) | jsondoc | csv
    encoding_tag: str | None
    gzipped: bool
    raw: bytes  # decompressed
    rows: int
    sample: list[dict[str, Any]] = field(default_factory=list)

    @property
    def bronze_fmt(self) -> str:
        return f"{self.encoding_tag}.{self.fmt}" if self.encoding_tag else self.fmt


def _split_name(name: str) -> tuple[str, bool, str | None]:
    """(stem, named .gz, the data suffix of the name or None)."""
    gz = name.lower().endswith(".gz")
    base = name[:-3] if gz else name
    lower = base.lower()
    for suffix in (*NDJSON_SUFFIXES, JSON_SUFFIX, *CSV_SUFFIXES):
        if lower.endswith(suffix):
            return base[: -len(suffix)], gz, suffix
    return base, gz, None


def read_landed_file(source: SourceConfig, name: str, data: bytes, *, sample: int = 0) -> LandedFile:
    """Check a landed file against the source's ``files`` options; raises SourceError with the reason.

    This is where poison is recognised (bad gzip, empty, undeclared encoding, not the declared format);
    the caller sets such files aside. Records with damage of their own (a truncated JSON line, a few
    non-UTF-8 bytes in a text field) are not poison: they land and silver quarantines them one by one.
    """
    options = source.files
    stem, named_gz, suffix = _split_name(name)
    where = name
    gzipped = data[:2] == GZIP_MAGIC
    if options.compression == "gzip" or (options.compression == "auto" and named_gz):
        if not gzipped:
            raise fail(
                source.name,
                where,
                "named .gz (or files.compression: gzip) but not gzip data",
                expected="a gzip file",
                data=data,
                hint="re-send the file gzip-compressed, or without .gz in its name",
            )
    elif options.compression == "none":
        gzipped = False
    raw = data
    if gzipped:
        try:
            raw = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as err:
            raise fail(
                source.name,
                where,
                f"the gzip data is damaged ({err})",
                expected="a complete gzip file",
                data=data,
                hint="the file was cut off or corrupted on the way: re-send it (any name)",
            ) from None
    if not raw.strip():
        raise fail(
            source.name,
            where,
            "empty file" if not raw else "the file holds only white space",
            expected="records",
            data=raw,
            hint="re-send the export with its records (any name)",
        )
    for signature, what in _FOREIGN_SIGNATURES.items():
        if raw.startswith(signature):
            raise fail(
                source.name,
                where,
                f"the file is {what}",
                expected=_format_words(options.format, suffix),
                data=raw,
                hint="export it as CSV or JSON and re-send it (any name)",
            )
    fmt = _format_of(source, where, suffix, raw)
    text, tag = _decode(source, where, raw, fmt)
    if fmt == BRONZE_CSV:
        rows, records = _check_csv(source, where, raw, text, sample)
    elif fmt == BRONZE_JSON_LINES:
        rows, records = _check_json_lines(source, where, raw, text, sample)
    else:
        records = _check_json_document(source, where, raw, text)
        rows, records = len(records), records[:sample]
    return LandedFile(name, stem, fmt, tag, gzipped, raw, rows, records)


def _format_words(fmt: str, suffix: str | None) -> str:
    if fmt == "auto":
        return "a .csv, .json, .jsonl or .ndjson file (files.format: auto)"
    return {"csv": "CSV", "ndjson": "JSON lines", "json": "a JSON document"}[fmt] + f" (files.format: {fmt})"


def _format_of(source: SourceConfig, where: str, suffix: str | None, raw: bytes) -> str:
    declared = source.files.format
    if declared == "csv":
        return BRONZE_CSV
    if declared == "ndjson":
        return BRONZE_JSON_LINES
    if declared == "json":
        return BRONZE_JSON_DOCUMENT
    if suffix in CSV_SUFFIXES:
        return BRONZE_CSV
    if suffix in NDJSON_SUFFIXES:
        return BRONZE_JSON_LINES
    if suffix == JSON_SUFFIX:
        # Historically .json drops are JSON lines; a file that is one document (an array, or an
        # object spanning lines) is read as one.
        start = raw.lstrip()[:1]
        if start == b"[":
            return BRONZE_JSON_DOCUMENT
        first = raw.lstrip().split(b"\n", 1)[0]
        try:
            json.loads(first.decode("utf-8", "surrogateescape"))
            return BRONZE_JSON_LINES
        except json.JSONDecodeError:
            return BRONZE_JSON_DOCUMENT
    raise fail(
        source.name,
        where,
        "the file name does not say its format",
        expected=_format_words("auto", None),
        data=raw,
        hint="re-send it as .csv/.json/.jsonl/.ndjson (optionally .gz), or set files.format for this source",
    )


def _decode(source: SourceConfig, where: str, raw: bytes, fmt: str) -> tuple[str, str | None]:
    """The file's text in its declared encoding, and the encoding tag its bronze name carries.

    Undeclared encodings are recognised where the bytes say so unambiguously: NUL bytes or a UTF-16/32
    byte-order mark (Excel's "Unicode text"), a UTF-8 file declared cp1252/latin-1 (valid multi-byte
    UTF-8, or its byte-order mark), bytes cp1252 does not define, and a CSV header row that is not
    UTF-8 although UTF-8 is declared.
    """
    declared = source.files.encoding
    codec, tag = ENCODINGS[declared]
    for bom, name in _OTHER_BOMS.items():
        if raw.startswith(bom):
            raise fail(
                source.name,
                where,
                f"the file is {name} text (byte-order mark), files.encoding is {declared}",
                expected=f"{declared} text",
                data=raw,
                hint="re-export it as UTF-8 (this lake reads utf-8, utf-8-sig, cp1252, latin-1), re-send it",
            )
    if b"\x00" in raw:
        raise fail(
            source.name,
            where,
            "the file contains NUL bytes: UTF-16/32 text or binary data",
            expected=f"{declared} text",
            data=raw,
            hint="re-export it as UTF-8 text and re-send it (any name)",
        )
    if codec.startswith("utf-8"):
        if raw.startswith(UTF8_BOM):
            return raw[len(UTF8_BOM) :].decode("utf-8", "surrogateescape"), "utf8sig"
        if fmt == BRONZE_JSON_DOCUMENT:
            try:
                return raw.decode("utf-8"), tag
            except UnicodeDecodeError as err:
                raise _not_in(source, where, raw, declared, err, "cp1252") from None
        return raw.decode("utf-8", "surrogateescape"), tag
    if raw.startswith(UTF8_BOM):
        raise fail(
            source.name,
            where,
            f"the file starts with a UTF-8 byte-order mark, files.encoding is {declared}",
            expected=f"{declared} text",
            data=raw,
            hint="set files.encoding: utf-8-sig for this source, then re-send the file (any name)",
        )
    if not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise fail(
                source.name,
                where,
                f"the file is UTF-8 (its accents are UTF-8 byte pairs), files.encoding is {declared}",
                expected=f"{declared} text",
                data=raw,
                hint="set files.encoding: utf-8 for this source, then re-send the file (any name)",
            )
    try:
        return raw.decode(codec), tag
    except UnicodeDecodeError as err:
        raise _not_in(source, where, raw, declared, err, "utf-8") from None


def _not_in(
    source: SourceConfig, where: str, raw: bytes, declared: str, err: UnicodeDecodeError, other: str
) -> SourceError:
    return fail(
        source.name,
        where,
        f"byte {raw[err.start : err.start + 1]!r} at offset {err.start} is not {declared}",
        expected=f"{declared} text (files.encoding)",
        data=raw[max(0, err.start - 40) :],
        hint=f"set files.encoding to the file's real encoding (e.g. {other}), then re-send it (any name)",
    )


def _csv_reader(source: SourceConfig, text: str) -> Iterator[list[str]]:
    options = source.files.csv
    doubled = options.escape == options.quote
    return csv.reader(
        io.StringIO(text, newline=""),
        delimiter=options.delimiter,
        quotechar=options.quote,
        escapechar=None if doubled else options.escape,
        doublequote=doubled,
        strict=False,
    )


def csv_records(source: SourceConfig, text: str, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Rows of a CSV text as records (null tokens become None), the way silver reads them."""
    options = source.files.csv
    rows = (row for row in _csv_reader(source, text) if row)
    header = list(options.columns)
    if options.header:
        names = next(rows, [])
        header = header or names
    nulls = set(options.null_values)
    for count, row in enumerate(rows):
        if limit is not None and count >= limit:
            return
        yield {name: (None if value in nulls else value) for name, value in zip(header, row, strict=False)}


def _check_csv(
    source: SourceConfig, where: str, raw: bytes, text: str, sample: int
) -> tuple[int, list[dict[str, Any]]]:
    options = source.files.csv
    start = text.lstrip()[:1]
    if start in ("{", "[") or start == "<":
        what = "JSON" if start != "<" else "HTML or XML"
        raise fail(
            source.name,
            where,
            f"the file looks like {what}, not CSV",
            expected="CSV",
            data=raw,
            hint="set files.format for this source to what the file is, or re-send it as CSV (any name)",
        )
    if options.header and source.files.encoding.startswith("utf"):
        first_line = raw.lstrip(UTF8_BOM).split(b"\n", 1)[0]
        try:
            first_line.decode("utf-8")
        except UnicodeDecodeError as err:
            raise _not_in(source, where, first_line, source.files.encoding, err, "cp1252") from None
    reader = _csv_reader(source, text)
    try:
        rows = [row for row in reader if row]
    except csv.Error as err:
        raise fail(
            source.name,
            where,
            f"not readable as CSV ({err})",
            expected="CSV (files.csv)",
            data=raw,
            hint="check files.csv.delimiter, quote and escape",
        ) from None
    width = len(options.columns) or len(rows[0])
    if options.header and len(rows[0]) == 1:
        others = [d for d in (";", "\t", "|", ",") if d != options.delimiter and d in rows[0][0]]
        if others:
            raise fail(
                source.name,
                where,
                f"the header row is one column, and it contains {others[0]!r}",
                expected=f"columns separated by {options.delimiter!r} (files.csv.delimiter)",
                data=raw,
                hint=f"re-export this file separated by {options.delimiter!r} (the source's dialect); if "
                f"every export of the source uses {others[0]!r}, set files.csv.delimiter: {others[0]!r} "
                "instead, then re-send the file (any name)",
            )
    body = rows[1:] if options.header else rows
    for number, row in enumerate(body, start=2 if options.header else 1):
        if len(row) > width:
            raise fail(
                source.name,
                where,
                f"row {number} has {len(row)} fields, the header has {width}",
                expected=f"at most {width} fields per row",
                data=raw,
                hint="a delimiter inside an unquoted value, or the wrong files.csv.delimiter/quote; "
                "fix the export or the dialect, then re-send it (any name)",
            )
    records = list(csv_records(source, text, sample)) if sample else []
    return len(body), records


def _check_json_lines(
    source: SourceConfig, where: str, raw: bytes, text: str, sample: int
) -> tuple[int, list[dict[str, Any]]]:
    lines = [line for line in text.split("\n") if line.strip()]
    first = lines[0].lstrip()
    if first.startswith("["):
        raise fail(
            source.name,
            where,
            "the file is a JSON array, not JSON lines",
            expected="one JSON object per line",
            data=raw,
            hint="set files.format: json for this source (and records_path if the records are nested)",
        )
    try:
        parsed = json.loads(first)
    except json.JSONDecodeError:
        raise fail(
            source.name,
            where,
            "the first line is not a JSON object",
            expected="JSON lines (one JSON object per line)",
            data=raw,
            hint="set files.format to what the file is (csv or json), or re-send it as JSON lines",
        ) from None
    if not isinstance(parsed, dict):
        raise fail(
            source.name,
            where,
            f"the first line is a JSON {type(parsed).__name__}, not an object",
            expected="JSON lines (one JSON object per line)",
            data=raw,
            hint="set files.format: json if the file is one JSON document",
        )
    records: list[dict[str, Any]] = []
    for line in lines[:sample]:
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue  # a damaged record: silver quarantines it
        if isinstance(value, dict):
            records.append(value)
    return len(lines), records


def _check_json_document(source: SourceConfig, where: str, raw: bytes, text: str) -> list[dict[str, Any]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise fail(
            source.name,
            where,
            f"not JSON ({err.msg} at character {err.pos})",
            expected="one JSON document (files.format: json)",
            data=raw,
            hint="if it is one object per line, set files.format: ndjson; otherwise re-send a complete file",
        ) from None
    if isinstance(document, list) and not source.records_path:
        for number, record in enumerate(document, start=1):
            if not isinstance(record, dict):
                raise fail(
                    source.name,
                    where,
                    f"element {number} of the JSON array is a {type(record).__name__}, not an object",
                    expected="a JSON array of objects",
                    data=raw,
                    hint="set records_path if the records are nested",
                )
        return document
    return records_at_path(source, where, document, raw)


# ---------------------------------------------------------------------------------------------- bronze


def bronze_records(source: SourceConfig, key: str, data: bytes, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` records of one bronze object, read by its name's format and the source's options
    (the contract draft samples bronze this way; damaged records are skipped, as silver quarantines them)."""
    parsed = bronze_format(key)
    if parsed is None:
        return []
    fmt, tag = parsed
    raw = gzip.decompress(data) if data[:2] == GZIP_MAGIC else data
    codec = {"utf8sig": "utf-8-sig", "cp1252": "cp1252", "latin1": "latin-1"}.get(tag or "", "utf-8")
    text = raw.decode(codec, "surrogateescape" if codec.startswith("utf") else "replace")
    if fmt == BRONZE_CSV:
        return list(csv_records(source, text, limit))
    if fmt == BRONZE_JSON_LINES:
        records: list[dict[str, Any]] = []
        for line in text.split("\n"):
            if len(records) >= limit:
                break
            try:
                value = json.loads(line) if line.strip() else None
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                records.append(value)
        return records
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return []
    found = (
        document
        if isinstance(document, list) and not source.records_path
        else lookup(document, source.records_path)
    )
    return [r for r in (found or []) if isinstance(r, dict)][:limit]
