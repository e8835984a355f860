"""Queries can read the lake and nothing else: no writes, no DDL, no file or engine access."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jozi_lake.config import EnvConfig, env_config
from jozi_lake.errors import LakeError
from jozi_lake.local.crawler import crawl
from jozi_lake.local.engine import run_query


@pytest.fixture(scope="module")
def small_env(tmp_path_factory: pytest.TempPathFactory, parquet_writer: Any) -> Iterator[EnvConfig]:
    lake_home = tmp_path_factory.mktemp("ro-lake")
    parquet_writer(lake_home, "gold/t", "SELECT 1::BIGINT AS id, '2026-06-01' AS order_date", "order_date")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAKE_HOME", str(lake_home))
        env = env_config("local")
        crawl(env, ["gold"])
        yield env


def lake_fingerprint(env: EnvConfig) -> dict[str, str]:
    root = env.lake_home
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


REFUSED = [
    "INSERT INTO t SELECT 2, '2026-06-02'",
    "UPDATE t SET id = 2",
    "DELETE FROM t",
    "MERGE INTO t USING t AS s ON t.id = s.id WHEN MATCHED THEN DELETE",
    "COPY t TO '/tmp/stolen.csv'",
    "COPY (SELECT * FROM t) TO 'x.parquet' (FORMAT parquet)",
    "CREATE TABLE x AS SELECT * FROM t",
    "CREATE VIEW v AS SELECT * FROM t",
    "DROP TABLE t",
    "ALTER TABLE t ADD COLUMN x int",
    "ATTACH '/tmp/other.duckdb' AS other",
    "INSTALL httpfs",
    "LOAD httpfs",
    "PRAGMA version",
    "SET enable_external_access = true",
    "CALL pragma_version()",
    "EXPORT DATABASE '/tmp/x'",
    "  -- a comment first\n  drop table t",
    "(DELETE FROM t)",
    "SELECT 1; DROP TABLE t",
    "SELECT * FROM read_parquet('/etc/passwd')",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM 'secret.parquet'",
    "SELECT * FROM glob('/*')",
    "SELECT getenv('HOME')",
    "SELECT current_setting('enable_external_access')",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM t WHERE id IN (SELECT id FROM read_json('/etc/x.json'))",
    "WITH x AS (SELECT * FROM parquet_metadata('/etc/x')) SELECT * FROM x",
]


@pytest.mark.parametrize("sql", REFUSED)
def test_writes_ddl_and_file_access_are_refused(small_env: EnvConfig, sql: str) -> None:
    before = lake_fingerprint(small_env)
    with pytest.raises(LakeError) as failure:
        run_query(small_env, sql=sql)
    assert "\n" not in failure.value.message
    assert lake_fingerprint(small_env) == before
    assert not Path("/tmp/stolen.csv").exists()


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id FROM t",
        "WITH x AS (SELECT id FROM t) SELECT id FROM x",
        "SELECT id FROM t UNION ALL SELECT id FROM t",
        "-- leading comment\nSELECT id FROM t;",
        "(SELECT id FROM t)",
        "VALUES (1)",
    ],
)
def test_plain_reads_are_allowed(small_env: EnvConfig, sql: str) -> None:
    assert run_query(small_env, sql=sql).rows[0] == (1,)


def test_statement_refusals_name_the_statement(small_env: EnvConfig) -> None:
    with pytest.raises(LakeError, match="DELETE statements are not allowed"):
        run_query(small_env, sql="DELETE FROM t")
    with pytest.raises(LakeError, match=r"function read_parquet\(\) is not allowed"):
        run_query(small_env, sql="SELECT * FROM read_parquet('x')")
