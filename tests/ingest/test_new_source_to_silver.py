"""A new source goes from lake.yaml + a contract to silver locally with no code change.

Each case works in a copy of the project (LAKE_PROJECT_DIR), as a company's own project would be,
and takes the steps the README gives: add the source to lake.yaml, probe it, ingest it, draft the
contract from bronze, run the silver job. Nothing in the package knows the new sources' names.
"""

from __future__ import annotations

import base64
import gzip
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from loopback_api import LoopbackApi, make_records, stripe_list

from jozi_lake.backlog import StageWork, stage_work
from jozi_lake.config import env_config, load_config, repo_root
from jozi_lake.contracts import silver_contract
from jozi_lake.ingest.draft import draft_contract, validate_draft, write_draft
from jozi_lake.ingest.listing import list_sources
from jozi_lake.ingest.local import ingest_local
from jozi_lake.ingest.probe import probe_source
from jozi_lake.jobs.bronze_to_silver import run_bronze_to_silver
from jozi_lake.jobs.lake_io import spark_uri
from jozi_lake.notify import NO_CONTRACT, alerts_for_ingest
from jozi_lake.storage import store_for_env

pytestmark = pytest.mark.spark

# Like a public air-quality export: a header with spaces and dots, NA for "not measured", quoted
# text with the delimiter in it, local times of the station's own zone (London: UTC+1 in June).
AIR_QUALITY_CSV = (
    "Station,Measured At,PM2.5,NO2,Note\n"
    "LDN-01,2026-06-01 08:00,12.5,NA,NA\n"
    'LDN-02,2026-06-01 08:00,NA,18.1,"calm, clear"\n'
    "LDN-01,2026-06-01 09:00,14.0,20.3,NA\n"
    "LDN-02,2026-06-01 09:00,9.75,NA,NA\n"
    "LDN-03,2026-06-02 23:30,7.0,11.0,late reading\n"
)


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the project's lake.yaml, contracts and SQL, and a fresh local lake."""
    folder = tmp_path / "project"
    folder.mkdir()
    root = repo_root()
    shutil.copy(root / "lake.yaml", folder / "lake.yaml")
    shutil.copytree(root / "contracts", folder / "contracts")
    shutil.copytree(root / "sql", folder / "sql")
    monkeypatch.setenv("LAKE_PROJECT_DIR", str(folder))
    monkeypatch.setenv("LAKE_HOME", str(tmp_path / "lake"))
    yield folder


def add_source(project: Path, name: str, definition: dict[str, Any]) -> None:
    """What the person does: one more entry under sources: in lake.yaml."""
    raw = yaml.safe_load((project / "lake.yaml").read_text(encoding="utf-8"))
    raw["sources"][name] = definition
    (project / "lake.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")


def silver_plan(store: Any) -> StageWork:
    """The pipeline's silver-job stage as the next run would plan it."""
    stage = next(s for s in load_config().pipeline if s.kind == "job" and s.job == "bronze_to_silver")
    return stage_work(store, stage, lambda _layer: None)


def silver_rows(spark: Any, store: Any, table: str) -> list[dict[str, Any]]:
    return [r.asDict() for r in spark.read.parquet(spark_uri(store, f"silver/{table}/")).collect()]


def test_a_public_csv_with_na_nulls_reaches_silver_by_configuration(spark: Any, project: Path) -> None:
    add_source(
        project,
        "air_quality",
        {
            "kind": "files",
            "description": "Hourly readings of the city's air-quality stations (open data export).",
            "timezone": "Europe/London",
            "files": {"format": "csv", "csv": {"null_values": ["NA"]}},
        },
    )
    env = env_config("local")
    store = store_for_env(env)
    store.put_bytes("landing/air_quality/readings_2026-06-02.csv", AIR_QUALITY_CSV.encode())
    # `lake sources` spells out the folder to drop the exports in: a real path, holding the file.
    listed = {o.name: o for o in list_sources(load_config(), store, "local")}["air_quality"]
    assert listed.location == "files in landing/air_quality/"
    assert listed.drop_folder.startswith("/") and listed.drop_folder.endswith("/landing/air_quality/")
    assert (Path(listed.drop_folder) / "readings_2026-06-02.csv").is_file()

    probe = probe_source(load_config(), "air_quality", env="local", store=store)
    assert probe.ok and probe.records == 5 and probe.bronze_format == "csv"
    fields = {f.name: f for f in probe.fields}
    assert (fields["PM2.5"].parse, fields["PM2.5"].nulls, fields["Measured At"].parse) == (
        "number",
        1,
        "local_timestamp",
    )

    summary = ingest_local(env, sources=["air_quality"])
    assert summary.status == "SUCCEEDED" and summary.new_rows == 5 and not summary.rejected_files
    # No contract reads the new source yet: the run says so (an alert, and the silver stage's plan)
    # instead of leaving its rows in bronze unseen.
    (unread,) = alerts_for_ingest(summary)
    assert (unread.kind, unread.source, unread.detail) == (NO_CONTRACT, "air_quality", {"rows": 5})
    assert "lake contract draft air_quality" in unread.fix and unread.line().startswith("unread bronze")
    assert "air_quality has 1 bronze file(s) but no silver contract yet" in silver_plan(store).reason

    draft = draft_contract(load_config(), "air_quality", store=store)
    assert draft.primary_key == ("station", "measured_at") and draft.event_time == "measured_at"
    assert {c.name: (c.type, c.parse, c.source) for c in draft.columns}["pm2_5"] == (
        "double",
        "number",
        "PM2.5",
    )
    write_draft(draft, project)
    assert validate_draft(draft) is None
    assert alerts_for_ingest(summary) == [] and "no silver contract" not in silver_plan(store).reason
    # Every draft starts with a gate: a run more than half quarantined holds its batch.
    (gate,) = silver_contract("air_quality").table_rules
    assert (gate.name, gate.severity) == ("quarantine_share_at_most_50pct", "fail")

    report = run_bronze_to_silver(spark, store, tables=["air_quality"], run_id="first-air")
    (table,) = report.tables
    assert (table.rows_read, table.rows_written, table.rows_quarantined) == (5, 5, 0) and table.conserved
    rows = {(r["station"], r["measured_at"].isoformat()): r for r in silver_rows(spark, store, "air_quality")}
    # 08:00 in London in June is 07:00 UTC (the source's own zone, not the store's Johannesburg).
    first = rows[("LDN-01", "2026-06-01T07:00:00")]
    assert first["pm2_5"] == 12.5 and first["no2"] is None and first["note"] is None
    assert rows[("LDN-02", "2026-06-01T07:00:00")]["note"] == "calm, clear"
    assert rows[("LDN-02", "2026-06-01T07:00:00")]["pm2_5"] is None
    late = rows[("LDN-03", "2026-06-02T22:30:00")]
    assert str(late["event_date"]) == "2026-06-02" and late["measured_at_utc_offset_minutes"] == 60

    # A quiet day's export holds only the header row: it lands as an empty batch, and the next silver
    # run reads it as zero rows (not a failed job, and not a batch left pending for ever).
    header = AIR_QUALITY_CSV.splitlines(keepends=True)[0]
    store.put_bytes("landing/air_quality/readings_2026-06-03.csv", header.encode())
    quiet = ingest_local(env, sources=["air_quality"])
    assert quiet.status == "SUCCEEDED" and quiet.new_rows == 0 and not quiet.rejected_files
    (empty,) = run_bronze_to_silver(spark, store, tables=["air_quality"], run_id="quiet-air").tables
    assert (empty.rows_read, empty.rows_written, empty.rows_quarantined, empty.conserved) == (0, 0, 0, True)
    assert len(silver_rows(spark, store, "air_quality")) == 5

    # The source has no change time, so dedup_order is the event time: a re-export that corrects one
    # reading carries the same measured_at. The corrected values win (a row replaced, not a duplicate);
    # the unchanged reading re-sent beside it is a duplicate, and silver keeps one row per reading.
    corrected = header + "LDN-01,2026-06-01 08:00,13.0,NA,recalibrated\nLDN-02,2026-06-01 09:00,9.75,NA,NA\n"
    store.put_bytes("landing/air_quality/readings_2026-06-04.csv", corrected.encode())
    assert ingest_local(env, sources=["air_quality"]).new_rows == 2
    (fix,) = run_bronze_to_silver(spark, store, tables=["air_quality"], run_id="fix-air").tables
    assert (fix.rows_read, fix.rows_replacing, fix.duplicates_removed, fix.conserved) == (2, 1, 1, True)
    rows = {(r["station"], r["measured_at"].isoformat()): r for r in silver_rows(spark, store, "air_quality")}
    assert len(rows) == 5 and rows[("LDN-01", "2026-06-01T07:00:00")]["pm2_5"] == 13.0
    assert rows[("LDN-01", "2026-06-01T07:00:00")]["note"] == "recalibrated"


def test_a_wrapped_json_api_reaches_silver_by_configuration(spark: Any, project: Path) -> None:
    records = make_records(12)
    records[4]["value"] = "R 12,50"  # an amount as text: money in silver
    for record in records:
        record["value"] = str(record["value"]) if record is not records[4] else record["value"]
    with LoopbackApi(stripe_list(records)) as vendor:
        add_source(
            project,
            "charges",
            {
                "kind": "http",
                "base_url": {"local": vendor.base_url},
                "path": "/v1/charges",
                "records_path": "data",
                "pagination": {
                    "style": "cursor",
                    "cursor_field": "id",
                    "cursor_param": "starting_after",
                    "has_more_path": "has_more",
                    "page_size": 5,
                    "page_size_param": "limit",
                },
                "incremental": {"field": "updated_at", "param": "since"},
            },
        )
        env = env_config("local")
        store = store_for_env(env)
        probe = probe_source(load_config(), "charges", env="local")
        assert (
            probe.ok
            and probe.records == 5
            and probe.next_request
            and "starting_after=R0004" in probe.next_request
        )
        summary = ingest_local(env, sources=["charges"])
    assert summary.status == "SUCCEEDED" and summary.sources["charges"].pages == 3
    assert all(k.endswith(".jsondoc.gz") for k in store.list_keys("bronze/charges/"))
    draft = draft_contract(load_config(), "charges", store=store)
    assert draft.primary_key == ("id",) and draft.dedup_order == "updated_at"
    write_draft(draft, project)
    assert validate_draft(draft) is None
    report = run_bronze_to_silver(spark, store, tables=["charges"], run_id="first-charges")
    (table,) = report.tables
    assert (table.rows_read, table.rows_written, table.rows_quarantined) == (12, 12, 0)
    values = {r["id"]: r["value"] for r in silver_rows(spark, store, "charges")}
    assert values["R0004"] == Decimal("12.50") and values["R0007"] == Decimal("7.00")


def test_unreadable_documents_and_declared_encodings_in_bronze(spark: Any, project: Path) -> None:
    """Silver reads bronze by its name: a cp1252 file decoded, a document without records quarantined
    whole with its exact bytes (a hand-placed object; ingestion never writes one)."""
    add_source(
        project,
        "shop_notes",
        {"kind": "files", "records_path": "items", "files": {"format": "auto", "encoding": "cp1252"}},
    )
    (project / "contracts" / "silver" / "shop_notes.yaml").write_text(
        "table: shop_notes\n"
        "description: Notes.\n"
        "primary_key: [note_id]\n"
        "event_time: written_at\n"
        "dedup_order: written_at\n"
        "columns:\n"
        "  - {name: note_id, type: string, parse: text, required: true, description: Key.}\n"
        "  - {name: text, type: string, parse: text, description: Text.}\n"
        "  - {name: written_at, type: timestamp, parse: local_timestamp, required: true,"
        " description: When.}\n",
        encoding="utf-8",
    )
    env = env_config("local")
    store = store_for_env(env)
    day = "bronze/shop_notes/ingest_date=2026-06-03"
    store.put_bytes(
        f"{day}/r1-notes.cp1252.json.gz",
        gzip.compress(
            '{"note_id": "N1", "text": "Café crème", "written_at": "2026-06-03 10:00:00"}\n'.encode("cp1252")
        ),
    )
    store.put_bytes(
        f"{day}/r1-list.jsondoc.gz",
        gzip.compress(b'{"items": [{"note_id": "N2", "text": "ok", "written_at": "2026-06-03 11:00:00"}]}'),
    )
    broken = b'{"error": "export failed"}'
    store.put_bytes(f"{day}/r1-broken.jsondoc.gz", gzip.compress(broken))
    report = run_bronze_to_silver(spark, store, tables=["shop_notes"], run_id="notes")
    (table,) = report.tables
    assert (table.rows_read, table.rows_written, table.rows_quarantined) == (3, 2, 1) and table.conserved
    texts = {r["note_id"]: r["text"] for r in silver_rows(spark, store, "shop_notes")}
    assert texts == {"N1": "Café crème", "N2": "ok"}
    (bad,) = [r.asDict() for r in spark.read.parquet(spark_uri(store, "quarantine/shop_notes/")).collect()]
    assert bad["quarantine_reason"].startswith("corrupt_record") and bad["bronze_file"].endswith(
        "r1-broken.jsondoc.gz"
    )
    assert base64.b64decode(bad["raw_record_base64"]) == broken
