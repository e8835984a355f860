"""The report's tests read the hand-made lake of the query tests (gold layer + ops area), crawled."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The sample lake's builders live beside the query tests that spell out its arithmetic.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "query"))

from gold_lake_samples import build_gold, crawl_sample_lake
from ops_lake_samples import build_ops

from jozi_lake.config import EnvConfig


@pytest.fixture(scope="module")
def sample_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EnvConfig]:
    """The local env over the crawled sample lake (read-only for the module's tests)."""
    lake_home = tmp_path_factory.mktemp("report-lake")
    build_gold(lake_home)
    build_ops(lake_home)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAKE_HOME", str(lake_home))
        yield crawl_sample_lake()
