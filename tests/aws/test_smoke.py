"""``make smoke`` against moto: what moto can show runs, the rest is skipped with its reason, and the
checks leave nothing behind (no queue, no subscription, no query results). The deployment is
aws_fakes' moto lake (what environments/dev creates, in small) plus the roles, topic and named query the
smoke checks read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_fakes import BUCKET, create_lake_resources
from moto import mock_aws

from jozi_lake.tooling import smoke


@pytest.fixture()
def deployed(fake_aws: str) -> Iterator[dict[str, Any]]:
    with mock_aws():
        outputs = create_lake_resources()
        iam = boto3.client("iam")
        trust = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                    }
                ],
            }
        )
        outputs["role_arns"] = {
            key: iam.create_role(RoleName=f"jozi-pizza-dev-{key}", AssumeRolePolicyDocument=trust)["Role"][
                "Arn"
            ]
            for key in ("ingest_lambda", "glue_job", "glue_crawler")
        }
        outputs["alert_topic_arn"] = boto3.client("sns").create_topic(Name="jozi-pizza-dev-alerts")[
            "TopicArn"
        ]
        boto3.client("athena").create_named_query(
            Name="late_share_by_hour_weekday",
            Database="jozi_pizza_dev_gold",
            QueryString="SELECT 1",
            WorkGroup=outputs["athena_workgroup"],
        )
        yield outputs


def queues_left(outputs: dict[str, Any]) -> list[str]:
    """SQS queues other than the lake's own (the landing trigger's): what a smoke run left behind."""
    trigger = outputs["landing_trigger"]
    own = {trigger["queue_url"], trigger["dlq_url"]}
    return [url for url in boto3.client("sqs").list_queues().get("QueueUrls", []) if url not in own]


def _target(outputs: dict[str, Any]) -> smoke.Target:
    return smoke.Target("dev", outputs, lambda service, **kw: boto3.client(service, **kw), emulated=True)


def test_smoke_on_moto_passes_what_moto_can_show_and_leaves_nothing(deployed: dict[str, Any]) -> None:
    results = {r.name: r for r in smoke.run(_target(deployed))}
    assert results["first-run reads"].status == smoke.PASSED, results["first-run reads"]
    assert results["first-run reads"].detail.count("NoSuchKey") == 3
    assert results["tiny pipeline run"].status == smoke.SKIPPED
    assert "runs no Lambda or Glue task" in results["tiny pipeline run"].detail
    assert results["alert delivered"].status == smoke.PASSED, results["alert delivered"]
    assert results["athena named query"].status == smoke.PASSED, results["athena named query"]
    # Nothing left behind: the temporary queue and subscription, the query's result objects.
    assert not queues_left(deployed)
    assert not boto3.client("sns").list_subscriptions()["Subscriptions"]
    assert not list(boto3.client("s3").list_objects_v2(Bucket=BUCKET).get("Contents", []))
    again = smoke.run(_target(deployed))  # safe to repeat
    assert [r.status for r in again] == [r.status for r in results.values()]


def test_smoke_fails_when_an_alert_cannot_arrive_or_a_role_is_missing(deployed: dict[str, Any]) -> None:
    broken = {**deployed, "alert_topic_arn": deployed["alert_topic_arn"] + "-gone", "role_arns": {}}
    results = {r.name: r for r in smoke.run(_target(broken))}
    assert results["alert delivered"].status == smoke.FAILED
    assert (
        results["first-run reads"].status == smoke.FAILED and "role_arns" in results["first-run reads"].detail
    )
    assert not queues_left(deployed)  # cleaned up on failure too
