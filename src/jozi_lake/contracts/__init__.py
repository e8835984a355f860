"""Table contracts as data: the one description of every silver and gold table.

The project's YAML files (``contracts/silver/<table>.yaml``, ``contracts/gold/<table>.yaml``, see
:mod:`jozi_lake.project`) say which columns a table has, their Spark SQL types, how each silver column
is parsed from the raw source field (and under which older or newer source names), the key, the
table's kind and the quality rules. The silver job, the gold job, the quality report, the catalog's
column types and ``docs/contracts.md`` are all derived from them, so a column is named in exactly one
place.

Silver tables come in kinds, because sources do:

* ``event`` (the default): rows happen at a time (``event_time``); partitioned by its local date
  (``event_date``); the latest version per key wins (``dedup_order``, default ``updated_at``).
  ``primary_key: none`` declares an event table without a natural key: exact duplicate rows collapse
  and every other row is kept.
* ``reference``: a list of things with no event time (a menu, a code-to-name list): unpartitioned; the
  latest version per key wins, by ``dedup_order`` when declared, else the later bronze batch.
  ``history: scd2`` keeps every version with ``valid_from``/``valid_to``/``is_current`` so gold can
  join the version valid at an event's time. ``full_snapshot: true`` says each bronze batch is the
  whole table: keys missing from the newest batch are marked deleted, unless more than
  ``max_deleted_share`` of them would go (a truncated export is not a mass deletion).

Gold contracts describe a model's output (``sql/gold/<table>.sql``): columns and types (the SQL must
produce exactly these), the partition column or ``none``, quality rules, and ``incremental``: how
changes of each input map to the model's partitions (see :class:`InputMapping`).

Loading validates a contract completely (unknown types, rules that do not parse or name unknown
columns, key columns that do not exist, options of another kind) and raises :class:`ContractError`
with the file and the fix, because a broken contract found by a Glue job at 02:30 costs far more than
one found at import. Cross-checks that need the SQL (a model's inputs against its ``incremental``
section) are in :mod:`jozi_lake.lineage`.

The contracts are project files, not package code: the Glue bundle carries a copy of them beside its
``lake.yaml``, so a job on Glue reads the same contracts as a local run.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp

from jozi_lake import project
from jozi_lake.errors import LakeError
from jozi_lake.yaml_text import load_yaml

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

# Silver table kinds and the history modes of reference tables.
EVENT = "event"
REFERENCE = "reference"
KINDS = (EVENT, REFERENCE)
LATEST = "latest"
SCD2 = "scd2"
HISTORIES = (LATEST, SCD2)
NO_KEY = "none"  # primary_key: none, for event tables without a natural key
DEFAULT_MAX_DELETED_SHARE = 0.2

# Silver columns tables get, derived rather than read from the source.
PARTITION_COLUMN = "event_date"
BATCH_COLUMN = "bronze_batch_id"
OFFSET_SUFFIX = "_utc_offset_minutes"
VALID_FROM = "valid_from"
VALID_TO = "valid_to"
IS_CURRENT = "is_current"
IS_DELETED = "is_deleted"
DERIVED_NAMES = frozenset({PARTITION_COLUMN, BATCH_COLUMN, VALID_FROM, VALID_TO, IS_CURRENT, IS_DELETED})
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

# How a gold model's input changes map to its partitions (contracts/gold/<table>.yaml ``incremental``).
BY_DATE = "date"
BY_KEY = "key"
BY_VALIDITY = "validity"
FULL_REFRESH = "full_refresh"
MAPPINGS = (BY_DATE, BY_KEY, BY_VALIDITY, FULL_REFRESH)


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
    primary_key: tuple[str, ...]  # empty: no natural key (kind event only)
    event_time: str | None  # None for reference tables
    dedup_order: str | None  # None: keyless, or a reference table ordered by bronze batch
    source_columns: tuple[ColumnSpec, ...]
    declared_rules: tuple[RuleSpec, ...]
    table_rules: tuple[RuleSpec, ...]
    kind: str = EVENT
    history: str = LATEST
    full_snapshot: bool = False
    max_deleted_share: float = DEFAULT_MAX_DELETED_SHARE
    path: str = ""

    @property
    def partition_column(self) -> str | None:
        """``event_date`` for event tables; None for reference tables, which are not partitioned."""
        return PARTITION_COLUMN if self.kind == EVENT else None

    @property
    def keyed(self) -> bool:
        return bool(self.primary_key)

    @property
    def scd2(self) -> bool:
        return self.kind == REFERENCE and self.history == SCD2

    @property
    def columns(self) -> tuple[ColumnSpec, ...]:
        """Every stored column in file order: source columns (each timestamp followed by its offset),
        the bronze batch id, then the kind's own columns (event: the partition column; reference:
        the version and deletion columns)."""
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
                description="The bronze batch (ingest date and run) the row came from"
                + (
                    "; for a deletion, the batch whose full snapshot lacked the key."
                    if self.full_snapshot
                    else "."
                ),
                derived=True,
            )
        )
        if self.scd2:
            version = self.dedup_order or "the bronze batch's ingest time"
            out += [
                ColumnSpec(
                    VALID_FROM,
                    "timestamp",
                    f"Start of this version's validity ({version}); null for a key's first version, "
                    "which counts as valid since before the lake first saw the key.",
                    derived=True,
                ),
                ColumnSpec(
                    VALID_TO,
                    "timestamp",
                    "Start of the next version (exclusive end of this one); null while it is current.",
                    derived=True,
                ),
                ColumnSpec(IS_CURRENT, "boolean", "The key's current version (not deleted).", derived=True),
            ]
        if self.full_snapshot:
            out.append(
                ColumnSpec(
                    IS_DELETED,
                    "boolean",
                    "The key was missing from a full snapshot"
                    + (
                        " (a deletion row: no source values; valid from the deleting batch's time)."
                        if self.scd2
                        else " (the row keeps its last values)."
                    ),
                    derived=True,
                )
            )
        if self.kind == EVENT:
            out.append(
                ColumnSpec(
                    name=PARTITION_COLUMN,
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
    def identity_columns(self) -> tuple[str, ...]:
        """What makes two rows the same: the key, or for a keyless table every stored value except the
        batch (a re-sent row comes in another batch) and the partition (derived from the event time)."""
        if self.keyed:
            return self.primary_key
        return tuple(c.name for c in self.columns if c.name not in (BATCH_COLUMN, self.partition_column))

    @property
    def tracked_columns(self) -> tuple[str, ...]:
        """Values whose change makes a new SCD2 version: every source value (and offset) except the
        version time itself, so a re-export with a new ``updated_at`` but the same content is no change."""
        skip = {self.dedup_order, f"{self.dedup_order}{OFFSET_SUFFIX}"} if self.dedup_order else set()
        return tuple(
            c.name
            for c in self.columns
            if c.name not in skip and c.name not in self.primary_key and c.name not in DERIVED_NAMES
        )

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
class InputMapping:
    """How changes of one input of a gold model map to the model's partitions, and which input rows a
    recompute of some partitions must read.

    * ``date``: the input's partition ``column`` holds a date; a change on input date D can change
      this model's partitions D - ``lookback_days`` .. D + ``lookahead_days`` (both default 0). To
      recompute partition P the job reads the input's partitions P - lookahead .. P + lookback.
    * ``key``: the changed rows' ``column`` values are looked up in the silver table ``lookup``, whose
      partitions of those keys are the model's partitions to recompute (an order's complaint changes
      the partition of the order, whenever the complaint came). ``lookback_days``/``lookahead_days``
      here only bound what a recompute reads (omitted: unbounded): ``lookahead_days: 0`` says input
      rows are never dated before the partition they affect.
    * ``validity``: a reference input; the model's partitions from the local date of the earliest
      changed version on (every partition when the change has no start, e.g. a latest-only table).
    * ``full_refresh``: any change of the input recomputes every partition.
    """

    input: str
    by: str
    column: str | None = None
    lookup: str | None = None
    lookback_days: int | None = None
    lookahead_days: int | None = None


@dataclass(frozen=True)
class Incremental:
    """A gold model's ``incremental`` section: per-input mappings, or a full refresh on any change."""

    full_refresh: bool = False
    inputs: tuple[InputMapping, ...] = ()

    def mapping(self, table: str) -> InputMapping:
        """The mapping of ``table`` (a full refresh for every input of a full-refresh model)."""
        if self.full_refresh:
            return InputMapping(table, FULL_REFRESH)
        for mapping in self.inputs:
            if mapping.input == table:
                return mapping
        raise KeyError(table)

    @property
    def declared(self) -> tuple[str, ...]:
        return tuple(m.input for m in self.inputs)


@dataclass(frozen=True)
class GoldContract:
    table: str
    description: str
    grain: tuple[str, ...]
    partition_column: str | None
    columns: tuple[ColumnSpec, ...]
    rules: tuple[RuleSpec, ...] = ()
    incremental: Incremental = field(default_factory=Incremental)
    path: str = ""

    @property
    def data_columns(self) -> tuple[ColumnSpec, ...]:
        return tuple(c for c in self.columns if c.name != self.partition_column)

    def column(self, name: str) -> ColumnSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


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


def _require(raw: dict[str, Any], key: str, where: str, hint: str | None = None) -> Any:
    if key not in raw or raw[key] in (None, "", []):
        raise ContractError(f"{where}: missing required key {key!r}", hint)
    return raw[key]


# Words a misspelling of which parses as a column name in a rule ("IS NULLL", "= ture").
_SQL_WORDS = ("NULL", "TRUE", "FALSE", "AND", "OR", "NOT", "BETWEEN", "IN", "IS", "LIKE")


def _unknown_column_hint(unknown: list[str], known: set[str], scope: str) -> str:
    """Name what each unknown word was likely meant to be: a SQL word or a column of the table."""
    guesses = []
    for word in unknown:
        keyword = difflib.get_close_matches(word.upper(), _SQL_WORDS, n=1, cutoff=0.75)
        column = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.6)
        if keyword and not column:
            guesses.append(f"{word} -> {keyword[0]}")
        elif column:
            guesses.append(f"{word} -> {column[0]}")
    meant = f"did you mean {', '.join(guesses)}? " if guesses else ""
    if scope == "table":
        return meant + "table rules can use " + ", ".join(TABLE_METRICS)
    return meant + "otherwise declare the column(s) in the contract"


def _rules(raw_rules: Any, scope: str, known: set[str], where: str) -> tuple[RuleSpec, ...]:
    rules: list[RuleSpec] = []
    for i, raw in enumerate(raw_rules or []):
        rule_where = f"{where} rule #{i + 1}"
        if not isinstance(raw, dict):
            raise ContractError(f"{rule_where}: expected a mapping with name, severity, expr")
        name = str(_require(raw, "name", rule_where))
        _only(raw, RULE_KEYS, f"{where} rule {name!r}")
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
                _unknown_column_hint(sorted(unknown), known, scope),
            )
        rules.append(RuleSpec(name=name, expr=expr_text, severity=severity, scope=scope))
    return tuple(rules)


SILVER_KEYS = (
    "table", "description", "kind", "primary_key", "event_time", "dedup_order", "history",
    "full_snapshot", "max_deleted_share", "columns", "rules", "table_rules",
)  # fmt: skip
SILVER_COLUMN_KEYS = (
    "name",
    "type",
    "parse",
    "description",
    "source",
    "source_aliases",
    "required",
    "on_parse_error",
)
GOLD_KEYS = ("table", "description", "grain", "partition_column", "incremental", "columns", "rules")
GOLD_COLUMN_KEYS = ("name", "type", "description")
RULE_KEYS = ("name", "severity", "expr")


def _only(raw: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    """Refuse keys the contract format does not have: a misspelt option (requird, primary_keys) would
    otherwise be ignored, and its check silently not applied."""
    unknown = [str(k) for k in raw if k not in allowed]
    if unknown:
        if any(" " in str(k) and v is None for k, v in raw.items() if k not in allowed):
            # {..., description: Of those, the late ones.}: in a flow mapping the comma ends the value.
            raise ContractError(
                f"{where}: unknown key(s) {', '.join(unknown)}: a value with a comma was cut there",
                "quote the value, e.g. description: 'Of those, the late ones.'",
            )
        close = {k: difflib.get_close_matches(k, allowed, n=1) for k in unknown}
        meant = [f"{k} -> {m[0]}" for k, m in close.items() if m]
        raise ContractError(
            f"{where}: unknown key(s) {', '.join(unknown)}",
            (f"did you mean {', '.join(meant)}? " if meant else "") + f"allowed here: {', '.join(allowed)}",
        )


def _no_duplicate_rule_names(rules: tuple[RuleSpec, ...], where: str) -> None:
    names = [r.name for r in rules]
    clashes = {n for n in names if names.count(n) > 1}
    if clashes:
        raise ContractError(f"{where}: duplicate rule name(s) {', '.join(sorted(clashes))}")


def _choice(raw: dict[str, Any], key: str, allowed: tuple[str, ...], default: str, where: str) -> str:
    value = str(raw.get(key, default))
    if value not in allowed:
        raise ContractError(f"{where}: unknown {key} {value!r}", f"use one of {', '.join(allowed)}")
    return value


def _silver_kind_options(
    raw: dict[str, Any], names: list[str], columns: list[ColumnSpec], where: str
) -> dict:
    """Validate the options that depend on the table's kind; returns the SilverContract fields."""
    kind = _choice(raw, "kind", KINDS, EVENT, where)
    key_hint = (
        "list the key columns, e.g. primary_key: [order_id], or write primary_key: none for an event "
        "table without a natural key (exact duplicate rows collapse, every other row is kept)"
    )
    raw_key = _require(raw, "primary_key", where, key_hint)
    if raw_key == NO_KEY:
        primary_key: tuple[str, ...] = ()
    elif isinstance(raw_key, list):
        primary_key = tuple(str(k) for k in raw_key)
    else:
        raise ContractError(
            f"{where}: primary_key must be a list of columns or none, not {raw_key!r}", key_hint
        )
    for key in primary_key:
        if key not in names:
            raise ContractError(f"{where}: primary key column {key!r} is not a declared column")

    def timestamp_column(role: str, col_name: str) -> str:
        spec = next((c for c in columns if c.name == col_name), None)
        if spec is None:
            raise ContractError(f"{where}: {role} column {col_name!r} is not a declared column")
        if spec.type != "timestamp":
            raise ContractError(f"{where}: {role} column {col_name!r} must be a timestamp, not {spec.type}")
        return col_name

    for option in ("history", "full_snapshot", "max_deleted_share"):
        if kind == EVENT and option in raw:
            raise ContractError(
                f"{where}: {option} is an option of reference tables, not of event tables",
                "remove it, or declare kind: reference (a table without an event time)",
            )
    if kind == EVENT:
        event_time = timestamp_column(
            "event_time",
            str(
                _require(
                    raw,
                    "event_time",
                    where,
                    "event tables are partitioned by the local date of their event time; a table "
                    "without one (a code list, a menu) is kind: reference",
                )
            ),
        )
        if not primary_key:
            if raw.get("dedup_order") is not None:
                raise ContractError(
                    f"{where}: dedup_order needs a key; with primary_key: none only exact duplicate rows "
                    "collapse",
                    "remove dedup_order, or declare the primary key",
                )
            dedup_order = None
        else:
            dedup_order = timestamp_column("dedup_order", str(raw.get("dedup_order", "updated_at")))
        return {
            "kind": kind,
            "primary_key": primary_key,
            "event_time": event_time,
            "dedup_order": dedup_order,
        }

    if "event_time" in raw:
        raise ContractError(
            f"{where}: reference tables have no event time (they are not partitioned)",
            "remove event_time, or declare kind: event",
        )
    if not primary_key:
        raise ContractError(
            f"{where}: a reference table needs a primary key (the latest version per key wins)",
            "list the key columns; primary_key: none is for event tables",
        )
    dedup_order = raw.get("dedup_order")
    if dedup_order is not None:
        dedup_order = timestamp_column("dedup_order", str(dedup_order))
    history = _choice(raw, "history", HISTORIES, LATEST, where)
    full_snapshot = raw.get("full_snapshot", False)
    if not isinstance(full_snapshot, bool):
        raise ContractError(f"{where}: full_snapshot must be true or false, not {full_snapshot!r}")
    share = raw.get("max_deleted_share", DEFAULT_MAX_DELETED_SHARE)
    if "max_deleted_share" in raw and not full_snapshot:
        raise ContractError(
            f"{where}: max_deleted_share applies only to full_snapshot tables (only they delete keys)",
            "remove it, or declare full_snapshot: true",
        )
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
        raise ContractError(
            f"{where}: max_deleted_share must be a share between 0 and 1, not {share!r}",
            "e.g. max_deleted_share: 0.2 stops a snapshot that would delete more than 20% of the keys",
        )
    return {
        "kind": kind,
        "primary_key": primary_key,
        "event_time": None,
        "dedup_order": dedup_order,
        "history": history,
        "full_snapshot": full_snapshot,
        "max_deleted_share": float(share),
    }


def parse_silver_contract(raw: Any, where: str) -> SilverContract:
    """Build and validate a silver contract from its parsed YAML."""
    if not isinstance(raw, dict):
        raise ContractError(f"{where}: not a contract (expected a mapping)")
    _only(raw, SILVER_KEYS, where)
    table = str(_require(raw, "table", where))
    columns: list[ColumnSpec] = []
    for i, col in enumerate(_require(raw, "columns", where)):
        col_where = f"{where} column #{i + 1}"
        if not isinstance(col, dict):
            raise ContractError(f"{col_where}: expected a mapping with name, type, parse")
        name = str(_require(col, "name", col_where))
        col_where = f"{where} column {name!r}"
        _only(col, SILVER_COLUMN_KEYS, col_where)
        if name in DERIVED_NAMES or name.endswith(OFFSET_SUFFIX):
            raise ContractError(
                f"{where} column {name!r}: the name is reserved for a column silver derives",
                f"rename it (reserved: {', '.join(sorted(DERIVED_NAMES))}, *{OFFSET_SUFFIX})",
            )
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
    contract = SilverContract(
        table=table,
        description=str(raw.get("description", "")),
        source_columns=tuple(columns),
        declared_rules=(),
        table_rules=(),
        path=where,
        **_silver_kind_options(raw, names, columns, where),
    )
    known_row = {c.name for c in contract.columns} | {RAW_PREFIX + c.name for c in columns}
    declared = _rules(raw.get("rules"), "row", known_row, where)
    table_rules = _rules(raw.get("table_rules"), "table", set(TABLE_METRICS), where)
    contract = replace(contract, declared_rules=declared, table_rules=table_rules)
    _no_duplicate_rule_names(contract.rules + contract.table_rules, where)
    return contract


def _days(raw: dict[str, Any], key: str, where: str) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ContractError(f"{where}: {key} must be a whole number of days >= 0, not {value!r}")
    return value


def _input_mapping(name: str, raw: Any, where: str) -> InputMapping:
    where = f"{where} incremental input {name!r}"
    example = (
        "e.g. {by: date, column: event_date, lookback_days: 1}, "
        "{by: key, column: <key column>, lookup: <input table>}, validity or full_refresh"
    )
    if isinstance(raw, str):
        raw = {"by": raw}
    if not isinstance(raw, dict):
        raise ContractError(f"{where}: expected a mapping or a word", example)
    by = str(_require(raw, "by", where, example))
    if by not in MAPPINGS:
        raise ContractError(f"{where}: unknown mapping by {by!r}", f"use one of {', '.join(MAPPINGS)}")
    allowed = {
        BY_DATE: {"by", "column", "lookback_days", "lookahead_days"},
        BY_KEY: {"by", "column", "lookup", "lookback_days", "lookahead_days"},
        BY_VALIDITY: {"by", "lookback_days"},
        FULL_REFRESH: {"by"},
    }[by]
    extra = sorted(set(raw) - allowed)
    if extra:
        raise ContractError(
            f"{where}: {', '.join(extra)} do(es) not apply to by: {by}",
            f"by: {by} takes {', '.join(sorted(allowed))}",
        )
    lookback, lookahead = _days(raw, "lookback_days", where), _days(raw, "lookahead_days", where)
    column = str(_require(raw, "column", where, example)) if by in (BY_DATE, BY_KEY) else None
    lookup = str(_require(raw, "lookup", where, example)) if by == BY_KEY else None
    if by in (BY_DATE, BY_VALIDITY):
        lookback, lookahead = lookback or 0, lookahead or 0
    return InputMapping(name, by, column, lookup, lookback, lookahead)


def _incremental(raw: Any, partition: str | None, where: str) -> Incremental:
    if raw is None or raw == FULL_REFRESH:
        return Incremental(full_refresh=True)
    if partition is None:
        raise ContractError(
            f"{where}: an unpartitioned table is rebuilt whole whenever an input changes",
            "remove incremental (or write incremental: full_refresh)",
        )
    if not isinstance(raw, dict) or not raw:
        raise ContractError(
            f"{where}: incremental must map each input table to how its changes reach this table's "
            "partitions, or be full_refresh",
            "e.g. incremental: {<input>: {by: date, column: <date column>}, <other input>: full_refresh}",
        )
    return Incremental(inputs=tuple(_input_mapping(str(k), v, where) for k, v in raw.items()))


def parse_gold_contract(raw: Any, where: str) -> GoldContract:
    """Build and validate a gold contract from its parsed YAML."""
    if not isinstance(raw, dict):
        raise ContractError(f"{where}: not a contract (expected a mapping)")
    _only(raw, GOLD_KEYS, where)
    columns = []
    for i, col in enumerate(_require(raw, "columns", where)):
        col_where = f"{where} column #{i + 1}"
        if not isinstance(col, dict):
            raise ContractError(f"{col_where}: expected a mapping with name, type, description")
        name = str(_require(col, "name", col_where))
        _only(col, GOLD_COLUMN_KEYS, f"{where} column {name!r}")
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
    raw_partition = str(
        _require(raw, "partition_column", where, "name the partition column, or write partition_column: none")
    )
    partition = None if raw_partition == NO_KEY else raw_partition
    grain = tuple(str(g) for g in _require(raw, "grain", where))
    for key in (*([partition] if partition else []), *grain):
        if key not in names:
            raise ContractError(f"{where}: key/partition column {key!r} is not a declared column")
    rules = _rules(raw.get("rules"), "row", set(names), where)
    _no_duplicate_rule_names(rules, where)
    incremental = _incremental(raw.get("incremental"), partition, where)
    if partition is not None and not incremental.full_refresh:
        part_type = next(c.type for c in columns if c.name == partition)
        if part_type != "date":
            raise ContractError(
                f"{where}: incremental mappings shift dates, but partition column {partition!r} is "
                f"{part_type}",
                "partition by a date column, or write incremental: full_refresh",
            )
    return GoldContract(
        table=str(_require(raw, "table", where)),
        description=" ".join(str(raw.get("description", "")).split()),
        grain=grain,
        partition_column=partition,
        columns=tuple(columns),
        rules=rules,
        incremental=incremental,
        path=where,
    )


def _read_yaml(text: str, where: str) -> Any:
    return load_yaml(text, where, ContractError)


def load_contracts() -> Contracts:
    """Every contract of the project, validated (parsed again only when a contract file changed)."""
    return _load_contracts(str(project.project_root()), project.files_version("contracts"))


@lru_cache(maxsize=8)
def _load_contracts(_root: str, _version: project.FileVersion) -> Contracts:
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
    both = sorted(set(silver) & set(gold))
    if both:
        raise ContractError(
            f"table name(s) {', '.join(both)} are both silver and gold contracts",
            "gold models name their inputs without a layer, so every table name must be unique",
        )
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
