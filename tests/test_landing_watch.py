"""``lake watch``'s detection, with real files in a local bucket and no Spark: what counts as new work in
``landing/`` (a declared source's drop the drop ledger has not settled, unchanged across two looks) and
the loop around it (once, a failed run, a file a run could not settle, Ctrl-C).

The run itself is the pipeline ``lake run-pipeline`` runs; tests/e2e/test_new_table_by_files.py drives it
through ``lake watch --once``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jozi_lake.config import load_config
from jozi_lake.ingest import bookkeeping as books
from jozi_lake.ingest.drops import CLAIMED, LANDED, REJECTED, read_ledger
from jozi_lake.layout import lake_layout
from jozi_lake.local import watch as landing_watch
from jozi_lake.storage import LocalObjectStore

SOURCE, OTHER = load_config().source_names[:2]


@pytest.fixture()
def store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "s3", "jozi-pizza-local-lake")


def _drop(store: LocalObjectStore, name: str, data: bytes = b"id,x\n1,2\n", source: str = SOURCE) -> str:
    key = f"{lake_layout().landing(source)}{name}"
    path = store.base / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return key


def _settle(store: LocalObjectStore, data: bytes, status: str, source: str = SOURCE) -> None:
    """The drop ledger records these bytes (under another name: the ledger is by content)."""
    digest = hashlib.sha256(data).hexdigest()
    ledger = read_ledger(store, lake_layout(), source)
    ledger["files"][digest] = {"status": status, "sha256": digest, "names": ["old.csv"]}
    store.put_bytes(lake_layout().drop_state(source), books.to_json_bytes(ledger))


def test_a_file_counts_once_it_looks_the_same_twice(store: LocalObjectStore) -> None:
    watcher = landing_watch.for_store(store)
    key = _drop(store, "orders-1.csv")
    assert watcher.poll() == ([], [key])  # first seen: it may still be being copied
    assert watcher.poll() == ([key], [])

    growing = _drop(store, "orders-2.csv", b"id\n1\n")
    assert watcher.poll() == ([key], [growing])
    (store.base / growing).write_bytes(b"id\n1\n2\n")  # still being written between the looks
    assert watcher.poll() == ([key], [growing])
    assert watcher.poll() == ([key, growing], [])


def test_files_the_ledger_settled_are_not_work(store: LocalObjectStore) -> None:
    watcher = landing_watch.for_store(store)
    landed = _drop(store, "a.csv", b"a\n1\n")
    rejected = _drop(store, "b.csv", b"b\n2\n", source=OTHER)
    claimed = _drop(store, "c.csv", b"c\n3\n")
    _settle(store, b"b\n2\n", REJECTED, source=OTHER)
    digest = lambda data: hashlib.sha256(data).hexdigest()  # noqa: E731
    ledger = {
        "source": SOURCE,
        "files": {
            digest(b"a\n1\n"): {"status": LANDED, "sha256": digest(b"a\n1\n"), "names": ["a.csv"]},
            # A copy a crash interrupted: the next ingest finishes it, so it is still work.
            digest(b"c\n3\n"): {"status": CLAIMED, "sha256": digest(b"c\n3\n"), "names": ["c.csv"]},
        },
    }
    store.put_bytes(lake_layout().drop_state(SOURCE), books.to_json_bytes(ledger))
    watcher.poll()
    work, _ = watcher.poll()
    assert work == [claimed]
    assert landed not in work and rejected not in work

    # The same bytes under a new name are the same file; new bytes under a landed name are new.
    renamed = _drop(store, "a-again.csv", b"a\n1\n")
    (store.base / landed).write_bytes(b"a\n1\n9\n")
    watcher.poll()
    work, _ = watcher.poll()
    assert landed in work and renamed not in work


def test_only_drops_of_declared_sources_are_watched(store: LocalObjectStore) -> None:
    layout = lake_layout()
    for key in (
        f"{layout.landing('not_a_source')}x.csv",
        f"{layout.landing(SOURCE)}sub/x.csv",
        f"{layout.landing(SOURCE)}.partial.csv",
        f"{layout.landing(SOURCE)}_SUCCESS",
        f"{layout.landing(SOURCE)}.x.csv.abc123.tmp",
        f"{layout.bronze_table(SOURCE)}x.csv",
    ):
        path = store.base / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x\n")
    watcher = landing_watch.for_store(store)
    assert watcher.snapshot() == {}
    assert watcher.poll() == ([], []) and watcher.poll() == ([], [])
    # No landing/ folder at all is an empty landing, not an error.
    assert landing_watch.for_store(LocalObjectStore(store.root / "empty", "b")).snapshot() == {}


class Runs:
    """A pipeline stand-in: records the files each run was started for, settles them or not."""

    def __init__(self, store: LocalObjectStore, *, settles: bool = True, succeeds: bool = True) -> None:
        self.store, self.settles, self.succeeds = store, settles, succeeds
        self.started: list[list[str]] = []

    def __call__(self, files: list[str]) -> bool:
        self.started.append(files)
        if self.settles:
            for key in files:
                _settle(self.store, (self.store.base / key).read_bytes(), LANDED)
        return self.succeeds


def _loop(
    watcher: Any, runs: Runs, *, once: bool, looks: int = 10, between: Any = None
) -> tuple[int, list[str]]:
    """Run the watch loop for ``looks`` sleeps (then Ctrl-C), calling ``between(n)`` at each sleep."""
    said: list[str] = []
    count = {"n": 0}

    def sleep(_: float) -> None:
        count["n"] += 1
        if between:
            between(count["n"])
        if count["n"] > looks:
            raise KeyboardInterrupt

    code = landing_watch.watch(watcher, runs, interval=0.0, once=once, say=said.append, sleep=sleep)
    return code, said


def test_once_exits_0_with_nothing_to_do_and_runs_once_with_work(store: LocalObjectStore) -> None:
    runs = Runs(store)
    code, said = _loop(landing_watch.for_store(store), runs, once=True)
    assert code == 0 and runs.started == [] and said[-1] == "nothing new in landing/"

    key = _drop(store, "orders-1.csv")
    code, said = _loop(landing_watch.for_store(store), runs, once=True)
    assert code == 0 and runs.started == [[key]] and said[0].startswith("1 new file(s) in landing/")

    failing = Runs(store, succeeds=False)
    _drop(store, "orders-2.csv", b"id\n7\n")
    assert _loop(landing_watch.for_store(store), failing, once=True)[0] == 1


def test_the_loop_runs_per_new_file_never_twice_for_one(store: LocalObjectStore) -> None:
    runs = Runs(store)
    first = _drop(store, "1.csv", b"1\n")

    def arrive(n: int) -> None:
        if n == 4:
            _drop(store, "2.csv", b"2\n")

    code, said = _loop(landing_watch.for_store(store), runs, once=False, looks=8, between=arrive)
    assert code == 0 and said[-1] == "stopped watching landing/"
    assert runs.started == [[first], [f"{lake_layout().landing(SOURCE)}2.csv"]]


def test_many_new_files_are_counted_per_source(store: LocalObjectStore) -> None:
    watcher = landing_watch.for_store(store)
    keys = [_drop(store, f"{i}.csv", f"{i}\n".encode()) for i in range(3)] + [
        _drop(store, "x.csv", source=OTHER)
    ]
    assert watcher.describe(keys[:3]) == ", ".join(keys[:3])
    assert watcher.describe(sorted(keys)) == ", ".join(
        f"{source} {count}" for source, count in sorted({SOURCE: 3, OTHER: 1}.items())
    )


def test_a_file_a_run_could_not_settle_waits_until_it_changes(store: LocalObjectStore) -> None:
    runs = Runs(store, settles=False)
    key = _drop(store, "broken.csv", b"x\n")

    def fix(n: int) -> None:
        if n == 5:
            (store.base / key).write_bytes(b"x\nfixed\n")

    _, said = _loop(landing_watch.for_store(store), runs, once=False, looks=9, between=fix)
    assert runs.started == [[key], [key]]  # once as it was, once more after it changed
    assert any("not retried until it changes" in line for line in said)


def test_ctrl_c_during_a_run_says_so(store: LocalObjectStore) -> None:
    _drop(store, "1.csv")

    def interrupted(files: list[str]) -> bool:
        raise KeyboardInterrupt

    said: list[str] = []
    code = landing_watch.watch(
        landing_watch.for_store(store), interrupted, interval=0, say=said.append, sleep=lambda _: None
    )
    assert code == 130 and said[-1] == "stopped watching landing/ during a run"


def test_lake_watch_refuses_an_aws_environment() -> None:
    from jozi_lake.cli import app

    result = CliRunner().invoke(app, ["watch", "--env", "dev", "--once"])
    assert result.exit_code == 1
    assert "lake watch watches the local lake's landing/" in result.output
    assert "landing_trigger" in result.output
