"""Grants match use: the AWS API actions the lake's code calls, per role, read from the code itself.

The roles whose permissions the Python code exercises are the Lambda functions' (each handler of
:data:`~jozi_lake.tooling.bundle.LAMBDA_HANDLERS`, ``lambda/ingest_handler.py`` and
``lambda/landing_trigger.py``, with what it reaches) and the Glue jobs' (the entry scripts of lake.yaml
``jobs`` and what they reach).
Which modules a runtime reaches is :func:`jozi_lake.tooling.bundle.reachable_modules`, the same walk that
builds the zips. In those modules (and the entry scripts) every ``<x>.client("<service>")`` names a
service, and every attribute call ``<y>.<name>(`` whose name is one of that service's operations in
botocore's service model (``xform_name`` of ``operation_names``), or a ``get_paginator("<op>")``, is a
call of that operation. The IAM action is the service's IAM prefix plus the operation's name, except for
the few operations IAM authorises under another action (:data:`IAM_ACTION_OF`).

What the code does not show (Spark's S3 access through EMRFS, the Glue and Lambda runtimes, SSE-KMS) is
listed in the use tables of tests/terraform/test_rendered_grants.py, each row with its reason; the scan
decides which rows must be code rows, so the table cannot claim a call the code does not make or miss one
it makes. The CLI's AWS backend (``jozi_lake.aws``) runs as the operator's own credentials (no role of the
lake's): :func:`operator_actions` lists what it calls for docs/operating-on-aws.md.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jozi_lake.tooling import bundle

# botocore client name -> IAM service prefix, where they differ (botocore's signingName is "monitoring").
IAM_PREFIX = {"cloudwatch": "cloudwatch", "stepfunctions": "states", "s3": "s3"}
# Operations IAM authorises under another action (Amazon S3 user guide, "actions for object and bucket
# operations"): a HEAD is a read, listing objects is ListBucket. A conditional write (put_object with
# IfNoneMatch / IfMatch, jozi_lake.storage create/replace_if) is still s3:PutObject.
IAM_ACTION_OF = {
    "s3:HeadObject": "s3:GetObject",
    "s3:ListObjectsV2": "s3:ListBucket",
    "s3:ListObjects": "s3:ListBucket",
    "s3:HeadBucket": "s3:ListBucket",
    "lambda:Invoke": "lambda:InvokeFunction",
}


@dataclass(frozen=True)
class Call:
    """One API call site: where, which service and operation, and the IAM action it needs."""

    module: str
    line: int
    service: str
    operation: str

    @property
    def action(self) -> str:
        prefix = IAM_PREFIX.get(self.service)
        if prefix is None:
            model = _service_model(self.service)
            prefix = str(model.metadata.get("signingName") or model.endpoint_prefix)
        raw = f"{prefix}:{self.operation}"
        return IAM_ACTION_OF.get(raw, raw)


@cache
def _session() -> Any:
    import botocore.session

    return botocore.session.get_session()


@cache
def _service_model(service: str) -> Any:
    return _session().get_service_model(service)


@cache
def _operations(service: str) -> dict[str, str]:
    """snake_case method name -> operation name, from botocore's service model."""
    from botocore import xform_name

    return {xform_name(op): op for op in _service_model(service).operation_names}


# Functions that build a client: boto3's (``<x>.client("s3")``) and the runtime's one builder
# (``retries.runtime_client("s3")``, boto3 with standard retries).
CLIENT_BUILDERS = frozenset({"client", "runtime_client"})


def _creates_client(func: ast.expr) -> bool:
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    return name in CLIENT_BUILDERS


def scan_calls(files: Iterable[tuple[str, Path]]) -> list[Call]:
    """Every boto3 API call in ``files`` (module name, path), for the services they create clients of."""
    trees = [(name, ast.parse(path.read_text(encoding="utf-8"))) for name, path in files]
    services: set[str] = set()
    for _, tree in trees:
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and _creates_client(node.func)
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                services.add(node.args[0].value)
    by_method = {svc: _operations(svc) for svc in sorted(services)}
    calls: list[Call] = []
    for name, tree in trees:
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            method = node.func.attr
            if method == "get_paginator" and node.args and isinstance(node.args[0], ast.Constant):
                method = str(node.args[0].value)
            for svc, ops in by_method.items():
                if method in ops:
                    calls.append(Call(name, node.lineno, svc, ops[method]))
    return calls


def _repo() -> Path:
    from jozi_lake.config import repo_root

    return repo_root()


def lambda_files(root: Path | None = None, handler_name: str = "ingest_handler.py") -> list[tuple[str, Path]]:
    """One Lambda handler of the zip and the modules it reaches (each handler runs as its own role)."""
    root = root or _repo()
    handler = root / "lambda" / handler_name
    modules, _ = bundle.reachable_modules([handler], root / "src", bundle.LAMBDA)
    return [(f"lambda.{handler.stem}", handler), *sorted(modules.items())]


def glue_files(root: Path | None = None) -> list[tuple[str, Path]]:
    from jozi_lake.jobs.registry import RUN_FUNCTIONS

    root = root or _repo()
    entries = bundle.glue_entries(root)
    roots = [target.split(":")[0] for target in RUN_FUNCTIONS.values()]
    modules, _ = bundle.reachable_modules(entries, root / "src", bundle.GLUE, roots=roots)
    return [*((f"glue_scripts.{e.stem}", e) for e in entries), *sorted(modules.items())]


def operator_files(root: Path | None = None) -> list[tuple[str, Path]]:
    """The CLI's AWS backend and the storage it drives."""
    root = root or _repo()
    src = root / "src" / "jozi_lake"
    paths = [*sorted((src / "aws").glob("*.py")), src / "storage.py"]
    return [
        (f"jozi_lake.{p.relative_to(src).with_suffix('').as_posix().replace('/', '.')}", p) for p in paths
    ]


def actions(calls: Iterable[Call]) -> set[str]:
    return {call.action for call in calls}


def code_actions_by_role(root: Path | None = None) -> dict[str, set[str]]:
    """The IAM actions the code of each role calls (keys are the iam module's role keys)."""
    found = {
        role: actions(scan_calls(lambda_files(root, handler)))
        for handler, role in bundle.LAMBDA_HANDLERS.items()
    }
    return {**found, "glue_job": actions(scan_calls(glue_files(root)))}


def operator_actions(root: Path | None = None) -> set[str]:
    return actions(scan_calls(operator_files(root)))
