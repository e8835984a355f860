"""Shared fixtures of tests/ and benchmarks/tests/: one local Spark session per run, a throw-away lake."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from jozi_lake.jobs.spark import CODEGEN_ENV_VAR

os.environ.setdefault("PYSPARK_PYTHON", os.environ.get("PYSPARK_PYTHON", "python3"))
# The tests' lakes are a few hundred rows: Spark runs their queries interpreted, skipping the per-query
# code generation that is most of such a run's CPU (jozi_lake.jobs.spark). Set here, before any session
# starts, so the `lake` processes the fault tests start inherit it too; LAKE_SPARK_CODEGEN=on in the
# caller's environment still runs the suite with code generation.
os.environ.setdefault(CODEGEN_ENV_VAR, "off")


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


@pytest.fixture()
def project_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the project files (lake.yaml, contracts/, sql/) that a test may edit, made the
    project through LAKE_PROJECT_DIR (contracts and models are cached per project folder)."""
    import shutil

    from jozi_lake import project

    source = project.project_dir()
    target = tmp_path / "project"
    target.mkdir()
    shutil.copy2(source / "lake.yaml", target / "lake.yaml")
    for folder in ("contracts", "sql"):
        shutil.copytree(source / folder, target / folder)
    monkeypatch.setenv(project.PROJECT_DIR_ENV_VAR, str(target))
    yield target
