"""``lake report``: the lake's answers as one self-contained HTML file of charts (Plotly, embedded).

Tooling only (the bundler refuses it in the Glue bundle and the Lambda zip). The report gets its data
through one callable that runs Athena SQL and returns columns and rows, so it never knows where it
runs: :func:`backend_query_runner` wraps the lake backend's query verb.
"""

from __future__ import annotations

from jozi_lake.report.builder import (
    CHART,
    EMPTY,
    EMPTY_MESSAGE,
    PROBLEM,
    ChartOutcome,
    LakeReport,
    build_report,
    report_queries,
)
from jozi_lake.report.data import Answer, QueryRunner, Tabular, backend_query_runner

__all__ = [
    "CHART",
    "EMPTY",
    "EMPTY_MESSAGE",
    "PROBLEM",
    "Answer",
    "ChartOutcome",
    "LakeReport",
    "QueryRunner",
    "Tabular",
    "backend_query_runner",
    "build_report",
    "report_queries",
]
