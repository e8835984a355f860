"""environments/dev applied with the real Terraform and AWS provider to moto_server, then operated by the CLI.

The environment is copied to a temporary directory with one override file (local backend, provider
endpoints pointing at moto_server on 127.0.0.1, fake credentials). Where moto lacks an API the provider
calls, that resource is left out *for this test only* through the override file (documented, with the
reason, in docs/aws-emulator.md); nothing answers in moto's place. The Glue bundle is built into a
temporary folder and Terraform deploys it (content-hash keys, jobs pointed at them); a second plan with
the same code must change nothing. The ARNs the roles are granted on are compared with the ARNs moto
gave the resources. After the apply the CLI's AWS commands run against what Terraform created, reading
the names through ``terraform output -json`` as they would on AWS. Finally the environment is destroyed.
"""

from __future__ import annotations

import fnmatch
import hashlib
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

import boto3
import pytest
import requests
from aws_fakes import cli
from rich.console import Console

from jozi_lake.aws import outputs
from jozi_lake.aws.clients import new_boto3_session
from jozi_lake.cli import render
from jozi_lake.config import env_config, load_config, repo_root
from jozi_lake.errors import LakeError
from jozi_lake.tooling.bundle import build_glue

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
    "module.lake.module.athena.aws_athena_named_query.query",
    "module.lake.module.athena.aws_athena_named_query.view",
)
# Attributes moto does not return after a create, so a plan right after the apply wants to set them again
# (docs/aws-emulator.md, gap 12). Every other resource and attribute must plan no change.
MOTO_ROUND_TRIP_GAPS = {
    "module.lake.module.ingest_lambda.aws_lambda_function.ingest[0]": {
        "dead_letter_config",
        "logging_config",
    },
    "module.lake.module.s3_lake.aws_s3_bucket_logging.lake": {"target_object_key_format"},
}
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
  # A few attempts: moto_server sometimes closes a kept-alive connection under the apply's parallel load
  # ("use of closed network connection"), which the SDK retries; a missing API still fails within seconds.
  max_retries                = 4

  endpoints {{
{endpoints}
  }}
}}

# moto does not implement states:ValidateStateMachineDefinition, which the provider (>= 5.67) calls for
# aws_sfn_state_machine: the lake leaves the state machine, its log group and schedule out. moto applies
# the lake bucket policy's Deny statements without their conditions, which would deny every object request
# (Terraform's code upload included): the lake leaves that policy out. moto does not implement
# budgets:DescribeSubscribersForNotification, which the provider reads after creating a budget: the lake
# leaves the budget out (all three: docs/aws-emulator.md).
module "lake" {{
  create_state_machine      = false
  attach_lake_bucket_policy = false
  create_budget             = false
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


def code_version(code_dir: Path) -> str:
    """The version Terraform gives a built code folder: sha256 over its files' `sha256sum` lines, 16 hex."""
    files = [
        "jozi_lake.zip",
        *sorted(p.relative_to(code_dir).as_posix() for p in code_dir.glob("glue_scripts/*.py")),
    ]
    lines = "".join(
        f"{hashlib.sha256((code_dir / f).read_bytes()).hexdigest()}  {f}\n" for f in sorted(files)
    )
    return hashlib.sha256(lines.encode()).hexdigest()[:16]


def plan_exit_code(env_dir: Path, *args: str) -> tuple[int, str]:
    """``terraform plan -detailed-exitcode``: 0 no changes, 2 changes, 1 error (with its output)."""
    proc = subprocess.run(
        [
            str(TERRAFORM),
            f"-chdir={env_dir}",
            "plan",
            "-detailed-exitcode",
            "-input=false",
            "-no-color",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    return proc.returncode, proc.stdout[-6000:] + proc.stderr[-3000:]


def planned_changes(env_dir: Path, *args: str) -> dict[str, set[str]]:
    """Resource address => top-level attributes a fresh plan would change (creates and deletes: "*")."""
    terraform(env_dir, "plan", "-input=false", "-no-color", "-out=again.tfplan", *args)
    plan = json.loads(terraform(env_dir, "show", "-json", "again.tfplan"))
    changes: dict[str, set[str]] = {}
    for change in plan.get("resource_changes", []):
        actions = change["change"]["actions"]
        if actions in (["no-op"], ["read"]):
            continue
        if actions != ["update"]:
            changes[change["address"]] = {"*"}
            continue
        before, after = change["change"]["before"] or {}, change["change"]["after"] or {}
        unknown = change["change"].get("after_unknown") or {}
        changes[change["address"]] = {
            key for key in set(before) | set(after) if before.get(key) != after.get(key) or unknown.get(key)
        }
    return changes


def check_grants_match_resources(session: boto3.Session, lake: outputs.DeployedLake, env_dir: Path) -> None:
    """Each ARN a role is granted on (rendered by the real provider) is the ARN moto gave the resource."""
    iam = session.client("iam")
    values = {
        name: entry["value"] for name, entry in json.loads(terraform(env_dir, "output", "-json")).items()
    }
    prefix = lake.bucket.removesuffix("-lake") + "-"  # roles are <project>-<env>-<component>

    def resources(role: str, sid: str) -> list[str]:
        (name,) = iam.list_role_policies(RoleName=prefix + role)["PolicyNames"]  # one inline policy each
        policy = iam.get_role_policy(RoleName=prefix + role, PolicyName=name)["PolicyDocument"]
        document = json.loads(policy) if isinstance(policy, str) else policy
        (statement,) = [s for s in document["Statement"] if s.get("Sid") == sid]
        found = statement["Resource"]
        return [found] if isinstance(found, str) else list(found)

    function = session.client("lambda").get_function(FunctionName=lake.require_ingest_function())
    assert function["Configuration"]["FunctionArn"] in resources("state-machine", "InvokeLakeFunction")
    secrets = session.client("secretsmanager")
    secret_arns = [
        secrets.describe_secret(SecretId=arn)["ARN"] for arn in values["source_secret_arns"].values()
    ]
    patterns = resources("ingest-lambda", "ReadSourceSecrets")
    assert secret_arns and len(patterns) == len(secret_arns)
    for secret_arn in secret_arns:
        assert any(fnmatch.fnmatchcase(secret_arn, p) for p in patterns), (secret_arn, patterns)
    sqs = session.client("sqs")
    url = sqs.get_queue_url(QueueName=f"{lake.require_ingest_function()}-dlq")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert resources("ingest-lambda", "SendToDeadLetterQueue") == [queue_arn]
    assert resources("state-machine", "PublishAlerts") == [values["alert_topic_arn"]]
    (log_group,) = session.client("logs").describe_log_groups(
        logGroupNamePrefix=f"/aws/lambda/{lake.require_ingest_function()}"
    )["logGroups"]
    assert resources("ingest-lambda", "WriteOwnLogs") == [f"{log_group['arn'].removesuffix(':*')}:*"]
    glue = session.client("glue")
    for arn in resources("state-machine", "RunGlueJobs") + resources("state-machine", "RunGlueCrawlers"):
        glue.get_tags(ResourceArn=arn)  # moto answers EntityNotFoundException for an ARN it does not know
    granted_jobs = {arn.rsplit("/", 1)[1] for arn in resources("state-machine", "RunGlueJobs")}
    assert granted_jobs == set(lake.jobs.values())


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
    # The Glue bundle, built once into a temporary folder: Terraform uploads exactly these files.
    code_dir = tmp_path / "build-glue"
    build_glue(repo_root(), code_dir)
    version = code_version(code_dir)
    fixture_zip = repo_root() / "modules" / "ingest-lambda" / "tests" / "fixtures" / "ingest.zip"
    assert fixture_zip.is_file(), "the ingest-lambda module's fixture zip is missing"
    variables = ["-var", f"ingest_package_path={fixture_zip}", "-var", f"glue_code_dir={code_dir}"]

    terraform(env_dir, "init", "-input=false", "-no-color", f"-plugin-dir={PLUGIN_DIR}")
    applied = False
    try:
        terraform(
            env_dir, "apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=20", *variables
        )
        applied = True
        monkeypatch.setattr(outputs, "environment_dir", lambda name: env_dir.parent / name)
        outputs.clear_cache()
        buffer = io.StringIO()
        captured = Console(file=buffer, width=250, color_system=None)
        monkeypatch.setattr(render, "console", captured)
        monkeypatch.setattr(render, "err_console", captured)
        env = env_config(ENV)
        lake = outputs.deployed_lake(env)  # through the real `terraform output -json`
        session = new_boto3_session(lake.region)
        s3, glue = session.client("s3"), session.client("glue")

        # The code Terraform deployed: every job runs scripts/<content hash>/..., objects that exist and hold
        # the built bytes, encrypted with the lake key.
        assert lake.raw["glue_code_version"] == version
        for job_key, glue_name in lake.jobs.items():
            job = glue.get_job(JobName=glue_name)["Job"]
            script_key = job["Command"]["ScriptLocation"].removeprefix(f"s3://{lake.bucket}/")
            assert script_key == f"scripts/{version}/glue_scripts/{job_key}.py"
            extra = job["DefaultArguments"]["--extra-py-files"].removeprefix(f"s3://{lake.bucket}/")
            assert extra == f"scripts/{version}/jozi_lake.zip"
            assert "--quality_namespace" not in job["DefaultArguments"]
            for key, local in (
                (script_key, code_dir / "glue_scripts" / f"{job_key}.py"),
                (extra, code_dir / "jozi_lake.zip"),
            ):
                head = s3.head_object(Bucket=lake.bucket, Key=key)
                assert head["ServerSideEncryption"] == "aws:kms"
                assert s3.get_object(Bucket=lake.bucket, Key=key)["Body"].read() == local.read_bytes()

        # Unchanged code and configuration: a second plan has nothing to do. The Glue code and jobs plan no
        # change at all (-detailed-exitcode 0); the whole environment changes only what moto cannot echo.
        code, plan_output = plan_exit_code(env_dir, "-target=module.lake.module.glue", *variables)
        assert code == 0, f"a plan of the deployed code must report no changes (exit {code}):\n{plan_output}"
        changes = planned_changes(env_dir, *variables)
        unexpected = {
            address: keys - MOTO_ROUND_TRIP_GAPS.get(address, set())
            for address, keys in changes.items()
            if keys - MOTO_ROUND_TRIP_GAPS.get(address, set())
        }
        assert not unexpected, f"a plan right after the apply must change nothing: {unexpected}"

        check_grants_match_resources(session, lake, env_dir)

        # run-job: the lake.yaml arguments reach the Terraform-defined job.
        cli.run_job("bronze_to_silver", tables="orders", env=ENV)
        (run,) = glue.get_job_runs(JobName=lake.jobs["bronze_to_silver"])["JobRuns"]
        assert run["JobRunState"] == "SUCCEEDED"
        assert run["Arguments"]["--tables"] == "orders"
        assert run["Arguments"]["--lake_root"] == lake.lake_root

        # crawl: the Terraform crawlers run and finish.
        cli.crawl(["bronze", "silver"], env=ENV)
        assert buffer.getvalue().count("COMPLETED") >= 2

        # query: a named query in the Terraform workgroup, results seeded (moto never runs SQL).
        seed_athena(moto_server, lake.region, [["12", "0.41"], ["19", "0.58"]], ["order_hour", "late_share"])
        first_query = sorted(p.stem for p in (repo_root() / "sql" / "queries").glob("*.sql"))[0]
        cli.query(first_query, env=ENV)
        assert "0.58" in buffer.getvalue()
        assert "billed 10 MB" in buffer.getvalue()

        # ingest: the Terraform-created function, invoked synchronously (moto's Lambda without Docker).
        requests.post(
            f"{moto_server}/moto-api/static/lambda-simple/response",
            json={
                "results": [
                    json.dumps(
                        {"status": "SUCCEEDED", "run_id": "r-moto", "has_new_data": True, "new_rows": 42}
                    )
                ],
                "region": lake.region,
            },
            timeout=10,
        )
        cli.ingest(env=ENV)
        assert "has_new_data" in buffer.getvalue()

        # tables and status read the same resources; status names the code version Terraform deployed.
        with pytest.raises(LakeError, match="no tables catalogued"):  # moto's crawls create none (gap 7)
            cli.tables(env=ENV)
        cli.status(env=ENV)
        printed = buffer.getvalue()
        assert f"Glue code version: {version}" in printed
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
