"""The S3 implementation (moto, in-process) and the Lambda handler end to end with S3 + Secrets Manager."""

from __future__ import annotations

import gzip
import importlib.util
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from ingest_support import TOKEN, api_config, served_lines
from moto import mock_aws

from jozi_lake.demo.source_api import SourceApiServer
from jozi_lake.ingest import ingest_api, ingest_drops
from jozi_lake.storage import S3ObjectStore

REPO = Path(__file__).resolve().parents[2]
BUCKET = "jozi-pizza-dev-lake"
REGION = "af-south-1"


@pytest.fixture()
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield


def _s3_lines(store: S3ObjectStore, source: str) -> Counter[bytes]:
    lines: Counter[bytes] = Counter()
    for key in store.list_keys(f"bronze/{source}/"):
        lines.update(gzip.decompress(store.get_bytes(key)).splitlines())
    return lines


def test_ingest_into_s3(aws: None, api: SourceApiServer, source_dir: Path) -> None:
    store = S3ObjectStore(BUCKET, client=boto3.client("s3", region_name=REGION))
    api.as_of = "2026-06-02 12:00:00"
    first = ingest_api(store, api_config(api), sources=["orders", "dispatch_events"])
    assert first["status"] == "SUCCEEDED"
    assert _s3_lines(store, "orders") == served_lines(source_dir, "orders", "2026-06-02 12:00:00")
    api.as_of = None
    second = ingest_api(store, api_config(api), sources=["orders", "dispatch_events"])
    assert second["new_rows"] > 0
    for source in ("orders", "dispatch_events"):
        assert _s3_lines(store, source) == served_lines(source_dir, source)
    state = json.loads(store.get_bytes("bronze/_state/ingest/orders.json"))
    assert state["watermark"] and state["in_progress"] is None
    assert store.exists(f"bronze/_manifests/ingest/{second['run_id']}.json")


def test_file_drops_on_s3(aws: None) -> None:
    store = S3ObjectStore(BUCKET, client=boto3.client("s3", region_name=REGION))
    store.put_bytes("landing/menu/menu_2026-06-01.csv", b"item_id,name\nITM-01,Margherita\n")
    summary = ingest_drops(store, ["menu"])
    assert summary["status"] == "SUCCEEDED" and summary["new_rows"] == 1
    assert ingest_drops(store, ["menu"])["new_rows"] == 0


def _load_handler() -> Any:
    spec = importlib.util.spec_from_file_location("ingest_handler", REPO / "lambda" / "ingest_handler.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _lambda_env(monkeypatch: pytest.MonkeyPatch, api: SourceApiServer, secret_arn: str) -> None:
    env = {
        "LAKE_ENV": "dev",
        "LAKE_BUCKET": BUCKET,
        "LAKE_BRONZE_PREFIX": "bronze/",
        "SOURCE_BASE_URL": api.base_url,
        "SOURCE_ENDPOINTS": json.dumps([{"name": n, "endpoint": e} for n, e in api.endpoints.items()]),
        "SOURCE_PAGINATION": "cursor",
        "SOURCE_PAGE_SIZE": "200",
        "SOURCE_AUTH_HEADER": "Authorization",
        "SOURCE_TOKEN_SECRET_ARN": secret_arn,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_lambda_handler_end_to_end(
    aws: None, api: SourceApiServer, source_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="jozi-pizza/dev/source-api-token", SecretString=json.dumps({"token": TOKEN})
    )
    _lambda_env(monkeypatch, api, secret["ARN"])
    handler = _load_handler().handler
    result = handler({"run_id": "exec-2026-06-05", "trigger": "step-functions"}, None)
    json.dumps(result)  # Step Functions needs plain JSON
    assert result["status"] == "SUCCEEDED" and result["has_new_data"] is True
    assert result["run_id"] == "exec-2026-06-05"
    assert result["new_rows"] == sum(sum(served_lines(source_dir, s).values()) for s in api.endpoints)
    store = S3ObjectStore(BUCKET, client=boto3.client("s3", region_name=REGION))
    assert _s3_lines(store, "complaints") == served_lines(source_dir, "complaints")
    again = handler({"run_id": "exec-2026-06-06"}, None)
    assert again["status"] == "SUCCEEDED" and again["has_new_data"] is False


def test_lambda_handler_copies_file_drops_in_the_same_step(
    aws: None, api: SourceApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="jozi-pizza/dev/source-api-token", SecretString=TOKEN
    )
    _lambda_env(monkeypatch, api, secret["ARN"])
    handler = _load_handler().handler
    assert handler({"run_id": "exec-a"}, None)["status"] == "SUCCEEDED"
    store = S3ObjectStore(BUCKET, client=boto3.client("s3", region_name=REGION))
    store.put_bytes("landing/menu/menu_2026-06-07.csv", b"item_id,name\nITM-99,Bunny chow pizza\n")
    result = handler({"run_id": "exec-b"}, None)
    assert result["status"] == "SUCCEEDED"
    assert (result["api_rows"], result["drop_rows"], result["has_new_data"]) == (0, 1, True)
    assert any(k.endswith(".csv.gz") for k in store.list_keys("bronze/menu/"))
    assert store.exists("bronze/_manifests/ingest/exec-b-drops.json")


def test_lambda_handler_reports_configuration_problems(
    aws: None, api: SourceApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="jozi-pizza/dev/source-api-token", SecretString="wrong-token"
    )
    _lambda_env(monkeypatch, api, secret["ARN"])
    handler = _load_handler().handler
    result = handler({"run_id": "exec-1", "sources": ["menu"]}, None)
    assert result["status"] == "FAILED" and "HTTP 401" in result["error"] and result["has_new_data"] is False
    monkeypatch.delenv("SOURCE_BASE_URL")
    missing = handler({}, None)
    assert missing["status"] == "FAILED" and "SOURCE_BASE_URL" in missing["error"]
    assert missing["has_new_data"] is False
