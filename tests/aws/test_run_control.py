"""The lake Lambda's run control on moto: lease_acquire/lease_release over S3 conditional writes (holder =
the execution ARN, a dead holder found by DescribeExecution), plan over the bucket (backlog.stage_work), and
the alert a rejected file publishes to the topic (delivered to an SQS subscription).

moto answers GetCrawler's LastCrawl.Status with the crawl-level "COMPLETED" where AWS says "SUCCEEDED"
(AWS Glue API, LastCrawlInfo), so the one check of a crawl that succeeded reads a GetCrawler answer shaped
as AWS documents it (:class:`GlueAnswering`).
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws

from jozi_lake import backlog, run_control
from jozi_lake.config import load_config
from jozi_lake.layout import lake_layout
from jozi_lake.storage import S3ObjectStore

REPO = Path(__file__).resolve().parents[2]
BUCKET = "jozi-pizza-dev-lake"
REGION = "af-south-1"
ROLE = "arn:aws:iam::123456789012:role/jozi-pizza-dev-state-machine"


@pytest.fixture()
def aws(fake_aws: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LAKE_ENV", "dev")
    monkeypatch.setenv("LAKE_BUCKET", BUCKET)
    with mock_aws():
        boto3.client("s3").create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield


@pytest.fixture()
def handler() -> Any:
    spec = importlib.util.spec_from_file_location("ingest_handler", REPO / "lambda" / "ingest_handler.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.handler


def _store() -> S3ObjectStore:
    return S3ObjectStore(BUCKET, client=boto3.client("s3"))


def _executions(count: int) -> list[str]:
    """Running executions of a state machine (moto keeps them RUNNING unless told to execute them)."""
    sfn = boto3.client("stepfunctions")
    arn = sfn.create_state_machine(
        name="jozi-pizza-dev-pipeline",
        definition=json.dumps({"StartAt": "x", "States": {"x": {"Type": "Succeed"}}}),
        roleArn=ROLE,
    )["stateMachineArn"]
    return [sfn.start_execution(stateMachineArn=arn, name=f"run-{i}")["executionArn"] for i in range(count)]


def _acquire(handler: Any, arn: str, attempt: int = 0) -> dict[str, Any]:
    event = {
        "action": "lease_acquire",
        "execution_arn": arn,
        "run_id": arn.rsplit(":", 1)[-1],
        "execution_input": {"trigger": "schedule"},
        "ttl_seconds": 3600,
        "attempt": attempt,
    }
    result = handler(event, None)
    json.dumps(result)  # plain JSON for Step Functions
    return dict(result)


def test_one_execution_holds_the_lake_and_a_dead_holder_is_taken_over(aws: None, handler: Any) -> None:
    first, second = _executions(2)
    got = _acquire(handler, first)
    assert got["status"] == "SUCCEEDED" and got["acquired"] is True and got["attempt"] == 1
    assert _acquire(handler, first)["acquired"] is True  # a retried acquire by the holder is not a second run
    held = _acquire(handler, second, attempt=3)
    assert held["acquired"] is False and held["attempt"] == 4
    assert held["holder"] == f"sfn:{first}" and held["run_id"] == "run-0" and held["since"]
    assert "another run holds the lake" in held["message"]
    record = json.loads(_store().get_bytes(lake_layout().lease()))
    assert record["holder"] == f"sfn:{first}" and record["trigger"] == "schedule"

    # The holder was aborted (no Catch runs, so it never released): the next start takes the lease over.
    boto3.client("stepfunctions").stop_execution(executionArn=first)
    assert _acquire(handler, second)["acquired"] is True
    assert handler({"action": "lease_release", "execution_arn": first}, None)["released"] is False
    assert _store().exists(lake_layout().lease())
    assert handler({"action": "lease_release", "execution_arn": second}, None) == {
        "status": "SUCCEEDED",
        "released": True,
    }
    assert not _store().exists(lake_layout().lease())


def test_lease_actions_without_the_execution_fail_in_the_summary(aws: None, handler: Any) -> None:
    result = handler({"action": "lease_acquire", "run_id": "r"}, None)
    assert result["status"] == "FAILED" and "execution_arn" in result["error"]


def test_plan_reads_the_backlog_from_the_bucket(aws: None, handler: Any) -> None:
    store = _store()
    crawlers = {"bronze": "jozi-pizza-dev-bronze-crawler"}
    boto3.client("glue").create_crawler(
        Name=crawlers["bronze"], Role=ROLE, Targets={"S3Targets": [{"Path": f"s3://{BUCKET}/bronze/"}]}
    )
    names = [s.name for s in load_config().pipeline]
    job = next(s.name for s in load_config().pipeline if s.kind == "job" and s.job == "bronze_to_silver")
    gold = next(s.name for s in load_config().pipeline if s.kind == "job" and s.job == "silver_to_gold")
    crawl = next(s.name for s in load_config().pipeline if s.kind == "crawl" and s.layer == "bronze")

    quiet = handler({"action": "plan", "stages": [job, gold]}, None)
    assert quiet["status"] == "SUCCEEDED" and quiet["has_work"] is False
    assert quiet["stages"][job]["has_work"] is False

    store.put_bytes("bronze/orders/ingest_date=2026-06-01/run-a-00001.json.gz", b"x")
    backlog.mark_changed(store, "bronze", "run-a")
    busy = handler({"action": "plan", "stages": [job, crawl], "crawlers": crawlers}, None)
    assert busy["has_work"] is True
    assert busy["stages"][job] == {
        "stage": job,
        "has_work": True,
        "reason": "1 bronze file(s) to process",
        "detail": {"orders": 1},
    }
    assert busy["stages"][crawl]["has_work"] is True  # changed, never crawled

    everything = handler({"action": "plan", "crawlers": {**crawlers}}, None)
    assert everything["status"] == "FAILED"  # crawl stages of other layers were given no crawler
    assert "given no crawler" in everything["error"]
    assert set(handler({"action": "plan", "stages": names[:1]}, None)["stages"]) == {names[0]}
    unknown = handler({"action": "plan", "stages": ["nope"]}, None)
    assert unknown["status"] == "FAILED" and "nope" in unknown["error"]


class GlueAnswering:
    """GetCrawler answered as AWS documents it (LastCrawl.Status SUCCEEDED | CANCELLED | FAILED)."""

    def __init__(self, status: str, started: dt.datetime) -> None:
        self.answer = {"Crawler": {"LastCrawl": {"Status": status, "StartTime": started}}}

    def get_crawler(self, Name: str) -> dict[str, Any]:
        return self.answer


def test_a_crawl_that_succeeded_after_the_change_leaves_no_work(aws: None) -> None:
    store = _store()
    changed = dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC)
    backlog.mark_changed(store, "bronze", "run-a", at=changed)
    crawl = next(s.name for s in load_config().pipeline if s.kind == "crawl" and s.layer == "bronze")
    crawlers = {"bronze": "c"}
    after, before = changed + dt.timedelta(minutes=5), changed - dt.timedelta(minutes=5)
    for status, started, work in [
        ("SUCCEEDED", after, False),
        ("SUCCEEDED", before, True),
        ("FAILED", after, True),  # a failed crawl left the catalogue behind
    ]:
        clock = run_control.glue_crawl_clock(GlueAnswering(status, started), crawlers)
        assert run_control.plan(store, [crawl], clock)["stages"][crawl]["has_work"] is work, status


def test_a_rejected_file_is_alerted_on_the_topic(
    aws: None, handler: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name="jozi-pizza-dev-alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName="alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    monkeypatch.setenv("LAKE_ALERT_TOPIC_ARN", topic)
    raw = copy.deepcopy(load_config().raw)
    raw["sources"]["air_quality"] = {"kind": "files", "files": {"format": "csv"}}
    project = tmp_path / "project"
    project.mkdir()
    (project / "lake.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("LAKE_PROJECT_DIR", str(project))
    store = _store()
    store.put_bytes("landing/air_quality/air_2026-06-07.csv", b"station,pm25\nJHB-01,9.5\n")
    store.put_bytes("landing/air_quality/air_2026-06-08.csv", b"")
    result = handler({"run_id": "exec-alert", "sources": ["air_quality"]}, None)
    # The empty file is rejected; the good one's row reached bronze, where no contract reads it yet (this
    # project has none for the new source): both are alerted.
    assert result["rejected_files"] == 1 and result["alerts_sent"] == 2, result
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 2
    bodies = {b["Subject"]: b["Message"] for b in (json.loads(m["Body"]) for m in messages)}
    assert set(bodies) == {
        "[lake dev] file rejected: air_quality",
        "[lake dev] bronze no contract reads: air_quality",
    }
    text = bodies["[lake dev] file rejected: air_quality"]
    assert text.startswith(
        "rejected file landing/air_quality/air_2026-06-08.csv (air_quality): empty file; kept as "
        "rejected/air_quality/"
    )
    assert '"rejected_key": "rejected/air_quality/' in text
    assert bodies["[lake dev] bronze no contract reads: air_quality"].startswith(
        "unread bronze bronze/air_quality/ (air_quality): 1 row(s) landed in bronze and no silver contract "
        "reads them (they wait there); fix: run `lake contract draft air_quality`"
    )


def test_without_a_topic_the_alert_is_a_log_line(capsys: pytest.CaptureFixture[str]) -> None:
    from jozi_lake import notify

    notifier = notify.lambda_notifier({}, lambda: pytest.fail("no SNS client without a topic"))
    notifier.notify(notify.held_batch_alert("dev", "orders", "run-a", "rule x failed", "fix the contract"))
    assert (
        capsys.readouterr().out.strip() == "held batch run-a (orders): rule x failed; fix: fix the contract"
    )
