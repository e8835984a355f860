"""Every AWS service that needs the lake key can use it the way that service calls KMS, and no other can.

Who needs the key is read from the rendered state: an SNS topic encrypted with it needs every service that
publishes to it (EventBridge targets, CloudWatch alarm actions, Budgets subscribers); a log group encrypted
with it needs CloudWatch Logs; an encrypted state machine that logs needs vended-log delivery. How each
service calls KMS is the table below, from the AWS documentation: the actions it calls and the condition
keys present on those calls. A key-policy statement that conditions on a key the call does not carry never
matches, so the service is silently refused (issue 17: EventBridge sends no aws:SourceAccount, so a
statement conditioned on it drops every Glue failure alert).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import pytest

from jozi_lake.tooling import policy, rendered

pytestmark = pytest.mark.terraform


@dataclass(frozen=True)
class KmsCall:
    """How a service calls KMS for one kind of use: the actions, and the condition keys on the call."""

    principal: str
    actions: tuple[str, ...]
    # Context keys the call carries, with the resource whose ARN is the value ("topic", "log_group",
    # "state_machine", "account", "source").
    context: tuple[tuple[str, str], ...]
    why: str


# SNS encrypts for the publisher: it calls GenerateDataKey and Decrypt with the encryption context
# aws:sns:topicArn = the topic (SNS developer guide, "Key management": every publisher's calls carry it).
_SNS = (("kms:EncryptionContext:aws:sns:topicArn", "topic"),)
SERVICE_KMS_CALLS = {
    "events": KmsCall(
        "events.amazonaws.com",
        ("kms:GenerateDataKey", "kms:Decrypt"),
        _SNS,
        "EventBridge rule targets publish to encrypted topics without aws:SourceAccount/aws:SourceArn "
        "(SNS developer guide, compatibility with AWS services)",
    ),
    "events_sqs": KmsCall(
        "events.amazonaws.com",
        ("kms:GenerateDataKey", "kms:Decrypt"),
        (("kms:EncryptionContext:aws:sqs:arn", "queue"),),
        "EventBridge sends to a rule's encrypted queue target (and its dead-letter queue) through SQS, which "
        "calls KMS with aws:sqs:arn = the queue and no aws:SourceAccount/aws:SourceArn",
    ),
    "cloudwatch": KmsCall(
        "cloudwatch.amazonaws.com",
        ("kms:GenerateDataKey", "kms:Decrypt"),
        (*_SNS, ("aws:SourceAccount", "account"), ("aws:SourceArn", "source")),
        "CloudWatch alarm actions carry the alarm as aws:SourceArn and its account",
    ),
    "budgets": KmsCall(
        "budgets.amazonaws.com",
        ("kms:GenerateDataKey", "kms:Decrypt"),
        _SNS,
        "AWS Budgets notifications: only the SNS encryption context is certain on the KMS call",
    ),
    "logs": KmsCall(
        "logs.{region}.amazonaws.com",
        (
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncryptFrom",
            "kms:ReEncryptTo",
            "kms:GenerateDataKey",
            "kms:DescribeKey",
        ),
        (("kms:EncryptionContext:aws:logs:arn", "log_group"),),
        "CloudWatch Logs encrypts a log group's data with aws:logs:arn = the log group (CloudWatch Logs "
        "user guide, encrypt log data)",
    ),
    "delivery": KmsCall(
        "delivery.logs.amazonaws.com",
        ("kms:Decrypt",),
        (("kms:EncryptionContext:aws:states:stateMachineArn", "state_machine"),),
        "vended-log delivery decrypts the execution data Step Functions encrypted with the state machine's "
        "encryption context when it writes the execution log",
    ),
}


@dataclass(frozen=True)
class KeyUse:
    """One use of the key by a service, found in the rendered state."""

    call: KmsCall
    principal: str
    values: dict[str, str]  # the value of each context key on this use
    where: str


def key_uses(state: rendered.Rendered, key_arn: str) -> list[KeyUse]:
    """The service uses of ``key_arn`` the rendered resources imply."""
    uses: list[KeyUse] = []
    account = state.account_id

    def add(kind: str, where: str, **values: str) -> None:
        call = SERVICE_KMS_CALLS[kind]
        by_key = {key: values[source] for key, source in call.context}
        uses.append(KeyUse(call, call.principal.format(region=state.region), by_key, where))

    for topic in state.of_type("aws_sns_topic"):
        if topic.values.get("kms_master_key_id") != key_arn:
            continue
        arn = topic.values["arn"]
        for target in state.of_type("aws_cloudwatch_event_target"):
            if target.values["arn"] == arn:
                rule = next(
                    r
                    for r in state.of_type("aws_cloudwatch_event_rule")
                    if r.values["name"] == target.values["rule"]
                )
                add("events", target.address, topic=arn, source=rule.values["arn"], account=account)
        for alarm in state.of_type("aws_cloudwatch_metric_alarm"):
            if arn in (alarm.values.get("alarm_actions") or []) + (alarm.values.get("ok_actions") or []):
                alarm_arn = f"arn:aws:cloudwatch:{state.region}:{account}:alarm:{alarm.values['alarm_name']}"
                add("cloudwatch", alarm.address, topic=arn, source=alarm_arn, account=account)
        for budget in state.of_type("aws_budgets_budget"):
            for notification in budget.values.get("notification") or []:
                if arn in (notification.get("subscriber_sns_topic_arns") or []):
                    add("budgets", budget.address, topic=arn, account=account)
    for queue in state.of_type("aws_sqs_queue"):
        if queue.values.get("kms_master_key_id") != key_arn:
            continue
        arn = queue.values["arn"]
        for target in state.of_type("aws_cloudwatch_event_target"):
            dead_letter = [d.get("arn") for d in target.values.get("dead_letter_config") or []]
            if target.values["arn"] == arn or arn in dead_letter:
                add("events_sqs", target.address, queue=arn)
    for group in state.of_type("aws_cloudwatch_log_group"):
        if group.values.get("kms_key_id") == key_arn:
            add("logs", group.address, log_group=group.values["arn"].removesuffix(":*"))
    for machine in state.of_type("aws_sfn_state_machine"):
        encryption = (machine.values.get("encryption_configuration") or [{}])[0]
        logging = (machine.values.get("logging_configuration") or [{}])[0]
        if encryption.get("kms_key_id") == key_arn and logging.get("level") not in (None, "OFF"):
            add("delivery", machine.address, state_machine=machine.values["arn"])
    return uses


def key_policy_problems(state: rendered.Rendered, document: dict) -> list[str]:
    """What is wrong with ``document`` as the lake key's policy, given the uses the state implies."""
    key = state.one("aws_kms_key")
    problems = []
    uses = key_uses(state, key.values["arn"])
    for use in uses:
        for action in use.call.actions:
            verdict = policy.evaluate(
                document, action, "*", context=use.values, principal={"Service": use.principal}
            )
            if not verdict.allowed:
                unsupported = f"; unsupported operators {verdict.unsupported}" if verdict.unsupported else ""
                problems.append(
                    f"{use.principal} cannot {action} for {use.where} (its KMS call carries only "
                    f"{sorted(use.values)}; {use.call.why}){unsupported}"
                )
    used_principals = {use.principal for use in uses}
    for statement in policy.statements(document):
        for principal in policy.as_list((statement.get("Principal") or {}).get("Service")):
            if principal not in used_principals:
                problems.append(
                    f"statement {statement.get('Sid')} lets {principal} use the key, which nothing here needs"
                )
    return problems


def test_every_service_can_use_the_key_the_way_it_calls_kms(
    rendered_envs: dict[str, rendered.Rendered],
) -> None:
    for env, state in rendered_envs.items():
        key = state.one("aws_kms_key")
        uses = key_uses(state, key.values["arn"])
        kinds = {use.principal for use in uses}
        # The lake has all of these; a check that finds no use would prove nothing.
        assert {
            "events.amazonaws.com",
            "cloudwatch.amazonaws.com",
            "logs.af-south-1.amazonaws.com",
        } <= kinds, env
        problems = key_policy_problems(state, state.policies("key")[0].document)
        assert not problems, f"{env}: " + "\n".join(problems)


def test_the_check_refuses_a_statement_conditioned_on_a_key_eventbridge_does_not_send(
    dev: rendered.Rendered,
) -> None:
    """The issue-17 policy: EventBridge limited by aws:SourceAccount must fail the check."""
    document = copy.deepcopy(dev.policies("key")[0].document)
    for statement in document["Statement"]:
        if "events.amazonaws.com" in policy.as_list((statement.get("Principal") or {}).get("Service")):
            statement["Condition"] = {"StringEquals": {"aws:SourceAccount": dev.account_id}}
    problems = key_policy_problems(dev, document)
    assert any("events.amazonaws.com cannot kms:GenerateDataKey" in p for p in problems), problems


def test_the_landing_rule_can_send_to_its_encrypted_queues_and_only_those(dev: rendered.Rendered) -> None:
    key = dev.one("aws_kms_key").values["arn"]
    queues = {
        u.values["kms:EncryptionContext:aws:sqs:arn"]
        for u in key_uses(dev, key)
        if u.call.principal.startswith("events") and u.values.get("kms:EncryptionContext:aws:sqs:arn")
    }
    assert queues == {
        dev.one("aws_sqs_queue", "landing_trigger.aws_sqs_queue.landing").values["arn"],
        dev.one("aws_sqs_queue", "landing_trigger.aws_sqs_queue.dlq").values["arn"],
    }
    document = copy.deepcopy(dev.policies("key")[0].document)
    for statement in document["Statement"]:
        for operator in (statement.get("Condition") or {}).values():
            if "kms:EncryptionContext:aws:sqs:arn" in operator:
                operator["kms:EncryptionContext:aws:sqs:arn"] = ["arn:aws:sqs:af-south-1:123456789012:other"]
    problems = key_policy_problems(dev, document)
    assert any("cannot kms:GenerateDataKey" in p and "landing_trigger" in p for p in problems), problems


def test_the_check_refuses_another_topic_and_a_stray_principal(dev: rendered.Rendered) -> None:
    document = copy.deepcopy(dev.policies("key")[0].document)
    wrong_topic = copy.deepcopy(document)
    for statement in wrong_topic["Statement"]:
        for operator in (statement.get("Condition") or {}).values():
            if "kms:EncryptionContext:aws:sns:topicArn" in operator:
                operator["kms:EncryptionContext:aws:sns:topicArn"] = (
                    "arn:aws:sns:af-south-1:123456789012:other"
                )
    assert any("cannot kms:Decrypt" in p for p in key_policy_problems(dev, wrong_topic))
    document["Statement"].append(
        {
            "Sid": "Stray",
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "kms:Decrypt",
            "Resource": "*",
        }
    )
    assert any("Stray lets s3.amazonaws.com" in p for p in key_policy_problems(dev, document))
