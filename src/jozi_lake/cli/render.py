"""Terminal output of every ``lake`` command: the one place results become Rich tables and lines.

Backends return data (:mod:`jozi_lake.backend`); commands hand it to a function here, so local and AWS
results look alike and nothing outside the CLI imports Rich.
"""

from __future__ import annotations

from rich.table import Table

from jozi_lake.jobs.report import JobReport


def report_table(jobs: list[JobReport], title: str = "job runs") -> Table:
    """A Rich table with one row per job and table: rows in/out/quarantined/duplicates, rule failures."""
    table = Table(title=title)
    for name, justify in (
        ("job", "left"),
        ("table", "left"),
        ("status", "left"),
        ("read", "right"),
        ("written", "right"),
        ("quarantined", "right"),
        ("duplicates", "right"),
        ("rule failures", "left"),
        ("seconds", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for job in jobs:
        if not job.tables:
            table.add_row(job.job, "-", job.status, "", "", "", "", job.error, f"{job.duration_seconds:.1f}")
        for t in job.tables:
            failures = ", ".join(f"{rule}={n}" for rule, n in sorted(t.rule_failures.items()) if n)
            table.add_row(
                job.job,
                t.table,
                t.status if t.status != "ok" else job.status,
                # Gold rebuilds whole partitions from silver: only "written" means something there.
                str(t.rows_read) if job.job != "silver_to_gold" else "",
                str(t.rows_written),
                str(t.rows_quarantined) if job.job != "silver_to_gold" else "",
                str(t.duplicates_removed) if job.job != "silver_to_gold" else "",
                failures or t.message,
                f"{job.duration_seconds:.1f}",
            )
    return table
