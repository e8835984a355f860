"""Small helpers between the jobs and the lake: JSON state files, partition listing, staged publishing.

Job bookkeeping (processed batches, change logs, reports) goes through the :class:`ObjectStore`, so it
behaves the same on S3 and on a local folder; data files are read and written by Spark through the
store's URIs.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from jozi_lake.contracts import ColumnSpec, spark_ddl
from jozi_lake.layout import is_data_key
from jozi_lake.storage import ObjectStore

DATA_SUFFIXES = (".parquet",)


def spark_uri(store: ObjectStore, key: str = "") -> str:
    """The URI Spark should use for ``key``: the store's own, raw for local folders and S3 alike."""
    return store.uri(key)


def read_json(store: ObjectStore, key: str, default: Any) -> Any:
    try:
        return json.loads(store.get_bytes(key))
    except KeyError:
        return default


def write_json(store: ObjectStore, key: str, value: Any) -> None:
    store.put_bytes(key, json.dumps(value, indent=2, sort_keys=True).encode("utf-8"), "application/json")


def has_data(store: ObjectStore, prefix: str) -> bool:
    return any(is_data_key(k, prefix) and k.endswith(DATA_SUFFIXES) for k in store.list_keys(prefix))


def partition_values(store: ObjectStore, prefix: str, column: str) -> set[str]:
    """Values of ``column=`` folders holding data files under ``prefix`` (listing only, no Spark job)."""
    pattern = re.compile(rf"(?:^|/){re.escape(column)}=([^/]+)/")
    values = set()
    for key in store.list_keys(prefix):
        if is_data_key(key, prefix) and key.endswith(DATA_SUFFIXES):
            match = pattern.search(key[len(prefix) :])
            if match:
                values.add(match.group(1))
    return values


def partition_folders(store: ObjectStore, prefix: str) -> bool:
    """True when data files under ``prefix`` sit in ``key=value`` folders (a partitioned layout)."""
    return any(
        "=" in key[len(prefix) :].split("/")[0]
        for key in store.list_keys(prefix)
        if is_data_key(key, prefix) and key.endswith(DATA_SUFFIXES) and "/" in key[len(prefix) :]
    )


def delete_partitions(store: ObjectStore, table_prefix: str, column: str, values: set[str]) -> None:
    """Remove whole partitions: what dynamic overwrite cannot do for a partition that became empty."""
    for value in sorted(values):
        store.delete_prefix(f"{table_prefix}{column}={value}/")


def read_table(
    spark: SparkSession, store: ObjectStore, prefix: str, columns: tuple[ColumnSpec, ...]
) -> DataFrame:
    """A Parquet table (partitioned or not) read with the contract schema (never inferred), or raise
    KeyError when it has no data files."""
    if not has_data(store, prefix):
        raise KeyError(prefix)
    return spark.read.schema(spark_ddl(columns)).parquet(spark_uri(store, prefix))


def write_partitions(frame: DataFrame, uri: str, partition_column: str) -> None:
    """Overwrite exactly the partitions present in ``frame`` (one file per partition), keep the rest."""
    (
        frame.repartition(partition_column)
        .sortWithinPartitions(partition_column)
        .write.mode("overwrite")
        .option("partitionOverwriteMode", "dynamic")
        .option("compression", "snappy")
        .partitionBy(partition_column)
        .parquet(uri)
    )


def write_table(frame: DataFrame, uri: str) -> None:
    """Replace an unpartitioned table with ``frame`` (one file): reference tables and unpartitioned gold
    models are small and always rewritten whole, so static overwrite of the folder is the publish."""
    (
        frame.coalesce(1)
        .write.mode("overwrite")
        .option("partitionOverwriteMode", "static")
        .option("compression", "snappy")
        .parquet(uri)
    )
