"""lake query --format csv|json|markdown: the text each format gives for the same answer."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest

from jozi_lake.query.formats import format_answer, to_csv, to_json, to_markdown

COLUMNS = ["zone", "orders", "late_share", "revenue_zar", "first_order", "at", "far", "note"]
ROWS = [
    (
        "north",
        3,
        0.6666666666666666,
        Decimal("750.40"),
        dt.date(2026, 6, 1),
        dt.datetime(2026, 6, 1, 18, 5),
        False,
        None,
    ),
    (
        "east|west",
        12,
        0.25,
        Decimal("1234567.89"),
        dt.date(2026, 6, 2),
        dt.datetime(2026, 6, 2, 9),
        True,
        'say "hi", ok',
    ),
]


def test_csv_keeps_every_digit_and_quotes_what_needs_it() -> None:
    text = to_csv(COLUMNS, ROWS)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert text.splitlines()[1] == "north,3,0.6666666666666666,750.40,2026-06-01,2026-06-01 18:05:00,false,"
    assert list(csv.reader(io.StringIO(text)))[2] == [
        "east|west", "12", "0.25", "1234567.89", "2026-06-02", "2026-06-02 09:00:00", "true", 'say "hi", ok',
    ]  # fmt: skip
    assert to_csv(["a"], []) == "a\r\n"


def test_json_is_one_object_per_row_with_exact_decimals() -> None:
    text = to_json(COLUMNS, ROWS)
    assert text.splitlines()[1].startswith(
        '  {"zone": "north", "orders": 3, "late_share": 0.6666666666666666, "revenue_zar": 750.40,'
    )
    parsed = json.loads(text, parse_float=Decimal)
    assert parsed[0]["revenue_zar"] == Decimal("750.40") and parsed[1]["revenue_zar"] == Decimal("1234567.89")
    assert parsed[0]["first_order"] == "2026-06-01" and parsed[0]["at"] == "2026-06-01 18:05:00"
    assert parsed[0]["far"] is False and parsed[0]["note"] is None and parsed[1]["note"] == 'say "hi", ok'
    assert json.loads(to_json(["x"], [(float("nan"),), (Decimal("NaN"),)])) == [{"x": None}, {"x": None}]
    assert to_json(["a"], []) == "[]\n"


def test_markdown_reads_like_the_terminal_table() -> None:
    lines = to_markdown(COLUMNS, ROWS).splitlines()
    assert lines[0] == "| zone | orders | late_share | revenue_zar | first_order | at | far | note |"
    assert lines[1] == "|---|---:|---:|---:|---|---|---|---|"
    assert lines[2] == "| north | 3 | 0.666667 | 750.40 | 2026-06-01 | 2026-06-01 18:05:00 | false |  |"
    assert lines[3].startswith("| east\\|west | 12 | 0.25 | 1234567.89 |")
    assert to_markdown(["a", "b"], []) == "| a | b |\n|---|---|\n"


def test_format_answer_picks_the_writer_and_refuses_others() -> None:
    assert format_answer("csv", ["a"], [(1,)]) == "a\r\n1\r\n"
    assert format_answer("markdown", ["a"], [(1,)]) == "| a |\n|---:|\n| 1 |\n"
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        format_answer("xml", ["a"], [(1,)])
