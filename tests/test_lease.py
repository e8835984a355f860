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
def store(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ObjectStore]:
    if request.param == "local":
        yield LocalObjectStore(tmp_path, "lake")
        return
    for name, value in {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "af-south-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(
            Bucket="lake-bucket", CreateBucketConfiguration={"LocationConstraint": "af-south-1"}
        )
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
