"""Per-run job reports: what each job read, wrote, quarantined and dropped as duplicates, per table.

A report is plain data (``to_dict`` gives JSON-ready dicts) written to the lake next to the data it
describes: ``silver/_reports/`` for bronze_to_silver, ``gold/_reports/`` for silver_to_gold. File names
start with the UTC start time, so the newest sort last on S3 and locally alike. ``lake status`` and
the pipeline's quality summary read them back with :func:`latest_reports`; on AWS the Glue job writes
the same files, so both see the same thing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from jozi_lake.storage import ObjectStore

if TYPE_CHECKING:  # rich is for terminals; the Glue job only writes reports, so it never imports it
    from rich.table import Table

REPORT_PREFIXES: dict[str, str] = {"bronze_to_silver": "silver/_reports/", "silver_to_gold": "gold/_reports/"}


@dataclass
class TableReport:
    """One table in one job run.

    Silver conserves rows: rows_read = rows_written + rows_quarantined + duplicates_removed.
    """

    table: str
    rows_read: int = 0
    rows_written: int = 0
    rows_new: int = 0
    rows_replacing: int = 0
    rows_quarantined: int = 0
    duplicates_removed: int = 0
    rule_failures: dict[str, int] = field(default_factory=dict)
    partitions_changed: list[str] = field(default_factory=list)
    batches: list[str] = field(default_factory=list)
    status: str = "ok"  # ok | no_new_data | failed
    message: str = ""

    @property
    def conserved(self) -> bool:
        return self.rows_read == self.rows_written + self.rows_quarantined + self.duplicates_removed


@dataclass
class JobReport:
    job: str
    run_id: str
    env: str
    started_at: str
    finished_at: str = ""
    duration_seconds: float = 0.0
    status: str = "running"  # running | succeeded | failed
    error: str = ""
    tables: list[TableReport] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def finish(self, status: str, error: str = "") -> None:
        finished = datetime.now(UTC)
        self.finished_at = finished.isoformat(timespec="seconds")
        self.duration_seconds = round((finished - datetime.fromisoformat(self.started_at)).total_seconds(), 3)
        self.status = status
        self.error = error

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> JobReport:
        tables = [TableReport(**t) for t in raw.get("tables", [])]
        return cls(**{**raw, "tables": tables})


@dataclass
class RunReport:
    """The jobs of one local run, in order (what ``lake run-job`` prints)."""

    run_id: str
    env: str
    jobs: list[JobReport] = field(default_factory=list)
    duration_seconds: float = 0.0

    @property
    def succeeded(self) -> bool:
        return all(j.status == "succeeded" for j in self.jobs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "env": self.env,
            "duration_seconds": self.duration_seconds,
            "jobs": [j.to_dict() for j in self.jobs],
        }

    def to_rich_table(self) -> Table:
        return report_table(self.jobs, title=f"run {self.run_id} ({self.env}, {self.duration_seconds:.1f}s)")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def report_table(jobs: list[JobReport], title: str = "job runs") -> Table:
    """A Rich table with one row per job and table: rows in/out/quarantined/duplicates, rule failures."""
    from rich.table import Table

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


def report_key(job: JobReport) -> str:
    stamp = job.started_at.replace(":", "").replace("+0000", "Z")
    return f"{REPORT_PREFIXES[job.job]}{stamp}_{job.job}_{job.run_id}.json"


def write_report(store: ObjectStore, job: JobReport) -> str:
    key = report_key(job)
    store.put_bytes(key, json.dumps(job.to_dict(), indent=2).encode("utf-8"), "application/json")
    return key


def latest_reports(store: ObjectStore, n: int = 10) -> list[dict[str, Any]]:
    """The ``n`` newest job reports of either job, newest first, as the JSON dicts stored in the lake."""
    entries: list[tuple[str, str]] = []
    for prefix in REPORT_PREFIXES.values():
        for key in store.list_keys(prefix):
            name = key.rsplit("/", 1)[-1]
            if name.endswith(".json") and not name.startswith((".", "_")):
                entries.append((name, key))
    entries.sort(reverse=True)
    return [json.loads(store.get_bytes(key)) for _name, key in entries[:n]]
