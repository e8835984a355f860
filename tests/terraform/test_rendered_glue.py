"""The Glue side as deployed: what the crawlers and jobs do on AWS that no emulator checks.

Read from the rendered environments (build/rendered/<env>/crawlers.json, jobs.json), so the module
defaults and the composition are checked together.
"""

from __future__ import annotations

import copy
import json
import re

import pytest

from jozi_lake.layout import is_data_key
from jozi_lake.tooling import policy, rendered

pytestmark = pytest.mark.terraform


def crawler_role_policy(state: rendered.Rendered) -> dict:
    (found,) = [
        p.document
        for p in state.policies("identity")
        if p.address.endswith('aws_iam_role_policy.this["glue_crawler"]')
    ]
    return found


def partition_index_problems(state: rendered.Rendered, document: dict) -> list[str]:
    """Crawlers create partition indexes unless told not to (CreatePartitionIndex defaults to true)."""
    problems = []
    account, region = state.account_id, state.region
    for crawler in state.of_type("aws_glue_crawler"):
        configuration = json.loads(crawler.values.get("configuration") or "{}")
        if not configuration.get("CreatePartitionIndex", True):
            continue
        table = f"arn:aws:glue:{region}:{account}:table/{crawler.values['database_name']}/some_table"
        for action in ("glue:CreatePartitionIndex", "glue:GetPartitionIndexes"):
            if not policy.allows(document, action, table):
                problems.append(
                    f"{crawler.values['name']} creates partition indexes but its role lacks {action}"
                )
    return problems


def test_crawlers_may_create_the_partition_indexes_they_create(
    rendered_envs: dict[str, rendered.Rendered],
) -> None:
    for env, state in rendered_envs.items():
        problems = partition_index_problems(state, crawler_role_policy(state))
        assert not problems, f"{env}: " + "\n".join(problems)


def test_the_partition_index_check_refuses_a_role_without_the_grant(dev: rendered.Rendered) -> None:
    document = copy.deepcopy(crawler_role_policy(dev))
    for statement in document["Statement"]:
        statement["Action"] = [
            a
            for a in policy.as_list(statement["Action"])
            if a not in ("glue:CreatePartitionIndex", "glue:GetPartitionIndexes")
        ]
    assert partition_index_problems(dev, document)


# --- exclusions ---------------------------------------------------------------------------------------------


def glue_glob(pattern: str) -> re.Pattern[str]:
    """A Glue crawler exclude pattern as a regex (Glue developer guide, "include and exclude patterns"):
    ``*`` matches within one path part, ``**`` across parts, ``?`` one character, ``{a,b}`` alternatives,
    ``[...]`` a class; patterns are relative to the include path."""
    out, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            continue
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "{":
            end = pattern.index("}", i)
            out += "(?:" + "|".join(re.escape(p) for p in pattern[i + 1 : end].split(",")) + ")"
            i = end
        elif c == "[":
            end = pattern.index("]", i)
            out += pattern[i : end + 1]
            i = end
        else:
            out += re.escape(c)
        i += 1
    return re.compile(out + r"\Z")


# Keys below a crawler's include path, as the jobs, Spark and the lake's bookkeeping write them.
SAMPLE_KEYS = [
    "orders/order_date=2026-06-01/part-00000-abc.snappy.parquet",
    "orders/part-00000-abc.snappy.parquet",
    "orders/_SUCCESS",
    "orders/order_date=2026-06-01/.part-00000-abc.snappy.parquet.crc",
    "orders/.spark-staging-4f1c/order_date=2026-06-01/part-00000.parquet",
    "orders/.spark-staging-4f1c/part-00000.parquet",
    ".spark-staging-77/orders/part-0.parquet",
    "orders/_temporary/0/_temporary/attempt_1/part-0.parquet",
    "_state/orders/processed.json",
    "_reports/20260601T000000Z_bronze_to_silver_r1.json",
    "_staging/r1/orders/order_date=2026-06-01/part-0.parquet",
    "_manifests/ingest/r1.json",
    "orders/ingest_date=2026-06-01/r1-00001.json.gz",
]


def exclusion_problems(exclusions: list[str]) -> list[str]:
    """Keys the lake's readers skip that the crawler would still read, or data keys it would skip."""
    compiled = [glue_glob(p) for p in exclusions]
    problems = []
    for key in SAMPLE_KEYS:
        excluded = any(p.match(key) for p in compiled)
        if excluded == is_data_key(key, ""):
            problems.append(f"{key}: {'excluded but data' if excluded else 'crawled but not data'}")
    return problems


def test_crawlers_skip_exactly_what_the_lake_s_readers_skip(
    rendered_envs: dict[str, rendered.Rendered],
) -> None:
    """Bookkeeping, Spark markers and hidden folders (.spark-staging-*) are not tables: a crawler that reads
    them makes junk tables or wrong schemas. The oracle is layout.is_data_key, which every reader uses."""
    for env, state in rendered_envs.items():
        for crawler in state.of_type("aws_glue_crawler"):
            (target,) = crawler.values["s3_target"]
            problems = exclusion_problems(target["exclusions"])
            assert not problems, f"{env}: {crawler.values['name']}: " + "; ".join(problems)


def test_the_exclusion_check_catches_files_in_hidden_folders() -> None:
    assert any(".spark-staging" in p for p in exclusion_problems(["_*/**", "**/_*", "**/_*/**", "**/.*"]))


# --- jobs ---------------------------------------------------------------------------------------------------


def test_jobs_pass_no_argument_their_glue_version_ignores(
    rendered_envs: dict[str, rendered.Rendered],
) -> None:
    """Glue 5.0 always streams driver and executor logs; --enable-continuous-cloudwatch-log does nothing there
    (AWS Glue 5.0 job parameters), so passing it only pretends to configure something."""
    for env, state in rendered_envs.items():
        for job in state.of_type("aws_glue_job"):
            if job.values["glue_version"] >= "5.0":
                assert "--enable-continuous-cloudwatch-log" not in job.values["default_arguments"], (
                    f"{env}: {job.values['name']}"
                )


def test_every_deployed_job_has_the_optional_arguments_and_alerts_on_the_alert_topic(
    rendered_envs: dict[str, rendered.Rendered],
) -> None:
    """lake.yaml optional_job_arguments are what only a deployed job has: every job gets each of them, and
    --alert_topic_arn is the topic the alarms use, the one the job role may publish to
    (test_rendered_grants.py), so a batch the silver job holds reaches the same subscribers."""
    from jozi_lake.config import load_config
    from jozi_lake.jobs.glue_adapter import ALERT_TOPIC_ARN

    names = load_config().optional_job_arguments
    assert ALERT_TOPIC_ARN in names
    for env, state in rendered_envs.items():
        topic = state.one("aws_sns_topic").values["arn"]
        assert topic == state.outputs["alert_topic_arn"], env
        for job in state.of_type("aws_glue_job"):
            arguments = job.values["default_arguments"]
            assert all(f"--{name}" in arguments for name in names), f"{env}: {job.values['name']}"
            assert arguments[f"--{ALERT_TOPIC_ARN}"] == topic, f"{env}: {job.values['name']}"


# --- the catalog --------------------------------------------------------------------------------------------


def test_the_data_catalog_is_encrypted_with_the_lake_key(rendered_envs: dict[str, rendered.Rendered]) -> None:
    for env, state in rendered_envs.items():
        key = state.one("aws_kms_key").values["arn"]
        settings = state.one("aws_glue_data_catalog_encryption_settings").values
        (encryption,) = settings["data_catalog_encryption_settings"]
        (at_rest,) = encryption["encryption_at_rest"]
        assert at_rest["catalog_encryption_mode"] == "SSE-KMS" and at_rest["sse_aws_kms_key_id"] == key, env
        (passwords,) = encryption["connection_password_encryption"]
        assert passwords["return_connection_password_encrypted"] and passwords["aws_kms_key_id"] == key, env
