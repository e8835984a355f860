"""A ``lake run-pipeline`` killed by SIGKILL leaves its run record RUNNING and its lease behind; ``lake
status`` closes the record as ABANDONED (when it noticed, why, the fix) instead of listing it as running
for ever, and the next run takes the dead run's lease over and succeeds.

Cheap on purpose: the runs walk an ingest-only stage list (a project copy), killed after the ingest
stage, so no Spark starts.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import time
from pathlib import Path

import pytest
from faults_support import finish, make_project, new_lake, run_lake, start_lake

from jozi_lake import faults, project

pytestmark = [pytest.mark.slow]


def _records(home: Path) -> list[dict]:
    runs = [json.loads(p.read_text()) for p in (home / "pipeline-runs").glob("*.json")]
    return sorted(runs, key=lambda r: r["started_at"])


def test_a_killed_run_is_closed_as_abandoned_by_status_and_the_next_run_goes_on(tmp_path: Path) -> None:
    project_dir = make_project(tmp_path / "project", project.project_dir(), ingest_only=True)
    home = new_lake(tmp_path / "lake")

    child = start_lake(home, project_dir, "run-pipeline", **{faults.KILL_AT_ENV_VAR: "pipeline.after.ingest"})
    killed = finish(child, time.monotonic())
    assert killed.returncode == -9, killed.output
    (record,) = _records(home)
    assert record["status"] == "RUNNING" and record["abandoned_at"] is None
    assert record["holder"] == f"local:{socket.gethostname()}:{child.pid}"
    assert list((home / "s3").rglob("leases/pipeline.json")), "a killed run cannot release its lease"

    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    status = run_lake(home, project_dir, "status")
    assert status.returncode == 0, status.output
    (closed,) = _records(home)
    assert closed["status"] == "ABANDONED"
    assert closed["error"].startswith(f"its process {record['holder']} no longer runs")
    noticed = closed["abandoned_at"]
    assert before <= dt.datetime.fromisoformat(noticed) <= dt.datetime.now(dt.UTC)
    said = " ".join(status.stdout.split())  # the terminal wraps long lines
    line = said[said.index(f"abandoned run {record['run_id']}: ") :]
    assert line.startswith(f"abandoned run {record['run_id']}: its process {record['holder']} no longer runs")
    assert f"(noticed {noticed}; fix: nothing to undo: " in line and "`lake run-pipeline`" in line
    assert "ABANDONED" in status.stdout and "RUNNING" not in status.stdout
    # The ops table has the killed run's stages with that status.
    ops = list((home / "s3").rglob(f"pipeline_stage_runs/*/{record['run_id']}.json"))
    assert ops and json.loads(ops[0].read_text().splitlines()[0])["pipeline_status"] == "ABANDONED"

    rerun = run_lake(home, project_dir, "run-pipeline")
    assert rerun.returncode == 0, rerun.output
    assert [r["status"] for r in _records(home)] == ["ABANDONED", "SUCCEEDED"]
    assert not list((home / "s3").rglob("leases/pipeline.json")), "the rerun released the lease"
