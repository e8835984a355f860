"""Sources: the typed, validated ``sources:`` of lake.yaml. One definition serves ingestion and silver.

Every system the lake takes data from is one entry under ``sources:`` (the name is the bronze folder
and the silver table), of kind ``http`` (a REST API pulled page by page) or ``files`` (exports dropped
under ``landing/<source>/``). Every source also accepts file drops, so an API source whose back office
e-mails a CSV now and then needs nothing extra. Nothing in the code names a source: everything that
differs between two APIs or two exports is an option here, checked when lake.yaml is read, so a typo
is an error naming the source, the key and the fix instead of a failed night.

Shared settings live in ``source_templates:``; a source picks one with ``template: <name>`` and
overrides what differs (mappings merge key by key, the source's own values win). ``source_timezone``
is the default zone of local times; a source may set ``timezone``.

Bronze keeps what a source sent, byte for byte, so reading it back needs the format: the object name
says it (:func:`bronze_format`), and the options (records path, CSV dialect) come from this module, the
same ones ingestion used. Standard library only: the ingest Lambda and the Glue jobs both import it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jozi_lake.errors import LakeError

KINDS = ("http", "files")
# base_url value meaning "the demo world's fixture API, started by the local ingest".
FIXTURE = "fixture"
RESPONSE_FORMATS = ("ndjson", "json")
FILE_FORMATS = ("auto", "csv", "ndjson", "json")
COMPRESSIONS = ("auto", "gzip", "none")
PAGINATION_STYLES = ("none", "page", "offset", "cursor", "link", "next_url")
AUTH_TYPES = ("none", "bearer", "api_key", "basic")
# Accepted spellings -> (Python codec, tag in bronze object names: None for UTF-8 text).
ENCODINGS: dict[str, tuple[str, str | None]] = {
    "utf-8": ("utf-8", None),
    "utf8": ("utf-8", None),
    "utf-8-sig": ("utf-8-sig", "utf8sig"),
    "utf-8-bom": ("utf-8-sig", "utf8sig"),
    "cp1252": ("cp1252", "cp1252"),
    "windows-1252": ("cp1252", "cp1252"),
    "latin-1": ("latin-1", "latin1"),
    "latin1": ("latin-1", "latin1"),
    "iso-8859-1": ("latin-1", "latin1"),
}
# Bronze encoding tag -> the charset name Spark's decode()/CSV reader take.
SPARK_CHARSETS = {"utf8sig": "UTF-8", "cp1252": "windows-1252", "latin1": "ISO-8859-1"}
# Bronze format tags: JSON lines keep the historical ".json"; one JSON document is ".jsondoc".
BRONZE_JSON_LINES = "json"
BRONZE_JSON_DOCUMENT = "jsondoc"
BRONZE_CSV = "csv"
BRONZE_FORMATS = (BRONZE_JSON_LINES, BRONZE_JSON_DOCUMENT, BRONZE_CSV)
INCREMENTAL_FORMATS = ("as_received", "iso", "unix", "unix_ms", "date")
DEFAULT_MAX_PAGE_BYTES = 50 * 1024 * 1024


class SourceConfigError(LakeError):
    """A source definition in lake.yaml is invalid; the message names the source and the key."""


# ---------------------------------------------------------------------------------------------- options


@dataclass(frozen=True)
class RetryOptions:
    """Bounded retries of one request: 429/5xx (honouring Retry-After), timeouts, dropped connections."""

    max_attempts: int = 5
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 20.0
    max_retry_after_seconds: float = 60.0


@dataclass(frozen=True)
class AuthOptions:
    """How requests prove who they are; the secret itself never lives in lake.yaml.

    ``secret`` names the secret (default: the source name; sources sharing credentials name the same
    one). Locally its value comes from the environment variable ``secret_env`` (default
    ``LAKE_SECRET_<SECRET>``); on AWS from Secrets Manager (see :mod:`jozi_lake.ingest.secrets`).
    """

    type: str = "none"
    secret: str | None = None
    secret_env: str | None = None
    header: str = "Authorization"
    scheme: str = "Bearer"
    query_param: str | None = None

    @property
    def needs_secret(self) -> bool:
        return self.type != "none"

    @property
    def env_var(self) -> str:
        """The environment variable holding the secret locally."""
        if self.secret_env:
            return self.secret_env
        return "LAKE_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", self.secret or "").upper()


@dataclass(frozen=True)
class ResponseOptions:
    """What a page body is: NDJSON, or one JSON document (an array, or records under ``records_path``)."""

    format: str = "json"
    count_header: str | None = None
    content_types: tuple[str, ...] = ()
    max_bytes: int = DEFAULT_MAX_PAGE_BYTES


@dataclass(frozen=True)
class PaginationOptions:
    """How the next page is asked for, and when the last one has been read."""

    style: str = "none"
    page_size: int | None = None
    page_size_param: str | None = None
    page_param: str = "page"
    first_page: int = 1
    offset_param: str = "offset"
    stop_on_short_page: bool = True
    total_header: str | None = None
    total_path: tuple[str, ...] = ()
    cursor_param: str = "cursor"
    cursor_header: str | None = None
    cursor_path: tuple[str, ...] = ()
    cursor_field: str | None = None
    has_more_path: tuple[str, ...] = ()
    next_url_path: tuple[str, ...] = ("next",)
    link_rel: str = "next"
    max_pages: int = 100_000
    max_empty_pages: int = 3


@dataclass(frozen=True)
class IncrementalOptions:
    """Pull only what changed: ``param`` carries the watermark (minus ``overlap_seconds``), ``field`` of
    each record carries its change time; the highest one becomes the next watermark."""

    field: str
    param: str | None = None
    format: str = "as_received"
    overlap_seconds: int = 0
    initial: str | None = None


@dataclass(frozen=True)
class HttpOptions:
    base_url: Mapping[str, str]
    path: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    auth: AuthOptions = field(default_factory=AuthOptions)
    response: ResponseOptions = field(default_factory=ResponseOptions)
    pagination: PaginationOptions = field(default_factory=PaginationOptions)
    incremental: IncrementalOptions | None = None
    timeout_seconds: float = 30.0
    connect_timeout_seconds: float = 10.0
    rate_limit_per_second: float | None = None
    retries: RetryOptions = field(default_factory=RetryOptions)

    def base_url_for(self, env: str) -> str:
        """The base URL in ``env`` (a URL, or :data:`FIXTURE`); an error naming the key when missing."""
        url = self.base_url.get(env) or self.base_url.get("default")
        if not url:
            raise LakeError(
                f"no base_url for environment {env!r}",
                f"add base_url.{env} (or base_url.default) to the source in lake.yaml",
            )
        return url


@dataclass(frozen=True)
class CsvOptions:
    delimiter: str = ","
    quote: str = '"'
    escape: str = '"'
    header: bool = True
    columns: tuple[str, ...] = ()
    null_values: tuple[str, ...] = ("",)


@dataclass(frozen=True)
class FilesOptions:
    """File drops under ``landing/<source>/``: format, compression, text encoding, CSV dialect."""

    format: str = "auto"
    compression: str = "auto"
    encoding: str = "utf-8"
    csv: CsvOptions = field(default_factory=CsvOptions)

    @property
    def codec(self) -> str:
        return ENCODINGS[self.encoding][0]

    @property
    def encoding_tag(self) -> str | None:
        return ENCODINGS[self.encoding][1]


@dataclass(frozen=True)
class SourceConfig:
    """One source of lake.yaml, fully resolved (template merged, defaults applied, validated)."""

    name: str
    kind: str
    timezone: str
    records_path: tuple[str, ...] = ()
    http: HttpOptions | None = None
    files: FilesOptions = field(default_factory=FilesOptions)
    description: str = ""

    @property
    def is_http(self) -> bool:
        return self.kind == "http" and self.http is not None

    def require_http(self) -> HttpOptions:
        if self.http is None:
            raise LakeError(f"source {self.name!r} is a {self.kind} source, not http")
        return self.http


# ---------------------------------------------------------------------------------------------- bronze


def bronze_suffix(fmt: str, encoding_tag: str | None = None) -> str:
    """The format part of a bronze object name: ``json``, ``jsondoc``, ``csv``, ``cp1252.csv`` ..."""
    if fmt not in BRONZE_FORMATS:
        raise LakeError(f"unknown bronze format {fmt!r}")
    return f"{encoding_tag}.{fmt}" if encoding_tag else fmt


_BRONZE_NAME = re.compile(
    r"(?:\.(?P<enc>utf8sig|cp1252|latin1))?\.(?P<fmt>jsondoc|jsonl|json|ndjson|csv)(?:\.gz)?$"
)


def bronze_format(key: str) -> tuple[str, str | None] | None:
    """(format, encoding tag) from a bronze object name, or None for a name that is not bronze data."""
    match = _BRONZE_NAME.search(key)
    if not match:
        return None
    fmt = match.group("fmt")
    fmt = BRONZE_JSON_LINES if fmt in ("jsonl", "ndjson") else fmt
    return fmt, match.group("enc")


# ---------------------------------------------------------------------------------------------- parsing


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` over ``base``: mappings merge key by key, anything else replaces (how templates apply)."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


class _Reader:
    """Reads one mapping of a source definition, naming ``sources.<name>.<key>`` in every error."""

    def __init__(self, data: Any, where: str, allowed: tuple[str, ...]) -> None:
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise SourceConfigError(f"lake.yaml {where}: expected a mapping, got {type(data).__name__}")
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            raise SourceConfigError(
                f"lake.yaml {where}: unknown key(s) {', '.join(map(str, unknown))}",
                f"allowed here: {', '.join(allowed)} (docs/sources.md lists every option)",
            )
        self.data, self.where = data, where

    def _fail(self, key: str, expected: str, value: Any) -> SourceConfigError:
        return SourceConfigError(f"lake.yaml {self.where}.{key}: expected {expected}, got {value!r}")

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self._fail(key, "a string", value)
        return str(value)

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self.text(key, default) or default
        if value not in choices:
            raise SourceConfigError(
                f"lake.yaml {self.where}.{key}: unknown value {value!r}", f"use one of: {', '.join(choices)}"
            )
        return value

    def integer(self, key: str, default: int | None, minimum: int = 0) -> int | None:
        value = self.data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self._fail(key, f"an integer >= {minimum}", value)
        return value

    def number(self, key: str, default: float | None, minimum: float = 0.0) -> float | None:
        value = self.data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            raise self._fail(key, f"a number >= {minimum}", value)
        return float(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self._fail(key, "true or false", value)
        return value

    def path(self, key: str) -> tuple[str, ...]:
        """A dotted path into a JSON document (``items.records``); empty = the document itself."""
        value = self.data.get(key)
        if value in (None, "", "."):
            return ()
        if isinstance(value, list):
            parts = [str(p) for p in value]
        elif isinstance(value, str):
            parts = value.split(".")
        else:
            raise self._fail(key, "a dotted path such as data or items.records", value)
        if any(not p for p in parts):
            raise self._fail(key, "a dotted path such as data or items.records", value)
        return tuple(parts)

    def strings(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or any(not isinstance(v, str | int | float) for v in value):
            raise self._fail(key, "a list of strings", value)
        return tuple(str(v) for v in value)

    def string_map(self, key: str) -> dict[str, str]:
        value = self.data.get(key) or {}
        if not isinstance(value, Mapping) or any(isinstance(v, Mapping | list) for v in value.values()):
            raise self._fail(key, "a mapping of names to plain values", value)
        return {
            str(k): "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in value.items()
        }

    def sub(self, key: str, allowed: tuple[str, ...]) -> _Reader:
        return _Reader(self.data.get(key), f"{self.where}.{key}", allowed)


_SOURCE_KEYS = (
    "kind",
    "template",
    "description",
    "timezone",
    "records_path",
    "base_url",
    "path",
    "headers",
    "params",
    "auth",
    "response",
    "pagination",
    "incremental",
    "timeout_seconds",
    "connect_timeout_seconds",
    "rate_limit_per_second",
    "retries",
    "files",
)
_HTTP_ONLY = _SOURCE_KEYS[_SOURCE_KEYS.index("base_url") : _SOURCE_KEYS.index("files")]
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def _auth(reader: _Reader, name: str) -> AuthOptions:
    auth = reader.sub("auth", ("type", "secret", "secret_env", "header", "scheme", "query_param"))
    kind = auth.choice("type", AUTH_TYPES, "none")
    query_param = auth.text("query_param")
    header = auth.text("header", "X-Api-Key" if kind == "api_key" else "Authorization") or "Authorization"
    if kind != "api_key" and query_param:
        raise SourceConfigError(
            f"lake.yaml {auth.where}.query_param only applies to type: api_key", "remove it or use api_key"
        )
    return AuthOptions(
        type=kind,
        secret=(auth.text("secret", name) or name) if kind != "none" else None,
        secret_env=auth.text("secret_env"),
        header=header,
        scheme=auth.text("scheme", "Bearer") or "",
        query_param=query_param,
    )


def _pagination(reader: _Reader, response: ResponseOptions) -> PaginationOptions:
    keys = tuple(f for f in PaginationOptions.__dataclass_fields__)
    pag = reader.sub("pagination", keys)
    style = pag.choice("style", PAGINATION_STYLES, "none")
    options = PaginationOptions(
        style=style,
        page_size=pag.integer("page_size", None, 1),
        page_size_param=pag.text("page_size_param"),
        page_param=pag.text("page_param", "page") or "page",
        first_page=pag.integer("first_page", 1) or 0,
        offset_param=pag.text("offset_param", "offset") or "offset",
        stop_on_short_page=pag.flag("stop_on_short_page", True),
        total_header=pag.text("total_header"),
        total_path=pag.path("total_path"),
        cursor_param=pag.text("cursor_param", "cursor") or "cursor",
        cursor_header=pag.text("cursor_header"),
        cursor_path=pag.path("cursor_path"),
        cursor_field=pag.text("cursor_field"),
        has_more_path=pag.path("has_more_path"),
        next_url_path=pag.path("next_url_path") or ("next",),
        link_rel=pag.text("link_rel", "next") or "next",
        max_pages=pag.integer("max_pages", 100_000, 1) or 100_000,
        max_empty_pages=pag.integer("max_empty_pages", 3, 0) or 0,
    )
    body_paths = {
        "total_path": options.total_path,
        "cursor_path": options.cursor_path,
        "has_more_path": options.has_more_path,
    }
    if style == "next_url":
        body_paths["next_url_path"] = options.next_url_path
    used = [k for k, v in body_paths.items() if v]
    if used and response.format != "json":
        raise SourceConfigError(
            f"lake.yaml {pag.where}.{used[0]} reads the JSON body, but response.format is {response.format}",
            "NDJSON pages carry no page metadata in the body: use a header option, or response.format: json",
        )
    if style == "cursor":
        ways = [w for w in (options.cursor_header, options.cursor_path, options.cursor_field) if w]
        if len(ways) != 1:
            raise SourceConfigError(
                f"lake.yaml {pag.where}: a cursor needs one of cursor_header, cursor_path, cursor_field",
                "cursor_header: X-Next-Cursor | cursor_path: next_cursor | cursor_field: id + has_more_path",
            )
        if options.cursor_field and not options.has_more_path:
            raise SourceConfigError(
                f"lake.yaml {pag.where}: cursor_field (the last record's id) needs has_more_path",
                "e.g. has_more_path: has_more (Stripe style)",
            )
    if style in ("page", "offset") and options.stop_on_short_page and not options.page_size:
        raise SourceConfigError(
            f"lake.yaml {pag.where}: stop_on_short_page needs page_size",
            "set page_size (and page_size_param), or stop_on_short_page: false",
        )
    if style == "offset" and not (options.page_size and options.page_size_param):
        raise SourceConfigError(
            f"lake.yaml {pag.where}: offset pagination needs page_size and page_size_param",
            "e.g. page_size: 100, page_size_param: limit",
        )
    return options


def _incremental(reader: _Reader) -> IncrementalOptions | None:
    if reader.data.get("incremental") is None:
        return None
    inc = reader.sub("incremental", ("field", "param", "format", "overlap_seconds", "initial"))
    field_name = inc.text("field")
    if not field_name:
        raise SourceConfigError(
            f"lake.yaml {inc.where}.field is required: the record field carrying the change time",
            "e.g. field: updated_at (remove incremental: to pull the source whole each run)",
        )
    fmt = inc.text("format", "as_received") or "as_received"
    if fmt not in INCREMENTAL_FORMATS and "%" not in fmt:
        raise SourceConfigError(
            f"lake.yaml {inc.where}.format: unknown value {fmt!r}",
            f"use one of {', '.join(INCREMENTAL_FORMATS)} or a strftime pattern such as %Y-%m-%dT%H:%M:%SZ",
        )
    return IncrementalOptions(
        field=field_name,
        param=inc.text("param"),
        format=fmt,
        overlap_seconds=inc.integer("overlap_seconds", 0) or 0,
        initial=inc.text("initial"),
    )


def _files(reader: _Reader) -> FilesOptions:
    files = reader.sub("files", ("format", "compression", "encoding", "csv"))
    encoding = (files.text("encoding", "utf-8") or "utf-8").lower()
    if encoding not in ENCODINGS:
        raise SourceConfigError(
            f"lake.yaml {files.where}.encoding: unknown value {encoding!r}",
            "use utf-8, utf-8-sig, cp1252 or latin-1 (re-export anything else as UTF-8)",
        )
    csv = files.sub("csv", ("delimiter", "quote", "escape", "header", "columns", "null_values"))
    for key in ("delimiter", "quote", "escape"):
        value = csv.data.get(key)
        if value is not None and (not isinstance(value, str) or len(value) != 1):
            raise SourceConfigError(f"lake.yaml {csv.where}.{key}: expected one character, got {value!r}")
    columns = csv.strings("columns")
    header = csv.flag("header", True)
    if not header and not columns:
        raise SourceConfigError(
            f"lake.yaml {csv.where}: header: false needs columns (the names of the columns, in order)",
            "list them under columns:, or set header: true",
        )
    return FilesOptions(
        format=files.choice("format", FILE_FORMATS, "auto"),
        compression=files.choice("compression", COMPRESSIONS, "auto"),
        encoding=encoding,
        csv=CsvOptions(
            delimiter=csv.text("delimiter", ",") or ",",
            quote=csv.text("quote", '"') or '"',
            escape=csv.text("escape", '"') or '"',
            header=header,
            columns=columns,
            null_values=csv.strings("null_values", ("",)),
        ),
    )


def _base_urls(reader: _Reader) -> dict[str, str]:
    value = reader.data.get("base_url")
    where = f"lake.yaml {reader.where}.base_url"
    if value is None:
        raise SourceConfigError(
            f"{where} is required for an http source",
            "give one URL, or one per environment: {local: fixture, dev: https://..., prod: https://...}",
        )
    urls = {"default": value} if isinstance(value, str) else value
    if not isinstance(urls, Mapping):
        raise SourceConfigError(f"{where}: expected a URL or a mapping of environment to URL")
    for env, url in urls.items():
        if not isinstance(url, str) or not (url == FIXTURE or url.startswith(("http://", "https://"))):
            raise SourceConfigError(
                f"{where}.{env}: {url!r} is not an http(s) URL",
                f"e.g. https://api.example.com, or {FIXTURE!r} (locally: the demo world's fixture API)",
            )
        if url == FIXTURE and env != "local":
            raise SourceConfigError(
                f"{where}.{env}: {FIXTURE!r} only exists locally", f"give base_url.{env} the vendor's URL"
            )
    return {str(k): str(v) for k, v in urls.items()}


def parse_source(name: str, raw: Any, *, templates: Mapping[str, Any], default_timezone: str) -> SourceConfig:
    """Resolve and validate one entry of ``sources:`` (its template merged under it)."""
    where = f"sources.{name}"
    if not _NAME.match(name):
        raise SourceConfigError(
            f"lake.yaml {where}: source names are lower-case letters, digits and '_' (a folder and a table)",
            "rename it, e.g. air_quality",
        )
    if not isinstance(raw, Mapping):
        raise SourceConfigError(f"lake.yaml {where}: expected a mapping with kind and its options")
    template = raw.get("template")
    if template is not None:
        if template not in templates:
            raise SourceConfigError(
                f"lake.yaml {where}.template: no source template {template!r}",
                f"define it under source_templates (known: {', '.join(templates) or 'none'})",
            )
        raw = deep_merge(templates[template], {k: v for k, v in raw.items() if k != "template"})
    reader = _Reader(raw, where, _SOURCE_KEYS)
    kind = reader.data.get("kind")
    if kind not in KINDS:
        raise SourceConfigError(f"lake.yaml {where}.kind: expected http or files, got {kind!r}")
    if kind == "files":
        extra = [k for k in _HTTP_ONLY if k in reader.data]
        if extra:
            raise SourceConfigError(
                f"lake.yaml {where}: {', '.join(extra)} only apply to http sources",
                "remove them or use kind: http",
            )
    http: HttpOptions | None = None
    if kind == "http":
        response_reader = reader.sub("response", ("format", "count_header", "content_types", "max_bytes"))
        response = ResponseOptions(
            format=response_reader.choice("format", RESPONSE_FORMATS, "json"),
            count_header=response_reader.text("count_header"),
            content_types=tuple(t.lower() for t in response_reader.strings("content_types")),
            max_bytes=response_reader.integer("max_bytes", DEFAULT_MAX_PAGE_BYTES, 1)
            or DEFAULT_MAX_PAGE_BYTES,
        )
        if response.format == "ndjson" and reader.data.get("records_path"):
            raise SourceConfigError(
                f"lake.yaml {where}.records_path applies to JSON documents, not NDJSON pages",
                "remove records_path, or set response.format: json",
            )
        retries = reader.sub("retries", tuple(RetryOptions.__dataclass_fields__))
        defaults = RetryOptions()
        http = HttpOptions(
            base_url=_base_urls(reader),
            path=reader.text("path", "") or "",
            headers=reader.string_map("headers"),
            params=reader.string_map("params"),
            auth=_auth(reader, name),
            response=response,
            pagination=_pagination(reader, response),
            incremental=_incremental(reader),
            timeout_seconds=reader.number("timeout_seconds", 30.0, 0.001) or 30.0,
            connect_timeout_seconds=reader.number("connect_timeout_seconds", 10.0, 0.001) or 10.0,
            rate_limit_per_second=reader.number("rate_limit_per_second", None, 0.001),
            retries=RetryOptions(
                max_attempts=retries.integer("max_attempts", defaults.max_attempts, 1) or 1,
                backoff_seconds=retries.number("backoff_seconds", defaults.backoff_seconds) or 0.0,
                max_backoff_seconds=retries.number("max_backoff_seconds", defaults.max_backoff_seconds)
                or 0.0,
                max_retry_after_seconds=retries.number(
                    "max_retry_after_seconds", defaults.max_retry_after_seconds
                )
                or 0.0,
            ),
        )
    return SourceConfig(
        name=name,
        kind=str(kind),
        timezone=reader.text("timezone", default_timezone) or default_timezone,
        records_path=reader.path("records_path"),
        http=http,
        files=_files(reader),
        description=reader.text("description", "") or "",
    )


def parse_sources(raw_config: Mapping[str, Any]) -> dict[str, SourceConfig]:
    """Every source of a parsed lake.yaml, in file order."""
    raw_sources = raw_config.get("sources")
    if raw_sources is None:
        if "source_api" in raw_config:
            raise SourceConfigError(
                "lake.yaml has source_api:, which sources: replaced",
                "declare each source under sources: (docs/sources.md shows the Jozi API as an example)",
            )
        return {}
    if not isinstance(raw_sources, Mapping):
        raise SourceConfigError(
            "lake.yaml sources: expected a mapping of source name to its definition",
            "e.g. sources: {<name>: {kind: http, ...}}",
        )
    templates = raw_config.get("source_templates") or {}
    if not isinstance(templates, Mapping):
        raise SourceConfigError("lake.yaml source_templates: expected a mapping of template name to options")
    zone = str(raw_config.get("source_timezone") or "UTC")
    sources = {
        str(name): parse_source(str(name), raw, templates=templates, default_timezone=zone)
        for name, raw in raw_sources.items()
    }
    environments = raw_config.get("environments")
    if isinstance(environments, Mapping):
        for name, source in sources.items():
            _check_base_url_environments(name, source, [str(e) for e in environments])
    return sources


def _check_base_url_environments(name: str, source: SourceConfig, environments: list[str]) -> None:
    """A base_url key that names no environment is a typo: the run would fall back to ``default``
    (another environment's URL, often production's) without a word."""
    if source.http is None:
        return
    unknown = sorted(set(source.http.base_url) - {*environments, "default"})
    if unknown:
        raise SourceConfigError(
            f"lake.yaml sources.{name}.base_url: unknown environment(s) {', '.join(unknown)}",
            f"use the environments lake.yaml declares ({', '.join(environments)}) or default",
        )
