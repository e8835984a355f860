"""The S3 implementation (moto, in-process) and the Lambda handler end to end with S3 + Secrets Manager.

The handler reads its sources from the project's lake.yaml (here a copy under LAKE_PROJECT_DIR whose
dev base URLs point at loopback servers), exactly as the zip reads its packaged lake.json.
"""

from __future__ import annotations

import copy
import gzip
import importlib.util
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from ingest_support import TOKEN, ingest_jozi, served_lines
from loopback_api import Call, LoopbackApi, Reply, json_array_link, make_records
from moto import mock_aws

from jozi_lake.config import load_config
from jozi_lake.demo.source_api import SourceApiServer
from jozi_lake.ingest import ingest_files
from jozi_lake.storage import S3ObjectStore

REPO = Path(__file__).resolve().parents[2]
BUCKET = "jozi-pizza-dev-lake"
REGION = "af-south-1"


@pytest.fixture()
def aws(fake_aws: str) -> Iterator[None]:
    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield


def _s3() -> S3ObjectStore:
    return S3ObjectStore(BUCKET, client=boto3.client("s3", region_name=REGION))


def _s3_lines(store: S3ObjectStore, source: str) -> Counter[bytes]:
    lines: Counter[bytes] = Counter()
    for key in store.list_keys(f"bronze/{source}/"):
        lines.update(gzip.decompress(store.get_bytes(key)).splitlines())
    return lines


def test_ingest_into_s3(aws: None, api: SourceApiServer, source_dir: Path) -> None:
    store = _s3()
    api.as_of = "2026-06-02 12:00:00"
    first = ingest_jozi(store, api, sources=["orders", "dispatch_events"])
    assert first.status == "SUCCEEDED"
    assert _s3_lines(store, "orders") == served_lines(source_dir, "orders", "2026-06-02 12:00:00")
    api.as_of = None
    second = ingest_jozi(store, api, sources=["orders", "dispatch_events"])
    assert second.new_rows > 0
    for source in ("orders", "dispatch_events"):
        assert _s3_lines(store, source) == served_lines(source_dir, source)
    state = json.loads(store.get_bytes("state/ingest/orders.json"))
    assert state["watermark"] and state["in_progress"] is None
    assert store.exists(f"state/manifests/ingest/{second.run_id}.json")


def test_file_drops_on_s3(aws: None) -> None:
    store = _s3()
    store.put_bytes("landing/menu/menu_2026-06-01.csv", b"item_id,name\nITM-01,Margherita\n")
    store.put_bytes("landing/menu/menu_2026-06-02.csv.gz", b"not gzip")
    summary = ingest_files(store, ["menu"])
    assert summary.status == "SUCCEEDED" and summary.new_rows == 1
    (rejected,) = summary.rejected_files
    assert store.exists(rejected.rejected_key) and store.exists(rejected.reason_key)
    assert not store.exists("landing/menu/menu_2026-06-02.csv.gz")
    assert ingest_files(store, ["menu"]).new_rows == 0


def _load_handler() -> Any:
    spec = importlib.util.spec_from_file_location("ingest_handler", REPO / "lambda" / "ingest_handler.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _project(tmp_path: Path, dev_url: str, extra_sources: dict[str, Any] | None = None) -> Path:
    """A project folder whose lake.yaml points dev at ``dev_url`` (and adds ``extra_sources``)."""
    raw = copy.deepcopy(load_config().raw)
    raw["source_templates"]["jozi_store_api"]["base_url"]["dev"] = dev_url
    raw["sources"].update(extra_sources or {})
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "lake.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return folder


def _lambda_env(monkeypatch: pytest.MonkeyPatch, project: Path, secrets: dict[str, str]) -> None:
    monkeypatch.setenv("LAKE_PROJECT_DIR", str(project))
    monkeypatch.setenv("LAKE_ENV", "dev")
    monkeypatch.setenv("LAKE_BUCKET", BUCKET)
    monkeypatch.setenv("LAKE_SOURCE_SECRETS", json.dumps(secrets))


def _secret(name: str, value: str) -> str:
    return boto3.client("secretsmanager", region_name=REGION).create_secret(Name=name, SecretString=value)[
        "ARN"
    ]


def test_lambda_handler_end_to_end(
    aws: None, api: SourceApiServer, source_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    arn = _secret("jozi-pizza/dev/sources/jozi_store_api", json.dumps({"token": TOKEN}))
    _lambda_env(monkeypatch, _project(tmp_path, api.base_url), {"jozi_store_api": arn})
    handler = _load_handler().handler
    result = handler({"run_id": "exec-2026-06-05", "trigger": "step-functions"}, None)
    json.dumps(result)  # Step Functions needs plain JSON
    assert result["status"] == "SUCCEEDED" and result["has_new_data"] is True
    assert result["run_id"] == "exec-2026-06-05" and result["env"] == "dev"
    assert result["new_rows"] == sum(sum(served_lines(source_dir, s).values()) for s in api.endpoints)
    assert all("keys" not in s for s in result["sources"].values())  # the keys stay in the manifest
    store = _s3()
    assert _s3_lines(store, "complaints") == served_lines(source_dir, "complaints")
    manifest = json.loads(store.get_bytes("state/manifests/ingest/exec-2026-06-05.json"))
    assert manifest["sources"]["complaints"]["keys"]
    again = handler({"run_id": "exec-2026-06-06"}, None)
    assert again["status"] == "SUCCEEDED" and again["has_new_data"] is False


def test_lambda_handler_lands_files_and_an_api_key_source_with_its_own_secret(
    aws: None, api: SourceApiServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    records = make_records(4)
    inner = json_array_link(records)

    def weather(call: Call) -> Reply:
        return inner(call) if call.headers.get("x-api-key") == "wk-1" else (403, {}, b'{"error":"forbidden"}')

    with LoopbackApi(weather) as vendor:
        extra = {
            "weather": {
                "kind": "http",
                "base_url": {"dev": vendor.base_url},
                "path": "/obs",
                "auth": {"type": "api_key", "header": "X-Api-Key"},
                "params": {"_limit": 100},
            },
            "air_quality": {"kind": "files", "files": {"format": "csv", "csv": {"null_values": ["NA"]}}},
        }
        secrets = {
            "jozi_store_api": _secret("jozi-pizza/dev/sources/jozi_store_api", TOKEN),
            "weather": _secret("jozi-pizza/dev/sources/weather", '{"api_key": "wk-1"}'),
        }
        _lambda_env(monkeypatch, _project(tmp_path, api.base_url, extra), secrets)
        store = _s3()
        store.put_bytes("landing/air_quality/air_2026-06-07.csv", b"station,pm25\nJHB-01,NA\nJHB-02,9.5\n")
        store.put_bytes("landing/air_quality/air_2026-06-08.csv", b"")
        handler = _load_handler().handler
        result = handler({"run_id": "exec-b", "sources": ["weather", "air_quality"]}, None)
    assert result["status"] == "SUCCEEDED", result
    assert result["sources"]["weather"]["rows"] == 4 and result["sources"]["air_quality"]["rows"] == 2
    assert result["rejected_files"] == 1
    (rejected,) = result["sources"]["air_quality"]["rejected"]
    assert rejected["file"] == "landing/air_quality/air_2026-06-08.csv" and rejected["reason"] == "empty file"
    assert any(k.endswith(".csv.gz") for k in store.list_keys("bronze/air_quality/"))


def test_lambda_handler_reports_configuration_problems(
    aws: None, api: SourceApiServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    arn = _secret("jozi-pizza/dev/sources/jozi_store_api", "wrong-token")
    project = _project(tmp_path, api.base_url)
    _lambda_env(monkeypatch, project, {"jozi_store_api": arn})
    handler = _load_handler().handler
    result = handler({"run_id": "exec-1", "sources": ["menu"]}, None)
    assert result["status"] == "FAILED" and "HTTP 401" in result["error"] and result["has_new_data"] is False
    assert "jozi_store_api" in result["hint"]
    _lambda_env(monkeypatch, project, {})
    unnamed = handler({"run_id": "exec-2", "sources": ["menu"]}, None)
    assert unnamed["status"] == "FAILED" and "LAKE_SOURCE_SECRETS" in unnamed["error"]
    monkeypatch.delenv("LAKE_BUCKET")
    missing = handler({}, None)
    assert missing["status"] == "FAILED" and "LAKE_BUCKET" in missing["error"]
    assert missing["has_new_data"] is False
    unknown = handler({"action": "sing"}, None)
    assert unknown["status"] == "FAILED" and "unknown action 'sing'" in unknown["error"]
    assert "ingest" in unknown["hint"] and unknown["has_new_data"] is False
