"""Publishing the Glue code: versioned, complete-before-visible, and cheap to repeat.

Layout in the lake bucket (``prefixes.scripts`` in lake.yaml)::

    scripts/<version>/jozi_lake.zip              --extra-py-files
    scripts/<version>/glue_scripts/<job>.py      ScriptLocation
    scripts/<version>/manifest.json              written after every file above: the version is complete
    scripts/current.json                         written last: the version jobs use

A version prefix is immutable (its name is the hash of its contents), so a job that started on the
previous version keeps reading consistent files while a new one uploads. Nothing points at a version
until its manifest exists: first ``current.json`` moves, then each Glue job definition is repointed
(``UpdateJob``: script location and ``--extra-py-files``). Runs started by ``lake run-job`` also pass
``--extra-py-files`` of the current version explicitly, so they use the published package even where a
job definition could not be repointed (an emulator without UpdateJob; see docs/aws-emulator.md).

Re-running with unchanged sources uploads nothing: a complete version is recognised by its manifest, and a
half-finished one resumes with only the files whose SHA-256 (kept as object metadata, because ETags are
not MD5s under SSE-KMS) differs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from jozi_lake.aws.clients import AwsSession, aws_errors, error_code
from jozi_lake.aws.package import ZIP_NAME, GlueBundle
from jozi_lake.config import load_config
from jozi_lake.errors import LakeError

CURRENT_POINTER = "current.json"
MANIFEST = "manifest.json"
SHA_METADATA_KEY = "sha256"


def scripts_prefix() -> str:
    return load_config().prefixes.get("scripts", "scripts/")


def version_prefix(version: str) -> str:
    return f"{scripts_prefix()}{version}/"


@dataclass
class UploadResult:
    version: str
    uploaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    jobs_repointed: list[str] = field(default_factory=list)
    jobs_not_repointed: dict[str, str] = field(default_factory=dict)
    previous_version: str | None = None


def _head_sha(s3: Any, bucket: str, key: str) -> str | None:
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as err:
        if error_code(err) in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return head.get("Metadata", {}).get(SHA_METADATA_KEY)


def read_current_version(aws: AwsSession) -> dict[str, Any] | None:
    """The ``scripts/current.json`` pointer, or None before the first upload."""
    s3 = aws.client("s3")
    key = f"{scripts_prefix()}{CURRENT_POINTER}"
    with aws_errors(aws, f"reading s3://{aws.lake.bucket}/{key}"):
        try:
            body = s3.get_object(Bucket=aws.lake.bucket, Key=key)["Body"].read()
        except ClientError as err:
            if error_code(err) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
    try:
        pointer = json.loads(body)
    except json.JSONDecodeError:
        raise LakeError(
            f"s3://{aws.lake.bucket}/{key} is not JSON",
            f"re-publish the code: lake upload-scripts --env {aws.env.name}",
        ) from None
    return pointer if isinstance(pointer, dict) and pointer.get("version") else None


def upload_bundle(aws: AwsSession, bundle: GlueBundle, job_keys: list[str]) -> UploadResult:
    """Upload ``bundle`` as a version, then point ``scripts/current.json`` and the Glue jobs at it."""
    s3 = aws.client("s3")
    bucket = aws.lake.bucket
    prefix = version_prefix(bundle.version)
    result = UploadResult(version=bundle.version)
    manifest_key = f"{prefix}{MANIFEST}"

    with aws_errors(aws, f"uploading the Glue code to s3://{bucket}/{prefix}"):
        complete = _head_sha(s3, bucket, manifest_key) is not None
        for item in bundle.files:
            key = f"{prefix}{item.relative_key}"
            if complete or _head_sha(s3, bucket, key) == item.sha256:
                result.unchanged.append(key)
                continue
            s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=item.data,
                ContentType="application/zip" if key.endswith(".zip") else "text/x-python",
                Metadata={SHA_METADATA_KEY: item.sha256},
            )
            result.uploaded.append(key)
        if not complete:
            manifest = {
                "version": bundle.version,
                "files": {f.relative_key: f.sha256 for f in bundle.files},
                "excluded_modules": list(bundle.excluded_modules),
            }
            s3.put_object(
                Bucket=bucket,
                Key=manifest_key,
                Body=json.dumps(manifest, indent=2, sort_keys=True).encode(),
                ContentType="application/json",
                Metadata={SHA_METADATA_KEY: "manifest"},
            )
            result.uploaded.append(manifest_key)

    previous = read_current_version(aws)
    result.previous_version = previous.get("version") if previous else None
    if result.previous_version != bundle.version:
        pointer = {
            "version": bundle.version,
            "prefix": prefix,
            "extra_py_files": f"s3://{bucket}/{prefix}{ZIP_NAME}",
            "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "previous_version": result.previous_version,
        }
        key = f"{scripts_prefix()}{CURRENT_POINTER}"
        with aws_errors(aws, f"writing s3://{bucket}/{key}"):
            s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=json.dumps(pointer, indent=2).encode(),
                ContentType="application/json",
            )
        result.uploaded.append(key)

    jobs = load_config().jobs
    for job_key in job_keys:
        glue_name = aws.lake.job_name(job_key)
        # The repository-relative path Terraform also uses under scripts/<version>/ (lake.yaml jobs.*.script).
        entry = str(jobs.get(job_key, {}).get("script", bundle.entry_script_key(job_key)))
        if entry not in {f.relative_key for f in bundle.files}:
            raise LakeError(
                f"no entry script {entry} for job {job_key}",
                f"add {entry} (lake.yaml jobs.{job_key}.script) to the repository",
            )
        outcome = repoint_job(
            aws, glue_name, f"s3://{bucket}/{prefix}{entry}", f"s3://{bucket}/{prefix}{ZIP_NAME}"
        )
        if outcome is None:
            result.jobs_repointed.append(glue_name)
        else:
            result.jobs_not_repointed[glue_name] = outcome
    return result


# JobUpdate members that get_job returns and update_job accepts. UpdateJob *replaces* the definition,
# so every member that is not sent is reset: copy them all from the current definition.
def _job_update_members(glue: Any) -> list[str]:
    shape = glue.meta.service_model.shape_for("JobUpdate")
    return list(shape.members)


def repoint_job(aws: AwsSession, glue_name: str, script_location: str, extra_py_files: str) -> str | None:
    """Point a Glue job at a script version; returns None, or why the definition was left as it was."""
    glue = aws.client("glue")
    with aws_errors(aws, f"reading Glue job {glue_name}"):
        job = glue.get_job(JobName=glue_name)["Job"]
    command = dict(job.get("Command", {}))
    arguments = dict(job.get("DefaultArguments", {}))
    if (
        command.get("ScriptLocation") == script_location
        and arguments.get("--extra-py-files") == extra_py_files
    ):
        return None
    command["ScriptLocation"] = script_location
    arguments["--extra-py-files"] = extra_py_files
    update = {name: job[name] for name in _job_update_members(glue) if name in job}
    update["Command"] = command
    update["DefaultArguments"] = arguments
    update.pop("AllocatedCapacity", None)  # deprecated in favour of MaxCapacity
    if update.get("WorkerType"):
        # get_job reports MaxCapacity derived from the workers; sending both is rejected.
        update.pop("MaxCapacity", None)
    with aws_errors(aws, f"repointing Glue job {glue_name}"):
        try:
            glue.update_job(JobName=glue_name, JobUpdate=update)
        except NotImplementedError:  # moto in-process raises this for an action it lacks
            return "this endpoint does not implement UpdateJob"
        except ClientError as err:
            if _is_not_implemented(err):
                return "this endpoint does not implement UpdateJob"
            raise
    return None


def _is_not_implemented(err: ClientError) -> bool:
    """An emulator's answer for a missing action (AWS itself implements UpdateJob everywhere)."""
    text = str(err).lower()
    status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return error_code(err) in ("NotImplemented", "NotImplementedError") or (
        status in (500, 501) and "not been implemented" in text
    )
