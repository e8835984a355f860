"""lake.yaml ``sources:``: the Jozi API as one templated source, and clear errors for every mistake."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from jozi_lake.config import ConfigError, load_config, repo_root
from jozi_lake.sources import FIXTURE, SourceConfigError, bronze_format, parse_source, parse_sources


def test_the_jozi_api_is_one_template_and_nine_short_entries() -> None:
    config = load_config()
    assert config.source_names == [
        "orders",
        "order_items",
        "menu",
        "kitchen_events",
        "dispatch_events",
        "drivers",
        "complaints",
        "ratings",
        "load_shedding",
    ]
    for source in config.sources:
        http = source.require_http()
        assert http.base_url_for("local") == FIXTURE and http.base_url_for("dev").startswith("https://")
        assert http.path == f"/v1/{source.name}" and http.auth.secret == "jozi_store_api"
        assert (http.pagination.style, http.response.format) == ("cursor", "ndjson")
        assert http.incremental and http.incremental.field == "updated_at"
        assert source.timezone == config.source_timezone
    assert "source_api" not in config.raw
    with pytest.raises(ConfigError, match="unknown source 'pizzas'"):
        config.source("pizzas")


def _parse(raw: dict[str, Any], templates: dict[str, Any] | None = None) -> Any:
    return parse_source("things", raw, templates=templates or {}, default_timezone="Africa/Johannesburg")


HTTP = {"kind": "http", "base_url": "https://api.example.com"}


def test_templates_merge_key_by_key_and_a_source_may_set_its_own_zone() -> None:
    templates = {
        "vendor": {**HTTP, "auth": {"type": "bearer", "secret": "vendor"}, "pagination": {"style": "link"}}
    }
    source = _parse(
        {
            "template": "vendor",
            "path": "/x",
            "timezone": "Europe/London",
            "auth": {"header": "X-Token", "scheme": ""},
        },
        templates,
    )
    http = source.require_http()
    assert (http.auth.type, http.auth.secret, http.auth.header, http.auth.scheme) == (
        "bearer",
        "vendor",
        "X-Token",
        "",
    )
    assert http.auth.env_var == "LAKE_SECRET_VENDOR" and http.pagination.style == "link"
    assert source.timezone == "Europe/London" and http.base_url_for("prod") == "https://api.example.com"


@pytest.mark.parametrize(
    ("raw", "message", "hint"),
    [
        ({**HTTP, "pagnation": {}}, r"sources\.things: unknown key\(s\) pagnation", "allowed here"),
        ({**HTTP, "pagination": {"style": "cursor"}}, "a cursor needs one of", "cursor_header"),
        ({**HTTP, "pagination": {"style": "page", "page_sise": 5}}, "unknown key", "page_size"),
        ({**HTTP, "pagination": {"style": "offset"}}, "stop_on_short_page needs page_size", "page_size"),
        (
            {**HTTP, "pagination": {"style": "cursor", "cursor_field": "id"}},
            "needs has_more_path",
            "has_more",
        ),
        (
            {
                **HTTP,
                "pagination": {"style": "page", "total_path": "count"},
                "response": {"format": "ndjson"},
            },
            "reads the JSON body",
            "header",
        ),
        ({**HTTP, "pagination": {"page_size": "ten"}}, r"pagination\.page_size: expected an integer", None),
        (
            {**HTTP, "response": {"format": "ndjson"}, "records_path": "data"},
            "records_path applies to JSON documents",
            None,
        ),
        ({**HTTP, "auth": {"type": "token"}}, r"auth\.type: unknown value 'token'", "bearer"),
        (
            {**HTTP, "auth": {"type": "bearer", "query_param": "k"}},
            "query_param only applies to type: api_key",
            None,
        ),
        ({**HTTP, "incremental": {"param": "since"}}, r"incremental\.field is required", "updated_at"),
        (
            {**HTTP, "incremental": {"field": "t", "format": "weird"}},
            r"incremental\.format: unknown value",
            "strftime",
        ),
        ({"kind": "http"}, "base_url is required", "local: fixture"),
        (
            {"kind": "http", "base_url": {"dev": "ftp://x"}},
            r"base_url\.dev: 'ftp://x' is not an http\(s\) URL",
            None,
        ),
        ({"kind": "http", "base_url": {"prod": "fixture"}}, "'fixture' only exists locally", "vendor"),
        ({"kind": "ftp"}, "kind: expected http or files", None),
        ({"kind": "files", "path": "/x"}, "path only apply to http sources", None),
        (
            {"kind": "files", "files": {"encoding": "utf-16"}},
            r"files\.encoding: unknown value 'utf-16'",
            "re-export",
        ),
        ({"kind": "files", "files": {"csv": {"header": False}}}, "header: false needs columns", None),
        ({"kind": "files", "files": {"csv": {"delimiter": ";;"}}}, "expected one character", None),
        ({"template": "nope", "kind": "files"}, "no source template 'nope'", "source_templates"),
    ],
)
def test_mistakes_name_the_source_the_key_and_the_fix(
    raw: dict[str, Any], message: str, hint: str | None
) -> None:
    with pytest.raises(SourceConfigError) as caught:
        _parse(raw)
    assert re.search(message, caught.value.message), caught.value.message
    assert caught.value.message.startswith("lake.yaml sources.things")
    if hint:
        assert hint in (caught.value.hint or caught.value.message)


def test_the_old_source_api_block_says_what_replaced_it() -> None:
    with pytest.raises(SourceConfigError, match="sources: replaced") as caught:
        parse_sources({"project": "x", "source_api": {"sources": []}})
    assert "docs/sources.md" in (caught.value.hint or "")
    with pytest.raises(SourceConfigError, match="lower-case letters"):
        parse_sources({"sources": {"Air Quality": {"kind": "files"}}})


def test_bronze_names_say_the_format_and_the_encoding() -> None:
    assert bronze_format("bronze/x/ingest_date=2026-06-01/r-00001.json.gz") == ("json", None)
    assert bronze_format("bronze/x/ingest_date=2026-06-01/r-00001.jsondoc.gz") == ("jsondoc", None)
    assert bronze_format("bronze/x/ingest_date=2026-06-01/r-export.cp1252.csv.gz") == ("csv", "cp1252")
    assert bronze_format("bronze/x/ingest_date=2026-06-01/r-export.utf8sig.csv") == ("csv", "utf8sig")
    assert bronze_format("bronze/x/ingest_date=2026-06-01/notes.txt") is None


def test_no_ingestion_code_names_a_source() -> None:
    """Jozi Pizza is the reference user, not a special case: its source names live in lake.yaml only."""
    root = repo_root()
    files = [
        *sorted((root / "src" / "jozi_lake" / "ingest").glob("*.py")),
        root / "src" / "jozi_lake" / "sources.py",
        root / "src" / "jozi_lake" / "config.py",
        root / "src" / "jozi_lake" / "layout.py",
        root / "src" / "jozi_lake" / "cli" / "sources.py",
        root / "lambda" / "ingest_handler.py",
        root / "src" / "jozi_lake" / "landing.py",
        root / "lambda" / "landing_trigger.py",
    ]
    names = [*load_config().source_names, "jozi_store_api"]
    for path in files:
        text = Path(path).read_text(encoding="utf-8")
        for name in names:
            assert not re.search(rf"['\"]{name}['\"]", text), f"{path.name} names the source {name}"


def test_a_base_url_for_an_environment_lake_yaml_does_not_declare_is_refused() -> None:
    """A typo (locl) would silently send the local run to the default (production) URL."""
    source = {
        "kind": "http",
        "path": "/v1/x",
        "base_url": {"locl": "http://127.0.0.1:9", "default": "https://x.example"},
    }
    with pytest.raises(SourceConfigError) as caught:
        parse_sources({"environments": {"local": {}, "dev": {}, "prod": {}}, "sources": {"fleet": source}})
    assert caught.value.message == "lake.yaml sources.fleet.base_url: unknown environment(s) locl"
    assert caught.value.hint == "use the environments lake.yaml declares (local, dev, prod) or default"
    fixed = {**source, "base_url": {"local": "http://127.0.0.1:9", "default": "https://x.example"}}
    parse_sources({"environments": {"local": {}, "dev": {}, "prod": {}}, "sources": {"fleet": fixed}})
