"""Pull the store's API into bronze, page by page, exactly as received. Same code on Lambda and locally.

Per source the run asks for records with ``updated_at`` after the saved watermark and writes each
page, gzip-compressed and otherwise untouched, to
``bronze/<source>/ingest_date=<day>/<run-id>-<page:05d>.json.gz`` through the ObjectStore (atomic).

Consistency across failures and reruns:

* After every page the source's state records the open window (``in_progress``: run id, ingest
  date, the ``updated_since`` it started from, the next cursor/page, rows and the highest
  ``updated_at`` so far). The watermark moves only after the source's last page is written.
* A rerun with an open window resumes it: same run id and page numbering, from the saved cursor.
  A page written just before a crash is rewritten under the same key, so bronze never holds a
  page twice. A finished window reruns as an empty window (nothing after the watermark).
* A failure (after bounded retries, or bad input: malformed page, wrong content type, empty
  response, duplicate page, endless pagination) stops that source, marks the run manifest FAILED
  with the reason and leaves its pages and state consistent for the rerun; other sources still run.

Standard library plus :mod:`jozi_lake.storage` only: this is packaged into the ingest Lambda.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from jozi_lake.errors import LakeError
from jozi_lake.ids import check_run_id, new_run_id
from jozi_lake.ingest import bookkeeping as books
from jozi_lake.ingest.http_client import HttpFetcher, RetryPolicy
from jozi_lake.layout import Layout, lake_layout

PAGINATION_STYLES = ("cursor", "page")
# Consecutive empty pages that still claim a next page before we call it a pagination loop.
MAX_EMPTY_PAGES_WITH_NEXT = 3
BRONZE_GZIP_LEVEL = 6


@dataclass(frozen=True)
class ApiIngestConfig:
    """Everything a run needs to know about the store's API (built from lake.yaml or Lambda env vars)."""

    base_url: str
    endpoints: Mapping[str, str]
    token: str
    pagination: str = "cursor"
    page_size: int = 500
    auth_header: str = "Authorization"
    timeout_seconds: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_pages_per_source: int = 100_000

    def __post_init__(self) -> None:
        if self.pagination not in PAGINATION_STYLES:
            raise LakeError(f"unknown pagination style {self.pagination!r}", "use cursor or page")
        if not self.base_url.startswith(("http://", "https://")):
            raise LakeError(
                f"source API base URL {self.base_url!r} is not http(s)", "e.g. https://api.example.com"
            )
        if not self.endpoints:
            raise LakeError("no sources configured for ingestion")

    @property
    def auth_headers(self) -> dict[str, str]:
        value = f"Bearer {self.token}" if self.auth_header.lower() == "authorization" else self.token
        return {self.auth_header: value, "Accept": "application/x-ndjson", "User-Agent": "jozi-lake-ingest/1"}


class _SourceFailed(Exception):
    def __init__(self, message: str, hint: str | None) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


ProgressCallback = Callable[[str, int, int], None]


def ingest_api(
    store: Any,
    config: ApiIngestConfig,
    *,
    sources: list[str] | None = None,
    run_id: str | None = None,
    now: dt.datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    on_page: ProgressCallback | None = None,
    layout: Layout | None = None,
) -> dict[str, Any]:
    """Run one ingestion; returns the summary the orchestrator branches on.

    ``{"status": "SUCCEEDED"|"FAILED", "run_id", "new_rows", "has_new_data", "manifest_key",
    "sources": {name: {"status", "rows", "pages", "updated_since", "watermark", "error"?}}}``
    """
    layout = layout or lake_layout()
    started = now or books.utc_now()
    run_id = check_run_id(run_id) if run_id else new_run_id(started)
    names = sources or list(config.endpoints)
    unknown = [n for n in names if n not in config.endpoints]
    if unknown:
        raise LakeError(
            f"unknown source(s): {', '.join(unknown)}", f"choose from: {', '.join(config.endpoints)}"
        )
    fetcher = HttpFetcher(
        headers=config.auth_headers,
        timeout_seconds=config.timeout_seconds,
        policy=config.retry,
        sleep=sleep,
        rng=rng or random.Random(),
    )
    manifest: dict[str, Any] = {
        "run_id": run_id,
        "kind": "api",
        "status": "RUNNING",
        "started_at": books.iso(started),
        "finished_at": None,
        "base_url": config.base_url,
        "pagination": config.pagination,
        "page_size": config.page_size,
        "sources": {},
    }
    mkey = layout.ingest_manifest(run_id)
    store.put_bytes(mkey, books.to_json_bytes(manifest), "application/json")
    for name in names:
        source_started = books.iso(books.utc_now())
        try:
            result = _ingest_source(store, layout, config, fetcher, name, run_id, started, on_page)
        except Exception as err:
            # E.g. an unreadable state object: this source fails, the manifest still says why.
            result = {"status": "FAILED", "rows": 0, "pages": 0, "error": f"{type(err).__name__}: {err}"}
        result.update(started_at=source_started, finished_at=books.iso(books.utc_now()))
        manifest["sources"][name] = result
        store.put_bytes(mkey, books.to_json_bytes(manifest), "application/json")
    books.finish_manifest(store, mkey, manifest, now)
    return summarise(manifest, mkey)


def summarise(manifest: dict[str, Any], mkey: str) -> dict[str, Any]:
    """The small result for Step Functions (object keys stay in the manifest, not in the state)."""
    new_rows = sum(int(s.get("rows", 0)) for s in manifest["sources"].values())
    summary = {
        "status": manifest["status"],
        "run_id": manifest["run_id"],
        "new_rows": new_rows,
        "has_new_data": new_rows > 0,
        "manifest_key": mkey,
        "sources": {
            name: {k: v for k, v in s.items() if k != "keys"} for name, s in manifest["sources"].items()
        },
    }
    if "error" in manifest:
        summary["error"] = manifest["error"]
    return summary


def _ingest_source(
    store: Any,
    layout: Layout,
    config: ApiIngestConfig,
    fetcher: HttpFetcher,
    source: str,
    run_id: str,
    started: dt.datetime,
    on_page: ProgressCallback | None,
) -> dict[str, Any]:
    state_key = layout.ingest_state(source)
    state = books.read_json(store, state_key) or {"source": source, "watermark": None, "in_progress": None}
    window = state.get("in_progress")
    if window is None:
        window = {
            "run_id": run_id,
            "ingest_date": books.ingest_date(started),
            "updated_since": state.get("watermark"),
            "next_cursor": None,
            "next_page": 1,
            "pages": 0,
            "rows": 0,
            "max_updated_at": None,
        }
    resumed_from = window["run_id"] if window["run_id"] != run_id else None
    rows_before = int(window["rows"])
    keys: list[str] = []
    result: dict[str, Any] = {
        "status": "RUNNING",
        "updated_since": window["updated_since"],
        "rows": 0,
        "pages": 0,
        "keys": keys,
    }
    if resumed_from:
        result["resumed_run_id"] = resumed_from
    try:
        _pull_window(store, layout, config, fetcher, source, state, state_key, window, keys, on_page)
    except Exception as err:
        # _SourceFailed and SourceApiError carry a message and hint; anything else (e.g. the
        # bucket refusing a write) must still end in a FAILED manifest, not a half-written run.
        message = getattr(err, "message", None) or f"{type(err).__name__}: {err}"
        result.update(status="FAILED", error=message, hint=getattr(err, "hint", None))
        result.update(
            rows=int(window["rows"]) - rows_before, pages=len(keys), watermark=state.get("watermark")
        )
        result["cursor"] = window.get("next_cursor")
        return result
    watermark = max(filter(None, [state.get("watermark"), window["max_updated_at"]]), default=None)
    state.update(
        watermark=watermark,
        in_progress=None,
        last_run_id=run_id,
        last_window={k: window[k] for k in ("run_id", "ingest_date", "updated_since", "pages", "rows")},
    )
    store.put_bytes(state_key, books.to_json_bytes(state), "application/json")
    result.update(
        status="SUCCEEDED", rows=int(window["rows"]) - rows_before, pages=len(keys), watermark=watermark
    )
    return result


def _pull_window(
    store: Any,
    layout: Layout,
    config: ApiIngestConfig,
    fetcher: HttpFetcher,
    source: str,
    state: dict[str, Any],
    state_key: str,
    window: dict[str, Any],
    keys: list[str],
    on_page: ProgressCallback | None,
) -> None:
    endpoint = config.base_url.rstrip("/") + config.endpoints[source]
    seen_bodies: set[str] = set()
    seen_cursors: set[str] = set()
    empty_streak = 0
    for _ in range(config.max_pages_per_source):
        params: dict[str, Any] = {"limit": config.page_size}
        if config.pagination == "page":
            params["page"] = window["next_page"]
            if window["updated_since"]:
                params["updated_since"] = window["updated_since"]
        elif window["next_cursor"]:
            params["cursor"] = window["next_cursor"]
        elif window["updated_since"]:
            params["updated_since"] = window["updated_since"]
        page = fetcher.get_page(f"{endpoint}?{urlencode(params)}")
        digest = hashlib.sha256(page.body).hexdigest()
        if page.records and digest in seen_bodies:
            raise _SourceFailed(
                f"the API returned the same page twice ({page.records} records, request {params})",
                "the store's pagination is broken; nothing after the last good page was written",
            )
        seen_bodies.add(digest)
        has_next = page.has_next_page if config.pagination == "page" else page.next_cursor is not None
        if config.pagination == "cursor" and page.next_cursor is not None:
            if page.next_cursor in seen_cursors or page.next_cursor == window["next_cursor"]:
                raise _SourceFailed(
                    "the API's cursor points back to a page already read (pagination loop)",
                    "the store's pagination is broken; rerun later",
                )
            seen_cursors.add(page.next_cursor)
        empty_streak = empty_streak + 1 if (page.records == 0 and has_next) else 0
        if empty_streak > MAX_EMPTY_PAGES_WITH_NEXT:
            raise _SourceFailed(
                f"the API kept returning empty pages that claim a next page ({empty_streak} in a row)",
                "the store's pagination never ends; stopped to stay bounded",
            )
        if page.records:
            page_no = int(window["pages"]) + 1
            key = layout.bronze_page(source, window["ingest_date"], window["run_id"], page_no)
            store.put_bytes(key, gzip.compress(page.body, BRONZE_GZIP_LEVEL, mtime=0), "application/gzip")
            keys.append(key)
            window["pages"] = page_no
            window["rows"] = int(window["rows"]) + page.records
            if page.max_updated_at and (window["max_updated_at"] or "") < page.max_updated_at:
                window["max_updated_at"] = page.max_updated_at
        window["next_cursor"] = page.next_cursor
        window["next_page"] = int(window["next_page"]) + 1
        if on_page:
            on_page(source, int(window["pages"]), int(window["rows"]))
        if not has_next:
            return
        state["in_progress"] = window
        store.put_bytes(state_key, books.to_json_bytes(state), "application/json")
    raise _SourceFailed(
        f"more than {config.max_pages_per_source} pages for one source: pagination loop",
        "raise max_pages_per_source if the store really has that much new data",
    )
