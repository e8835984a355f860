"""House rules for every Terraform module and environment, checked on the HCL itself.

`terraform validate`/`test` prove each module works; these tests hold all of them to the same
conventions, including modules added later (they are discovered by globbing): typed and described
variables, described outputs, the standard file layout with tests, a README that documents every
input and output, a provider pin that admits the mirrored provider, tags on every taggable resource,
and no IAM statement that allows every action.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
import pytest

REPO = Path(__file__).resolve().parents[2]
MODULE_DIRS = sorted(p.parent for p in (REPO / "modules").glob("*/main.tf"))
ENV_DIRS = sorted(p for p in (REPO / "environments").glob("*") if p.is_dir() and any(p.glob("*.tf")))
ROOT_DIRS = MODULE_DIRS + ENV_DIRS

# The provider and Terraform versions this repository is run with offline (see the field notes).
MIRRORED_AWS_PROVIDER = (5, 100, 0)
INSTALLED_TERRAFORM = (1, 11, 4)
PLUGIN_DIR = Path("/opt/tf-plugins")

REQUIRED_MODULE_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md")


def _ids(dirs: list[Path]) -> list[str]:
    return [str(d.relative_to(REPO)) for d in dirs]


def _unquote(value: Any) -> Any:
    """python-hcl2 keeps string literals quoted ('"text"'); expressions come as '${...}'."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


@cache
def _parse(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return hcl2.load(handle)


def _blocks(directory: Path, kind: str) -> dict[str, dict[str, Any]]:
    """Every `variable`/`output` block of a directory, by (unquoted) name."""
    found: dict[str, dict[str, Any]] = {}
    for tf_file in sorted(directory.glob("*.tf")):
        for block in _parse(tf_file).get(kind, []):
            for name, body in block.items():
                found[_unquote(name)] = body
    return found


def _resources(directory: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """(type, name, body) of every managed resource in a directory."""
    found = []
    for tf_file in sorted(directory.glob("*.tf")):
        for block in _parse(tf_file).get("resource", []):
            for rtype, named in block.items():
                for rname, body in named.items():
                    found.append((_unquote(rtype), _unquote(rname), body))
    return found


# --- version constraints ----------------------------------------------------------------------------------


def _version(text: str) -> tuple[int, ...]:
    parts = [int(p) for p in text.strip().split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def _satisfies(version: tuple[int, ...], constraint: str) -> bool:
    """Terraform's constraint syntax: comma-separated `op version` terms, all of which must hold."""
    for term in constraint.split(","):
        match = re.fullmatch(r"\s*(>=|<=|!=|~>|>|<|=)?\s*([0-9][0-9.]*)\s*", term)
        assert match, f"unparseable version constraint term {term!r} in {constraint!r}"
        op, raw = match.group(1) or "=", match.group(2)
        bound = _version(raw)
        if op == "~>":
            # ~> 5.67 means >= 5.67, < 6.0; ~> 5.67.1 means >= 5.67.1, < 5.68.0.
            depth = len(raw.split(".")) - 1
            upper = (*bound[: depth - 1], bound[depth - 1] + 1) if depth > 0 else (bound[0] + 1,)
            upper = tuple(list(upper) + [0] * (3 - len(upper)))
            if not (version >= bound and version < upper):
                return False
            continue
        checks = {
            ">=": version >= bound,
            "<=": version <= bound,
            ">": version > bound,
            "<": version < bound,
            "=": version == bound,
            "!=": version != bound,
        }
        if not checks[op]:
            return False
    return True


def test_constraint_evaluation_itself() -> None:
    """Guard the small evaluator the pin checks rely on."""
    assert _satisfies((5, 100, 0), ">= 5.67, < 6.0")
    assert not _satisfies((6, 0, 0), ">= 5.67, < 6.0")
    assert not _satisfies((5, 100, 0), "~> 5.67.0")
    assert _satisfies((5, 100, 0), "~> 5.67")
    assert not _satisfies((5, 66, 9), ">= 5.67")


# --- layout and documentation ------------------------------------------------------------------------------


def test_modules_and_environments_are_discovered() -> None:
    names = {d.name for d in MODULE_DIRS}
    assert {"s3-lake", "iam", "glue", "athena"} <= names, f"expected the core modules, found {sorted(names)}"


@pytest.mark.parametrize("module_dir", MODULE_DIRS, ids=_ids(MODULE_DIRS))
def test_module_has_standard_files_and_tests(module_dir: Path) -> None:
    missing = [name for name in REQUIRED_MODULE_FILES if not (module_dir / name).is_file()]
    assert not missing, f"{module_dir.name} lacks {missing}"
    tests = list((module_dir / "tests").glob("*.tftest.hcl"))
    assert tests, f"{module_dir.name} has no tests/*.tftest.hcl"


@pytest.mark.parametrize("root_dir", ROOT_DIRS, ids=_ids(ROOT_DIRS))
def test_versions_are_the_one_shared_file(root_dir: Path) -> None:
    """Terraform and provider versions are one fact: each root links to modules/versions.tf."""
    versions = root_dir / "versions.tf"
    assert versions.is_symlink(), f"{versions.relative_to(REPO)} must be a link to modules/versions.tf"
    assert versions.resolve() == (REPO / "modules" / "versions.tf").resolve()


@pytest.mark.parametrize("root_dir", ROOT_DIRS, ids=_ids(ROOT_DIRS))
def test_default_test_directory_loads_only_committed_mocks(root_dir: Path) -> None:
    """`terraform init` and `validate` read tests/ and stop on a mock folder that does not exist.

    A test there whose mocks are generated (build/) breaks a plain init, so `make plan` too, on a clean
    clone; such tests live in render/ and are run with -test-directory (jozi_lake.tooling.rendered).
    """
    build = (REPO / "build").resolve()
    generated = []
    source_line = re.compile(r'^\s*source\s*=\s*"([^"]+)"', re.MULTILINE)
    for test_file in sorted((root_dir / "tests").glob("*.tftest.hcl")):
        for source in source_line.findall(test_file.read_text(encoding="utf-8")):
            # Terraform resolves the folder from the root module, not from the test file.
            if (root_dir / source).resolve().is_relative_to(build):
                generated.append(f"{test_file.relative_to(REPO)} loads {source}")
    assert not generated, "; ".join(generated) + ": move the file out of tests/ (see environments/README.md)"


@pytest.mark.parametrize("module_dir", MODULE_DIRS, ids=_ids(MODULE_DIRS))
def test_module_tests_run_offline_and_exercise_validations(module_dir: Path) -> None:
    """Tests must run without credentials (mocked provider) and prove the module's own validations bite.

    `expect_failures` cannot reach a child module's variables, so only the module's own tests can.
    """
    test_text = "\n".join(p.read_text(encoding="utf-8") for p in (module_dir / "tests").glob("*.tftest.hcl"))
    assert re.search(r'^\s*mock_provider\s+"aws"', test_text, re.MULTILINE), (
        f'{module_dir.name}: tests must use mock_provider "aws" so they need no credentials'
    )
    has_validations = any("validation" in body for body in _blocks(module_dir, "variable").values())
    if has_validations:
        assert "expect_failures" in test_text, f"{module_dir.name}: no test checks its variable validations"


@pytest.mark.parametrize("root_dir", ROOT_DIRS, ids=_ids(ROOT_DIRS))
def test_every_variable_is_typed_and_described(root_dir: Path) -> None:
    problems = []
    for name, body in _blocks(root_dir, "variable").items():
        if "type" not in body:
            problems.append(f"variable {name} has no type")
        if not str(_unquote(body.get("description", ""))).strip():
            problems.append(f"variable {name} has no description")
    assert not problems, f"{root_dir.relative_to(REPO)}: " + "; ".join(problems)


@pytest.mark.parametrize("root_dir", ROOT_DIRS, ids=_ids(ROOT_DIRS))
def test_every_output_is_described(root_dir: Path) -> None:
    undescribed = [
        name
        for name, body in _blocks(root_dir, "output").items()
        if not str(_unquote(body.get("description", ""))).strip()
    ]
    assert not undescribed, f"{root_dir.relative_to(REPO)}: outputs without description: {undescribed}"


@pytest.mark.parametrize("module_dir", MODULE_DIRS, ids=_ids(MODULE_DIRS))
def test_readme_documents_every_input_and_output(module_dir: Path) -> None:
    readme_path = module_dir / "README.md"
    assert readme_path.is_file(), f"{module_dir.name} has no README.md"
    readme = readme_path.read_text(encoding="utf-8")
    inputs_heading = re.search(r"^#+\s*Inputs", readme, re.MULTILINE)
    outputs_heading = re.search(r"^#+\s*Outputs", readme, re.MULTILINE)
    assert inputs_heading, f"{module_dir.name}/README.md has no Inputs section"
    assert outputs_heading, f"{module_dir.name}/README.md has no Outputs section"
    assert inputs_heading.start() < outputs_heading.start(), f"{module_dir.name}/README.md: Inputs come first"
    inputs_part = readme[inputs_heading.start() : outputs_heading.start()]
    outputs_part = readme[outputs_heading.start() :]
    missing_inputs = [n for n in _blocks(module_dir, "variable") if f"`{n}`" not in inputs_part]
    missing_outputs = [n for n in _blocks(module_dir, "output") if f"`{n}`" not in outputs_part]
    assert not missing_inputs, f"{module_dir.name}/README.md Inputs lacks {missing_inputs}"
    assert not missing_outputs, f"{module_dir.name}/README.md Outputs lacks {missing_outputs}"


# --- versions ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("root_dir", ROOT_DIRS, ids=_ids(ROOT_DIRS))
def test_versions_pin_admits_the_mirrored_provider(root_dir: Path) -> None:
    terraform_blocks = [
        block for tf_file in root_dir.glob("*.tf") for block in _parse(tf_file).get("terraform", [])
    ]
    required_version = [_unquote(b["required_version"]) for b in terraform_blocks if "required_version" in b]
    assert required_version, f"{root_dir.relative_to(REPO)} does not pin required_version"
    assert _satisfies(INSTALLED_TERRAFORM, required_version[0]), f"required_version {required_version[0]!r}"

    aws_pins = [
        providers["aws"]
        for block in terraform_blocks
        for providers in block.get("required_providers", [])
        if "aws" in providers
    ]
    assert aws_pins, f"{root_dir.relative_to(REPO)} does not pin the aws provider"
    pin = aws_pins[0]
    assert _unquote(pin.get("source")) == "hashicorp/aws"
    assert _satisfies(MIRRORED_AWS_PROVIDER, _unquote(pin["version"])), (
        f"{root_dir.relative_to(REPO)}: aws version {pin['version']} does not admit 5.100.0"
    )


# --- tags --------------------------------------------------------------------------------------------------


@cache
def _taggable_resource_types() -> frozenset[str]:
    """Resource types whose schema has a `tags` argument, from the mirrored provider itself.

    Dumping the provider schema takes a while, so the answer is cached per provider version.
    """
    mirror = PLUGIN_DIR / "registry.terraform.io/hashicorp/aws"
    if shutil.which("terraform") is None or not mirror.is_dir():
        pytest.skip("needs terraform and the provider mirror to read the provider schema")
    provider_version = sorted(p.name for p in mirror.iterdir())[-1]
    workdir = REPO / ".pytest_cache" / "tf-provider-schema"
    cached = workdir / f"taggable-aws-{provider_version}.json"
    if cached.is_file():
        return frozenset(json.loads(cached.read_text(encoding="utf-8")))
    workdir.mkdir(parents=True, exist_ok=True)
    config = 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n'
    (workdir / "main.tf").write_text(config, encoding="utf-8")
    subprocess.run(
        ["terraform", "init", "-backend=false", "-input=false", f"-plugin-dir={PLUGIN_DIR}"],
        cwd=workdir,
        check=True,
        capture_output=True,
        timeout=300,
    )
    schema = subprocess.run(
        ["terraform", "providers", "schema", "-json"],
        cwd=workdir,
        check=True,
        capture_output=True,
        timeout=300,
    )
    provider = next(iter(json.loads(schema.stdout)["provider_schemas"].values()))
    taggable = sorted(
        rtype
        for rtype, rschema in provider["resource_schemas"].items()
        if "tags" in rschema["block"].get("attributes", {})
    )
    cached.write_text(json.dumps(taggable), encoding="utf-8")
    return frozenset(taggable)


@pytest.mark.terraform
@pytest.mark.parametrize("module_dir", MODULE_DIRS, ids=_ids(MODULE_DIRS))
def test_taggable_resources_carry_the_tags_variable(module_dir: Path) -> None:
    taggable = _taggable_resource_types()
    assert "aws_s3_bucket" in taggable, "provider schema looks wrong"
    assert "aws_s3_bucket_policy" not in taggable, "provider schema looks wrong"
    variables = _blocks(module_dir, "variable")
    assert "tags" in variables, f"{module_dir.name} has no `tags` variable"
    untagged = [
        f"{rtype}.{rname}"
        for rtype, rname, body in _resources(module_dir)
        if rtype in taggable and "tags" not in body
    ]
    assert not untagged, f"{module_dir.name}: taggable resources without tags: {untagged}"


@pytest.mark.parametrize("env_dir", ENV_DIRS, ids=_ids(ENV_DIRS))
def test_environments_set_provider_default_tags(env_dir: Path) -> None:
    providers = [
        body
        for tf_file in env_dir.glob("*.tf")
        for block in _parse(tf_file).get("provider", [])
        for name, body in block.items()
        if _unquote(name) == "aws"
    ]
    assert providers, f"{env_dir.relative_to(REPO)} configures no aws provider"
    assert all("default_tags" in body for body in providers), f"{env_dir.relative_to(REPO)}: no default_tags"


# --- IAM ---------------------------------------------------------------------------------------------------

# A "*" action in any policy notation used here: jsonencode objects (Action = "*" / ["x", "*"]),
# aws_iam_policy_document blocks (actions = ["*"]) and raw JSON ("Action": "*").
STAR_ACTION_PATTERNS = (
    re.compile(r"\bAction\s*=\s*(\[[^\]]*\"\*\"[^\]]*\]|\"\*\")"),
    re.compile(r"\bactions\s*=\s*\[[^\]]*\"\*\"[^\]]*\]"),
    re.compile(r"\"Action\"\s*:\s*(\[[^\]]*\"\*\"[^\]]*\]|\"\*\")"),
)


def _star_actions(text: str) -> list[str]:
    return [m.group(0) for pattern in STAR_ACTION_PATTERNS for m in pattern.finditer(text)]


def test_star_action_detector_catches_every_notation() -> None:
    assert _star_actions('Action = "*"')
    assert _star_actions('Action   = ["s3:GetObject", "*"]')
    assert _star_actions('actions = [\n  "*",\n]')
    assert _star_actions('{"Action": "*", "Resource": "*"}')
    assert not _star_actions('Action = "s3:*"\nResource = "*"')
    assert not _star_actions('NotAction = "*"')


@pytest.mark.parametrize("root_dir", ROOT_DIRS, ids=_ids(ROOT_DIRS))
def test_no_policy_allows_every_action(root_dir: Path) -> None:
    offenders = []
    for tf_file in sorted(root_dir.glob("*.tf")):
        offenders += [f"{tf_file.name}: {hit}" for hit in _star_actions(tf_file.read_text(encoding="utf-8"))]
    assert not offenders, f"{root_dir.relative_to(REPO)} grants every action: {offenders}"
