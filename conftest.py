"""Shared fixtures of tests/ and benchmarks/tests/: one local Spark session per run, a throw-away lake."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PYSPARK_PYTHON", os.environ.get("PYSPARK_PYTHON", "python3"))


@pytest.fixture(scope="session")
def spark():  # type: ignore[no-untyped-def]
    """One Spark session per test run (start-up costs seconds); 2 cores like CI."""
    import sys

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from jozi_lake.jobs.spark import local_spark_session

    session = local_spark_session("jozi-lake-tests", cores=2)
    yield session
    session.stop()


@pytest.fixture()
def lake_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh local lake (LAKE_HOME) for one test."""
    home = tmp_path / "lake"
    home.mkdir()
    monkeypatch.setenv("LAKE_HOME", str(home))
    yield home
