"""Gold models and their lineage, derived from the SQL: which tables each model reads, in what order.

A gold model is a Spark SQL ``SELECT`` in ``sql/gold/<table>.sql`` plus its contract
``contracts/gold/<table>.yaml``. The tables a model reads are never declared: they are parsed out of the
SQL with sqlglot (every table reference that is not one of the query's own CTEs), so the gold job's
order, ``docs/data-model.md``, the benchmark's lineage and ``lake lineage`` cannot disagree with what
actually runs.

Loading checks everything that can be checked without data, and says which model, which line and
what is wrong: SQL that does not parse or is not one ``SELECT``, a table that is neither a silver nor
a gold contract, a layer-qualified name (models name tables unqualified), models that read each other
in a cycle, and ``incremental`` declarations that do not match the inputs (an input the SQL reads but
the contract does not map, a mapping for a table the SQL does not read, a date mapping on a column
that is not the input's partition, a key lookup in a table without that key). The output columns and
types are checked against the contract by the gold job, where Spark can analyse the SQL.

Standard library, sqlglot and the contracts only: the Glue bundle ships this module (and sqlglot).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import sqlglot
from sqlglot import exp

from jozi_lake import project
from jozi_lake.contracts import (
    BY_DATE,
    BY_KEY,
    BY_VALIDITY,
    EVENT,
    GOLD,
    REFERENCE,
    SILVER,
    ContractError,
    GoldContract,
    SilverContract,
    load_contracts,
)

SQL_FOLDER = ("sql", "gold")
SQL_FOLDER_PATH = ("/".join(SQL_FOLDER),)


class ModelError(ContractError):
    """A gold model cannot run as written; the message names the model, the line and the problem."""


@dataclass(frozen=True)
class TableRef:
    """One table a model's SQL reads, with the line of its first mention."""

    table: str
    line: int


@dataclass(frozen=True)
class GoldModel:
    """A gold table's SQL and contract, with the tables the SQL reads."""

    table: str
    contract: GoldContract
    sql: str
    path: str  # for messages: sql/gold/<table>.sql
    reads: tuple[TableRef, ...]

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(ref.table for ref in self.reads)

    def line_of(self, table: str) -> int:
        return next(ref.line for ref in self.reads if ref.table == table)


def sql_path(table: str) -> str:
    return "/".join((*SQL_FOLDER, f"{table}.sql"))


def parse_model_sql(table: str, text: str, path: str) -> exp.Query:
    """The model's one SELECT statement, or a :class:`ModelError` with the line that breaks it."""
    try:
        statements = [s for s in sqlglot.parse(text, read="spark") if s is not None]
    except sqlglot.errors.ParseError as err:
        first = err.errors[0] if err.errors else {}
        line = first.get("line", "?")
        what = str(first.get("description") or str(err).splitlines()[0])
        what = re.sub(r"<class '(?:\w+\.)*(\w+)'>", r"\1", what)  # sqlglot names its node classes
        near = str(first.get("highlight") or "").strip()
        raise ModelError(
            f"gold model {table} ({path} line {line}): the SQL does not parse: {what}"
            + (f" near {near!r}" if near else ""),
            "write one Spark SQL SELECT (WITH ... SELECT ...) without a trailing statement",
        ) from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        kinds = ", ".join(type(s).__name__.upper() for s in statements) or "nothing"
        raise ModelError(
            f"gold model {table} ({path}): expected exactly one SELECT statement, found {kinds}",
            "a model is one query; the gold job writes its result (no CREATE/INSERT in the file)",
        )
    return statements[0]


def table_references(tree: exp.Expr) -> list[tuple[str, str, int]]:
    """(name, qualifier, line) of every table the query reads, CTE names excluded, in source order."""
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    refs: list[tuple[str, str, int]] = []
    for table in tree.find_all(exp.Table):
        name = table.name
        if not name or (name in ctes and not table.db) or table.find_ancestor(exp.Hint) is not None:
            continue  # a CTE, or the alias a join hint such as /*+ BROADCAST(w) */ names
        line = int(table.this.meta.get("line", 0)) if isinstance(table.this, exp.Expr) else 0
        qualifier = ".".join(p for p in (table.catalog, table.db) if p)
        refs.append((name, qualifier, line))
    return sorted(refs, key=lambda ref: (ref[2], ref[0]))


def _reads(
    table: str, tree: exp.Expr, path: str, silver: Iterable[str], gold: Iterable[str]
) -> list[TableRef]:
    known = set(silver) | set(gold)
    reads: dict[str, TableRef] = {}
    for name, qualifier, line in table_references(tree):
        if qualifier:
            raise ModelError(
                f"gold model {table} ({path} line {line}): write {name}, not {qualifier}.{name}",
                "gold models name silver and gold tables unqualified (every table name is unique)",
            )
        if name not in known:
            raise ModelError(
                f"gold model {table} ({path} line {line}): reads table {name!r}, which is neither a "
                "silver nor a gold contract",
                "add contracts/silver|gold/" + f"{name}.yaml, or fix the name",
            )
        if name == table:
            raise ModelError(
                f"gold model {table} ({path} line {line}): reads its own table",
                "a model computes its table from its inputs; the gold job handles what is already there",
            )
        reads.setdefault(name, TableRef(name, line))
    if not reads:
        raise ModelError(f"gold model {table} ({path}): reads no table", "select from silver or gold tables")
    return sorted(reads.values(), key=lambda ref: (ref.line, ref.table))


def _mapping_hint(name: str, silver: SilverContract | None, gold: GoldContract | None) -> str:
    """The mappings that fit the input's kind: a reference table has no dates, an unpartitioned one no
    partitions to map."""
    partition = silver.partition_column if silver else gold.partition_column if gold else None
    if silver is not None and silver.kind == REFERENCE:
        choices = f"`{name}: {{by: validity, lookback_days: N}}` or `{name}: full_refresh`"
    elif partition is not None:
        choices = f"`{name}: {{by: date, column: {partition}, lookback_days: N}}`"
        if silver is not None:
            choices += f", `{name}: {{by: key, column: ..., lookup: ...}}`"
        choices += f" or `{name}: full_refresh`"
    else:
        choices = f"`{name}: full_refresh` ({name} has no partitions to map)"
    return f"add {choices} under incremental (docs/jobs.md)"


def _check_incremental(model: GoldModel) -> None:
    """The contract's incremental section must map exactly the tables the SQL reads, sensibly."""
    contracts = load_contracts()
    incremental = model.contract.incremental
    where = f"gold model {model.table} ({model.contract.path})"
    if incremental.full_refresh:
        return
    undeclared = [t for t in model.inputs if t not in incremental.declared]
    if undeclared:
        name = undeclared[0]
        raise ModelError(
            f"{where}: {model.path} line {model.line_of(name)} reads {name}, but incremental does not say "
            f"how changes to {name} reach this table's partitions",
            _mapping_hint(name, contracts.silver.get(name), contracts.gold.get(name)),
        )
    unread = [t for t in incremental.declared if t not in model.inputs]
    if unread:
        raise ModelError(
            f"{where}: incremental maps {', '.join(unread)}, which {model.path} does not read",
            "remove the mapping (lineage comes from the SQL)",
        )
    for mapping in incremental.inputs:
        name = mapping.input
        silver = contracts.silver.get(name)
        gold = contracts.gold.get(name)
        partition = silver.partition_column if silver else gold.partition_column if gold else None
        if mapping.by == BY_DATE:
            if partition is None:
                raise ModelError(
                    f"{where}: {name} is not partitioned, so it has no dates to map",
                    f"use `{name}: full_refresh`" + (" or validity" if silver else ""),
                )
            if mapping.column != partition:
                raise ModelError(
                    f"{where}: incremental input {name} maps by column {mapping.column!r}, but {name} is "
                    f"partitioned by {partition!r}",
                    f"use column: {partition} (changes are known per partition)",
                )
            if gold is not None and gold.column(partition).type != "date":
                raise ModelError(f"{where}: {name}'s partition column {partition!r} is not a date")
        elif mapping.by == BY_KEY:
            if silver is None or silver.kind != EVENT:
                raise ModelError(
                    f"{where}: a key mapping needs a silver event table as input, and {name} is not one",
                    "map it by date, validity or full_refresh",
                )
            lookup = contracts.silver.get(mapping.lookup or "")
            if lookup is None or lookup.kind != EVENT:
                raise ModelError(
                    f"{where}: incremental input {name} looks keys up in {mapping.lookup!r}, which is not "
                    "a silver event table",
                    "look the keys up in the silver table whose partitions are this table's partitions",
                )
            for table, contract in ((name, silver), (lookup.table, lookup)):
                if mapping.column not in {c.name for c in contract.columns}:
                    raise ModelError(f"{where}: key column {mapping.column!r} is not a column of {table}")
        elif mapping.by == BY_VALIDITY and (silver is None or silver.kind != REFERENCE):
            raise ModelError(
                f"{where}: validity applies to silver reference tables, and {name} is not one",
                "map it by date, key or full_refresh",
            )


def _load_sql(table: str) -> str:
    entry = project.project_file(*SQL_FOLDER, f"{table}.sql")
    if not entry.is_file():
        raise ModelError(
            f"gold contract contracts/gold/{table}.yaml has no model {sql_path(table)}",
            "write the model's SELECT in that file (or remove the contract)",
        )
    return entry.read_text(encoding="utf-8")


def _dependency_order(models: dict[str, GoldModel]) -> list[str]:
    """Models after the gold models they read (contract order among independent ones); cycles fail."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = [*path[path.index(name) :], name]
            steps = "; ".join(
                f"{models[a].path} line {models[a].line_of(b)} reads {b}" for a, b in pairwise(cycle)
            )
            raise ModelError(
                f"gold models read each other in a cycle: {' -> '.join(cycle)} ({steps})",
                "a model may read only silver tables and gold models that do not read it back",
            )
        state[name] = "visiting"
        for upstream in models[name].inputs:
            if upstream in models:
                visit(upstream, [*path, name])
        state[name] = "done"
        order.append(name)

    for name in models:
        visit(name, [])
    return order


def load_models() -> dict[str, GoldModel]:
    """Every gold model of the project, validated, in dependency order (parsed again only when a
    contract or model file changed)."""
    return _load_models(str(project.project_root()), project.files_version("contracts", *SQL_FOLDER_PATH))


@lru_cache(maxsize=8)
def _load_models(_root: str, _version: project.FileVersion) -> dict[str, GoldModel]:
    contracts = load_contracts()
    folder = project.project_file(*SQL_FOLDER)
    if folder.is_dir():
        orphans = sorted(
            e.name for e in folder.iterdir() if e.name.endswith(".sql") and e.name[:-4] not in contracts.gold
        )
        if orphans:
            raise ModelError(
                f"{'/'.join(SQL_FOLDER)}/{orphans[0]} has no gold contract",
                f"write contracts/gold/{orphans[0][:-4]}.yaml (columns, types, partition) or remove the file",
            )
    models: dict[str, GoldModel] = {}
    for table, contract in contracts.gold.items():
        path = sql_path(table)
        text = _load_sql(table)
        tree = parse_model_sql(table, text, path)
        reads = _reads(table, tree, path, contracts.silver, contracts.gold)
        models[table] = GoldModel(table, contract, text, path, tuple(reads))
    for model in models.values():
        _check_incremental(model)
    return {name: models[name] for name in _dependency_order(models)}


def projection_line(model: GoldModel, column: str) -> int | str:
    """The line of the outermost SELECT where ``column`` is produced ("?" when it cannot be told)."""
    tree = parse_model_sql(model.table, model.sql, model.path)
    for projection in tree.selects:
        if projection.alias_or_name == column:
            alias = projection.args.get("alias")
            node = alias if isinstance(alias, exp.Expr) else projection
            for part in (node, *node.find_all(exp.Identifier)):
                line = part.meta.get("line") if isinstance(part, exp.Expr) else None
                if line:
                    return int(line)
    return "?"


def gold_model(table: str) -> GoldModel:
    models = load_models()
    if table not in models:
        raise ModelError(f"no gold model {table!r}", "choose one of " + ", ".join(models))
    return models[table]


def upstream_models(tables: Iterable[str]) -> list[str]:
    """The given models and every gold model they read, directly or not, in dependency order."""
    models = load_models()
    wanted: set[str] = set()
    stack = list(tables)
    while stack:
        name = stack.pop()
        if name in wanted or name not in models:
            continue
        wanted.add(name)
        stack.extend(models[name].inputs)
    return [name for name in models if name in wanted]


def silver_sources(table: str) -> list[str]:
    """The silver tables a table is built from (itself for a silver table), through every gold model."""
    contracts = load_contracts()
    if table in contracts.silver:
        return [table]
    models = load_models()
    if table not in models:
        raise ModelError(f"unknown table {table!r}", "use a silver or gold table name")
    found: set[str] = set()
    for name in upstream_models([table]):
        found.update(t for t in models[name].inputs if t in contracts.silver)
    return sorted(found)


def edges() -> list[tuple[str, str]]:
    """(input, model) for every table a model reads, in dependency order of the models."""
    return [(ref.table, name) for name, model in load_models().items() for ref in model.reads]


def related(table: str) -> set[str]:
    """``table`` with everything it is built from and everything built from it (any layer)."""
    contracts = load_contracts()
    if table not in contracts.silver and table not in contracts.gold:
        raise ModelError(
            f"unknown table {table!r}",
            "choose a silver or gold table: " + ", ".join([*contracts.silver, *contracts.gold]),
        )
    pairs = edges()
    found = {table}
    for forward in (True, False):
        frontier = [table]
        while frontier:
            name = frontier.pop()
            for source, model in pairs:
                nxt = (
                    model if forward and source == name else source if not forward and model == name else None
                )
                if nxt is not None and nxt not in found:
                    found.add(nxt)
                    frontier.append(nxt)
    return found


def mermaid(focus: str | None = None) -> str:
    """The lineage as a Mermaid flowchart: silver tables, gold models, and what reads what (only
    ``focus``, what it is built from and what is built from it, when given)."""
    contracts = load_contracts()
    models = load_models()
    keep = related(focus) if focus else set(contracts.silver) | set(models)
    lines = ["flowchart LR"]
    layers = (
        (SILVER, [t for t in contracts.silver if t in keep]),
        (GOLD, [t for t in models if t in keep]),
    )
    for layer, names in layers:
        if not names:
            continue
        lines.append(f"  subgraph {layer}")
        for name in names:
            label = name
            silver = contracts.silver.get(name)
            if silver is not None and silver.kind == REFERENCE:
                label = f"{name} (reference{', scd2' if silver.scd2 else ''})"
                lines.append(f'    {layer}_{name}(["{label}"])')
            else:
                lines.append(f'    {layer}_{name}["{label}"]')
        lines.append("  end")
    for source, model in edges():
        if source not in keep or model not in keep:
            continue
        layer = SILVER if source in contracts.silver else GOLD
        lines.append(f"  {layer}_{source} --> {GOLD}_{model}")
    return "\n".join(lines) + "\n"
