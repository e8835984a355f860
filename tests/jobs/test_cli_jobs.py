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


def test_non_local_env_runs_through_the_aws_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command picks the backend from --env once; for dev that is the AWS backend."""
    from jozi_lake.aws.backend import AwsBackend
    from jozi_lake.jobs.report import RunReport

    calls = []

    def run_jobs(
        self: AwsBackend, jobs: list[str], tables: list[str] | None, progress: object = None
    ) -> RunReport:
        calls.append((self.env.name, jobs, tables))
        return RunReport(run_id="r", env=self.env.name)

    monkeypatch.setattr(AwsBackend, "run_jobs", run_jobs)
    result = CliRunner().invoke(
        app, ["run-job", "all", "--tables", "orders, fact_deliveries", "--env", "dev"]
    )
    assert result.exit_code == 0, result.output
    assert calls == [("dev", ["bronze_to_silver", "silver_to_gold"], ["orders", "fact_deliveries"])]


def test_a_failed_job_says_its_fix_once(lake_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The job's LakeError carries message and hint; the run's error repeats neither."""
    from jozi_lake.config import env_config
    from jozi_lake.errors import LakeError
    from jozi_lake.jobs import registry
    from jozi_lake.jobs.report import JobRunFailed
    from jozi_lake.local.runner import run_jobs

    def refuse(*args: object, **kwargs: object) -> None:
        raise LakeError(
            "contracts/silver/t.yaml column 'c': unknown parse 'numbr'", "use one of number, text"
        )

    monkeypatch.setattr(registry.JobSpec, "run_function", lambda self: refuse)
    with pytest.raises(JobRunFailed) as caught:
        run_jobs(env_config("local"), ["bronze_to_silver"], spark=object())
    assert caught.value.message == (
        "job bronze_to_silver failed: contracts/silver/t.yaml column 'c': unknown parse 'numbr'"
    )
    assert str(caught.value).count("(fix: use one of number, text)") == 1
