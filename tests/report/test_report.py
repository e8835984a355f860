"""lake report on the local path: every query with a chart spec becomes a chart in one self-contained HTML
file; bad input (a spec naming a missing column, a failing query, an unparsable spec) costs one chart and
says why; an empty answer says "no rows for this period"."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import plotly.offline
import pytest
from typer.testing import CliRunner

from jozi_lake.cli import app
from jozi_lake.config import EnvConfig, repo_root
from jozi_lake.errors import LakeError
from jozi_lake.local.backend import LocalBackend
from jozi_lake.local.engine import run_query
from jozi_lake.query.named import OPS, QUERIES, NamedQuery, list_named_queries
from jozi_lake.report import (
    CHART,
    EMPTY,
    EMPTY_MESSAGE,
    PROBLEM,
    Answer,
    backend_query_runner,
    build_report,
    report_queries,
)

MOMENT = dt.datetime(2026, 6, 30, 21, 15, tzinfo=dt.UTC)


def named(tmp_path: Path, name: str, sql: str, chart: str | None, section: str = "Tests") -> NamedQuery:
    """A query file as an analyst would add one (header lines, then the SQL)."""
    folder = tmp_path / "sql" / QUERIES
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"-- title: {name} title", f"-- description: {name} description", f"-- section: {section}"]
    if chart is not None:
        lines.append(f"-- chart: {chart}")
    (folder / f"{name}.sql").write_text("\n".join([*lines, sql]) + "\n", encoding="utf-8")
    return next(q for q in list_named_queries(tmp_path / "sql") if q.name == name)


@pytest.fixture(scope="module")
def full_report(sample_env: EnvConfig):  # type: ignore[no-untyped-def]
    return build_report(
        backend_query_runner(LocalBackend(sample_env)), title="sample lake report", generated_at=MOMENT
    )


def test_every_query_with_a_spec_becomes_a_chart(full_report) -> None:  # type: ignore[no-untyped-def]
    queries = list_named_queries(folder=QUERIES) + list_named_queries(folder=OPS)
    assert len(report_queries()) == len(queries)  # every file carries a spec
    assert full_report.problems == []
    assert [o.status for o in full_report.outcomes] == [CHART] * len(queries)
    page = full_report.html
    for query in queries:
        assert f'data-chart="{query.name}"' in page
        assert query.title.replace("&", "&amp;") in page
    assert page.count('class="plot"') == len(queries)
    # The numbers under each chart: zone_lateness's north row (tests/query golden result).
    assert re.search(r"<td[^>]*>north</td><td[^>]*>3</td><td[^>]*>0\.6667</td>", page)


def test_the_file_is_self_contained(full_report) -> None:  # type: ignore[no-untyped-def]
    library = plotly.offline.get_plotlyjs()
    assert full_report.html.count(library) == 1  # the library once, inline
    page = full_report.html.replace(library, "")  # its own source mentions plotly.com in strings
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link\b", page)
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", page)
    assert "default-src 'none'" in page  # and the page may not fetch anything even if it tried


def test_sections_and_order_follow_the_specs(full_report) -> None:  # type: ignore[no-untyped-def]
    sections = list(dict.fromkeys(o.section for o in full_report.outcomes))
    assert sections == ["Where do peak-hour delays come from?", "Data quality", "Pipeline runs"]
    story = [o.query.name for o in full_report.outcomes if o.section == sections[0]][:5]
    assert story == [
        "late_share_by_hour_weekday",
        "stage_minutes_by_hour",
        "zone_lateness",
        "load_shedding_impact",
        "repeat_after_late",
    ]
    headings = re.findall(r"<h2>(.*?)</h2>", full_report.html)
    assert headings == ["Where do peak-hour delays come from?", "Data quality", "Pipeline runs"]


def test_a_spec_naming_a_missing_column_shows_a_message_and_the_rest_is_built(
    sample_env: EnvConfig, tmp_path: Path
) -> None:
    good = named(
        tmp_path,
        "zones",
        "SELECT zone, count(*) AS orders FROM fact_deliveries GROUP BY zone",
        "bar x=zone y=orders",
    )
    bad = named(
        tmp_path,
        "zones_typo",
        "SELECT zone, count(*) AS orders FROM fact_deliveries GROUP BY zone",
        "bar x=zone y=order_count",
    )
    report = build_report(
        backend_query_runner(LocalBackend(sample_env)), title="t", queries=[good, bad], generated_at=MOMENT
    )
    outcome = {o.query.name: o for o in report.outcomes}
    assert outcome["zones"].status == CHART
    assert outcome["zones_typo"].status == PROBLEM
    message = (
        "the chart spec names column(s) order_count that the query does not return (it returns: zone, orders)"
    )
    assert outcome["zones_typo"].message == message
    assert report.problems == [f"sql/queries/zones_typo.sql: {message}"]
    figure = re.search(r'<figure[^>]*id="q-queries-zones_typo".*?</figure>', report.html, re.S)
    assert figure and "could not be drawn" in figure.group(0) and "order_count" in figure.group(0)
    assert 'class="plot"' not in figure.group(0)
    assert "<details>" in figure.group(0)  # the query ran: its numbers are still there


def test_a_failing_query_shows_the_error_in_place_of_its_chart(sample_env: EnvConfig, tmp_path: Path) -> None:
    broken = named(tmp_path, "broken", "SELECT zone FROM fact_deliverys", "bar x=zone y=zone")
    good = named(
        tmp_path, "ok", "SELECT zone, count(*) AS n FROM fact_deliveries GROUP BY zone", "bar x=zone y=n"
    )
    report = build_report(
        backend_query_runner(LocalBackend(sample_env)), title="t", queries=[broken, good], generated_at=MOMENT
    )
    outcome = {o.query.name: o for o in report.outcomes}
    assert outcome["ok"].status == CHART
    assert outcome["broken"].status == PROBLEM
    assert outcome["broken"].message.startswith("the query failed: unknown table gold.fact_deliverys")
    assert "did you mean fact_deliveries?" in outcome["broken"].message
    assert "1 chart(s) could not be drawn" in report.html


def test_any_exception_of_the_runner_costs_only_its_chart(tmp_path: Path) -> None:
    query = named(tmp_path, "q", "SELECT 1 AS a", "bar x=a y=a")

    def runner(sql: str, params: Sequence[str]) -> Answer:
        raise TimeoutError("Athena did not answer in 30 minutes")

    report = build_report(runner, title="t", queries=[query], generated_at=MOMENT)
    assert report.problems == [
        "sql/queries/q.sql: the query failed: TimeoutError: Athena did not answer in 30 minutes"
    ]


def test_a_query_with_placeholders_is_drawn_with_its_params(sample_env: EnvConfig, tmp_path: Path) -> None:
    """`-- params:` gives the ? placeholders their values: the report runs the query with them, through the
    backend (which binds them as values), and `lake query <name>` does too when no --param is given."""
    query = named(
        tmp_path,
        "zones_over",
        "SELECT zone, count(*) AS n FROM fact_deliveries WHERE distance_km > ? AND zone <> ? GROUP BY zone",
        "bar x=zone y=n",
    )
    text = query.path.read_text(encoding="utf-8").replace(
        "-- section:", '-- params: 0, "nowhere, really"\n-- section:'
    )
    query.path.write_text(text, encoding="utf-8")
    (query,) = [q for q in list_named_queries(tmp_path / "sql") if q.name == "zones_over"]
    assert query.params == ("0", "nowhere, really")
    seen: list[Sequence[str]] = []
    runner = backend_query_runner(LocalBackend(sample_env))
    report = build_report(
        lambda sql, params: seen.append(params) or runner(sql, params), title="t", queries=[query]
    )
    (outcome,) = report.outcomes
    assert outcome.status == CHART and outcome.rows and seen == [("0", "nowhere, really")], report.problems
    by_name = run_query(sample_env, named="zones_over", sql_directory=tmp_path / "sql")
    assert len(by_name.rows) == outcome.rows  # the same defaults
    assert (
        run_query(sample_env, named="zones_over", params=[1e9, "x"], sql_directory=tmp_path / "sql").rows
        == []
    )


def test_lake_query_and_lake_queries_show_the_defaults(sample_env: EnvConfig, project_copy: Path) -> None:
    (project_copy / "sql" / QUERIES / "zones_over.sql").write_text(
        "-- title: Zones over a distance\n-- description: d\n-- params: 0\n"
        "SELECT zone, count(*) AS n FROM fact_deliveries WHERE distance_km > ? GROUP BY zone\n",
        encoding="utf-8",
    )
    ran = CliRunner().invoke(app, ["query", "zones_over"], terminal_width=200)
    assert ran.exit_code == 0, ran.output
    assert "with the query's -- params: 0 (--param replaces them)" in ran.output
    given = CliRunner().invoke(app, ["query", "zones_over", "--param", "0"], terminal_width=200)
    assert given.exit_code == 0 and "-- params" not in given.output
    listed = CliRunner().invoke(app, ["queries"], terminal_width=250)
    assert "params (defaults)" in listed.output and "zones_over" in listed.output


def test_an_empty_params_value_is_refused(tmp_path: Path) -> None:
    query = named(tmp_path, "q", "SELECT ? AS a", "bar x=a y=a")
    query.path.write_text("-- params: 1, \n" + query.path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(LakeError, match=r"q\.sql: '-- params: 1,' has an empty value"):
        list_named_queries(tmp_path / "sql")


def test_an_empty_answer_says_no_rows_for_this_period(sample_env: EnvConfig, tmp_path: Path) -> None:
    empty = named(
        tmp_path,
        "empty",
        "SELECT zone, count(*) AS n FROM fact_deliveries WHERE false GROUP BY zone",
        "bar x=zone y=n",
    )
    report = build_report(
        backend_query_runner(LocalBackend(sample_env)), title="t", queries=[empty], generated_at=MOMENT
    )
    (outcome,) = report.outcomes
    assert (outcome.status, outcome.rows, outcome.message) == (EMPTY, 0, EMPTY_MESSAGE)
    assert f'<p class="empty">{EMPTY_MESSAGE}</p>' in report.html
    assert 'class="plot"' not in report.html and report.problems == []


def test_a_spec_that_does_not_parse_costs_its_chart(tmp_path: Path) -> None:
    query = named(tmp_path, "q", "SELECT 1 AS a", "pie x=a y=a")
    ran: list[str] = []
    report = build_report(
        lambda sql, _params: ran.append(sql) or Answer(["a"], [(1,)]), title="t", queries=[query]
    )
    assert report.problems == [
        "sql/queries/q.sql: the chart spec does not parse: q.sql: unknown chart type 'pie' "
        "(one of: bar, line, scatter, heatmap)"
    ]
    assert ran == []  # nothing to draw it with, so the query is not run


def _project_copy(tmp_path: Path, extra: dict[str, str]) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    root = repo_root()
    shutil.copy(root / "lake.yaml", project / "lake.yaml")
    for folder in ("contracts", "sql"):
        shutil.copytree(root / folder, project / folder)
    for relative, text in extra.items():
        (project / relative).write_text(text, encoding="utf-8")
    return project


def test_the_command_writes_the_file_prints_problems_and_the_path(
    sample_env: EnvConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project_copy(
        tmp_path,
        {
            "sql/queries/zz_typo.sql": "-- title: Typo\n-- description: A spec with a typo.\n"
            "-- chart: bar x=zone y=late_shar\n"
            "SELECT zone, 0.5 AS late_share FROM fact_deliveries GROUP BY zone\n"
        },
    )
    monkeypatch.setenv("LAKE_PROJECT_DIR", str(project))
    out = tmp_path / "out" / "report.html"
    result = CliRunner().invoke(app, ["report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1] == str(out.resolve())
    assert any("sql/queries/zz_typo.sql" in line and "late_shar" in line for line in lines)
    charts = len(list_named_queries(folder=QUERIES)) + len(list_named_queries(folder=OPS)) - 1
    assert f"report: {charts} chart(s), 1 could not be drawn" in result.output
    page = out.read_text(encoding="utf-8")
    assert page.count('class="plot"') == charts


def test_the_command_writes_next_to_the_local_lake_by_default(sample_env: EnvConfig) -> None:
    result = CliRunner().invoke(app, ["report"])
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip().splitlines()[-1])
    assert path == sample_env.lake_home / "reports" / "lake-report.html" and path.is_file()


def test_upload_is_refused_for_the_local_lake(sample_env: EnvConfig) -> None:
    result = CliRunner().invoke(app, ["report", "--upload"])
    assert result.exit_code == 1
    assert "--upload puts the report into an AWS lake" in result.output


def test_the_report_package_stays_out_of_the_aws_bundles(tmp_path: Path) -> None:
    from jozi_lake.tooling.bundle import GLUE, reachable_modules

    probe = tmp_path / "entry.py"
    probe.write_text("from jozi_lake.report import build_report\n", encoding="utf-8")
    with pytest.raises(LakeError, match="tooling-only part of the package"):
        reachable_modules([probe], repo_root() / "src", GLUE)
