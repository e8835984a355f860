"""``lake generate``, ``lake ingest`` and ``lake drop`` from the command line, on a tiny local lake."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from jozi_lake.cli import app

runner = CliRunner()


def test_generate_ingest_and_drop(lake_home: Path) -> None:
    result = runner.invoke(app, ["generate", "--days", "3", "--orders-per-day", "30", "--seed", "4"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((lake_home / "source-system" / "manifest.json").read_text())
    assert manifest["params"]["days"] == 3

    result = runner.invoke(app, ["ingest", "--as-of", "2026-06-02"])
    assert result.exit_code == 0, result.output
    assert "SUCCEEDED" in result.output
    bucket = lake_home / "s3" / "jozi-pizza-local-lake"
    assert list((bucket / "bronze" / "orders").rglob("*.json.gz"))

    result = runner.invoke(app, ["ingest", "--source", "orders"])
    assert result.exit_code == 0, result.output
    state = json.loads((bucket / "state" / "ingest" / "orders.json").read_text())
    assert state["watermark"] > "2026-06-02"

    # The demo world exports its generated data as files under landing/, which `drop` then lands.
    export = ["generate", "--days", "3", "--orders-per-day", "30", "--seed", "4", "--export", "csv"]
    result = runner.invoke(app, export)
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["drop", "--source", "menu"])
    assert result.exit_code == 0, result.output
    assert list((bucket / "bronze" / "menu").rglob("*.csv.gz"))


def test_bad_input_is_one_line_not_a_traceback(lake_home: Path) -> None:
    result = runner.invoke(app, ["generate", "--start", "June"])
    assert result.exit_code == 1 and "is not a date" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["ingest"])  # nothing generated yet
    assert result.exit_code == 1 and "lake generate" in result.output
    result = runner.invoke(app, ["ingest", "--source-url", "http://127.0.0.1:9", "--as-of", "2026-06-02"])
    assert result.exit_code == 1 and "as_of only applies" in result.output
