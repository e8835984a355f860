"""Data-quality metrics for CloudWatch: what the monitoring alarms watch on AWS.

After each silver run on Glue, every table's quarantine rate (rows quarantined / rows read) and
quarantined row count are published under lake.yaml's ``quality_metrics.namespace`` (read from the
lake.yaml the bundle carries; Terraform reads the same for the alarms and IAM), with the ``Environment``
and ``Table`` dimensions the alarms use. Locally nothing is published: the run report in the lake carries
the same numbers.
"""

from __future__ import annotations

from typing import Any

from jozi_lake.jobs.report import JobReport

QUARANTINE_RATE = "QuarantineRate"
QUARANTINED_ROWS = "QuarantinedRows"


def quality_metric_data(report: JobReport) -> list[dict[str, Any]]:
    """CloudWatch ``MetricData`` for a silver run: one rate and one count per table that read rows.

    A table that read nothing new publishes nothing, so an idle day does not pull the alarm's average
    towards zero and hide yesterday's bad batch.
    """
    data: list[dict[str, Any]] = []
    for table in report.tables:
        if table.rows_read <= 0:
            continue
        dimensions = [{"Name": "Environment", "Value": report.env}, {"Name": "Table", "Value": table.table}]
        data.append(
            {
                "MetricName": QUARANTINE_RATE,
                "Dimensions": dimensions,
                "Value": table.rows_quarantined / table.rows_read,
                "Unit": "None",
            }
        )
        data.append(
            {
                "MetricName": QUARANTINED_ROWS,
                "Dimensions": dimensions,
                "Value": float(table.rows_quarantined),
                "Unit": "Count",
            }
        )
    return data


def publish_quality_metrics(report: JobReport, namespace: str, client: Any | None = None) -> int:
    """Publish :func:`quality_metric_data` to ``namespace``; returns how many data points were sent."""
    data = quality_metric_data(report)
    if not data:
        return 0
    if client is None:
        from jozi_lake.retries import runtime_client

        client = runtime_client("cloudwatch")
    for start in range(0, len(data), 500):  # PutMetricData takes at most 1,000 points per call
        client.put_metric_data(Namespace=namespace, MetricData=data[start : start + 500])
    return len(data)
