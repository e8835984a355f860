"""Helpers shared by the ingestion tests (imported as a plain module: tests have no packages)."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path
from typing import Any

from jozi_lake.demo.source_api import SourceApiServer
from jozi_lake.ingest import ApiIngestConfig, RetryPolicy
from jozi_lake.storage import LocalObjectStore

TOKEN = "test-token"


class FakeSleep:
    """Records requested pauses instead of sleeping, so retry tests take no time."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def api_config(api: SourceApiServer, **overrides: Any) -> ApiIngestConfig:
    settings: dict[str, Any] = {
        "base_url": api.base_url,
        "endpoints": api.endpoints,
        "token": TOKEN,
        "page_size": 100,
        "timeout_seconds": 5.0,
        "retry": RetryPolicy(max_attempts=4, base_seconds=0.01, cap_seconds=0.05),
    }
    settings.update(overrides)
    return ApiIngestConfig(**settings)


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
