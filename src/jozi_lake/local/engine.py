"""Local Athena: the analysts' Athena SQL answered by DuckDB over the local lake, through the catalog.

One query = one fresh in-memory DuckDB connection:

1. the query is parsed as Athena SQL and checked read-only (:mod:`jozi_lake.query.guard`);
2. every table it reads (directly or through a ``sql/views`` view) is looked up in the catalog and
   becomes a DuckDB view over exactly the files under the catalogued partitions
   (``read_parquet([...], hive_partitioning = true)``, ``read_json`` for bronze), with the partition
   keys typed as the catalog says, so partition filters prune files like Athena prunes partitions;
3. the views of ``sql/views`` the query needs are created (translated the same way);
4. the connection is locked down (no file access outside the lake, configuration locked) and the
   translated query runs with DuckDB's JSON profiling on, which gives the bytes and files read.

Athena runs in UTC; so does the connection (``TimeZone = 'UTC'``).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlglot import exp

from jozi_lake.backend import QueryResult
from jozi_lake.catalog.hive_types import to_duckdb_type
from jozi_lake.catalog.model import Catalog, TableDefinition
from jozi_lake.config import EnvConfig, load_config
from jozi_lake.errors import LakeError
from jozi_lake.local.catalog import LocalCatalog
from jozi_lake.local.crawler import data_file_format
from jozi_lake.query.guard import ensure_read_only
from jozi_lake.query.named import ViewDefinition, get_named_query, list_views
from jozi_lake.query.translate import (
    TableNamespace,
    athena_type,
    duckdb_to_athena_type,
    parse_athena,
    referenced_tables,
    translate,
)

# DuckDB 2.0 JSON profile metrics this module reads (names changed since 1.x; tests pin them).
PROFILE_BYTES_READ = ("io", "total_bytes_read")
PROFILE_BYTES_SCANNED = ("query", "total_bytes_scanned")
PROFILE_ROW_GROUPS_SCANNED = ("query", "total_row_groups_scanned")
PROFILE_FILES_READ = "Total Files Read"  # extra_info of each table-scan operator

_READERS = {"parquet": "read_parquet", "json": "read_json", "csv": "read_csv"}


def run_query(
    env: EnvConfig,
    sql: str | None = None,
    named: str | None = None,
    params: Sequence[Any] | None = None,
    *,
    catalog: Catalog | None = None,
    sql_directory: Path | None = None,
) -> QueryResult:
    """Run Athena SQL (``sql``) or a named query (``named``, a file stem of ``sql/queries``) locally.

    ``params`` fill the query's ``?`` placeholders in order, as Athena's execution parameters do.
    """
    if (sql is None) == (named is None):
        raise LakeError("give either SQL text or the name of a named query, not both or neither")
    if not env.is_local:
        raise LakeError(
            f"run_query runs on the local lake; for {env.name!r} use 'lake query --env {env.name}'"
        )
    name = None
    if named is not None:
        named_query = get_named_query(named, sql_directory)
        sql, name = named_query.sql, named_query.name
        params = named_query.bound(params)
    assert sql is not None
    tree = parse_athena(sql)
    ensure_read_only(tree)
    if params:
        tree = bind_parameters(tree, params)
    elif list(tree.find_all(exp.Placeholder)):
        raise LakeError(
            "the query has ? placeholders but no parameters were given",
            "pass them with --param (or, in a query file, give defaults with '-- params: a, b')",
        )

    catalog = catalog or LocalCatalog.for_env(env)
    namespace_tables = _catalogued_tables(env, catalog)
    if not namespace_tables:
        _raise_empty(env)
    views = list_views(sql_directory)
    gold_db = env.database("gold")
    namespace = _namespace(env, namespace_tables | {(gold_db, v.name) for v in views})
    views_by_key = {(gold_db, v.name): v for v in views}

    needed_views: list[ViewDefinition] = []
    needed_tables: set[tuple[str, str]] = set()
    _collect(referenced_tables(tree, namespace), namespace, views_by_key, needed_views, needed_tables, [])

    import duckdb

    connection = duckdb.connect(":memory:")
    profile_dir = Path(tempfile.mkdtemp(prefix="lake-query-"))
    try:
        connection.execute("SET TimeZone = 'UTC'")  # Athena's session zone
        schema = _create_relations(connection, catalog, gold_db, namespace, needed_tables, needed_views)
        duckdb_sql = translate(tree, namespace, schema)
        profile_path = profile_dir / "profile.json"
        _lock_down(connection, (env.local_s3_root / env.bucket).resolve(), profile_dir, profile_path)
        started = time.perf_counter()
        try:
            cursor = connection.execute(duckdb_sql)
            rows = cursor.fetchall()
        except duckdb.Error as err:
            raise _engine_error(err, "the query") from None
        elapsed = time.perf_counter() - started
        columns = [d[0] for d in cursor.description or []]
        profile = json.loads(profile_path.read_text(encoding="utf-8")) if profile_path.exists() else {}
    finally:
        connection.close()
        shutil.rmtree(profile_dir, ignore_errors=True)

    return QueryResult(
        columns=columns,
        rows=rows,
        elapsed_s=elapsed,
        bytes_read=int(_metric(profile, PROFILE_BYTES_READ)),
        bytes_scanned=int(_metric(profile, PROFILE_BYTES_SCANNED)),
        files_read=files_read(profile),
        row_groups_scanned=int(_metric(profile, PROFILE_ROW_GROUPS_SCANNED)),
        sql=sql,
        engine_sql=duckdb_sql,
        name=name,
        tables=[f"{db}.{t}" for db, t in sorted(needed_tables)],
    )


# ------------------------------------------------------------------------------ catalog -> DuckDB


def _create_relations(
    connection: Any,
    catalog: Catalog,
    gold_db: str,
    namespace: TableNamespace,
    needed_tables: set[tuple[str, str]],
    needed_views: list[ViewDefinition],
) -> dict[str, dict[str, dict[str, str]]]:
    """Create the catalog tables and ``sql/views`` a query reads; return their Athena-typed schema."""
    import duckdb

    schema: dict[str, dict[str, dict[str, str]]] = {}
    for db in sorted({db for db, _ in needed_tables} | {gold_db}):
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(db)}")
    for db, table_name in sorted(needed_tables):
        table = catalog.get_table(db, table_name)
        try:
            connection.execute(f"CREATE VIEW {_ident(db)}.{_ident(table_name)} AS {table_view_sql(table)}")
        except duckdb.Error as err:
            raise _engine_error(err, f"table {table.qualified_name}") from None
        schema.setdefault(db, {})[table_name] = {
            c.name: athena_type(c.type) for c in [*table.columns, *table.partition_keys]
        }
    for view in needed_views:
        view_sql = translate(view.query, namespace, schema)
        qualified = f"{_ident(gold_db)}.{_ident(view.name)}"
        try:
            connection.execute(f"CREATE VIEW {qualified} AS {view_sql}")
        except duckdb.Error as err:
            raise _engine_error(err, f"view {view.name} ({view.path.name})") from None
        described = connection.execute(f"DESCRIBE {qualified}").fetchall()
        schema.setdefault(gold_db, {})[view.name] = {
            row[0]: duckdb_to_athena_type(str(row[1])) for row in described
        }
    return schema


def _lock_down(connection: Any, lake_dir: Path, profile_dir: Path, profile_path: Path) -> None:
    """From here on the connection reads the lake (and writes its profile) and can change nothing."""
    allowed = f"[{_quote(str(lake_dir) + '/')}, {_quote(str(profile_dir) + '/')}]"
    connection.execute(f"SET allowed_directories = {allowed}")
    connection.execute("SET enable_external_access = false")
    connection.execute("SET enable_profiling = 'json'")
    connection.execute(f"SET profiling_output = {_quote(str(profile_path))}")
    connection.execute("SET lock_configuration = true")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _catalogued_tables(env: EnvConfig, catalog: Catalog) -> set[tuple[str, str]]:
    databases = set(catalog.list_databases())
    tables: set[tuple[str, str]] = set()
    for layer in load_config().catalogued_areas:
        db = env.database(layer)
        if db in databases:
            tables.update((db, t) for t in catalog.list_tables(db))
    return tables


def _namespace(env: EnvConfig, tables: set[tuple[str, str]]) -> TableNamespace:
    return TableNamespace(
        default_database=env.database("gold"),
        layer_databases={layer: env.database(layer) for layer in load_config().catalogued_areas},
        tables=frozenset(tables),
    )


def _raise_empty(env: EnvConfig) -> None:
    bucket_dir = env.local_s3_root / env.bucket
    if not bucket_dir.is_dir() or not any(bucket_dir.iterdir()):
        raise LakeError(f"the local lake at {bucket_dir} is empty", "run 'make demo' or 'lake run-pipeline'")
    raise LakeError(f"nothing is catalogued in {env.local_catalog_dir}", "run 'lake crawl'")


def _collect(
    refs: set[tuple[str, str]],
    namespace: TableNamespace,
    views: Mapping[tuple[str, str], ViewDefinition],
    needed_views: list[ViewDefinition],
    needed_tables: set[tuple[str, str]],
    path: list[str],
) -> None:
    """Tables and views a query needs; views ordered so each comes after the views it reads."""
    for ref in sorted(refs):
        view = views.get(ref)
        if view is None:
            needed_tables.add(ref)
            continue
        if view in needed_views:
            continue
        if view.name in path:
            raise LakeError(f"views refer to each other in a cycle: {' -> '.join([*path, view.name])}")
        try:
            view_refs = referenced_tables(view.query, namespace)
        except LakeError as err:
            raise LakeError(f"view {view.name} ({view.path.name}): {err.message}", err.hint) from None
        _collect(
            view_refs,
            namespace,
            views,
            needed_views,
            needed_tables,
            [*path, view.name],
        )
        needed_views.append(view)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _location_path(uri: str) -> Path:
    """The folder behind a local catalog location (``file://`` + raw path, see the crawler)."""
    if uri.startswith("file://"):
        return Path(uri[len("file://") :])
    if "://" not in uri:
        return Path(uri)
    raise LakeError(f"the local engine cannot read {uri}", "query AWS tables with --env dev|prod")


def table_files(table: TableDefinition) -> list[Path]:
    """The data files Athena would read: every visible file directly under each partition location."""
    locations = [p.location for p in table.partitions] if table.partition_keys else [table.location]
    files: list[Path] = []
    for location in locations:
        folder = _location_path(location)
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if not path.is_file() or path.name.startswith((".", "_")):
                continue
            fmt = data_file_format(path.name)
            if fmt is not None and fmt[0] == table.classification and path.stat().st_size > 0:
                files.append(path)
    return files


def table_view_sql(table: TableDefinition) -> str:
    """The SELECT a catalog table becomes in DuckDB: catalog columns over the catalogued files."""
    columns = [*table.columns, *table.partition_keys]
    files = table_files(table)
    if not files:
        select = ", ".join(f"CAST(NULL AS {to_duckdb_type(c.type)}) AS {_ident(c.name)}" for c in columns)
        return f"SELECT {select} WHERE false"
    file_list = "[" + ", ".join(_quote(str(f)) for f in files) + "]"
    options = ["union_by_name = true"]
    if table.partition_keys:
        hive_types = ", ".join(
            f"{_quote(k.name)}: {_quote(to_duckdb_type(k.type))}" for k in table.partition_keys
        )
        options += ["hive_partitioning = true", f"hive_types = {{{hive_types}}}"]
    else:
        options.append("hive_partitioning = false")
    if table.classification == "json":
        json_columns = ", ".join(f"{_quote(c.name)}: {_quote(to_duckdb_type(c.type))}" for c in table.columns)
        options += ["format = 'newline_delimited'", f"columns = {{{json_columns}}}"]
    elif table.classification == "csv":
        options.append("header = true")
    select = ", ".join(_projection(c.name, c.type) for c in columns)
    return f"SELECT {select} FROM {_READERS[table.classification]}({file_list}, {', '.join(options)})"


def _projection(name: str, hive_type: str) -> str:
    """A column as the catalog types it.

    Spark writes timestamps as UTC-adjusted Parquet timestamps, which DuckDB reads as ``timestamp
    with time zone``; the catalog (and Athena) say ``timestamp``: the UTC wall-clock time. The cast
    (in a UTC session) gives exactly that, so translated functions see the type the schema promised.
    """
    if hive_type == "timestamp":
        return f"CAST({_ident(name)} AS TIMESTAMP) AS {_ident(name)}"
    return _ident(name)


def _engine_error(err: Exception, what: str) -> LakeError:
    text = str(err).strip()
    first = text.splitlines()[0] if text else type(err).__name__
    function = re.search(r"(?:Scalar|Aggregate|Table) Function with name \"?(\w+)\"? does not exist", text)
    if function:
        return LakeError(
            f"function {function.group(1)}() is not available in the local engine (DuckDB) in {what}",
            "see docs/querying.md for the functions that translate",
        )
    malformed = re.search(r'Malformed JSON in file "(.+?)", at byte \d+ in line (\d+): (.+?)\.?$', text, re.M)
    if malformed:
        path, _line, reason = malformed.groups()  # DuckDB's line numbers are not reliable here
        hint = "query the silver table, where the pipeline has typed and cleaned the records"
        if "UTF-8" in reason:
            hint = f"Athena shows such bytes as U+FFFD, DuckDB cannot read past them; {hint}"
        return LakeError(f"{what} failed: a record in {path} cannot be read ({reason.strip()})", hint)
    if re.search(r"Cannot compare values of type VARCHAR and type DATE|type DATE and type VARCHAR", text):
        return LakeError(
            f"{what} failed in the local engine: {first}",
            "a partition column (order_date, event_date, ...) is a string in the catalog, as a Glue "
            "crawler types it, and Athena refuses the comparison too: compare it with a string, e.g. "
            "order_date >= '2026-06-01' (ISO dates sort as text, and the partitions are still pruned); "
            "CAST(order_date AS date) works but reads every partition",
        )
    return LakeError(f"{what} failed in the local engine: {first}")


# --------------------------------------------------------------------------------------- profile


def _metric(profile: Mapping[str, Any], path: tuple[str, str]) -> float:
    section = profile.get(path[0], {})
    return float(section.get(path[1], 0) or 0) if isinstance(section, Mapping) else 0.0


def files_read(profile: Mapping[str, Any]) -> int:
    """Sum of "Total Files Read" over every table scan in the profile's operator tree."""
    total = 0
    stack = list(profile.get("operator", []) or profile.get("children", []))
    while stack:
        node = stack.pop()
        extra = node.get("extra_info", {}) or {}
        if isinstance(extra, Mapping) and PROFILE_FILES_READ in extra:
            total += int(str(extra[PROFILE_FILES_READ]))
        stack.extend(node.get("children", []) or [])
    return total


# ------------------------------------------------------------------------------------ parameters


def _literal(value: Any) -> exp.Expr:
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float | decimal.Decimal):
        return exp.Literal.number(value)
    if isinstance(value, dt.datetime):
        return exp.Cast(this=exp.Literal.string(value.isoformat(sep=" ")), to=exp.DataType.build("TIMESTAMP"))
    if isinstance(value, dt.date):
        return exp.Cast(this=exp.Literal.string(value.isoformat()), to=exp.DataType.build("DATE"))
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise LakeError(f"cannot pass a {type(value).__name__} as a query parameter")


def bind_parameters(tree: exp.Expr, params: Sequence[Any]) -> exp.Expr:
    """Replace ``?`` placeholders, in order, with literals (as values, never as SQL text)."""
    tree = tree.copy()
    placeholders = [node for node in tree.walk(bfs=False) if isinstance(node, exp.Placeholder)]
    if len(placeholders) != len(params):
        raise LakeError(
            f"the query has {len(placeholders)} ? placeholder(s) but {len(params)} parameter(s) were given"
        )
    for placeholder, value in zip(placeholders, params, strict=True):
        placeholder.replace(_literal(value))
    return tree
