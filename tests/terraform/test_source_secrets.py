"""Terraform creates one secret per credential the Python side will ask for: both derive them from lake.yaml.

modules/lake resolves each source's template in HCL to find the authenticated http sources' auth.secret;
jozi_lake.sources does the same in Python when the Lambda asks for a secret. This test gives both one
lake.yaml with templates, shared and own credentials, unauthenticated and files sources, and compares.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from jozi_lake.config import parse_config_text, repo_root

pytestmark = pytest.mark.terraform

TERRAFORM = shutil.which("terraform")
MIRROR = Path("/opt/tf-plugins")


def _lake_yaml(tmp_path: Path) -> Path:
    raw = yaml.safe_load((repo_root() / "lake.yaml").read_text())
    raw["sources"].update(
        {
            "charges": {
                "kind": "http",
                "base_url": "https://api.stripe.example",
                "path": "/v1/charges",
                "auth": {"type": "bearer", "secret": "stripe"},
            },
            "weather": {"kind": "http", "base_url": "https://weather.example", "path": "/v1/days"},
            "tickets": {  # an API key under the source's own name (no auth.secret given)
                "kind": "http",
                "base_url": "https://desk.example",
                "path": "/api/tickets",
                "auth": {"type": "api_key", "header": "X-Api-Key"},
            },
            "air_quality": {"kind": "files", "files": {"format": "csv"}},
        }
    )
    path = tmp_path / "lake.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def _python_secrets(path: Path) -> set[str]:
    config = parse_config_text(path.read_text(), str(path))
    return {
        source.require_http().auth.secret or source.name
        for source in config.sources
        if source.kind == "http" and source.require_http().auth.needs_secret
    }


@pytest.mark.skipif(TERRAFORM is None, reason="the terraform binary is not installed")
def test_terraform_and_python_derive_the_same_source_secrets(tmp_path: Path) -> None:
    lake_file = _lake_yaml(tmp_path)
    expected = _python_secrets(lake_file)
    assert expected == {"jozi_store_api", "stripe", "tickets"}
    module = tmp_path / "lake"
    shutil.copytree(
        repo_root() / "modules", tmp_path / "modules", ignore=shutil.ignore_patterns(".terraform*")
    )
    module = tmp_path / "modules" / "lake"
    init = [str(TERRAFORM), f"-chdir={module}", "init", "-backend=false", "-input=false", "-no-color"]
    if MIRROR.is_dir():
        init.append(f"-plugin-dir={MIRROR}")
    env = {"TF_CLI_CONFIG_FILE": "/dev/null", "CHECKPOINT_DISABLE": "1", "PATH": "/usr/bin:/bin"}
    subprocess.run(init, check=True, capture_output=True, env=env, timeout=300)
    variables = {
        "environment": "dev",
        "lake_file": str(lake_file),
        "sql_dir": str(repo_root() / "sql"),
        "ingest_package_path": str(repo_root() / "modules/ingest-lambda/tests/fixtures/ingest.zip"),
        "glue_code_dir": str(repo_root() / "modules/glue/tests/fixtures/code"),
    }
    args = [a for name, value in variables.items() for a in ("-var", f"{name}={value}")]
    proc = subprocess.run(
        [str(TERRAFORM), f"-chdir={module}", "console", "-no-color", *args],
        input="jsonencode(local.names.source_secrets)\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    secrets = json.loads(json.loads(proc.stdout.strip()))
    assert set(secrets) == expected
    assert secrets["stripe"] == "jozi-pizza/dev/sources/stripe"
