"""The final state of each environment, rendered offline, for the checks AWS would otherwise do at 02:30.

``terraform test`` with ``mock_provider "aws"`` applies ``environments/<env>`` without an account (the run
in ``environments/<env>/render/environment.tftest.hcl``). With ``-json -verbose`` it prints that run's
final state: every resource's attributes, so every policy document (the roles' policies and trusts are
``jsonencode``, the key, bucket and topic policies too), the state machine definition, the jobs' arguments,
the crawlers' configuration, the alarms and the dashboard. :func:`render` runs it once per environment and
writes what it printed to ``build/rendered/<env>/`` (one file per kind, so a failing check names a file a
person can open); the checks in ``tests/terraform/test_rendered_*.py`` and the validators read those files.

``make tf-test`` renders as a by-product of testing the environments (one ``terraform test`` per
environment, not two); pytest re-renders only when an input changed since (:func:`ensure`).

Mocked values: computed attributes nobody set are random 8-character strings, and the shared mocks
(``modules/tests-mocks``) give every resource of a type the same ARN. The ARNs that other resources refer
to get the values AWS would give them from ``environments/arns.tfmock.hcl.tmpl``, written once for every
environment: :func:`write_mocks` renders it with the environment's name prefix into ``build/tf-mocks/<env>/``
beside the shared mocks, the folder the environment's ``mock_provider "aws"`` loads. So the rendered state
is wired the way an account would wire it, and a new environment needs no copy of those ARNs.

    python -m jozi_lake.tooling.rendered dev prod     # what `make tf-render` runs
"""

from __future__ import annotations

import argparse
import json
import shutil
import string
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jozi_lake.config import terraform_requirement
from jozi_lake.errors import LakeError

RENDER_DIR = Path("build") / "rendered"
# Not tests/: the file loads build/tf-mocks/<env>/, generated here, and `terraform init` / `validate` read
# tests/ by default, so from a clean clone they would stop on the missing folder before anything renders.
TEST_DIR = "render"
TEST_FILE = f"{TEST_DIR}/environment.tftest.hcl"
# The mocks an environment's test loads: the shared ones plus its ARNs, rendered from one template.
MOCKS_DIR = Path("build") / "tf-mocks"
SHARED_MOCKS = Path("modules") / "tests-mocks"
ARN_TEMPLATE = Path("environments") / "arns.tfmock.hcl.tmpl"
ARN_MOCKS_FILE = "arns.tfmock.hcl"
# Attributes holding an IAM-style policy document, and what kind of document each resource type holds.
POLICY_ATTRIBUTES = ("policy", "assume_role_policy")
POLICY_KINDS = {
    ("aws_iam_role", "assume_role_policy"): "trust",
    ("aws_iam_role_policy", "policy"): "identity",
    ("aws_iam_policy", "policy"): "identity",
    ("aws_kms_key", "policy"): "key",
    ("aws_s3_bucket_policy", "policy"): "resource",
    ("aws_sns_topic_policy", "policy"): "resource",
    ("aws_sqs_queue_policy", "policy"): "resource",
}
# The inputs a render depends on (a newer one makes the rendered files stale).
INPUT_GLOBS = (
    "lake.yaml",
    "modules/**/*.tf",
    "modules/**/*.hcl",
    "modules/*/tests/fixtures/**/*",
    "environments/*.tf",
    "environments/*.tmpl",
    "environments/{env}/*.tf",
    "environments/{env}/*.tfvars",
    "environments/{env}/render/*.hcl",
    "sql/**/*.sql",
)


@dataclass(frozen=True)
class Resource:
    """One managed resource (or data source) of the rendered state."""

    address: str
    type: str
    mode: str
    values: dict[str, Any]

    @property
    def module(self) -> str:
        """``module.lake.module.iam`` for ``module.lake.module.iam.aws_iam_role.this["x"]``."""
        parts = self.address.split(".")
        head = []
        while len(parts) >= 2 and parts[0] == "module":
            head += parts[:2]
            parts = parts[2:]
        return ".".join(head)

    @property
    def key(self) -> str | None:
        """The for_each key (``x`` of ``...this["x"]``) or count index as text; None without one."""
        if self.address.endswith("]") and "[" in self.address:
            raw = self.address[self.address.rindex("[") + 1 : -1]
            return raw.strip('"')
        return None


@dataclass(frozen=True)
class PolicyDocument:
    """A policy document found in the state: where it is, what kind, and the parsed JSON."""

    address: str
    attribute: str
    kind: str  # identity | trust | key | resource
    document: dict[str, Any]

    @property
    def statements(self) -> list[dict[str, Any]]:
        found = self.document.get("Statement", [])
        return [found] if isinstance(found, dict) else list(found)


@dataclass
class Rendered:
    """The rendered environment: resources by address, outputs, and the provider's taggable types."""

    env: str
    resources: dict[str, Resource]
    outputs: dict[str, Any]
    taggable_types: frozenset[str] = field(default_factory=frozenset)

    def of_type(self, rtype: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.type == rtype and r.mode == "managed"]

    def one(self, rtype: str, contains: str = "") -> Resource:
        found = [r for r in self.of_type(rtype) if contains in r.address]
        if len(found) != 1:
            raise LakeError(f"{self.env}: expected one {rtype} matching {contains!r}, found {len(found)}")
        return found[0]

    def data(self, rtype: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.type == rtype and r.mode == "data"]

    @property
    def account_id(self) -> str:
        return str(self.data("aws_caller_identity")[0].values["account_id"])

    @property
    def region(self) -> str:
        return str(self.outputs["region"])

    def policies(self, kind: str | None = None) -> list[PolicyDocument]:
        found = []
        for resource in self.resources.values():
            if resource.mode != "managed":
                continue
            for attribute in POLICY_ATTRIBUTES:
                raw = resource.values.get(attribute)
                if not isinstance(raw, str) or not raw.strip().startswith("{"):
                    continue
                document = json.loads(raw)
                if "Statement" not in document:
                    continue
                doc_kind = POLICY_KINDS.get((resource.type, attribute), "resource")
                if kind is None or doc_kind == kind:
                    found.append(PolicyDocument(resource.address, attribute, doc_kind, document))
        return found

    def definition(self) -> dict[str, Any]:
        """The state machine definition (Amazon States Language) as deployed."""
        return json.loads(self.one("aws_sfn_state_machine").values["definition"])


# ------------------------------------------------------------------------------------------ rendering


def _repo() -> Path:
    from jozi_lake.config import repo_root

    return repo_root()


def env_dir(env: str, repo: Path | None = None) -> Path:
    return (repo or _repo()) / "environments" / env


def out_dir(env: str, repo: Path | None = None) -> Path:
    return (repo or _repo()) / RENDER_DIR / env


def mocks_dir(env: str, repo: Path | None = None) -> Path:
    return (repo or _repo()) / MOCKS_DIR / env


class _ArnTemplate(string.Template):
    """``@env`` and ``@prefix``: HCL keeps ``$`` (``$LATEST``, ``${...}``) and ``%`` for itself."""

    delimiter = "@"


def write_mocks(env: str, repo: Path | None = None) -> Path:
    """Write ``build/tf-mocks/<env>/``: the shared mocks and the environment's ARNs, for its test to load.

    Rewritten before every run (a few kilobytes), so an edited template or shared mock is always the one
    used. The template's leading comment describes the template and is replaced by a line saying where
    the file came from.
    """
    from jozi_lake.config import parse_config_text

    root = repo or _repo()
    lake_file = root / "lake.yaml"
    prefix = parse_config_text(lake_file.read_text(encoding="utf-8"), str(lake_file)).env(env).name_prefix
    _, _, blocks = (root / ARN_TEMPLATE).read_text(encoding="utf-8").partition("\n\n")
    try:
        arns = _ArnTemplate(blocks).substitute(env=env, prefix=prefix)
    except (KeyError, ValueError) as err:
        raise LakeError(
            f"{ARN_TEMPLATE} holds a placeholder other than @env and @prefix ({err})",
            "use @env or @prefix, or write @@ for a literal @",
        ) from None
    target = mocks_dir(env, root)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for shared in sorted((root / SHARED_MOCKS).glob("*.tfmock.hcl")):
        shutil.copyfile(shared, target / shared.name)
    header = (
        f"# Rendered from {ARN_TEMPLATE} for {env} (name prefix {prefix}); edit that file, not this one.\n\n"
    )
    (target / ARN_MOCKS_FILE).write_text(header + arns, encoding="utf-8")
    return target


def inputs(env: str, repo: Path | None = None) -> Iterator[Path]:
    root = repo or _repo()
    for pattern in INPUT_GLOBS:
        for path in root.glob(pattern.format(env=env)):
            if path.is_file() and ".terraform" not in path.parts:
                yield path


def is_stale(env: str, repo: Path | None = None) -> bool:
    state = out_dir(env, repo) / "state.json"
    if not state.is_file() or not (mocks_dir(env, repo) / ARN_MOCKS_FILE).is_file():
        return True  # never rendered, or its mocks (which the checks read too) are gone
    rendered_at = state.stat().st_mtime
    return any(path.stat().st_mtime > rendered_at for path in inputs(env, repo))


def _modules(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield module
    for child in module.get("child_modules", []):
        yield from _modules(child)


def extract(messages: Iterable[dict[str, Any]], env: str) -> tuple[Rendered, dict[str, Any]]:
    """The rendered environment from ``terraform test -json -verbose`` messages, and the test summary."""
    states = []
    summary: dict[str, Any] = {}
    failures: list[str] = []
    for message in messages:
        kind = message.get("type")
        if kind == "test_state" and message.get("@testfile") == TEST_FILE:
            states.append(message["test_state"])
        elif kind == "test_summary":
            summary = message["test_summary"]
        elif kind == "diagnostic" or message.get("@level") == "error":
            failures.append(str(message.get("@message", "")))
    if summary.get("status") != "pass":
        detail = "\n".join(f for f in failures if f) or json.dumps(summary)
        raise LakeError(f"terraform test of environments/{env} did not pass:\n{detail}")
    if len(states) != 1:
        raise LakeError(
            f"environments/{env}/{TEST_FILE} printed {len(states)} final states; expected one apply run",
            "keep exactly one `command = apply` run in that file",
        )
    state = states[0]
    resources: dict[str, Resource] = {}
    for module in _modules(state["root_module"]):
        for raw in module.get("resources", []):
            resources[raw["address"]] = Resource(raw["address"], raw["type"], raw["mode"], raw["values"])
    outputs = {name: entry.get("value") for name, entry in (state.get("outputs") or {}).items()}
    schemas = state.get("provider_schemas", {}).get("provider_schemas", state.get("provider_schemas", {}))
    taggable: set[str] = set()
    for provider in schemas.values():
        for rtype, schema in (provider.get("resource_schemas") or {}).items():
            if "tags" in schema.get("block", {}).get("attributes", {}):
                taggable.add(rtype)
    return Rendered(env, resources, outputs, frozenset(taggable)), summary


def run_terraform_test(env: str, repo: Path | None = None) -> list[dict[str, Any]]:
    """``terraform test -json -verbose`` in environments/<env> (offline init first when needed)."""
    terraform = shutil.which("terraform")
    if terraform is None:
        raise LakeError(
            "terraform is not installed",
            f"install Terraform {terraform_requirement()} to render the environments",
        )
    directory = env_dir(env, repo)
    write_mocks(env, repo)
    if not (directory / ".terraform").is_dir():
        plugin_dir = Path("/opt/tf-plugins")
        extra = [f"-plugin-dir={plugin_dir}"] if (plugin_dir / "registry.terraform.io").is_dir() else []
        subprocess.run(
            [terraform, f"-chdir={directory}", "init", "-backend=false", "-input=false", "-no-color", *extra],
            check=True,
            capture_output=True,
            timeout=600,
        )
    proc = subprocess.run(
        [
            terraform,
            f"-chdir={directory}",
            "test",
            f"-test-directory={TEST_DIR}",
            "-json",
            "-verbose",
            "-no-color",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    messages = []
    for line in proc.stdout.splitlines():
        try:
            messages.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    if proc.returncode != 0 and not any(m.get("type") == "test_summary" for m in messages):
        raise LakeError(f"terraform test in {directory} failed:\n{proc.stderr[-4000:]}")
    return messages


def _state_files(rendered: Rendered) -> dict[str, Any]:
    """The files written per environment: the whole state plus one file per kind the checks read."""
    by_type: dict[str, list[Resource]] = {}
    for resource in rendered.resources.values():
        if resource.mode == "managed":
            by_type.setdefault(resource.type, []).append(resource)

    def values(rtype: str, keep: tuple[str, ...] | None = None) -> dict[str, Any]:
        return {
            r.address: {k: v for k, v in r.values.items() if keep is None or k in keep}
            for r in by_type.get(rtype, [])
        }

    files: dict[str, Any] = {
        "state.json": {
            "env": rendered.env,
            "outputs": rendered.outputs,
            "resources": {
                a: {"type": r.type, "mode": r.mode, "values": r.values} for a, r in rendered.resources.items()
            },
        },
        "policies.json": [
            {"address": p.address, "attribute": p.attribute, "kind": p.kind, "document": p.document}
            for p in rendered.policies()
        ],
        "jobs.json": values("aws_glue_job"),
        "crawlers.json": values("aws_glue_crawler"),
        "alarms.json": values("aws_cloudwatch_metric_alarm"),
        "dashboards.json": {
            r.address: json.loads(r.values["dashboard_body"])
            for r in by_type.get("aws_cloudwatch_dashboard", [])
        },
        "taggable-types.json": sorted(rendered.taggable_types),
    }
    machines = by_type.get("aws_sfn_state_machine", [])
    if machines:
        files["state-machine.asl.json"] = json.loads(machines[0].values["definition"])
    return files


def write(rendered: Rendered, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    # state.json last: its mtime marks the render as complete (is_stale reads it).
    files = _state_files(rendered)
    for name in sorted(files, key=lambda n: n == "state.json"):
        path = directory / name
        path.write_text(json.dumps(files[name], indent=1, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written


def render(env: str, repo: Path | None = None) -> tuple[Rendered, dict[str, Any]]:
    """Run the environment's terraform test and write its final state to build/rendered/<env>/."""
    rendered, summary = extract(run_terraform_test(env, repo), env)
    write(rendered, out_dir(env, repo))
    return rendered, summary


def load(env: str, repo: Path | None = None) -> Rendered:
    directory = out_dir(env, repo)
    raw = json.loads((directory / "state.json").read_text(encoding="utf-8"))
    taggable = json.loads((directory / "taggable-types.json").read_text(encoding="utf-8"))
    resources = {
        address: Resource(address, entry["type"], entry["mode"], entry["values"])
        for address, entry in raw["resources"].items()
    }
    return Rendered(env, resources, raw["outputs"], frozenset(taggable))


def ensure(env: str, repo: Path | None = None) -> Rendered:
    """The rendered environment, rendering it first when no render exists or an input is newer."""
    if is_stale(env, repo):
        render(env, repo)
    return load(env, repo)


def environments(repo: Path | None = None) -> list[str]:
    """The environments with Terraform (environments/<env>/*.tf)."""
    root = (repo or _repo()) / "environments"
    return sorted(p.name for p in root.iterdir() if p.is_dir() and any(p.glob("*.tf")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render environments offline into build/rendered/<env>/.")
    parser.add_argument("envs", nargs="*", help="environments (default: all with Terraform)")
    parser.add_argument("--if-stale", action="store_true", help="skip environments whose render is current")
    args = parser.parse_args(argv)
    try:
        for env in args.envs or environments():
            if args.if_stale and not is_stale(env):
                print(f"rendered {env}: up to date in {out_dir(env)}")
                continue
            started = time.monotonic()
            rendered, summary = render(env)
            print(
                f"terraform test environments/{env}: {summary.get('passed', 0)} passed, "
                f"{summary.get('failed', 0)} failed; rendered {len(rendered.resources)} resources to "
                f"{out_dir(env).relative_to(_repo())}/ in {time.monotonic() - started:.0f} s"
            )
    except LakeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
