"""The pipeline's ``summary`` stage: the quality summary of one run, from the reports its jobs wrote.

One meaning on both sides: locally the pipeline calls :func:`summarise_run` in-process; on AWS the
state machine invokes the lake Lambda with ``{"action": "summarise", "run_id": ...}``, which calls the
same function against the bucket. Both read the run's job reports from the lake (the jobs write them
on Glue as locally), so the summary says what the lake holds, not what a process remembers.

Standard library, storage and the job reports only: the Lambda imports this module.
"""

from __future__ import annotations

from typing import Any

from jozi_lake.jobs import registry
from jozi_lake.jobs.report import find_report
from jozi_lake.storage import ObjectStore


def summarise_run(store: ObjectStore, run_id: str) -> dict[str, Any]:
    """Per job of the run: status and table figures; over the silver tables: rows in, quarantined.

    ``balanced`` lists tables whose rows read equal written + quarantined + duplicates (the silver job
    refuses to publish a table that does not balance, so an unbalanced one means a foreign report).
    """
    jobs: dict[str, Any] = {}
    rows_read = rows_quarantined = 0
    balanced: list[str] = []
    unbalanced: list[str] = []
    for name, spec in registry.jobs().items():
        report = find_report(store, name, run_id)
        if report is None:
            jobs[name] = {"status": "not_run"}
            continue
        jobs[name] = {
            "status": report.status,
            "error": report.error or None,
            "tables": {t.table: t.status for t in report.tables},
            "rows_written": sum(t.rows_written for t in report.tables),
        }
        if spec.writes != "silver":
            continue
        for table in report.tables:
            if table.status == "no_new_data":
                continue
            rows_read += table.rows_read
            rows_quarantined += table.rows_quarantined
            (balanced if table.conserved else unbalanced).append(table.table)
    return {
        "run_id": run_id,
        "jobs": jobs,
        "rows_read": rows_read,
        "rows_quarantined": rows_quarantined,
        "quarantine_share": round(rows_quarantined / rows_read, 6) if rows_read else 0.0,
        "balanced": sorted(balanced),
        "unbalanced": sorted(unbalanced),
    }


def summary_line(summary: dict[str, Any]) -> str:
    """``9 tables balanced (0.4% quarantined)``: the stage's one-line result."""
    tables = len(summary["balanced"]) + len(summary["unbalanced"])
    share = f" ({summary['quarantine_share']:.1%} quarantined)" if summary["rows_read"] else ""
    if summary["unbalanced"]:
        names = ", ".join(summary["unbalanced"])
        return f"{len(summary['unbalanced'])} of {tables} tables do not balance: {names}"
    return f"{tables} tables balanced{share}" if tables else "no silver table read new rows"
