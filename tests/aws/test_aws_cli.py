"""``lake upload-scripts``: refuses --env local, publishes for dev (moto), errors as one line + fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_fakes import BUCKET, FakeDeployment, make_repo
from typer.testing import CliRunner

from jozi_lake.aws import outputs, package
from jozi_lake.cli import app

runner = CliRunner()


def test_upload_scripts_refuses_local() -> None:
    result = runner.invoke(app, ["upload-scripts", "--env", "local"])
    assert result.exit_code == 1
    assert "error: upload-scripts publishes Glue code to AWS" in result.output
    assert "fix: use --env dev or --env prod" in result.output


def test_upload_scripts_for_dev_publishes(
    deployed: FakeDeployment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(package, "repo_root", lambda: make_repo(tmp_path))
    result = runner.invoke(app, ["upload-scripts", "--env", "dev"])
    assert result.exit_code == 0, result.output
    listing = deployed.client("s3").list_objects_v2(Bucket=BUCKET, Prefix="scripts/")
    assert any(o["Key"] == "scripts/current.json" for o in listing["Contents"])


def test_upload_scripts_without_outputs_says_to_apply(
    aws_credentials: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "outputs.json"
    empty.write_text("{}")
    monkeypatch.setenv(outputs.OUTPUTS_FILE_ENV_VAR, str(empty))
    result = runner.invoke(app, ["upload-scripts", "--env", "dev"])
    assert result.exit_code == 1
    assert "error: environment dev has no Terraform outputs" in result.output
    assert "fix: run 'make apply ENV=dev' first" in result.output
    assert "Traceback" not in result.output
