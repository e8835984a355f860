"""``lake source probe NAME``: one page or one file through the source's configuration, nothing written.

A person adding a source writes its lake.yaml entry, probes it, and sees what ingestion would see:
the request made (credentials left out), the response's status, type and size, the records found at
the configured place, what the pagination found for the next page, and each field with example
values and the silver parser that fits. A response or file ingestion would refuse is shown with the
same message and hint the run would give, so the configuration can be fixed before the first run.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jozi_lake.config import EnvConfig, LakeConfig
from jozi_lake.errors import LakeError
from jozi_lake.ingest.bodies import ParsedBody, content_type, parse_page, read_landed_file
from jozi_lake.ingest.failures import Failure, SourceError
from jozi_lake.ingest.fields import FieldProfile, profile_fields
from jozi_lake.ingest.http import HttpClient, Response
from jozi_lake.ingest.http_source import endpoint_url, failure_of
from jozi_lake.ingest.incremental import request_value
from jozi_lake.ingest.pagination import first_request, next_request
from jozi_lake.ingest.secrets import EnvironmentSecrets, SecretResolver
from jozi_lake.layout import Layout
from jozi_lake.sources import FIXTURE, SourceConfig

SAMPLE_RECORDS = 200
INTERESTING_HEADERS = (
    "content-type",
    "content-length",
    "link",
    "retry-after",
    "x-total-count",
    "x-record-count",
    "x-next-cursor",
    "x-ratelimit-remaining",
)


@dataclass
class ProbeResult:
    """What one page or file of a source holds, as ingestion would read it."""

    source: str
    kind: str
    where: str  # the URL requested (no credentials) or the file read
    status: int | None = None
    content_type: str | None = None
    size: int = 0
    bronze_format: str | None = None
    records: int = 0
    pagination: str | None = None  # what the response says about the next page
    next_request: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    fields: list[FieldProfile] = field(default_factory=list)
    sample: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failure: Failure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "where": self.where,
            "status": self.status,
            "content_type": self.content_type,
            "size": self.size,
            "bronze_format": self.bronze_format,
            "records": self.records,
            "pagination": self.pagination,
            "next_request": self.next_request,
            "headers": self.headers,
            "fields": [f.to_dict() for f in self.fields],
            "sample": self.sample,
            "warnings": self.warnings,
            "failure": self.failure.to_dict() if self.failure else None,
        }


def probe_source(
    config: LakeConfig,
    name: str,
    *,
    env: str,
    store: Any = None,
    secrets: SecretResolver | None = None,
    base_url: str | None = None,
    file: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> ProbeResult:
    """Probe ``name``: its API's first page (http, unless ``file`` is given) or one landed file.

    ``file`` is a file name under ``landing/<source>/`` (needs ``store``) or a path on this machine (to
    try an export before dropping it); without it a ``files`` source probes its newest landed file.
    """
    source = config.source(name)
    if file is not None or not source.is_http:
        return _probe_file(config, source, store, file)
    return _probe_http(source, env, secrets or EnvironmentSecrets(), base_url, sleep, rng)


def _probe_http(
    source: SourceConfig,
    env: str,
    secrets: SecretResolver,
    base_url: str | None,
    sleep: Callable[[float], None],
    rng: random.Random | None,
) -> ProbeResult:
    http = source.require_http()
    url = base_url or http.base_url_for(env)
    if url == FIXTURE:
        raise LakeError(
            f"{source.name}: base_url.{env} is the local fixture API",
            "probe through the local CLI (it starts the fixture), or pass the URL to probe",
        )
    endpoint = endpoint_url(url, http.path)
    params = dict(http.params)
    inc = http.incremental
    since = request_value(None, inc) if inc else None
    if inc and inc.param and since is not None:
        params[inc.param] = since
    request = first_request(endpoint, http.pagination, params)
    result = ProbeResult(source.name, source.kind, request.full_url())
    try:
        client = HttpClient(source, secrets(source), sleep=sleep, rng=rng)
    except LakeError as err:
        result.failure = failure_of(source, result.where, err)
        return result
    outcome: dict[str, Any] = {}

    def parse(response: Response) -> ParsedBody | None:
        outcome["response"] = response
        try:
            return parse_page(source, response.url, response.headers, response.body)
        except SourceError as err:
            outcome["failure"] = err.failure
            return None

    try:
        response, page = client.fetch(request, parse)
    except SourceError as err:
        result.failure = err.failure
        return result
    finally:
        client.close()
    result.status, result.size = response.status, len(response.body)
    result.content_type = content_type(response.headers) or None
    result.headers = {k: v for k, v in response.headers.items() if k in INTERESTING_HEADERS}
    result.bronze_format = "json" if http.response.format == "ndjson" else "jsondoc"
    if page is None:
        result.failure = outcome.get("failure")
        return result
    result.records = len(page.records)
    following, said = next_request(http.pagination, request, response, page, len(page.records))
    result.pagination = f"{http.pagination.style}: {said}"
    result.next_request = following.full_url() if following else None
    result.fields = profile_fields(page.records[:SAMPLE_RECORDS])
    result.sample = page.records[:3]
    result.warnings = _utf8_warnings(response.body, "files.encoding does not apply to API pages")
    result.warnings += _contract_warnings(source.name, result.fields)
    return result


def _contract_warnings(source: str, fields: list[FieldProfile]) -> list[str]:
    """What the source's silver contract (if it has one yet) would make of these records: a sample with
    none of its fields is another source's data or renamed headers (every record would be quarantined
    as no_known_values); a required column under none of its names would quarantine every record too."""
    from jozi_lake.contracts import load_contracts

    contract = load_contracts().silver.get(source)
    if contract is None or not fields:
        return []
    seen = {f.name for f in fields}
    where = contract.path
    read = [name for col in contract.source_columns for name in col.source_fields]
    if not seen & set(read):
        return [
            f"none of these fields is one {where} reads ({', '.join(read[:5])}"
            f"{', ...' if len(read) > 5 else ''}): silver would quarantine every record as "
            "no_known_values. Another source's file, or renamed headers? (list new names under the "
            "column's source_aliases)"
        ]
    missing = [c for c in contract.source_columns if c.required and not seen & set(c.source_fields)]
    return [
        f"required column {c.name} (field {' or '.join(c.source_fields)}) is in no sampled record: silver "
        f"would quarantine those records ({c.name}_required). Renamed? Add the new name under its "
        f"source_aliases in {where}"
        for c in missing
    ]


def _utf8_warnings(text: bytes, fix: str) -> list[str]:
    """Lines that are not UTF-8: accepted (silver quarantines each with its exact bytes), but worth
    knowing before the first run, since a whole export in another encoding would lose every such row."""
    lines = [line for line in text.split(b"\n") if line.strip()]
    bad = 0
    for line in lines:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad += 1
    if not bad:
        return []
    return [f"{bad} of {len(lines)} lines are not valid UTF-8: silver quarantines them as non_utf8 ({fix})"]


def _probe_file(config: LakeConfig, source: SourceConfig, store: Any, file: str | None) -> ProbeResult:
    layout = Layout(config.prefixes)
    prefix = layout.landing(source.name)
    path = Path(file).expanduser() if file else None
    if path is not None and path.is_file():
        where, data = str(path), path.read_bytes()
    else:
        if store is None:
            raise LakeError(f"no file {file!r} here", "give a path on this machine, or probe with a lake")
        names = [k[len(prefix) :] for k in store.list_keys(prefix) if "/" not in k[len(prefix) :]]
        names = [n for n in names if not n.startswith((".", "_"))]
        if file is None:
            if not names:
                raise LakeError(
                    f"no files under {prefix} to probe",
                    "drop an export there, or pass --file <path> to probe a file on this machine",
                )
            file = names[-1]
        if file not in names:
            raise LakeError(
                f"no file {file!r} under {prefix}", f"choose one of: {', '.join(names) or 'none'}"
            )
        where, data = prefix + file, store.get_bytes(prefix + file)
    result = ProbeResult(source.name, source.kind, where, size=len(data))
    try:
        landed = read_landed_file(source, Path(where).name, data, sample=SAMPLE_RECORDS)
    except SourceError as err:
        result.failure = err.failure
        return result
    result.bronze_format = landed.bronze_fmt
    result.records = landed.rows
    result.pagination = "files: one file"
    result.fields = profile_fields(landed.sample)
    result.sample = landed.sample[:3]
    if landed.encoding_tag in (None, "utf8sig"):
        result.warnings = _utf8_warnings(
            landed.raw, "if the export is cp1252 or latin-1, set files.encoding for this source"
        )
    result.warnings += _contract_warnings(source.name, result.fields)
    return result


def probe_in_env(
    env: EnvConfig,
    name: str,
    *,
    file: str | None = None,
    source_url: str | None = None,
    as_of: str | None = None,
) -> ProbeResult:
    """``lake source probe``: one page or file of ``name`` through its configuration in ``env``.

    Locally (or with ``source_url``) an http source is reached the way the local ingest reaches it,
    starting the demo world's fixture API when lake.yaml says so; secrets come from the environment.
    """
    from contextlib import ExitStack

    from jozi_lake.config import load_config
    from jozi_lake.ingest.local import local_endpoints
    from jozi_lake.storage import store_for_env

    config = load_config()
    source = config.source(name)
    with ExitStack() as stack:
        urls: dict[str, str] = {}
        secrets: Any = EnvironmentSecrets()
        if source.is_http and file is None and (env.is_local or source_url):
            urls, secrets = stack.enter_context(
                local_endpoints(env, [source], as_of=as_of, source_url=source_url)
            )
        return probe_source(
            config,
            name,
            env=env.name,
            store=store_for_env(env),
            secrets=secrets,
            base_url=urls.get(name),
            file=file,
        )
