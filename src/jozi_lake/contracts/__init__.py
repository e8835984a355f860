"""Table contracts as data: the one description of every silver and gold table.

The project's YAML files (``contracts/silver/<table>.yaml``, ``contracts/gold/<table>.yaml``, see
:mod:`jozi_lake.project`) say which columns a table has, their Spark SQL types, how each silver column
is parsed from the raw source field (and under which older or newer source names), the key, the
event-time column and the quality rules. The silver job, the quality report, the catalog's column types
and ``docs/contracts.md`` are all derived from them, so a column is named in exactly one place.

Loading validates a contract completely (unknown types, rules that do not parse or name unknown
columns, key columns that do not exist) and raises :class:`ContractError` with the file and the fix,
because a broken contract found by a Glue job at 02:30 costs far more than one found at import.

The contracts are project files, not package code: the Glue bundle carries a copy of them beside its
``lake.yaml``, so a job on Glue reads the same contracts as a local run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import sqlglot
import yaml
from sqlglot import exp

from jozi_lake import project
from jozi_lake.errors import LakeError

SILVER = "silver"
GOLD = "gold"

# Spark SQL types a contract may use (decimal takes its precision and scale, e.g. decimal(10,2)).
SIMPLE_TYPES = frozenset({"string", "int", "bigint", "double", "boolean", "date", "timestamp"})
DECIMAL_TYPE = re.compile(r"^decimal\((\d{1,2}),\s*(\d{1,2})\)$")

# How a silver column is read from its raw (string) source value; see jozi_lake.transforms.normalize.
PARSERS: dict[str, frozenset[str]] = {
    "text": frozenset({"string"}),
    "integer": frozenset({"int", "bigint"}),
    "number": frozenset({"double"}),
    "money": frozenset({"decimal"}),
    "local_timestamp": frozenset({"timestamp"}),
    "date": frozenset({"date"}),
    "boolean": frozenset({"boolean"}),
}
SEVERITIES = frozenset({"warn", "quarantine", "fail"})

# Silver columns every table gets, derived rather than read from the source.
PARTITION_COLUMN = "event_date"
BATCH_COLUMN = "bronze_batch_id"
OFFSET_SUFFIX = "_utc_offset_minutes"
# Raw source values stay beside the typed ones during validation under this prefix (never written).
RAW_PREFIX = "__raw_"

# Per-table figures a table rule (scope: table) can use, computed once per table and run.
TABLE_METRICS: dict[str, str] = {
    "rows_read": "bigint",
    "rows_quarantined": "bigint",
    "duplicates_removed": "bigint",
    "rows_written": "bigint",
    "quarantine_share": "double",
}


class ContractError(LakeError):
    """A contract file is missing or invalid; the message names the file and what is wrong."""


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a table as stored (silver or gold)."""

    name: str
    type: str
    description: str
    parse: str | None = None
    source_fields: tuple[str, ...] = ()
    required: bool = False
    on_parse_error: str = "quarantine"
    derived: bool = False

    @property
    def base_type(self) -> str:
        return "decimal" if self.type.startswith("decimal") else self.type


@dataclass(frozen=True)
class RuleSpec:
    """A quality rule: a Spark SQL boolean that must be true (null counts as a violation)."""

    name: str
    expr: str
    severity: str
    scope: str = "row"
    generated: bool = False


@dataclass(frozen=True)
class SilverContract:
    table: str
    description: str
    primary_key: tuple[str, ...]
    event_time: str
    dedup_order: str
    source_columns: tuple[ColumnSpec, ...]
    declared_rules: tuple[RuleSpec, ...]
    table_rules: tuple[RuleSpec, ...]
    partition_column: str = PARTITION_COLUMN
    path: str = ""

    @property
    def columns(self) -> tuple[ColumnSpec, ...]:
        """Every stored column in file order: source columns (each timestamp followed by its offset),
        the bronze batch id, then the partition column."""
        out: list[ColumnSpec] = []
        for col in self.source_columns:
            out.append(col)
            if col.parse == "local_timestamp":
                out.append(
                    ColumnSpec(
                        name=col.name + OFFSET_SUFFIX,
                        type="int",
                        description=f"UTC offset in minutes that {col.name} carried in the source "
                        "(the store's zone when the source gave none).",
                        derived=True,
                    )
                )
        out.append(
            ColumnSpec(
                name=BATCH_COLUMN,
                type="string",
                description="The bronze batch (ingest date and run) the row came from.",
                derived=True,
            )
        )
        out.append(
            ColumnSpec(
                name=self.partition_column,
                type="date",
                description=f"Local (Johannesburg) date of {self.event_time}; the partition.",
                derived=True,
            )
        )
        return tuple(out)

    @property
    def data_columns(self) -> tuple[ColumnSpec, ...]:
        """Columns stored inside the Parquet files (all but the partition column)."""
        return tuple(c for c in self.columns if c.name != self.partition_column)

    @property
    def rules(self) -> tuple[RuleSpec, ...]:
        """Row rules: generated ones (required, parseable) first, then the declared ones."""
        generated: list[RuleSpec] = []
        for col in self.source_columns:
            if col.required:
                # On the raw text: a value that is present but unreadable is reported by the parse rule.
                raw = f"{RAW_PREFIX}{col.name}"
                generated.append(
                    RuleSpec(
                        f"{col.name}_required",
                        f"trim(coalesce({raw}, '')) <> ''",
                        "quarantine",
                        generated=True,
                    )
                )
        for col in self.source_columns:
            if col.parse != "text":
                raw = f"{RAW_PREFIX}{col.name}"
                generated.append(
                    RuleSpec(
                        f"{col.name}_parseable",
                        f"{raw} IS NULL OR trim({raw}) = '' OR {col.name} IS NOT NULL",
                        col.on_parse_error,
                        generated=True,
                    )
                )
        return tuple(generated) + self.declared_rules

    def column(self, name: str) -> ColumnSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


@dataclass(frozen=True)
class GoldContract:
    table: str
    description: str
    grain: tuple[str, ...]
    partition_column: str
    columns: tuple[ColumnSpec, ...]
    path: str = ""

    @property
    def data_columns(self) -> tuple[ColumnSpec, ...]:
        return tuple(c for c in self.columns if c.name != self.partition_column)


@dataclass(frozen=True)
class Contracts:
    silver: dict[str, SilverContract] = field(default_factory=dict)
    gold: dict[str, GoldContract] = field(default_factory=dict)


def validate_type(type_name: str, where: str) -> str:
    """The normalised type name, or a :class:`ContractError` naming the allowed ones."""
    normalised = re.sub(r"\s+", "", str(type_name).strip().lower())
    if normalised in SIMPLE_TYPES:
        return normalised
    match = DECIMAL_TYPE.match(normalised)
    if match and 0 < int(match.group(1)) <= 38 and int(match.group(2)) <= int(match.group(1)):
        return f"decimal({match.group(1)},{match.group(2)})"
    raise ContractError(
        f"{where}: unknown type {type_name!r}",
        f"use one of {', '.join(sorted(SIMPLE_TYPES))} or decimal(p,s)",
    )


def _rule_columns(expr_text: str, where: str) -> set[str]:
    """Parse a rule with Spark's SQL dialect and return the column names it reads."""
    try:
        tree = sqlglot.parse_one(expr_text, read="spark")
    except sqlglot.errors.ParseError as err:
        first_line = str(err).splitlines()[0]
        raise ContractError(
            f"{where}: rule expression does not parse: {expr_text!r} ({first_line})",
            'write a Spark SQL boolean expression, e.g. "stars BETWEEN 1 AND 5"',
        ) from None
    if tree is None or isinstance(tree, exp.Select | exp.Insert | exp.Create | exp.Drop):
        raise ContractError(f"{where}: rule must be a boolean expression, not a statement: {expr_text!r}")
    return {col.name for col in tree.find_all(exp.Column)}


def _require(raw: dict[str, Any], key: str, where: str) -> Any:
    if key not in raw or raw[key] in (None, "", []):
        raise ContractError(f"{where}: missing required key {key!r}")
    return raw[key]


def _rules(raw_rules: Any, scope: str, known: set[str], where: str) -> tuple[RuleSpec, ...]:
    rules: list[RuleSpec] = []
    for i, raw in enumerate(raw_rules or []):
        rule_where = f"{where} rule #{i + 1}"
        if not isinstance(raw, dict):
            raise ContractError(f"{rule_where}: expected a mapping with name, severity, expr")
        name = str(_require(raw, "name", rule_where))
        severity = str(_require(raw, "severity", rule_where))
        if severity not in SEVERITIES:
            raise ContractError(
                f"{where} rule {name!r}: unknown severity {severity!r}", f"use one of {sorted(SEVERITIES)}"
            )
        expr_text = str(_require(raw, "expr", rule_where))
        unknown = _rule_columns(expr_text, f"{where} rule {name!r}") - known
        if unknown:
            raise ContractError(
                f"{where} rule {name!r} uses unknown column(s) {', '.join(sorted(unknown))}",
                "table rules can use " + ", ".join(TABLE_METRICS) if scope == "table" else "declare them",
            )
        rules.append(RuleSpec(name=name, expr=expr_text, severity=severity, scope=scope))
    return tuple(rules)


def parse_silver_contract(raw: Any, where: str) -> SilverContract:
    """Build and validate a silver contract from its parsed YAML."""
    if not isinstance(raw, dict):
        raise ContractError(f"{where}: not a contract (expected a mapping)")
    table = str(_require(raw, "table", where))
    columns: list[ColumnSpec] = []
    for i, col in enumerate(_require(raw, "columns", where)):
        col_where = f"{where} column #{i + 1}"
        if not isinstance(col, dict):
            raise ContractError(f"{col_where}: expected a mapping with name, type, parse")
        name = str(_require(col, "name", col_where))
        col_where = f"{where} column {name!r}"
        col_type = validate_type(_require(col, "type", col_where), col_where)
        parse = str(col.get("parse", "text"))
        if parse not in PARSERS:
            raise ContractError(
                f"{where} column {name!r}: unknown parse {parse!r}", f"use one of {', '.join(PARSERS)}"
            )
        base = "decimal" if col_type.startswith("decimal") else col_type
        if base not in PARSERS[parse]:
            raise ContractError(
                f"{where} column {name!r}: parse {parse!r} cannot produce type {col_type}",
                f"parse {parse!r} produces {', '.join(sorted(PARSERS[parse]))}",
            )
        on_error = str(col.get("on_parse_error", "quarantine"))
        if on_error not in SEVERITIES:
            raise ContractError(f"{where} column {name!r}: unknown on_parse_error {on_error!r}")
        aliases = tuple(str(a) for a in col.get("source_aliases", []) or [])
        columns.append(
            ColumnSpec(
                name=name,
                type=col_type,
                description=str(col.get("description", "")),
                parse=parse,
                source_fields=(str(col.get("source", name)), *aliases),
                required=bool(col.get("required", False)),
                on_parse_error=on_error,
            )
        )
    names = [c.name for c in columns]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ContractError(f"{where}: duplicate column(s) {', '.join(sorted(duplicates))}")
    primary_key = tuple(str(k) for k in _require(raw, "primary_key", where))
    for key in primary_key:
        if key not in names:
            raise ContractError(f"{where}: primary key column {key!r} is not a declared column")
    event_time = str(_require(raw, "event_time", where))
    dedup_order = str(raw.get("dedup_order", "updated_at"))
    for role, col_name in (("event_time", event_time), ("dedup_order", dedup_order)):
        spec = next((c for c in columns if c.name == col_name), None)
        if spec is None:
            raise ContractError(f"{where}: {role} column {col_name!r} is not a declared column")
        if spec.type != "timestamp":
            raise ContractError(f"{where}: {role} column {col_name!r} must be a timestamp, not {spec.type}")
    contract = SilverContract(
        table=table,
        description=str(raw.get("description", "")),
        primary_key=primary_key,
        event_time=event_time,
        dedup_order=dedup_order,
        source_columns=tuple(columns),
        declared_rules=(),
        table_rules=(),
        path=where,
    )
    known_row = {c.name for c in contract.columns} | {RAW_PREFIX + c.name for c in columns}
    declared = _rules(raw.get("rules"), "row", known_row, where)
    table_rules = _rules(raw.get("table_rules"), "table", set(TABLE_METRICS), where)
    contract = SilverContract(**{**contract.__dict__, "declared_rules": declared, "table_rules": table_rules})
    rule_names = [r.name for r in contract.rules + contract.table_rules]
    clashes = {n for n in rule_names if rule_names.count(n) > 1}
    if clashes:
        raise ContractError(f"{where}: duplicate rule name(s) {', '.join(sorted(clashes))}")
    return contract


def parse_gold_contract(raw: Any, where: str) -> GoldContract:
    """Build and validate a gold contract from its parsed YAML."""
    if not isinstance(raw, dict):
        raise ContractError(f"{where}: not a contract (expected a mapping)")
    columns = []
    for i, col in enumerate(_require(raw, "columns", where)):
        col_where = f"{where} column #{i + 1}"
        if not isinstance(col, dict):
            raise ContractError(f"{col_where}: expected a mapping with name, type, description")
        name = str(_require(col, "name", col_where))
        columns.append(
            ColumnSpec(
                name=name,
                type=validate_type(
                    _require(col, "type", f"{where} column {name!r}"), f"{where} column {name!r}"
                ),
                description=str(_require(col, "description", f"{where} column {name!r}")),
            )
        )
    names = [c.name for c in columns]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ContractError(f"{where}: duplicate column(s) {', '.join(sorted(duplicates))}")
    partition = str(_require(raw, "partition_column", where))
    grain = tuple(str(g) for g in _require(raw, "grain", where))
    for key in (partition, *grain):
        if key not in names:
            raise ContractError(f"{where}: key/partition column {key!r} is not a declared column")
    return GoldContract(
        table=str(_require(raw, "table", where)),
        description=" ".join(str(raw.get("description", "")).split()),
        grain=grain,
        partition_column=partition,
        columns=tuple(columns),
        path=where,
    )


def _read_yaml(text: str, where: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ContractError(f"{where}: not valid YAML ({str(err).splitlines()[0]})") from None


def load_contracts() -> Contracts:
    """Every contract of the project, validated (cached per project: contracts do not change in a run)."""
    return _load_contracts(str(project.project_root()))


@cache
def _load_contracts(_root: str) -> Contracts:
    root = project.project_file("contracts")
    silver: dict[str, SilverContract] = {}
    gold: dict[str, GoldContract] = {}
    for layer, target, parser in ((SILVER, silver, parse_silver_contract), (GOLD, gold, parse_gold_contract)):
        folder = root.joinpath(layer)
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".yaml"):
                continue
            where = f"contracts/{layer}/{entry.name}"
            contract = parser(_read_yaml(entry.read_text(encoding="utf-8"), where), where)
            if contract.table != entry.name.removesuffix(".yaml"):
                raise ContractError(f"{where}: table {contract.table!r} does not match the file name")
            target[contract.table] = contract  # type: ignore[assignment]
    return Contracts(silver=silver, gold=gold)


def silver_contracts() -> dict[str, SilverContract]:
    return dict(load_contracts().silver)


def gold_contracts() -> dict[str, GoldContract]:
    return dict(load_contracts().gold)


def silver_contract(table: str) -> SilverContract:
    contracts = load_contracts().silver
    if table not in contracts:
        raise ContractError(
            f"no silver contract for table {table!r}", "choose one of " + ", ".join(contracts)
        )
    return contracts[table]


def gold_contract(table: str) -> GoldContract:
    contracts = load_contracts().gold
    if table not in contracts:
        raise ContractError(f"no gold contract for table {table!r}", "choose one of " + ", ".join(contracts))
    return contracts[table]


def spark_ddl(columns: tuple[ColumnSpec, ...]) -> str:
    """A Spark DDL schema string (``a string, b int``) for the given columns."""
    return ", ".join(f"`{c.name}` {c.type}" for c in columns)


def layer_tables(layer: str) -> list[str]:
    """The tables of a layer's contracts (``silver`` or ``gold``), in contract (file name) order."""
    if layer == SILVER:
        return list(load_contracts().silver)
    if layer == GOLD:
        return list(load_contracts().gold)
    raise ContractError(f"no contracts for layer {layer!r}", f"contracts exist for {SILVER} and {GOLD}")


def resolve_tables(layer: str, tables: list[str] | None) -> list[str]:
    """The tables of ``layer`` to work on, in contract order: all when ``tables`` is empty.

    The one resolver behind every ``--tables`` option: an unknown name is an error naming the choices.
    """
    known = layer_tables(layer)
    if not tables:
        return known
    unknown = [t for t in tables if t not in known]
    if unknown:
        raise ContractError(
            f"unknown {layer} table(s): {', '.join(unknown)}", f"choose from {', '.join(known)}"
        )
    return [t for t in known if t in tables]


def tables_for_job(job: str, tables: list[str] | None) -> list[str] | None:
    """The part of a ``--tables`` list that names this job's tables (None: all of them).

    A job's tables are the contracts of the layer it writes (lake.yaml ``jobs.<job>.writes``), so
    ``--tables orders,fact_deliveries`` with ``all`` gives ``orders`` to the job writing silver and
    ``fact_deliveries`` to the one writing gold; a name no job produces is an error.
    """
    if not tables:
        return None
    from jozi_lake.jobs import registry

    produced = {t: spec.name for spec in registry.jobs().values() for t in layer_tables(spec.writes)}
    unknown = [t for t in tables if t not in produced]
    if unknown:
        raise ContractError(
            f"unknown table(s): {', '.join(unknown)}",
            "use table names from contracts/ ('lake tables' lists the catalogued ones)",
        )
    selected = [t for t in tables if produced[t] == job]
    return selected or None
