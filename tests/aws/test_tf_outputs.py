"""Terraform outputs → DeployedLake, and the errors when they are missing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from aws_fakes import outputs_document

from jozi_lake.aws import outputs
from jozi_lake.aws.outputs import DeployedLake, deployed_lake, parse_outputs
from jozi_lake.config import env_config
from jozi_lake.errors import LakeError


@pytest.fixture(autouse=True)
def _fresh_outputs() -> Iterator[None]:
    """Each test reads the outputs anew: deployed_lake caches them per process."""
    outputs.clear_cache()
    yield
    outputs.clear_cache()


def deployed_error(env: str) -> LakeError:
    """The LakeError reading ``env``'s deployed names raises."""
    with pytest.raises(LakeError) as caught:
        deployed_lake(env_config(env))
    return caught.value


def test_outputs_document_becomes_typed_names() -> None:
    document = outputs_document(
        {
            "bucket": "b-lake",
            "job_names": {"bronze_to_silver": "j1", "silver_to_gold": "j2"},
            "crawler_names": {"bronze": "c1"},
            "athena_workgroup": "wg",
            "athena_price_per_tb_usd": 6.25,
            "state_machine_arn": "arn:aws:states:af-south-1:1:stateMachine:p",
        }
    )
    lake = parse_outputs(env_config("dev"), document)
    assert isinstance(lake, DeployedLake)
    assert lake.bucket == "b-lake" and lake.lake_root == "s3://b-lake"
    assert lake.job_name("silver_to_gold") == "j2"
    assert lake.crawler_name("bronze") == "c1"
    assert lake.price_per_tb_usd == 6.25
    assert lake.region == "af-south-1"  # not in the outputs: lake.yaml's region
    assert lake.databases["gold"] == "jozi_pizza_dev_gold"  # not in the outputs: the config's derivation
    assert lake.ingest_function is None
    with pytest.raises(LakeError, match="no Glue job for 'nope'"):
        lake.job_name("nope")
    with pytest.raises(LakeError, match="no ingest function"):
        lake.require_ingest_function()


def test_empty_outputs_mean_not_applied() -> None:
    with pytest.raises(LakeError) as caught:
        parse_outputs(env_config("dev"), {})
    assert caught.value.message == "environment dev has no Terraform outputs"
    assert caught.value.hint == "run 'make apply ENV=dev' first"


def test_partial_outputs_name_what_is_missing() -> None:
    with pytest.raises(LakeError, match="lack job_names, crawler_names, athena_workgroup"):
        parse_outputs(env_config("prod"), outputs_document({"bucket": "b"}))


def test_outputs_file_is_read_once_per_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "out.json"
    values = {
        "bucket": "b1",
        "job_names": {"a": "A"},
        "crawler_names": {"bronze": "c"},
        "athena_workgroup": "w",
    }
    path.write_text(json.dumps(outputs_document(values)))
    monkeypatch.setenv(outputs.OUTPUTS_FILE_ENV_VAR, str(path))
    assert deployed_lake(env_config("dev")).bucket == "b1"
    path.write_text(json.dumps(outputs_document({**values, "bucket": "b2"})))
    assert deployed_lake(env_config("dev")).bucket == "b1"  # cached
    outputs.clear_cache()
    assert deployed_lake(env_config("dev")).bucket == "b2"
    path.write_text("{not json")
    outputs.clear_cache()
    assert "not JSON" in deployed_error("dev").message


def test_missing_outputs_file_and_local_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(outputs.OUTPUTS_FILE_ENV_VAR, str(tmp_path / "absent.json"))
    assert "does not exist" in deployed_error("dev").message
    assert "not deployed on AWS" in deployed_error("local").message


def test_terraform_output_of_an_unapplied_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real terraform binary on an environment without state prints no outputs → the apply hint."""
    import shutil

    if shutil.which("terraform") is None:
        pytest.skip("terraform binary not installed")
    env_dir = tmp_path / "environments" / "dev"
    env_dir.mkdir(parents=True)
    (env_dir / "main.tf").write_text('output "bucket" {\n  value = "x"\n}\n')
    monkeypatch.delenv(outputs.OUTPUTS_FILE_ENV_VAR, raising=False)
    monkeypatch.setattr(outputs, "environment_dir", lambda name: tmp_path / "environments" / name)
    error = deployed_error("dev")
    assert error.message == "environment dev has no Terraform outputs"
    assert "make apply ENV=dev" in (error.hint or "")


def test_uninitialised_backend_is_reported_by_its_terraform_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    if shutil.which("terraform") is None:
        pytest.skip("terraform binary not installed")
    env_dir = tmp_path / "environments" / "prod"
    env_dir.mkdir(parents=True)
    (env_dir / "backend.tf").write_text(
        'terraform {\n  backend "s3" {\n    bucket = "b"\n    key    = "k"\n'
        '    region = "af-south-1"\n  }\n}\n'
    )
    monkeypatch.delenv(outputs.OUTPUTS_FILE_ENV_VAR, raising=False)
    monkeypatch.setattr(outputs, "environment_dir", lambda name: tmp_path / "environments" / name)
    error = deployed_error("prod")
    assert error.message == (
        "cannot read the Terraform outputs of environment prod: "
        'Backend initialization required, please run "terraform init"'
    )
    assert "make apply ENV=prod" in (error.hint or "")


def _declared_outputs(directory: Path) -> dict[str, str]:
    """Output name => its value expression, from a Terraform directory's .tf files (python-hcl2)."""
    import hcl2

    found: dict[str, str] = {}
    for tf_file in sorted(directory.glob("*.tf")):
        with tf_file.open(encoding="utf-8") as handle:
            for block in hcl2.load(handle).get("output", []):
                for name, body in block.items():
                    found[name.strip('"')] = str(body["value"])
    return found


def test_every_environment_declares_the_outputs_the_cli_reads() -> None:
    """The names outputs.py reads first (and `lake status`' glue_code_version and landing_trigger) exist in
    every environment, each passed through from modules/lake under the same name."""
    root = Path(__file__).resolve().parents[2]
    lake_outputs = _declared_outputs(root / "modules" / "lake")
    wanted = {names[0] for names in outputs._OUTPUT_NAMES.values()} | {"glue_code_version", "landing_trigger"}
    for env in ("dev", "prod"):
        declared = _declared_outputs(root / "environments" / env)
        missing = sorted(wanted - declared.keys())
        assert not missing, f"environments/{env} does not declare {missing}"
        for name in wanted:
            assert declared[name] == f"${{module.lake.{name}}}", (
                f"environments/{env}: {name} is not passed through"
            )
            assert name in lake_outputs, f"modules/lake has no output {name}"


def test_without_terraform_the_hint_asks_for_the_version_the_modules_require(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hint reads modules/versions.tf, so it cannot ask for a version the configuration does not need."""
    root = Path(__file__).resolve().parents[2]
    required = re.search(r'required_version\s*=\s*"([^"]+)"', (root / "modules" / "versions.tf").read_text())
    assert required is not None
    monkeypatch.delenv(outputs.OUTPUTS_FILE_ENV_VAR, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no terraform on it
    error = deployed_error("dev")
    assert error.message == "terraform is not installed, so the deployed names cannot be read"
    assert (error.hint or "").startswith(f"install Terraform {required.group(1)}, or set")
