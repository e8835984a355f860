"""Any REST API as a source by configuration: each pagination and body style, incremental reruns,
overlap, auth, politeness and each kind of bad input, against real loopback servers."""

from __future__ import annotations

import email.utils
import gzip
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from ingest_support import FakeSleep, config_with_sources
from loopback_api import (
    Call,
    Flaky,
    LoopbackApi,
    Reply,
    cursor_in_body,
    drf_pages,
    json_array_link,
    make_records,
    ndjson_pages,
    offset_wrapped,
    stripe_list,
)

from jozi_lake.config import LakeConfig
from jozi_lake.ingest import EnvironmentSecrets, IngestSummary, run_ingest
from jozi_lake.ingest.bodies import bronze_records
from jozi_lake.local.pipeline import ingest_stage_line
from jozi_lake.storage import LocalObjectStore

FAST = {"max_attempts": 3, "backoff_seconds": 0.01, "max_backoff_seconds": 0.02}
INCREMENTAL = {"field": "updated_at", "param": "since"}

# style id -> (route factory, source options). 23 records, 5 per page: 5 pages.
STYLES: dict[str, tuple[Callable[[list[dict[str, Any]]], Any], dict[str, Any]]] = {
    "json-array+link-header": (
        json_array_link,
        {"pagination": {"style": "link", "page_size": 5, "page_size_param": "_limit"}},
    ),
    "json-array+page+total-header": (
        json_array_link,
        {
            "pagination": {
                "style": "page",
                "page_param": "_page",
                "page_size": 5,
                "page_size_param": "_limit",
                "total_header": "X-Total-Count",
                "stop_on_short_page": False,
            }
        },
    ),
    "json-array+page+empty-page": (
        json_array_link,
        {
            "pagination": {
                "style": "page",
                "page_param": "_page",
                "page_size": 5,
                "page_size_param": "_limit",
                "stop_on_short_page": False,
            }
        },
    ),
    "stripe+starting_after": (
        stripe_list,
        {
            "records_path": "data",
            "pagination": {
                "style": "cursor",
                "cursor_field": "id",
                "cursor_param": "starting_after",
                "has_more_path": "has_more",
                "page_size": 5,
                "page_size_param": "limit",
            },
        },
    ),
    "drf+next-url": (
        drf_pages,
        {
            "records_path": "results",
            "pagination": {
                "style": "next_url",
                "next_url_path": "next",
                "page_size": 5,
                "page_size_param": "page_size",
            },
        },
    ),
    "offset+total-in-body+nested-records": (
        offset_wrapped,
        {
            "records_path": "items.records",
            "pagination": {
                "style": "offset",
                "page_size": 5,
                "page_size_param": "limit",
                "total_path": "total",
                "stop_on_short_page": False,
            },
        },
    ),
    "offset+total-header": (
        lambda records: offset_wrapped(records, total_in="header"),
        {
            "records_path": "items.records",
            "pagination": {
                "style": "offset",
                "page_size": 5,
                "page_size_param": "limit",
                "total_header": "X-Total-Count",
                "stop_on_short_page": False,
            },
        },
    ),
    "cursor-in-body": (
        cursor_in_body,
        {
            "records_path": "data",
            "pagination": {
                "style": "cursor",
                "cursor_path": "meta.next_cursor",
                "page_size": 5,
                "page_size_param": "limit",
            },
        },
    ),
    "ndjson+page-from-0+short-page": (
        ndjson_pages,
        {
            "response": {"format": "ndjson"},
            "pagination": {"style": "page", "first_page": 0, "page_size": 5, "page_size_param": "per_page"},
        },
    ),
}
# Requests a full pull of 23 records takes, where it differs from the 5 pages.
EXTRA_REQUESTS = {"json-array+page+empty-page": 1}


def source_entry(api: LoopbackApi, **options: Any) -> dict[str, Any]:
    return {
        "kind": "http",
        "base_url": {"local": api.base_url},
        "path": "/things",
        "retries": FAST,
        **options,
    }


def run(
    store: LocalObjectStore, config: LakeConfig, environ: dict[str, str] | None = None, **kwargs: Any
) -> IngestSummary:
    return run_ingest(store, env="local", config=config, secrets=EnvironmentSecrets(environ or {}), **kwargs)


def landed_ids(store: LocalObjectStore, config: LakeConfig, name: str = "things") -> list[str]:
    source = config.source(name)
    ids = []
    for key in store.list_keys(f"bronze/{name}/"):
        ids += [r["id"] for r in bronze_records(source, key, store.get_bytes(key), 10_000)]
    return ids


@pytest.mark.parametrize("style", list(STYLES))
def test_each_style_lands_every_record_once_and_reruns_incrementally(
    style: str, store: LocalObjectStore, fake_sleep: FakeSleep
) -> None:
    factory, options = STYLES[style]
    records = make_records(23)
    with LoopbackApi(factory(records)) as api:
        config = config_with_sources({"things": source_entry(api, incremental=INCREMENTAL, **options)})
        first = run(store, config, sleep=fake_sleep)
        result = first.sources["things"]
        assert first.status == "SUCCEEDED", first.error
        assert (result.rows, result.new_rows, result.pages) == (23, 23, 5)
        assert len(api.calls) == 5 + EXTRA_REQUESTS.get(style, 0)
        # Bronze keeps each page byte for byte; the name says whether it is NDJSON or a JSON document.
        keys = list(store.list_keys("bronze/things/"))
        suffix = ".json.gz" if "ndjson" in style else ".jsondoc.gz"
        assert len(keys) == 5 and all(k.endswith(suffix) for k in keys)
        assert [gzip.decompress(store.get_bytes(k)) for k in keys] == [
            b for b in api.served if b not in (b"[]", b"")
        ]
        assert sorted(landed_ids(store, config)) == sorted(r["id"] for r in records)
        assert result.watermark == max(r["updated_at"] for r in records)

        # A day later: four new records and one changed; only they are asked for and landed.
        records += make_records(27)[23:]
        records[3] = {**records[3], "note": "changed", "updated_at": "2026-06-02 09:00:00"}
        calls_before = len(api.calls)
        second = run(store, config, sleep=fake_sleep)
        assert second.status == "SUCCEEDED", second.error
        assert (second.sources["things"].rows, second.new_rows) == (5, 5)
        assert {c.query.get("since") for c in api.calls[calls_before:]} == {result.watermark}
        assert sorted(landed_ids(store, config)) == sorted([r["id"] for r in make_records(27)] + ["R0003"])

        third = run(store, config, sleep=fake_sleep)
        assert third.status == "SUCCEEDED" and third.new_rows == 0 and third.has_new_data is False
    assert fake_sleep.calls == []


def test_an_overlap_re_reads_the_edge_of_the_window_and_counts_only_new_rows(store: LocalObjectStore) -> None:
    records = make_records(23)  # one every 7 minutes
    _factory, options = STYLES["cursor-in-body"]
    with LoopbackApi(cursor_in_body(records)) as api:
        overlap = {**INCREMENTAL, "overlap_seconds": 30 * 60}
        config = config_with_sources({"things": source_entry(api, incremental=overlap, **options)})
        first = run(store, config)
        assert first.sources["things"].updated_since is None and first.new_rows == 23
        records += make_records(25)[23:]
        second = run(store, config)
        # since = watermark - 30 min: records 18..22 (5) come again with the two new ones.
        assert second.sources["things"].updated_since == "2026-06-01 10:04:00"
        assert (second.sources["things"].rows, second.new_rows) == (7, 2)
        # The run's ingest line counts the new ones, and the re-read ones apart.
        assert ingest_stage_line(second) == "2 new rows from the API, 5 re-read in the overlap window"
        # The watermark still moves to the newest record; silver's dedup absorbs the re-read ones.
        assert second.sources["things"].watermark == records[-1]["updated_at"]


def test_a_source_without_change_time_is_pulled_whole_each_run(store: LocalObjectStore) -> None:
    records = make_records(7)
    with LoopbackApi(json_array_link(records)) as api:
        config = config_with_sources({"things": source_entry(api, params={"_limit": 100})})
        first, second = run(store, config), run(store, config)
    assert [s.sources["things"].rows for s in (first, second)] == [7, 7]
    assert second.has_new_data and second.sources["things"].watermark is None
    assert len(list(store.list_keys("bronze/things/"))) == 2


# ------------------------------------------------------------------------------------------ auth


AUTH_CASES: dict[str, tuple[dict[str, Any], str, Callable[[Call], bool]]] = {
    "bearer": ({"type": "bearer"}, "s3cret", lambda c: c.headers.get("authorization") == "Bearer s3cret"),
    "api-key-header": (
        {"type": "api_key", "header": "X-Api-Key"},
        '{"api_key": "k-123"}',
        lambda c: c.headers.get("x-api-key") == "k-123",
    ),
    "api-key-query": (
        {"type": "api_key", "query_param": "api_key"},
        "k-456",
        lambda c: c.query.get("api_key") == "k-456",
    ),
    "basic": (
        {"type": "basic"},
        '{"username": "lake", "password": "p:w"}',
        lambda c: c.headers.get("authorization") == "Basic bGFrZTpwOnc=",
    ),
}


@pytest.mark.parametrize("case", list(AUTH_CASES))
def test_auth_styles_static_headers_and_params(case: str, store: LocalObjectStore) -> None:
    auth, secret, accepted = AUTH_CASES[case]
    records = make_records(3)
    inner = json_array_link(records)

    def route(call: Call) -> Reply:
        if not accepted(call):
            return 401, {}, b'{"error": "unauthorized"}'
        assert call.headers.get("x-tenant") == "jozi" and call.query.get("fields") == "all"
        return inner(call)

    with LoopbackApi(route) as api:
        entry = source_entry(
            api, auth={**auth, "secret": "vendor"}, headers={"X-Tenant": "jozi"}, params={"fields": "all"}
        )
        config = config_with_sources({"things": entry})
        ok = run(store, config, {"LAKE_SECRET_VENDOR": secret})
        assert ok.status == "SUCCEEDED" and ok.sources["things"].rows == 3, ok.error
        refused = run(store, config, {"LAKE_SECRET_VENDOR": "wrong"})
    failure = refused.sources["things"].failure
    assert refused.status == "FAILED" and failure is not None and "HTTP 401" in failure.problem
    assert "'vendor'" in failure.hint and "LAKE_SECRET_VENDOR" in failure.hint and "rerun" not in failure.hint
    assert "wrong" not in json.dumps(refused.to_dict())  # a secret never reaches the manifest
    assert not failure.retry_helps


def test_a_missing_secret_names_the_variable_to_set(store: LocalObjectStore) -> None:
    with LoopbackApi(json_array_link([])) as api:
        config = config_with_sources({"things": source_entry(api, auth={"type": "bearer"})})
        summary = run(store, config, {})
    assert summary.status == "FAILED" and api.calls == []
    assert "LAKE_SECRET_THINGS" in (summary.sources["things"].hint or "")


# ------------------------------------------------------------------------------------------ politeness


def test_retry_after_as_an_http_date_is_honoured(store: LocalObjectStore, fake_sleep: FakeSleep) -> None:
    records = make_records(12)
    later = email.utils.formatdate(time.time() + 4, usegmt=True)
    route = Flaky(json_array_link(records), {2: (429, {"Retry-After": later}, b'{"error": "slow down"}')})
    with LoopbackApi(route) as api:
        _f, options = STYLES["json-array+link-header"]
        config = config_with_sources({"things": source_entry(api, **options)})
        summary = run(store, config, sleep=fake_sleep)
    assert summary.status == "SUCCEEDED" and summary.sources["things"].rows == 12
    (pause,) = fake_sleep.calls
    assert 2.0 <= pause <= 4.0  # the date, less the time the answer took (HTTP dates are whole seconds)


class FakeTime:
    """A clock that moves only when slept on."""

    def __init__(self) -> None:
        self.now, self.calls = 1000.0, []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.calls.append(round(seconds, 6))
        self.now += seconds


def test_the_rate_limit_spaces_requests(store: LocalObjectStore) -> None:
    fake = FakeTime()
    with LoopbackApi(json_array_link(make_records(23))) as api:
        _f, options = STYLES["json-array+link-header"]
        config = config_with_sources({"things": source_entry(api, rate_limit_per_second=4, **options)})
        summary = run(store, config, sleep=fake.sleep, clock=fake.clock)
    assert summary.status == "SUCCEEDED"
    assert fake.calls == [0.25] * 4  # five requests, a quarter second apart


def test_endless_pagination_is_bounded_by_max_pages(store: LocalObjectStore) -> None:
    with LoopbackApi(json_array_link(make_records(23))) as api:
        options = {
            "pagination": {"style": "link", "page_size": 5, "page_size_param": "_limit", "max_pages": 2}
        }
        summary = run(store, config_with_sources({"things": source_entry(api, **options)}))
    assert summary.status == "FAILED" and "more than 2 pages" in (summary.error or "")
    assert "pagination.max_pages" in (summary.hint or "")


# ------------------------------------------------------------------------------------------ bad input


def _html(call: Call) -> Reply:
    return 200, {"Content-Type": "text/html; charset=utf-8"}, b"<!doctype html><title>Sign in</title>"


def _not_json(call: Call) -> Reply:
    return 200, {}, b"Internal error: upstream timed out"


def _big(call: Call) -> Reply:
    return 200, {}, json.dumps(make_records(40)).encode()


def _link_back(records: list[dict[str, Any]]) -> Callable[[Call], Reply]:
    inner = json_array_link(records)

    def route(call: Call) -> Reply:
        status, headers, body = inner(call)
        if call.query.get("_page") == "3":  # page 3 says page 2 comes next
            headers["Link"] = f'<{call.base_url}{call.path}?_limit=5&_page=2>; rel="next"'
        return status, headers, body

    return route


BAD_INPUT: dict[str, tuple[Callable[[Call], Reply], dict[str, Any], str, str, str, str]] = {
    # id: (route, options, problem, expected, first bytes, hint)
    "no-records-at-the-path": (
        drf_pages(make_records(3)),
        {"records_path": "data"},
        "no records at records_path 'data'",
        "a list of records at data",
        '{"count":3,"next":null',
        "set records_path to one of: results",
    ),
    "html-error-page-with-200": (
        _html,
        {},
        "web page (content type 'text/html')",
        "a JSON document",
        "<!doctype html><title>Sign in</title>",
        "check base_url and path",
    ),
    "body-not-json": (
        _not_json,
        {},
        "the body is not JSON",
        "a JSON document (response.format: json)",
        "Internal error: upstream timed out",
        "response.format",
    ),
    "page-over-the-size-limit": (
        _big,
        {"response": {"max_bytes": 500}},
        "over the size limit",
        "at most 500 bytes per page",
        '[{"id": "R0000"',
        "lower pagination.page_size, or raise response.max_bytes",
    ),
    "link-back-to-a-read-page": (
        _link_back(make_records(23)),
        {"pagination": {"style": "link", "page_size": 5, "page_size_param": "_limit"}},
        "pagination loop",
        "a next page not read before",
        '[{"id":"R0010"',
        "pagination.link_rel",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_ends_with_a_message_that_names_the_fix(case: str, store: LocalObjectStore) -> None:
    route, options, problem, expected, received, hint = BAD_INPUT[case]
    with LoopbackApi(route) as api:
        config = config_with_sources({"things": source_entry(api, **options)})
        summary = run(store, config)
    result = summary.sources["things"]
    failure = result.failure
    assert summary.status == "FAILED" and failure is not None
    message = result.error or ""
    assert message.startswith(f"things: {api.base_url}/things"), message
    assert (
        problem in failure.problem and failure.expected == expected and failure.received.startswith(received)
    )
    assert f"expected {expected}" in message and f"first bytes: {received}" in message
    assert hint in failure.hint and "rerun" not in failure.hint
    manifest = json.loads(store.get_bytes(f"state/manifests/ingest/{summary.run_id}.json"))
    assert manifest["status"] == "FAILED" and manifest["sources"]["things"]["failure"] == failure.to_dict()
    assert manifest["error"] == message
    # Nothing half-written: the failing page is not in bronze, the watermark did not move.
    landed = [gzip.decompress(store.get_bytes(k)) for k in store.list_keys("bronze/things/")]
    assert all(page in api.served for page in landed)
    assert len(landed) == (2 if case == "link-back-to-a-read-page" else 0)
    state = json.loads(store.get_bytes("state/ingest/things.json")) if landed else {}
    assert state.get("watermark") is None
