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


@pytest.fixture()
def fake_aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Credentials no account accepts, the lake's region, and nothing of this machine's AWS setup
    (profile, config and credentials files, endpoint, retry settings), for a test that opens boto3
    clients inside moto. Returns the region."""
    from jozi_lake.config import load_config

    region = load_config().region
    for name in ("AWS_PROFILE", "AWS_REGION", "AWS_ENDPOINT_URL", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
    }.items():
        monkeypatch.setenv(name, value)
    return region
