"""Grants match use: each role the code runs as is allowed what the code does, and nothing else.

The actions the Python code calls come from the code (jozi_lake.tooling.grants: boto3 calls in what the
Lambda handler and the Glue entry scripts reach, named by botocore's service model). The tables below say
where each call lands (keys built by jozi_lake.layout from the real lake.yaml prefixes, names from the
rendered outputs) and add what the code does not show, each with its reason: Spark's S3 access through
EMRFS, what the Glue and Lambda services do as the role (logs, metrics, traces, the dead-letter queue,
loading the script), and SSE-KMS. Against the rendered policies, with jozi_lake.tooling.policy:

* every use is allowed on the resource it touches (a missing grant fails on AWS at 02:30);
* every (statement, action) the policy grants is needed by some use, or is in :data:`DELIBERATE` with its
  reason (an unused grant is attack surface and hides what the role is for);
* the code rows are exactly the code's calls: a new boto3 call without a use row fails, and so does a
  row claiming a call the code no longer makes.

The landing trigger (``lambda/landing_trigger.py``) is a third entry point with its own role. The state
machine and scheduler roles run no Python of ours (AWS services act as them): their uses are read from
what the service is told to do, the rendered definition's Task states (each integration and the
resource it names) and the schedule's target and dead-letter queue, so a new stage that calls a service
the role may not call fails here, not at 02:30. The crawler role's grants are checked by modules/iam's
terraform test.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from jozi_lake.config import load_config
from jozi_lake.layout import Layout
from jozi_lake.ops_tables import PIPELINE_STAGE_RUNS
from jozi_lake.tooling import grants, policy, rendered

pytestmark = pytest.mark.terraform


@dataclass(frozen=True)
class Use:
    action: str
    resource: str  # a concrete ARN (or "*" for actions without resource types)
    why: str
    code: bool = False  # True: a boto3 call the scan must find; False: not visible in the code
    context: tuple[tuple[str, str], ...] = ()


# Granted on purpose although no use below needs them, by (role, action): each with its reason.
DELIBERATE: dict[tuple[str, str], str] = {
    (
        "glue_job",
        "glue:GetDatabases",
    ): "Spark's Glue catalog client (--enable-glue-datacatalog) lists databases "
    "when a job or a SQL model names a catalog table; reads only, lake databases only",
    ("glue_job", "glue:GetTables"): "as glue:GetDatabases: catalog resolution by Spark's Glue client",
    ("glue_job", "glue:GetTable"): "as glue:GetDatabases: catalog resolution by Spark's Glue client",
    ("glue_job", "glue:GetPartition"): "as glue:GetDatabases: partition pruning through the Glue client",
    ("glue_job", "glue:GetPartitions"): "as glue:GetDatabases: partition pruning through the Glue client",
    ("glue_job", "glue:BatchGetPartition"): "as glue:GetDatabases: partition pruning through the Glue client",
    ("glue_job", "kms:DescribeKey"): "the Glue security configuration validates its key at job start",
    **{
        (role, action): "the lake key's shared statement (modules/iam kms_statements); the uses need "
        "Decrypt and GenerateDataKey only, and narrowing it waits for a check on a real account"
        for role in ("state_machine", "scheduler")
        for action in ("kms:Encrypt", "kms:DescribeKey")
    },
}


def role_uses(state: rendered.Rendered, role: str) -> list[Use]:
    lay = Layout(load_config().prefixes)
    bucket = f"arn:aws:s3:::{state.outputs['bucket']}"
    obj = lambda key: f"{bucket}/{key}"  # noqa: E731
    region, account = state.region, state.account_id
    tail = f"{region}:{account}"
    key = str(state.outputs["kms_key_arn"])
    # Names as modules/lake computed them, read from the resources that carry them.
    names = {
        "secret": state.one("aws_secretsmanager_secret").values["name"],
        "lambda_log_group": state.one("aws_cloudwatch_log_group", "ingest_lambda.aws").values["name"],
        "ingest_dlq": state.one("aws_sqs_queue", "ingest_lambda.aws").values["name"],
    }
    source, day, run = "orders", "2026-06-01", "20260601T023000Z-abc123"
    if role == "ingest_lambda":
        secret = names["secret"]
        log_group = f"arn:aws:logs:{tail}:log-group:{names['lambda_log_group']}"
        return [
            Use("s3:GetObject", obj(f"{lay.landing(source)}export.csv"), "reads a landed file", True),
            Use("s3:DeleteObject", obj(f"{lay.landing(source)}export.csv"), "a landed file moved away", True),
            Use(
                "s3:PutObject",
                obj(lay.bronze_page(source, day, run, 1)),
                "writes an API page to bronze",
                True,
            ),
            Use(
                "s3:PutObject", obj(lay.bronze_drop(source, day, run, "export", "csv")), "writes a drop", True
            ),
            Use("s3:PutObject", obj(lay.ingest_manifest(run)), "writes the run's manifest", True),
            Use("s3:GetObject", obj(lay.ingest_manifest(run)), "reads a manifest back (backlog)", True),
            Use(
                "s3:GetObject",
                obj(lay.ingest_state(source)),
                "reads the watermark (404 on a first run)",
                True,
            ),
            Use("s3:PutObject", obj(lay.ingest_state(source)), "moves the watermark", True),
            Use("s3:GetObject", obj(lay.drop_state(source)), "reads the drop ledger", True),
            Use("s3:PutObject", obj(lay.drop_state(source)), "updates the drop ledger", True),
            Use(
                "s3:PutObject",
                obj(lay.rejected_file(source, day, run, "0" * 64, "x.csv")),
                "sets aside",
                True,
            ),
            Use(
                "s3:GetObject", obj(lay.rejected_file(source, day, run, "0" * 64, "x.csv")), "exists()", True
            ),
            Use(
                "s3:PutObject", obj(lay.layer_change("bronze")), "records that bronze changed (backlog)", True
            ),
            Use(
                "s3:GetObject",
                obj(lay.report("silver", "20260601T023500Z", "bronze_to_silver", run)),
                "the summary stage reads the run's job reports",
                True,
            ),
            Use(
                "s3:GetObject",
                obj(lay.report("gold", "20260601T024000Z", "silver_to_gold", run)),
                "the summary stage reads the run's job reports",
                True,
            ),
            # S3 answers a missing key with 404 only to a caller allowed to list (test_rendered_s3.py).
            Use("s3:ListBucket", bucket, "lists landing/ and reports; 404 for first-run reads", True),
            Use(
                "secretsmanager:GetSecretValue",
                f"arn:aws:secretsmanager:{tail}:secret:{secret}-AbCdEf",
                "the source's API token",
                True,
            ),
            Use("s3:DeleteObject", obj(lay.lease()), "releases the run lease (lease_release)", True),
            *[
                Use(
                    action,
                    obj(f"{prefix}orders/processed.json"),
                    "moves an older lake's bookkeeping once",
                    True,
                )
                for prefix in lay.legacy_bookkeeping()
                for action in ("s3:GetObject", "s3:DeleteObject")
            ],
            *[
                Use(
                    "glue:GetCrawler",
                    f"arn:aws:glue:{tail}:crawler/{crawler.values['name']}",
                    "the plan: a crawl stage's last crawl",
                    True,
                )
                for crawler in state.of_type("aws_glue_crawler")
            ],
            Use(
                "states:DescribeExecution",
                f"arn:aws:states:{tail}:execution:{state.outputs['state_machine_name']}:run-1",
                "the lease: is its holder execution still running; record_run: a finished one's status",
                True,
            ),
            Use(
                "states:GetExecutionHistory",
                f"arn:aws:states:{tail}:execution:{state.outputs['state_machine_name']}:run-1",
                "record_run: the finished execution's states, folded into stages",
                True,
            ),
            Use(
                "s3:PutObject",
                obj(lay.ops_file(PIPELINE_STAGE_RUNS, day, f"{run}.json")),
                "record_run: the execution's stage timings",
                True,
            ),
            Use(
                "s3:PutObject",
                obj(lay.layer_change("ops")),
                "record_run: a new day's partition to crawl",
                True,
            ),
            Use("sns:Publish", str(state.outputs["alert_topic_arn"]), "alerts for rejected files", True),
            Use("kms:Decrypt", key, "SSE-KMS reads, and the secret encrypted with the lake key"),
            Use("kms:GenerateDataKey", key, "SSE-KMS writes (bucket keys), messages to the encrypted DLQ"),
            Use("logs:CreateLogStream", f"{log_group}:log-stream:2026/06/01/[$LATEST]abc", "Lambda runtime"),
            Use("logs:PutLogEvents", f"{log_group}:log-stream:2026/06/01/[$LATEST]abc", "Lambda runtime"),
            Use("xray:PutTraceSegments", "*", "active tracing (tracing_config Active)"),
            Use("xray:PutTelemetryRecords", "*", "active tracing (tracing_config Active)"),
            Use("sqs:SendMessage", f"arn:aws:sqs:{tail}:{names['ingest_dlq']}", "the Lambda service: DLQ"),
        ]
    if role == "glue_job":
        dbs = state.outputs["databases"]
        glue = f"arn:aws:glue:{tail}"
        code = state.outputs["glue_code_version"]
        uses = [
            # The job's own bookkeeping through S3ObjectStore (boto3).
            Use("s3:GetObject", obj(lay.processed_batches(source)), "processed-batch record", True),
            Use("s3:GetObject", obj(lay.replay_request(source)), "a replay request (lake replay)", True),
            Use("s3:DeleteObject", obj(lay.replay_request(source)), "a replay request consumed", True),
            Use(
                "s3:PutObject",
                obj(lay.batch_hold(source, "2026-06-01_r1")),
                "a fail rule holds a batch",
                True,
            ),
            Use("s3:PutObject", obj(lay.processed_batches(source)), "processed-batch record", True),
            Use("s3:PutObject", obj(lay.change_log(source, run)), "silver change log", True),
            Use("s3:DeleteObject", obj(lay.change_log(source, run)), "gold deletes applied changes", True),
            Use(
                "s3:PutObject",
                obj(lay.report("silver", "20260601T023500Z", "bronze_to_silver", run)),
                "run report",
                True,
            ),
            Use(
                "s3:GetObject",
                obj(lay.report("gold", "20260601T024000Z", "silver_to_gold", run)),
                "reports read back",
                True,
            ),
            Use("s3:ListBucket", bucket, "lists state, change logs and partitions; 404 on first runs", True),
            Use("s3:GetObject", obj(lay.ingest_manifest(run)), "the silver job reads ingest manifests", True),
            *(
                Use("s3:PutObject", obj(lay.layer_change(layer)), "records the layer changed (backlog)", True)
                for layer in ("silver", "gold", "quarantine", "ops")
            ),
            Use(
                "s3:PutObject",
                obj(lay.ops_file("job_runs", day, f"silver_to_gold_{run}.parquet")),
                "the lake's run tables",
                True,
            ),
            Use(
                "s3:DeleteObject",
                obj(f"{lay.ops_staging('job_runs', run)}part-0.parquet"),
                "ops staging cleared after the rename",
                True,
            ),
            Use(
                "cloudwatch:PutMetricData",
                "*",
                "quality metrics",
                True,
                (("cloudwatch:namespace", load_config().quality_metrics_namespace or ""),),
            ),
            Use(
                "sns:Publish",
                str(state.outputs["alert_topic_arn"]),
                "a batch the silver job held (--alert_topic_arn)",
                True,
            ),
            Use("kms:GenerateDataKey", key, "SNS encrypts the alert under the lake key (the topic's key)"),
            # Spark through EMRFS: not boto3, so not in the scan.
            Use(
                "s3:GetObject",
                obj(f"{lay.bronze_table(source)}ingest_date={day}/{run}-00001.json.gz"),
                "Spark reads bronze",
            ),
            Use(
                "s3:GetObject", obj(f"{lay.silver_table(source)}part-0.parquet"), "Spark reads silver (gold)"
            ),
            Use("s3:PutObject", obj(f"{lay.staging('silver', run)}{source}/part-0.parquet"), "Spark writes"),
            Use("s3:DeleteObject", obj(f"{lay.silver_table(source)}part-0.parquet"), "partition rewrite"),
            Use("s3:PutObject", obj(f"{lay.gold_table('fact_x')}part-0.parquet"), "Spark writes gold"),
            Use(
                "s3:PutObject",
                obj(f"{lay.quarantine_table(source)}bronze_batch_id=1/part-0.parquet"),
                "Spark writes quarantine",
            ),
            Use("s3:PutObject", obj(f"{lay.ops_staging('job_runs', run)}part-0.parquet"), "Spark writes ops"),
            Use(
                "s3:AbortMultipartUpload",
                obj(f"{lay.gold_table('fact_x')}part-0.parquet"),
                "EMRFS multipart uploads of large files, aborted on failure",
            ),
            Use("s3:GetObject", obj(f"{lay.glue_temp()}x"), "Glue --TempDir"),
            Use("s3:PutObject", obj(f"{lay.glue_temp()}x"), "Glue --TempDir"),
            Use("s3:DeleteObject", obj(f"{lay.glue_temp()}x"), "Glue --TempDir cleanup"),
            Use("s3:PutObject", obj(f"{lay.spark_ui('silver_to_gold')}eventlog"), "--enable-spark-ui logs"),
            Use(
                "s3:GetObject",
                obj(f"{lay.spark_ui('silver_to_gold')}eventlog"),
                "Hadoop create() HEADs the path",
            ),
            Use(
                "s3:AbortMultipartUpload", obj(f"{lay.spark_ui('silver_to_gold')}eventlog"), "multipart logs"
            ),
            Use("s3:GetBucketLocation", bucket, "EMRFS finds the bucket's region"),
            # The Glue service, as the job role.
            Use("s3:GetObject", obj(f"{lay.scripts(code)}jozi_lake.zip"), "Glue loads --extra-py-files"),
            Use("glue:GetDatabase", f"{glue}:database/default", "Spark's Glue catalog client at start-up"),
            Use("glue:GetDatabase", f"{glue}:catalog", "the catalog itself is a resource of GetDatabase"),
            Use("glue:GetDatabase", f"{glue}:database/{dbs['silver']}", "catalog resolution"),
            Use("glue:GetTable", f"{glue}:table/{dbs['silver']}/{source}", "catalog resolution"),
            Use("logs:CreateLogGroup", f"arn:aws:logs:{tail}:log-group:/aws-glue/jobs/x", "Glue logs"),
            Use(
                "logs:CreateLogStream",
                f"arn:aws:logs:{tail}:log-group:/aws-glue/jobs/x:log-stream:jr",
                "Glue logs",
            ),
            Use(
                "logs:PutLogEvents",
                f"arn:aws:logs:{tail}:log-group:/aws-glue/jobs/x:log-stream:jr",
                "Glue logs",
            ),
            Use("logs:AssociateKmsKey", f"arn:aws:logs:{tail}:log-group:/aws-glue/jobs/x", "log encryption"),
            Use(
                "cloudwatch:PutMetricData",
                "*",
                "--enable-metrics",
                False,
                (("cloudwatch:namespace", "Glue"),),
            ),
            Use("kms:Decrypt", key, "SSE-KMS reads, encrypted catalog"),
            Use("kms:GenerateDataKey", key, "SSE-KMS writes"),
            Use("kms:Encrypt", key, "CSE-KMS job bookmark encryption of the security configuration"),
        ]
        return uses
    if role == "landing_trigger":
        machine = str(state.outputs["state_machine_arn"])
        queue = state.one("aws_sqs_queue", "landing_trigger.aws_sqs_queue.landing").values["arn"]
        log_group = state.one("aws_cloudwatch_log_group", "landing_trigger.aws").values["arn"]
        stream = f"{log_group}:log-stream:2026/06/01/[$LATEST]abc"
        return [
            Use("states:ListExecutions", machine, "a run in progress, or one started after the files?", True),
            Use("states:StartExecution", machine, "starts the run the landed files wait for", True),
            # The Lambda service's event source mapping polls the landing queue as this role.
            Use("sqs:ReceiveMessage", queue, "the event source mapping reads the landing queue"),
            Use("sqs:DeleteMessage", queue, "the mapping deletes the messages the function handled"),
            Use("sqs:GetQueueAttributes", queue, "the mapping reads the queue's attributes"),
            Use(
                "kms:Decrypt",
                key,
                "the landing queue's messages, encrypted by SQS under the queue's context",
                context=(("kms:EncryptionContext:aws:sqs:arn", queue),),
            ),
            Use(
                "kms:GenerateDataKey",
                key,
                "StartExecution on the state machine encrypted with the lake key (its input)",
                context=(("kms:EncryptionContext:aws:states:stateMachineArn", machine),),
            ),
            Use("logs:CreateLogStream", stream, "Lambda runtime"),
            Use("logs:PutLogEvents", stream, "Lambda runtime"),
            Use("xray:PutTraceSegments", "*", "active tracing (tracing_config Active)"),
            Use("xray:PutTelemetryRecords", "*", "active tracing (tracing_config Active)"),
        ]
    raise KeyError(role)


CODE_ROLES = ("ingest_lambda", "glue_job", "landing_trigger")
SERVICE_ROLES = ("state_machine", "scheduler")

# Step Functions' optimised integrations: the IAM actions each needs (AWS's Step Functions guide, "IAM
# policies for integrated services"; .sync polls the run and stops it when the execution is aborted).
INTEGRATION_ACTIONS: dict[str, tuple[str, ...]] = {
    "glue:startJobRun.sync": (
        "glue:StartJobRun",
        "glue:GetJobRun",
        "glue:GetJobRuns",
        "glue:BatchStopJobRun",
    ),
    "glue:startJobRun": ("glue:StartJobRun",),
    "sns:publish": ("sns:Publish",),
    "lambda:invoke": ("lambda:InvokeFunction",),
}


# The Task arguments that name the resource a call lands on.
RESOURCE_ARGUMENTS = frozenset({"JobName", "Name", "TopicArn", "FunctionName"})


def task_states(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Task state of a definition, nested Parallel branches and Map processors included."""
    for name, state in states.items():
        if state.get("Type") == "Task":
            yield name, state
        for branch in state.get("Branches", []):
            yield from task_states(branch["States"])
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                yield from task_states(state[key]["States"])


def task_uses(state: rendered.Rendered, name: str, task: dict[str, Any]) -> list[Use]:
    """The calls one Task state makes as the state machine's role, on the resources it names."""
    tail = f"{state.region}:{state.account_id}"
    resource = str(task["Resource"])
    arguments = task.get("Parameters") or task.get("Arguments") or {}
    why = f"Task state {name}"
    if resource.startswith("arn:aws:lambda:"):  # the function's ARN as the resource: a plain invoke
        return [Use("lambda:InvokeFunction", resource, why)]
    integration = resource.removeprefix("arn:aws:states:::")
    dynamic = sorted(k for k in arguments if k.removesuffix(".$") in RESOURCE_ARGUMENTS and k.endswith(".$"))
    assert not dynamic, f"{why}: {dynamic} name the resource at run time; the check needs a literal"
    if integration.startswith("aws-sdk:glue:") and integration.endswith("Crawler"):
        verb = integration.removeprefix("aws-sdk:glue:")
        arn = f"arn:aws:glue:{tail}:crawler/{arguments['Name']}"
        return [Use(f"glue:{verb[0].upper()}{verb[1:]}", arn, why)]
    if integration not in INTEGRATION_ACTIONS:
        pytest.fail(f"{why} uses {resource}: add its actions and resource to task_uses")
    target = {
        "glue:startJobRun.sync": lambda: f"arn:aws:glue:{tail}:job/{arguments['JobName']}",
        "glue:startJobRun": lambda: f"arn:aws:glue:{tail}:job/{arguments['JobName']}",
        "sns:publish": lambda: str(arguments["TopicArn"]),
        "lambda:invoke": lambda: str(arguments["FunctionName"]),
    }[integration]()
    return [Use(action, target, why) for action in INTEGRATION_ACTIONS[integration]]


def service_uses(state: rendered.Rendered, role: str) -> list[Use]:
    """What an AWS service does as one of the lake's service roles, read from what it is configured to do."""
    key = str(state.outputs["kms_key_arn"])
    if role == "state_machine":
        machine = state.one("aws_sfn_state_machine").values
        definition = json.loads(machine["definition"])
        uses = [
            use for name, task in task_states(definition["States"]) for use in task_uses(state, name, task)
        ]
        if machine["tracing_configuration"][0]["enabled"]:
            uses += [
                Use(f"xray:{action}", "*", "active tracing (AWS's documented tracing policy)")
                for action in (
                    "PutTraceSegments",
                    "PutTelemetryRecords",
                    "GetSamplingRules",
                    "GetSamplingTargets",
                )
            ]
        if machine["logging_configuration"][0]["level"] != "OFF":
            delivery = ("CreateLogDelivery", "GetLogDelivery", "UpdateLogDelivery", "DeleteLogDelivery")
            delivery += (
                "ListLogDeliveries",
                "PutResourcePolicy",
                "DescribeResourcePolicies",
                "DescribeLogGroups",
            )
            uses += [Use(f"logs:{a}", "*", "execution logging (vended log delivery)") for a in delivery]
        assert machine["encryption_configuration"][0]["kms_key_id"] == key
        return [
            *uses,
            Use("kms:Decrypt", key, "the definition and history are encrypted with the lake key"),
            Use("kms:GenerateDataKey", key, "execution data encrypted with the lake key; the topic too"),
        ]
    if role == "scheduler":
        schedule = state.one("aws_scheduler_schedule").values
        (target,) = schedule["target"]
        (dlq,) = target["dead_letter_config"]
        assert schedule["kms_key_arn"] == key
        return [
            Use("states:StartExecution", target["arn"], "the schedule's target"),
            Use(
                "sqs:SendMessage", dlq["arn"], "a start given up after retries goes to the dead-letter queue"
            ),
            Use("kms:GenerateDataKey", key, "the dead-letter queue is encrypted with the lake key"),
            Use("kms:Decrypt", key, "the schedule's target input is encrypted with the lake key"),
        ]
    raise KeyError(role)


def role_document(state: rendered.Rendered, role: str) -> dict[str, Any]:
    (found,) = [
        p for p in state.policies("identity") if p.address.endswith(f'aws_iam_role_policy.this["{role}"]')
    ]
    return found.document


def problems(role: str, document: dict[str, Any], uses: list[Use], code_actions: set[str]) -> list[str]:
    found = []
    for use in uses:
        verdict = policy.evaluate(document, use.action, use.resource, dict(use.context))
        if not verdict.allowed:
            found.append(f"missing grant: {use.action} on {use.resource} ({use.why})")
    claimed = {u.action for u in uses if u.code}
    found += [f"the code calls {a} but no use row says where" for a in sorted(code_actions - claimed)]
    found += [
        f"a use row claims the code calls {a}, which it does not" for a in sorted(claimed - code_actions)
    ]
    for index, statement in enumerate(policy.statements(document)):
        if statement.get("Effect") != "Allow":
            continue
        single = {"Version": "2012-10-17", "Statement": [statement]}
        for pattern in policy.as_list(statement.get("Action")):
            needed = any(
                policy.action_matches(pattern, u.action)
                and policy.allows(single, u.action, u.resource, dict(u.context))
                for u in uses
            )
            if not needed and (role, pattern) not in DELIBERATE:
                found.append(
                    f"unused grant: {statement.get('Sid') or index} {pattern} on {statement.get('Resource')}"
                )
    return found


@pytest.fixture(scope="module")
def code_actions() -> dict[str, set[str]]:
    return grants.code_actions_by_role()


def test_the_scan_finds_the_calls_the_code_makes(code_actions: dict[str, set[str]]) -> None:
    # A scan that finds nothing would make the check vacuous: these calls are certainly there.
    assert {"s3:GetObject", "s3:PutObject", "s3:ListBucket", "secretsmanager:GetSecretValue"} <= code_actions[
        "ingest_lambda"
    ]
    assert {"s3:PutObject", "cloudwatch:PutMetricData"} <= code_actions["glue_job"]
    # The landing trigger is its own entry point and role: it reaches nothing that touches the bucket.
    assert code_actions["landing_trigger"] == {"states:ListExecutions", "states:StartExecution"}
    assert "lambda:InvokeFunction" in grants.operator_actions()


def test_every_code_role_is_granted_exactly_what_it_uses(
    rendered_envs: dict[str, rendered.Rendered], code_actions: dict[str, set[str]]
) -> None:
    for env, state in rendered_envs.items():
        for role in CODE_ROLES:
            found = problems(role, role_document(state, role), role_uses(state, role), code_actions[role])
            assert not found, f"{env} {role}:\n" + "\n".join(found)


def test_every_service_role_is_granted_exactly_what_its_service_is_told_to_do(
    rendered_envs: dict[str, rendered.Rendered],
) -> None:
    for env, state in rendered_envs.items():
        for role in SERVICE_ROLES:
            uses = service_uses(state, role)
            found = problems(role, role_document(state, role), uses, set())
            assert not found, f"{env} {role}:\n" + "\n".join(found)


def test_the_service_check_reads_every_task_and_fails_on_a_new_integration(dev: rendered.Rendered) -> None:
    definition = json.loads(dev.one("aws_sfn_state_machine").values["definition"])
    tasks = dict(task_states(definition["States"]))
    uses = service_uses(dev, "state_machine")
    # Every job and crawler the state machine starts is a use, so a removed grant is a missing one.
    for job in dev.outputs["job_names"].values():
        assert any(u.action == "glue:StartJobRun" and u.resource.endswith(f":job/{job}") for u in uses)
    for crawler in dev.outputs["crawler_names"].values():
        assert any(
            u.action == "glue:StartCrawler" and u.resource.endswith(f":crawler/{crawler}") for u in uses
        )
    document = role_document(dev, "state_machine")
    removed = copy.deepcopy(document)
    removed["Statement"] = [s for s in removed["Statement"] if s.get("Sid") != "RunGlueCrawlers"]
    assert any(
        "missing grant: glue:StartCrawler" in p for p in problems("state_machine", removed, uses, set())
    )
    # A stage calling a service no row knows is refused by name instead of passing unchecked.
    name, task = next(iter(tasks.items()))
    with pytest.raises(pytest.fail.Exception, match="add its actions"):
        task_uses(dev, name, {**task, "Resource": "arn:aws:states:::athena:startQueryExecution.sync"})


def test_every_deliberate_grant_is_granted(rendered_envs: dict[str, rendered.Rendered]) -> None:
    for (role, action), reason in DELIBERATE.items():
        assert len(reason) > 20
        for env, state in rendered_envs.items():
            assert action in policy.granted_actions(role_document(state, role)), (
                f"{env}: stale {role} {action}"
            )


def test_the_check_fails_on_a_removed_grant_and_on_an_unused_one(
    dev: rendered.Rendered, code_actions: dict[str, set[str]]
) -> None:
    role = "ingest_lambda"
    document = role_document(dev, role)
    uses = role_uses(dev, role)
    assert not problems(role, document, uses, code_actions[role])

    removed = copy.deepcopy(document)
    removed["Statement"] = [
        s for s in removed["Statement"] if "secretsmanager:GetSecretValue" not in s["Action"]
    ]
    assert any(
        "missing grant: secretsmanager:GetSecretValue" in p
        for p in problems(role, removed, uses, code_actions[role])
    )

    added = copy.deepcopy(document)
    added["Statement"].append(
        {
            "Sid": "Extra",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": [f"arn:aws:s3:::{dev.outputs['bucket']}/scripts/*"],
        }
    )
    assert any(
        "unused grant: Extra s3:GetObject" in p for p in problems(role, added, uses, code_actions[role])
    )

    # A new boto3 call the table does not place, and a row for a call the code does not make.
    assert any(
        "the code calls sqs:DeleteQueue" in p
        for p in problems(role, document, uses, code_actions[role] | {"sqs:DeleteQueue"})
    )
    assert any(
        "claims the code calls s3:GetObject" in p
        for p in problems(role, document, uses, code_actions[role] - {"s3:GetObject"})
    )


def test_the_operator_permissions_in_the_docs_list_every_call_of_the_cli() -> None:
    """The CLI runs as the operator (no lake role): docs/operating-on-aws.md lists what it must be allowed."""
    from jozi_lake.config import repo_root

    text = (repo_root() / "docs" / "operating-on-aws.md").read_text(encoding="utf-8")
    start = text.index("Permissions the operator's credentials need")
    paragraph = text[start : text.index("\n\n", start)]
    missing = []
    for action in sorted(grants.operator_actions()):
        service, name = action.split(":")
        # The paragraph writes `svc:A`/`B`/`C`: each name appears after its service's prefix.
        at = paragraph.find(f"`{service}:")
        if at < 0 or (f"{name}`" not in paragraph[at:] and f"{name}/" not in paragraph[at:]):
            missing.append(action)
    assert not missing, f"docs/operating-on-aws.md does not list the operator's {missing}"
