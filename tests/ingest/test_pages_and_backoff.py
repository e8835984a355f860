"""Page bodies checked against a source's configuration, change times, and the retry policy: no server."""

from __future__ import annotations

import random
from typing import Any

import pytest

from jozi_lake.ingest.bodies import TruncatedBody, parse_page
from jozi_lake.ingest.failures import SourceError
from jozi_lake.ingest.http import PoliteRetry
from jozi_lake.ingest.incremental import is_after, later, parse_change_time, request_value
from jozi_lake.sources import IncrementalOptions, RetryOptions, SourceConfig, parse_source

NDJSON = {"content-type": "application/x-ndjson"}
JSON = {"content-type": "application/json"}
URL = "http://x/v1/a"


def source(**options: Any) -> SourceConfig:
    raw = {"kind": "http", "base_url": "http://x", **options}
    return parse_source("things", raw, templates={}, default_timezone="UTC")


JOZI_LIKE = source(response={"format": "ndjson", "count_header": "X-Record-Count"})


def test_a_complete_ndjson_page_gives_its_records() -> None:
    body = b'{"id":1,"updated_at":"2026-06-01 10:00:00"}\n{"id":2,"updated_at":"2026-06-01 09:00:00"}\n'
    page = parse_page(JOZI_LIKE, URL, {**NDJSON, "x-record-count": "2"}, body)
    assert [r["id"] for r in page.records] == [1, 2] and page.document is None


def test_an_empty_last_page_is_fine() -> None:
    assert parse_page(JOZI_LIKE, URL, {**NDJSON, "x-record-count": "0"}, b"").records == []


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"x-record-count": "2"}, b'{"a":1}\n{"a":'),  # cut mid-record
        ({"x-record-count": "3"}, b'{"a":1}\n{"a":2}\n'),  # fewer records than declared
    ],
)
def test_truncation_is_retryable(headers: dict[str, str], body: bytes) -> None:
    with pytest.raises(TruncatedBody):
        parse_page(JOZI_LIKE, URL, {**NDJSON, **headers}, body)


def test_non_utf8_records_are_valid_json_lines() -> None:
    body = b'{"text":"caf\xe9","updated_at":"2026-06-01 10:00:00"}\n'
    assert len(parse_page(JOZI_LIKE, URL, {**NDJSON, "x-record-count": "1"}, body).records) == 1


def test_bad_pages_are_not_retryable_and_say_what_to_change() -> None:
    with pytest.raises(SourceError, match="content type 'text/html'") as html:
        parse_page(JOZI_LIKE, URL, {"content-type": "text/html", "x-record-count": "1"}, b"<html>\n")
    assert "first bytes: <html>\\n" in html.value.message and "base_url and path" in (html.value.hint or "")
    with pytest.raises(SourceError, match="malformed record on line 2"):
        parse_page(JOZI_LIKE, URL, {**NDJSON, "x-record-count": "2"}, b'{"a":1}\n{oops\n')
    with pytest.raises(SourceError, match="empty or incomplete") as empty:
        parse_page(JOZI_LIKE, URL, NDJSON, b"")
    assert "response.count_header" in (empty.value.hint or "")


def test_json_arrays_and_records_under_a_path() -> None:
    array = source()
    assert len(parse_page(array, URL, JSON, b'[{"id": 1}, {"id": 2}]').records) == 2
    wrapped = source(records_path="items.records")
    body = b'{"items": {"records": [{"id": 1}]}, "total": 1}'
    page = parse_page(wrapped, URL, JSON, body)
    assert page.records == [{"id": 1}] and page.document["total"] == 1


def test_records_not_where_the_configuration_says() -> None:
    with pytest.raises(SourceError, match="no records at records_path 'data'") as missing:
        parse_page(source(records_path="data"), URL, JSON, b'{"results": [{"id": 1}], "count": 1}')
    assert "set records_path to one of: results" in (missing.value.hint or "")
    with pytest.raises(SourceError, match="an object, not a list of records") as bare:
        parse_page(source(), URL, JSON, b'{"results": [{"id": 1}]}')
    assert "results" in (bare.value.hint or "")
    with pytest.raises(SourceError, match="not JSON") as ndjson:
        parse_page(source(), URL, JSON, b'{"id": 1}\n{"id": 2}\n')
    assert "response.format: ndjson" in ndjson.value.message
    with pytest.raises(TruncatedBody):
        parse_page(source(), URL, JSON, b'[{"id": 1}, {"id"')


def test_change_times_compare_by_time_not_text() -> None:
    assert parse_change_time("2026-06-01T10:00:00Z") == parse_change_time("2026-06-01 12:00:00+02:00")
    assert later("2026-06-01T09:00:00Z", "2026-06-01 10:30:00+02:00") == "2026-06-01T09:00:00Z"
    assert later(None, "2026-06-01 10:00:00") == "2026-06-01 10:00:00"
    assert is_after(1780000000001, 1780000000000) and not is_after("2026-01-01", "2026-01-02")
    assert is_after("not a time", "2026-01-01")  # unreadable: never lost


@pytest.mark.parametrize(
    ("fmt", "overlap", "watermark", "expected"),
    [
        ("as_received", 0, "2026-06-01 10:00:00", "2026-06-01 10:00:00"),
        ("as_received", 90, "2026-06-01 10:00:00", "2026-06-01 09:58:30"),
        ("as_received", 60, "2026-06-01T10:00:00Z", "2026-06-01T09:59:00Z"),
        ("iso", 0, "2026-06-01 10:00:00+02:00", "2026-06-01T10:00:00+02:00"),
        ("unix", 10, "2026-06-01T00:00:10Z", "1780272000"),
        ("unix_ms", 0, 1780272000000, "1780272000000"),
        ("date", 3600, "2026-06-01 00:30:00", "2026-05-31"),
        ("%Y%m%d%H%M", 0, "2026-06-01 10:05:00", "202606011005"),
    ],
)
def test_the_watermark_is_written_the_way_the_api_wants(
    fmt: str, overlap: int, watermark: Any, expected: str
) -> None:
    options = IncrementalOptions(field="updated_at", param="since", format=fmt, overlap_seconds=overlap)
    assert request_value(watermark, options) == expected


def test_backoff_is_full_jitter_capped_and_honours_a_capped_retry_after() -> None:
    options = RetryOptions(backoff_seconds=0.5, max_backoff_seconds=4.0, max_retry_after_seconds=30.0)
    retry = PoliteRetry.for_source(options, lambda s: None, random.Random(1))
    for attempt in range(1, options.max_attempts):  # every retry the default budget allows
        retry = retry.increment(method="GET", url="/x", error=ConnectionResetError("reset"))
        delays = [retry.get_backoff_time() for _ in range(200)]
        bound = min(4.0, 0.5 * 2 ** (attempt - 1))
        assert all(0 <= d <= bound for d in delays) and max(delays) > 0.8 * bound

    class Reply:
        def __init__(self, value: str) -> None:
            self.headers = {"Retry-After": value}

    assert retry.get_retry_after(Reply("7")) == 7.0
    assert retry.get_retry_after(Reply("600")) == 30.0
    assert retry.get_retry_after(Reply("Wed, 21 Oct 2015 07:28:00 GMT")) == 0.0  # a date in the past
