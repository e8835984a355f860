"""Athena queries: named or ad hoc, in the workgroup, results paged, scan priced, failures explained."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from aws_fakes import REGION, WORKGROUP, FakeDeployment, cli
from botocore.stub import ANY, Stubber

from jozi_lake.aws import athena
from jozi_lake.aws.clients import open_session
from jozi_lake.config import env_config, repo_root
from jozi_lake.errors import LakeError
from jozi_lake.query.translate import athena_sql_for_env

COLUMNS = [{"Name": "lateness_bucket", "Type": "varchar"}, {"Name": "orders", "Type": "bigint"}]


def seed_athena_results(rows: list[list[str]]) -> None:
    """moto never executes SQL: queue the next query's result through its documented seeding API."""
    payload = {
        "region": REGION,
        "results": [
            {
                "rows": [{"Data": [{"VarCharValue": value} for value in row]} for row in rows],
                "column_info": [{**c, "Label": c["Name"], "CatalogName": "hive"} for c in COLUMNS],
            }
        ],
    }
    response = requests.post(
        "http://motoapi.amazonaws.com/moto-api/static/athena/query-results", json=payload
    )
    assert response.status_code == 201


def test_named_query_runs_in_the_workgroup_and_prints_rows_and_cost(deployed: FakeDeployment) -> None:
    seed_athena_results([["lateness_bucket", "orders"], ["on_time", "812"], ["late_20_plus", "97"]])
    cli.query("complaints_vs_lateness", env="dev")

    athena_client = deployed.client("athena")
    (execution_id,) = athena_client.list_query_executions(WorkGroup=WORKGROUP)["QueryExecutionIds"]
    execution = athena_client.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]
    expected_sql = (repo_root() / "sql" / "queries" / "complaints_vs_lateness.sql").read_text()
    assert execution["Query"] == athena_sql_for_env(expected_sql, deployed.values["databases"])
    assert "complaints_vs_lateness" in execution["Query"]
    assert execution["QueryExecutionContext"]["Database"] == "jozi_pizza_dev_gold"
    assert execution["WorkGroup"] == WORKGROUP

    printed = deployed.printed
    assert "late_20_plus" in printed and "812" in printed
    assert printed.count("lateness_bucket") == 1  # the header row is not printed as data
    # moto scans 0 bytes; Athena bills the 10 MB minimum: 10 MiB / 1 TiB x $5.
    assert "2 row(s) in" in printed and "scanned 0 B · billed 10 MB = $0.000048" in printed


def test_named_query_missing_locally_comes_from_athena(deployed: FakeDeployment) -> None:
    deployed.client("athena").create_named_query(
        Name="orders_today",
        Database="jozi_pizza_dev_gold",
        QueryString="SELECT 42 AS answer",
        WorkGroup=WORKGROUP,
    )
    assert athena.named_query_sql(open_session(env_config("dev")), "orders_today") == "SELECT 42 AS answer"
    with pytest.raises(LakeError, match="no named query 'nope'") as caught:
        cli.query("nope", env="dev")
    assert "late_share_by_hour_weekday" in (caught.value.hint or "")


def test_layer_qualified_names_become_the_environments_databases(deployed: FakeDeployment) -> None:
    seed_athena_results([["lateness_bucket", "orders"], ["on_time", "5"]])
    cli.query(sql="SELECT channel, count(*) AS n FROM silver.orders GROUP BY channel", env="dev")
    athena_client = deployed.client("athena")
    (execution_id,) = athena_client.list_query_executions(WorkGroup=WORKGROUP)["QueryExecutionIds"]
    query = athena_client.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]["Query"]
    assert "jozi_pizza_dev_silver.orders" in query
    with pytest.raises(LakeError, match="could not parse the query"):
        cli.query(sql="SELEC nothing FROM", env="dev")


def test_sql_or_name_but_not_both(deployed: FakeDeployment) -> None:
    with pytest.raises(LakeError, match="exactly one of"):
        cli.query("zone_lateness", sql="select 1", env="dev")
    with pytest.raises(LakeError, match="exactly one of"):
        cli.query(env="dev")


def _results_page(rows: list[list[str]], token: str | None) -> dict:
    page: dict = {
        "ResultSet": {
            "Rows": [{"Data": [{"VarCharValue": v} for v in row]} for row in rows],
            "ResultSetMetadata": {"ColumnInfo": [{**c, "Label": c["Name"]} for c in COLUMNS]},
        }
    }
    if token:
        page["NextToken"] = token
    return page


def test_results_are_paged_to_the_end_and_the_scan_is_priced(deployed: FakeDeployment) -> None:
    aws = open_session(env_config("dev"))
    client = aws.client("athena")
    scanned = 3 * 1024**3 + 1  # 3 GiB and a byte: billed as 3073 MB
    with Stubber(client) as stub:
        stub.add_response(
            "start_query_execution", {"QueryExecutionId": "q-1"}, {"QueryString": ANY, "WorkGroup": ANY}
        )
        for state in ("QUEUED", "RUNNING"):
            stub.add_response(
                "get_query_execution",
                {"QueryExecution": {"QueryExecutionId": "q-1", "Status": {"State": state}}},
                {"QueryExecutionId": "q-1"},
            )
        stub.add_response(
            "get_query_execution",
            {
                "QueryExecution": {
                    "QueryExecutionId": "q-1",
                    "StatementType": "DML",
                    "Status": {"State": "SUCCEEDED"},
                    "Statistics": {"DataScannedInBytes": scanned, "EngineExecutionTimeInMillis": 2300},
                }
            },
            {"QueryExecutionId": "q-1"},
        )
        stub.add_response(
            "get_query_results",
            _results_page([["lateness_bucket", "orders"], ["on_time", "1"], ["late_0_10", "2"]], "t1"),
            {"QueryExecutionId": "q-1", "MaxResults": 1000},
        )
        stub.add_response(
            "get_query_results",
            _results_page([["late_10_20", "3"]], "t2"),
            {"QueryExecutionId": "q-1", "MaxResults": 1000, "NextToken": "t1"},
        )
        stub.add_response(
            "get_query_results",
            _results_page([["late_20_plus", "4"]], None),
            {"QueryExecutionId": "q-1", "MaxResults": 1000, "NextToken": "t2"},
        )
        result = athena.run_query(aws, "SELECT ...")
        stub.assert_no_pending_responses()
    assert result.columns == ["lateness_bucket", "orders"]  # three pages read (no response left over)
    assert result.rows == [("on_time", 1), ("late_0_10", 2), ("late_10_20", 3), ("late_20_plus", 4)]
    assert athena.billed_bytes(result.bytes_scanned) == 3073 * 1024**2
    assert athena.query_cost_usd(result.bytes_scanned, 5.0) == pytest.approx(3073 / 1024**2 * 5.0)


def test_failed_query_reports_athenas_reason(deployed: FakeDeployment) -> None:
    aws = open_session(env_config("dev"))
    client = aws.client("athena")
    failure = {
        "State": "FAILED",
        "StateChangeReason": "line 1:8: Column 'nope' cannot be resolved",
        "AthenaError": {
            "ErrorCategory": 2,
            "ErrorMessage": "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved",
        },
    }
    with Stubber(client) as stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": "q-2"}, None)
        stub.add_response(
            "get_query_execution", {"QueryExecution": {"QueryExecutionId": "q-2", "Status": failure}}, None
        )
        with pytest.raises(LakeError) as caught:
            athena.run_query(aws, "SELECT nope FROM fact_deliveries", database="jozi_pizza_dev_gold")
    assert caught.value.message == (
        "Athena query q-2 failed: COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved"
    )
    assert "Athena/Trino dialect" in (caught.value.hint or "")


def test_billing_rules() -> None:
    assert athena.billed_bytes(0) == 10 * 1024**2
    assert athena.billed_bytes(11 * 1024**2 + 5) == 12 * 1024**2
    assert athena.billed_bytes(123, statement_type="DDL") == 0
    assert athena.query_cost_usd(1024**4, 5.0) == pytest.approx(5.0)


def test_create_views_runs_every_view_ddl_in_the_gold_database(deployed: FakeDeployment) -> None:
    views = athena.views_in_dependency_order()
    assert {name for name, _ in views} == {p.stem for p in (repo_root() / "sql" / "views").glob("*.sql")}
    cli.create_views(env="dev")
    client = deployed.client("athena")
    ids = client.list_query_executions(WorkGroup=WORKGROUP)["QueryExecutionIds"]
    executions = [client.get_query_execution(QueryExecutionId=i)["QueryExecution"] for i in ids]
    assert len(executions) == len(views)
    for execution in executions:
        assert "CREATE OR REPLACE VIEW" in execution["Query"].upper()
        assert execution["QueryExecutionContext"]["Database"] == "jozi_pizza_dev_gold"
    assert deployed.printed.count("✓ view jozi_pizza_dev_gold.") == len(views)


def test_views_are_created_after_the_views_they_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    views = tmp_path / "views"
    views.mkdir()
    (views / "a_late.sql").write_text("CREATE OR REPLACE VIEW a_late AS SELECT * FROM z_base WHERE is_late")
    (views / "z_base.sql").write_text("CREATE OR REPLACE VIEW z_base AS SELECT * FROM fact_deliveries")
    monkeypatch.setattr("jozi_lake.query.named.sql_dir", lambda: tmp_path)
    assert [name for name, _ in athena.views_in_dependency_order()] == ["z_base", "a_late"]


def test_athena_text_cells_become_typed_values() -> None:
    types = ["date", "bigint", "double", "decimal(10,2)", "boolean", "timestamp(3)", "varchar", "integer"]
    cells = ["2026-06-01", "42", "0.25", "129.90", "true", "2026-06-01 18:00:00.000", "north", None]
    assert [athena.typed_value(c, t) for c, t in zip(cells, types, strict=True)] == [
        dt.date(2026, 6, 1),
        42,
        0.25,
        Decimal("129.90"),
        True,
        dt.datetime(2026, 6, 1, 18),
        "north",
        None,
    ]
    zoned = athena.typed_value("2026-06-01 18:00:00.000 UTC", "timestamp(3) with time zone")
    assert zoned == dt.datetime(2026, 6, 1, 18)
