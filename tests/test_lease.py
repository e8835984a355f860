"""The run lease on both stores: one holder at a time, take-over of dead or expired holders, waiting."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from jozi_lake import lease
from jozi_lake.errors import LakeError
from jozi_lake.storage import LocalObjectStore, ObjectStore, S3ObjectStore

KEY = "state/leases/pipeline.json"
T0 = dt.datetime(2026, 6, 1, 0, 30, tzinfo=dt.UTC)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ObjectStore]:
    if request.param == "local":
        yield LocalObjectStore(tmp_path, "lake")
        return
    region = request.getfixturevalue("fake_aws")
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket="lake-bucket", CreateBucketConfiguration={"LocationConstraint": region})
        yield S3ObjectStore("lake-bucket", client=client)


def alive(_holder: str) -> bool:
    return True


def test_a_second_start_is_told_who_holds_the_lake(store: ObjectStore) -> None:
    first = lease.acquire(store, KEY, holder="local:h:1", run_id="r-1", is_alive=alive, now=lambda: T0)
    with pytest.raises(lease.LeaseHeld) as held:
        lease.acquire(store, KEY, holder="local:h:2", run_id="r-2", is_alive=alive, now=lambda: T0)
    assert "local:h:1" in held.value.message and "r-1" in held.value.message
    assert "2026-06-01T00:30:00+00:00" in held.value.message and "--wait" in (held.value.hint or "")
    first.release()
    second = lease.acquire(store, KEY, holder="local:h:2", run_id="r-2", is_alive=alive, now=lambda: T0)
    assert second.record.run_id == "r-2"


def test_an_expired_lease_is_taken_over_and_its_old_holder_cannot_renew(store: ObjectStore) -> None:
    old = lease.acquire(
        store, KEY, holder="local:h:1", run_id="r-1", ttl_seconds=60, is_alive=alive, now=lambda: T0
    )
    later = T0 + dt.timedelta(seconds=61)
    new = lease.acquire(store, KEY, holder="local:h:2", run_id="r-2", is_alive=alive, now=lambda: later)
    assert new.record.holder == "local:h:2"
    with pytest.raises(LakeError, match="taken over"):
        old.renew(later)
    old.release()  # not ours any more: leaves the new holder's lease alone
    assert lease.LeaseRecord.from_bytes(store.get_bytes(KEY)).run_id == "r-2"


def test_renewing_keeps_others_out(store: ObjectStore) -> None:
    held = lease.acquire(
        store, KEY, holder="local:h:1", run_id="r-1", ttl_seconds=60, is_alive=alive, now=lambda: T0
    )
    held.renew(T0 + dt.timedelta(seconds=50))
    with pytest.raises(lease.LeaseHeld):
        lease.acquire(
            store, KEY, holder="x", run_id="r-2", is_alive=alive, now=lambda: T0 + dt.timedelta(seconds=100)
        )


def test_a_dead_local_holder_is_taken_over_at_once(store: ObjectStore) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    holder = f"local:{os.uname().nodename}:{dead.stdout.strip()}"
    lease.acquire(store, KEY, holder=holder, run_id="killed", now=lambda: T0)
    taken = lease.acquire(store, KEY, holder=lease.local_holder(), run_id="next", now=lambda: T0)
    assert taken.record.run_id == "next"
    with pytest.raises(lease.LeaseHeld):  # this process is alive: nobody takes it from us
        lease.acquire(store, KEY, holder="local:other:1", run_id="third", now=lambda: T0)


def test_waiting_gets_the_lease_once_it_is_released(store: ObjectStore) -> None:
    held = lease.acquire(store, KEY, holder="local:h:1", run_id="r-1", is_alive=alive)
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        held.release()

    got = lease.acquire(
        store, KEY, holder="local:h:2", run_id="r-2", is_alive=alive, wait_seconds=30, sleep=sleep
    )
    assert got.record.run_id == "r-2" and waited


def _contend(root: str, barrier: multiprocessing.synchronize.Barrier, results: multiprocessing.Queue) -> None:
    store = LocalObjectStore(root, "lake")
    barrier.wait()
    try:
        held = lease.acquire(store, KEY, holder=lease.local_holder(), run_id=str(os.getpid()))
        results.put(("won", held.record.run_id))
    except lease.LeaseHeld:
        results.put(("held", ""))


def test_of_processes_starting_together_exactly_one_wins(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(4), ctx.Queue()
    workers = [ctx.Process(target=_contend, args=(str(tmp_path), barrier, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    outcomes = sorted(results.get(timeout=5)[0] for _ in workers)
    assert outcomes.count("won") == 1, outcomes


def test_the_local_pipeline_refuses_while_another_run_holds_the_lake(lake_home: Path) -> None:
    """Before any stage (and before Spark starts): the second run names the holder, the first is untouched."""
    from jozi_lake.backend import PipelineOptions, QuietEvents
    from jozi_lake.config import env_config
    from jozi_lake.layout import lake_layout
    from jozi_lake.local.backend import LocalBackend

    backend = LocalBackend(env_config("local"))
    holder = lease.acquire(backend.store, lake_layout().lease(), holder=lease.local_holder(), run_id="first")
    with pytest.raises(lease.LeaseHeld, match="run first"):
        backend.run_pipeline(PipelineOptions(), QuietEvents())
    assert lease.LeaseRecord.from_bytes(backend.store.get_bytes(lake_layout().lease())).run_id == "first"
    holder.release()


def _dead_holder() -> str:
    """A ``local:`` holder whose process has ended (a child that already exited)."""
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return f"local:{os.uname().nodename}:{dead.stdout.strip()}"


def test_a_take_over_says_whose_lease_it_took_and_why(store: ObjectStore) -> None:
    holder = _dead_holder()
    lease.acquire(store, KEY, holder=holder, run_id="killed", now=lambda: T0)
    taken = lease.acquire(store, KEY, holder=lease.local_holder(), run_id="next", now=lambda: T0)
    assert taken.taken_over is not None and taken.taken_over.run_id == "killed"
    assert taken.takeover_reason == f"its holder {holder} no longer runs"
    taken.release()
    lease.acquire(
        store, KEY, holder="local:h:1", run_id="slow", ttl_seconds=60, is_alive=alive, now=lambda: T0
    )
    later = T0 + dt.timedelta(seconds=61)
    expired = lease.acquire(store, KEY, holder="local:h:2", run_id="r", is_alive=alive, now=lambda: later)
    assert expired.taken_over is not None and expired.taken_over.run_id == "slow"
    assert expired.takeover_reason == "it expired at 2026-06-01T00:31:00+00:00 without being renewed"
    expired.release()
    fresh = lease.acquire(store, KEY, holder="local:h:3", run_id="r3", is_alive=alive)
    assert fresh.taken_over is None and fresh.takeover_reason == ""


def _running_record(env: object, run_id: str, holder: str | None) -> None:
    from jozi_lake.backend import PipelineRun, StageResult
    from jozi_lake.local.pipeline import save_run

    run = PipelineRun(run_id=run_id, env="local", started_at="2026-06-01T00:30:00+00:00", holder=holder)
    run.stages.append(StageResult("ingest", "ingest", "SUCCEEDED", 1.5, "12 new rows from the API"))
    save_run(env, run)  # type: ignore[arg-type]


def test_the_next_run_taking_a_dead_runs_lease_closes_its_record_as_abandoned(
    lake_home: Path, project_copy: Path
) -> None:
    """The lease of a run whose process died (its record RUNNING): the next run takes it over, closes
    the record (why, when noticed), writes its stages to ops/ with that status, and runs."""
    import json

    from jozi_lake.backend import PipelineOptions, QuietEvents
    from jozi_lake.config import env_config
    from jozi_lake.layout import lake_layout
    from jozi_lake.local.backend import LocalBackend
    from jozi_lake.local.pipeline import recent_runs

    text = (project_copy / "lake.yaml").read_text()
    head, rest = text.split("\npipeline:\n", 1)
    _stages, tail = rest.split("\n\n", 1)
    (project_copy / "lake.yaml").write_text(
        f"{head}\npipeline:\n  - {{name: quality_summary, kind: summary}}\n\n{tail}"
    )
    env = env_config("local")
    backend = LocalBackend(env)
    dead = _dead_holder()
    _running_record(env, "20260601T003000Z-dead00", dead)
    lease.acquire(backend.store, lake_layout().lease(), holder=dead, run_id="20260601T003000Z-dead00")

    run = backend.run_pipeline(PipelineOptions(), QuietEvents())
    assert run.status == "SUCCEEDED" and run.took_over_from == "20260601T003000Z-dead00"
    by_id = {r.run_id: r for r in recent_runs(env)}
    closed = by_id["20260601T003000Z-dead00"]
    assert closed.status == "ABANDONED" and closed.abandoned_at
    assert closed.error == (
        f"its holder {dead} no longer runs: it stopped without closing the run; run {run.run_id} took over "
        "its lease"
    )
    assert [s.name for s in closed.stages] == ["ingest"]  # how far it got
    ops = next(lake_home.rglob("pipeline_stage_runs/*/20260601T003000Z-dead00.json"))
    assert json.loads(ops.read_text())["pipeline_status"] == "ABANDONED"


def test_status_closes_running_records_that_cannot_be_running(lake_home: Path) -> None:
    """A RUNNING record is abandoned when its process is gone, or (holder unknown) when the lease does not
    name it or expired; a live holder's run stays RUNNING."""
    from jozi_lake.config import env_config
    from jozi_lake.layout import lake_layout
    from jozi_lake.local.pipeline import close_abandoned_runs, recent_runs
    from jozi_lake.storage import store_for_env

    env = env_config("local")
    store = store_for_env(env)
    dead = _dead_holder()
    _running_record(env, "20260601T003000Z-aaaaaa", dead)  # its process is gone
    _running_record(env, "20260601T003100Z-bbbbbb", None)  # an older record: no holder; not its lease
    _running_record(env, "20260601T003200Z-cccccc", "local:elsewhere:12")  # another host, lease expired
    _running_record(env, "20260601T003300Z-dddddd", lease.local_holder())  # this process: running
    lease.acquire(
        store,
        lake_layout().lease(),
        holder="local:elsewhere:12",
        run_id="20260601T003200Z-cccccc",
        ttl_seconds=60,
        now=lambda: T0,
    )
    runs = close_abandoned_runs(env, store, recent_runs(env))
    states = {r.run_id[-6:]: (r.status, (r.error or "").split(":")[0]) for r in runs}
    assert states == {
        "aaaaaa": ("ABANDONED", f"its process {dead.split(':')[0]}"),
        "bbbbbb": ("ABANDONED", "the lake's lease is held by run 20260601T003200Z-cccccc now"),
        "cccccc": ("ABANDONED", "its lease expired at 2026-06-01T00"),
        "dddddd": ("RUNNING", ""),
    }
    assert {r.run_id: r.status for r in recent_runs(env)} == {r.run_id: r.status for r in runs}  # saved
    store.delete(lake_layout().lease())
    _running_record(env, "20260601T003400Z-eeeeee", None)
    (gone,) = [r for r in close_abandoned_runs(env, store, recent_runs(env)) if r.run_id.endswith("eeeeee")]
    assert gone.status == "ABANDONED" and gone.error.startswith("it holds no lease any more")
