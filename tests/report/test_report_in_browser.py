"""The report as a person sees it: opened from disk in a real headless Chromium (Debian's package,
driven by Playwright, never a downloaded browser), with no console errors, no request beyond the file
itself, and every chart drawn with marks. The screenshot goes to build/test-artifacts/report.png.

Chromium is installed by scripts/ensure-chromium.sh when missing (apt-get install chromium); the test
is skipped, saying why, only where that cannot be done.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import pytest

from jozi_lake.config import EnvConfig, repo_root
from jozi_lake.local.backend import LocalBackend
from jozi_lake.report import CHART, EMPTY_MESSAGE, backend_query_runner, build_report
from jozi_lake.report.browser import DEFAULT_CHROMIUM, view_in_chromium

CHROMIUM = DEFAULT_CHROMIUM
ARTIFACTS = repo_root() / "build" / "test-artifacts"

# The first test may install Chromium (apt-get: minutes, once); after that each test takes seconds, and
# every wait in the page is bounded by jozi_lake.report.browser's 20-second timeouts.
pytestmark = pytest.mark.timeout(960)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, installed on first use where this machine allows it."""
    if not CHROMIUM.exists():
        script = repo_root() / "scripts" / "ensure-chromium.sh"
        done = subprocess.run(
            ["bash", str(script)],
            capture_output=True,
            text=True,
            timeout=900,
            env={**os.environ, "CHROMIUM": str(CHROMIUM)},
        )
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["ensure-chromium.sh failed"])[-1]
            pytest.skip(f"no Chromium at {CHROMIUM}: {reason}")
    return CHROMIUM


def test_every_chart_renders_with_marks_and_no_errors(
    sample_env: EnvConfig, chromium: Path, tmp_path: Path
) -> None:
    report = build_report(backend_query_runner(LocalBackend(sample_env)), title="sample lake report")
    assert report.charts >= 15 and not report.problems
    page_file = report.write(tmp_path / "report.html")
    screenshot = ARTIFACTS / "report.png"
    screenshot.unlink(missing_ok=True)
    seen = view_in_chromium(page_file, screenshot, chromium)
    assert seen.errors == []
    assert seen.requests == [page_file.as_uri()]  # nothing fetched: the file is the whole report
    charts = {c["name"]: c for c in seen.charts}
    assert sorted(charts) == sorted(o.query.name for o in report.outcomes if o.status == CHART)
    for name, chart in charts.items():
        assert chart["svg"] and chart["marks"], (name, chart)
    # A bar per zone and per stage of the golden answers; the heatmap is one image of cells.
    assert charts["zone_lateness"]["marks"] == 2
    assert charts["peak_hour_stage_excess"]["marks"] == 5
    assert charts["late_share_by_hour_weekday"]["marks"] == 1
    assert screenshot.stat().st_size > 50_000


def test_bad_input_shows_its_message_in_the_browser(
    sample_env: EnvConfig, chromium: Path, tmp_path: Path
) -> None:
    from jozi_lake.query.named import list_named_queries

    folder = tmp_path / "sql" / "queries"
    folder.mkdir(parents=True)
    head = "-- title: {0}\n-- description: {0} description\n-- chart: {1}\n"
    (folder / "ok.sql").write_text(
        head.format("Fine", "bar x=zone y=n")
        + "SELECT zone, count(*) AS n FROM fact_deliveries GROUP BY zone\n"
    )
    (folder / "typo.sql").write_text(
        head.format("Typo", "bar x=zone y=nn")
        + "SELECT zone, count(*) AS n FROM fact_deliveries GROUP BY zone\n"
    )
    (folder / "empty.sql").write_text(
        head.format("Empty", "line x=d y=n")
        + "SELECT order_date AS d, 1 AS n FROM fact_deliveries WHERE false\n"
    )
    report = build_report(
        backend_query_runner(LocalBackend(sample_env)),
        title="bad input",
        queries=list_named_queries(tmp_path / "sql"),
        generated_at=dt.datetime(2026, 6, 30, tzinfo=dt.UTC),
    )
    seen = view_in_chromium(report.write(tmp_path / "bad.html"), chromium=chromium)
    assert seen.errors == []
    assert [c["name"] for c in seen.charts] == ["ok"] and seen.charts[0]["marks"] == 2
    assert seen.empty == [EMPTY_MESSAGE]
    assert len(seen.problems) == 1 and "names column(s) nn" in seen.problems[0]
