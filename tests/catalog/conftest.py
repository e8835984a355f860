"""Helpers to lay out a hand-made local lake (Parquet via DuckDB, JSON lines via gzip)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

BUCKET = Path("s3") / "jozi-pizza-local-lake"


def bucket_dir(lake_home: Path) -> Path:
    return lake_home / BUCKET


def write_parquet(lake_home: Path, key: str, sql: str) -> Path:
    """One Parquet file at ``<bucket>/<key>`` holding the rows of ``sql``."""
    target = bucket_dir(lake_home) / key
    target.parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect()
    try:
        connection.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet)")
    finally:
        connection.close()
    return target


def write_json_gz(lake_home: Path, key: str, records: list[dict[str, Any]]) -> Path:
    target = bucket_dir(lake_home) / key
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(gzip.compress("\n".join(json.dumps(r) for r in records).encode("utf-8")))
    return target


@pytest.fixture()
def parquet_file() -> Callable[[Path, str, str], Path]:
    return write_parquet


@pytest.fixture()
def json_file() -> Callable[[Path, str, list[dict[str, Any]]], Path]:
    return write_json_gz
