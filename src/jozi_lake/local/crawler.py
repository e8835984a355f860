"""The local crawler: what a Glue crawler does to the lake bucket, done on the local directory.

Per layer it walks ``<bucket>/<layer>/<table>/``, one table per dataset folder, and writes
Glue-shaped table definitions to the local catalog. Choices, made the way a Glue user configures a
crawler for a medallion lake (see ``docs/querying.md``):

* **Targets and databases**: each layer into ``env.database(layer)``; ``quarantine`` (its own crawl target
  and pipeline stage, as on AWS, where it is its own crawler) into the *silver* database as
  ``quarantine_<table>`` (:meth:`~jozi_lake.config.LakeConfig.catalog_layer`), so analysts find rejects
  next to the table they were rejected from; ``ops`` (the lake's own run tables) into
  ``env.database("ops")``. A target owns only its own tables of a database: a silver
  crawl never drops ``quarantine_*`` tables, a quarantine crawl never drops silver's.
* **Partitions** come from ``key=value`` folders; keys are typed ``string`` like Glue's crawler does,
  values are URL-decoded (Hive escapes ``:`` and ``/`` in folder names).
* **Not data**: any path part starting with ``_`` or ``.`` (state, manifests, reports, temp files),
  empty files and files with unknown extensions (counted in the result's warnings).
* **Schemas** come from every file (Parquet footers through DuckDB; the first 1,000 records of JSON
  lines, like Glue's classifier sample) and are combined: ``CombineCompatibleSchemas`` plus
  ``MergeNewColumns``. A new column is appended, numbers widen, and an incompatible change (``bigint``
  -> ``string``) keeps the table's type and is reported as a :class:`SchemaConflict`; no table is forked.
* **Recrawl**: new partitions are added and partitions whose folders are gone are dropped, as is a
  table whose folder is gone (``schema_change_policy.delete_behavior = DELETE_FROM_DATABASE``), so the
  catalog never points Athena at missing data.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from jozi_lake import faults
from jozi_lake.backend import CrawlResult, SchemaConflict, TableOutcome
from jozi_lake.backlog import mark_crawled
from jozi_lake.catalog.hive_types import (
    JSON_SCALAR_TYPES,
    HiveType,
    format_hive_type,
    from_duckdb_type,
    infer_json_value,
    merge_types,
    parse_hive_type,
    widen_within_sample,
)
from jozi_lake.catalog.model import Column, Partition, TableDefinition
from jozi_lake.config import EnvConfig, load_config
from jozi_lake.errors import LakeError
from jozi_lake.local.catalog import LocalCatalog
from jozi_lake.sources import BRONZE_JSON_DOCUMENT, bronze_format
from jozi_lake.storage import LocalObjectStore

# Glue's classifier reads about the first 1,000 records or 1 MB of a file.
JSON_SAMPLE_RECORDS = 1000
JSON_SAMPLE_BYTES = 1024 * 1024

# Recognised data files: suffix -> (classification, compression). Longest suffixes first.
_FILE_FORMATS: list[tuple[str, tuple[str, str]]] = [
    (".json.gz", ("json", "gzip")),
    (".jsonl.gz", ("json", "gzip")),
    (".ndjson.gz", ("json", "gzip")),
    (".csv.gz", ("csv", "gzip")),
    (".parquet", ("parquet", "none")),
    (".json", ("json", "none")),
    (".jsonl", ("json", "none")),
    (".ndjson", ("json", "none")),
    (".csv", ("csv", "none")),
]


@dataclass(frozen=True)
class _CrawlTarget:
    """What one crawl (one Glue crawler on AWS) reads and where it catalogues it."""

    name: str  # a layer, or "quarantine"
    prefix: str  # e.g. "silver/"
    database_layer: str  # the layer whose database holds its tables
    table_prefix: str  # "" or "quarantine_"


def crawl_target(name: str) -> _CrawlTarget:
    """The crawl target ``name`` (a layer, or quarantine, which lands in the silver database)."""
    config = load_config()
    if name not in config.crawl_targets:
        raise LakeError(f"unknown layer {name!r}", f"choose one of: {', '.join(config.crawl_targets)}")
    return _CrawlTarget(name, config.prefixes[name], config.catalog_layer(name), config.table_prefix(name))


def _owner(table: str, targets: list[_CrawlTarget]) -> _CrawlTarget | None:
    """The target a table of a database belongs to: the one with the longest matching table prefix."""
    matching = [t for t in targets if table.startswith(t.table_prefix)]
    return max(matching, key=lambda t: len(t.table_prefix), default=None)


def local_location(store: LocalObjectStore, key: str) -> str:
    """``file://<bucket dir>/<key>`` written raw, like ``s3://bucket/key`` (no percent-encoding).

    Hive already escaped partition values in the folder names; encoding the URI again would turn
    ``order_date=...`` into ``order_date%3D...`` and ``%3A`` into ``%253A``.
    """
    return store.uri(key)


def _is_hidden(part: str) -> bool:
    return part.startswith(("_", "."))


def data_file_format(name: str) -> tuple[str, str] | None:
    lowered = name.lower()
    for suffix, fmt in _FILE_FORMATS:
        if lowered.endswith(suffix):
            return fmt
    return None


def crawl(env: EnvConfig, layers: Iterable[str] | None = None) -> CrawlResult:
    """Crawl the given targets (layers or ``quarantine``; default: all) of the local lake into the catalog."""
    if not env.is_local:
        raise LakeError(f"the local crawler only crawls the local lake, not {env.name!r}")
    chosen = list(layers) if layers else load_config().crawl_targets
    bucket_dir = env.local_s3_root / env.bucket
    if not bucket_dir.is_dir() or not any(bucket_dir.iterdir()):
        raise LakeError(f"the local lake at {bucket_dir} is empty", "run 'make demo' or 'lake run-pipeline'")
    store = LocalObjectStore(env.local_s3_root, env.bucket)
    catalog = LocalCatalog.for_env(env)
    result = CrawlResult(layers=chosen)
    targets = [crawl_target(name) for name in chosen]
    for target in targets:
        started = datetime.now(UTC)
        _crawl_target(env, target, store, catalog, result)
        # What Glue records of a crawler's last crawl; the pipeline's crawl stages decide from it.
        mark_crawled(store, target.name, started)
    return result


def _crawl_target(
    env: EnvConfig, target: _CrawlTarget, store: LocalObjectStore, catalog: LocalCatalog, result: CrawlResult
) -> None:
    database = env.database(target.database_layer)
    seen_tables: set[str] = set()
    files_by_table: dict[str, list[str]] = {}
    for key in store.list_keys(target.prefix):
        parts = key[len(target.prefix) :].split("/")
        if len(parts) < 2 or any(_is_hidden(p) for p in parts):
            continue
        files_by_table.setdefault(parts[0], []).append(key)
    for folder, keys in sorted(files_by_table.items()):
        name = target.table_prefix + folder
        table = _crawl_table(database, name, target.prefix + folder + "/", keys, store, catalog, result)
        if table is not None:
            seen_tables.add(name)
        faults.checkpoint(f"crawl.table_written.{name}")  # the target is crawled half-way, not marked
    # Only this target's tables of the database can be stale: the others are another crawl's.
    sharing = [crawl_target(t) for t in load_config().crawl_targets]
    sharing = [t for t in sharing if t.database_layer == target.database_layer]
    owned = {t for t in catalog.list_tables(database) if _owner(t, sharing) == target}
    for stale in sorted(owned - seen_tables):
        old = catalog.get_table(database, stale)
        catalog.delete_table(database, stale)
        FileSchemaCache.for_table(catalog, database, stale).delete()
        result.tables.append(
            TableOutcome(database, stale, "deleted", len(old.columns), 0, 0, len(old.partitions))
        )


class FileSchemaCache:
    """Schemas of files already crawled, keyed by object key and (size, mtime), per table.

    A Glue crawler re-reads only new folders when told to (``CRAWL_NEW_FOLDERS_ONLY``); this cache
    gives recrawls the same speed without that policy's blind spot: a rewritten file (new size or
    modification time) is read again. It lives in ``<catalog>/_crawler/`` (names starting with ``_``
    are not databases) and is only an accelerator: deleting it just makes the next crawl slower.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, dict[str, Any]] = {}
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self.entries = loaded
        except (OSError, ValueError):
            self.entries = {}  # missing or damaged: crawl from scratch

    @classmethod
    def for_table(cls, catalog: LocalCatalog, database: str, name: str) -> FileSchemaCache:
        return cls(catalog.root / "_crawler" / database / f"{name}.json")

    @staticmethod
    def _fingerprint(info: _FileInfo) -> list[int]:
        stat = info.path.stat()
        return [stat.st_size, stat.st_mtime_ns]

    def get(self, info: _FileInfo) -> dict[str, HiveType] | None:
        entry = self.entries.get(info.key)
        if not entry or entry.get("fingerprint") != self._fingerprint(info):
            return None
        try:
            return {column: parse_hive_type(hive_type) for column, hive_type in entry["columns"]}
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, info: _FileInfo, schema: dict[str, HiveType]) -> None:
        self.entries[info.key] = {
            "fingerprint": self._fingerprint(info),
            "columns": [[column, format_hive_type(hive_type)] for column, hive_type in schema.items()],
        }

    def save(self, keep: set[str]) -> None:
        """Write the entries of the files still in the table (atomically)."""
        entries = {key: value for key, value in self.entries.items() if key in keep}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(entries, fh)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def delete(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass
class _FileInfo:
    key: str
    path: Path
    partition_keys: tuple[str, ...]
    partition_values: tuple[str, ...]
    partition_folder: str  # as on disk, still URL-escaped
    classification: str
    compression: str


def _crawl_table(
    database: str,
    name: str,
    table_prefix: str,
    keys: list[str],
    store: LocalObjectStore,
    catalog: LocalCatalog,
    result: CrawlResult,
) -> TableDefinition | None:
    files = _data_files(database, name, table_prefix, keys, store, result)
    if not files:
        return None
    formats: dict[tuple[str, str], int] = {}
    for info in files:
        fmt = (info.classification, info.compression)
        formats[fmt] = formats.get(fmt, 0) + 1
    classification, compression = max(formats, key=lambda fmt: formats[fmt])
    if len(formats) > 1:
        odd = [f for f in files if (f.classification, f.compression) != (classification, compression)]
        result.warnings.append(
            f"{database}.{name}: {len(odd)} file(s) not in the table's format {classification}/{compression} "
            f"were left out (e.g. {odd[0].key}); a Glue crawler would split the table"
        )
        files = [f for f in files if (f.classification, f.compression) == (classification, compression)]

    partition_keys = files[0].partition_keys
    consistent = [f for f in files if f.partition_keys == partition_keys]
    for info in files:
        if info.partition_keys != partition_keys:
            result.warnings.append(
                f"{database}.{name}: {info.key} has partition folders {list(info.partition_keys)}, "
                f"the table has {list(partition_keys)}; file left out"
            )
    files = consistent

    try:
        existing: TableDefinition | None = catalog.get_table(database, name)
    except LakeError:
        existing = None

    columns: dict[str, HiveType] = {}
    if existing is not None:
        columns = {c.name: parse_hive_type(c.type) for c in existing.columns}
    import duckdb

    cache = FileSchemaCache.for_table(catalog, database, name)
    connection = duckdb.connect()
    try:
        for info in files:
            file_schema = cache.get(info)
            if file_schema is None:
                file_schema = _file_schema(connection, info, result, f"{database}.{name}")
                if file_schema is not None:
                    cache.put(info, file_schema)
            for column, column_type in (file_schema or {}).items():
                if column in partition_keys:
                    continue  # the folder value is the partition column; Glue drops the copy
                if column not in columns:
                    columns[column] = column_type
                    continue
                merged, conflict = merge_types(columns[column], column_type)
                if conflict:
                    result.conflicts.append(
                        SchemaConflict(
                            database,
                            name,
                            column,
                            format_hive_type(columns[column]),
                            format_hive_type(column_type),
                            info.key,
                        )
                    )
                else:
                    columns[column] = merged
    finally:
        connection.close()
    cache.save(keep={info.key for info in files})

    partitions_by_values: dict[tuple[str, ...], Partition] = {}
    for info in files:
        if info.partition_values not in partitions_by_values:
            folder = info.partition_folder
            location = local_location(store, table_prefix + (folder + "/" if folder else ""))
            partitions_by_values[info.partition_values] = Partition(info.partition_values, location)
    partitions = [partitions_by_values[v] for v in sorted(partitions_by_values)] if partition_keys else []

    now = datetime.now(UTC).isoformat(timespec="seconds")
    table = TableDefinition(
        database=database,
        name=name,
        columns=[Column(c, format_hive_type(t)) for c, t in columns.items()],
        partition_keys=[Column(k, "string") for k in partition_keys],
        location=local_location(store, table_prefix),
        classification=classification,
        compression=compression,
        parameters={"objectCount": str(len(files)), "crawler": "jozi-lake-local"},
        partitions=partitions,
        create_time=existing.create_time if existing else now,
        update_time=now,
    )
    old_values = {p.values for p in existing.partitions} if existing else set()
    new_values = {p.values for p in partitions}
    old_columns = [c.name for c in existing.columns] if existing else []
    if existing is None:
        action = "created"
    elif table.columns != existing.columns or table.partition_keys != existing.partition_keys:
        action = "updated"
    else:
        action = "unchanged"
    catalog.put_table(table)
    result.tables.append(
        TableOutcome(
            database,
            name,
            action,
            len(table.columns),
            len(partitions),
            len(new_values - old_values),
            len(old_values - new_values),
            [c.name for c in table.columns if existing is not None and c.name not in old_columns],
        )
    )
    return table


def _data_files(
    database: str, name: str, table_prefix: str, keys: list[str], store: LocalObjectStore, result: CrawlResult
) -> list[_FileInfo]:
    files: list[_FileInfo] = []
    for key in keys:
        path = store.base / key
        folders = key[len(table_prefix) :].split("/")[:-1]
        if any("=" not in folder for folder in folders):
            result.warnings.append(f"{database}.{name}: {key} is in a folder that is not key=value; left out")
            continue
        fmt = data_file_format(path.name)
        if fmt is None:
            result.warnings.append(f"{database}.{name}: {_left_out_why(key)}")
            continue
        if path.stat().st_size == 0:
            continue  # an empty object carries no schema and no rows
        pairs = [folder.split("=", 1) for folder in folders]
        files.append(
            _FileInfo(
                key=key,
                path=path,
                partition_keys=tuple(k for k, _ in pairs),
                partition_values=tuple(unquote(v) for _, v in pairs),
                partition_folder="/".join(folders),
                classification=fmt[0],
                compression=fmt[1],
            )
        )
    return files


def _left_out_why(key: str) -> str:
    """Why a file is not part of its table, and where its rows are instead."""
    found = bronze_format(key)
    if found is not None and found[0] == BRONZE_JSON_DOCUMENT:
        return (
            f"{key} is one JSON document (an API page or JSON file, records at the source's records_path), "
            "which a table of one row per line cannot read; left out of the bronze table: its records "
            "are in the silver table (and quarantine)"
        )
    return f"{key} is not a recognised data file; left out"


def _file_schema(
    connection: Any, info: _FileInfo, result: CrawlResult, table: str
) -> dict[str, HiveType] | None:
    """Column name -> Hive type of one data file (None, with a warning, when unreadable)."""
    try:
        if info.classification == "json":
            return _json_schema(info.path, info.compression)
        if info.classification == "parquet":
            relation = connection.read_parquet(str(info.path), hive_partitioning=False)
        else:
            relation = connection.read_csv(str(info.path), header=True, hive_partitioning=False)
        return {c: from_duckdb_type(t) for c, t in zip(relation.columns, relation.types, strict=True)}
    except Exception as err:  # a corrupt file must not stop the crawl of the others
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        result.warnings.append(f"{table}: could not read the schema of {info.key}: {first_line}")
        return None


def _json_schema(path: Path, compression: str) -> dict[str, HiveType]:
    """Infer from the first records of a JSON-lines file; lines that are not objects are skipped."""
    opener = open if compression == "none" else gzip.open
    schema: dict[str, HiveType] = {}
    with opener(path, "rb") as raw, io.TextIOWrapper(raw, encoding="utf-8", errors="replace") as text:
        records = sampled_bytes = 0
        for line in text:
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(record, dict):
                continue
            for key, value in record.items():
                observed = JSON_SCALAR_TYPES.get(type(value)) or infer_json_value(value)
                current = schema.get(key)
                if current is None:
                    schema[key] = observed
                elif current != observed:
                    schema[key] = widen_within_sample(current, observed)
            records += 1
            sampled_bytes += len(line)
            if records >= JSON_SAMPLE_RECORDS or sampled_bytes >= JSON_SAMPLE_BYTES:
                break
    return schema
