"""Pull one ``http`` source into bronze, page by page, exactly as received.

Each run asks for the records changed after the saved watermark (minus the source's overlap) and
writes every page, gzip-compressed and otherwise untouched, to
``bronze/<source>/ingest_date=<day>/<run-id>-<page:05d>.<json|jsondoc>.gz`` through the ObjectStore
(atomic writes). Sources without a change time are pulled whole each run.

Consistency across failures and reruns:

* Before the first page and after every page the source's state records the open window
  (``in_progress``: run id, ingest date, the request value it started from, the next request, pages,
  rows, the highest change time so far). The watermark moves only after the window's last page is
  written.
* A rerun with an open window resumes it: same run id and page numbering, from the saved request. A
  page written just before a crash is rewritten under the same key, so bronze never holds it twice.
* Bad input (a body that is not what the configuration says, an auth failure, the same page twice,
  a next page pointing back at one already read, endless empty pages) stops the source with a
  message naming the fix; its pages and state stay consistent for the next run.

Standard library plus ``requests`` (through :mod:`jozi_lake.ingest.http`): this runs in the Lambda.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from collections.abc import Callable
from typing import Any

from jozi_lake import faults
from jozi_lake.errors import LakeError
from jozi_lake.ingest import bookkeeping as books
from jozi_lake.ingest.bodies import ParsedBody, lookup, parse_page
from jozi_lake.ingest.failures import Failure, SourceError, fail
from jozi_lake.ingest.http import HttpClient, Request, Response
from jozi_lake.ingest.incremental import is_after, later, request_value
from jozi_lake.ingest.pagination import first_request, next_request
from jozi_lake.ingest.summary import FAILED, SourceResult
from jozi_lake.layout import Layout
from jozi_lake.sources import BRONZE_JSON_DOCUMENT, BRONZE_JSON_LINES, SourceConfig

BRONZE_GZIP_LEVEL = 6
ProgressCallback = Callable[[str, int, int], None]


def endpoint_url(base_url: str, path: str) -> str:
    """``base_url`` + ``path`` with exactly one slash between them."""
    return base_url.rstrip("/") + ("/" + path.lstrip("/") if path else "")


def bronze_page_format(source: SourceConfig) -> str:
    return BRONZE_JSON_LINES if source.require_http().response.format == "ndjson" else BRONZE_JSON_DOCUMENT


def failure_of(source: SourceConfig, where: str, err: BaseException) -> Failure:
    """Any exception of a source's run as a :class:`Failure` (the manifest always says why)."""
    if isinstance(err, SourceError):
        return err.failure
    if isinstance(err, LakeError):
        return Failure(source.name, where, err.message, "", "", err.hint or "", False)
    return Failure(
        source.name,
        where,
        f"{type(err).__name__}: {err}",
        "",
        "",
        "the lake's storage or the runtime failed mid-run; nothing half-written is visible and the "
        "next run resumes the open window",
        True,
    )


def pull_http_source(
    store: Any,
    layout: Layout,
    source: SourceConfig,
    client: HttpClient,
    base_url: str,
    result: SourceResult,
    *,
    run_id: str,
    started: dt.datetime,
    progress: ProgressCallback | None = None,
) -> None:
    """Pull one window of ``source`` into bronze, filling ``result`` (status, rows, pages, keys ...)."""
    http = source.require_http()
    endpoint = endpoint_url(base_url, http.path)
    state_key = layout.ingest_state(source.name)
    try:
        state = books.read_json(store, state_key) or {"source": source.name, "watermark": None}
    except json.JSONDecodeError as err:
        # Rerunning cannot repair it: say which object and what deleting it means.
        result.status = FAILED
        result.failure = Failure(
            source.name,
            store.uri(state_key),
            f"the source's state object is not JSON (JSONDecodeError: {err})",
            "the JSON state document this module writes",
            "",
            f"restore {state_key} from a backup, or delete it to pull {source.name} again from the start "
            "(silver's dedup absorbs records landed twice)",
        )
        return
    except Exception as err:  # the bucket refused the read: this source fails, the manifest says why
        result.status, result.failure = FAILED, failure_of(source, endpoint, err)
        return
    window = _open_window(state, source, endpoint, run_id, started)
    rows_before, new_before = int(window["rows"]), int(window["new_rows"])
    result.updated_since = window["updated_since"]
    if window["run_id"] != run_id:
        result.resumed_run_id = window["run_id"]
    try:
        if state.get("in_progress") is not window:
            # Record the new window before its first page: a run that dies right after writing page 1
            # is resumed under the same run id, so the rerun rewrites that page instead of adding a copy.
            state["in_progress"] = window
            store.put_bytes(state_key, books.to_json_bytes(state), "application/json")
        result.pagination = _pull_window(
            store, layout, source, client, state, state_key, window, result, progress
        )
    except Exception as err:
        result.status, result.failure = FAILED, failure_of(source, endpoint, err)
        result.watermark = state.get("watermark")
    else:
        watermark = later(state.get("watermark"), window["max_change"]) if http.incremental else None
        state.update(
            watermark=watermark,
            in_progress=None,
            last_run_id=run_id,
            last_finished_at=books.iso(books.utc_now()),
            last_window={
                k: window[k] for k in ("run_id", "ingest_date", "updated_since", "pages", "rows", "new_rows")
            },
        )
        store.put_bytes(state_key, books.to_json_bytes(state), "application/json")
        result.watermark = watermark  # the status stays RUNNING: the source's files come next
    result.rows += int(window["rows"]) - rows_before
    result.new_rows += int(window["new_rows"]) - new_before
    result.pages = len(result.keys)  # pages come first: the source's files are added after


def _open_window(
    state: dict[str, Any], source: SourceConfig, endpoint: str, run_id: str, started: dt.datetime
) -> dict[str, Any]:
    """The window to pull: the saved open one (moved to today's base URL), or a new one from the watermark."""
    http = source.require_http()
    window = state.get("in_progress")
    if window and window.get("style") == http.pagination.style and window.get("request"):
        saved_base = str(window.get("endpoint", ""))
        request = dict(window["request"])
        if saved_base and request["url"].startswith(saved_base):
            # Locally the fixture API gets a new port each run; on AWS a base URL may move.
            request["url"] = endpoint + request["url"][len(saved_base) :]
        window.update(request=request, endpoint=endpoint)
        return window
    inc = http.incremental
    since = request_value(state.get("watermark"), inc) if inc else None
    params = dict(http.params)
    if inc and inc.param and since is not None:
        params[inc.param] = since
    return {
        "run_id": run_id,
        "ingest_date": books.ingest_date(started),
        "style": http.pagination.style,
        "endpoint": endpoint,
        "updated_since": since,
        "from_watermark": state.get("watermark"),
        "request": first_request(endpoint, http.pagination, params).to_dict(),
        "pages": 0,
        "rows": 0,
        "new_rows": 0,
        "records": 0,
        "max_change": None,
    }


def _pull_window(
    store: Any,
    layout: Layout,
    source: SourceConfig,
    client: HttpClient,
    state: dict[str, Any],
    state_key: str,
    window: dict[str, Any],
    result: SourceResult,
    progress: ProgressCallback | None,
) -> str:
    """Pull pages until the last one; returns what ended the window. Raises SourceError on bad input."""
    http = source.require_http()
    pagination = http.pagination
    inc = http.incremental
    fmt = bronze_page_format(source)
    seen_requests: dict[str, int] = {}
    seen_bodies: dict[str, int] = {}
    empty_streak = 0
    request = Request.from_dict(window["request"])

    def parse(response: Response) -> ParsedBody:
        return parse_page(source, response.url, response.headers, response.body)

    for _ in range(pagination.max_pages):
        page_no = int(window["pages"]) + 1
        seen_requests[request.full_url()] = page_no
        response, page = client.fetch(request, parse)
        digest = hashlib.sha256(response.body).hexdigest()
        if page.records and digest in seen_bodies:
            raise fail(
                source.name,
                response.url,
                f"the API returned the same page twice ({len(page.records)} records; first at page "
                f"{seen_bodies[digest]} of this run)",
                expected="a new page",
                data=response.body,
                hint=f"pagination.style {pagination.style} does not move through this API's pages: check "
                "the pagination keys against a real response (lake source probe); nothing after the last "
                "good page was written",
            )
        seen_bodies[digest] = page_no
        records_so_far = int(window["records"]) + len(page.records)
        following, said = next_request(pagination, request, response, page, records_so_far)
        if following is not None and following.full_url() in seen_requests:
            raise fail(
                source.name,
                response.url,
                f"pagination loop: {said} points back to a page already read "
                f"(page {seen_requests[following.full_url()]}: {following.full_url()})",
                expected="a next page not read before",
                data=response.body,
                hint="the API's pagination does not advance; check pagination."
                + {"cursor": "cursor_param/cursor_*", "link": "link_rel", "next_url": "next_url_path"}.get(
                    pagination.style, "style"
                )
                + " against a real response (lake source probe); nothing after the last good page was kept",
            )
        empty_streak = empty_streak + 1 if (not page.records and following is not None) else 0
        if empty_streak > pagination.max_empty_pages:
            raise fail(
                source.name,
                response.url,
                f"the API kept returning empty pages that claim a next page ({empty_streak} in a row)",
                expected="records, or no next page",
                data=response.body,
                hint="the pagination never ends; stopped to stay bounded (pagination.max_empty_pages)",
            )
        window["records"] = records_so_far
        if page.records:
            key = layout.bronze_page(source.name, window["ingest_date"], window["run_id"], page_no, fmt)
            store.put_bytes(key, gzip.compress(response.body, BRONZE_GZIP_LEVEL, mtime=0), "application/gzip")
            faults.checkpoint("ingest.page_written")  # the page is in bronze, the window's state not yet
            result.keys.append(key)
            window["pages"] = page_no
            window["rows"] = int(window["rows"]) + len(page.records)
            window["new_rows"] = int(window["new_rows"]) + _count_new(page, inc, window["from_watermark"])
            if inc:
                for record in page.records:
                    change = lookup(record, tuple(inc.field.split(".")))
                    if change is not None:
                        window["max_change"] = later(window["max_change"], change)
        window["request"] = following.to_dict() if following else None
        if progress:
            progress(source.name, int(window["pages"]), int(window["rows"]))
        if following is None:
            return said
        state["in_progress"] = window
        store.put_bytes(state_key, books.to_json_bytes(state), "application/json")
        request = following
    raise fail(
        source.name,
        request.full_url(),
        f"more than {pagination.max_pages} pages in one window: pagination loop",
        expected="a last page",
        hint="raise pagination.max_pages if the source really has that much new data",
    )


def _count_new(page: ParsedBody, inc: Any, watermark: Any) -> int:
    """Records after the window's starting watermark (the overlap re-reads the rest)."""
    if inc is None or watermark is None:
        return len(page.records)
    path = tuple(inc.field.split("."))
    return sum(1 for record in page.records if is_after(lookup(record, path), watermark))
