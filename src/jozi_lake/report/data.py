"""The one way data reaches the report: a callable that runs Athena SQL and returns columns and rows.

The report never knows where it runs: :func:`backend_query_runner` wraps a backend's ``query`` verb,
which answers with Python values on both sides (DuckDB locally; Athena's text cells typed by their
column types on AWS), because a chart needs numbers, dates and booleans.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from jozi_lake.backend import LakeBackend


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


# Runs one Athena SQL statement with the values of its ? placeholders (none: an empty sequence); raises
# (LakeError or anything else) when the query fails.
QueryRunner = Callable[[str, Sequence[str]], Tabular]


def backend_query_runner(backend: LakeBackend) -> QueryRunner:
    """The runner of a lake: its backend's query verb (DuckDB locally, Athena on AWS), typed values."""

    def run(sql: str, params: Sequence[str]) -> Tabular:
        return backend.query(sql=sql, params=list(params) or None)

    return run
