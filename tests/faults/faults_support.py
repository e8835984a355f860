"""Helpers of the fault-injection suite: the real ``lake`` CLI in a child process, and a lake's content.

A child runs in its own session (process group) so that after it died by SIGKILL the test can kill
whatever it left running (the Spark JVM it started) — as when a machine or container dies — before
the rerun starts: nothing of the killed run may keep writing into the lake behind the rerun's back.

:func:`lake_content` is what "the lake ends identical" means: every row of silver, gold and quarantine
(order-insensitive), the catalog's tables (columns, partition keys, partitions), the bookkeeping
(ingest watermarks and open windows, processed-batch records, pending change log, drop ledger) and
the bronze pages' bytes. Run ids and the lake's own folder are replaced by placeholders: two runs of
the same input differ in them by construction, and in nothing else.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

import jozi_lake
from jozi_lake import faults
from jozi_lake.demo.generator import GeneratorParams, generate
from jozi_lake.jobs.spark import JIT_ENV_VAR

LAKE_CLI = Path(sys.executable).with_name("lake")
RUN_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{6}")
# Bookkeeping that records when and by which run, not what: reports, run timings, the lease, markers.
# Run manifests (state/manifests/, bronze/_manifests/ before state/) say what each run landed.
VOLATILE_PARTS = ("_reports", "leases", "layers", "_manifests", "manifests")
# Fields of bookkeeping documents that describe the last run rather than the lake: clocks, and the
# ingest state's account of its last window (a rerun's last window is the one that found nothing new).
# What the lake's next run depends on (watermarks, open windows, processed batches, ledgers) stays.
RUN_FIELDS = {
    "last_finished_at",
    "changed_at",
    "crawled_at",
    "started_at",
    "finished_at",
    "landed_at",
    "last_run_id",
    "last_window",
}
# Small input: two days of a few orders, pages of 20 records so a source takes several pages.
PARAMS = GeneratorParams(start=__import__("datetime").date(2026, 6, 1), days=2, orders_per_day=12, seed=11)
PAGE_SIZE = 20
CHILD_TIMEOUT = 1200  # generous: a shared 2-core machine under load runs one pipeline in minutes


@dataclass
class Finished:
    """How a child ``lake`` process ended."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def child_env(home: Path, project: Path, **extra: str) -> dict[str, str]:
    """The child's environment: this lake and project, no inherited fault variables, a wide console."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in (faults.KILL_AT_ENV_VAR, faults.STOP_AT_ENV_VAR, "LAKE_HOME")
    }
    env.update(LAKE_HOME=str(home), LAKE_PROJECT_DIR=str(project), COLUMNS="200", PYTHONUNBUFFERED="1")
    # This checkout's code, as the test process imports it (pytest's pythonpath), not whichever
    # checkout the virtualenv's editable install points at (git worktrees share one virtualenv).
    src = str(Path(jozi_lake.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [os.environ.get("PYTHONPATH")])])
    env["PYSPARK_PYTHON"] = sys.executable
    env["PYSPARK_DRIVER_PYTHON"] = sys.executable
    # Each child is a cold JVM that runs one short pipeline: C1 alone gets it there about a third
    # sooner (jozi_lake.jobs.spark). The suite's own session lives for the whole run, where C2 pays.
    env.setdefault(JIT_ENV_VAR, "quick")
    env.update(extra)
    return env


def start_lake(home: Path, project: Path, *args: str, **extra: str) -> subprocess.Popen[str]:
    """Start ``lake <args>`` against ``home`` in its own process group."""
    return subprocess.Popen(
        [str(LAKE_CLI), *args],
        env=child_env(home, project, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish(process: subprocess.Popen[str], started: float, timeout: float = CHILD_TIMEOUT) -> Finished:
    """Wait for ``process``, then kill what is left of its process group (a killed run's JVM)."""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        kill_group(process.pid)
    return Finished(process.returncode, stdout, stderr, time.monotonic() - started)


def kill_group(pgid: int) -> None:
    """SIGKILL every process left in the group ``pgid`` and wait until none is left."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def run_lake(home: Path, project: Path, *args: str, **extra: str) -> Finished:
    """Run ``lake <args>`` to its end (see :func:`start_lake`)."""
    started = time.monotonic()
    return finish(start_lake(home, project, *args, **extra), started)


def wait_until_stopped(pid: int, timeout: float = CHILD_TIMEOUT) -> None:
    """Block until process ``pid`` is stopped (SIGSTOP at a ``LAKE_STOP_AT`` point); fail if it ends."""
    deadline = time.monotonic() + timeout
    stat = Path(f"/proc/{pid}/stat")
    while time.monotonic() < deadline:
        try:
            state = stat.read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            raise AssertionError(f"process {pid} ended before reaching its stop point") from None
        if state in ("T", "t"):
            return
        if state == "Z":
            raise AssertionError(f"process {pid} ended before reaching its stop point")
        time.sleep(0.05)
    raise AssertionError(f"process {pid} did not reach its stop point in {timeout}s")


def make_project(target: Path, source: Path, *, ingest_only: bool = False) -> Path:
    """A copy of the project files with pages of :data:`PAGE_SIZE` records (several pages per source).

    ``ingest_only`` keeps only the ingest stage of lake.yaml's pipeline: for tests of the run itself
    (the lease), which need a real ``run-pipeline`` but not the minutes Spark takes on 2 cores.
    """
    target.mkdir(parents=True)
    text = (source / "lake.yaml").read_text(encoding="utf-8")
    assert "page_size: 500" in text, "the fixture API's page size moved in lake.yaml"
    text = text.replace("page_size: 500", f"page_size: {PAGE_SIZE}")
    if ingest_only:
        first, rest = text.split("\npipeline:\n", 1)
        stages, after = rest.split("\n\n", 1)
        assert "kind: ingest" in stages, "lake.yaml's pipeline lost its ingest stage"
        text = f"{first}\npipeline:\n  - {{name: ingest, kind: ingest}}\n\n{after}"
    (target / "lake.yaml").write_text(text, "utf-8")
    for folder in ("contracts", "sql"):
        shutil.copytree(source / folder, target / folder)
    return target


def new_lake(home: Path) -> Path:
    """A lake folder holding the generated store data (the fixture API serves it)."""
    home.mkdir(parents=True)
    generate(PARAMS, home / "source-system")
    return home


# --------------------------------------------------------------------------------- the lake's content
def _normal(value: Any, home: Path) -> str:
    return RUN_ID.sub("<run>", str(value).replace(str(home), "<home>"))


def _visible(path: Path, root: Path) -> bool:
    return not any(part.startswith((".", "_")) for part in path.relative_to(root).parts)


def table_rows(folder: Path, home: Path) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """(columns, sorted rows) of a Parquet table folder, partition columns included."""
    files = sorted(str(p) for p in folder.rglob("*.parquet") if _visible(p, folder))
    if not files:
        return (), []
    relation = duckdb.sql(
        "SELECT * FROM read_parquet($files, hive_partitioning = true, union_by_name = true)",
        params={"files": files},
    )
    rows = sorted(tuple(_normal(v, home) for v in row) for row in relation.fetchall())
    return tuple(relation.columns), rows


def _bookkeeping(document: Any) -> Any:
    if isinstance(document, dict):
        return {k: _bookkeeping(v) for k, v in sorted(document.items()) if k not in RUN_FIELDS}
    if isinstance(document, list):
        return [_bookkeeping(v) for v in document]
    return document


def lake_content(home: Path) -> dict[str, Any]:
    """Everything a rerun must reproduce, normalised (see the module docstring)."""
    buckets = [p for p in (home / "s3").iterdir() if p.is_dir()]
    assert len(buckets) == 1, buckets
    bucket = buckets[0]
    content: dict[str, Any] = {"tables": {}, "bookkeeping": {}, "bronze": [], "catalog": {}, "leftovers": []}
    for layer in ("silver", "gold", "quarantine"):
        root = bucket / layer
        if root.is_dir():
            for folder in sorted(p for p in root.iterdir() if p.is_dir() and _visible(p, root)):
                content["tables"][f"{layer}/{folder.name}"] = table_rows(folder, home)
    for path in sorted(bucket.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(bucket)
        key = _normal(relative.as_posix(), home)
        if path.name.endswith(".tmp"):
            # A write killed before its rename leaves its hidden temporary file: never listed, never
            # read (as an aborted S3 upload), so it is not part of the lake; a visible key would be.
            assert path.name.startswith("."), f"a temporary file is visible: {key}"
        elif "_staging" in relative.parts:
            content["leftovers"].append(key)  # a stage the rerun did not clean up
        elif relative.parts[0] == "bronze" and _visible(path, bucket):
            data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            content["bronze"].append((key, hashlib.sha256(data).hexdigest()))
        elif (
            path.suffix == ".json"
            and not any(p in relative.parts for p in VOLATILE_PARTS)
            and relative.parts[0] != "ops"  # how each run went: a killed run adds its own rows by design
        ):
            document = json.loads(path.read_text(encoding="utf-8"))
            content["bookkeeping"][key] = json.loads(_normal(json.dumps(_bookkeeping(document)), home))
    catalog = home / "glue-catalog"
    for entry in sorted(catalog.glob("*/*.json")):
        if entry.parent.name.endswith("_ops") or not _visible(entry, catalog):
            continue
        table = json.loads(entry.read_text(encoding="utf-8"))["Table"]
        partitions = json.loads(entry.read_text(encoding="utf-8")).get("Partitions", [])
        content["catalog"][f"{entry.parent.name}.{entry.stem}"] = {
            "columns": [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]],
            "partition_keys": [k["Name"] for k in table.get("PartitionKeys", [])],
            "partitions": sorted(tuple(_normal(v, home) for v in p["Values"]) for p in partitions),
        }
    return content


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Readable differences between two :func:`lake_content` results (empty when identical)."""
    found = []
    for section in expected.keys() | actual.keys():
        want, got = expected.get(section), actual.get(section)
        if want == got:
            continue
        if isinstance(want, dict) and isinstance(got, dict):
            for name in sorted(want.keys() | got.keys()):
                if want.get(name) != got.get(name):
                    expected_, got_ = want.get(name), got.get(name)
                    found.append(f"{section}/{name}: expected {expected_!r:.300} got {got_!r:.300}")
        else:
            found.append(f"{section}: expected {want!r:.500} got {got!r:.500}")
    return found
