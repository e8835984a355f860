"""The store's local API: auth, both pagination styles, updated_since, the as_of clock, raw bytes."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from ingest_support import TOKEN, served_lines

from jozi_lake.demo.source_api import Fault, SourceApiServer, endpoints_from_config
from jozi_lake.errors import LakeError


def get(api: SourceApiServer, path: str, token: str | None = TOKEN) -> tuple[int, dict[str, str], bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(api.base_url + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers.items()), err.read()


def test_token_is_required(api: SourceApiServer) -> None:
    assert get(api, "/v1/orders", token=None)[0] == 401
    assert get(api, "/v1/orders", token="wrong")[0] == 401
    status, _headers, body = get(api, "/v1/health", token=None)
    assert status == 200 and json.loads(body) == {"status": "ok"}


def test_unknown_endpoint_and_bad_parameters(api: SourceApiServer) -> None:
    assert get(api, "/v1/nope")[0] == 404
    assert get(api, "/v1/orders?limit=0")[0] == 400
    assert get(api, "/v1/orders?cursor=garbage")[0] == 400
    assert get(api, "/v1/orders?updated_since=yesterday")[0] == 400


def test_cursor_pagination_serves_every_record_once(api: SourceApiServer, source_dir: Path) -> None:
    seen: list[bytes] = []
    path = "/v1/kitchen_events?limit=250"
    while True:
        status, headers, body = get(api, path)
        assert status == 200 and headers["Content-Type"] == "application/x-ndjson"
        assert int(headers["X-Record-Count"]) == len(body.splitlines())
        seen += body.splitlines()
        if "X-Next-Cursor" not in headers:
            break
        path = f"/v1/kitchen_events?limit=250&cursor={headers['X-Next-Cursor']}"
    assert sorted(seen) == sorted(served_lines(source_dir, "kitchen_events").elements())


def test_page_pagination_matches_cursor_pagination(api: SourceApiServer) -> None:
    status, headers, first = get(api, "/v1/orders?page=1&limit=50")
    pages = int(headers["X-Total-Pages"])
    assert status == 200 and pages > 1 and 'rel="next"' in headers["Link"]
    lines = first.splitlines()
    for page in range(2, pages + 1):
        _status, headers, body = get(api, f"/v1/orders?page={page}&limit=50")
        lines += body.splitlines()
    assert "Link" not in headers
    assert len(lines) == int(headers["X-Total-Count"])
    _status, _headers, everything = get(api, "/v1/orders?limit=10000")
    assert lines == everything.splitlines()


def test_updated_since_is_exclusive_and_as_of_hides_the_future(api: SourceApiServer) -> None:
    api.as_of = "2026-06-02 12:00:00"
    _status, _headers, body = get(api, "/v1/orders?limit=10000")
    stamps = [json.loads(line.decode("utf-8", "surrogateescape"))["updated_at"] for line in body.splitlines()]
    assert stamps == sorted(stamps) and max(stamps) <= "2026-06-02 12:00:00"
    since = stamps[len(stamps) // 2]
    query = urllib.parse.urlencode({"limit": 10000, "updated_since": since})
    _status, _headers, newer = get(api, f"/v1/orders?{query}")
    assert newer.splitlines() and all(
        json.loads(line.decode("utf-8", "surrogateescape"))["updated_at"] > since
        for line in newer.splitlines()
    )
    api.as_of = None
    assert len(get(api, "/v1/orders?limit=10000")[2].splitlines()) > len(stamps)


def test_non_utf8_text_is_served_as_the_store_holds_it(api: SourceApiServer, source_dir: Path) -> None:
    # Free text (complaints, ratings) is where the till's Latin-1 bytes end up.
    sources = ("complaints", "ratings")
    raw = {s: [line for line in served_lines(source_dir, s) if not _is_utf8(line)] for s in sources}
    assert any(raw.values()), "the fixture dataset should contain non-UTF-8 free text"
    for source, lines in raw.items():
        _status, _headers, body = get(api, f"/v1/{source}?limit=10000")
        assert set(lines) <= set(body.splitlines())


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def test_faults_fire_the_requested_number_of_times(api: SourceApiServer) -> None:
    api.inject(Fault("rate_limit", times=2, retry_after=7, source="menu"))
    assert get(api, "/v1/orders?limit=1")[0] == 200  # other sources unaffected
    status, headers, _body = get(api, "/v1/menu")
    assert status == 429 and headers["Retry-After"] == "7"
    assert get(api, "/v1/menu")[0] == 429
    assert get(api, "/v1/menu")[0] == 200
    api.inject(Fault("server_error", skip=1))
    assert get(api, "/v1/menu")[0] == 200
    assert get(api, "/v1/menu")[0] == 503
    with pytest.raises(LakeError, match="unknown fault"):
        Fault("gremlins")


def test_missing_data_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LakeError, match="lake generate"):
        SourceApiServer(tmp_path, endpoints_from_config())
