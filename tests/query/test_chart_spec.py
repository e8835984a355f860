"""The '-- chart:' line of a query file: what parses, and what each mistake is told."""

from __future__ import annotations

import pytest

from jozi_lake.errors import LakeError
from jozi_lake.query.named import ChartSpec, parse_chart_spec


def test_a_full_spec_parses_with_quotes_lists_and_formats() -> None:
    spec = parse_chart_spec(
        'bar x=zone y=late_share,avg_drive_min orient=h stack=true ytitle="late share" yformat=.0% order=30'
    )
    assert spec == ChartSpec(
        type="bar",
        x="zone",
        y=("late_share", "avg_drive_min"),
        orient="h",
        stack=True,
        ytitle="late share",
        yformat=".0%",
        order=30,
    )
    assert spec.columns == ["zone", "late_share", "avg_drive_min"]


def test_a_heatmap_reads_its_cells_from_z_and_labels_from_text() -> None:
    spec = parse_chart_spec("heatmap x=daypart y=weekday z=excess_min text=top_stage")
    assert (spec.x, spec.y, spec.z, spec.text) == ("daypart", ("weekday",), "excess_min", "top_stage")
    assert spec.columns == ["daypart", "weekday", "excess_min", "top_stage"]
    assert spec.order == 100 and spec.stack is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "must start with its type"),
        ("x=a y=b", "must start with its type"),
        ("pie x=a y=b", "unknown chart type 'pie'"),
        ("bar y=b", "a bar chart needs x=<column>"),
        ("line x=a", "a line chart needs y=<column>"),
        ("bar x=a y=b colour=c", "unknown chart key 'colour'"),
        ("bar x=a y=b x=c", "chart key 'x' is given twice"),
        ("bar x=a y", "'y' is not key=value"),
        ("heatmap x=a y=b", "a heatmap needs z=<column>"),
        ("heatmap x=a y=b,c z=d", "a heatmap takes one y column"),
        ("bar x=a y=b z=c", "z= is for heatmaps"),
        ("bar x=a y=b size=c", "size= is for scatter charts"),
        ("line x=a y=b orient=h", "orient= is v or h, and only for bar charts"),
        ("bar x=a y=b orient=sideways", "orient= is v or h"),
        ("bar x=a y=b stack=yes", "stack= is true or false"),
        ("scatter x=a y=b stack=true", "stack=true is for bar and line charts"),
        ("bar x=a y=b yformat=<script>", "is not a d3 number format"),
        ("bar x=a y=b order=first", "order= takes an integer"),
        ('bar x=a y=b ytitle="open', "close the quotes"),
    ],
)
def test_each_mistake_is_named(text: str, message: str) -> None:
    with pytest.raises(LakeError) as caught:
        parse_chart_spec(text, "q.sql")
    assert message in f"{caught.value.message} ({caught.value.hint})"
    assert caught.value.message.startswith("q.sql: ")


def test_a_near_miss_key_gets_a_suggestion() -> None:
    with pytest.raises(LakeError) as caught:
        parse_chart_spec("bar x=a y=b serie=c")
    assert caught.value.hint == "did you mean series?"
