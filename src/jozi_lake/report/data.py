"""The one way data reaches the report: a callable that runs Athena SQL and returns columns and rows.

The report never knows where it runs. Locally the callable is :func:`local_query_runner` (DuckDB over
the local lake, :func:`jozi_lake.query.run_query`); on AWS it runs the same SQL in Athena and hands the
result through :func:`answer_from_athena`, because Athena returns every cell as text and a chart needs
numbers, dates and booleans.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from jozi_lake.config import EnvConfig


class Tabular(Protocol):
    """What a query answer must offer: column names and rows of values in that order."""

    @property
    def columns(self) -> list[str]: ...

    @property
    def rows(self) -> Sequence[Sequence[Any]]: ...


@dataclass
class Answer:
    """A query answer as plain data (what :func:`answer_from_athena` returns)."""

    columns: list[str]
    rows: list[tuple[Any, ...]] = field(default_factory=list)


# Runs one Athena SQL statement; raises (LakeError or anything else) when the query fails.
QueryRunner = Callable[[str], Tabular]


def local_query_runner(env: EnvConfig) -> QueryRunner:
    """The local lake's runner: the SQL through sqlglot into DuckDB over the catalogued files."""
    from jozi_lake.query import run_query

    def run(sql: str) -> Tabular:
        return run_query(env, sql=sql)

    return run


_INTEGER_TYPES = {"tinyint", "smallint", "integer", "int", "bigint"}
_FLOAT_TYPES = {"double", "float", "real"}


def athena_value(text: str | None, athena_type: str) -> Any:
    """One Athena result cell (always text, or None for NULL) as the Python value of its type."""
    if text is None:
        return None
    kind = re.sub(r"\(.*\)$", "", athena_type.strip().lower())
    if kind in _INTEGER_TYPES:
        return int(text)
    if kind in _FLOAT_TYPES:
        return float(text)
    if kind == "decimal":
        return decimal.Decimal(text)
    if kind == "boolean":
        return text.lower() == "true"
    if kind == "date":
        return dt.date.fromisoformat(text)
    if kind.startswith("timestamp"):
        # '2026-06-01 12:00:00.000' (with ' UTC' or another zone for timestamp with time zone)
        stamp = re.sub(r" [A-Za-z_/]+$", "", text)
        return dt.datetime.fromisoformat(stamp)
    return text


def answer_from_athena(
    columns: Sequence[str], column_types: Sequence[str], rows: Sequence[Sequence[str | None]]
) -> Answer:
    """An Athena result (``GetQueryResults``: text cells and the column types) as typed rows."""
    if len(column_types) != len(columns):
        raise ValueError(f"{len(columns)} columns but {len(column_types)} column types")
    return Answer(
        columns=list(columns),
        rows=[
            tuple(athena_value(cell, kind) for cell, kind in zip(row, column_types, strict=True))
            for row in rows
        ],
    )
