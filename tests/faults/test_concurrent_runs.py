"""Two ``lake run-pipeline`` processes at once: the second refuses, naming the holder, or waits.

The overlap is made, not hoped for: the first run is frozen (SIGSTOP through ``LAKE_STOP_AT``) right
after taking the lease, so it holds the lake for as long as the test needs. A run started with
``--wait`` is frozen the same way at the moment it finds the lease taken and is about to wait
(``lease.waiting``), so the test knows it really waited before the first run lets go.

The runs walk an ingest-only stage list (a project copy): the lease is taken and released around
whatever the list holds, and the kill-and-rerun tests already pay for Spark.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path

import pytest
from faults_support import finish, make_project, new_lake, run_lake, start_lake, wait_until_stopped

from jozi_lake import faults, project

pytestmark = [pytest.mark.slow]


def test_a_second_run_refuses_or_waits_for_the_holder(tmp_path: Path) -> None:
    project_dir = make_project(tmp_path / "project", project.project_dir(), ingest_only=True)
    home = new_lake(tmp_path / "lake")
    started = time.monotonic()
    first = start_lake(home, project_dir, "run-pipeline", **{faults.STOP_AT_ENV_VAR: "lease.held"})
    waiting = None
    try:
        wait_until_stopped(first.pid)

        refused = run_lake(home, project_dir, "run-pipeline")
        assert refused.returncode == 1, refused.output
        holder = f"local:{socket.gethostname()}:{first.pid}"
        error_lines = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
        assert len(error_lines) == 1 and f"another run holds the lake ({holder}, run " in error_lines[0], (
            refused.output
        )
        assert "fix: wait for it to end, or run again with --wait <seconds>" in refused.stderr
        assert "Traceback" not in refused.output

        waiting_started = time.monotonic()
        waiting = start_lake(
            home, project_dir, "run-pipeline", "--wait", "600", **{faults.STOP_AT_ENV_VAR: "lease.waiting"}
        )
        wait_until_stopped(waiting.pid)  # it found the lease taken and is about to wait for it

        os.kill(first.pid, signal.SIGCONT)
        done = finish(first, started)
        assert done.returncode == 0, done.output
        os.kill(waiting.pid, signal.SIGCONT)
        waited = finish(waiting, waiting_started)
        assert waited.returncode == 0, waited.output
        assert "Traceback" not in waited.output
    finally:
        for process in (first, waiting):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    runs = [json.loads(p.read_text()) for p in sorted((home / "pipeline-runs").glob("*.json"))]
    assert [r["status"] for r in runs] == ["SUCCEEDED", "SUCCEEDED"], runs  # the refused run never started
    first_run, second_run = sorted(runs, key=lambda r: r["started_at"])
    assert first_run["finished_at"] <= second_run["started_at"], "the two runs overlapped"
    assert not list((home / "s3").rglob("pipeline.json")), "the lease was not released"
