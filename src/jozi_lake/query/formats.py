"""Query answers as text for piping and pasting: ``lake query --format csv|json|markdown``.

Plain functions from columns and rows to text, the same for the local engine's and Athena's answers.
CSV and JSON are for programs, so they keep every digit (floats as Python writes them, decimals
exactly); Markdown is for people pasting an answer into an issue or a document, so numbers are shown
as the terminal table shows them (six significant digits).
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import math
from collections.abc import Sequence
from typing import Any

FORMATS = ("table", "csv", "json", "markdown")  # table: the Rich table of the terminal (cli.render)


def _text(value: Any) -> str:
    """A cell for CSV: empty for NULL, ISO dates, lower-case booleans, every digit of a number."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    return str(value)


def to_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """RFC 4180 CSV with a header row (``\\r\\n`` line ends, quotes where a cell needs them)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows([_text(v) for v in row] for row in rows)
    return buffer.getvalue()


def _json_value(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "null"  # JSON has no NaN or infinity
    if isinstance(value, decimal.Decimal):
        return str(value) if value.is_finite() else "null"  # exact, as a JSON number
    if isinstance(value, dt.datetime):
        return json.dumps(value.isoformat(sep=" "))
    if isinstance(value, dt.date):
        return json.dumps(value.isoformat())
    if isinstance(value, bool | int | float | str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(str(value), ensure_ascii=False)


def to_json(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A JSON array with one object per row (column name -> value), one row per line.

    Decimals stay exact JSON numbers (money is never rounded through a float), dates and timestamps
    are ISO strings, NULL is null.
    """
    if not rows:
        return "[]\n"
    keys = [json.dumps(c, ensure_ascii=False) for c in columns]
    lines = [
        "{" + ", ".join(f"{k}: {_json_value(v)}" for k, v in zip(keys, row, strict=True)) + "}"
        for row in rows
    ]
    return "[\n" + ",\n".join(f"  {line}" for line in lines) + "\n]\n"


def _shown(value: Any) -> str:
    """A cell as a person reads it (what the terminal table shows)."""
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:,.0f}" if abs(value) >= 1e6 else f"{value:.6g}"
    return _text(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)


def to_markdown(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table; number columns are right-aligned, ``|`` in cells escaped."""

    def cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")

    numeric = [
        bool(rows) and all(_is_number(row[i]) or row[i] is None for row in rows) for i in range(len(columns))
    ]
    lines = [
        "| " + " | ".join(cell(c) for c in columns) + " |",
        "|" + "|".join("---:" if n else "---" for n in numeric) + "|",
    ]
    lines += ["| " + " | ".join(cell(_shown(v)) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def format_answer(fmt: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """The answer in ``fmt`` (csv | json | markdown); the terminal table is cli.render's."""
    writers = {"csv": to_csv, "json": to_json, "markdown": to_markdown}
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    return writers[fmt](columns, rows)
