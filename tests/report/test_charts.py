"""What each chart type draws from an answer: traces, category order, the heatmap grid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jozi_lake.query.named import parse_chart_spec
from jozi_lake.report import Answer
from jozi_lake.report.charts import ChartProblem, build_figure


def test_bars_keep_the_querys_order_and_horizontal_bars_start_at_the_top() -> None:
    answer = Answer(["zone", "late_share"], [("west", 0.6), ("east", 0.55), ("central", 0.2)])
    figure = build_figure(parse_chart_spec("bar x=zone y=late_share orient=h"), answer)
    (bar,) = figure.data
    assert (bar.orientation, list(bar.y), list(bar.x)) == ("h", ["west", "east", "central"], [0.6, 0.55, 0.2])
    assert list(figure.layout.yaxis.categoryarray) == ["west", "east", "central"]
    assert figure.layout.yaxis.autorange == "reversed"


def test_series_split_rows_into_stacked_traces() -> None:
    answer = Answer(
        ["hour", "stage", "minutes"],
        [(12, "oven", 9.0), (12, "drive", 10.0), (18, "oven", 11.0), (18, "drive", 14.5)],
    )
    figure = build_figure(parse_chart_spec("bar x=hour y=minutes series=stage stack=true"), answer)
    assert [(t.name, list(t.x), list(t.y)) for t in figure.data] == [
        ("oven", ["12", "18"], [9.0, 11.0]),
        ("drive", ["12", "18"], [10.0, 14.5]),
    ]
    assert figure.layout.barmode == "stack" and figure.layout.showlegend


def test_several_measures_are_grouped_bars_and_values_are_plain() -> None:
    answer = Answer(
        ["shed", "oven", "total"], [(True, Decimal("33.65"), 68.8), (False, Decimal("9.13"), 43.8)]
    )
    figure = build_figure(parse_chart_spec("bar x=shed y=oven,total"), answer)
    assert [t.name for t in figure.data] == ["oven", "total"]
    assert list(figure.data[0].x) == ["true", "false"] and list(figure.data[0].y) == [33.65, 9.13]
    assert figure.layout.barmode == "group"


def test_the_heatmap_grid_puts_each_value_in_its_cell() -> None:
    answer = Answer(
        ["weekday", "hour", "late_share", "stage"],
        [("Mon", 18, 0.5, "drive"), ("Mon", 12, 0.1, "prep"), ("Tue", 18, 0.7, "oven")],
    )
    figure = build_figure(parse_chart_spec("heatmap x=hour y=weekday z=late_share text=stage"), answer)
    (heat,) = figure.data
    assert list(heat.x) == ["12", "18"]  # numbers ascending, whatever the row order
    assert list(heat.y) == ["Mon", "Tue"]  # text in the query's order
    assert [list(r) for r in heat.z] == [[0.1, 0.5], [None, 0.7]]  # Tue at 12h has no row: a gap
    assert [list(r) for r in heat.text] == [["prep", "drive"], ["", "oven"]]


def test_lines_take_dates_and_scatter_sizes_by_a_column() -> None:
    day = dt.date(2026, 6, 1)
    line = build_figure(
        parse_chart_spec("line x=d y=share series=t"), Answer(["d", "share", "t"], [(day, 0.1, "orders")])
    )
    assert list(line.data[0].x) == [day] and line.data[0].mode == "lines+markers"
    scatter = build_figure(
        parse_chart_spec("scatter x=wait y=late text=driver size=n"),
        Answer(["wait", "late", "driver", "n"], [(3.0, 0.6, "DRV-001", 40), (5.0, 0.3, "DRV-002", 10)]),
    )
    assert list(scatter.data[0].text) == ["DRV-001", "DRV-002"] and list(scatter.data[0].marker.size) == [
        40,
        10,
    ]


def test_a_missing_column_is_a_chart_problem_naming_it() -> None:
    with pytest.raises(
        ChartProblem,
        match=r"names column\(s\) late_shar that the query does not return \(it returns: zone, late_share\)",
    ):
        build_figure(parse_chart_spec("bar x=zone y=late_shar"), Answer(["zone", "late_share"], [("a", 1.0)]))
    with pytest.raises(ChartProblem, match="one y column"):
        build_figure(parse_chart_spec("bar x=a y=b,c series=d"), Answer(["a", "b", "c", "d"], [(1, 2, 3, 4)]))


def test_long_category_lists_make_the_chart_taller() -> None:
    few = build_figure(
        parse_chart_spec("bar x=rule y=n orient=h"), Answer(["rule", "n"], [("a", 1), ("b", 2)])
    )
    many = Answer(["rule", "n"], [(f"rule_{i}", i) for i in range(30)])
    assert few.layout.height == 380
    assert build_figure(parse_chart_spec("bar x=rule y=n orient=h"), many).layout.height == 22 * 30 + 140
    assert build_figure(parse_chart_spec("bar x=rule y=n"), many).layout.height == 380  # labels run along


def test_a_single_day_shows_as_a_day_not_as_hours() -> None:
    day = dt.date(2026, 12, 1)
    figure = build_figure(parse_chart_spec("line x=d y=share"), Answer(["d", "share"], [(day, 0.004)]))
    axis = figure.layout.xaxis
    assert (axis.type, axis.tickformat, tuple(axis.range)) == (
        "date",
        "%Y-%m-%d",
        ("2026-11-30", "2026-12-02"),
    )
    spread = Answer(["d", "share"], [(day, 0.004), (day + dt.timedelta(days=30), 0.002)])
    assert build_figure(parse_chart_spec("line x=d y=share"), spread).layout.xaxis.range is None


def test_many_scatter_points_keep_their_labels_for_hover() -> None:
    rows = [(float(i), 0.5, f"DRV-{i:03d}") for i in range(20)]
    figure = build_figure(
        parse_chart_spec("scatter x=wait y=late text=driver"), Answer(["wait", "late", "driver"], rows)
    )
    assert figure.data[0].mode == "markers" and figure.data[0].text[0] == "DRV-000"
