"""The analysts' SQL, written once in Athena dialect: named queries and views under ``sql/``.

``sql/queries/<name>.sql`` is one SELECT/WITH statement opening with a comment block::

    -- title: Late share and p90 by hour and weekday
    -- description: One line saying what the answer tells the store.
    -- section: Where do peak-hour delays come from?
    -- chart: heatmap x=order_hour y=weekday z=late_share zformat=.0% order=10

Terraform deploys the folder as Athena named queries (name = file stem, description = that line) and
the local engine runs the same files. ``sql/ops/<name>.sql`` has the same format: generic questions
about the lake's own run tables (``ops.<table>``, :mod:`jozi_lake.ops_tables`) that name no company
table; ``lake query <name>`` runs either kind (:func:`get_named_query`, the one resolver).
``sql/views/<name>.sql`` holds ``CREATE OR REPLACE VIEW <name> AS ...``; views live in the gold
database next to the tables.

``params`` (optional) gives the values of the query's ``?`` placeholders, in order, for when none are
passed: ``lake report`` runs the query with them, and so does ``lake query <name>`` without ``--param``.
``section`` and ``chart`` are optional and used by ``lake report``: the chart sits next to the SQL it
draws, so a new query gets its chart by adding one line (:class:`ChartSpec` lists the keys). Several
``-- chart:`` lines are joined, for long specs.
"""

from __future__ import annotations

import csv
import difflib
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlglot import exp

from jozi_lake.errors import LakeError
from jozi_lake.project import project_dir
from jozi_lake.query.translate import parse_athena

_HEADER = re.compile(r"^--\s*(title|description|section|chart|params)\s*:\s*(.+?)\s*$", re.IGNORECASE)
QUERIES = "queries"  # sql/queries: the company's analyst questions (Athena named queries)
OPS = "ops"  # sql/ops: generic questions about the lake's own run tables

CHART_TYPES = ("bar", "line", "scatter", "heatmap")
# key -> what it means; every value is one column name unless said otherwise.
CHART_KEYS: dict[str, str] = {
    "x": "categories (bar), the horizontal axis (line, scatter) or the columns of the grid (heatmap)",
    "y": "the measure(s), comma-separated (bar, line, scatter) or the rows of the grid (heatmap)",
    "z": "heatmap only: the value coloured in each cell",
    "series": "a column whose values split the rows into one coloured trace each",
    "text": "a column shown on each mark (scatter point label, heatmap cell text)",
    "size": "scatter only: a column setting the marker size",
    "stack": "true to stack bars (or lines as areas) instead of grouping them",
    "orient": "bar only: v (default) or h, bars laid horizontally with the categories down the side",
    "xtitle": "axis title (text); default: the column name",
    "ytitle": "axis title (text); default: the column name(s)",
    "ztitle": "colour-bar title (text); default: the column name",
    "xformat": "d3 number format of the x axis, e.g. .0% or ,d",
    "yformat": "d3 number format of the y axis",
    "zformat": "d3 number format of the heatmap values",
    "order": "position of the chart in its report section (an integer; lower comes first)",
}
_COLUMN_KEYS = ("x", "z", "series", "text", "size")
_FORMAT = re.compile(r"^[,.0-9a-z%$+\- ~]*$", re.IGNORECASE)


@dataclass(frozen=True)
class ChartSpec:
    """How ``lake report`` draws one query's answer: a chart type and the columns it encodes.

    Written in the query file as ``-- chart: <type> key=value ...`` (values with spaces in quotes), e.g.
    ``-- chart: bar x=zone y=late_share orient=h yformat=.0% ytitle="late share"``.
    """

    type: str
    x: str
    y: tuple[str, ...]
    z: str | None = None
    series: str | None = None
    text: str | None = None
    size: str | None = None
    stack: bool = False
    orient: str = "v"
    xtitle: str | None = None
    ytitle: str | None = None
    ztitle: str | None = None
    xformat: str | None = None
    yformat: str | None = None
    zformat: str | None = None
    order: int = 100

    @property
    def columns(self) -> list[str]:
        """Every column the chart reads, in spec order: each must be in the query's result."""
        named = [self.x, *self.y] + [getattr(self, key) for key in _COLUMN_KEYS[1:]]
        return [c for c in dict.fromkeys(named) if c]


def parse_chart_spec(text: str, where: str = "chart spec") -> ChartSpec:
    """A :class:`ChartSpec` from the text after ``-- chart:``; a LakeError says what is wrong."""
    try:
        tokens = shlex.split(text)
    except ValueError as err:
        raise LakeError(f"{where}: cannot read '-- chart: {text}' ({err})", "close the quotes") from None
    if not tokens or "=" in tokens[0]:
        raise LakeError(
            f"{where}: the chart spec must start with its type", f"one of: {', '.join(CHART_TYPES)}"
        )
    kind = tokens[0].lower()
    values: dict[str, str] = {}
    if kind not in CHART_TYPES:
        raise LakeError(f"{where}: unknown chart type {kind!r}", f"one of: {', '.join(CHART_TYPES)}")
    for token in tokens[1:]:
        key, sep, value = token.partition("=")
        key = key.strip().lower()
        if not sep or not value:
            raise LakeError(f"{where}: {token!r} is not key=value", f"keys: {', '.join(CHART_KEYS)}")
        if key not in CHART_KEYS:
            close = difflib.get_close_matches(key, list(CHART_KEYS), n=1)
            hint = f"did you mean {close[0]}?" if close else f"keys: {', '.join(CHART_KEYS)}"
            raise LakeError(f"{where}: unknown chart key {key!r}", hint)
        if key in values:
            raise LakeError(f"{where}: chart key {key!r} is given twice")
        values[key] = value
    for key in ("x", "y"):
        if key not in values:
            raise LakeError(f"{where}: a {kind} chart needs {key}=<column>")
    y = tuple(part.strip() for part in values.pop("y").split(",") if part.strip())
    if kind == "heatmap":
        if "z" not in values:
            raise LakeError(f"{where}: a heatmap needs z=<column> (the value of each cell)")
        if len(y) != 1:
            raise LakeError(f"{where}: a heatmap takes one y column (the grid's rows), not {len(y)}")
    elif "z" in values:
        raise LakeError(f"{where}: z= is for heatmaps; a {kind} chart takes its measures in y=")
    if "size" in values and kind != "scatter":
        raise LakeError(f"{where}: size= is for scatter charts")
    if values.get("orient", "v") not in ("v", "h") or ("orient" in values and kind != "bar"):
        raise LakeError(f"{where}: orient= is v or h, and only for bar charts")
    stack = values.pop("stack", "false").lower()
    if stack not in ("true", "false"):
        raise LakeError(f"{where}: stack= is true or false, not {stack!r}")
    if stack == "true" and kind not in ("bar", "line"):
        raise LakeError(f"{where}: stack=true is for bar and line charts")
    for key in ("xformat", "yformat", "zformat"):
        if key in values and not _FORMAT.match(values[key]):
            raise LakeError(f"{where}: {key}={values[key]!r} is not a d3 number format", "e.g. .0% or ,.1f")
    order = values.pop("order", "100")
    if not order.lstrip("-").isdigit():
        raise LakeError(f"{where}: order= takes an integer, not {order!r}")
    return ChartSpec(type=kind, y=y, stack=stack == "true", order=int(order), **values)


def sql_dir() -> Path:
    """The project's ``sql/`` folder (:mod:`jozi_lake.project`; ``LAKE_PROJECT_DIR`` points elsewhere)."""
    return project_dir() / "sql"


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    sql: str
    path: Path
    section: str | None = None
    chart_spec: str | None = None  # the text after '-- chart:' (parsed by chart(), where it can fail)
    # '-- params: a, b': the values of the query's ? placeholders, in order, when none are given
    # (`lake report` always; `lake query <name>` without --param).
    params: tuple[str, ...] = ()

    def bound(self, params: Sequence[Any] | None) -> list[Any] | None:
        """The values its ``?`` placeholders get: ``params`` when given, else its ``-- params:``."""
        if params:
            return list(params)
        return list(self.params) or None

    def chart(self) -> ChartSpec | None:
        """The query's chart, or None without a spec; raises LakeError for a spec that does not parse.

        Parsed on demand, so one broken spec costs its own chart in ``lake report`` and nothing else
        (``lake query`` never reads it); the tests parse every file's spec.
        """
        if self.chart_spec is None:
            return None
        return parse_chart_spec(self.chart_spec, f"{self.path.name}")


@dataclass(frozen=True)
class ViewDefinition:
    name: str
    query: exp.Query  # the SELECT after "CREATE OR REPLACE VIEW name AS"
    path: Path


def _params(text: str | None, path: Path) -> tuple[str, ...]:
    """``-- params:`` values: comma-separated, double quotes around a value holding a comma."""
    if text is None:
        return ()
    values = next(csv.reader([text], skipinitialspace=True), [])
    if not values or any(not v.strip() for v in values):
        raise LakeError(
            f"{path}: '-- params: {text}' has an empty value",
            "give one value per ? placeholder, e.g. -- params: 2026-06-01, 30 "
            '(quote a value holding a comma: "a, b")',
        )
    return tuple(v.strip() for v in values)


def _header(text: str, path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _HEADER.match(line.strip())
        if not match:
            if not line.strip().startswith("--"):
                break
            continue
        key, value = match.group(1).lower(), match.group(2)
        found[key] = f"{found[key]} {value}" if key == "chart" and key in found else value
    missing = [key for key in ("title", "description") if key not in found]
    if missing:
        raise LakeError(
            f"{path} has no '-- {missing[0]}:' line in its leading comment block",
            "start the file with '-- title: ...' and '-- description: ...'",
        )
    return found


def list_named_queries(directory: Path | None = None, folder: str = QUERIES) -> list[NamedQuery]:
    """Every query of ``sql/<folder>`` (``queries`` by default, or ``ops``), sorted by name (file stem)."""
    queries = []
    for path in sorted(((directory or sql_dir()) / folder).glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        header = _header(text, path)
        queries.append(
            NamedQuery(
                path.stem,
                header["title"],
                header["description"],
                text,
                path,
                section=header.get("section"),
                chart_spec=header.get("chart"),
                params=_params(header.get("params"), path),
            )
        )
    return queries


def runnable_queries(directory: Path | None = None) -> list[NamedQuery]:
    """Every query ``lake query <name>`` runs: the analysts' (``sql/queries``), then the lake's own
    (``sql/ops``). A name in both folders is an error: it would run one of them by chance."""
    found = list_named_queries(directory, QUERIES) + list_named_queries(directory, OPS)
    seen: dict[str, NamedQuery] = {}
    for query in found:
        if query.name in seen:
            raise LakeError(
                f"named query {query.name!r} is in both sql/{QUERIES}/ and sql/{OPS}/",
                "rename one of the two files: the name is how `lake query` and the report find it",
            )
        seen[query.name] = query
    return found


def find_named_query(name: str, directory: Path | None = None) -> NamedQuery | None:
    """The query of that name (file stem, ``.sql`` optional) in ``sql/queries`` or ``sql/ops``."""
    stem = name.removesuffix(".sql")
    return next((q for q in runnable_queries(directory) if q.name == stem), None)


def get_named_query(name: str, directory: Path | None = None) -> NamedQuery:
    """:func:`find_named_query`, or an error naming the closest names."""
    found = find_named_query(name, directory)
    if found is not None:
        return found
    names = [q.name for q in runnable_queries(directory)]
    close = difflib.get_close_matches(name.removesuffix(".sql"), names, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else "'lake queries' lists the named queries"
    raise LakeError(f"unknown named query {name!r}", hint)


def list_views(directory: Path | None = None) -> list[ViewDefinition]:
    """The views in ``sql/views``; each file must be ``CREATE [OR REPLACE] VIEW name AS <query>``."""
    folder = (directory or sql_dir()) / "views"
    views = []
    for path in sorted(folder.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        # The view file is DDL by design; parse it without the query guard's keyword check.
        body = re.sub(r"^\s*(--[^\n]*\n\s*)*", "", text)
        match = re.match(r"CREATE\s+(OR\s+REPLACE\s+)?VIEW\s+([\w\".]+)\s+AS\s+(.*)$", body, re.I | re.S)
        if not match:
            raise LakeError(f"{path} is not 'CREATE OR REPLACE VIEW <name> AS <query>'")
        name = match.group(2).replace('"', "").split(".")[-1].lower()
        if name != path.stem.lower():
            raise LakeError(f"{path} defines view {name!r}; name the file {name}.sql")
        query = parse_athena(match.group(3))
        if not isinstance(query, exp.Query):
            raise LakeError(f"{path}: the view body must be a SELECT or WITH query")
        views.append(ViewDefinition(name, query, path))
    return views
