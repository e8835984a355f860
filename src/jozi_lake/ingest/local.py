"""Local ingestion as ``lake ingest`` and the local pipeline run it: lake.yaml's sources, local bucket.

A source whose ``base_url.local`` is ``fixture`` is served by the demo world's fixture API, started
here in-process over the generated data in ``<LAKE_HOME>/source-system`` with the requested ``as_of``
clock and stopped afterwards; its secret is the fixture's token. ``source_url`` points every selected
http source at one URL instead (a vendor's sandbox, a server of one's own). Secrets of other sources
come from the environment. Not packaged into the Lambda (it may start the demo world's server).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from jozi_lake.config import EnvConfig, LakeConfig, load_config
from jozi_lake.errors import LakeError
from jozi_lake.ingest.run import ProgressCallback, run_ingest, select_sources
from jozi_lake.ingest.secrets import EnvironmentSecrets, SecretResolver, StaticSecrets
from jozi_lake.ingest.summary import IngestSummary
from jozi_lake.sources import FIXTURE, SourceConfig
from jozi_lake.storage import store_for_env

StartCallback = Callable[[str, str | None], None]


def fixture_sources(sources: list[SourceConfig]) -> list[SourceConfig]:
    """The http sources that the local fixture API serves (``base_url.local: fixture``)."""
    found = []
    for source in sources:
        if source.is_http:
            urls = source.require_http().base_url
            if (urls.get("local") or urls.get("default")) == FIXTURE:
                found.append(source)
    return found


@contextmanager
def local_endpoints(
    env: EnvConfig,
    sources: list[SourceConfig],
    *,
    as_of: str | None = None,
    source_url: str | None = None,
    on_start: StartCallback | None = None,
) -> Iterator[tuple[dict[str, str], SecretResolver]]:
    """Base URLs and secrets for a local run of ``sources``, the fixture API running while inside."""
    http = [s for s in sources if s.is_http]
    if source_url:
        if as_of:
            raise LakeError("as_of only applies to the local API", "drop either the source URL or as_of")
        if on_start:
            on_start(source_url, None)
        yield {s.name: source_url for s in http}, EnvironmentSecrets()
        return
    served = fixture_sources(http)
    if not served:
        if as_of:
            raise LakeError(
                "as_of only applies to the local fixture API, which none of these sources uses",
                "drop --as-of",
            )
        yield {}, EnvironmentSecrets()
        return
    from jozi_lake.demo.source_api import SourceApiServer

    endpoints = {s.name: s.require_http().path for s in served}
    with SourceApiServer(env.local_source_dir, endpoints, as_of=as_of) as api:
        if on_start:
            on_start(api.base_url, api.as_of)
        secret_names = {s.require_http().auth.secret for s in served if s.require_http().auth.needs_secret}
        secrets = StaticSecrets({name: api.token for name in secret_names if name}, EnvironmentSecrets())
        yield {s.name: api.base_url for s in served}, secrets


def ingest_local(
    env: EnvConfig,
    *,
    run_id: str | None = None,
    as_of: str | None = None,
    source_url: str | None = None,
    sources: list[str] | None = None,
    on_page: ProgressCallback | None = None,
    on_start: StartCallback | None = None,
    config: LakeConfig | None = None,
) -> IngestSummary:
    """Run one ingestion into the local lake (each source's API, then its landed files).

    ``on_start(base_url, as_of)`` is called once the API is known (the CLI prints it); ``on_page``
    after every page or file (source, pages or files so far, rows so far).
    """
    if not env.is_local:
        raise LakeError(f"ingest_local runs against the local lake, not {env.name!r}", "use --env local")
    config = config or load_config()
    selected = select_sources(config, sources)
    with local_endpoints(env, selected, as_of=as_of, source_url=source_url, on_start=on_start) as (
        urls,
        secrets,
    ):
        return run_ingest(
            store_for_env(env),
            env=env.name,
            sources=[s.name for s in selected],
            run_id=run_id,
            progress=on_page,
            secrets=secrets,
            config=config,
            base_urls=urls,
        )
