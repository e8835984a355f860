"""A full disk under the lake: one clear error with the fix, nothing half-visible, and a clean recovery.

The lake lives on a small tmpfs (a real file system with a real ENOSPC, no mock of ``write``). After the
store's data is generated, a filler file leaves a few pages of room, so the run fills the disk part way
through ingestion. The run must end with ``error: no space left on device writing <what>`` and
``fix: free space under <folder> and rerun`` (no traceback); every visible object must be whole (the
local store writes a temporary file and renames it); and once space is freed the next ingest lands
every record the source serves.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from faults_support import PARAMS, make_project, run_lake

from jozi_lake import project
from jozi_lake.demo.generator import generate

pytestmark = [pytest.mark.slow]

SIZE_KB = 2048
ROOM_KB = 48  # a dozen 4 KiB pages: the lease, the run record, the manifest and a few bronze pages


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / f"tmpfs-{uuid.uuid4().hex[:6]}"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SIZE_KB}k", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(disk: Path, leave_kb: int) -> Path:
    filler = disk / "filler.bin"
    stats = os.statvfs(disk)
    free = stats.f_bavail * stats.f_frsize
    filler.write_bytes(b"\0" * max(0, free - leave_kb * 1024))
    return filler


def test_a_full_disk_ends_with_one_clear_error_and_nothing_half_written(
    small_disk: Path, tmp_path: Path
) -> None:
    project_dir = make_project(tmp_path / "project", project.project_dir())
    home = small_disk / "lake"
    manifest = generate(PARAMS, home / "source-system")
    filler = _fill(small_disk, ROOM_KB)

    full = run_lake(home, project_dir, "run-pipeline")
    assert full.returncode == 1, full.output
    assert "Traceback" not in full.output
    errors = [line for line in full.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: no space left on device writing "), full.stderr
    fixes = [line for line in full.stderr.splitlines() if line.startswith("fix:")]
    assert fixes == [f"fix: free space under {home / 's3'} and rerun"] or fixes == [
        f"fix: free space under {home} and rerun"
    ], full.stderr

    bucket = next((home / "s3").iterdir())
    assert not [p for p in home.rglob("*.tmp") if ".lock." not in p.name], "a temporary file was left"
    pages = sorted(bucket.glob("bronze/*/ingest_date=*/*.gz"))
    assert pages, "the disk filled before any page was written: give the test more room"
    for page in pages:
        gzip.decompress(page.read_bytes())  # whole, or it would not be visible under its key
    for document in bucket.rglob("*.json"):
        json.loads(document.read_text(encoding="utf-8"))

    filler.unlink()
    ingest = run_lake(home, project_dir, "ingest")
    assert ingest.returncode == 0, ingest.output
    landed: dict[str, int] = {}
    for page in bucket.glob("bronze/*/ingest_date=*/*.gz"):
        lines = gzip.decompress(page.read_bytes()).splitlines()
        landed[page.parts[-3]] = landed.get(page.parts[-3], 0) + sum(1 for line in lines if line.strip())
    served = {name: info["records"] for name, info in manifest["sources"].items() if info["records"]}
    assert landed == served, "a record was lost or landed twice across the full disk and the rerun"
