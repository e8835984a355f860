"""``lake run-job``: argument handling and the AWS dispatch (no Spark needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from jozi_lake.cli import app


def test_unknown_job_is_a_one_line_error(lake_home: Path) -> None:
    result = CliRunner().invoke(app, ["run-job", "bronze_to_platinum"])
    assert result.exit_code == 1
    assert "unknown job" in result.output
    assert "Traceback" not in result.output


def test_non_local_env_dispatches_to_the_aws_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    from jozi_lake.aws import commands as aws_commands

    calls = []
    monkeypatch.setattr(
        aws_commands, "run_job", lambda env, job, tables: calls.append((env.name, job, tables))
    )
    result = CliRunner().invoke(
        app, ["run-job", "all", "--tables", "orders, fact_deliveries", "--env", "dev"]
    )
    assert result.exit_code == 0, result.output
    assert calls == [("dev", "all", ["orders", "fact_deliveries"])]
