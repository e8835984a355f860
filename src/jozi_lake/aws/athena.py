"""Athena queries in the environment's workgroup: start, wait, page the results, price the scan.

Named queries are the files in ``sql/queries/<name>.sql`` (the same files Terraform deploys as Athena
named queries); when the checkout lacks one, the workgroup's named query of that name is used. The
workgroup decides the output location and the scan cutoff; the CLI only adds the default database.

Cost follows Athena's pricing rule: bytes scanned rounded up to whole megabytes, at least 10 MB per
query, at the workgroup's price per TB (Terraform output; $5 by default). Units are binary
(1 MB = 2^20 bytes, 1 TB = 2^40 bytes), which errs on the side of a slightly higher estimate.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from collections.abc import Sequence
from typing import Any

from jozi_lake.aws.clients import AwsSession, aws_errors
from jozi_lake.aws.waiting import Poller
from jozi_lake.backend import QueryResult
from jozi_lake.errors import LakeError

MB = 1024**2
TB = 1024**4
MIN_BILLED_BYTES = 10 * MB
DONE_STATES = frozenset({"SUCCEEDED", "FAILED", "CANCELLED"})
PAGE_SIZE = 1000


def billed_bytes(bytes_scanned: int, statement_type: str | None = None) -> int:
    """What Athena bills for a query: whole MBs, 10 MB minimum; DDL statements are free."""
    if statement_type == "DDL":
        return 0
    return max(MIN_BILLED_BYTES, math.ceil(max(0, bytes_scanned) / MB) * MB)


def query_cost_usd(bytes_scanned: int, price_per_tb_usd: float, statement_type: str | None = None) -> float:
    return billed_bytes(bytes_scanned, statement_type) / TB * price_per_tb_usd


def named_query_sql(aws: AwsSession, name: str) -> str:
    """The SQL of the workgroup's Athena named query of that name (for a name the project's files do
    not have: :func:`jozi_lake.query.named.find_named_query` is asked first)."""
    from jozi_lake.query.named import runnable_queries

    athena = aws.client("athena")
    with aws_errors(aws, f"looking up named query {name!r} in workgroup {aws.lake.workgroup}"):
        ids: list[str] = []
        for page in athena.get_paginator("list_named_queries").paginate(WorkGroup=aws.lake.workgroup):
            ids += page.get("NamedQueryIds", [])
        # GetNamedQuery per id: a workgroup holds a handful of them (BatchGet saves little and
        # is missing from emulators).
        for named_query_id in ids:
            query = athena.get_named_query(NamedQueryId=named_query_id)["NamedQuery"]
            if query.get("Name") == name:
                return str(query["QueryString"])
    known = [q.name for q in runnable_queries()]
    raise LakeError(
        f"no named query {name!r} in sql/queries/, sql/ops/ or in workgroup {aws.lake.workgroup}",
        f"choose one of: {', '.join(known)}" if known else "pass the SQL with --sql",
    )


def execution_parameter(value: Any) -> str:
    """A ``?`` placeholder's value as Athena's ExecutionParameters take it: SQL literal text.

    Athena substitutes the text as written, so strings are quoted (and their quotes doubled) and dates
    typed, which makes ``--param`` values mean what they mean in the local engine's bound literals.
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise LakeError(f"cannot pass a {type(value).__name__} as a query parameter")


_INTEGER_TYPES = frozenset({"tinyint", "smallint", "integer", "int", "bigint"})
_FLOAT_TYPES = frozenset({"double", "real", "float"})


def typed_value(text: str | None, athena_type: str) -> Any:
    """An Athena result cell (always text) as the Python value its column type says."""
    if text is None:
        return None
    kind = athena_type.lower().split("(")[0].strip()
    try:
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
            # '2026-06-01 12:00:00.000', with ' UTC' (or another zone) for timestamp with time zone
            return dt.datetime.fromisoformat(re.sub(r" [A-Za-z_/+-]+$", "", text))
    except ValueError:
        return text  # an unexpected spelling stays readable instead of failing the whole result
    return text


def run_query(
    aws: AwsSession,
    sql: str,
    database: str | None = None,
    on_state: Any = None,
    params: Sequence[Any] | None = None,
    name: str | None = None,
) -> QueryResult:
    """Run ``sql`` in the workgroup and return every result row (pages followed to the end)."""
    athena = aws.client("athena")
    request: dict[str, Any] = {"QueryString": sql, "WorkGroup": aws.lake.workgroup}
    if database:
        request["QueryExecutionContext"] = {"Catalog": "AwsDataCatalog", "Database": database}
    if params:
        request["ExecutionParameters"] = [execution_parameter(value) for value in params]
    with aws_errors(aws, f"starting the query in Athena workgroup {aws.lake.workgroup}"):
        execution_id = str(athena.start_query_execution(**request)["QueryExecutionId"])
    poller = Poller(
        what=f"Athena query {execution_id}",
        interval_seconds=1.0,
        timeout_seconds=1800.0,
        hint=f"aws athena get-query-execution --query-execution-id {execution_id}",
    )
    while True:
        with aws_errors(aws, f"reading Athena query {execution_id}"):
            execution = athena.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]
        status = execution.get("Status", {})
        state = str(status.get("State"))
        if on_state is not None:
            on_state(state, poller.elapsed)
        if state in DONE_STATES:
            break
        poller.wait()
    statistics = execution.get("Statistics", {})
    statement_type = execution.get("StatementType")
    scanned = int(statistics.get("DataScannedInBytes") or 0)
    result = QueryResult(
        columns=[],
        rows=[],
        sql=sql,
        name=name,
        execution_id=execution_id,
        bytes_scanned=scanned,
        elapsed_s=float(statistics.get("EngineExecutionTimeInMillis") or 0) / 1000,
        output_location=execution.get("ResultConfiguration", {}).get("OutputLocation"),
        billed_bytes=billed_bytes(scanned, statement_type),
        cost_usd=query_cost_usd(scanned, aws.lake.price_per_tb_usd, statement_type),
    )
    if state != "SUCCEEDED":
        reason = status.get("AthenaError", {}).get("ErrorMessage") or status.get("StateChangeReason") or state
        raise LakeError(
            f"Athena query {execution_id} {state.lower()}: {reason}",
            "fix the SQL (Athena/Trino dialect) and check the table names with 'lake tables'"
            if state == "FAILED"
            else "it was cancelled in Athena; run it again",
        )
    _read_results(aws, result, statement_type)
    return result


def _read_results(aws: AwsSession, result: QueryResult, statement_type: str | None) -> None:
    athena = aws.client("athena")
    token: str | None = None
    pages = 0
    text_rows: list[list[str | None]] = []
    with aws_errors(aws, f"reading the results of Athena query {result.execution_id}"):
        while True:
            kwargs: dict[str, Any] = {"QueryExecutionId": result.execution_id, "MaxResults": PAGE_SIZE}
            if token:
                kwargs["NextToken"] = token
            page = athena.get_query_results(**kwargs)
            pages += 1
            if not result.columns:
                info = page.get("ResultSet", {}).get("ResultSetMetadata", {}).get("ColumnInfo", [])
                result.columns = [str(c.get("Label") or c.get("Name")) for c in info]
                result.column_types = [str(c.get("Type", "")) for c in info]
            rows = [
                [cell.get("VarCharValue") for cell in row.get("Data", [])]
                for row in page["ResultSet"]["Rows"]
            ]
            if pages == 1 and rows and statement_type in (None, "DML") and rows[0] == result.columns:
                rows = rows[1:]  # a SELECT's first row repeats the column names
            text_rows.extend(rows)
            token = page.get("NextToken")
            if not token:
                break
    if not result.columns and text_rows:
        result.columns = [f"_col{i}" for i in range(len(text_rows[0]))]
    types = result.column_types or [""] * len(result.columns)
    result.rows = [
        tuple(typed_value(cell, types[i] if i < len(types) else "") for i, cell in enumerate(row))
        for row in text_rows
    ]


def views_in_dependency_order() -> list[tuple[str, str]]:
    """``(name, SELECT in Athena SQL)`` of every ``sql/views`` file, a view after the views it reads."""
    from jozi_lake.query.named import list_views
    from jozi_lake.query.translate import READ_DIALECT

    views = {v.name: v.query.sql(dialect=READ_DIALECT) for v in list_views()}
    ordered: list[str] = []

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in ordered:
            return
        if name in trail:
            raise LakeError(f"views read each other in a cycle: {' -> '.join((*trail, name))}")
        body = views[name].lower()
        for other in views:
            if other != name and other.lower() in body:
                visit(other, (*trail, name))
        ordered.append(name)

    for name in sorted(views):
        visit(name, ())
    return [(name, views[name]) for name in ordered]
