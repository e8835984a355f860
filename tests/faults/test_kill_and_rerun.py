"""SIGKILL at each stage boundary and inside each publish, rerun, and the lake is as if never killed.

Each scenario runs ``lake run-pipeline`` in a child process once per kill point, in order, on one lake:
every run dies by SIGKILL at its point (``LAKE_KILL_AT``; the process and its Spark JVM are gone, no
exception handler runs), and the next run starts from whatever the killed one left. A last run without
a kill point then finishes the work, and the lake must equal the lake of one uninterrupted run of the
same input (module fixture): every silver, gold and quarantine row, the catalog, the bookkeeping, the
bronze pages, and no leftovers (temporary files, staging).

Kill points are chained in one lake, in pipeline order, so that a kill that needs Spark up to the point
pays for it once and one rerun finishes them all: each child is a cold JVM (about a minute of Spark
warm-up on 2 cores), so every extra rerun is the suite's largest cost. Each run resumes what the
killed one before it left, which is what a rerun must do anyway. A point that is never reached fails
its run's assertion (the child exits 0 instead of -9), so a checkpoint that moved away from its place
is noticed.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest
from faults_support import Finished, differences, lake_content, make_project, new_lake, run_lake

from jozi_lake import faults, project
from jozi_lake.backend import SUCCEEDED, PipelineOptions, QuietEvents
from jozi_lake.config import env_config
from jozi_lake.local.backend import LocalBackend

pytestmark = [pytest.mark.spark, pytest.mark.slow]

KILL_POINTS: list[str] = [
    # No Spark in the first killed runs: a dead lease holder, a window open mid-source, a stage
    # boundary, a bronze layer catalogued half-way.
    "lease.held",
    "ingest.page_written:3",
    "pipeline.after.ingest",
    "crawl.table_written.drivers",
    # Then the jobs, one kill per run, each run resuming what the killed one left:
    # - silver, right after the first table's publish (others in flight or queued, none recorded);
    # - silver, inside the publish of an event table with quarantined rows (quarantine and rows
    #   written, the processed record not). Tables publish three at a time in lake.yaml's order, so
    #   orders (sixth with data) has not started when the first finishes: both points are reached;
    # - gold, inside the fact table's publish (other models in flight, queued or done);
    # - gold, every model published but the silver change log not consumed.
    "silver.table_published.dispatch_events",
    "silver.publish.rows_written.orders",
    "gold.publish.rows_written.fact_deliveries",
    "gold.before_changes_consumed",
]


@pytest.fixture(scope="module")
def project_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("faults") / "project", project.project_dir())


@pytest.fixture(scope="module")
def reference(spark: Any, project_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The lake after one uninterrupted run of the suite's input.

    Nothing is killed here, so it runs in this process on the session's warm Spark, through the
    backend ``lake run-pipeline`` calls (``LocalBackend.run_pipeline``, the same stages and code): a
    child's cold JVM would add about a minute and prove nothing more.
    """
    home = new_lake(tmp_path_factory.mktemp("reference") / "lake")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAKE_HOME", str(home))
        patch.setenv(project.PROJECT_DIR_ENV_VAR, str(project_dir))
        patch.delenv(faults.KILL_AT_ENV_VAR, raising=False)
        patch.delenv(faults.STOP_AT_ENV_VAR, raising=False)
        run = LocalBackend(env_config("local"), spark=spark).run_pipeline(PipelineOptions(), QuietEvents())
    assert run.status == SUCCEEDED, [(s.name, s.status, s.summary) for s in run.stages]
    content = lake_content(home)
    assert content["tables"] and content["catalog"] and content["bronze"], "the reference lake is empty"
    assert any(rows for _, rows in content["tables"].values()), "the reference run published nothing"
    return content


def _killed(done: Finished, point: str) -> None:
    assert done.returncode == -signal.SIGKILL, (
        f"the run with {faults.KILL_AT_ENV_VAR}={point} ended {done.returncode} instead of dying by "
        f"SIGKILL (is the point still reached?):\n{done.output[-3000:]}"
    )


def test_killed_runs_rerun_to_the_uninterrupted_lake(
    reference: dict[str, Any], project_dir: Path, tmp_path: Path
) -> None:
    home = new_lake(tmp_path / "lake")
    for point in KILL_POINTS:
        _killed(run_lake(home, project_dir, "run-pipeline", **{faults.KILL_AT_ENV_VAR: point}), point)
    rerun = run_lake(home, project_dir, "run-pipeline")
    assert rerun.returncode == 0, rerun.output
    assert "Traceback" not in rerun.output
    content = lake_content(home)
    assert content["leftovers"] == [], "a killed run's temporary files or staging were left behind"
    found = differences(reference, content)
    assert not found, "the rerun lake differs from the uninterrupted one:\n" + "\n".join(found)
