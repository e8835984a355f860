"""Read-only enforcement: analysts' SQL may read the lake, never change it or reach past it.

Two layers, because either alone has gaps. Here, the parsed query must be a single SELECT/WITH (or
set operation) with no statement, table function or file-reading function anywhere inside it; only
the SQL regenerated from that checked tree is sent to DuckDB. In the engine, the DuckDB connection is
in-memory, may touch no files except the lake's (``enable_external_access = false`` with the lake in
``allowed_directories``) and has its configuration locked, so even a construct this check missed
cannot write, attach, install or load anything.
"""

from __future__ import annotations

import re

from sqlglot import exp

from jozi_lake.errors import LakeError

# Statement keywords refused with a precise message before parsing (some parse oddly or not at all).
REFUSED_STATEMENTS = frozenset(
    {
        "ALTER",
        "ANALYZE",
        "ATTACH",
        "CALL",
        "CHECKPOINT",
        "COPY",
        "CREATE",
        "DEALLOCATE",
        "DELETE",
        "DESCRIBE",
        "DETACH",
        "DROP",
        "EXECUTE",
        "EXPLAIN",
        "EXPORT",
        "GRANT",
        "IMPORT",
        "INSERT",
        "INSTALL",
        "LOAD",
        "MERGE",
        "MSCK",
        "PRAGMA",
        "PREPARE",
        "RESET",
        "REVOKE",
        "SET",
        "SHOW",
        "SUMMARIZE",
        "TRUNCATE",
        "UNLOAD",
        "UPDATE",
        "USE",
        "VACUUM",
    }
)

# Functions that read or describe files, settings or the engine itself: never allowed in user SQL.
_REFUSED_FUNCTION_PREFIXES = ("read_", "parquet_", "duckdb_", "pragma_", "write_", "sqlite_", "postgres_")
_REFUSED_FUNCTIONS = frozenset(
    {
        "glob",
        "sniff_csv",
        "query",
        "query_table",
        "getenv",
        "current_setting",
        "iceberg_scan",
        "delta_scan",
        "parquet_scan",
        "json_execute_serialized_sql",
        "load_aws_credentials",
        "which_secret",
    }
)

# sqlglot node types that are statements, not expressions: none may appear inside a query.
_STATEMENT_NODES: tuple[type[exp.Expr], ...] = tuple(
    node
    for node in (
        getattr(exp, name, None)
        for name in (
            "Insert",
            "Update",
            "Delete",
            "Merge",
            "Create",
            "Drop",
            "Alter",
            "Copy",
            "Command",
            "Set",
            "Pragma",
            "Use",
            "Describe",
            "LoadData",
            "Attach",
            "Detach",
            "Install",
            "Transaction",
            "Commit",
            "Rollback",
            "Refresh",
            "Cache",
            "Uncache",
            "Analyze",
            "TruncateTable",
        )
    )
    if isinstance(node, type)
)

_LEADING_COMMENTS = re.compile(r"^(\s|--[^\n]*\n?|/\*.*?\*/)*", re.DOTALL)


def leading_keyword(sql: str) -> str:
    """The first word of the statement after comments and parentheses, upper-cased."""
    body = _LEADING_COMMENTS.sub("", sql, count=1).lstrip("( \t\r\n")
    match = re.match(r"[A-Za-z_]+", body)
    return match.group(0).upper() if match else ""


def refuse_statement_keyword(sql: str) -> None:
    """Fail fast, with the statement's own name, on anything that is not a query."""
    keyword = leading_keyword(sql)
    if keyword in REFUSED_STATEMENTS:
        raise LakeError(
            f"{keyword} statements are not allowed: queries are read-only (SELECT or WITH only)",
            "the lake is changed by the pipeline ('lake run-pipeline'), never by a query",
        )


def function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower()


def ensure_read_only(tree: exp.Expr) -> None:
    """Refuse anything in a parsed query that is not a pure read of catalogued tables."""
    if not isinstance(tree, exp.Query | exp.Values):
        kind = tree.key.upper()
        raise LakeError(
            f"{kind} statements are not allowed: queries are read-only (SELECT or WITH only)",
            "the lake is changed by the pipeline ('lake run-pipeline'), never by a query",
        )
    for node in tree.walk():
        if isinstance(node, _STATEMENT_NODES):
            raise LakeError(
                f"a {node.key.upper()} statement inside a query is not allowed: queries are read-only"
            )
        if isinstance(node, exp.Func):
            name = function_name(node)
            if name in _REFUSED_FUNCTIONS or name.startswith(_REFUSED_FUNCTION_PREFIXES):
                raise LakeError(
                    f"function {name}() is not allowed: queries read catalogued tables only",
                    "query the table by name (see 'lake tables'), e.g. silver.<table>",
                )
        if isinstance(node, exp.Table) and not isinstance(node.this, exp.Identifier):
            source = (
                f"function {function_name(node.this)}()"
                if isinstance(node.this, exp.Func)
                else node.this.sql()
            )
            raise LakeError(
                f"{source} is not allowed in FROM: queries read catalogued tables only",
                "query the table by name (see 'lake tables'), e.g. silver.<table>",
            )
