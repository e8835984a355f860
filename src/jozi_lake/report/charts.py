"""A query's answer and its chart spec (:class:`~jozi_lake.query.named.ChartSpec`) to a Plotly figure.

Nothing here knows a table or a company: the spec says which columns go where, and the answer's
column names are checked against it first, so a spec that names a column the query does not return
becomes a :class:`ChartProblem` with a clear message instead of a broken chart.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from jozi_lake.query.named import ChartSpec
from jozi_lake.report.data import Tabular

# One palette for every chart: colour-blind-safe categories and a sequential scale for heatmaps.
COLORWAY = ["#0b5fa5", "#e07b00", "#2a9d5c", "#c0392b", "#7d5ba6", "#8c6d31", "#d35f9b", "#5f6b73"]
HEATMAP_SCALE = "YlOrRd"
CHART_HEIGHT = 380
ROW_HEIGHT = 22  # per category of a horizontal bar chart or heatmap row, so labels never crowd
MAX_LABELLED_POINTS = 12  # a scatter with more points shows its labels on hover only


class ChartProblem(ValueError):
    """The answer cannot be drawn with this spec; the message says why, in words for the reader."""


def missing_columns(spec: ChartSpec, answer: Tabular) -> list[str]:
    """Columns the spec names that the answer does not have."""
    return [c for c in spec.columns if c not in answer.columns]


def _plain(value: Any) -> Any:
    """A cell as Plotly serialises it well: Decimals as floats, booleans as words, dates as they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def _category(value: Any) -> str:
    """A value on a category axis: always text, so 12 and '12' are one category and order holds."""
    value = _plain(value)
    if value is None:
        return "(null)"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _column(answer: Tabular, name: str) -> list[Any]:
    index = answer.columns.index(name)
    return [_plain(row[index]) for row in answer.rows]


def _ordered(values: Sequence[Any]) -> list[Any]:
    """Distinct values: numbers ascending, anything else in the order the query returned them."""
    distinct = list(dict.fromkeys(values))
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in distinct):
        return sorted(distinct)
    return distinct


def _series_groups(answer: Tabular, spec: ChartSpec) -> list[tuple[str, list[int]]]:
    """Row indexes per trace: one per series value (in answer order), or all rows in one group."""
    if spec.series is None:
        return [("", list(range(len(answer.rows))))]
    values = [_category(v) for v in _column(answer, spec.series)]
    return [(name, [i for i, v in enumerate(values) if v == name]) for name in dict.fromkeys(values)]


def build_figure(spec: ChartSpec, answer: Tabular) -> go.Figure:
    """The figure for ``answer`` drawn as ``spec`` says; raises :class:`ChartProblem` when it cannot be."""
    missing = missing_columns(spec, answer)
    if missing:
        raise ChartProblem(
            f"the chart spec names column(s) {', '.join(missing)} that the query does not return "
            f"(it returns: {', '.join(answer.columns)})"
        )
    if spec.series is not None and len(spec.y) > 1:
        raise ChartProblem("a chart with series= draws one y column, not several")
    figure = go.Figure()
    builders = {"bar": _bar, "line": _line, "scatter": _scatter, "heatmap": _heatmap}
    builders[spec.type](figure, spec, answer)
    figure.update_layout(
        template="plotly_white",
        colorway=COLORWAY,
        height=_height(spec, answer),
        margin={"l": 60, "r": 20, "t": 20, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "traceorder": "normal"},
        font={"family": "system-ui, -apple-system, 'Segoe UI', sans-serif", "size": 12},
        showlegend=spec.series is not None or len(spec.y) > 1,
    )
    figure.update_xaxes(automargin=True)
    figure.update_yaxes(automargin=True)  # long category labels push the plot over, never get cut
    return figure


def _height(spec: ChartSpec, answer: Tabular) -> int:
    """Taller than the default when categories run down the side: one row of pixels per label."""
    if spec.type == "bar" and spec.orient == "h":
        down = len({_category(v) for v in _column(answer, spec.x)})
    elif spec.type == "heatmap":
        down = len({_category(v) for v in _column(answer, spec.y[0])})
    else:
        return CHART_HEIGHT
    return max(CHART_HEIGHT, ROW_HEIGHT * down + 140)


def _date_axis(values: Sequence[Any]) -> dict[str, Any]:
    """A horizontal axis of calendar days shows days (never the hours Plotly picks for one point)."""
    days = [v for v in values if v is not None]
    if not days or not all(isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in days):
        return {}
    axis: dict[str, Any] = {"type": "date", "tickformat": "%Y-%m-%d"}
    first, last = min(days), max(days)
    if (last - first).days < 2:
        axis["range"] = [
            (first - dt.timedelta(days=1)).isoformat(),
            (last + dt.timedelta(days=1)).isoformat(),
        ]
        axis["dtick"] = 86_400_000  # one tick a day, in milliseconds
    return axis


def _titles(spec: ChartSpec) -> tuple[str, str]:
    return spec.xtitle or spec.x, spec.ytitle or ", ".join(spec.y)


def _bar(figure: go.Figure, spec: ChartSpec, answer: Tabular) -> None:
    horizontal = spec.orient == "h"
    categories = [_category(v) for v in _column(answer, spec.x)]
    for name, rows in _series_groups(answer, spec):
        for measure in spec.y:
            values = _column(answer, measure)
            cats, vals = [categories[i] for i in rows], [values[i] for i in rows]
            figure.add_trace(
                go.Bar(
                    x=vals if horizontal else cats,
                    y=cats if horizontal else vals,
                    orientation="h" if horizontal else "v",
                    name=name or measure,
                )
            )
    x_title, y_title = _titles(spec)
    category_axis: dict[str, Any] = {
        "type": "category",
        "title": {"text": x_title},
        "categoryorder": "array",
        "categoryarray": list(dict.fromkeys(categories)),  # the query's order, not Plotly's
    }
    value_axis: dict[str, Any] = {"title": {"text": y_title}, "tickformat": spec.yformat or ""}
    if horizontal:
        category_axis["autorange"] = "reversed"  # the query's first row at the top
        figure.update_layout(xaxis=value_axis, yaxis=category_axis)
    else:
        figure.update_layout(xaxis=category_axis, yaxis=value_axis)
    figure.update_layout(barmode="stack" if spec.stack else "group")


def _line(figure: go.Figure, spec: ChartSpec, answer: Tabular) -> None:
    xs = _column(answer, spec.x)
    for name, rows in _series_groups(answer, spec):
        for measure in spec.y:
            values = _column(answer, measure)
            figure.add_trace(
                go.Scatter(
                    x=[xs[i] for i in rows],
                    y=[values[i] for i in rows],
                    mode="lines+markers",
                    name=name or measure,
                    stackgroup="stack" if spec.stack else None,
                )
            )
    x_title, y_title = _titles(spec)
    figure.update_layout(
        xaxis={"title": {"text": x_title}, "tickformat": spec.xformat or "", **_date_axis(xs)},
        yaxis={"title": {"text": y_title}, "tickformat": spec.yformat or ""},
    )


def _scatter(figure: go.Figure, spec: ChartSpec, answer: Tabular) -> None:
    xs = _column(answer, spec.x)
    labels = [_category(v) for v in _column(answer, spec.text)] if spec.text else None
    shown = labels is not None and len(answer.rows) <= MAX_LABELLED_POINTS
    sizes = _column(answer, spec.size) if spec.size else None
    largest = max((s for s in sizes or [] if isinstance(s, int | float)), default=0)
    for name, rows in _series_groups(answer, spec):
        for measure in spec.y:
            values = _column(answer, measure)
            marker: dict[str, Any] = {"size": 10}
            if sizes is not None and largest > 0:
                marker = {
                    "size": [sizes[i] or 0 for i in rows],
                    "sizemode": "area",
                    "sizeref": 2.0 * largest / 30**2,  # the largest point 30 px across
                    "sizemin": 4,
                }
            figure.add_trace(
                go.Scatter(
                    x=[xs[i] for i in rows],
                    y=[values[i] for i in rows],
                    mode="markers+text" if shown else "markers",
                    text=[labels[i] for i in rows] if labels else None,
                    textposition="top center",
                    hovertemplate="%{text}: (%{x}, %{y})<extra></extra>" if labels else None,
                    marker=marker,
                    name=name or measure,
                )
            )
    x_title, y_title = _titles(spec)
    figure.update_layout(
        xaxis={"title": {"text": x_title}, "tickformat": spec.xformat or "", **_date_axis(xs)},
        yaxis={"title": {"text": y_title}, "tickformat": spec.yformat or ""},
    )


def _heatmap(figure: go.Figure, spec: ChartSpec, answer: Tabular) -> None:
    assert spec.z is not None  # parse_chart_spec requires it for heatmaps
    x_raw, y_raw = _column(answer, spec.x), _column(answer, spec.y[0])
    x_cats = [_category(v) for v in _ordered(x_raw)]
    y_cats = [_category(v) for v in _ordered(y_raw)]
    z_values = _column(answer, spec.z)
    texts = [_category(v) for v in _column(answer, spec.text)] if spec.text else None
    grid: list[list[Any]] = [[None] * len(x_cats) for _ in y_cats]
    labels: list[list[str]] = [[""] * len(x_cats) for _ in y_cats]
    column_of = {c: i for i, c in enumerate(x_cats)}
    row_of = {c: i for i, c in enumerate(y_cats)}
    for i in range(len(answer.rows)):
        r, c = row_of[_category(y_raw[i])], column_of[_category(x_raw[i])]
        grid[r][c] = z_values[i]
        if texts:
            labels[r][c] = texts[i]
    z_format = f":{spec.zformat}" if spec.zformat else ""
    figure.add_trace(
        go.Heatmap(
            z=grid,
            x=x_cats,
            y=y_cats,
            colorscale=HEATMAP_SCALE,
            colorbar={"title": {"text": spec.ztitle or spec.z}, "tickformat": spec.zformat or ""},
            text=labels if texts else None,
            texttemplate="%{text}" if texts else None,
            hovertemplate=f"{spec.x}=%{{x}}<br>{spec.y[0]}=%{{y}}<br>{spec.z}=%{{z{z_format}}}<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    x_title, y_title = _titles(spec)
    figure.update_layout(
        xaxis={"type": "category", "title": {"text": x_title}},
        yaxis={"type": "category", "title": {"text": y_title}, "autorange": "reversed"},
    )
