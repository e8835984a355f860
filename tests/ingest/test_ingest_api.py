"""The Jozi fixture API as one configured http source: as received, watermarked, resumable, strict.

Every case runs the lake.yaml definition of the Jozi sources (template ``jozi_store_api``) against the
demo world's fixture API, with small pages and fast retries (ingest_support.TEST_SETTINGS).
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from ingest_support import FakeSleep, bronze_lines, ingest, jozi_config, served_lines

from jozi_lake.demo.source_api import Fault, SourceApiServer
from jozi_lake.errors import LakeError
from jozi_lake.storage import LocalObjectStore, StorageError

PAGE_KEY = re.compile(
    r"^bronze/(\w+)/ingest_date=\d{4}-\d{2}-\d{2}/(\d{8}T\d{6}Z-[0-9a-f]{6}|run-\w+)-(\d{5})\.json\.gz$"
)


def _state(store: LocalObjectStore, source: str) -> dict:
    return json.loads(store.get_bytes(f"state/ingest/{source}.json"))


def _manifest(store: LocalObjectStore, run_id: str) -> dict:
    return json.loads(store.get_bytes(f"state/manifests/ingest/{run_id}.json"))


def test_full_run_lands_every_record_as_received(
    api: SourceApiServer, store: LocalObjectStore, source_dir: Path, fake_sleep: FakeSleep
) -> None:
    summary = ingest(store, api, sleep=fake_sleep)
    assert summary["status"] == "SUCCEEDED" and summary["has_new_data"]
    total = 0
    for source in api.endpoints:
        assert bronze_lines(store, source) == served_lines(source_dir, source), source
        total += sum(served_lines(source_dir, source).values())
    assert summary["new_rows"] == total
    data_keys = [k for k in store.list_keys("bronze/") if not k.startswith("bronze/_")]
    assert data_keys and all(PAGE_KEY.match(k) for k in data_keys)
    manifest = _manifest(store, summary["run_id"])
    assert manifest["status"] == "SUCCEEDED" and manifest["finished_at"]
    assert all(s["started_at"] <= s["finished_at"] for s in manifest["sources"].values())
    assert sorted(k for s in manifest["sources"].values() for k in s["keys"]) == sorted(data_keys)
    orders_state = _state(store, "orders")
    assert orders_state["in_progress"] is None
    assert orders_state["watermark"] == max(
        json.loads(line.decode("utf-8", "surrogateescape"))["updated_at"]
        for line in served_lines(source_dir, "orders")
    )
    assert fake_sleep.calls == []
    # Each page is stored byte for byte: the decompressed objects are exactly the bodies served.
    assert all(gzip.decompress(store.get_bytes(k)).endswith(b"\n") for k in data_keys)


def test_non_utf8_bytes_survive_into_bronze(api: SourceApiServer, store: LocalObjectStore) -> None:
    ingest(store, api, sources=["complaints", "ratings"])
    raw = list(bronze_lines(store, "complaints")) + list(bronze_lines(store, "ratings"))
    broken = [line for line in raw if b"\xe9" in line or b"\xe8" in line or b"\xf1" in line]
    assert broken
    with pytest.raises(UnicodeDecodeError):
        broken[0].decode("utf-8")


def test_rerun_of_the_same_window_adds_nothing(api: SourceApiServer, store: LocalObjectStore) -> None:
    api.as_of = "2026-06-03 00:00:00"
    ingest(store, api)
    before = list(store.list_keys("bronze/orders/"))
    second = ingest(store, api)
    assert second["status"] == "SUCCEEDED"
    assert second["new_rows"] == 0 and second["has_new_data"] is False
    assert list(store.list_keys("bronze/orders/")) == before


def test_next_run_continues_from_the_watermark(
    api: SourceApiServer, store: LocalObjectStore, source_dir: Path
) -> None:
    api.as_of = "2026-06-02 00:00:00"
    first = ingest(store, api)
    api.as_of = "2026-06-03 00:00:00"
    second = ingest(store, api)
    day_one = sum(served_lines(source_dir, "orders", "2026-06-02 00:00:00").values())
    day_two = sum(served_lines(source_dir, "orders", "2026-06-03 00:00:00").values())
    assert first["sources"]["orders"]["rows"] == day_one
    assert second["sources"]["orders"]["rows"] == day_two - day_one > 0
    assert second["sources"]["orders"]["updated_since"] == first["sources"]["orders"]["watermark"]
    assert any("updated_since=" in path for path in api.requests)
    for source in api.endpoints:
        assert bronze_lines(store, source) == served_lines(source_dir, source, "2026-06-03 00:00:00")


# The fixture's page mode (``?page=N``) announces the next page with an RFC 8288 Link header.
LINK_STYLE = {"pagination": {"style": "link"}, "params": {"page": 1}}


def test_page_mode_followed_by_link_headers(
    api: SourceApiServer, store: LocalObjectStore, source_dir: Path
) -> None:
    summary = ingest(store, api, config=jozi_config(**LINK_STYLE), sources=["dispatch_events"])
    assert summary["status"] == "SUCCEEDED" and summary["sources"]["dispatch_events"]["pages"] > 1
    assert bronze_lines(store, "dispatch_events") == served_lines(source_dir, "dispatch_events")
    assert any("page=2" in path for path in api.requests)
    assert summary["sources"]["dispatch_events"]["pagination"] == 'no Link rel="next"'


@pytest.mark.parametrize(
    ("fault", "expected_sleeps"),
    [
        (Fault("rate_limit", times=2, retry_after=3), [3.0, 3.0]),
        (Fault("server_error", times=2, status=502), None),
        (Fault("truncated", times=1), None),
        (Fault("slow", times=1, delay=0.6), None),
    ],
    ids=["429-retry-after", "5xx", "truncated", "timeout"],
)
def test_transient_faults_are_retried(
    fault: Fault,
    expected_sleeps: list[float] | None,
    api: SourceApiServer,
    store: LocalObjectStore,
    source_dir: Path,
    fake_sleep: FakeSleep,
) -> None:
    fault.skip, fault.source = 1, "orders"  # the second page misbehaves
    api.inject(fault)
    config = jozi_config(timeout_seconds=0.3)
    summary = ingest(store, api, config=config, sources=["orders"], sleep=fake_sleep)
    assert summary["status"] == "SUCCEEDED", summary
    assert bronze_lines(store, "orders") == served_lines(source_dir, "orders")
    if expected_sleeps is not None:
        assert fake_sleep.calls == expected_sleeps
    else:
        # Full jitter: every pause is within [0, min(cap, base * 2^n)].
        assert fake_sleep.calls and all(0 <= s <= 0.05 for s in fake_sleep.calls)


@pytest.mark.parametrize(
    ("fault", "message", "hint"),
    [
        (Fault("wrong_content_type", skip=1), "content type 'text/html'", "base_url and path"),
        (Fault("empty_body", skip=1), "empty or incomplete response", "response.count_header"),
        (Fault("malformed", skip=1), "malformed record", "response.format"),
        (Fault("duplicate_page", skip=1), "pagination loop|same page twice", "pagination"),
        (Fault("endless_cursor", times=10_000), "empty pages", "pagination.max_empty_pages"),
        (Fault("server_error", times=10_000, skip=1), "still failing after 4 attempts", "next run resumes"),
    ],
    ids=[
        "wrong-content-type",
        "empty-body",
        "malformed",
        "duplicate-page",
        "endless-cursor",
        "retries-exhausted",
    ],
)
def test_bad_input_fails_the_run_clearly_and_consistently(
    fault: Fault,
    message: str,
    hint: str,
    api: SourceApiServer,
    store: LocalObjectStore,
    source_dir: Path,
    fake_sleep: FakeSleep,
) -> None:
    fault.source = "orders"
    api.inject(fault)
    summary = ingest(store, api, sources=["orders", "menu"], sleep=fake_sleep)
    assert summary["status"] == "FAILED"
    assert re.search(message, summary["error"]), summary["error"]
    orders = summary["sources"]["orders"]
    # The message names the source and the URL; the hint says what to change.
    assert (
        orders["error"].startswith(f"orders: {api.base_url}/v1/orders?") and "first bytes:" in orders["error"]
    )
    assert hint in orders["hint"], orders["hint"]
    assert summary["sources"]["menu"]["status"] == "SUCCEEDED"  # other sources still land
    manifest = _manifest(store, summary["run_id"])
    assert manifest["status"] == "FAILED" and manifest["sources"]["orders"]["status"] == "FAILED"
    assert manifest["sources"]["orders"]["failure"] == orders["failure"]
    state = _state(store, "orders") if store.exists("state/ingest/orders.json") else {"watermark": None}
    assert state["watermark"] is None  # not moved by a failed window
    # What landed is a clean prefix of the served records, never a broken or repeated page.
    landed = bronze_lines(store, "orders")
    assert all(n == served_lines(source_dir, "orders")[line] for line, n in landed.items())
    # With the API healthy again, a rerun completes the window exactly.
    api.clear_faults()
    rerun = ingest(store, api, sources=["orders"], sleep=fake_sleep)
    assert rerun["status"] == "SUCCEEDED"
    assert bronze_lines(store, "orders") == served_lines(source_dir, "orders")


def test_failed_page_leaves_a_resumable_window(
    api: SourceApiServer, store: LocalObjectStore, source_dir: Path, fake_sleep: FakeSleep
) -> None:
    api.inject(Fault("server_error", times=100, skip=2, source="kitchen_events"))
    failed = ingest(store, api, sources=["kitchen_events"], sleep=fake_sleep)
    assert failed["status"] == "FAILED" and failed["sources"]["kitchen_events"]["pages"] == 2
    window = _state(store, "kitchen_events")["in_progress"]
    assert window["run_id"] == failed["run_id"] and window["pages"] == 2
    assert window["request"]["params"]["cursor"]
    api.clear_faults()
    rerun = ingest(store, api, sources=["kitchen_events"], sleep=fake_sleep)
    assert rerun["sources"]["kitchen_events"]["resumed_run_id"] == failed["run_id"]
    keys = list(store.list_keys("bronze/kitchen_events/"))
    assert all(failed["run_id"] in k for k in keys)  # one window, one numbering, no gaps
    assert [int(k[-13:-8]) for k in keys] == list(range(1, len(keys) + 1))
    assert bronze_lines(store, "kitchen_events") == served_lines(source_dir, "kitchen_events")
    assert _state(store, "kitchen_events")["in_progress"] is None


def test_an_open_window_resumes_at_a_new_base_url(
    source_dir: Path, store: LocalObjectStore, fake_sleep: FakeSleep
) -> None:
    """Locally the fixture API gets another port every run: the saved request moves with it."""
    from ingest_support import TOKEN

    from jozi_lake.demo.source_api import endpoints_from_config

    with SourceApiServer(source_dir, endpoints_from_config(), token=TOKEN) as first_api:
        first_api.inject(Fault("server_error", times=100, skip=1, source="orders"))
        failed = ingest(store, first_api, sources=["orders"], sleep=fake_sleep)
    assert failed["status"] == "FAILED"
    with SourceApiServer(source_dir, endpoints_from_config(), token=TOKEN) as second_api:
        rerun = ingest(store, second_api, sources=["orders"], sleep=fake_sleep)
        assert any("cursor=" in path for path in second_api.requests)
    assert rerun["status"] == "SUCCEEDED" and rerun["sources"]["orders"]["resumed_run_id"] == failed["run_id"]
    assert bronze_lines(store, "orders") == served_lines(source_dir, "orders")


def test_a_crash_while_writing_leaves_no_partial_object(
    api: SourceApiServer, store: LocalObjectStore, source_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_put = LocalObjectStore.put_bytes
    writes = {"n": 0}

    def flaky_put(self: LocalObjectStore, key: str, data: bytes, content_type: str | None = None) -> None:
        if key.endswith(".json.gz") and "/_" not in key:
            writes["n"] += 1
            if writes["n"] == 3:
                # Die half-way through the write, as a killed process would.
                target = self.base / key
                target.parent.mkdir(parents=True, exist_ok=True)
                (target.parent / f".{target.name}.crash.tmp").write_bytes(data[: len(data) // 2])
                raise StorageError("disk full")
        real_put(self, key, data, content_type)

    monkeypatch.setattr(LocalObjectStore, "put_bytes", flaky_put)
    failed = ingest(store, api, sources=["order_items"])
    assert failed["status"] == "FAILED" and "disk full" in failed["error"]
    for key in store.list_keys("bronze/order_items/"):
        gzip.decompress(store.get_bytes(key))  # every visible object is whole
    monkeypatch.setattr(LocalObjectStore, "put_bytes", real_put)
    assert ingest(store, api, sources=["order_items"])["status"] == "SUCCEEDED"
    assert bronze_lines(store, "order_items") == served_lines(source_dir, "order_items")


def test_wrong_token_is_not_retried(
    api: SourceApiServer, store: LocalObjectStore, fake_sleep: FakeSleep
) -> None:
    summary = ingest(store, api, token="nope", sources=["menu"], sleep=fake_sleep)
    assert summary["status"] == "FAILED" and "HTTP 401" in summary["error"]
    hint = summary["sources"]["menu"]["hint"]
    assert "jozi_store_api" in hint and "JOZI_SOURCE_API_TOKEN" in hint and "rerun" not in hint
    assert fake_sleep.calls == []


def test_configuration_errors_are_one_line(api: SourceApiServer, store: LocalObjectStore) -> None:
    with pytest.raises(LakeError, match="unknown source"):
        ingest(store, api, sources=["pizzas"])
    with pytest.raises(LakeError, match=r"sources\.orders\.pagination\.style: unknown value 'scroll'"):
        jozi_config(pagination={"style": "scroll"}).sources  # noqa: B018 - reading validates


@pytest.mark.parametrize("kind", ["duplicate_page", "endless_cursor", "rate_limit"])
def test_page_mode_faults(
    kind: str, api: SourceApiServer, store: LocalObjectStore, source_dir: Path, fake_sleep: FakeSleep
) -> None:
    api.inject(Fault(kind, skip=1, times=1 if kind == "rate_limit" else 10_000, source="order_items"))
    config = jozi_config(**LINK_STYLE)
    summary = ingest(store, api, config=config, sources=["order_items"], sleep=fake_sleep)
    if kind == "rate_limit":
        assert summary["status"] == "SUCCEEDED" and fake_sleep.calls == [1.0]
    else:
        assert summary["status"] == "FAILED"
        assert re.search("same page twice|empty pages", summary["error"]), summary["error"]
        api.clear_faults()
        assert ingest(store, api, config=config, sources=["order_items"])["status"] == "SUCCEEDED"
    assert bronze_lines(store, "order_items") == served_lines(source_dir, "order_items")


def test_a_corrupt_state_object_fails_that_source_only(api: SourceApiServer, store: LocalObjectStore) -> None:
    store.put_bytes("state/ingest/orders.json", b"{not json")
    summary = ingest(store, api, sources=["orders", "menu"])
    assert summary["status"] == "FAILED" and "JSONDecodeError" in summary["error"]
    assert summary["sources"]["menu"]["status"] == "SUCCEEDED"
    assert _manifest(store, summary["run_id"])["status"] == "FAILED"
