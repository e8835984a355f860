"""A small generated store, its local API and a throw-away bucket for the ingestion tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from ingest_support import TOKEN, FakeSleep

from jozi_lake.demo.generator import GeneratorParams, generate
from jozi_lake.demo.source_api import SourceApiServer, endpoints_from_config
from jozi_lake.storage import LocalObjectStore

START = dt.date(2026, 6, 1)


@pytest.fixture(scope="session")
def source_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four days of a small store with the default defects (non-UTF-8 text included)."""
    out = tmp_path_factory.mktemp("source-system")
    generate(GeneratorParams(start=START, days=4, orders_per_day=60, seed=21), out)
    return out


@pytest.fixture()
def api(source_dir: Path) -> Iterator[SourceApiServer]:
    with SourceApiServer(source_dir, endpoints_from_config(), token=TOKEN) as server:
        yield server


@pytest.fixture()
def store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "s3", "jozi-pizza-test-lake")


@pytest.fixture()
def fake_sleep() -> FakeSleep:
    return FakeSleep()
