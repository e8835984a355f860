"""The hand-made gold layer (gold_lake_samples.py) and ops area (ops_lake_samples.py), crawled, for the
query tests. Every value is chosen so the expected answers can be worked out by hand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gold_lake_samples import build_gold, crawl_sample_lake, write_partitioned
from ops_lake_samples import build_ops

from jozi_lake.config import EnvConfig


@pytest.fixture(scope="module")
def gold_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EnvConfig]:
    """The local env over a crawled hand-made gold layer and ops area (shared by a module's tests;
    read-only)."""
    lake_home = tmp_path_factory.mktemp("gold-lake")
    build_gold(lake_home)
    build_ops(lake_home)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAKE_HOME", str(lake_home))
        yield crawl_sample_lake()


@pytest.fixture(scope="session")
def parquet_writer() -> object:
    """:func:`write_partitioned`, for test modules that build their own tables."""
    return write_partitioned
