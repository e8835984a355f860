"""The store's operational API, run locally from generated data (tests, demo, benchmarks).

Not part of the AWS deployment: on AWS the ingest Lambda talks to the store's real API.
"""

from __future__ import annotations

from jozi_lake.demo.source_api.server import (
    DEFAULT_TOKEN,
    FAULT_KINDS,
    NDJSON,
    TOKEN_ENV_VAR,
    Fault,
    SourceApiServer,
    running_source_api,
    token_from_env,
)


def endpoints_from_config() -> dict[str, str]:
    """``{source: path}`` of the lake.yaml sources this fixture serves (``base_url.local: fixture``)."""
    from jozi_lake.config import load_config
    from jozi_lake.ingest.local import fixture_sources

    return {s.name: s.require_http().path for s in fixture_sources(load_config().sources)}


__all__ = [
    "DEFAULT_TOKEN",
    "FAULT_KINDS",
    "NDJSON",
    "TOKEN_ENV_VAR",
    "Fault",
    "SourceApiServer",
    "endpoints_from_config",
    "running_source_api",
    "token_from_env",
]
