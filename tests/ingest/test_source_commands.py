"""``lake sources``, ``lake source probe`` and ``lake contract draft``: their logic and their commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ingest_support import config_with_sources, ingest_jozi
from loopback_api import LoopbackApi, drf_pages, make_records
from typer.testing import CliRunner

from jozi_lake.cli import app
from jozi_lake.config import load_config
from jozi_lake.demo.source_api import SourceApiServer
from jozi_lake.ingest import ingest_files
from jozi_lake.ingest.listing import list_sources
from jozi_lake.ingest.probe import probe_source
from jozi_lake.storage import LocalObjectStore

runner = CliRunner()


def test_sources_show_watermarks_open_windows_and_the_ledger(
    api: SourceApiServer, store: LocalObjectStore
) -> None:
    ingest_jozi(store, api, sources=["menu"])
    store.put_bytes("landing/menu/menu.csv", b"item_id,name\nITM-01,Margherita\n")
    store.put_bytes("landing/menu/menu.xlsx", b"PK\x03\x04")
    ingest_files(store, ["menu"])
    store.put_bytes(
        "state/ingest/drivers.json",
        json.dumps({"watermark": None, "in_progress": {"run_id": "r-9"}}).encode(),
    )
    overviews = {o.name: o for o in list_sources(load_config(), store, "local")}
    menu = overviews["menu"]
    assert menu.kind == "http" and menu.location.startswith("fixture") and menu.location.endswith("/v1/menu")
    assert menu.watermark and menu.last_run_id and menu.files == {"landed": 1, "rejected": 1}
    assert overviews["drivers"].open_window == "r-9" and overviews["orders"].watermark is None
    # A source that only took file drops has no ingest state: its last run is its last handled file.
    store.put_bytes("landing/ratings/r.jsonl", b'{"rating_id": "RT-1", "order_id": "ORD-1", "stars": 5}\n')
    store.put_bytes("landing/ratings/empty.csv", b"")
    ingest_files(store, ["ratings"])
    ratings = {o.name: o for o in list_sources(load_config(), store, "local")}["ratings"]
    assert ratings.files == {"landed": 1, "rejected": 1} and ratings.last_run_id
    assert ratings.last_finished_at and ratings.last_finished_at.startswith("20")
    # A landed file that silver processed counts as processed.
    key = next(k for k in store.list_keys("bronze/menu/") if k.endswith(".csv.gz"))
    store.put_bytes("state/processed/menu.json", json.dumps({"files": {key: "run"}}).encode())
    assert list_sources(load_config(), store, "local")[2].files == {"processed": 1, "rejected": 1}


def test_probe_shows_records_pagination_and_fields_and_writes_nothing(store: LocalObjectStore) -> None:
    with LoopbackApi(drf_pages(make_records(12))) as vendor:
        entry = {
            "kind": "http",
            "base_url": {"local": vendor.base_url},
            "path": "/api/items/",
            "records_path": "results",
            "pagination": {"style": "next_url", "page_size": 5, "page_size_param": "page_size"},
        }
        result = probe_source(config_with_sources({"items": entry}), "items", env="local")
        wrong = probe_source(
            config_with_sources({"items": {**entry, "records_path": "data"}}), "items", env="local"
        )
    assert result.ok and result.records == 5 and result.status == 200
    assert result.pagination == "next_url: next URL at next"
    assert result.next_request and "page=2" in result.next_request
    fields = {f.name: f for f in result.fields}
    assert (
        fields["id"].unique
        and fields["updated_at"].parse == "local_timestamp"
        and fields["value"].type == "int"
    )
    assert fields["id"].examples == ["R0000", "R0001", "R0002"]
    assert not wrong.ok and wrong.failure and "set records_path to one of: results" in wrong.failure.hint
    assert list(store.list_keys("")) == []  # nothing written


def test_probe_reads_a_file_before_it_is_dropped(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_bytes("id;name\n1;Café\n".encode("cp1252"))
    config = config_with_sources({"shop": {"kind": "files", "files": {"csv": {"delimiter": ";"}}}})
    accepted = probe_source(config, "shop", env="local", file=str(export))
    assert accepted.ok and "1 of 2 lines are not valid UTF-8" in accepted.warnings[0]
    assert "set files.encoding" in accepted.warnings[0]
    export.write_bytes("id;Qualité\n1;Café\n".encode("cp1252"))
    refused = probe_source(config, "shop", env="local", file=str(export))
    assert refused.failure and "files.encoding" in refused.failure.hint
    fixed = config_with_sources(
        {"shop": {"kind": "files", "files": {"encoding": "cp1252", "csv": {"delimiter": ";"}}}}
    )
    result = probe_source(fixed, "shop", env="local", file=str(export))
    assert result.ok and result.records == 1 and result.sample == [{"id": "1", "Qualité": "Café"}]
    assert result.bronze_format == "cp1252.csv" and result.warnings == []


def test_probe_says_what_the_contract_would_make_of_the_file(tmp_path: Path) -> None:
    """A source with a contract: a file of another source, or one with a renamed required field, is
    named before it is dropped (its rows would all be quarantined)."""
    export = tmp_path / "ratings.csv"
    export.write_text("Station,PM2.5\nLDN-01,12.5\n", encoding="utf-8")
    stranger = probe_source(load_config(), "ratings", env="local", file=str(export))
    assert stranger.ok and len(stranger.warnings) == 1, stranger.warnings
    assert stranger.warnings[0].startswith("none of these fields is one contracts/silver/ratings.yaml reads")
    assert "no_known_values" in stranger.warnings[0] and "source_aliases" in stranger.warnings[0]

    export.write_text(
        "rating_id,order_id,score,rated_at,updated_at\nRAT-1,ORD-1,5,2026-06-05 20:00,2026-06-05 20:00\n",
        encoding="utf-8",
    )
    renamed = probe_source(load_config(), "ratings", env="local", file=str(export))
    assert [w.split(" (")[0] for w in renamed.warnings] == ["required column stars"], renamed.warnings
    assert "(stars_required)" in renamed.warnings[0]

    export.write_text(
        "rating_id,order_id,stars,rated_at,updated_at\nRAT-1,ORD-1,5,2026-06-05 20:00,2026-06-05 20:00\n",
        encoding="utf-8",
    )
    assert probe_source(load_config(), "ratings", env="local", file=str(export)).warnings == []


def test_the_commands(lake_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["generate", "--days", "2", "--orders-per-day", "20", "--seed", "5"])
    assert result.exit_code == 0, result.output
    probe = runner.invoke(app, ["source", "probe", "menu"])
    assert probe.exit_code == 0, probe.output
    assert "records:" in probe.output and "item_id" in probe.output and "cursor" in probe.output
    assert runner.invoke(app, ["ingest", "--source", "menu"]).exit_code == 0
    listing = runner.invoke(app, ["sources", "--json"])
    assert listing.exit_code == 0, listing.output
    menu = next(s for s in json.loads(listing.output) if s["name"] == "menu")
    assert menu["watermark"] and menu["kind"] == "http"
    project = tmp_path / "project"
    (project / "contracts" / "silver").mkdir(parents=True)
    (project / "lake.yaml").write_text((Path(__file__).parents[2] / "lake.yaml").read_text())
    monkeypatch.setenv("LAKE_PROJECT_DIR", str(project))
    draft = runner.invoke(app, ["contract", "draft", "menu"])
    assert draft.exit_code == 0, draft.output
    written = (project / "contracts" / "silver" / "menu.yaml").read_text()
    assert "primary_key: [item_id]" in written and "dedup_order: updated_at" in written
    again = runner.invoke(app, ["contract", "draft", "menu"])
    assert again.exit_code == 1 and "--force" in again.output
    unknown = runner.invoke(app, ["source", "probe", "pizzas"])
    assert unknown.exit_code == 1 and "unknown source 'pizzas'" in unknown.output
