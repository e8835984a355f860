"""One page from the store's API with bounded retries, validated before anything is written.

Standard library only (``urllib``), because this runs in the ingest Lambda where only boto3 is
provided. Retried: HTTP 429 and 5xx (honouring ``Retry-After``), timeouts, dropped connections and
truncated bodies. Not retried: other 4xx, a wrong content type, an empty or malformed body; those
are the store's bad input, and retrying would only repeat it.

Backoff is exponential with full jitter (sleep a uniform random time in ``[0, min(cap, base·2^n)]``)
so many runs recovering at once do not hammer the API in step.
"""

from __future__ import annotations

import http.client
import json
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from jozi_lake.errors import LakeError

NDJSON_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines")


class SourceApiError(LakeError):
    """The API answered in a way ingestion cannot accept (after retries where retrying makes sense)."""


class RetryableError(Exception):
    """A transient failure; ``retry_after`` is the server's requested pause, if it gave one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_seconds: float = 0.5
    cap_seconds: float = 20.0
    max_retry_after_seconds: float = 60.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after_seconds)
        return rng.uniform(0.0, min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1)))


@dataclass
class Page:
    """A validated page: the body exactly as received, and what we learned from it."""

    body: bytes
    records: int
    max_updated_at: str | None
    next_cursor: str | None
    has_next_page: bool
    attempts: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class HttpFetcher:
    """GETs pages with retries; ``sleep`` and ``rng`` are injectable so tests run instantly."""

    headers: dict[str, str]
    timeout_seconds: float = 30.0
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    slept: list[float] = field(default_factory=list)

    def get_page(self, url: str) -> Page:
        attempt = 0
        while True:
            attempt += 1
            try:
                page = self._get_once(url)
                page.attempts = attempt
                return page
            except RetryableError as err:
                if attempt >= self.policy.max_attempts:
                    raise SourceApiError(
                        f"{_short(url)} still failing after {attempt} attempts: {err}",
                        "the store's API is unavailable; rerun later, the run resumes where it stopped",
                    ) from None
                pause = self.policy.delay(attempt, err.retry_after, self.rng)
                self.slept.append(pause)
                self.sleep(pause)

    def _get_once(self, url: str) -> Page:
        request = urllib.request.Request(url, headers=self.headers, method="GET")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                status = response.status
                headers = {k.lower(): v for k, v in response.headers.items()}
                body = response.read()
        except urllib.error.HTTPError as err:
            status, headers = err.code, {k.lower(): v for k, v in (err.headers or {}).items()}
            if status == 429 or status >= 500:
                raise RetryableError(f"HTTP {status}", _retry_after(headers.get("retry-after"))) from None
            hint = (
                "check the API token (JOZI_SOURCE_API_TOKEN locally, the Secrets Manager secret on AWS)"
                if status in (401, 403)
                else "check the base URL and endpoint configuration"
            )
            raise SourceApiError(f"{_short(url)} answered HTTP {status}", hint) from None
        except TimeoutError as err:
            raise RetryableError(f"timed out ({err})") from None
        except http.client.IncompleteRead as err:
            raise RetryableError(f"truncated body ({len(err.partial)} bytes received)") from None
        except (ConnectionError, http.client.HTTPException) as err:
            raise RetryableError(f"connection failed ({type(err).__name__})") from None
        except urllib.error.URLError as err:
            if isinstance(err.reason, TimeoutError | ConnectionError):
                raise RetryableError(f"connection failed ({err.reason})") from None
            raise SourceApiError(f"cannot reach {_short(url)}: {err.reason}", "check the base URL") from None
        return validate_page(url, status, headers, body)


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None  # an HTTP-date; fall back to our own backoff


def _short(url: str) -> str:
    return url.split("?", 1)[0]


def validate_page(url: str, status: int, headers: dict[str, str], body: bytes) -> Page:
    """Check a 200 response is a complete NDJSON page; raise Retryable for truncation, else SourceApiError."""
    content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type not in NDJSON_TYPES:
        raise SourceApiError(
            f"{_short(url)} returned content type {content_type or 'none'!r}, expected application/x-ndjson",
            "the API may be behind a maintenance page or a proxy; check the base URL",
        )
    declared = headers.get("x-record-count")
    if declared is None:
        raise SourceApiError(
            f"{_short(url)} returned an empty or incomplete response (no X-Record-Count header, "
            f"{len(body)} bytes)",
            "the API gave no page metadata; rerun later or contact the store's IT",
        )
    if body and not body.endswith(b"\n"):
        raise RetryableError("truncated body (last record has no line end)")
    lines = body.splitlines()
    if len(lines) != int(declared):
        raise RetryableError(f"truncated body ({len(lines)} records, {declared} declared)")
    max_updated: str | None = None
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line.decode("utf-8", "surrogateescape"))
        except json.JSONDecodeError:
            raise SourceApiError(
                f"{_short(url)} returned a malformed record on line {number}: {line[:60]!r}",
                "the store's API sent broken JSON; nothing of this page was written",
            ) from None
        updated = record.get("updated_at") if isinstance(record, dict) else None
        if isinstance(updated, str) and (max_updated is None or updated > max_updated):
            max_updated = updated
    return Page(
        body=body,
        records=len(lines),
        max_updated_at=max_updated,
        next_cursor=headers.get("x-next-cursor") or None,
        has_next_page='rel="next"' in headers.get("link", ""),
        attempts=1,
        headers=headers,
    )
