"""Fixtures for the AWS side of the commands: fake credentials, and moto holding the dev lake's resources."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from aws_fakes import FakeDeployment, create_lake_resources, outputs_document
from moto import mock_aws
from rich.console import Console

from jozi_lake.aws import outputs
from jozi_lake.cli import render


@pytest.fixture()
def aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials, no profile or region from the machine, instant polling."""
    for name in ("AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("LAKE_AWS_POLL_SECONDS", "0")
    outputs.clear_cache()
    yield
    outputs.clear_cache()


@pytest.fixture()
def deployed(
    aws_credentials: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeDeployment]:
    """moto with the dev lake's resources, outputs wired, and the commands' console captured."""
    config = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
    with mock_aws(config=config):
        values = create_lake_resources()
        outputs_file = tmp_path / "outputs.json"
        outputs_file.write_text(json.dumps(outputs_document(values)))
        monkeypatch.setenv(outputs.OUTPUTS_FILE_ENV_VAR, str(outputs_file))
        buffer = io.StringIO()
        captured = Console(file=buffer, width=250, color_system=None)
        monkeypatch.setattr(render, "console", captured)
        monkeypatch.setattr(render, "err_console", captured)
        yield FakeDeployment(outputs_file=outputs_file, values=values, buffer=buffer)
