"""ingest, tables, status, and the mapping of AWS failures to one-line errors with a fix."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import requests
from aws_fakes import BUCKET, REGION, FakeDeployment, cli, create_lake_resources, outputs_document
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber
from moto import mock_aws

from jozi_lake.aws import backend as aws_backend
from jozi_lake.aws.backend import AwsBackend
from jozi_lake.aws.clients import open_session, translate
from jozi_lake.config import env_config
from jozi_lake.errors import LakeError
from jozi_lake.jobs.report import JobReport, TableReport, write_report
from jozi_lake.storage import S3ObjectStore

SUMMARY = {
    "status": "SUCCEEDED",
    "run_id": "r-1",
    "new_rows": 264,
    "has_new_data": True,
    "sources": {"orders": {"status": "SUCCEEDED", "rows": 250, "pages": 1}, "menu": {"rows": 14, "pages": 1}},
}


def test_ingest_invokes_the_function_and_prints_its_summary(deployed: FakeDeployment) -> None:
    seeded = requests.post(
        "http://motoapi.amazonaws.com/moto-api/static/lambda-simple/response",
        json={"results": [json.dumps(SUMMARY)], "region": REGION},
    )
    assert seeded.status_code == 201
    cli.ingest(env="dev")
    printed = deployed.printed
    assert "has_new_data" in printed and "True" in printed
    assert "orders" in printed and "250" in printed and "menu" in printed


def test_ingest_function_error_is_one_line_with_the_log_group(
    deployed: FakeDeployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws = open_session(env_config("dev"))
    monkeypatch.setattr(aws_backend, "open_session", lambda env: aws)
    client = aws.client("lambda", read_timeout=960, max_attempts=1)
    body = json.dumps(
        {"errorType": "SourceApiError", "errorMessage": "401 from /v1/orders\nTraceback ..."}
    ).encode()
    with Stubber(client) as stub:
        stub.add_response(
            "invoke",
            {
                "StatusCode": 200,
                "FunctionError": "Unhandled",
                "Payload": StreamingBody(io.BytesIO(body), len(body)),
            },
            {
                "FunctionName": "jozi-pizza-dev-ingest",
                "InvocationType": "RequestResponse",
                "LogType": "Tail",
                "Payload": ANY,
            },
        )
        with pytest.raises(LakeError) as caught:
            cli.ingest(env="dev")
    assert (
        caught.value.message
        == "ingest function jozi-pizza-dev-ingest failed: SourceApiError: 401 from /v1/orders"
    )
    assert "/aws/lambda/jozi-pizza-dev-ingest" in (caught.value.hint or "")


def test_tables_lists_every_layer(deployed: FakeDeployment) -> None:
    deployed.client("glue").create_table(
        DatabaseName="jozi_pizza_dev_gold",
        TableInput={
            "Name": "fact_deliveries",
            "StorageDescriptor": {
                "Columns": [{"Name": "order_id", "Type": "string"}, {"Name": "total_min", "Type": "double"}],
                "Location": f"s3://{BUCKET}/gold/fact_deliveries/",
            },
            "PartitionKeys": [{"Name": "order_date", "Type": "date"}],
        },
    )
    cli.tables(env="dev")
    printed = deployed.printed
    assert "jozi_pizza_dev_gold" in printed and "fact_deliveries" in printed and "order_date" in printed
    assert f"s3://{BUCKET}/gold/fact_deliveries/" in printed


def test_status_shows_executions_job_runs_and_crawls(deployed: FakeDeployment) -> None:
    cli.run_job("bronze_to_silver", env="dev")
    cli.crawl(layer=["gold"], env="dev")
    cli.run_pipeline(env="dev")
    deployed.buffer.truncate(0)
    deployed.buffer.seek(0)
    cli.status(env="dev")
    printed = deployed.printed
    assert "Glue code version: unknown" in printed  # the fake outputs name no deployed code version
    assert "Recent pipeline runs" in printed and "SUCCEEDED" in printed
    assert "Glue job runs" in printed and "bronze_to_silver" in printed
    assert "jozi-pizza-dev-gold" in printed and "COMPLETED" in printed
    assert "never" in printed  # the bronze and silver crawlers have not run
    assert "Latest job reports: none yet" in printed


def test_status_shows_what_waits_in_the_landing_queues(deployed: FakeDeployment) -> None:
    sqs = deployed.client("sqs")
    trigger = deployed.values["landing_trigger"]
    cli.status(env="dev")
    assert "Landing queue: 0 waiting, 0 being handled" in deployed.printed
    assert "Landing dead-letter queue: empty" in deployed.printed

    for n in range(3):
        sqs.send_message(QueueUrl=trigger["queue_url"], MessageBody=f'{{"file": {n}}}')
    sqs.receive_message(QueueUrl=trigger["queue_url"], MaxNumberOfMessages=1, VisibilityTimeout=300)
    sqs.send_message(QueueUrl=trigger["dlq_url"], MessageBody="{}")
    deployed.buffer.truncate(0)
    deployed.buffer.seek(0)
    cli.status(env="dev")
    printed = deployed.printed
    assert "Landing queue: 2 waiting, 1 being handled or deferred behind a run" in printed
    assert "Landing dead-letter queue: 1 message(s): landings no run started for" in printed


def test_status_without_a_landing_trigger_shows_no_queues(deployed: FakeDeployment) -> None:
    values = {**deployed.values, "landing_trigger": {"enabled": False, "queue_url": None, "dlq_url": None}}
    deployed.outputs_file.write_text(json.dumps(outputs_document(values)))
    cli.status(env="dev")
    assert "Landing" not in deployed.printed


def test_status_shows_the_latest_job_reports(deployed: FakeDeployment) -> None:
    report = JobReport(job="silver_to_gold", run_id="r-9", env="dev", started_at="2026-11-26T01:00:00+00:00")
    report.tables.append(TableReport(table="fact_deliveries", rows_read=900, rows_written=880))
    report.finish("succeeded")
    write_report(S3ObjectStore(BUCKET, client=deployed.client("s3")), report)
    cli.status(env="dev")
    printed = deployed.printed
    assert "Latest job reports" in printed and "fact_deliveries" in printed and "880" in printed


def test_missing_credentials(aws_credentials: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with mock_aws():
        values = create_lake_resources()
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs_document(values)))
    monkeypatch.setenv("LAKE_TF_OUTPUTS_FILE", str(path))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(LakeError) as caught:
        cli.status(env="dev")
    assert caught.value.message.startswith("no AWS credentials found while")
    assert "aws sso login" in (caught.value.hint or "")


def test_wrong_region_says_where_the_lake_is(
    deployed: FakeDeployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    with pytest.raises(LakeError) as caught:
        cli.run_job("bronze_to_silver", env="dev")
    assert "deployed in af-south-1 but the AWS region is eu-west-1" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("code", "message_start", "hint_part"),
    [
        (
            "ExpiredTokenException",
            "the AWS credentials have expired (ExpiredTokenException)",
            "aws sso login",
        ),
        ("ExpiredToken", "the AWS credentials have expired (ExpiredToken)", "aws sso login"),
        ("UnrecognizedClientException", "AWS rejected the credentials", "AWS_PROFILE"),
        ("ThrottlingException", "AWS is throttling requests (ThrottlingException)", "wait a minute"),
        ("AccessDeniedException", "access denied while", "operator policy"),
        ("403", "access denied while", "operator policy"),
        ("ValidationException", "AWS rejected the request while", "names and arguments"),
    ],
)
def test_client_errors_map_to_one_line_errors(
    deployed: FakeDeployment, monkeypatch: pytest.MonkeyPatch, code: str, message_start: str, hint_part: str
) -> None:
    aws = open_session(env_config("dev"))
    monkeypatch.setattr(aws_backend, "open_session", lambda env: aws)
    s3 = aws.client("s3")
    with Stubber(s3) as stub:
        stub.add_client_error("list_objects_v2", code, "nope", http_status_code=400)
        with pytest.raises(LakeError) as caught:
            cli.status(env="dev")
    assert caught.value.message.startswith(message_start)
    assert "\n" not in caught.value.message
    assert hint_part in (caught.value.hint or "")


def test_unreachable_endpoint_and_unknown_errors() -> None:
    unreachable = translate(
        EndpointConnectionError(endpoint_url="https://glue.xx-nowhere-1.amazonaws.com"), None, "x"
    )
    assert unreachable is not None
    assert unreachable.message == "cannot reach https://glue.xx-nowhere-1.amazonaws.com while x"
    assert "AWS_DEFAULT_REGION" in (unreachable.hint or "")
    other = ClientError({"Error": {"Code": "InternalFailure", "Message": "oops"}}, "GetJob")
    mapped = translate(other, None, "reading job")
    assert mapped is not None and mapped.message == "reading job failed: InternalFailure: oops"
    assert translate(ValueError("not AWS"), None, "x") is None


def test_local_env_is_refused() -> None:
    with pytest.raises(LakeError, match="--env local has no AWS resources"):
        AwsBackend(env_config("local"))


def test_unknown_profile_is_a_clear_error(
    aws_credentials: None, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(
        json.dumps(
            outputs_document(
                {
                    "bucket": "b",
                    "job_names": {"a": "A"},
                    "crawler_names": {"bronze": "c"},
                    "athena_workgroup": "w",
                }
            )
        )
    )
    monkeypatch.setenv("LAKE_TF_OUTPUTS_FILE", str(path))
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    with pytest.raises(LakeError) as caught:
        cli.status(env="dev")
    assert caught.value.message.startswith("cannot set up the AWS session")
    assert "AWS_PROFILE" in (caught.value.hint or "")
