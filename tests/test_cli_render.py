"""What the CLI prints keeps the text it is given: brackets in errors, hints and stage summaries are
text (contract examples such as ``primary_key: [order_id]``), not Rich markup to be swallowed."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from jozi_lake.backend import StageResult
from jozi_lake.cli import render


@pytest.fixture()
def printed(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    buffer = io.StringIO()
    captured = Console(file=buffer, width=200, color_system=None)
    monkeypatch.setattr(render, "console", captured)
    monkeypatch.setattr(render, "err_console", captured)
    return buffer


def test_errors_and_hints_keep_their_brackets(printed: io.StringIO) -> None:
    render.error("missing required key 'primary_key'", "list the key columns, e.g. primary_key: [order_id]")
    assert "fix: list the key columns, e.g. primary_key: [order_id]" in printed.getvalue()


def test_stage_summaries_keep_their_brackets(printed: io.StringIO) -> None:
    result = StageResult("bronze_to_silver", "job", "FAILED", summary="rule [bold] uses [order_id]")
    result.duration_s = 1.0
    render.StageLines().stage_finished(result)
    assert "rule [bold] uses [order_id]" in printed.getvalue()


def test_a_clean_table_of_a_run_the_gate_stopped_is_not_published_not_failed(printed: io.StringIO) -> None:
    from jozi_lake.jobs.report import JobReport, TableReport

    held = TableReport("stock_counts", rows_read=12, rows_quarantined=10, status="failed")
    held.held_batches, held.message = ["stock_counts/2026-12-03_r1"], "quality gate: share"
    clean = TableReport("widgets", rows_read=14, rows_written=14)
    job = JobReport("bronze_to_silver", "r1", "local", "2026-12-03T10:00:00+00:00", tables=[held, clean])
    job.finish("failed", "quality gate failed")
    render.console.print(render.job_reports([job]))
    rows = {
        line.split("│")[2].strip(): line for line in printed.getvalue().splitlines() if line.count("│") > 5
    }
    assert "│ failed " in rows["stock_counts"]
    assert "│ not published " in rows["widgets"] and "the next run publishes it" in rows["widgets"]
    # The job's time is said once, on its first row.
    cells = {table: [c.strip() for c in line.split("│")[1:-1]] for table, line in rows.items()}
    assert cells["stock_counts"][-1] != "" and cells["widgets"][-1] == ""
