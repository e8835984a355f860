"""Local ingestion as ``lake ingest`` and the local pipeline run it: lake.yaml settings, local bucket.

Unless a ``source_url`` is given, it starts the store's local API in-process over the generated data
in ``<LAKE_HOME>/source-system`` with the requested ``as_of`` clock, and stops it afterwards. Not
packaged into the Lambda (it reads lake.yaml).
"""

from __future__ import annotations

from typing import Any

from jozi_lake.config import EnvConfig, load_config
from jozi_lake.errors import LakeError
from jozi_lake.ingest.api import ApiIngestConfig, ProgressCallback, ingest_api
from jozi_lake.ingest.combined import with_drops
from jozi_lake.storage import store_for_env


def local_api_config(base_url: str) -> ApiIngestConfig:
    """The API settings of lake.yaml (pagination, page size, auth header) for ``base_url``."""
    from jozi_lake.demo.source_api import token_from_env

    cfg = load_config()
    api = cfg.source_api
    return ApiIngestConfig(
        base_url=base_url,
        endpoints={s.name: s.endpoint for s in cfg.sources},
        token=token_from_env(),
        pagination=str(api.get("pagination", "cursor")),
        page_size=int(api.get("page_size", 500)),
        auth_header=str(api.get("auth_header", "Authorization")),
    )


def ingest_local(
    env: EnvConfig,
    *,
    run_id: str | None = None,
    as_of: str | None = None,
    source_url: str | None = None,
    sources: list[str] | None = None,
    on_page: ProgressCallback | None = None,
    on_start: Any = None,
) -> dict[str, Any]:
    """Run one ingestion into the local lake (the API, then file drops); returns the run summary.

    The summary is :func:`ingest_api`'s plus what :func:`~jozi_lake.ingest.combined.with_drops` adds.

    ``on_start(base_url, as_of)`` is called once the API is known (the CLI prints it).
    """
    if not env.is_local:
        raise LakeError(f"ingest_local runs against the local lake, not {env.name!r}", "use --env local")
    store = store_for_env(env)
    if source_url:
        if as_of:
            raise LakeError("as_of only applies to the local API", "drop either the source URL or as_of")
        if on_start:
            on_start(source_url, None)
        summary = ingest_api(
            store, local_api_config(source_url), sources=sources, run_id=run_id, on_page=on_page
        )
        return with_drops(store, summary, sources or load_config().source_names)
    from jozi_lake.demo.source_api import SourceApiServer

    endpoints = {s.name: s.endpoint for s in load_config().sources}
    with SourceApiServer(env.local_source_dir, endpoints, as_of=as_of) as api:
        if on_start:
            on_start(api.base_url, api.as_of)
        summary = ingest_api(
            store, local_api_config(api.base_url), sources=sources, run_id=run_id, on_page=on_page
        )
    return with_drops(store, summary, sources or load_config().source_names)
