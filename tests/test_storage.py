from __future__ import annotations

from pathlib import Path

import pytest

from jozi_lake.storage import LocalObjectStore, StorageError, store_for_uri


def test_local_store_round_trip_and_listing(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path, "bucket")
    store.put_bytes("bronze/orders/a.json.gz", b"1")
    store.put_bytes("bronze/menu/b.json.gz", b"2")
    assert store.get_bytes("bronze/orders/a.json.gz") == b"1"
    assert list(store.list_keys("bronze/")) == ["bronze/menu/b.json.gz", "bronze/orders/a.json.gz"]
    assert store.exists("bronze/menu/b.json.gz")
    store.delete("bronze/menu/b.json.gz")
    assert not store.exists("bronze/menu/b.json.gz")
    with pytest.raises(KeyError):
        store.get_bytes("nope")


def test_deleting_a_prefix_leaves_no_folder_behind_but_keeps_a_write_in_progress(tmp_path: Path) -> None:
    """As on S3, which has no folders: an emptied partition folder would still be a partition."""
    store = LocalObjectStore(tmp_path, "bucket")
    for key in (
        "silver/t/event_date=2026-06-03/a.parquet",
        "silver/t/event_date=2026-06-03/x/b",
        "silver/t/k",
    ):
        store.put_bytes(key, b"1")
    staging = tmp_path / "bucket" / "silver" / "_staging" / "run1" / "t"
    staging.mkdir(parents=True)
    (staging / ".obj.abc.tmp").write_bytes(b"half")  # another writer's, not an object
    assert store.delete_prefix("silver/t/event_date=2026-06-03/") == 2
    assert not (tmp_path / "bucket" / "silver" / "t" / "event_date=2026-06-03").exists()
    assert list(store.list_keys("silver/")) == ["silver/t/k"]
    assert store.delete_prefix("silver/_staging/") == 0 and staging.is_dir()
    (staging / ".obj.abc.tmp").unlink()
    store.delete_prefix("silver/_staging/")
    assert not (tmp_path / "bucket" / "silver" / "_staging").exists()


def test_local_store_never_shows_partial_writes(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path, "bucket")
    (tmp_path / "bucket" / "x").mkdir(parents=True)
    (tmp_path / "bucket" / "x" / ".obj.abc.tmp").write_bytes(b"half")
    assert list(store.list_keys()) == []


def test_keys_cannot_escape_the_bucket(tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        LocalObjectStore(tmp_path, "bucket").put_bytes("../evil", b"")


def test_store_for_uri(tmp_path: Path) -> None:
    store = store_for_uri((tmp_path / "b").as_uri())
    assert isinstance(store, LocalObjectStore) and store.bucket == "b"
    with pytest.raises(StorageError):
        store_for_uri("gs://x")


def test_local_uris_are_raw_like_s3_uris(tmp_path: Path) -> None:
    """Hadoop and the crawler read file:// paths literally: a percent-encoded '=' names a missing folder."""
    store = LocalObjectStore(tmp_path / "with space", "bucket")
    uri = store.uri("silver/orders/event_date=2026-06-01/")
    assert uri == f"file://{(tmp_path / 'with space').as_posix()}/bucket/silver/orders/event_date=2026-06-01/"
    assert store_for_uri(store.uri()).base == store.base
    assert store_for_uri(store.base.as_uri()).base == store.base  # the encoded form names the same folder


def _killed_write(target: Path) -> None:
    """A child process killed (SIGKILL) inside write_file_atomically, after the data and before the
    rename: what a container stop or a machine dying mid-write leaves behind."""
    import subprocess
    import sys

    import jozi_lake

    script = (
        "import os, signal\n"
        "from pathlib import Path\n"
        "from jozi_lake import storage\n"
        "storage.os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)\n"
        f"storage.write_file_atomically(Path({str(target)!r}), b'{{}}', 'x', {str(target.parent)!r})\n"
    )
    src = str(Path(jozi_lake.__file__).parents[1])  # this checkout's code, as pytest imports it
    done = subprocess.run([sys.executable, "-c", script], env={"PYTHONPATH": src}, capture_output=True)
    assert done.returncode == -9, done.stderr


def test_a_killed_write_leaves_a_temp_file_no_reader_sees_and_the_next_run_sweeps(
    lake_home: Path,
) -> None:
    import os
    import time

    from jozi_lake.config import env_config
    from jozi_lake.local.backend import LocalBackend
    from jozi_lake.local.catalog import LocalCatalog
    from jozi_lake.local.pipeline import recent_runs
    from jozi_lake.storage import STALE_TEMP_SECONDS

    env = env_config("local")
    backend = LocalBackend(env)
    bucket = env.local_s3_root / env.bucket
    written = {
        "object": bucket / "state" / "processed" / "orders.json",
        "catalog": lake_home / "glue-catalog" / env.database("silver") / "orders.json",
        "run record": lake_home / "pipeline-runs" / "20260601T010000Z-abcdef.json",
    }
    for target in written.values():
        _killed_write(target)
    left = {name: list(target.parent.glob(f".{target.name}.*.tmp")) for name, target in written.items()}
    assert all(len(found) == 1 for found in left.values()), left
    assert not any(t.exists() for t in written.values())

    # Readers never see them: the bucket listing (the crawler, the jobs' bookkeeping), the catalog,
    # the run history.
    assert list(backend.store.list_keys()) == []
    assert LocalCatalog.for_env(env).list_tables(env.database("silver")) == []
    assert recent_runs(env) == []

    # A fresh one may be a write in progress: kept. Once older than the safe age it is swept, and
    # nothing else is touched: the lease's lock file, Spark's hidden files, real objects.
    assert backend.sweep_leftovers() == []
    old = time.time() - STALE_TEMP_SECONDS - 60
    keep = [bucket / "state" / "leases" / ".pipeline.json.lock.tmp", bucket / "silver" / ".part-0.crc"]
    backend.store.put_bytes("state/processed/menu.json", b"{}")
    keep.append(bucket / "state" / "processed" / "menu.json")
    for path in keep:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    for path in [*keep, *(p for found in left.values() for p in found)]:
        os.utime(path, (old, old))
    swept = backend.sweep_leftovers()
    assert sorted(swept) == sorted(p for found in left.values() for p in found)
    assert all(p.exists() for p in keep)
    assert [p for p in lake_home.rglob("*.tmp") if p not in keep] == []
