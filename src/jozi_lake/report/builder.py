"""``lake report``: every query with a chart spec, run through one query callable, as one HTML file.

The file is self-contained: Plotly's JavaScript is embedded once in the head, every style is inline,
nothing is fetched, so it opens from disk (or from an e-mail, or from S3) with no network. Charts are
grouped by the ``-- section:`` of their query and ordered by the spec's ``order``; each has the query's
title and description as captions and its numbers in a table below it.

Bad input costs one chart, never the report: a query that fails or a spec that does not fit the answer
shows a message in place of its chart (and is listed in :attr:`LakeReport.problems`, which the command
prints); an empty answer says "no rows for this period".
"""

from __future__ import annotations

import datetime as dt
import decimal
import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.io as pio
import plotly.offline

from jozi_lake.errors import LakeError
from jozi_lake.layout import lake_layout
from jozi_lake.query.named import OPS, QUERIES, NamedQuery, runnable_queries
from jozi_lake.report.charts import ChartProblem, build_figure
from jozi_lake.report.data import QueryRunner, Tabular
from jozi_lake.storage import ObjectStore

EMPTY_MESSAGE = "no rows for this period"
LATEST_REPORT = "lake-report-latest.html"
DEFAULT_SECTIONS = {QUERIES: "Analyst queries", OPS: "Operations"}
MAX_TABLE_ROWS = 500  # rows shown under a chart; the count says when there are more
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}

# Outcomes of one query in the report.
CHART = "chart"
EMPTY = "empty"
PROBLEM = "problem"


@dataclass
class ChartOutcome:
    """What became of one query: a chart, an empty answer, or a problem shown in the chart's place."""

    query: NamedQuery
    section: str
    status: str  # chart | empty | problem
    message: str = ""
    rows: int = 0

    @property
    def source(self) -> str:
        return f"sql/{self.query.path.parent.name}/{self.query.path.name}"

    @property
    def anchor(self) -> str:
        """The figure's id in the page (queries and ops may share a file name, so the folder is in it)."""
        return f"q-{self.query.path.parent.name}-{self.query.name}"


@dataclass
class LakeReport:
    """The built report: the HTML text and what happened to each query."""

    html: str
    outcomes: list[ChartOutcome]
    generated_at: dt.datetime

    @property
    def charts(self) -> int:
        return sum(o.status == CHART for o in self.outcomes)

    @property
    def problems(self) -> list[str]:
        """One line per query that could not be drawn, for the command's output."""
        return [f"{o.source}: {o.message}" for o in self.outcomes if o.status == PROBLEM]

    def write(self, path: Path) -> Path:
        """Write the file (UTF-8), creating its folder; returns the absolute path."""
        target = path.expanduser().resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.html, encoding="utf-8")
        return target

    def upload(self, store: ObjectStore) -> list[str]:
        """Put the report under the lake's ``reports/`` prefix: one copy named by its UTC time (the
        history) and ``lake-report-latest.html`` (the link people keep). Returns the keys written."""
        layout = lake_layout()
        stamp = self.generated_at.strftime("%Y%m%dT%H%M%SZ")
        keys = [layout.report_upload(f"lake-report-{stamp}.html"), layout.report_upload(LATEST_REPORT)]
        data = self.html.encode("utf-8")
        for key in keys:
            store.put_bytes(key, data, "text/html; charset=utf-8")
        return keys


def report_queries(directory: Path | None = None) -> list[NamedQuery]:
    """Every query that has a chart spec: the analysts' (``sql/queries``), then the generic ones about
    the lake's own runs (``sql/ops``)."""
    queries = runnable_queries(directory)
    return [q for q in queries if q.chart_spec is not None]


def build_report(
    run_sql: QueryRunner,
    *,
    title: str,
    subtitle: str = "",
    queries: Sequence[NamedQuery] | None = None,
    generated_at: dt.datetime | None = None,
) -> LakeReport:
    """Run every query through ``run_sql`` (Athena SQL in, columns and rows out) and build the page.

    ``run_sql`` is the only thing that knows where the lake is (local DuckDB, or Athena on AWS).
    """
    chosen = list(queries) if queries is not None else report_queries()
    placed: list[tuple[int, str, ChartOutcome, str]] = []  # (order, name, outcome, html of the figure)
    for query in chosen:
        section = query.section or DEFAULT_SECTIONS.get(query.path.parent.name, "Queries")
        outcome, body = _render_query(run_sql, query, section)
        order = _order_of(query)
        placed.append((order, query.name, outcome, body))
    placed.sort(key=lambda item: (item[0], item[1]))
    sections: dict[str, list[str]] = {}
    for _order, _name, outcome, body in placed:
        sections.setdefault(outcome.section, []).append(body)
    moment = (generated_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    page = _page(title, subtitle, moment, sections, [p[2] for p in placed])
    return LakeReport(html=page, outcomes=[p[2] for p in placed], generated_at=moment)


def _order_of(query: NamedQuery) -> int:
    try:
        chart = query.chart()
    except LakeError:
        return 10_000  # a spec that does not parse sorts last; its problem is shown in its place
    return chart.order if chart else 10_000


def _render_query(run_sql: QueryRunner, query: NamedQuery, section: str) -> tuple[ChartOutcome, str]:
    """One query's figure element: the chart (or the message in its place), captions and numbers."""
    try:
        spec = query.chart()
    except LakeError as err:
        outcome = ChartOutcome(query, section, PROBLEM, f"the chart spec does not parse: {_error_text(err)}")
        return outcome, _figure(query, outcome, _problem_html(outcome.message), None)
    assert spec is not None  # report_queries keeps queries with a spec
    try:
        answer = run_sql(query.sql, query.params)
    except Exception as err:  # any failure of the query costs its chart, never the report
        outcome = ChartOutcome(query, section, PROBLEM, f"the query failed: {_error_text(err)}")
        return outcome, _figure(query, outcome, _problem_html(outcome.message), None)
    rows = len(answer.rows)
    if rows == 0:
        outcome = ChartOutcome(query, section, EMPTY, EMPTY_MESSAGE, 0)
        return outcome, _figure(query, outcome, f'<p class="empty">{EMPTY_MESSAGE}</p>', answer)
    try:
        figure = build_figure(spec, answer)
    except ChartProblem as err:
        outcome = ChartOutcome(query, section, PROBLEM, str(err), rows)
        return outcome, _figure(query, outcome, _problem_html(outcome.message), answer)
    plot = pio.to_html(
        figure,
        include_plotlyjs=False,  # embedded once, in the page head
        full_html=False,
        div_id=f"chart-{query.path.parent.name}-{query.name}",
        config=PLOTLY_CONFIG,
        default_width="100%",
        default_height=f"{figure.layout.height}px",
    )
    outcome = ChartOutcome(query, section, CHART, "", rows)
    return outcome, _figure(
        query, outcome, f'<div class="plot" data-chart="{query.name}">{plot}</div>', answer
    )


def _error_text(err: Exception) -> str:
    if isinstance(err, LakeError):
        return f"{err.message} ({err.hint})" if err.hint else err.message
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__


def _problem_html(message: str) -> str:
    return (
        '<div class="problem" role="alert"><strong>This chart could not be drawn:</strong> '
        f"{html.escape(message)}</div>"
    )


def _figure(query: NamedQuery, outcome: ChartOutcome, body: str, answer: Tabular | None) -> str:
    numbers = _numbers_html(answer) if answer is not None and answer.rows else ""
    rows = f"{outcome.rows:,} row{'s' if outcome.rows != 1 else ''}" if answer is not None else "no answer"
    return (
        f'<figure class="card is-{outcome.status}" id="{outcome.anchor}">'
        f"<figcaption><h3>{html.escape(query.title)}</h3>"
        f'<p class="description">{html.escape(query.description)}</p></figcaption>'
        f"{body}{numbers}"
        f'<p class="source">{html.escape(outcome.source)} · {rows}</p>'
        "</figure>"
    )


def format_cell(value: Any) -> str:
    """A value as the numbers table shows it (six significant digits, ISO dates, empty for NULL)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1e6 else f"{value:.6g}"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | decimal.Decimal):
        return str(value)
    return str(value)


def _numbers_html(answer: Tabular) -> str:
    shown = answer.rows[:MAX_TABLE_ROWS]
    numeric = [
        all(
            isinstance(row[i], int | float | decimal.Decimal) and not isinstance(row[i], bool)
            for row in shown
            if row[i] is not None
        )
        for i in range(len(answer.columns))
    ]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in answer.columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"num" if numeric[i] else ""}">{html.escape(format_cell(v))}</td>'
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in shown
    )
    more = (
        f'<p class="more">showing {MAX_TABLE_ROWS:,} of {len(answer.rows):,} rows</p>'
        if len(answer.rows) > MAX_TABLE_ROWS
        else ""
    )
    return (
        f"<details><summary>Numbers ({len(answer.rows):,} rows)</summary>"
        f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
        f"{more}</details>"
    )


_STYLE = """
:root { --ink: #1d2733; --muted: #5f6b73; --line: #dde3e8; --bg: #f5f7f9; --card: #fff; --bad: #a8321e; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink);
       background: var(--bg); }
header { padding: 24px 32px 8px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 0; color: var(--muted); }
nav { padding: 4px 32px 12px; }
nav a { margin-right: 16px; color: #0b5fa5; text-decoration: none; }
main { padding: 0 32px 32px; }
section > h2 { font-size: 18px; margin: 24px 0 12px; border-bottom: 1px solid var(--line);
               padding-bottom: 4px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; }
figure.card { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 6px;
              padding: 12px 16px; min-width: 0; }
figcaption h3 { margin: 0; font-size: 15px; }
figcaption .description { margin: 2px 0 8px; color: var(--muted); }
.problem { border-left: 4px solid var(--bad); background: #fbeeeb; padding: 12px; color: var(--bad);
           margin: 8px 0; }
.empty { padding: 48px 0; text-align: center; color: var(--muted); font-style: italic; }
details { margin-top: 8px; }
summary { cursor: pointer; color: var(--muted); }
.table-wrap { overflow-x: auto; max-height: 320px; overflow-y: auto; }
table { border-collapse: collapse; font-size: 12px; margin-top: 6px; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
th { position: sticky; top: 0; background: var(--card); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.source { margin: 6px 0 0; color: var(--muted); font-size: 12px; }
.summary-problems { margin: 0 32px; }
"""


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")


def _page(
    title: str,
    subtitle: str,
    moment: dt.datetime,
    sections: dict[str, list[str]],
    outcomes: list[ChartOutcome],
) -> str:
    problems = [o for o in outcomes if o.status == PROBLEM]
    charts = sum(o.status == CHART for o in outcomes)
    stamp = moment.strftime("%Y-%m-%d %H:%M UTC")
    summary = f"{charts} chart(s) from {len(outcomes)} queries · generated {stamp}"
    if subtitle:
        summary = f"{subtitle} · {summary}"
    nav = "".join(f'<a href="#{_slug(name)}">{html.escape(name)}</a>' for name in sections)
    warning = ""
    if problems:
        items = "".join(
            f'<li><a href="#{o.anchor}">{html.escape(o.query.title)}</a>: {html.escape(o.message)}</li>'
            for o in problems
        )
        warning = (
            '<div class="problem summary-problems" role="alert">'
            f"<strong>{len(problems)} chart(s) could not be drawn:</strong><ul>{items}</ul></div>"
        )
    body = "".join(
        f'<section id="{_slug(name)}"><h2>{html.escape(name)}</h2>'
        f'<div class="grid">{"".join(figures)}</div></section>'
        for name, figures in sections.items()
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # Nothing may leave the page: no fetches, no fonts, no frames (a report opened from S3 or mail).
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:\">"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style>"
        f'<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script>'
        "</head><body>"
        f"<header><h1>{html.escape(title)}</h1><p>{html.escape(summary)}</p></header>"
        f"<nav>{nav}</nav>{warning}<main>{body}</main></body></html>\n"
    )
