"""Spark hygiene: a static check over the code that runs on Glue.

Why static: the costly mistakes in Spark code (a Python UDF in a hot path, a ``collect()`` that pulls a
whole table into the driver, an action per loop iteration that rescans the input every time) all
pass small tests and only hurt at scale or on the Glue bill. An AST walk catches them at review time.

Rules, over ``src/jozi_lake/transforms/``, ``src/jozi_lake/jobs/`` and ``glue_scripts/``:

* ``udf-forbidden`` - Python UDFs in any form (``udf``, ``pandas_udf``, ``@udf``, ``spark.udf.register``).
  No escape hatch: express it with built-in functions.
* ``unbounded-collect`` - ``.collect()`` / ``.toPandas()`` anywhere, unless the line carries
  ``# hygiene: bounded (<reason>)`` saying why the data is small.
* ``action-in-loop`` - a Spark action (``count``, ``collect``, ``show``, ``toPandas``, ``first``,
  ``take``, ``head``, ``foreach``, ``foreachPartition``, or a writer's ``save``/``parquet``/...) inside a
  ``for``/``while`` loop or a comprehension, unless the line carries the same marker with a reason.

The checker's own tests at the bottom feed it small snippets, so a checker that silently stopped
finding anything would fail them.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
GLUE_PACKAGE_DIRS = ("src/jozi_lake/transforms", "src/jozi_lake/jobs", "glue_scripts")

# "# hygiene: bounded (why)" - the reason is required so every exception is explained where it is made.
MARKER = re.compile(r"#\s*hygiene:\s*bounded\s*\(\s*[^)\s][^)]*\)")

UDF_NAMES = frozenset({"udf", "pandas_udf"})
DRIVER_PULL_METHODS = frozenset({"collect", "toPandas"})
# Actions that trigger a Spark job by themselves, whatever the receiver chain looks like.
PLAIN_ACTIONS = frozenset(
    {"collect", "toPandas", "show", "first", "take", "head", "foreach", "foreachPartition", "toLocalIterator"}
)
# Writer terminal methods: only actions when the chain goes through ``.write`` / ``.writeTo``.
WRITER_ACTIONS = frozenset(
    {"save", "parquet", "json", "csv", "orc", "text", "saveAsTable", "insertInto", "append", "overwrite"}
)
WRITER_ATTRS = frozenset({"write", "writeTo", "writeStream"})
LOOP_NODES = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.detail}"


def _chain_attrs(node: ast.AST) -> list[str]:
    """Attribute names along a call chain, in source order.

    ``df.write.mode('x').parquet`` gives ``[write, mode, parquet]``.
    """
    names: list[str] = []
    current: ast.AST | None = node
    while current is not None:
        if isinstance(current, ast.Attribute):
            names.append(current.attr)
            current = current.value
        elif isinstance(current, ast.Call):
            current = current.func
        elif isinstance(current, ast.Subscript):
            current = current.value
        else:
            current = None
    return list(reversed(names))


def _action_name(call: ast.Call) -> str | None:
    """The Spark action this call performs, or None when it is not one."""
    if not isinstance(call.func, ast.Attribute):
        return None
    method = call.func.attr
    if method == "count":
        # DataFrame.count() takes no arguments; list.count(x) / str.count(s) always take one.
        return "count" if not call.args and not call.keywords else None
    if method in PLAIN_ACTIONS:
        return method
    if method in WRITER_ACTIONS and WRITER_ATTRS.intersection(_chain_attrs(call.func.value)):
        return f"write...{method}"
    return None


class _HygieneVisitor(ast.NodeVisitor):
    def __init__(self, path: str, lines: list[str]) -> None:
        self.path = path
        self.lines = lines
        self.loop_depth = 0
        self.findings: list[Finding] = []

    def _marked(self, node: ast.AST) -> bool:
        first = getattr(node, "lineno", 1)
        last = getattr(node, "end_lineno", first) or first
        return any(
            MARKER.search(self.lines[i - 1]) for i in range(first, last + 1) if i - 1 < len(self.lines)
        )

    def _add(self, node: ast.AST, rule: str, detail: str) -> None:
        self.findings.append(Finding(self.path, getattr(node, "lineno", 0), rule, detail))

    # --- UDFs: any reference to udf / pandas_udf, and spark.udf.register ---
    def visit_Name(self, node: ast.Name) -> None:
        if node.id in UDF_NAMES:
            self._add(node, "udf-forbidden", f"Python UDF '{node.id}': use built-in Spark SQL functions")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in UDF_NAMES:
            self._add(node, "udf-forbidden", f"Python UDF '.{node.attr}': use built-in Spark SQL functions")
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name in UDF_NAMES:
                self._add(node, "udf-forbidden", f"imports '{alias.name}' from {node.module}")
        self.generic_visit(node)

    # --- loops: count depth so calls know whether they run once per iteration ---
    def _visit_loop(self, node: ast.AST) -> None:
        self.loop_depth += 1
        self.generic_visit(node)
        self.loop_depth -= 1

    visit_For = visit_AsyncFor = visit_While = _visit_loop
    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_loop

    def _visit_scope(self, node: ast.AST) -> None:
        # A function defined inside a loop runs when called, not per iteration of the enclosing loop.
        saved, self.loop_depth = self.loop_depth, 0
        self.generic_visit(node)
        self.loop_depth = saved

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _visit_scope

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "register" and "udf" in _chain_attrs(func.value):
            self._add(node, "udf-forbidden", "spark.udf.register: use built-in Spark SQL functions")
        if isinstance(func, ast.Attribute) and func.attr in DRIVER_PULL_METHODS and not self._marked(node):
            self._add(
                node,
                "unbounded-collect",
                f".{func.attr}() pulls the data into the driver; add '# hygiene: bounded (<why small>)'",
            )
        action = _action_name(node)
        if action and self.loop_depth > 0 and not self._marked(node):
            self._add(
                node,
                "action-in-loop",
                f"Spark action {action} inside a loop runs one job per iteration; "
                "restructure, or add '# hygiene: bounded (<why>)'",
            )
        self.generic_visit(node)


def check_source(source: str, path: str = "<snippet>") -> list[Finding]:
    """All hygiene findings in one Python source text."""
    tree = ast.parse(source, filename=path)
    visitor = _HygieneVisitor(path, source.splitlines())
    visitor.visit(tree)
    return visitor.findings


def glue_package_files() -> list[Path]:
    files: list[Path] = []
    for rel in GLUE_PACKAGE_DIRS:
        folder = REPO_ROOT / rel
        if folder.is_dir():
            files.extend(sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts))
    return files


def test_glue_package_is_hygienic() -> None:
    files = glue_package_files()
    # An empty scan would pass vacuously: the Glue package must exist for this check to mean anything.
    assert files, f"no Python files found under {', '.join(GLUE_PACKAGE_DIRS)}"
    findings: list[Finding] = []
    for path in files:
        findings.extend(check_source(path.read_text(encoding="utf-8"), str(path.relative_to(REPO_ROOT))))
    assert not findings, "Spark hygiene violations:\n" + "\n".join(map(str, findings))


# ---------------------------------------------------------------------------------------------------
# Self-tests: the checker must find each kind of violation and accept the justified/harmless cases.
# ---------------------------------------------------------------------------------------------------


def _rules(source: str) -> list[str]:
    return [f.rule for f in check_source(source)]


@pytest.mark.parametrize(
    "snippet",
    [
        "from pyspark.sql.functions import udf\n",
        "import pyspark.sql.functions as F\nf = F.udf(lambda x: x)\n",
        "from pyspark.sql import functions as F\n@F.pandas_udf('double')\ndef g(s):\n    return s\n",
        "@udf('string')\ndef g(s):\n    return s\n",
        "spark.udf.register('slug', lambda s: s)\n",
    ],
)
def test_checker_flags_python_udfs(snippet: str) -> None:
    assert "udf-forbidden" in _rules(snippet)


def test_checker_udf_marker_does_not_excuse_a_udf() -> None:
    assert "udf-forbidden" in _rules("f = F.udf(lambda x: x)  # hygiene: bounded (tiny)\n")


def test_checker_flags_unmarked_collect_and_to_pandas() -> None:
    assert _rules("rows = df.collect()\n") == ["unbounded-collect"]
    assert _rules("pdf = df.groupBy('a').count().toPandas()\n") == ["unbounded-collect"]


def test_checker_accepts_marked_collect_but_requires_a_reason() -> None:
    assert (
        _rules("dates = df.select('d').distinct().collect()  # hygiene: bounded (one row per date)\n") == []
    )
    assert _rules("rows = df.collect()  # hygiene: bounded ()\n") == ["unbounded-collect"]
    assert _rules("rows = df.collect()  # hygiene: bounded\n") == ["unbounded-collect"]


def test_checker_accepts_marker_on_any_line_of_a_multiline_call() -> None:
    source = "rows = (\n    df.select('d')\n    .collect()  # hygiene: bounded (a few dates)\n)\n"
    assert _rules(source) == []


@pytest.mark.parametrize(
    "body",
    [
        "n = df.filter(df.d == d).count()",
        "df.filter(df.d == d).show()",
        "first = df.first()",
        "rows = df.take(5)",
        "df.filter(df.d == d).write.mode('overwrite').parquet(path)",
        "df.write.format('parquet').save(path)",
        "df.foreach(print)",
    ],
)
def test_checker_flags_actions_in_for_loops(body: str) -> None:
    assert "action-in-loop" in _rules(f"for d in dates:\n    {body}\n")


def test_checker_flags_actions_in_while_loops_and_comprehensions() -> None:
    assert "action-in-loop" in _rules("while pending:\n    pending = df.count()\n")
    assert "action-in-loop" in _rules("sizes = [t.count() for t in tables]\n")


def test_checker_accepts_marked_loop_action_and_plain_python_in_loops() -> None:
    assert _rules("for t in tables:\n    t.count()  # hygiene: bounded (3 tiny lookup tables)\n") == []
    # list.count(x) / str.count(s) take an argument: not Spark actions.
    assert _rules("for s in names:\n    n = s.count('-')\n") == []
    # reading in a loop is lazy; only writer chains make parquet() an action.
    assert _rules("for p in paths:\n    frames.append(spark.read.parquet(p))\n") == []


def test_checker_ignores_actions_in_functions_defined_inside_loops() -> None:
    source = "for name in names:\n    def make(df):\n        return df.count()\n"
    assert "action-in-loop" not in _rules(source)


def test_checker_accepts_single_write_and_count_outside_loops() -> None:
    source = "df.write.mode('overwrite').partitionBy('d').parquet(path)\nn = df.count()\n"
    assert _rules(source) == []
