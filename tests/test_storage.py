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
