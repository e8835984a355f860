"""Throttled S3: the runtime's client retries SlowDown in standard mode, and gives up with a clear error.

A real S3 API (moto_server on 127.0.0.1) sits behind a small HTTP proxy written here that answers the
first N requests for each object (method + path + query) with ``503 SlowDown`` and S3's XML error body,
as S3 does under a burst of requests to one prefix, and forwards the rest. The proxy counts every
request, so the tests see exactly how many attempts botocore made.
"""

from __future__ import annotations

import http.client
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from jozi_lake.errors import LakeError
from jozi_lake.retries import MAX_ATTEMPTS, runtime_client
from jozi_lake.storage import S3ObjectStore, Throttled

pytestmark = [pytest.mark.slow]  # real backoff sleeps (standard mode: up to 1 s, 2 s, ... per retry)

BUCKET = "throttled-lake"
SLOW_DOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message><RequestId>FAULTS</RequestId></Error>"
)


class ThrottlingProxy(ThreadingHTTPServer):
    """Forwards to ``upstream``; the first ``throttle[request]`` requests of a kind get 503 SlowDown."""

    daemon_threads = True

    def __init__(self, upstream: tuple[str, int]) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.upstream = upstream
        self.throttle_first = 0
        self.seen: Counter[str] = Counter()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ProxyHandler(BaseHTTPRequestHandler):
    server: ThrottlingProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        request = f"{self.command} {self.path}"
        with self.server.lock:
            self.server.seen[request] += 1
            throttled = self.server.seen[request] <= self.server.throttle_first
        if throttled:
            self.send_response(503)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(SLOW_DOWN)))
            self.end_headers()
            self.wfile.write(SLOW_DOWN)
            return
        upstream = http.client.HTTPConnection(*self.server.upstream, timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            headers["Host"] = f"{self.server.upstream[0]}:{self.server.upstream[1]}"
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
        finally:
            upstream.close()
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle


@pytest.fixture(scope="module")
def proxy() -> Iterator[ThrottlingProxy]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    front = ThrottlingProxy(server.get_host_and_port())
    thread = threading.Thread(target=front.serve_forever, daemon=True)
    thread.start()
    try:
        yield front
    finally:
        front.shutdown()
        server.stop()


@pytest.fixture()
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture()
def store(proxy: ThrottlingProxy, aws_env: None) -> Iterator[S3ObjectStore]:
    proxy.throttle_first = 0
    client = runtime_client("s3", endpoint_url=proxy.url)
    client.create_bucket(Bucket=BUCKET)
    proxy.seen.clear()
    yield S3ObjectStore(BUCKET, client=client)
    proxy.throttle_first = 0
    for key in list(S3ObjectStore(BUCKET, client=client).list_keys()):
        client.delete_object(Bucket=BUCKET, Key=key)
    client.delete_bucket(Bucket=BUCKET)


def test_the_default_client_retries_in_standard_mode(aws_env: None) -> None:
    """What S3ObjectStore builds when nobody passes a client (the Glue jobs, the Lambda)."""
    config = S3ObjectStore(BUCKET).client.meta.config
    assert config.retries == {"mode": "standard", "total_max_attempts": MAX_ATTEMPTS}


def test_put_get_list_succeed_after_slow_downs(proxy: ThrottlingProxy, store: S3ObjectStore) -> None:
    proxy.throttle_first = 2
    store.put_bytes("silver/_state/orders/processed.json", b'{"files": {}}')
    assert store.get_bytes("silver/_state/orders/processed.json") == b'{"files": {}}'
    assert list(store.list_keys("silver/")) == ["silver/_state/orders/processed.json"]
    assert store.create("state/leases/pipeline.json", b"{}") is True
    by_method = {request.split(" ")[0]: count for request, count in proxy.seen.items()}
    # Each call: two SlowDowns, then the answer; nothing more (one retry too few would have failed).
    assert sorted(proxy.seen.values()) == [3, 3, 3, 3], proxy.seen
    assert set(by_method) == {"PUT", "GET"}


def test_throttling_that_outlasts_the_retries_is_one_clear_error(
    proxy: ThrottlingProxy, store: S3ObjectStore, aws_env: None
) -> None:
    attempts = 3  # a shorter budget than the default keeps the backoff (up to 1+2 s) short
    client = runtime_client("s3", endpoint_url=proxy.url, max_attempts=attempts)
    patient = S3ObjectStore(BUCKET, client=client)
    proxy.throttle_first = 100
    with pytest.raises(Throttled) as caught:
        patient.put_bytes("gold/fact_deliveries/part-0.parquet", b"x")
    error = caught.value
    assert isinstance(error, LakeError)
    assert str(error.message) == (
        f"AWS is throttling requests (SlowDown) while writing s3://{BUCKET}/gold/fact_deliveries/"
        f"part-0.parquet, even after {attempts} attempts"
    )
    assert "\n" not in str(error) and error.hint and error.hint.startswith("wait a minute")
    assert list(proxy.seen.values()) == [attempts], proxy.seen
