"""Publishing the Glue code to moto's S3: keys, versions, pointer order and no needless re-uploads."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from aws_fakes import BUCKET, FakeDeployment, make_repo

from jozi_lake.aws import commands, outputs, package, scripts
from jozi_lake.aws.clients import open_session
from jozi_lake.aws.package import build_bundle
from jozi_lake.config import env_config
from jozi_lake.errors import LakeError


def keys(deployed: FakeDeployment, prefix: str = "scripts/") -> list[str]:
    listing = deployed.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sorted(o["Key"] for o in listing.get("Contents", []))


def read_json(deployed: FakeDeployment, key: str) -> dict:
    return json.loads(deployed.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read())


def test_upload_lands_at_versioned_keys_then_the_pointer(deployed: FakeDeployment, tmp_path: Path) -> None:
    bundle = build_bundle(make_repo(tmp_path))
    aws = open_session(env_config("dev"))
    result = scripts.upload_bundle(aws, bundle, ["bronze_to_silver", "silver_to_gold"])

    version = f"scripts/{bundle.version}/"
    assert keys(deployed) == [
        "scripts/current.json",
        f"{version}glue_scripts/bronze_to_silver.py",
        f"{version}glue_scripts/silver_to_gold.py",
        f"{version}jozi_lake.zip",
        f"{version}manifest.json",
    ]
    # The pointer is written after the manifest, which is written after every file of the version.
    assert result.uploaded[-2:] == [f"{version}manifest.json", "scripts/current.json"]
    pointer = read_json(deployed, "scripts/current.json")
    assert pointer["version"] == bundle.version
    assert pointer["extra_py_files"] == f"s3://{BUCKET}/{version}jozi_lake.zip"
    manifest = read_json(deployed, f"{version}manifest.json")
    assert manifest["files"]["jozi_lake.zip"] == bundle.zip_file.sha256
    uploaded_zip = (
        deployed.client("s3").get_object(Bucket=BUCKET, Key=f"{version}jozi_lake.zip")["Body"].read()
    )
    assert "jozi_lake/jobs/bronze_to_silver.py" in zipfile.ZipFile(io.BytesIO(uploaded_zip)).namelist()
    # moto lacks UpdateJob: reported per job, never silently ignored.
    assert set(result.jobs_not_repointed) == {
        "jozi-pizza-dev-bronze_to_silver",
        "jozi-pizza-dev-silver_to_gold",
    }
    assert all("UpdateJob" in reason for reason in result.jobs_not_repointed.values())


def test_unchanged_code_is_not_uploaded_again(deployed: FakeDeployment, tmp_path: Path) -> None:
    bundle = build_bundle(make_repo(tmp_path))
    aws = open_session(env_config("dev"))
    scripts.upload_bundle(aws, bundle, [])
    again = scripts.upload_bundle(aws, bundle, [])
    assert again.uploaded == []
    assert len(again.unchanged) == len(bundle.files)
    assert again.previous_version == bundle.version


def test_interrupted_upload_resumes_with_only_the_missing_files(
    deployed: FakeDeployment, tmp_path: Path
) -> None:
    bundle = build_bundle(make_repo(tmp_path))
    aws = open_session(env_config("dev"))
    scripts.upload_bundle(aws, bundle, [])
    s3 = deployed.client("s3")
    prefix = f"scripts/{bundle.version}/"
    # Simulate a run that died after the zip: manifest and one entry script missing, pointer still old.
    s3.delete_object(Bucket=BUCKET, Key=f"{prefix}manifest.json")
    s3.delete_object(Bucket=BUCKET, Key=f"{prefix}glue_scripts/silver_to_gold.py")
    resumed = scripts.upload_bundle(aws, bundle, [])
    assert resumed.uploaded == [f"{prefix}glue_scripts/silver_to_gold.py", f"{prefix}manifest.json"]
    assert f"{prefix}jozi_lake.zip" in resumed.unchanged


def test_a_changed_source_publishes_a_new_version_and_moves_the_pointer(
    deployed: FakeDeployment, tmp_path: Path
) -> None:
    aws = open_session(env_config("dev"))
    first = build_bundle(make_repo(tmp_path / "v1"))
    scripts.upload_bundle(aws, first, [])
    second = build_bundle(make_repo(tmp_path / "v2", {"glue_scripts/silver_to_gold.py": "import os\n"}))
    result = scripts.upload_bundle(aws, second, [])
    assert result.previous_version == first.version
    pointer = read_json(deployed, "scripts/current.json")
    assert pointer == {**pointer, "version": second.version, "previous_version": first.version}
    # The old version stays whole: a run that started on it keeps reading consistent files.
    assert f"scripts/{first.version}/jozi_lake.zip" in keys(deployed)


def test_upload_scripts_command_prints_the_version(
    deployed: FakeDeployment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path)
    monkeypatch.setattr(package, "repo_root", lambda: repo)
    commands.upload_scripts(env_config("dev"))
    version = build_bundle(repo).version
    assert version in deployed.printed
    assert "warning: job jozi-pizza-dev-bronze_to_silver was not repointed" in deployed.printed
    assert "jozi_lake.query.engine" in deployed.printed  # left out of the package, and said so


def test_upload_refuses_a_job_without_entry_script(deployed: FakeDeployment, tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "glue_scripts" / "silver_to_gold.py").unlink()
    aws = open_session(env_config("dev"))
    with pytest.raises(LakeError, match=r"no entry script glue_scripts/silver_to_gold\.py"):
        scripts.upload_bundle(aws, build_bundle(repo), ["bronze_to_silver", "silver_to_gold"])


def test_upload_tells_how_to_keep_terraform_on_the_new_version(
    deployed: FakeDeployment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = json.loads(deployed.outputs_file.read_text())
    document["scripts_version"] = {"sensitive": False, "type": "string", "value": "current"}
    deployed.outputs_file.write_text(json.dumps(document))
    outputs.clear_cache()
    repo = make_repo(tmp_path)
    monkeypatch.setattr(package, "repo_root", lambda: repo)
    commands.upload_scripts(env_config("dev"))
    version = build_bundle(repo).version
    assert (
        f"Terraform's scripts_version for dev is 'current'; set scripts_version = \"{version}\""
        in " ".join(deployed.printed.split())
    )
