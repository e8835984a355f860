"""``make smoke ENV=dev``: what only a deployed lake can show, checked with an operator's credentials.

Four checks, each PASSED, FAILED or SKIPPED with its reason; safe to repeat, and what a check creates it
deletes again (a temporary SQS queue and its subscription, the smoke query's result objects):

1. **First-run reads are "not found"** for each of the lake's roles: assume the role and read a key that
   does not exist under a prefix it reads (S3 must answer 404, not 403). The lake's roles trust their AWS
   service only, so an operator usually cannot assume them; then IAM's policy simulator decides the same
   question for the role (``s3:ListBucket`` on the bucket and ``s3:GetObject`` on the key both allowed is
   what makes S3 answer 404).
2. **One tiny pipeline run end to end**: start the state machine (input ``{"trigger": "smoke"}``) and follow
   it to its end; SUCCEEDED, or the Succeed state ``lake_busy`` when another run holds the lake.
3. **An alert is delivered**: a temporary SQS queue subscribed to the alert topic receives a test message.
4. **Athena answers a named query** of the workgroup.

``--endpoint-url`` points every client at an emulator (moto_server in ``make test``): moto enforces no IAM
and runs no Lambda or Glue task, so check 2 is skipped there, with that reason.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jozi_lake.config import env_config
from jozi_lake.errors import LakeError

PASSED, FAILED, SKIPPED = "PASSED", "FAILED", "SKIPPED"
SMOKE_PREFIX = "lake-smoke-"


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str


@dataclass
class Target:
    """The deployed lake as ``terraform output -json`` names it, plus a client factory."""

    env: str
    outputs: dict[str, Any]
    client: Callable[..., Any]
    emulated: bool
    timeout_seconds: float = 1800.0


def _error_code(err: Exception) -> str:
    response = getattr(err, "response", None) or {}
    return str(response.get("Error", {}).get("Code", type(err).__name__))


def first_run_reads(target: Target) -> Check:
    bucket = target.outputs["bucket"]
    roles: dict[str, str] = target.outputs.get("role_arns") or {}
    if not roles:
        return Check("first-run reads", FAILED, "no role_arns in the Terraform outputs: re-apply")
    # Under bronze/_state/, which every role that reads objects may read (the Lambda its ingest state).
    key = f"bronze/_state/{SMOKE_PREFIX}{uuid.uuid4().hex}.json"
    found: list[str] = []
    bad: list[str] = []
    for role, arn in sorted(roles.items()):
        try:
            creds = target.client("sts").assume_role(RoleArn=arn, RoleSessionName="lake-smoke")["Credentials"]
        except Exception as err:
            if _error_code(err) != "AccessDenied":
                raise
            sim = target.client("iam").simulate_principal_policy(
                PolicySourceArn=arn,
                ActionNames=["s3:ListBucket"],
                ResourceArns=[f"arn:aws:s3:::{bucket}"],
            )
            decision = sim["EvaluationResults"][0]["EvalDecision"]
            (found if decision == "allowed" else bad).append(f"{role}: ListBucket {decision} (simulated)")
            continue
        s3 = target.client(
            "s3",
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
        try:
            s3.get_object(Bucket=bucket, Key=key)
            bad.append(f"{role}: a key that cannot exist was found")
        except Exception as err:
            code = _error_code(err)
            (found if code == "NoSuchKey" else bad).append(f"{role}: {code}")
    note = " (the emulator enforces no IAM)" if target.emulated else ""
    return Check("first-run reads", FAILED if bad else PASSED, "; ".join(bad + found) + note)


def pipeline_run(target: Target) -> Check:
    if target.emulated:
        return Check(
            "tiny pipeline run",
            SKIPPED,
            "the emulator runs no Lambda or Glue task of an execution (moto's Step Functions interprets "
            "only glue:startJobRun.sync, and only when execute_state_machine is on)",
        )
    sfn = target.client("stepfunctions")
    name = f"{SMOKE_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}"
    arn = sfn.start_execution(
        stateMachineArn=target.outputs["state_machine_arn"], name=name, input=json.dumps({"trigger": "smoke"})
    )["executionArn"]
    deadline = time.monotonic() + target.timeout_seconds
    while time.monotonic() < deadline:
        status = sfn.describe_execution(executionArn=arn)["status"]
        if status != "RUNNING":
            return Check(
                "tiny pipeline run", PASSED if status == "SUCCEEDED" else FAILED, f"{name}: {status}"
            )
        time.sleep(15)
    sfn.stop_execution(executionArn=arn, cause="lake smoke: timed out waiting")
    return Check(
        "tiny pipeline run", FAILED, f"{name} still running after {target.timeout_seconds:.0f} s (stopped)"
    )


def alert_delivered(target: Target) -> Check:
    sns, sqs = target.client("sns"), target.client("sqs")
    topic = target.outputs["alert_topic_arn"]
    queue_url = sqs.create_queue(QueueName=f"{SMOKE_PREFIX}{uuid.uuid4().hex[:12]}")["QueueUrl"]
    subscription = None
    try:
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": topic}},
                }
            ],
        }
        sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
        subscription = sns.subscribe(
            TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True
        )["SubscriptionArn"]
        marker = uuid.uuid4().hex
        sns.publish(TopicArn=topic, Subject=f"[lake {target.env}] smoke test", Message=f"lake smoke {marker}")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for message in sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=5).get("Messages", []):
                if marker in message["Body"]:
                    return Check(
                        "alert delivered", PASSED, f"a test message reached a queue subscribed to {topic}"
                    )
        return Check("alert delivered", FAILED, f"no message from {topic} within 60 s (topic or key policy?)")
    finally:
        if subscription:
            sns.unsubscribe(SubscriptionArn=subscription)
        sqs.delete_queue(QueueUrl=queue_url)


def athena_answers(target: Target) -> Check:
    athena, s3 = target.client("athena"), target.client("s3")
    workgroup = target.outputs["athena_workgroup"]
    ids = athena.list_named_queries(WorkGroup=workgroup).get("NamedQueryIds", [])
    views = set((target.outputs.get("athena_view_query_ids") or {}).values())
    queries = [i for i in ids if i not in views]  # the views' DDL is not a question
    if not queries:
        return Check("athena named query", FAILED, f"workgroup {workgroup} has no named query")
    named = athena.get_named_query(NamedQueryId=queries[0])["NamedQuery"]
    execution = athena.start_query_execution(
        QueryString=named["QueryString"],
        QueryExecutionContext={"Database": named["Database"]},
        WorkGroup=workgroup,
    )["QueryExecutionId"]
    deadline = time.monotonic() + 300
    state, detail = "RUNNING", {}
    while time.monotonic() < deadline:
        detail = athena.get_query_execution(QueryExecutionId=execution)["QueryExecution"]
        state = detail["Status"]["State"]
        if state not in ("QUEUED", "RUNNING"):
            break
        time.sleep(2)
    # Leave nothing behind: the result file and its metadata.
    location = detail.get("ResultConfiguration", {}).get("OutputLocation", "")
    if location.startswith("s3://"):
        bucket, _, key = location[5:].partition("/")
        for suffix in ("", ".metadata"):
            s3.delete_object(Bucket=bucket, Key=key + suffix)
    note = " (the emulator executes no query)" if target.emulated else ""
    return Check(
        "athena named query", PASSED if state == "SUCCEEDED" else FAILED, f"{named['Name']}: {state}{note}"
    )


CHECKS = (first_run_reads, pipeline_run, alert_delivered, athena_answers)


def run(target: Target) -> list[Check]:
    results = []
    for check in CHECKS:
        try:
            results.append(check(target))
        except Exception as err:  # one check's failure must not hide the others
            results.append(Check(check.__name__.replace("_", " "), FAILED, f"{type(err).__name__}: {err}"))
    return results


def target_for(env_name: str, endpoint_url: str | None) -> Target:
    from jozi_lake.aws.clients import new_boto3_session
    from jozi_lake.aws.outputs import deployed_lake

    env = env_config(env_name)
    lake = deployed_lake(env)
    session = new_boto3_session(env.region)

    def client(service: str, **kwargs: Any) -> Any:
        return session.client(service, endpoint_url=endpoint_url, **kwargs)

    return Target(env_name, dict(lake.raw), client, emulated=endpoint_url is not None)


def main(argv: list[str] | None = None) -> int:
    from jozi_lake.cli import render

    parser = argparse.ArgumentParser(description="Check a deployed lake with an operator's credentials.")
    parser.add_argument("--env", required=True, choices=["dev", "prod"])
    parser.add_argument("--endpoint-url", default=None, help="an emulator (moto_server) instead of AWS")
    args = parser.parse_args(argv)
    try:
        results = run(target_for(args.env, args.endpoint_url))
    except LakeError as err:
        render.error(err.message, err.hint)
        return 2
    render.smoke_checks(results)
    return 1 if any(r.status == FAILED for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
