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
