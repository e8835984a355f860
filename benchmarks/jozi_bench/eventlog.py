"""Where the Spark time goes: per call site totals from a Spark event log.

Wall time per stage says *that* a job is slow; the event log says *which line* of the job costs it.
Spark writes one JSON event per line (``spark.eventLog.enabled``); each job's start event carries the
user call site (``callSite.short``, e.g. ``parquet at bronze_to_silver.py:180``) and its submission
time, the end event its completion time. Summing job durations per call site ranks the lines worth
optimising, and the job count exposes fixed per-job overhead (many tiny jobs) as its own cost.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EVENT_LOG_CONF_KEYS = ("spark.eventLog.enabled", "spark.eventLog.dir", "spark.eventLog.compress")


def event_log_conf(directory: Path) -> dict[str, str]:
    """Spark settings that write an uncompressed event log into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    return {
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": directory.resolve().as_uri(),
        "spark.eventLog.compress": "false",
    }


@dataclass(frozen=True)
class CallSiteCost:
    call_site: str
    jobs: int
    total_s: float
    tasks: int


def _job_call_site(event: dict[str, Any]) -> str:
    """The job's user call site; DataFrame jobs started from Python often lack ``callSite.short`` in
    their properties, so the final stage's name (``parquet at ...``, the same call site) is the fallback."""
    props = event.get("Properties") or {}
    site = props.get("callSite.short") or props.get("spark.job.description")
    if not site:
        stages = sorted(event.get("Stage Infos", []), key=lambda s: int(s.get("Stage ID", 0)))
        site = stages[-1].get("Stage Name") if stages else None
    return str(site or "unknown")


def summarise_event_log(path: Path) -> tuple[list[CallSiteCost], dict[str, float]]:
    """(call sites by total job time, totals: jobs, job seconds, tasks) from one event log file."""
    starts: dict[int, tuple[str, int, int]] = {}
    per_site: dict[str, list[float]] = defaultdict(list)
    tasks_per_site: dict[str, int] = defaultdict(int)
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if "SparkListenerJob" not in line:  # cheap pre-filter; most events are task events
                continue
            event = json.loads(line)
            if event["Event"] == "SparkListenerJobStart":
                tasks = sum(int(s.get("Number of Tasks", 0)) for s in event.get("Stage Infos", []))
                starts[event["Job ID"]] = (_job_call_site(event), int(event["Submission Time"]), tasks)
            elif event["Event"] == "SparkListenerJobEnd" and event["Job ID"] in starts:
                site, submitted, tasks = starts.pop(event["Job ID"])
                per_site[site].append((int(event["Completion Time"]) - submitted) / 1000.0)
                tasks_per_site[site] += tasks
    costs = sorted(
        (
            CallSiteCost(site, len(times), sum(times), tasks_per_site[site])
            for site, times in per_site.items()
        ),
        key=lambda c: c.total_s,
        reverse=True,
    )
    totals = {
        "jobs": float(sum(c.jobs for c in costs)),
        "job_seconds": sum(c.total_s for c in costs),
        "tasks": float(sum(c.tasks for c in costs)),
    }
    return costs, totals


def latest_event_log(directory: Path) -> Path | None:
    logs = [p for p in directory.glob("*") if p.is_file() and not p.name.endswith(".inprogress")]
    return max(logs, key=lambda p: p.stat().st_mtime) if logs else None
