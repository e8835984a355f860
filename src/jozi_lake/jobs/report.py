"""Per-run job reports: what each job read, wrote, quarantined and dropped as duplicates, per table.

A report is plain data (``to_dict`` gives JSON-ready dicts) written to the lake next to the data it
describes: ``silver/_reports/`` for bronze_to_silver, ``gold/_reports/`` for silver_to_gold. File names
start with the UTC start time, so the newest sort last on S3 and locally alike (keys from
:mod:`jozi_lake.layout`, the layer from the job registry). ``lake status`` and
the pipeline's quality summary read them back with :func:`latest_reports`; on AWS the Glue job writes
the same files, so both see the same thing.

The jobs end with :func:`finish_run`, which writes that JSON report and the run's rows in the lake's
operational tables (``ops/job_table_runs``, ``ops/job_rule_runs``, :mod:`jozi_lake.ops_tables`), so
quality across runs is a table to query, not a folder of files to read.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from jozi_lake.errors import LakeError
from jozi_lake.jobs import registry
from jozi_lake.layout import lake_layout
from jozi_lake.storage import ObjectStore

if TYPE_CHECKING:
    from jozi_lake.backend import PlatformRun


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
    rows_deleted: int = 0  # reference tables: keys a full snapshot no longer carried (not bronze rows)
    rule_failures: dict[str, int] = field(default_factory=dict)
    partitions_changed: list[str] = field(default_factory=list)
    batches: list[str] = field(default_factory=list)
    held_batches: list[str] = field(default_factory=list)  # held by the quality gate (source/batch)
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
    # AWS: each Glue job run as Glue saw it (capacity, cost, logs); empty locally.
    platform_runs: list[PlatformRun] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return all(j.status == "succeeded" for j in self.jobs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "env": self.env,
            "duration_seconds": self.duration_seconds,
            "jobs": [j.to_dict() for j in self.jobs],
            "platform_runs": [asdict(p) for p in self.platform_runs],
        }


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def report_key(job: JobReport) -> str:
    stamp = job.started_at.replace(":", "").replace("+0000", "Z")
    return lake_layout().report(registry.job(job.job).writes, stamp, job.job, job.run_id)


def write_report(store: ObjectStore, job: JobReport) -> str:
    key = report_key(job)
    store.put_bytes(key, json.dumps(job.to_dict(), indent=2).encode("utf-8"), "application/json")
    return key


def report_prefixes() -> list[str]:
    """Where every job's run reports are (the ``_reports/`` folder of the layer it writes)."""
    layout = lake_layout()
    return [layout.reports(spec.writes) for spec in registry.jobs().values()]


def latest_reports(store: ObjectStore, n: int = 10) -> list[dict[str, Any]]:
    """The ``n`` newest job reports of either job, newest first, as the JSON dicts stored in the lake."""
    entries: list[tuple[str, str]] = []
    for prefix in report_prefixes():
        for key in store.list_keys(prefix):
            name = key.rsplit("/", 1)[-1]
            if name.endswith(".json") and not name.startswith((".", "_")):
                entries.append((name, key))
    entries.sort(reverse=True)
    return [json.loads(store.get_bytes(key)) for _name, key in entries[:n]]


def find_report(store: ObjectStore, job: str, run_id: str) -> JobReport | None:
    """The report ``job`` wrote for ``run_id`` (newest if it ran twice under that id), or None."""
    prefix = lake_layout().reports(registry.job(job).writes)
    suffix = f"_{job}_{run_id}.json"
    keys = sorted((k for k in store.list_keys(prefix) if k.endswith(suffix)), reverse=True)
    for key in keys:
        try:
            return JobReport.from_dict(json.loads(store.get_bytes(key)))
        except (ValueError, TypeError):
            continue  # a report written by another version of the jobs
    return None


class JobRunFailed(LakeError):
    """A job of a run failed; ``report`` holds this run's job reports, the failed one last."""

    def __init__(self, message: str, hint: str | None, report: RunReport) -> None:
        super().__init__(message, hint)
        self.report = report
