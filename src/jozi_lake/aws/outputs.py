"""What Terraform deployed for an environment, read from ``terraform output -json``.

The deployed names (bucket, Glue jobs, crawlers, state machine, workgroup, Lambda) are Terraform's
to decide; the CLI never re-derives them, it reads the environment's outputs. They are read once per
process (``terraform output`` takes about a second). A test, or an operator without the state at hand,
can point :data:`OUTPUTS_FILE_ENV_VAR` at a JSON file holding the same ``terraform output -json`` document.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jozi_lake.config import EnvConfig, repo_root, terraform_requirement
from jozi_lake.errors import LakeError

OUTPUTS_FILE_ENV_VAR = "LAKE_TF_OUTPUTS_FILE"
DEFAULT_PRICE_PER_TB_USD = 5.0

# Output name(s) accepted for each field; the first is the name the environments declare (the table in
# docs/terraform-interfaces.md). The aliases keep the CLI working while outputs get renamed.
_OUTPUT_NAMES: dict[str, tuple[str, ...]] = {
    "bucket": ("bucket", "lake_bucket", "bucket_name"),
    "lake_root": ("lake_root",),
    "databases": ("databases", "database_names", "glue_databases"),
    "crawlers": ("crawler_names", "crawlers"),
    "jobs": ("job_names", "jobs", "glue_job_names"),
    "state_machine_arn": ("state_machine_arn", "pipeline_state_machine_arn"),
    "workgroup": ("athena_workgroup", "workgroup_name", "workgroup", "athena_workgroup_name"),
    "price_per_tb_usd": ("athena_price_per_tb_usd", "price_per_tb_usd", "price_per_tb"),
    "ingest_function": ("ingest_function_name", "ingest_lambda_name", "ingest_function"),
    "region": ("region", "aws_region"),
}
_REQUIRED = ("bucket", "jobs", "crawlers", "workgroup")


@dataclass(frozen=True)
class DeployedLake:
    """The names of one deployed environment's resources, as Terraform created them."""

    env: str
    region: str
    bucket: str
    lake_root: str
    databases: dict[str, str]
    crawlers: dict[str, str]
    jobs: dict[str, str]
    workgroup: str
    state_machine_arn: str | None = None
    ingest_function: str | None = None
    price_per_tb_usd: float = DEFAULT_PRICE_PER_TB_USD
    # The landing trigger's queue URLs when it is on (output landing_trigger): "landing" and "dead-letter".
    landing_queues: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def job_name(self, job: str) -> str:
        """The Glue job name of a lake.yaml job key (Terraform decides the name, e.g. with a prefix)."""
        try:
            return self.jobs[job]
        except KeyError:
            raise LakeError(
                f"environment {self.env} has no Glue job for {job!r} in its Terraform outputs",
                f"choose one of: {', '.join(sorted(self.jobs)) or '(none)'}; "
                f"or re-run 'make apply ENV={self.env}'",
            ) from None

    def crawler_name(self, layer: str) -> str:
        try:
            return self.crawlers[layer]
        except KeyError:
            raise LakeError(
                f"environment {self.env} has no crawler for layer {layer!r} in its Terraform outputs",
                f"choose one of: {', '.join(sorted(self.crawlers)) or '(none)'}",
            ) from None

    def database(self, layer: str) -> str:
        try:
            return self.databases[layer]
        except KeyError:
            raise LakeError(
                f"environment {self.env} has no Glue database for layer {layer!r}",
                f"choose one of: {', '.join(sorted(self.databases)) or '(none)'}",
            ) from None

    def require_state_machine(self) -> str:
        if not self.state_machine_arn:
            raise LakeError(
                f"environment {self.env} has no pipeline state machine in its Terraform outputs",
                f"run 'make apply ENV={self.env}' (the output is 'state_machine_arn')",
            )
        return self.state_machine_arn

    def require_ingest_function(self) -> str:
        if not self.ingest_function:
            raise LakeError(
                f"environment {self.env} has no ingest function in its Terraform outputs",
                f"run 'make apply ENV={self.env}' (the output is 'ingest_function_name')",
            )
        return self.ingest_function


def environment_dir(env_name: str) -> Path:
    return repo_root() / "environments" / env_name


def _run_terraform_output(env_name: str) -> str:
    """``terraform -chdir=environments/<env> output -json``; a missing binary or state is a LakeError."""
    chdir = environment_dir(env_name)
    if not chdir.is_dir():
        raise LakeError(f"no Terraform environment at {chdir}", "use --env dev or --env prod")
    terraform = shutil.which("terraform")
    if terraform is None:
        raise LakeError(
            "terraform is not installed, so the deployed names cannot be read",
            f"install Terraform {terraform_requirement()}, "
            f"or set {OUTPUTS_FILE_ENV_VAR} to a saved 'terraform output -json'",
        )
    proc = subprocess.run(
        [terraform, f"-chdir={chdir}", "output", "-no-color", "-json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if proc.returncode != 0:
        raise LakeError(
            f"cannot read the Terraform outputs of environment {env_name}: {_terraform_error(proc.stderr)}",
            f"run 'make plan ENV={env_name}' and 'make apply ENV={env_name}' (they init the state backend)",
        )
    return proc.stdout


def _terraform_error(stderr: str) -> str:
    """The ``Error:`` line of Terraform's diagnostics (warnings, e.g. no ~/.terraformrc, precede it)."""
    lines = [ln.strip(" │╷╵\t") for ln in stderr.splitlines()]
    for line in lines:
        if line.startswith("Error:"):
            return line.removeprefix("Error:").strip()
    return next((ln for ln in reversed(lines) if ln), "terraform output failed")


def _output_values(document: Any) -> dict[str, Any]:
    """``{"name": {"value": v, ...}}`` (terraform output -json) → ``{"name": v}``; plain values pass."""
    if not isinstance(document, dict):
        return {}
    values: dict[str, Any] = {}
    for name, entry in document.items():
        values[name] = entry["value"] if isinstance(entry, dict) and "value" in entry else entry
    return values


def _pick(values: dict[str, Any], key: str) -> Any:
    for name in _OUTPUT_NAMES[key]:
        if values.get(name) not in (None, "", {}, []):
            return values[name]
    return None


def parse_outputs(env: EnvConfig, document: Any) -> DeployedLake:
    """Turn a ``terraform output -json`` document into a :class:`DeployedLake` (or a LakeError)."""
    values = _output_values(document)
    if not values:
        raise LakeError(
            f"environment {env.name} has no Terraform outputs", f"run 'make apply ENV={env.name}' first"
        )
    missing = [_OUTPUT_NAMES[key][0] for key in _REQUIRED if _pick(values, key) is None]
    if missing:
        raise LakeError(
            f"environment {env.name}'s Terraform outputs lack {', '.join(missing)}",
            f"run 'make apply ENV={env.name}' with the current environments/{env.name} configuration",
        )
    bucket = str(_pick(values, "bucket"))
    price = _pick(values, "price_per_tb_usd")
    databases = _pick(values, "databases") or {}
    return DeployedLake(
        env=env.name,
        region=str(_pick(values, "region") or env.region),
        bucket=bucket,
        lake_root=str(_pick(values, "lake_root") or f"s3://{bucket}"),
        databases={str(k): str(v) for k, v in dict(databases).items()}
        or {layer: env.database(layer) for layer in ("bronze", "silver", "gold")},
        crawlers={str(k): str(v) for k, v in dict(_pick(values, "crawlers")).items()},
        jobs={str(k): str(v) for k, v in dict(_pick(values, "jobs")).items()},
        workgroup=str(_pick(values, "workgroup")),
        state_machine_arn=_pick(values, "state_machine_arn"),
        ingest_function=_pick(values, "ingest_function"),
        price_per_tb_usd=float(price) if price is not None else DEFAULT_PRICE_PER_TB_USD,
        landing_queues=_landing_queues(values.get("landing_trigger")),
        raw=values,
    )


def _landing_queues(trigger: Any) -> dict[str, str]:
    """The landing trigger's queue URLs from its output object; none when it is off or absent."""
    if not isinstance(trigger, dict) or not trigger.get("enabled"):
        return {}
    urls = {"landing": trigger.get("queue_url"), "dead-letter": trigger.get("dlq_url")}
    return {name: str(url) for name, url in urls.items() if url}


@cache
def _cached_document(env_name: str, outputs_file: str | None) -> str:
    if outputs_file:
        path = Path(outputs_file)
        if not path.is_file():
            raise LakeError(
                f"{OUTPUTS_FILE_ENV_VAR} points at {path}, which does not exist",
                f"unset {OUTPUTS_FILE_ENV_VAR} to read 'terraform output' of environments/{env_name}",
            )
        return path.read_text(encoding="utf-8")
    return _run_terraform_output(env_name)


def deployed_lake(env: EnvConfig) -> DeployedLake:
    """The deployed resources of ``env`` (``terraform output`` runs at most once per process and env)."""
    if env.is_local:
        raise LakeError("the local environment is not deployed on AWS", "use --env dev or --env prod")
    text = _cached_document(env.name, os.environ.get(OUTPUTS_FILE_ENV_VAR) or None)
    try:
        document = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as err:
        raise LakeError(
            f"the Terraform outputs of environment {env.name} are not JSON ({err.msg})",
            f"run 'terraform -chdir=environments/{env.name} output -json' to see what it prints",
        ) from None
    return parse_outputs(env, document)


def clear_cache() -> None:
    """Forget cached outputs (after an apply in the same process, and between tests)."""
    _cached_document.cache_clear()
