"""Athena (Trino) SQL to DuckDB SQL, with Trino's answers.

sqlglot does the dialect translation; this module makes it *schema-aware* and fixes the functions
whose DuckDB spelling exists but means something else (field notes, "Athena SQL on DuckDB"):

* the query is qualified and type-annotated against the catalog schema first, so ``a / b`` on two
  integer columns stays integer division (Trino truncates; DuckDB's ``/`` is always fractional);
* ``date_diff`` counts *whole* units in Trino (``23:00 -> 01:00`` is 0 days); DuckDB's ``date_diff``
  counts boundaries, its ``date_sub`` counts whole units: rewritten to ``date_sub``;
* ``date_add(unit, n, <date>)`` and ``<date> + interval`` return a DATE in Trino, a TIMESTAMP in DuckDB:
  cast back to DATE;
* ``regexp_replace`` replacement strings use Java's ``$1``; RE2 in DuckDB uses ``\\1``: converted
  (a non-literal replacement cannot be converted and is refused);
* ``try(x / 0)`` is NULL in Trino; DuckDB divides to ``inf``: divisions inside ``try`` become
  ``x / NULLIF(0, 0)`` unless a double is involved (Trino gives Infinity there too);
* ``ts AT TIME ZONE 'zone'`` reads a plain timestamp as UTC (Athena's session zone) and shows it in
  ``zone``; DuckDB reads it *as* ``zone``. Rewritten to ``timezone(zone, timezone('UTC', ts))``: the
  same wall-clock values (as a plain timestamp, not ``timestamp with time zone``);
* ``approx_percentile`` in Trino (a q-digest, exact on small inputs) returns the smallest value whose
  cumulative count exceeds ``p * n``; DuckDB's ``approx_quantile`` (t-digest) may return another row:
  computed exactly with that rule;
* ``awsdatacatalog.`` prefixes are dropped; functions DuckDB lacks or runs differently
  (``format_datetime``, ``parse_datetime``, ``map_agg``, unnest of a map...) are refused by name.
"""

from __future__ import annotations

import difflib
import functools
import logging
import re
from dataclasses import dataclass
from typing import cast

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError, SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

from jozi_lake.errors import LakeError
from jozi_lake.query.guard import ensure_read_only, function_name, refuse_statement_keyword

READ_DIALECT = "athena"
WRITE_DIALECT = "duckdb"
ATHENA_CATALOG = "awsdatacatalog"

# Functions that DuckDB lacks or would compute differently, with what to write instead ({zone}: the
# sources' time zone, lake.yaml source_timezone).
UNSUPPORTED_FUNCTIONS: dict[str, str] = {
    "format_datetime": "use date_format(ts, '%Y-%m-%d %H:%i:%s') (MySQL-style), which runs on both engines",
    "parse_datetime": "use date_parse(text, '%Y-%m-%d %H:%i:%s') (MySQL-style), which runs on both engines",
    "map_agg": "aggregate into rows (GROUP BY key) instead of a map",
    "multimap_agg": "aggregate into rows (GROUP BY key) instead of a map",
    "histogram": "use GROUP BY value with count(*) instead",
    "at_timezone": "use ts AT TIME ZONE '{zone}'",
    "with_timezone": "use ts AT TIME ZONE '{zone}'",
    "approx_set": "use count(DISTINCT x) (or approx_distinct(x))",
    "merge": "HyperLogLog sketches are not available locally",
    "tdigest_agg": "use approx_percentile(x, p)",
    "qdigest_agg": "use approx_percentile(x, p)",
}

# Units for which a DATE plus an interval stays a DATE in Trino.
_DATE_UNITS = {"DAY", "WEEK", "MONTH", "QUARTER", "YEAR"}

_ATHENA_COLUMN_ALIAS = re.compile(r"^_col_(\d+)$")

# sqlglot logs a warning whenever it falls back to a raw command; the guard reports those itself.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


def parse_athena(sql: str) -> exp.Expr:
    """Parse exactly one Athena statement (a trailing semicolon is fine) into a checked tree."""
    refuse_statement_keyword(sql)
    text = sql.strip().rstrip(";").strip()
    if not text:
        raise LakeError("the query is empty")
    try:
        statements = [s for s in sqlglot.parse(text, read=READ_DIALECT) if s is not None]
    except ParseError as err:
        detail = err.errors[0]["description"] if err.errors else str(err).splitlines()[0]
        line = err.errors[0].get("line") if err.errors else None
        where = f" (line {line})" if line else ""
        raise LakeError(f"could not parse the query as Athena SQL{where}: {detail}") from None
    except SqlglotError as err:
        raise LakeError(f"could not parse the query as Athena SQL: {str(err).splitlines()[0]}") from None
    if len(statements) != 1:
        raise LakeError(f"expected one statement, found {len(statements)}", "run one query at a time")
    return statements[0]


@dataclass(frozen=True)
class TableNamespace:
    """How Athena names resolve to catalog tables in one environment.

    Unqualified names are gold tables (Athena named queries run with the gold database as default);
    ``silver.orders`` / ``bronze.orders`` name the layer's database; real database names work too.
    """

    default_database: str
    layer_databases: dict[str, str]  # layer -> database
    tables: frozenset[tuple[str, str]]  # (database, table), views included

    def resolve(self, database: str | None, name: str) -> tuple[str, str]:
        name = name.lower()
        if database is None:
            resolved_db = self.default_database
        else:
            database = database.lower()
            if database in self.layer_databases:
                resolved_db = self.layer_databases[database]
            elif database in self.layer_databases.values():
                resolved_db = database
            else:
                choices = ", ".join(self.layer_databases)
                raise LakeError(
                    f"unknown database {database!r}", f"qualify tables with a layer name ({choices})"
                )
        if (resolved_db, name) not in self.tables:
            known = sorted(t for db, t in self.tables if db == resolved_db)
            close = difflib.get_close_matches(name, known, n=3)
            layer = next((lyr for lyr, db in self.layer_databases.items() if db == resolved_db), resolved_db)
            hint = (
                f"did you mean {', '.join(close)}?"
                if close
                else f"see 'lake tables'; run 'lake crawl --layer {layer}' after new data"
            )
            raise LakeError(f"unknown table {layer}.{name}", hint)
        return resolved_db, name


def cte_names(tree: exp.Expr) -> set[str]:
    return {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}


def referenced_tables(tree: exp.Expr, namespace: TableNamespace) -> set[tuple[str, str]]:
    """Catalog tables (and views) a query reads, resolved (raises LakeError for unknown ones)."""
    ctes = cte_names(tree)
    found: set[tuple[str, str]] = set()
    for table in tree.find_all(exp.Table):
        db, name = _table_parts(table)
        if db is None and name.lower() in ctes:
            continue
        found.add(namespace.resolve(db, name))
    return found


def _table_parts(table: exp.Table) -> tuple[str | None, str]:
    catalog = table.catalog
    if catalog and catalog.lower() != ATHENA_CATALOG:
        raise LakeError(f"unknown catalog {catalog!r}", f"only {ATHENA_CATALOG} (the Glue catalog) exists")
    return (table.db or None), table.name


def qualify_tables(tree: exp.Expr, namespace: TableNamespace) -> None:
    """Rewrite every table reference to ``database.table`` (CTE references stay as they are)."""
    ctes = cte_names(tree)
    for table in list(tree.find_all(exp.Table)):
        db, name = _table_parts(table)
        if db is None and name.lower() in ctes:
            continue
        resolved_db, resolved_name = namespace.resolve(db, name)
        table.set("catalog", None)
        table.set("db", exp.to_identifier(resolved_db))
        table.set("this", exp.to_identifier(resolved_name))


def translate(tree: exp.Expr, namespace: TableNamespace, schema: dict[str, dict[str, dict[str, str]]]) -> str:
    """DuckDB SQL computing what Athena would for ``tree`` (a checked, single read-only query).

    ``schema`` maps database -> table -> column -> Athena type, for every table the query reads.
    """
    ensure_read_only(tree)
    tree = tree.copy()
    qualify_tables(tree, namespace)
    _refuse_unsupported(tree)
    try:
        tree = qualify(
            tree,
            schema=cast(dict[str, object], schema),
            dialect=READ_DIALECT,
            validate_qualify_columns=True,
            quote_identifiers=True,
        )
        tree = annotate_types(tree, schema=cast(dict[str, object], schema), dialect=READ_DIALECT)
    except OptimizeError as err:
        raise LakeError(f"the query does not match the catalog: {str(err).splitlines()[0]}") from None
    except SqlglotError as err:
        raise LakeError(f"could not analyse the query: {str(err).splitlines()[0]}") from None
    _refuse_map_unnest(tree)
    _athena_column_names(tree)
    # Decimal divisions and averages are rebuilt from their operands' SQL text, so they are found
    # (with their annotated types) before any rewrite, and rebuilt children first afterwards.
    decimal_nodes = [(node, scales) for node in tree.walk() if (scales := _decimal_scales(node)) is not None]
    deferred: list[exp.ApproxQuantile] = []
    for node in list(tree.walk()):
        if isinstance(node, exp.ApproxQuantile):
            deferred.append(node)  # serialised as text: its arguments must be rewritten first
        else:
            _rewrite(node)
    for node, scales in reversed(decimal_nodes):
        _rewrite_decimal(node, scales)
    for node in reversed(deferred):
        _rewrite_approx_percentile(node)
    try:
        return tree.sql(dialect=WRITE_DIALECT)
    except SqlglotError as err:
        raise LakeError(f"could not translate the query to DuckDB: {str(err).splitlines()[0]}") from None


# ------------------------------------------------------------------------------------ refusals


def _refuse_unsupported(tree: exp.Expr) -> None:
    for node in tree.find_all(exp.Func):
        name = function_name(node)
        if name in UNSUPPORTED_FUNCTIONS:
            from jozi_lake.config import load_config

            raise LakeError(
                f"function {name}() has no equivalent in the local engine (DuckDB)",
                UNSUPPORTED_FUNCTIONS[name].replace("{zone}", load_config().source_timezone),
            )
        if isinstance(node, exp.ApproxQuantile) and isinstance(node.args.get("quantile"), exp.Array):
            raise LakeError(
                "approx_percentile with an array of percentages is not supported locally",
                "call approx_percentile once per percentage",
            )


def _refuse_map_unnest(tree: exp.Expr) -> None:
    for unnest in tree.find_all(exp.Unnest):
        for expression in unnest.expressions:
            if expression.type is not None and expression.type.is_type(exp.DType.MAP):
                raise LakeError(
                    "UNNEST of a map is not supported by the local engine (DuckDB)",
                    "unnest map_keys(m) and look values up with element_at(m, key)",
                )


def _athena_column_names(tree: exp.Expr) -> None:
    """Unnamed output columns are ``_col0, _col1...`` in Athena; sqlglot names them ``_col_0``."""
    if not isinstance(tree, exp.Select):
        return
    for projection in tree.expressions:
        if isinstance(projection, exp.Alias):
            match = _ATHENA_COLUMN_ALIAS.match(projection.alias)
            if match:
                projection.set("alias", exp.to_identifier(f"_col{match.group(1)}", quoted=True))


# ------------------------------------------------------------------------------------ rewrites


def _is_real(node: exp.Expr) -> bool:
    return node.type is not None and node.type.is_type(*exp.DataType.REAL_TYPES)


def _rewrite(node: exp.Expr) -> None:
    if isinstance(node, exp.DateDiff):
        _rewrite_date_diff(node)
    elif isinstance(node, exp.DateAdd):
        _cast_date_arithmetic(node, node.this, node.text("unit"))
    elif isinstance(node, exp.Add | exp.Sub):
        if isinstance(node.expression, exp.Interval):
            _cast_date_arithmetic(node, node.this, node.expression.text("unit"))
    elif isinstance(node, exp.RegexpReplace):
        _rewrite_regexp_replacement(node)
    elif isinstance(node, exp.Try):
        for division in node.find_all(exp.Div):
            if not (_is_real(division.this) or _is_real(division.expression)):
                division.set("safe", True)  # generated as x / NULLIF(y, 0)
    elif isinstance(node, exp.AtTimeZone):
        _rewrite_at_time_zone(node)


def _rewrite_date_diff(node: exp.DateDiff) -> None:
    unit = (node.text("unit") or "day").lower()
    replacement = exp.Anonymous(
        this="DATE_SUB", expressions=[exp.Literal.string(unit), node.expression.copy(), node.this.copy()]
    )
    replacement.type = exp.DataType.build("BIGINT")
    node.replace(replacement)


def _cast_date_arithmetic(node: exp.Expr, operand: exp.Expr, unit: str) -> None:
    if operand.type is None or not operand.type.is_type(exp.DType.DATE):
        return
    if unit.upper().rstrip("S") not in _DATE_UNITS:
        return
    parent = node.parent
    if isinstance(parent, exp.Cast) and parent.to.is_type(exp.DType.DATE):
        return
    placeholder = exp.Null()
    node.replace(placeholder)
    cast = exp.Cast(this=node, to=exp.DataType.build("DATE"))
    cast.type = exp.DataType.build("DATE")
    placeholder.replace(cast)


def java_to_re2_replacement(replacement: str) -> str:
    """Convert a Java/Trino regex replacement (``$1``, ``\\$``) to RE2's (``\\1``, ``$``)."""
    out: list[str] = []
    index = 0
    while index < len(replacement):
        char = replacement[index]
        if char == "\\":
            if index + 1 >= len(replacement):
                raise LakeError("regexp_replace replacement ends with a lone backslash")
            escaped = replacement[index + 1]
            out.append("\\\\" if escaped == "\\" else escaped)
            index += 2
        elif char == "$":
            match = re.match(r"\d+", replacement[index + 1 :])
            if not match:
                raise LakeError(
                    f"regexp_replace replacement {replacement!r} uses a named or malformed group reference",
                    "refer to groups by number ($1) or escape a literal dollar as \\$",
                )
            if len(match.group(0)) > 1:
                raise LakeError(f"regexp_replace group ${match.group(0)}: the local engine supports $0..$9")
            out.append("\\" + match.group(0))
            index += 1 + len(match.group(0))
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _rewrite_regexp_replacement(node: exp.RegexpReplace) -> None:
    replacement = node.args.get("replacement")
    if replacement is None:
        return
    if not (isinstance(replacement, exp.Literal) and replacement.is_string):
        raise LakeError(
            "regexp_replace with a computed replacement cannot be translated safely",
            "use a string literal as the replacement",
        )
    node.set("replacement", exp.Literal.string(java_to_re2_replacement(replacement.this)))


def _rewrite_at_time_zone(node: exp.AtTimeZone) -> None:
    value = node.this.copy()
    zone = node.args["zone"].copy()
    if value.type is None or not value.type.is_type(exp.DType.TIMESTAMPTZ):
        value = exp.Anonymous(this="TIMEZONE", expressions=[exp.Literal.string("UTC"), value])
    node.replace(exp.Anonymous(this="TIMEZONE", expressions=[zone, value]))


def _rewrite_approx_percentile(node: exp.ApproxQuantile) -> None:
    if node.find_ancestor(exp.Window) is not None or isinstance(node.parent, exp.Window):
        raise LakeError("approx_percentile as a window function is not supported locally")
    value = node.this.sql(WRITE_DIALECT)
    quantile = node.args["quantile"].sql(WRITE_DIALECT)
    rule = (
        f"LIST_SORT(LIST({value}) FILTER (WHERE {value} IS NOT NULL))"
        f"[LEAST(CAST(FLOOR({quantile} * COUNT({value})) AS BIGINT), COUNT({value}) - 1) + 1]"
    )
    node.replace(sqlglot.parse_one(rule, read=WRITE_DIALECT))


def _scale_of(data_type: exp.DataType | None) -> int | None:
    """Decimal scale of an exact numeric type (integers are scale 0); None for anything else."""
    if data_type is None:
        return None
    if data_type.is_type(*exp.DataType.INTEGER_TYPES):
        return 0
    if data_type.is_type(exp.DType.DECIMAL):
        params = data_type.expressions
        return int(params[1].name) if len(params) >= 2 else 0
    return None


def _decimal_literal_scale(node: exp.Expr) -> int | None:
    """Scale of a literal like ``0.25`` (a DECIMAL in Trino; sqlglot types it DOUBLE); else None."""
    if isinstance(node, exp.Neg):
        node = node.this
    if isinstance(node, exp.Literal) and not node.is_string:
        text = str(node.this)
        if "." in text and "e" not in text.lower():
            return len(text.split(".", 1)[1])
    return None


def _decimal_scales(node: exp.Expr) -> tuple[int, int] | None:
    """``(left scale, right scale)`` of a decimal division or a decimal ``avg``, else None.

    Trino keeps ``decimal / x`` and ``avg(decimal)`` decimal, at scale ``max(s1, s2)`` rounded half
    up; DuckDB returns a double (``200.00 / 3`` is ``66.67`` in Athena, ``66.666...`` in DuckDB).
    """
    if isinstance(node, exp.Div):
        left_literal, right_literal = (
            _decimal_literal_scale(node.this),
            _decimal_literal_scale(node.expression),
        )
        left_type, right_type = node.this.type, node.expression.type
        is_decimal = left_literal is not None or right_literal is not None
        is_decimal = is_decimal or any(
            t is not None and t.is_type(exp.DType.DECIMAL) for t in (left_type, right_type)
        )
        if not is_decimal:
            return None
        left_scale = left_literal if left_literal is not None else _scale_of(left_type)
        right_scale = right_literal if right_literal is not None else _scale_of(right_type)
        if left_scale is None or right_scale is None:
            return None  # a double is involved: double division on both engines
        return left_scale, right_scale
    if isinstance(node, exp.Avg) and not isinstance(node.parent, exp.Window):
        value_type = node.this.type
        if value_type is not None and value_type.is_type(exp.DType.DECIMAL):
            scale = _scale_of(value_type)
            return (scale, 0) if scale is not None else None
    return None


def exact_decimal_division_sql(left_sql: str, right_sql: str, left_scale: int, right_scale: int) -> str:
    """DuckDB SQL for Trino's ``decimal / decimal``: scale ``max(s1, s2)``, rounded half away from zero.

    Both operands become exact integers (their decimal text without the point), the quotient is
    rounded in 128-bit integer arithmetic, and the result is scaled back as a DECIMAL: no doubles,
    so ``0.05 / 2`` is ``0.03`` as in Trino. A zero divisor fails like Trino's (``try`` gives NULL).
    """
    scale = max(left_scale, right_scale)

    def as_integer(sql: str, operand_scale: int) -> str:
        text = f"CAST(CAST({sql} AS DECIMAL(38, {operand_scale})) AS VARCHAR)"
        return f"CAST(REPLACE({text}, '.', '') AS HUGEINT)"

    numerator = f"({as_integer(left_sql, left_scale)} * CAST({10 ** (right_scale + scale)} AS HUGEINT))"
    denominator = f"({as_integer(right_sql, right_scale)} * CAST({10**left_scale} AS HUGEINT))"
    rounded = (
        f"(SIGN({numerator}) * SIGN({denominator}) * "
        f"DIVIDE(ABS({numerator}) * 2 + ABS({denominator}), 2 * ABS({denominator})))"
    )
    unit = "1" if scale == 0 else "0." + "0" * (scale - 1) + "1"
    scaled = f"CAST({rounded} AS DECIMAL(38, 0)) * CAST('{unit}' AS DECIMAL({scale + 1}, {scale}))"
    return f"CAST({scaled} AS DECIMAL(38, {scale}))"


def _rewrite_decimal(node: exp.Expr, scales: tuple[int, int]) -> None:
    if isinstance(node, exp.Avg):
        value = node.this.sql(WRITE_DIALECT)
        # An all-NULL group divides by NULL (not zero): avg is NULL there, as in Trino.
        sql = exact_decimal_division_sql(f"SUM({value})", f"NULLIF(COUNT({value}), 0)", *scales)
    else:
        left, right = node.this.sql(WRITE_DIALECT), node.expression.sql(WRITE_DIALECT)
        sql = exact_decimal_division_sql(left, right, *scales)
    node.replace(sqlglot.parse_one(sql, read=WRITE_DIALECT))


@functools.lru_cache(maxsize=1024)
def athena_type(hive_type: str) -> str:
    """A catalog (Hive) type in the spelling the sqlglot schema expects."""
    try:
        return exp.DataType.build(hive_type, dialect="hive").sql(READ_DIALECT)
    except SqlglotError:
        return "VARCHAR"


@functools.lru_cache(maxsize=1024)
def duckdb_to_athena_type(duckdb_type: str) -> str:
    try:
        return exp.DataType.build(duckdb_type, dialect=WRITE_DIALECT).sql(READ_DIALECT)
    except SqlglotError:
        return "VARCHAR"


def athena_sql_for_env(sql: str, database_of_layer: dict[str, str]) -> str:
    """The query as Athena must receive it on AWS: layer-qualified names replaced by real databases.

    ``sql/`` files say ``silver.orders``; the database is ``{project}_{env}_silver``. Unqualified
    names stay unqualified (the gold database is the query's default). Pass
    ``{layer: env.database(layer)}``; the AWS runner calls this before starting the query.
    """
    tree = parse_athena(sql)
    for table in tree.find_all(exp.Table):
        if table.db and table.db.lower() in database_of_layer and not table.catalog:
            table.set("db", exp.to_identifier(database_of_layer[table.db.lower()]))
    return tree.sql(dialect=READ_DIALECT)
