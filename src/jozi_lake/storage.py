"""Object storage behind one small interface: S3 on AWS, a directory locally, same bucket/key layout.

Everything that reads or writes lake objects from plain Python (ingestion, manifests, job state, the local
crawler, CLI uploads) goes through :class:`ObjectStore`, so the code above it cannot tell the two apart.
Spark reads and writes data files itself, through the URI from :meth:`ObjectStore.uri`.

Writes are atomic in both implementations: an S3 PUT is all-or-nothing, and the local store writes a
hidden temporary file in the target folder and renames it into place. Conditional writes (create only if
absent, replace only if unchanged) are S3's ``If-None-Match``/``If-Match`` and, locally, an exclusive
create and a lock around compare-and-replace: what the run lease (:mod:`jozi_lake.lease`) stands on.
Readers (Spark, DuckDB, the crawler) skip names starting with ``.`` or ``_``, so a half-written temporary
file is never seen. A write killed before its rename leaves its temporary file behind; the next local run
sweeps those older than :data:`STALE_TEMP_SECONDS` (:func:`sweep_temp_files`).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

from jozi_lake.errors import LakeError
from jozi_lake.retries import runtime_client


class StorageError(RuntimeError):
    """A storage operation failed; the message names the bucket and key."""


class DiskFull(LakeError):
    """The local disk (or quota) under the lake is full: rerunning cannot help until space is freed."""

    def __init__(self, what: str, root: Path | str) -> None:
        super().__init__(f"no space left on device writing {what}", f"free space under {root} and rerun")


_FULL = (errno.ENOSPC, errno.EDQUOT)


@contextmanager
def _disk_full_is_a_lake_error(what: str, root: Path | str) -> Iterator[None]:
    """Turn ENOSPC/EDQUOT into :class:`DiskFull`: the one place a full local disk becomes a clear error."""
    try:
        yield
    except OSError as err:
        if err.errno in _FULL:
            raise DiskFull(what, root) from None
        raise


# The temporary file of an atomic write: ``.<target name>.<8 random characters>.tmp`` (mkstemp's names).
# The lock file of a conditional replace (``.<name>.lock.tmp``) does not match: it is never swept.
TEMP_SUFFIX = ".tmp"
_TEMP_FILE = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")
# A write in progress touches its temporary file with every chunk and renames it within seconds of the
# last (small files: JSON records, catalog entries, bronze pages). One hour is far beyond that, so an
# older one was left by a killed or crashed writer and nothing will ever rename it.
STALE_TEMP_SECONDS = 3600.0


def _temp_file(target: Path) -> tuple[int, str]:
    return tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)


def is_temp_name(name: str) -> bool:
    """Whether a file name is a local write in progress (an atomic write's or a lock): never an object."""
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


def sweep_temp_files(
    root: Path, older_than_seconds: float = STALE_TEMP_SECONDS, now: float | None = None
) -> list[Path]:
    """Delete the temporary files of atomic writes under ``root`` older than ``older_than_seconds``.

    What a killed :func:`write_file_atomically` leaves behind (readers never see it, but it takes space
    and is noise). Only names of that pattern are touched: lock files, Spark's own hidden files and any
    other file stay. Returns the files removed.
    """
    if not root.is_dir():
        return []
    moment = time.time() if now is None else now
    removed: list[Path] = []
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            if not _TEMP_FILE.match(name):
                continue
            path = Path(dirpath, name)
            try:
                if moment - path.stat().st_mtime <= older_than_seconds:
                    continue  # perhaps a write in progress
                path.unlink()
            except FileNotFoundError:
                continue  # renamed or removed meanwhile
            removed.append(path)
    return removed


def write_file_atomically(target: Path, data: bytes, what: str, root: Path | str) -> None:
    """Write ``target`` whole or not at all: a hidden temporary file beside it, fsync, rename.

    Readers never see half a file, even when the process is killed or the disk fills mid-write (the
    temporary file is removed and :class:`DiskFull` names ``what`` and the folder to free). Used for
    the local bucket, the local catalog and the local run records alike. A kill between the write and
    the rename leaves the hidden ``.<name>.<random>.tmp``; :func:`sweep_temp_files` removes it later.
    """
    with _disk_full_is_a_lake_error(what, root):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _temp_file(target)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def is_disk_full_message(text: str) -> bool:
    """Whether an error from another writer (Spark's Hadoop file system) says the disk is full."""
    return "No space left on device" in text or "Disk quota exceeded" in text


class ObjectStore(Protocol):
    """The few operations the lake needs from S3."""

    bucket: str

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        """Write the whole object atomically (replaces an existing one)."""

    def get_bytes(self, key: str) -> bytes:
        """Read the whole object; raises :class:`KeyError` when it does not exist."""

    def exists(self, key: str) -> bool: ...

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        """Keys under ``prefix`` in lexicographic order, like S3's ListObjectsV2."""

    def delete(self, key: str) -> None:
        """Remove the object if present (no error when it is already gone)."""

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object under ``prefix``; how many. A prefix ending in ``/`` leaves no folder
        behind on a local store either: S3 has none, and an empty partition folder would still be
        listed as a partition."""

    def uri(self, key: str = "") -> str:
        """The URI Spark/DuckDB use for ``key``: ``s3://bucket/key`` or ``file:///.../bucket/key``."""

    def create(self, key: str, data: bytes) -> bool:
        """Write the object only if no object has that key; False when one exists (nothing written)."""

    def read_versioned(self, key: str) -> tuple[bytes, str]:
        """The object and a version token for :meth:`replace_if`; KeyError when it does not exist."""

    def replace_if(self, key: str, data: bytes, version: str) -> bool:
        """Replace the object only if it is still at ``version``; False when it changed (nothing written)."""


class LocalObjectStore:
    """A directory standing in for an S3 bucket: ``<root>/<bucket>/<key>``."""

    def __init__(self, root: Path | str, bucket: str) -> None:
        self.root = Path(root).resolve()
        self.bucket = bucket
        self.base = self.root / bucket

    def _path(self, key: str) -> Path:
        if key.startswith("/") or ".." in Path(key).parts:
            raise StorageError(f"invalid key {key!r}: keys are relative and may not contain '..'")
        return self.base / key

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        write_file_atomically(self._path(key), data, key, self.root)

    def get_bytes(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise KeyError(f"{self.uri(key)} does not exist") from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        if not self.base.is_dir():
            return iter(())
        keys = []
        for dirpath, _dirnames, filenames in os.walk(self.base):
            for name in filenames:
                if is_temp_name(name):
                    continue  # an atomic write in progress (or a lock) is not an object
                key = Path(dirpath, name).relative_to(self.base).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        return iter(sorted(keys))

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        keys = list(self.list_keys(prefix))
        for key in keys:
            self.delete(key)
        folder = self._path(prefix.rstrip("/")) if prefix.endswith("/") and prefix.strip("/") else None
        if folder is not None and folder.is_dir():
            # Bottom-up; a folder that still holds something (a write in progress) stays.
            for dirpath, _dirnames, _filenames in os.walk(folder, topdown=False):
                with suppress(OSError):
                    os.rmdir(dirpath)
        return len(keys)

    def create(self, key: str, data: bytes) -> bool:
        target = self._path(key)
        with _disk_full_is_a_lake_error(key, self.root):
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = _temp_file(target)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.link(
                    tmp, target
                )  # fails if the target exists: the exclusive create, complete when visible
                return True
            except FileExistsError:
                return False
            finally:
                Path(tmp).unlink(missing_ok=True)

    def read_versioned(self, key: str) -> tuple[bytes, str]:
        data = self.get_bytes(key)
        return data, hashlib.sha256(data).hexdigest()

    def replace_if(self, key: str, data: bytes, version: str) -> bool:
        target = self._path(key)
        lock_path = target.with_name(f".{target.name}.lock{TEMP_SUFFIX}")  # hidden, never swept
        with _disk_full_is_a_lake_error(key, self.root):
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            lock = open(lock_path, "a+b")  # noqa: SIM115 (closed by the with below)
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # writers of this key take turns; readers see whole files
            try:
                current = hashlib.sha256(target.read_bytes()).hexdigest()
            except FileNotFoundError:
                return False
            if current != version:
                return False
            self.put_bytes(key, data)
            return True

    def uri(self, key: str = "") -> str:
        """``file://`` + the raw path, as ``s3://bucket/key`` is raw: Hadoop and the crawler take the
        path literally, so percent-encoding (``ingest_date%3D...``) would name a folder that isn't there."""
        path = (self.base / key if key else self.base).as_posix()
        return "file://" + path + ("/" if key.endswith("/") and not path.endswith("/") else "")


# The error codes S3 and the other services throttle with (retried by botocore first).
_THROTTLED = {"SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "ServiceUnavailable"}


class Throttled(LakeError):
    """AWS kept throttling after every retry: the one message for it, runtime (S3 here) and CLI alike."""

    def __init__(self, code: str, action: str, attempts: int) -> None:
        super().__init__(
            f"AWS is throttling requests ({code}) while {action}, even after {attempts} attempts",
            "wait a minute and run the command again; if it persists, lower the run's parallelism "
            "(S3 takes about 3,500 writes and 5,500 reads per second per prefix)",
        )


class S3ObjectStore:
    """An S3 bucket through boto3 (the client comes from the caller so tests can point it at moto).

    Without a client it builds :func:`runtime_client` (standard retries). Throttling that outlasts the
    retries ends as :class:`Throttled`, naming the object and the fix, instead of a traceback.
    """

    def __init__(self, bucket: str, client: Any | None = None) -> None:
        self.bucket = bucket
        self.client = client if client is not None else runtime_client("s3")

    @contextmanager
    def _throttling(self, action: str, key: str) -> Iterator[None]:
        from botocore.exceptions import ClientError

        try:
            yield
        except ClientError as err:
            code = str(err.response.get("Error", {}).get("Code", ""))
            if code not in _THROTTLED:
                raise
            attempts = err.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) + 1
            raise Throttled(code, f"{action} {self.uri(key)}", attempts) from None

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else {}
        with self._throttling("writing", key):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, **extra)

    def get_bytes(self, key: str) -> bytes:
        try:
            with self._throttling("reading", key):
                return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            raise KeyError(f"{self.uri(key)} does not exist") from None

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            with self._throttling("reading", key):
                self.client.head_object(Bucket=self.bucket, Key=key)
            return True
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        with self._throttling("listing", prefix):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    yield obj["Key"]

    def delete(self, key: str) -> None:
        with self._throttling("deleting", key):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def delete_prefix(self, prefix: str) -> int:
        keys = list(self.list_keys(prefix))
        for key in keys:
            self.delete(key)
        return len(keys)

    def _precondition_failed(self, err: Exception) -> bool:
        from botocore.exceptions import ClientError

        return isinstance(err, ClientError) and err.response.get("Error", {}).get("Code") in (
            "PreconditionFailed",
            "ConditionalRequestConflict",  # a concurrent conditional write to the same key won
        )

    def create(self, key: str, data: bytes) -> bool:
        try:
            with self._throttling("writing", key):
                self.client.put_object(Bucket=self.bucket, Key=key, Body=data, IfNoneMatch="*")
            return True
        except Exception as err:
            if self._precondition_failed(err):
                return False
            raise

    def read_versioned(self, key: str) -> tuple[bytes, str]:
        try:
            with self._throttling("reading", key):
                response = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey:
            raise KeyError(f"{self.uri(key)} does not exist") from None
        return response["Body"].read(), str(response["ETag"])

    def replace_if(self, key: str, data: bytes, version: str) -> bool:
        try:
            with self._throttling("writing", key):
                self.client.put_object(Bucket=self.bucket, Key=key, Body=data, IfMatch=version)
            return True
        except Exception as err:
            if self._precondition_failed(err) or _is_missing(err):
                return False
            raise

    def uri(self, key: str = "") -> str:
        return f"s3://{self.bucket}/{key}"


def _is_missing(err: Exception) -> bool:
    from botocore.exceptions import ClientError

    return isinstance(err, ClientError) and err.response.get("Error", {}).get("Code") in ("NoSuchKey", "404")


def store_for_uri(lake_root: str, s3_client: Any | None = None) -> ObjectStore:
    """The store behind a ``--lake_root`` job argument (``s3://bucket`` or ``file:///.../bucket``)."""
    parsed = urlparse(lake_root)
    if parsed.scheme == "s3":
        return S3ObjectStore(parsed.netloc, client=s3_client)
    if parsed.scheme in ("file", ""):
        # Raw (file:///a b/x) and percent-encoded (file:///a%20b/x) URIs name the same folder.
        path = Path(unquote(parsed.path) if parsed.scheme else lake_root).resolve()
        return LocalObjectStore(path.parent, path.name)
    raise StorageError(f"unsupported lake root {lake_root!r}: use s3://bucket or file:///path/to/bucket")


def store_for_env(env: Any, s3_client: Any | None = None) -> ObjectStore:
    """The lake bucket of an :class:`~jozi_lake.config.EnvConfig`."""
    if env.is_local:
        return LocalObjectStore(env.local_s3_root, env.bucket)
    return S3ObjectStore(env.bucket, client=s3_client)
