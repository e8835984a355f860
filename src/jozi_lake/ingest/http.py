"""One request to a source's API, politely: ``requests`` with urllib3's ``Retry`` doing the retrying.

urllib3 retries 429 and 5xx (honouring ``Retry-After`` in seconds or as an HTTP date), timeouts and
dropped connections. Our :class:`PoliteRetry` changes three things only: full-jitter backoff (a pause
drawn from ``[0, min(cap, base·2^n)]``, so many runs recovering at once do not hammer the API in
step), a cap on ``Retry-After`` (a Lambda has 15 minutes), and an injectable sleep so tests run
instantly. A body that ends early (urllib3 enforces ``Content-Length``; fewer records than the page
declares; JSON cut short) is retried through the same ``Retry`` object, so one budget covers both.

What is not retried fails at once with a message naming the fix: 401/403 (the secret), 404 (the
path), other 4xx (a parameter), a body over the size limit (a key to change). Auth (bearer token,
API key in a header or query parameter, HTTP basic), static headers and parameters, timeouts and a
per-source rate limit come from the source's lake.yaml options.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ProtocolError
from urllib3.util.retry import Retry

from jozi_lake.ingest.bodies import TruncatedBody
from jozi_lake.ingest.failures import SourceError, fail
from jozi_lake.sources import RetryOptions, SourceConfig

RETRY_STATUSES = (429, 500, 502, 503, 504)
USER_AGENT = "jozi-lake-ingest/2"
CHUNK = 64 * 1024
T = TypeVar("T")


class PoliteRetry(Retry):
    """urllib3's Retry with full-jitter backoff, a capped Retry-After and an injectable sleep."""

    def __init__(
        self,
        *args: Any,
        options: RetryOptions | None = None,
        sleeper: Callable[[float], None] | None = None,
        rng: random.Random | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.options = options or RetryOptions()
        self.sleeper = sleeper or time.sleep
        self.rng = rng or random.Random()

    @classmethod
    def for_source(
        cls, options: RetryOptions, sleeper: Callable[[float], None], rng: random.Random
    ) -> PoliteRetry:
        return cls(
            total=options.max_attempts - 1,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,  # the last 5xx comes back, so the message can say what it was
            raise_on_redirect=True,
            options=options,
            sleeper=sleeper,
            rng=rng,
        )

    def new(self, **kw: Any) -> PoliteRetry:
        fresh = super().new(**kw)
        fresh.options, fresh.sleeper, fresh.rng = self.options, self.sleeper, self.rng
        return fresh

    @property
    def attempts(self) -> int:
        """Requests made so far: one plus the retries recorded in the history."""
        return len(self.history) + 1

    def get_backoff_time(self) -> float:
        retries = max(1, len(self.history))
        bound = min(self.options.max_backoff_seconds, self.options.backoff_seconds * 2 ** (retries - 1))
        return self.rng.uniform(0.0, bound)

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(float(value), self.options.max_retry_after_seconds)

    def sleep(self, response: Any = None) -> None:
        if self.respect_retry_after_header and response is not None:
            pause = self.get_retry_after(response)
            if pause is not None:
                self.sleeper(pause)
                return
        self.sleeper(self.get_backoff_time())


@dataclass(frozen=True)
class Request:
    """A page request: the URL and the query parameters to add (never those the URL already has)."""

    url: str
    params: Mapping[str, str] = field(default_factory=dict)

    def full_url(self, extra: Mapping[str, str] | None = None) -> str:
        """The URL with every parameter in the query, sorted (what identifies a page)."""
        parts = urlsplit(self.url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        for name, value in {**self.params, **(extra or {})}.items():
            query.setdefault(name, value)
        return urlunsplit(parts._replace(query=urlencode(sorted(query.items()))))

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Request:
        return cls(str(data["url"]), {str(k): str(v) for k, v in (data.get("params") or {}).items()})


@dataclass
class Response:
    """A complete 2xx response: status, lower-cased headers, the body as received, attempts used."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    attempts: int


def secret_parts(source: SourceConfig, secret: str | None) -> tuple[dict[str, str], dict[str, str], Any]:
    """(headers, query parameters, requests auth) that carry the source's credentials."""
    auth = source.require_http().auth
    if auth.type == "none":
        return {}, {}, None
    if not secret:
        raise SourceError(
            fail(
                source.name,
                "(credentials)",
                f"auth.type is {auth.type} but no secret value was given",
                expected=f"the secret {auth.secret!r}",
                hint=f"set {auth.env_var} locally; on AWS the secret {auth.secret!r} in Secrets Manager",
            ).failure
        )
    if auth.type == "bearer":
        return {auth.header: f"{auth.scheme} {secret}".strip()}, {}, None
    if auth.type == "api_key":
        if auth.query_param:
            return {}, {auth.query_param: secret}, None
        return {auth.header: secret}, {}, None
    user, _, password = secret.partition(":")
    return {}, {}, (user, password)


class HttpClient:
    """Fetches pages of one source: credentials, static headers/params, rate limit, retries."""

    def __init__(
        self,
        source: SourceConfig,
        secret: str | None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.source = source
        self.http = source.require_http()
        self.sleep, self.clock = sleep, clock
        self.retry = PoliteRetry.for_source(self.http.retries, sleep, rng or random.Random())
        self.session = session or requests.Session()
        adapter = HTTPAdapter(max_retries=self.retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        auth_headers, self.auth_params, self.auth = secret_parts(source, secret)
        accept = "application/x-ndjson, application/json;q=0.9, */*;q=0.1"
        if self.http.response.format == "json":
            accept = "application/json, */*;q=0.1"
        self.headers = {"User-Agent": USER_AGENT, "Accept": accept, **self.http.headers, **auth_headers}
        self._next_slot: float | None = None

    def _wait_for_slot(self) -> None:
        """Keep to ``rate_limit_per_second`` (this source's requests; urllib3's retries pause anyway)."""
        rate = self.http.rate_limit_per_second
        if not rate:
            return
        now = self.clock()
        if self._next_slot is not None and now < self._next_slot:
            self.sleep(self._next_slot - now)
            now = self._next_slot
        self._next_slot = now + 1.0 / rate

    def shown(self, request: Request) -> str:
        """The request's URL as messages show it (credentials in the query are never shown)."""
        return request.full_url()

    def fetch(self, request: Request, parse: Callable[[Response], T]) -> tuple[Response, T]:
        """GET a page and parse it, retrying transient failures and bodies that ended early."""
        retries: PoliteRetry = self.retry
        shown = self.shown(request)
        while True:
            try:
                response = self._get(request, shown)
                return response, parse(response)
            except (TruncatedBody, requests.exceptions.ChunkedEncodingError) as err:
                reason = str(err) or type(err).__name__
                try:
                    retries = retries.increment(method="GET", url=shown, error=ProtocolError(reason))
                except MaxRetryError:
                    raise fail(
                        self.source.name,
                        shown,
                        f"the body still ended early after {retries.attempts} attempts ({reason})",
                        expected="a complete page",
                        hint="the connection to the API keeps breaking; the next run resumes the open window",
                        retry_helps=True,
                    ) from None
                retries.sleep()

    def _get(self, request: Request, shown: str) -> Response:
        self._wait_for_slot()
        url_query = dict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))
        params = {k: v for k, v in {**request.params, **self.auth_params}.items() if k not in url_query}
        timeout = (self.http.connect_timeout_seconds, self.http.timeout_seconds)
        try:
            with self.session.get(
                request.url, params=params, headers=self.headers, auth=self.auth, timeout=timeout, stream=True
            ) as reply:
                body = self._read_body(reply, shown)
                history = getattr(getattr(reply.raw, "retries", None), "history", ()) or ()
                attempts = len(history) + 1
                headers = {k.lower(): v for k, v in reply.headers.items()}
                status = reply.status_code
        except requests.exceptions.ChunkedEncodingError:
            raise
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as err:
            raise fail(
                self.source.name,
                shown,
                f"no answer after {self.http.retries.max_attempts} attempts ({_reason(err)})",
                expected="an HTTP response",
                hint="check base_url for this environment; if it is right, the API is down and "
                "the next run resumes the open window",
                retry_helps=True,
            ) from None
        except requests.exceptions.RequestException as err:
            raise fail(
                self.source.name,
                shown,
                f"the request could not be made ({type(err).__name__}: {err})",
                expected="an http(s) URL the API answers",
                hint="check base_url and path of this source in lake.yaml",
            ) from None
        if 200 <= status < 300:
            return Response(shown, status, headers, body, attempts)
        raise self._status_error(shown, status, body, attempts)

    def _read_body(self, reply: requests.Response, shown: str) -> bytes:
        limit = self.http.response.max_bytes
        declared = reply.headers.get("Content-Length")
        chunks: list[bytes] = []
        size = 0
        if declared and declared.isdigit() and int(declared) > limit and reply.ok:
            head = next(reply.iter_content(256), b"")
            raise self._too_big(shown, int(declared), head)
        for chunk in reply.iter_content(CHUNK):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit and reply.ok:
                raise self._too_big(shown, size, b"".join(chunks))
        return b"".join(chunks)

    def _too_big(self, shown: str, size: int, head: bytes) -> SourceError:
        limit = self.http.response.max_bytes
        return fail(
            self.source.name,
            shown,
            f"the page is over the size limit ({size:,} bytes > response.max_bytes {limit:,})",
            expected=f"at most {limit:,} bytes per page",
            data=head,
            hint="lower pagination.page_size, or raise response.max_bytes for this source",
        )

    def _status_error(self, shown: str, status: int, body: bytes, attempts: int) -> SourceError:
        auth = self.http.auth
        if status in RETRY_STATUSES:
            return fail(
                self.source.name,
                shown,
                f"still failing after {attempts} attempts: HTTP {status}",
                expected="HTTP 2xx",
                data=body,
                hint="the API is unavailable or rate-limiting; the next run resumes the open window "
                "(raise retries.max_attempts or lower rate_limit_per_second if this is common)",
                retry_helps=True,
            )
        if status in (401, 403):
            where = (
                f"the secret {auth.secret!r} ({auth.env_var} locally, Secrets Manager on AWS)"
                if auth.needs_secret
                else "auth (auth.type is none)"
            )
            return fail(
                self.source.name,
                shown,
                f"HTTP {status}: the API refused the credentials",
                expected="HTTP 2xx",
                data=body,
                hint=f"check {where} and auth.type/header/scheme of this source",
            )
        if status == 404:
            return fail(
                self.source.name,
                shown,
                "HTTP 404: no such endpoint",
                expected="HTTP 2xx",
                data=body,
                hint="check base_url and path of this source in lake.yaml",
            )
        return fail(
            self.source.name,
            shown,
            f"HTTP {status}",
            expected="HTTP 2xx",
            data=body,
            hint="the API rejected the request: check params, headers, pagination and incremental.param "
            "of this source (the first bytes usually say which)",
        )

    def close(self) -> None:
        self.session.close()


def _reason(err: Exception) -> str:
    inner = err.args[0] if err.args else err
    reason = getattr(inner, "reason", None) or inner
    text = str(reason)
    return text.split(": ", 1)[-1][:200] if text else type(err).__name__
