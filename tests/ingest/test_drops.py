"""Landed files: copied into bronze as received, once, with a manifest; poison set aside with its reason;
every file accounted for in the ledger; a generated dataset lands whole."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from ingest_support import bronze_lines, config_with_sources, served_lines

from jozi_lake.config import LakeConfig
from jozi_lake.demo.generator import SOURCES, write_exports
from jozi_lake.ingest import IngestSummary, ingest_files, land_generated_dataset
from jozi_lake.ingest.bodies import bronze_records, read_landed_file
from jozi_lake.ingest.failures import SourceError
from jozi_lake.sources import parse_source
from jozi_lake.storage import LocalObjectStore, StorageError

NOW = dt.datetime(2026, 6, 5, 22, 30, tzinfo=dt.UTC)
DAY = "2026-06-05"


def _drop(store: LocalObjectStore, source: str, name: str, data: bytes) -> None:
    store.put_bytes(f"landing/{source}/{name}", data)


def _ledger(store: LocalObjectStore, source: str) -> dict[str, Any]:
    return json.loads(store.get_bytes(f"state/drops/{source}.json"))


def files_source(**files: Any) -> dict[str, Any]:
    return {"kind": "files", "files": files} if files else {"kind": "files"}


def test_landed_names_and_contents_map_to_bronze_formats() -> None:
    source = parse_source("x", {"kind": "files"}, templates={}, default_timezone="UTC")
    cases = {
        "orders_2026-06-01.csv": (b"a,b\n1,2\n", "csv", 1),
        "orders-part-00001.jsonl.gz": (gzip.compress(b'{"a":1}\n{"a":2}\n'), "json", 2),
        "x.ndjson": (b'{"a":1}\n', "json", 1),
        "legacy.json": (b'{"a":1}\n{"a":2}\n', "json", 2),  # .json drops have always been JSON lines
        "export.json": (b'[{"a":1},\n {"a":2},\n {"a":3}]', "jsondoc", 3),
    }
    for name, (data, fmt, rows) in cases.items():
        landed = read_landed_file(source, name, data)
        assert (landed.bronze_fmt, landed.rows) == (fmt, rows), name
    with pytest.raises(SourceError, match="does not say its format"):
        read_landed_file(source, "notes.txt", b"hello")


def test_csv_and_json_drops_land_as_received(store: LocalObjectStore, source_dir: Path) -> None:
    write_exports(source_dir, store.base / "landing", "csv", ["orders", "complaints"])
    write_exports(source_dir, store.base / "landing", "json", ["ratings"])
    landed = {k: store.get_bytes(k) for k in store.list_keys("landing/")}
    summary = ingest_files(store, ["orders", "complaints", "ratings"], run_id="drop-1", now=NOW).to_dict()
    assert summary["status"] == "SUCCEEDED"
    keys = [k for k in store.list_keys("bronze/") if not k.startswith("bronze/_")]
    assert len(keys) == len(landed)
    for key in keys:
        source, partition, name = key.split("/")[1:]
        assert partition == f"ingest_date={DAY}" and name.startswith("drop-1-")
        original = f"landing/{source}/{name.removeprefix('drop-1-').removesuffix('.gz')}"
        original = original.replace(".json", ".jsonl") if name.endswith(".json.gz") else original
        assert gzip.decompress(store.get_bytes(key)) == landed[original]  # bytes as received
        assert name.endswith(".csv.gz") == (source != "ratings")
    assert bronze_lines(store, "ratings") == served_lines(source_dir, "ratings")
    manifest = json.loads(store.get_bytes("state/manifests/ingest/drop-1.json"))
    assert manifest["kind"] == "ingest" and manifest["status"] == "SUCCEEDED"
    assert summary["sources"]["orders"]["rows"] == sum(served_lines(source_dir, "orders").values())
    assert summary["rejected_files"] == 0  # the exports' few Latin-1 bytes are quarantined per record later


def test_a_rerun_does_not_copy_drops_twice(store: LocalObjectStore) -> None:
    _drop(store, "menu", "menu_2026-06-01.csv", b"item_id,name\nITM-01,Margherita\n")
    first = ingest_files(store, ["menu"], now=NOW).to_dict()
    second = ingest_files(store, ["menu"], now=NOW).to_dict()
    assert first["new_rows"] == 1 and second["new_rows"] == 0 and second["has_new_data"] is False
    assert second["sources"]["menu"]["skipped"] == 1
    # The same name re-sent with other content is a new drop.
    _drop(store, "menu", "menu_2026-06-01.csv", b"item_id,name\nITM-01,Margherita\nITM-02,Pepperoni\n")
    assert ingest_files(store, ["menu"], now=NOW).new_rows == 2
    assert len(list(store.list_keys("bronze/menu/"))) == 2
    # The same bytes under another name are the same export: not landed again.
    _drop(store, "menu", "menu copy.csv", b"item_id,name\nITM-01,Margherita\n")
    again = ingest_files(store, ["menu"], now=NOW)
    assert again.new_rows == 0 and again.sources["menu"].skipped == 2
    assert len(list(store.list_keys("bronze/menu/"))) == 2


def test_a_drop_claimed_by_a_crashed_run_is_rewritten_to_the_same_key(
    store: LocalObjectStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _drop(store, "drivers", "drivers_2026-06-01.jsonl", b'{"driver_id":"DRV-001"}\n')
    real_put = LocalObjectStore.put_bytes

    def failing_put(self: LocalObjectStore, key: str, data: bytes, content_type: str | None = None) -> None:
        if key.startswith("bronze/drivers/"):
            raise StorageError("connection reset")
        real_put(self, key, data, content_type)

    monkeypatch.setattr(LocalObjectStore, "put_bytes", failing_put)
    crashed = ingest_files(store, ["drivers"], run_id="crashed", now=NOW).to_dict()
    assert crashed["status"] == "FAILED" and "connection reset" in crashed["error"]
    assert json.loads(store.get_bytes("state/manifests/ingest/crashed.json"))["status"] == "FAILED"
    assert _ledger(store, "drivers")["files"].popitem()[1]["status"] == "claimed"
    monkeypatch.setattr(LocalObjectStore, "put_bytes", real_put)
    rerun = ingest_files(store, ["drivers"], run_id="rerun", now=NOW)
    assert rerun.new_rows == 1
    assert list(store.list_keys("bronze/drivers/")) == [
        f"bronze/drivers/ingest_date={DAY}/crashed-drivers_2026-06-01.json.gz"
    ]


def test_a_ledger_of_the_first_format_is_read_as_landed(store: LocalObjectStore) -> None:
    data = b"item_id,name\nITM-01,Margherita\n"
    digest = hashlib.sha256(data).hexdigest()
    old = {
        "source": "menu",
        "drops": {f"menu.csv@{digest[:16]}": {"status": "done", "key": "k", "sha256": digest}},
    }
    store.put_bytes("bronze/_state/drops/menu.json", json.dumps(old).encode())
    _drop(store, "menu", "menu.csv", data)
    summary = ingest_files(store, ["menu"], now=NOW)
    assert summary.new_rows == 0 and summary.sources["menu"].skipped == 1


# ------------------------------------------------------------------------------------------ poison

GOOD = b'{"rating_id":"RAT-000001"}\n'
POISON: dict[str, tuple[bytes, str]] = {
    "ratings.xlsx": (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 8, "zip archive"),
    "empty.csv": (b"", "empty file"),
    "blank.jsonl": (b"\n  \n", "only white space"),
    "broken.jsonl.gz": (b"not gzip", "not gzip data"),
    "cut.jsonl.gz": (gzip.compress(GOOD * 50)[:40], "gzip data is damaged"),
    "unicode-text.csv": ("rating_id,stars\nRAT-1,5\n".encode("utf-16"), "UTF-16 text"),
    "array.jsonl": (b'[{"rating_id": "RAT-2"}]', "a JSON array, not JSON lines"),
    "page.json": (b"<html><body>Export failed</body></html>", "not JSON"),
}


def _run(store: LocalObjectStore, config: LakeConfig | None = None, **kw: Any) -> IngestSummary:
    return ingest_files(store, ["ratings"], now=NOW, config=config, **kw)


def test_poison_files_are_set_aside_with_reasons_and_the_run_goes_on(store: LocalObjectStore) -> None:
    for name, (data, _reason) in POISON.items():
        _drop(store, "ratings", name, data)
    _drop(store, "ratings", "good.jsonl", GOOD)
    summary = _run(store, run_id="night-1")
    assert summary.status == "SUCCEEDED" and summary.new_rows == 1  # the good file lands
    rejected = {r.file.rsplit("/", 1)[1]: r for r in summary.rejected_files}
    assert set(rejected) == set(POISON)
    for name, (data, reason) in POISON.items():
        r = rejected[name]
        assert reason in r.reason, (name, r.reason)
        assert (r.size, r.sha256) == (len(data), hashlib.sha256(data).hexdigest())
        assert r.rejected_key.startswith(f"rejected/ratings/{DAY}/night-1-{r.sha256[:12]}-")
        assert r.rejected_key.endswith(name) and r.hint and "rerun" not in r.hint
        # Moved, not deleted: the exact bytes are in rejected/, the landing copy is gone.
        assert store.get_bytes(r.rejected_key) == data and not store.exists(r.file)
        record = json.loads(store.get_bytes(r.reason_key))
        assert (record["source"], record["file"], record["size"]) == ("ratings", r.file, len(data))
        assert (record["sha256"], record["reason"], record["first_bytes"]) == (
            r.sha256,
            r.reason,
            r.first_bytes,
        )
    # Binary data shows its signature and size, not 120 bytes of escapes.
    assert rejected["ratings.xlsx"].first_bytes == (
        "PK\\x03\\x04\\x14\\x00\\x06\\x00\\x00\\x01\\x02\\x03\\x04\\x05\\x06\\x07"
        "... (binary data, 2,056 bytes)"
    )
    assert rejected["page.json"].first_bytes == "<html><body>Export failed</body></html>"
    assert summary.to_dict()["rejected_files"] == len(POISON)
    manifest = json.loads(store.get_bytes(f"state/manifests/ingest/{summary.run_id}.json"))
    assert len(manifest["sources"]["ratings"]["rejected"]) == len(POISON)
    # The ledger accounts for every file that landed.
    states = sorted(e["status"] for e in _ledger(store, "ratings")["files"].values())
    assert states == ["landed"] + ["rejected"] * len(POISON)
    # The next run has nothing to do; a corrected file lands whatever its name.
    assert _run(store).rejected_files == [] and list(store.list_keys("landing/ratings/")) == [
        "landing/ratings/good.jsonl"
    ]
    _drop(store, "ratings", "ratings-fixed.jsonl", b'{"rating_id":"RAT-2"}\n')
    fixed = _run(store)
    assert fixed.new_rows == 1 and fixed.rejected_files == []


def test_the_same_poison_sent_again_is_set_aside_again(store: LocalObjectStore) -> None:
    _drop(store, "ratings", "broken.jsonl.gz", b"not gzip")
    first = _run(store)
    _drop(store, "ratings", "broken-again.jsonl.gz", b"not gzip")
    second = _run(store)
    assert len(first.rejected_files) == len(second.rejected_files) == 1
    assert second.rejected_files[0].rejected_key == first.rejected_files[0].rejected_key
    assert not list(store.list_keys("landing/ratings/"))
    entry = next(iter(_ledger(store, "ratings")["files"].values()))
    assert entry["names"] == ["broken.jsonl.gz", "broken-again.jsonl.gz"]


def test_a_move_interrupted_before_the_landing_copy_went_is_finished(
    store: LocalObjectStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _drop(store, "ratings", "empty.csv", b"")

    def dies(self: LocalObjectStore, key: str) -> None:
        raise StorageError("killed")

    monkeypatch.setattr(LocalObjectStore, "delete", dies)
    crashed = _run(store)
    assert crashed.status == "FAILED" and store.exists("landing/ratings/empty.csv")
    monkeypatch.undo()
    rerun = _run(store)
    assert rerun.status == "SUCCEEDED" and not store.exists("landing/ratings/empty.csv")
    assert len(list(store.list_keys("rejected/ratings/"))) == 2  # the file and its reason, once


# ------------------------------------------------------------------------------------------ formats


PUBLIC_CSV = (
    "station;date;pm25;no2;remark\n"
    "JHB-01;2026-06-01 08:00;12.5;NA;\n"
    'JHB-02;2026-06-01 08:00;NA;18.1;"calm; clear"\n'
)


@pytest.mark.parametrize(
    ("name", "data", "options", "rows"),
    [
        ("air.csv", PUBLIC_CSV.encode(), {"csv": {"delimiter": ";", "null_values": ["NA", ""]}}, 2),
        ("air.csv", ("\ufeff" + PUBLIC_CSV).encode(), {"csv": {"delimiter": ";"}}, 2),
        (
            "air.csv",
            PUBLIC_CSV.replace("calm", "Qualité").encode("cp1252"),
            {"encoding": "cp1252", "csv": {"delimiter": ";"}},
            2,
        ),
        ("air.csv.gz", gzip.compress(PUBLIC_CSV.encode()), {"csv": {"delimiter": ";"}}, 2),
        (
            "air.txt",
            PUBLIC_CSV.split("\n", 1)[1].encode(),
            {
                "format": "csv",
                "csv": {
                    "delimiter": ";",
                    "header": False,
                    "columns": ["station", "date", "pm25", "no2", "remark"],
                },
            },
            2,
        ),
        (
            "air.json",
            b'{"meta": {}, "rows": {"items": [{"a": 1}, {"a": 2}, {"a": 3}]}}',
            {"format": "json"},
            3,
        ),
    ],
    ids=["semicolon-NA", "utf8-bom", "cp1252", "gzip", "no-header-columns", "json-records-path"],
)
def test_export_dialects_land_with_their_format_in_the_bronze_name(
    name: str, data: bytes, options: dict[str, Any], rows: int, store: LocalObjectStore
) -> None:
    entry = files_source(**options)
    if options.get("format") == "json":
        entry["records_path"] = "rows.items"
    config = config_with_sources({"air": entry})
    _drop(store, "air", name, data)
    summary = ingest_files(store, ["air"], now=NOW, config=config)
    assert summary.status == "SUCCEEDED" and summary.rejected_files == [], summary.to_dict()
    assert summary.new_rows == rows
    (key,) = list(store.list_keys("bronze/air/"))
    expected_suffix = {"utf-8-sig": "utf8sig.csv.gz", "cp1252": "cp1252.csv.gz"}
    if data.startswith(b"\xef\xbb\xbf"):
        assert key.endswith(".utf8sig.csv.gz")
    elif options.get("encoding") in expected_suffix:
        assert key.endswith(expected_suffix[options["encoding"]])
    # As received: the file's bytes, gzip-compressed (a gzip file is kept as it came).
    stored = store.get_bytes(key)
    assert (stored == data) if name.endswith(".gz") else (gzip.decompress(stored) == data)
    records = bronze_records(config.source("air"), key, store.get_bytes(key), 100)
    assert len(records) == rows
    if options.get("csv", {}).get("null_values") == ["NA", ""]:
        assert (
            records[0]["no2"] is None and records[1]["pm25"] is None and records[1]["remark"] == "calm; clear"
        )


@pytest.mark.parametrize(
    ("data", "options", "reason", "hint"),
    [
        (
            PUBLIC_CSV.replace("calm", "Qualité").encode("utf-8"),
            {"encoding": "cp1252"},
            "the file is UTF-8",
            "files.encoding: utf-8",
        ),
        (("Qualité;" + PUBLIC_CSV).encode("cp1252"), {}, "is not utf-8", "files.encoding"),
        (b"\xef\xbb\xbf" + PUBLIC_CSV.encode(), {"encoding": "cp1252"}, "UTF-8 byte-order mark", "utf-8-sig"),
        (
            PUBLIC_CSV.encode(),
            {"csv": {"delimiter": ","}},
            "header row is one column",
            # Both ways out, the file first: a source's dialect is not changed for one odd export.
            "re-export this file separated by ',' (the source's dialect); if every export of the source "
            "uses ';', set files.csv.delimiter: ';' instead",
        ),
        (
            PUBLIC_CSV.encode() + b"JHB-03;x;1;2;3;4;5\n",
            {"csv": {"delimiter": ";"}},
            "row 4 has 7 fields",
            "files.csv.delimiter",
        ),
    ],
    ids=[
        "utf8-declared-cp1252",
        "cp1252-declared-utf8",
        "bom-declared-cp1252",
        "wrong-delimiter",
        "extra-fields",
    ],
)
def test_a_file_in_an_encoding_or_dialect_it_does_not_declare_is_rejected(
    data: bytes, options: dict[str, Any], reason: str, hint: str, store: LocalObjectStore
) -> None:
    config = config_with_sources({"air": files_source(**options)})
    _drop(store, "air", "air.csv", data)
    summary = ingest_files(store, ["air"], now=NOW, config=config)
    (rejected,) = summary.rejected_files
    assert summary.status == "SUCCEEDED" and summary.new_rows == 0
    assert reason in rejected.reason and hint in rejected.hint, (rejected.reason, rejected.hint)
    assert rejected.first_bytes and not list(store.list_keys("bronze/air/"))


def test_land_generated_dataset_accounts_for_every_record(store: LocalObjectStore, source_dir: Path) -> None:
    manifest = json.loads((source_dir / "manifest.json").read_text())
    summary = land_generated_dataset(source_dir, store, list(SOURCES), chunk_lines=500, now=NOW)
    assert summary.status == "SUCCEEDED"
    for source in SOURCES:
        expected = manifest["sources"][source]["records"]
        assert summary.sources[source].rows == expected
        assert sum(bronze_lines(store, source).values()) == expected


def test_each_rejected_file_is_one_alert_naming_source_file_reason_and_fix(
    store: LocalObjectStore, capsys: pytest.CaptureFixture[str]
) -> None:
    from jozi_lake import notify
    from jozi_lake.cli import render

    _drop(store, "ratings", "empty.csv", b"")
    _drop(store, "ratings", "good.jsonl", GOOD)
    summary = _run(store, run_id="night-1")
    notifier = notify.LinesNotifier()
    assert notify.notify_all(notifier, notify.alerts_for_ingest(summary)) == 1
    (alert,) = notifier.alerts
    assert (alert.kind, alert.source, alert.item) == ("file_rejected", "ratings", "landing/ratings/empty.csv")
    assert alert.reason == "empty file" and alert.fix and "rerun" not in alert.fix
    assert alert.detail["rejected_key"] == summary.rejected_files[0].rejected_key
    # Locally the same alert is a line of the run output.
    render.ingest_summary(summary)
    out = capsys.readouterr().out
    kept = summary.rejected_files[0].rejected_key
    assert kept.startswith("rejected/ratings/")
    line = f"alert rejected file landing/ratings/empty.csv (ratings): empty file; kept as {kept}; fix: "
    assert line in out
    assert len(alert.subject()) <= notify.SUBJECT_LIMIT
