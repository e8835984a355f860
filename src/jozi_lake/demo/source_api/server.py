"""The store's operational API, served locally from the generator's files (a test fixture and demo).

Wire format, chosen so bronze can keep the store's bytes exactly:

* ``GET <endpoint>?limit=N[&cursor=C][&updated_since=YYYY-MM-DD HH:MM:SS]`` (cursor style) or
  ``?page=P&limit=N`` (page style, 1-based). Bearer token in ``Authorization``.
* ``200`` with ``Content-Type: application/x-ndjson``: one record per line, the record's raw bytes as
  the store's system holds them. A record with non-UTF-8 bytes in a free-text field is sent as is
  (the JSON syntax around it is intact), so the body is byte-identical to the store's data and the
  ingester can write it to bronze untouched. Metadata travels in headers: ``X-Record-Count`` (lines
  in this body), ``X-Next-Cursor`` (absent on the last page), and for page style ``X-Page``,
  ``X-Total-Pages``, ``X-Total-Count`` plus an RFC 8288 ``Link: <...>; rel="next"``.
* Records are ordered by ``updated_at`` (ties keep the store's order); ``updated_since`` is exclusive.
  The server's clock ``as_of`` hides records whose ``updated_at`` is later, so moving it forward is
  "another day arrives". A cursor is an opaque token holding the offset and the filter.
* Errors are small JSON bodies: 400 bad parameter, 401 missing/wrong token, 404 unknown endpoint.

Faults for tests (:class:`Fault`) are consumed per request in the order they were injected.
"""

from __future__ import annotations

import base64
import bisect
import datetime as dt
import json
import os
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from jozi_lake.errors import LakeError

TOKEN_ENV_VAR = "JOZI_SOURCE_API_TOKEN"
DEFAULT_TOKEN = "local-dev-token"
NDJSON = "application/x-ndjson"
DEFAULT_PAGE_SIZE = 500
MAX_PAGE_SIZE = 10_000
HEALTH_PATH = "/v1/health"
FAULT_KINDS = (
    "rate_limit",
    "server_error",
    "slow",
    "truncated",
    "wrong_content_type",
    "empty_body",
    "malformed",
    "duplicate_page",
    "endless_cursor",
)
_UPDATED_AT = re.compile(rb'"updated_at"\s*:\s*"([^"]*)"')


def token_from_env() -> str:
    return os.environ.get(TOKEN_ENV_VAR) or DEFAULT_TOKEN


def normalise_timestamp(value: str, what: str) -> str:
    """``YYYY-MM-DD[ HH:MM:SS]`` (or ISO ``T``) → ``YYYY-MM-DD HH:MM:SS``, the store's format."""
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise LakeError(
            f"{what} {value!r} is not a timestamp",
            "use YYYY-MM-DD or 'YYYY-MM-DD HH:MM:SS' (store local time)",
        ) from None
    return parsed.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")


@dataclass
class Fault:
    """A misbehaviour the server shows on the next matching requests.

    ``times`` requests are affected after ``skip`` matching requests passed normally; ``source``
    limits it to one endpoint. ``retry_after`` (seconds) is sent with ``rate_limit``; ``delay``
    is the pause of ``slow``; ``status`` the code of ``server_error``.
    """

    kind: str
    times: int = 1
    source: str | None = None
    skip: int = 0
    retry_after: int = 1
    delay: float = 2.0
    status: int = 503
    fired: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise LakeError(f"unknown fault {self.kind!r}", f"use one of: {', '.join(FAULT_KINDS)}")


class SourceData:
    """One source's records sorted by ``updated_at`` (stable), kept as raw bytes."""

    def __init__(self, lines: list[bytes]) -> None:
        keyed = []
        for line in lines:
            if not line.strip():
                continue
            match = _UPDATED_AT.search(line)
            keyed.append(
                (match.group(1).decode("ascii", "replace") if match else "", line.rstrip(b"\n") + b"\n")
            )
        keyed.sort(key=lambda pair: pair[0])
        self.updated_at = [k for k, _ in keyed]
        self.lines = [line for _, line in keyed]

    @classmethod
    def from_file(cls, path: Path) -> SourceData:
        with open(path, "rb") as fh:
            return cls(fh.readlines())

    def window(self, updated_since: str | None, as_of: str | None) -> tuple[int, int]:
        """Index range of records with ``updated_since < updated_at <= as_of``."""
        lo = bisect.bisect_right(self.updated_at, updated_since) if updated_since else 0
        hi = bisect.bisect_right(self.updated_at, as_of) if as_of else len(self.lines)
        return lo, max(lo, hi)


def encode_cursor(offset: int, updated_since: str | None) -> str:
    raw = json.dumps({"o": offset, "s": updated_since or ""}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str | None]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return int(raw["o"]), (raw["s"] or None)
    except (ValueError, KeyError, TypeError):
        raise ValueError(f"invalid cursor {cursor!r}") from None


class _QuietThreadingHTTPServer(ThreadingHTTPServer):
    """A client that gave up (timeout tests, truncation) is normal here, not worth a traceback."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SourceApiServer:
    """Serves ``<data_dir>/<source>.jsonl`` at the configured endpoints on 127.0.0.1.

    Use as a context manager (starts a daemon thread, stops on exit) or call :meth:`start` /
    :meth:`stop`. ``as_of`` and faults can be changed while it runs.
    """

    def __init__(
        self,
        data_dir: Path | str,
        endpoints: Mapping[str, str],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        as_of: str | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.endpoints = dict(endpoints)
        self.routes = {endpoint.rstrip("/"): name for name, endpoint in self.endpoints.items()}
        self.token = token or token_from_env()
        self._as_of: str | None = normalise_timestamp(as_of, "as_of") if as_of else None
        self.faults: list[Fault] = []
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._data: dict[str, SourceData] = {}
        self._load()
        self._httpd = _QuietThreadingHTTPServer((host, port), _make_handler(self))
        self._thread: threading.Thread | None = None

    def _load(self) -> None:
        missing = [n for n in self.endpoints if not (self.data_dir / f"{n}.jsonl").is_file()]
        if missing:
            raise LakeError(
                f"no generated data for {', '.join(missing)} in {self.data_dir}",
                "run `lake generate` first (or point --data-dir at a generated dataset)",
            )
        for name in self.endpoints:
            self._data[name] = SourceData.from_file(self.data_dir / f"{name}.jsonl")

    @property
    def as_of(self) -> str | None:
        return self._as_of

    @as_of.setter
    def as_of(self, value: str | None) -> None:
        self._as_of = normalise_timestamp(value, "as_of") if value else None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self.faults.extend(faults)

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def take_fault(self, source: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.source not in (None, source) or fault.fired >= fault.skip + fault.times:
                    continue
                fault.fired += 1
                if fault.fired > fault.skip:
                    return fault
                return None
        return None

    def visible_count(self, source: str) -> int:
        lo, hi = self._data[source].window(None, self._as_of)
        return hi - lo

    def start(self) -> SourceApiServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="source-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def __enter__(self) -> SourceApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- request handling -------------------------------------------------------------------------
    def page(self, source: str, query: dict[str, str], path: str) -> tuple[list[bytes], dict[str, str]]:
        """The records of one page and the pagination headers (raises ValueError on bad input)."""
        data = self._data[source]
        limit = int(query.get("limit", DEFAULT_PAGE_SIZE))
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be 1..{MAX_PAGE_SIZE}")
        since = query.get("updated_since")
        since = normalise_timestamp(since, "updated_since") if since else None
        headers: dict[str, str] = {}
        if "page" in query:
            page_no = int(query["page"])
            if page_no < 1:
                raise ValueError("page starts at 1")
            lo, hi = data.window(since, self._as_of)
            total = hi - lo
            pages = max(1, -(-total // limit))
            start = lo + (page_no - 1) * limit
            lines = data.lines[start : min(start + limit, hi)] if start < hi else []
            headers.update({"X-Page": str(page_no), "X-Total-Pages": str(pages), "X-Total-Count": str(total)})
            if page_no < pages:
                params = {"page": page_no + 1, "limit": limit, **({"updated_since": since} if since else {})}
                headers["Link"] = f'<{path}?{urlencode(params)}>; rel="next"'
            return lines, headers
        offset = 0
        if query.get("cursor"):
            offset, since = decode_cursor(query["cursor"])
        lo, hi = data.window(since, self._as_of)
        start = lo + offset
        end = min(start + limit, hi)
        lines = data.lines[start:end] if start < hi else []
        if end < hi:
            headers["X-Next-Cursor"] = encode_cursor(offset + limit, since)
        return lines, headers


def _make_handler(server: SourceApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "JoziStoreAPI/1.0"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the request log is kept on the server object for tests."""

        def _json(self, status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            server.requests.append(self.path)
            if url.path == HEALTH_PATH:
                self._json(200, {"status": "ok"})
                return
            source = server.routes.get(url.path.rstrip("/"))
            if source is None:
                self._json(404, {"error": f"no endpoint {url.path}"})
                return
            if self.headers.get("Authorization") != f"Bearer {server.token}":
                self._json(401, {"error": "missing or invalid bearer token"})
                return
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            try:
                lines, headers = server.page(source, query, url.path)
            except (ValueError, LakeError) as err:
                self._json(400, {"error": str(err)})
                return
            fault = server.take_fault(source)
            if fault is not None and self._fault(fault, source, query, url.path, lines, headers):
                return
            self._ndjson(b"".join(lines), len(lines), headers)

        def _ndjson(self, body: bytes, count: int | None, headers: Mapping[str, str]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", NDJSON)
            self.send_header("Content-Length", str(len(body)))
            if count is not None:
                self.send_header("X-Record-Count", str(count))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def _fault(
            self,
            fault: Fault,
            source: str,
            query: dict[str, str],
            path: str,
            lines: list[bytes],
            headers: dict[str, str],
        ) -> bool:
            """Misbehave; returns False when the normal response should still be sent."""
            kind = fault.kind
            body = b"".join(lines)
            if kind == "rate_limit":
                self._json(429, {"error": "rate limited"}, {"Retry-After": str(fault.retry_after)})
            elif kind == "server_error":
                self._json(fault.status, {"error": "upstream unavailable"})
            elif kind == "slow":
                time.sleep(fault.delay)
                return False
            elif kind == "truncated":
                self.send_response(200)
                self.send_header("Content-Type", NDJSON)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-Record-Count", str(len(lines)))
                self.end_headers()
                self.wfile.write(body[: max(1, len(body) // 2)])
                self.wfile.flush()
                self.close_connection = True
            elif kind == "wrong_content_type":
                page = b"<html><body>Down for maintenance</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
            elif kind == "empty_body":
                self.send_response(200)
                self.send_header("Content-Type", NDJSON)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif kind == "malformed":
                broken = [
                    *lines[: len(lines) // 2],
                    b'{"order_id": "ORD-??", oops\n',
                    *lines[len(lines) // 2 :],
                ]
                self._ndjson(b"".join(broken), len(broken), headers)
            elif kind == "duplicate_page":
                # Point the next request back at this same page: the client receives it twice.
                if "page" in query:
                    return (
                        False if int(query["page"]) == 1 else self._serve_previous_page(source, query, path)
                    )
                offset = decode_cursor(query["cursor"])[0] if query.get("cursor") else 0
                since = (
                    decode_cursor(query["cursor"])[1] if query.get("cursor") else query.get("updated_since")
                )
                headers = {**headers, "X-Next-Cursor": encode_cursor(offset, since)}
                self._ndjson(body, len(lines), headers)
            elif kind == "endless_cursor":
                if "page" in query:
                    headers = {**headers, "Link": f'<{path}?page={int(query["page"]) + 1}>; rel="next"'}
                elif "X-Next-Cursor" not in headers:
                    offset = decode_cursor(query["cursor"])[0] if query.get("cursor") else 0
                    headers = {**headers, "X-Next-Cursor": encode_cursor(offset + 1_000_000, None)}
                self._ndjson(body, len(lines), headers)
            return True

        def _serve_previous_page(self, source: str, query: dict[str, str], path: str) -> bool:
            previous = {**query, "page": str(int(query["page"]) - 1)}
            lines, headers = server.page(source, previous, path)
            headers["X-Page"] = query["page"]
            self._ndjson(b"".join(lines), len(lines), headers)
            return True

    return Handler


@contextmanager
def running_source_api(
    data_dir: Path | str, endpoints: Mapping[str, str], **kwargs: Any
) -> Iterator[SourceApiServer]:
    """``with running_source_api(dir, endpoints) as api: ... api.base_url ...``"""
    with SourceApiServer(data_dir, endpoints, **kwargs) as api:
        yield api
