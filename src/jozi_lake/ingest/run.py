"""One ingest run over lake.yaml's sources: the entry the Lambda handler and local runs both call.

Per source, in lake.yaml order: an ``http`` source's API window is pulled (:mod:`.http_source`),
then every source's landed files are taken (:mod:`.drops`), even when its API failed, so a broken
endpoint does not hold back a spreadsheet that arrived by file. One run manifest,
``state/manifests/ingest/<run-id>.json``, is written when the run starts, after each source and at
the end: it is :meth:`IngestSummary.to_dict` with the bronze keys, so the manifest says exactly what
the summary says.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Mapping
from typing import Any

from jozi_lake.backlog import mark_changed
from jozi_lake.config import LakeConfig, load_config
from jozi_lake.errors import LakeError
from jozi_lake.ids import check_run_id, new_run_id
from jozi_lake.ingest import bookkeeping as books
from jozi_lake.ingest.drops import land_source_files
from jozi_lake.ingest.http import HttpClient
from jozi_lake.ingest.http_source import endpoint_url, failure_of, pull_http_source
from jozi_lake.ingest.secrets import EnvironmentSecrets, SecretResolver
from jozi_lake.ingest.summary import FAILED, RUNNING, SUCCEEDED, IngestSummary, SourceResult
from jozi_lake.layout import Layout
from jozi_lake.migrate import migrate_bookkeeping
from jozi_lake.sources import FIXTURE, SourceConfig

ProgressCallback = Callable[[str, int, int], None]
STAGES = ("http", "files")


def select_sources(config: LakeConfig, names: list[str] | None) -> list[SourceConfig]:
    """The sources to run, in lake.yaml order; unknown names are an error listing the known ones."""
    known = config.source_names
    unknown = [n for n in names or [] if n not in known]
    if unknown:
        raise LakeError(f"unknown source(s): {', '.join(unknown)}", f"choose from: {', '.join(known)}")
    return [s for s in config.sources if not names or s.name in names]


def run_ingest(
    store: Any,
    *,
    env: str,
    sources: list[str] | None = None,
    run_id: str | None = None,
    progress: ProgressCallback | None = None,
    secrets: SecretResolver | None = None,
    config: LakeConfig | None = None,
    base_urls: Mapping[str, str] | None = None,
    stages: tuple[str, ...] = STAGES,
    now: dt.datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
    layout: Layout | None = None,
) -> IngestSummary:
    """Ingest ``sources`` (all by default) of ``env`` into the lake behind ``store``.

    ``secrets`` resolves authenticated sources' credentials (default: the environment);
    ``base_urls`` overrides a source's lake.yaml base URL (the local fixture API, ``--source-url``);
    ``stages`` narrows the run to ``("files",)`` for ``lake drop``. ``sleep``, ``clock``, ``rng`` and
    ``now`` are injectable so tests of retries and rate limits take no time.
    """
    config = config or load_config()
    layout = layout or Layout(config.prefixes)
    selected = select_sources(config, sources)
    migrate_bookkeeping(store, layout)  # a lake from before state/: its watermarks and ledgers first
    started = now or books.utc_now()
    run_id = check_run_id(run_id) if run_id else new_run_id(started)
    secrets = secrets or EnvironmentSecrets()
    summary = IngestSummary(
        run_id=run_id, env=env, started_at=books.iso(started), manifest_key=layout.ingest_manifest(run_id)
    )
    manifest_key = summary.manifest_key
    assert manifest_key is not None

    def write_manifest() -> None:
        document = {"kind": "ingest", **summary.to_dict(with_keys=True)}
        store.put_bytes(manifest_key, books.to_json_bytes(document), "application/json")

    write_manifest()
    day = books.ingest_date(started)
    for source in selected:
        result = SourceResult(source=source.name, kind=source.kind, started_at=books.iso(books.utc_now()))
        summary.sources[source.name] = result
        if "http" in stages and source.is_http:
            _pull(
                store,
                layout,
                source,
                result,
                env,
                run_id,
                started,
                progress,
                secrets,
                base_urls,
                sleep,
                clock,
                rng,
            )
        if "files" in stages:
            try:
                land_source_files(
                    store, layout, source, result, run_id=run_id, day=day, now=now, progress=progress
                )
            except (
                Exception
            ) as err:  # a storage failure mid-copy: the ledger's claim lets the next run finish
                result.status = FAILED
                result.failure = result.failure or failure_of(source, layout.landing(source.name), err)
        if result.status == RUNNING:
            result.status = SUCCEEDED
        result.finished_at = books.iso(books.utc_now())
        write_manifest()
    summary.finish(books.iso(books.utc_now() if now is None else now))
    write_manifest()
    if summary.rows:
        # Bronze has new objects: the bronze crawl has work (the pipeline decides from this, not from us).
        mark_changed(store, "bronze", run_id)
    return summary


def _pull(
    store: Any,
    layout: Layout,
    source: SourceConfig,
    result: SourceResult,
    env: str,
    run_id: str,
    started: dt.datetime,
    progress: ProgressCallback | None,
    secrets: SecretResolver,
    base_urls: Mapping[str, str] | None,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    rng: random.Random | None,
) -> None:
    http = source.require_http()
    where = http.path or source.name
    try:
        base_url = (base_urls or {}).get(source.name) or http.base_url_for(env)
        where = endpoint_url(base_url, http.path)
        if base_url == FIXTURE:
            raise LakeError(
                f"{source.name}: base_url.{env} is {FIXTURE!r}, the demo world's fixture API",
                "run it through the local ingest (lake ingest, the local pipeline): it starts the fixture",
            )
        client = HttpClient(source, secrets(source), sleep=sleep, clock=clock, rng=rng)
    except Exception as err:
        result.status, result.failure = FAILED, failure_of(source, where, err)
        return
    try:
        pull_http_source(
            store, layout, source, client, base_url, result, run_id=run_id, started=started, progress=progress
        )
    finally:
        client.close()


def ingest_files(
    store: Any,
    sources: list[str] | None = None,
    *,
    env: str = "local",
    run_id: str | None = None,
    now: dt.datetime | None = None,
    layout: Layout | None = None,
    config: LakeConfig | None = None,
) -> IngestSummary:
    """Land only the files under ``landing/<source>/`` (``lake drop``; the benchmarks' landing)."""
    return run_ingest(
        store,
        env=env,
        sources=sources,
        run_id=run_id,
        stages=("files",),
        now=now,
        layout=layout,
        config=config,
    )
