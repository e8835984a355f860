"""Page validation and backoff rules of the ingest HTTP client, without a server."""

from __future__ import annotations

import random

import pytest

from jozi_lake.ingest.http_client import RetryableError, RetryPolicy, SourceApiError, validate_page

NDJSON = {"content-type": "application/x-ndjson"}


def test_a_complete_page_reports_records_and_the_newest_update() -> None:
    body = b'{"id":1,"updated_at":"2026-06-01 10:00:00"}\n{"id":2,"updated_at":"2026-06-01 09:00:00"}\n'
    page = validate_page("http://x/v1/a", 200, {**NDJSON, "x-record-count": "2", "x-next-cursor": "c2"}, body)
    assert (page.records, page.max_updated_at, page.next_cursor) == (2, "2026-06-01 10:00:00", "c2")


def test_an_empty_last_page_is_fine() -> None:
    page = validate_page("http://x/v1/a", 200, {**NDJSON, "x-record-count": "0"}, b"")
    assert page.records == 0 and page.next_cursor is None


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"x-record-count": "2"}, b'{"a":1}\n{"a":'),  # cut mid-record
        ({"x-record-count": "3"}, b'{"a":1}\n{"a":2}\n'),  # fewer records than declared
    ],
)
def test_truncation_is_retryable(headers: dict[str, str], body: bytes) -> None:
    with pytest.raises(RetryableError, match="truncated"):
        validate_page("http://x/v1/a", 200, {**NDJSON, **headers}, body)


def test_non_utf8_records_are_valid_json_lines() -> None:
    body = b'{"text":"caf\xe9","updated_at":"2026-06-01 10:00:00"}\n'
    assert validate_page("http://x/v1/a", 200, {**NDJSON, "x-record-count": "1"}, body).records == 1


def test_bad_pages_are_not_retryable() -> None:
    with pytest.raises(SourceApiError, match="content type"):
        validate_page("http://x/v1/a", 200, {"content-type": "text/html", "x-record-count": "1"}, b"<html>\n")
    with pytest.raises(SourceApiError, match="malformed record on line 2"):
        validate_page("http://x/v1/a", 200, {**NDJSON, "x-record-count": "2"}, b'{"a":1}\n{oops\n')
    with pytest.raises(SourceApiError, match="empty or incomplete"):
        validate_page("http://x/v1/a", 200, NDJSON, b"")


def test_backoff_is_full_jitter_capped_and_honours_retry_after() -> None:
    policy = RetryPolicy(base_seconds=0.5, cap_seconds=4.0, max_retry_after_seconds=30.0)
    rng = random.Random(1)
    for attempt in range(1, 10):
        delays = [policy.delay(attempt, None, rng) for _ in range(200)]
        bound = min(4.0, 0.5 * 2 ** (attempt - 1))
        assert all(0 <= d <= bound for d in delays) and max(delays) > 0.8 * bound
    assert policy.delay(1, 7.0, rng) == 7.0
    assert policy.delay(1, 600.0, rng) == 30.0
