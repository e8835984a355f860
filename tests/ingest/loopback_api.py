"""Small REST APIs on 127.0.0.1 that behave like the ones in the wild, for the ingestion tests.

Each style function returns a route: ``route(call) -> (status, headers, body)``. The records are a
list the test may change between runs (new and updated records arrive); every route filters by
``since`` (records changed after it) when the request carries it, and records the bodies it served
so tests can compare bronze with them byte for byte.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit


@dataclass
class Call:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    base_url: str


Reply = tuple[int, dict[str, str], bytes]
Route = Callable[[Call], Reply]


class LoopbackApi:
    """A threaded HTTP server on 127.0.0.1 (a free port) answering every GET through ``route``."""

    def __init__(self, route: Route) -> None:
        self.route = route
        self.calls: list[Call] = []
        self.served: list[bytes] = []  # bodies of 2xx answers, in order
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the calls are kept on the server object."""

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                call = Call(
                    parts.path,
                    dict(parse_qsl(parts.query, keep_blank_values=True)),
                    {k.lower(): v for k, v in self.headers.items()},
                    api.base_url,
                )
                api.calls.append(call)
                status, headers, body = api.route(call)
                if 200 <= status < 300:
                    api.served.append(body)
                self.send_response(status)
                headers = {"Content-Type": "application/json", **headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> LoopbackApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


# ---------------------------------------------------------------------------------------------- data


def make_records(
    count: int, start: str = "2026-06-01 08:00:00", step_minutes: int = 7
) -> list[dict[str, Any]]:
    first = dt.datetime.fromisoformat(start)
    return [
        {
            "id": f"R{i:04d}",
            "value": i,
            "note": f"record {i}",
            "updated_at": (first + dt.timedelta(minutes=step_minutes * i)).isoformat(sep=" "),
        }
        for i in range(count)
    ]


def changed(records: list[dict[str, Any]], call: Call, param: str = "since") -> list[dict[str, Any]]:
    """Records changed after ``since`` (all without it), in change order."""
    since = call.query.get(param)
    ordered = sorted(records, key=lambda r: r["updated_at"])
    return [r for r in ordered if since is None or r["updated_at"] > since]


def _json(document: Any, **headers: str) -> Reply:
    return 200, headers, json.dumps(document, separators=(",", ":")).encode()


# ---------------------------------------------------------------------------------------------- styles


def json_array_link(records: list[dict[str, Any]]) -> Route:
    """jsonplaceholder/GitHub style: a bare JSON array, ``_page``/``_limit``, X-Total-Count, and an
    absolute ``Link: <...>; rel="next"`` while more pages exist."""

    def route(call: Call) -> Reply:
        rows = changed(records, call)
        page, limit = int(call.query.get("_page", 1)), int(call.query.get("_limit", 10))
        chunk = rows[(page - 1) * limit : page * limit]
        links = [f'<{call.base_url}{call.path}?{urlencode({**call.query, "_page": 1})}>; rel="first"']
        if page * limit < len(rows):
            nxt = urlencode({**call.query, "_page": page + 1})
            links.insert(0, f'<{call.base_url}{call.path}?{nxt}>; rel="next"')
        return _json(chunk, **{"X-Total-Count": str(len(rows)), "Link": ", ".join(links)})

    return route


def stripe_list(records: list[dict[str, Any]]) -> Route:
    """Stripe style: ``{"object": "list", "data": [...], "has_more": ...}``, next page by
    ``starting_after=<last id>``."""

    def route(call: Call) -> Reply:
        rows = changed(records, call)
        limit = int(call.query.get("limit", 10))
        after = call.query.get("starting_after")
        start = next((i + 1 for i, r in enumerate(rows) if r["id"] == after), 0) if after else 0
        chunk = rows[start : start + limit]
        return _json({"object": "list", "data": chunk, "has_more": start + limit < len(rows)})

    return route


def drf_pages(records: list[dict[str, Any]]) -> Route:
    """Django REST framework style: ``{"count", "next": <absolute URL or null>, "previous", "results"}``."""

    def route(call: Call) -> Reply:
        rows = changed(records, call)
        page, size = int(call.query.get("page", 1)), int(call.query.get("page_size", 10))
        chunk = rows[(page - 1) * size : page * size]
        nxt = None
        if page * size < len(rows):
            nxt = f"{call.base_url}{call.path}?{urlencode({**call.query, 'page': page + 1})}"
        return _json({"count": len(rows), "next": nxt, "previous": None, "results": chunk})

    return route


def offset_wrapped(records: list[dict[str, Any]], total_in: str = "body") -> Route:
    """offset/limit with the records under ``items.records`` and the total in the body or a header."""

    def route(call: Call) -> Reply:
        rows = changed(records, call)
        offset, limit = int(call.query.get("offset", 0)), int(call.query.get("limit", 10))
        chunk = rows[offset : offset + limit]
        if total_in == "body":
            return _json({"items": {"records": chunk}, "total": len(rows)})
        return _json({"items": {"records": chunk}}, **{"X-Total-Count": str(len(rows))})

    return route


def cursor_in_body(records: list[dict[str, Any]]) -> Route:
    """``{"data": [...], "meta": {"next_cursor": "<opaque>" | null}}`` with ``?cursor=``."""

    def route(call: Call) -> Reply:
        rows = changed(records, call)
        limit = int(call.query.get("limit", 10))
        start = int(base64.b64decode(call.query["cursor"])) if call.query.get("cursor") else 0
        chunk = rows[start : start + limit]
        cursor = base64.b64encode(str(start + limit).encode()).decode() if start + limit < len(rows) else None
        return _json({"data": chunk, "meta": {"next_cursor": cursor}})

    return route


def ndjson_pages(records: list[dict[str, Any]], first_page: int = 0) -> Route:
    """NDJSON bodies with no count header, ``page``/``per_page`` from ``first_page``: a short page ends it."""

    def route(call: Call) -> Reply:
        rows = changed(records, call)
        page, size = int(call.query.get("page", first_page)), int(call.query.get("per_page", 10))
        chunk = rows[(page - first_page) * size : (page - first_page + 1) * size]
        body = b"".join(json.dumps(r).encode() + b"\n" for r in chunk)
        return 200, {"Content-Type": "application/x-ndjson"}, body

    return route


@dataclass
class Flaky:
    """Wraps a route: answers the ``n``-th call (1-based) with ``reply`` instead."""

    route: Route
    replies: dict[int, Reply] = field(default_factory=dict)
    count: int = 0

    def __call__(self, call: Call) -> Reply:
        self.count += 1
        return self.replies.get(self.count) or self.route(call)
