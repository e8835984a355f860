"""environments/dev applied with the real Terraform and AWS provider to moto_server, then operated by the CLI.

The environment is copied to a temporary directory with one override file (local backend, provider
endpoints pointing at moto_server on 127.0.0.1, fake credentials). Where moto lacks an API the provider
calls, that resource is left out *for this test only* through the override file (documented, with the
reason, in docs/aws-emulator.md); nothing answers in moto's place. After the apply the CLI's AWS commands
run against what Terraform created, reading the names through ``terraform output -json`` as they would
on AWS. Finally the environment is destroyed.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from aws_fakes import make_repo
from rich.console import Console

from jozi_lake.aws import commands, outputs, package
from jozi_lake.aws.clients import new_boto3_session
from jozi_lake.aws.package import build_bundle
from jozi_lake.config import env_config, load_config, repo_root

pytestmark = [pytest.mark.slow, pytest.mark.terraform, pytest.mark.timeout(600)]

PLUGIN_DIR = Path("/opt/tf-plugins")
PROVIDER_DIR = PLUGIN_DIR / "registry.terraform.io" / "hashicorp" / "aws"
ENV = "dev"
MOTO_ACCOUNT = "123456789012"
# Copied into the sandbox: what environments/<env> reads (lake.yaml, modules, SQL for named queries).
COPIED = ("lake.yaml", "environments", "modules", "sql")
# Terraform-managed resources moto cannot delete (DeleteNamedQuery is not implemented): forgotten from the
# state before destroy; they disappear with the moto_server process.
UNDELETABLE_ON_MOTO = (
    "module.athena.aws_athena_named_query.query",
    "module.athena.aws_athena_named_query.view",
)
# Service endpoint keys of the provider's `endpoints` block used by environments/* modules.
PROVIDER_ENDPOINTS = (
    "athena",
    "cloudwatch",
    "events",
    "glue",
    "iam",
    "kms",
    "lambda",
    "logs",
    "s3",
    "scheduler",
    "secretsmanager",
    "sfn",
    "sns",
    "sqs",
    "sts",
)

TERRAFORM = shutil.which("terraform")
if TERRAFORM is None:
    pytest.skip("the terraform binary is not installed", allow_module_level=True)
if not PROVIDER_DIR.is_dir():
    pytest.skip(f"no hashicorp/aws provider mirror at {PLUGIN_DIR}", allow_module_level=True)


def override_tf(endpoint: str) -> str:
    """Local state, provider aimed at moto_server, and the emulator exclusions (see docs/aws-emulator.md)."""
    endpoints = "\n".join(f'    {name:<14} = "{endpoint}"' for name in PROVIDER_ENDPOINTS)
    return f"""# Written by tests/aws/test_terraform_on_moto.py into a throw-away copy of the environment.
terraform {{
  backend "local" {{
    path = "terraform.tfstate"
  }}
}}

provider "aws" {{
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  # The account id comes from moto's sts:GetCallerIdentity: skipping it leaves ARNs without an account
  # and moto then cannot find the Athena workgroup the provider tags.
  skip_requesting_account_id = false
  skip_metadata_api_check    = true
  skip_region_validation     = true
  s3_use_path_style          = true
  max_retries                = 1

  endpoints {{
{endpoints}
  }}
}}

# moto does not implement states:ValidateStateMachineDefinition, which the provider (>= 5.67) calls for
# aws_sfn_state_machine; the module's `create` flag leaves the state machine, its log group and schedule out.
module "stepfunctions" {{
  create = false
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    """moto_server on 127.0.0.1 for this module's test, stopped (by its pid) afterwards."""
    port = free_port()
    executable = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(
        [str(executable), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/moto-api/", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("moto_server did not start")
            time.sleep(0.3)
        # Lambda without Docker (returns queued results); Step Functions interpretation stays off.
        requests.post(f"{url}/moto-api/config", json={"lambda": {"use_docker": False}}, timeout=5)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def sandbox(tmp_path: Path, endpoint: str) -> Path:
    """A copy of the environment and what it reads, plus the override file; returns the env directory."""
    root = tmp_path / "repo"
    source = repo_root()
    ignore = shutil.ignore_patterns(
        ".terraform", ".terraform.lock.hcl", "*.tfstate*", "*_override.tf", "tests"
    )
    for name in COPIED:
        if (source / name).is_dir():
            shutil.copytree(source / name, root / name, ignore=ignore)
        else:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, root / name)
    env_dir = root / "environments" / ENV
    (env_dir / "zz_moto_override.tf").write_text(override_tf(endpoint))
    return env_dir


def terraform(env_dir: Path, *args: str, timeout: int = 400) -> str:
    proc = subprocess.run(
        [str(TERRAFORM), f"-chdir={env_dir}", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"terraform {args[0]} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
    return proc.stdout


def seed_athena(endpoint: str, region: str, rows: list[list[str]], columns: list[str]) -> None:
    payload = {
        "account_id": MOTO_ACCOUNT,
        "region": region,
        "results": [
            {
                "rows": [{"Data": [{"VarCharValue": v} for v in row]} for row in [columns, *rows]],
                "column_info": [{"Name": c, "Label": c, "Type": "varchar"} for c in columns],
            }
        ],
    }
    response = requests.post(f"{endpoint}/moto-api/static/athena/query-results", json=payload, timeout=10)
    assert response.status_code == 201


def glue_code_root(tmp_path: Path) -> Path:
    """A snapshot of the checkout's Glue code (the checkout keeps changing while the test runs, and the
    version Terraform is given must be the version uploaded), or a miniature one without entry scripts."""
    if not list((repo_root() / "glue_scripts").glob("*.py")):
        return make_repo(tmp_path / "glue-code")
    snapshot = tmp_path / "glue-code"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("src", "glue_scripts"):
        shutil.copytree(repo_root() / name, snapshot / name, ignore=ignore)
    return snapshot


def test_dev_environment_applied_on_moto_and_operated_by_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moto_server: str
) -> None:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_ENDPOINT_URL": moto_server,  # every boto3 client of the CLI goes to moto_server
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
        "TF_CLI_CONFIG_FILE": str(tmp_path / "terraformrc"),
        "LAKE_AWS_POLL_SECONDS": "0.05",
    }.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "terraformrc").write_text("")
    monkeypatch.delenv(outputs.OUTPUTS_FILE_ENV_VAR, raising=False)

    env_dir = sandbox(tmp_path, moto_server)
    code_root = glue_code_root(tmp_path)
    bundle = build_bundle(code_root)
    fixture_zip = repo_root() / "modules" / "ingest-lambda" / "tests" / "fixtures" / "ingest.zip"
    assert fixture_zip.is_file(), "the ingest-lambda module's fixture zip is missing"
    variables = ["-var", f"ingest_package_path={fixture_zip}", "-var", f"scripts_version={bundle.version}"]

    terraform(env_dir, "init", "-input=false", "-no-color", f"-plugin-dir={PLUGIN_DIR}")
    applied = False
    try:
        terraform(
            env_dir, "apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=20", *variables
        )
        applied = True
        monkeypatch.setattr(outputs, "environment_dir", lambda name: env_dir.parent / name)
        monkeypatch.setattr(package, "repo_root", lambda: code_root)
        outputs.clear_cache()
        buffer = io.StringIO()
        monkeypatch.setattr(commands, "console", Console(file=buffer, width=250, color_system=None))
        env = env_config(ENV)
        lake = outputs.deployed_lake(env)  # through the real `terraform output -json`
        session = new_boto3_session(lake.region)
        s3, glue = session.client("s3"), session.client("glue")
        # moto applies bucket-policy Deny statements without their Conditions, so the lake's guards
        # (TLS only, SSE-KMS only) would deny every object request: checked to exist, then removed.
        assert "DenyInsecureTransport" in s3.get_bucket_policy(Bucket=lake.bucket)["Policy"]
        s3.delete_bucket_policy(Bucket=lake.bucket)

        # upload-scripts: the version lands where Terraform pointed the jobs (scripts_version = the version).
        commands.upload_scripts(env)
        for job_key, glue_name in lake.jobs.items():
            job = glue.get_job(JobName=glue_name)["Job"]
            script_key = job["Command"]["ScriptLocation"].removeprefix(f"s3://{lake.bucket}/")
            assert script_key == f"scripts/{bundle.version}/glue_scripts/{job_key}.py"
            s3.head_object(Bucket=lake.bucket, Key=script_key)
            extra = job["DefaultArguments"]["--extra-py-files"].removeprefix(f"s3://{lake.bucket}/")
            s3.head_object(Bucket=lake.bucket, Key=extra)
        assert "jobs repointed" in buffer.getvalue()

        # run-job: the lake.yaml arguments reach the Terraform-defined job.
        commands.run_job(env, "bronze_to_silver", ["orders"])
        (run,) = glue.get_job_runs(JobName=lake.jobs["bronze_to_silver"])["JobRuns"]
        assert run["JobRunState"] == "SUCCEEDED"
        assert run["Arguments"]["--tables"] == "orders"
        assert run["Arguments"]["--lake_root"] == lake.lake_root

        # crawl: the Terraform crawlers run and finish.
        commands.crawl(env, ["bronze", "silver"])
        assert buffer.getvalue().count("COMPLETED") >= 2

        # query: a named query in the Terraform workgroup, results seeded (moto never runs SQL).
        seed_athena(moto_server, lake.region, [["12", "0.41"], ["19", "0.58"]], ["order_hour", "late_share"])
        first_query = sorted(p.stem for p in (repo_root() / "sql" / "queries").glob("*.sql"))[0]
        commands.query(env, named=first_query)
        assert "0.58" in buffer.getvalue()
        assert "billed 10 MB at $5/TB" in buffer.getvalue()

        # ingest: the Terraform-created function, invoked synchronously (moto's Lambda without Docker).
        requests.post(
            f"{moto_server}/moto-api/static/lambda-simple/response",
            json={"results": [json.dumps({"has_new_data": True, "records": 42})], "region": lake.region},
            timeout=10,
        )
        commands.ingest(env)
        assert "has_new_data" in buffer.getvalue()

        # tables and status read the same resources.
        commands.tables(env)
        commands.status(env)
        printed = buffer.getvalue()
        assert f"Glue code version: {bundle.version}" in printed
        for layer in load_config().layers:
            assert lake.crawlers[layer] in printed
    finally:
        if applied or (env_dir / "terraform.tfstate").exists():
            listed = subprocess.run(
                [str(TERRAFORM), f"-chdir={env_dir}", "state", "list"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.split()
            undeletable = [a for a in listed if a.startswith(UNDELETABLE_ON_MOTO)]
            if undeletable:
                terraform(env_dir, "state", "rm", "-no-color", *undeletable)
            terraform(
                env_dir, "destroy", "-auto-approve", "-input=false", "-no-color", "-refresh=false", *variables
            )
    left = subprocess.run(
        [str(TERRAFORM), f"-chdir={env_dir}", "state", "list"], capture_output=True, text=True, check=False
    ).stdout.split()
    assert left == [], f"destroy left resources in the state: {left}"
