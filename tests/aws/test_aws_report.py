"""lake report --env dev: the same report from Athena (moto: queries are recorded, results seeded), with
layer-qualified names mapped to the deployed databases, Athena's text cells typed, and --upload putting
the file under the lake's reports/ prefix."""

from __future__ import annotations

import datetime as dt
import json

import requests
from aws_fakes import BUCKET, REGION, WORKGROUP, FakeDeployment, outputs_document

from jozi_lake.aws import outputs
from jozi_lake.aws.backend import AwsBackend
from jozi_lake.cli import report as report_cli
from jozi_lake.config import env_config
from jozi_lake.query.named import list_named_queries
from jozi_lake.report import CHART, EMPTY, backend_query_runner, build_report


def seed(columns: list[tuple[str, str]], rows: list[list[str]]) -> None:
    """moto never executes SQL: queue the next query's result through its documented seeding API."""
    payload = {
        "region": REGION,
        "results": [
            {
                "rows": [
                    {"Data": [{"VarCharValue": v} for v in row]} for row in [[c for c, _ in columns], *rows]
                ],
                "column_info": [
                    {"Name": c, "Label": c, "Type": t, "CatalogName": "hive"} for c, t in columns
                ],
            }
        ],
    }
    response = requests.post(
        "http://motoapi.amazonaws.com/moto-api/static/athena/query-results", json=payload
    )
    assert response.status_code == 201


def with_ops_database(deployed: FakeDeployment) -> None:
    """The Terraform 'databases' output with the ops database, as issue 18 asks of the AWS side."""
    values = {**deployed.values, "databases": {**deployed.values["databases"], "ops": "jozi_pizza_dev_ops"}}
    deployed.outputs_file.write_text(json.dumps(outputs_document(values)))
    outputs.clear_cache()


def test_the_athena_seam_maps_databases_and_types_the_cells(deployed: FakeDeployment) -> None:
    with_ops_database(deployed)
    query = next(q for q in list_named_queries() if q.name == "quarantine_share_orders_daily")
    columns = [
        ("run_date", "date"),
        ("rows_read", "bigint"),
        ("rows_quarantined", "bigint"),
        ("quarantine_share", "double"),
    ]
    seed(columns, [["2026-11-30", "22000", "88", "0.004"], ["2026-12-01", "21000", "63", "0.003"]])
    answer = backend_query_runner(AwsBackend(env_config("dev")))(query.sql, query.params)
    assert answer.rows == [
        (dt.date(2026, 11, 30), 22000, 88, 0.004),
        (dt.date(2026, 12, 1), 21000, 63, 0.003),
    ]
    athena = deployed.client("athena")
    (execution_id,) = athena.list_query_executions(WorkGroup=WORKGROUP)["QueryExecutionIds"]
    execution = athena.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]
    assert "jozi_pizza_dev_ops.job_table_runs" in execution["Query"]
    assert execution["QueryExecutionContext"]["Database"] == "jozi_pizza_dev_gold"
    report = build_report(backend_query_runner(AwsBackend(env_config("dev"))), title="t", queries=[query])
    assert [o.status for o in report.outcomes] == [EMPTY]  # the seeded result was used up: no rows


def test_report_with_upload_puts_the_file_under_reports(deployed: FakeDeployment, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with_ops_database(deployed)
    seed(
        [("lateness_bucket", "varchar"), ("complaint_rate", "double")],
        [["on_time", "0.03"], ["late_20_plus", "0.46"]],
    )
    out = tmp_path / "dev-report.html"
    glue = deployed.client("glue")  # a catalogued table: the report refuses a lake with none
    glue.create_table(DatabaseName="jozi_pizza_dev_gold", TableInput={"Name": "complaints_vs_lateness"})
    report, path = report_cli.make_report(AwsBackend(env_config("dev")), out, upload=True)
    assert path == out.resolve() and out.read_text(encoding="utf-8") == report.html
    statuses = {o.query.name: o.status for o in report.outcomes}
    assert statuses.pop("complaints_vs_lateness") == CHART  # the first query got the seeded rows
    assert set(statuses.values()) == {EMPTY}  # moto answers every other query with no rows
    s3 = deployed.client("s3")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="reports/")["Contents"])
    stamp = report.generated_at.strftime("%Y%m%dT%H%M%SZ")
    assert keys == [f"reports/lake-report-{stamp}.html", "reports/lake-report-latest.html"]
    latest = s3.get_object(Bucket=BUCKET, Key="reports/lake-report-latest.html")
    assert latest["ContentType"] == "text/html; charset=utf-8"
    assert latest["Body"].read().decode("utf-8") == report.html
