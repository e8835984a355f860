"""Helpers shared by the ingestion tests (imported as a plain module: tests have no packages)."""

from __future__ import annotations

import copy
import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any

from jozi_lake.config import LakeConfig, load_config
from jozi_lake.demo.source_api import SourceApiServer
from jozi_lake.ingest import IngestSummary, StaticSecrets, run_ingest
from jozi_lake.sources import deep_merge
from jozi_lake.storage import LocalObjectStore

TOKEN = "test-token"
JOZI_TEMPLATE = "jozi_store_api"
# Small pages and fast, bounded retries: what the tests of the Jozi source run with.
TEST_SETTINGS: dict[str, Any] = {
    "pagination": {"page_size": 100},
    "timeout_seconds": 5.0,
    "retries": {"max_attempts": 4, "backoff_seconds": 0.01, "max_backoff_seconds": 0.05},
}


class FakeSleep:
    """Records requested pauses instead of sleeping, so retry tests take no time."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def jozi_config(**overrides: Any) -> LakeConfig:
    """The project's lake.yaml with the Jozi API template's settings changed (deep-merged)."""
    raw = copy.deepcopy(load_config().raw)
    template = raw["source_templates"][JOZI_TEMPLATE]
    raw["source_templates"][JOZI_TEMPLATE] = deep_merge(deep_merge(template, TEST_SETTINGS), overrides)
    return LakeConfig(raw=raw)


def config_with_sources(sources: dict[str, Any], **top: Any) -> LakeConfig:
    """The project's lake.yaml with ``sources`` replaced (other facts, the prefixes above all, kept)."""
    raw = copy.deepcopy(load_config().raw)
    raw["sources"] = sources
    raw.update(top)
    return LakeConfig(raw=raw)


def ingest_jozi(
    store: LocalObjectStore,
    api: SourceApiServer,
    *,
    config: LakeConfig | None = None,
    sources: list[str] | None = None,
    token: str = TOKEN,
    **kwargs: Any,
) -> IngestSummary:
    """One run of the Jozi sources against the fixture ``api`` (as the local ingest wires it)."""
    config = config or jozi_config()
    return run_ingest(
        store,
        env="local",
        sources=sources,
        config=config,
        base_urls={name: api.base_url for name in api.endpoints},
        secrets=StaticSecrets({JOZI_TEMPLATE: token}),
        **kwargs,
    )


def ingest(store: LocalObjectStore, api: SourceApiServer, **kwargs: Any) -> dict[str, Any]:
    """:func:`ingest_jozi` as the dict the Lambda returns (the manifest's shape, keys included)."""
    return ingest_jozi(store, api, **kwargs).to_dict()


def bronze_lines(store: LocalObjectStore, source: str) -> Counter[bytes]:
    """Every record line in bronze for a source (multiset), decompressed."""
    lines: Counter[bytes] = Counter()
    for key in store.list_keys(f"bronze/{source}/"):
        lines.update(gzip.decompress(store.get_bytes(key)).splitlines())
    return lines


def served_lines(source_dir: Path, source: str, as_of: str | None = None) -> Counter[bytes]:
    """What the API serves for a source up to ``as_of`` (the store's raw lines)."""
    from jozi_lake.demo.source_api.server import SourceData

    data = SourceData.from_file(source_dir / f"{source}.jsonl")
    lo, hi = data.window(None, as_of)
    return Counter(line.rstrip(b"\n") for line in data.lines[lo:hi])


def read_json(store: LocalObjectStore, key: str) -> Any:
    return json.loads(store.get_bytes(key))
