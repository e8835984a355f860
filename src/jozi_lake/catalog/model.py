"""Catalog objects in the shape of the Glue Data Catalog, and the small interface over them.

The local catalog stores exactly what Glue's ``GetTable``/``GetPartitions`` return, so the query
engine, the CLI and tests read tables the same way whether they came from the local crawler or, on
AWS, from Glue (another implementation of :class:`Catalog`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

# Hive storage classes per file format, as a Glue crawler sets them.
_FORMATS: dict[str, dict[str, Any]] = {
    "parquet": {
        "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "SerdeInfo": {
            "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
            "Parameters": {"serialization.format": "1"},
        },
    },
    "json": {
        "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe", "Parameters": {}},
    },
    "csv": {
        "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "SerdeInfo": {
            "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
            "Parameters": {"field.delim": ","},
        },
    },
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Hive spelling, e.g. "bigint", "decimal(10,2)", "struct<a:string>"

    def to_glue(self) -> dict[str, str]:
        return {"Name": self.name, "Type": self.type}


@dataclass(frozen=True)
class Partition:
    values: tuple[str, ...]
    location: str

    def to_glue(self, table: TableDefinition) -> dict[str, Any]:
        return {
            "Values": list(self.values),
            "DatabaseName": table.database,
            "TableName": table.name,
            "StorageDescriptor": table.storage_descriptor(self.location),
        }


@dataclass
class TableDefinition:
    """One catalogued table: data columns, partition keys, where it lives and how it is stored."""

    database: str
    name: str
    columns: list[Column]
    partition_keys: list[Column]
    location: str
    classification: str  # parquet | json | csv
    compression: str = "none"
    parameters: dict[str, str] = field(default_factory=dict)
    partitions: list[Partition] = field(default_factory=list)
    create_time: str | None = None
    update_time: str | None = None

    @property
    def qualified_name(self) -> str:
        return f"{self.database}.{self.name}"

    def storage_descriptor(self, location: str | None = None) -> dict[str, Any]:
        fmt = _FORMATS[self.classification]
        serde = {"SerializationLibrary": fmt["SerdeInfo"]["SerializationLibrary"]}
        serde_parameters = dict(fmt["SerdeInfo"]["Parameters"])
        if self.classification == "json":
            serde_parameters["paths"] = ",".join(c.name for c in self.columns)
        serde["Parameters"] = serde_parameters
        return {
            "Columns": [c.to_glue() for c in self.columns],
            "Location": location or self.location,
            "InputFormat": fmt["InputFormat"],
            "OutputFormat": fmt["OutputFormat"],
            "Compressed": self.compression != "none",
            "SerdeInfo": serde,
        }

    def to_glue(self) -> dict[str, Any]:
        """``{"Table": <GetTable Table>, "Partitions": [<GetPartitions Partition>...]}``."""
        parameters = {
            "classification": self.classification,
            "compressionType": self.compression,
            "typeOfData": "file",
            **self.parameters,
        }
        if self.classification == "csv":
            parameters.setdefault("skip.header.line.count", "1")
        table: dict[str, Any] = {
            "Name": self.name,
            "DatabaseName": self.database,
            "TableType": "EXTERNAL_TABLE",
            "StorageDescriptor": self.storage_descriptor(),
            "PartitionKeys": [c.to_glue() for c in self.partition_keys],
            "Parameters": parameters,
        }
        if self.create_time:
            table["CreateTime"] = self.create_time
        if self.update_time:
            table["UpdateTime"] = self.update_time
        return {"Table": table, "Partitions": [p.to_glue(self) for p in self.partitions]}

    @classmethod
    def from_glue(cls, document: dict[str, Any]) -> TableDefinition:
        table = document["Table"]
        descriptor = table["StorageDescriptor"]
        parameters = dict(table.get("Parameters", {}))
        classification = parameters.pop("classification", "parquet")
        compression = parameters.pop("compressionType", "none")
        parameters.pop("typeOfData", None)
        return cls(
            database=table["DatabaseName"],
            name=table["Name"],
            columns=[Column(c["Name"], c["Type"]) for c in descriptor["Columns"]],
            partition_keys=[Column(c["Name"], c["Type"]) for c in table.get("PartitionKeys", [])],
            location=descriptor["Location"],
            classification=classification,
            compression=compression,
            parameters=parameters,
            partitions=[
                Partition(tuple(p["Values"]), p["StorageDescriptor"]["Location"])
                for p in document.get("Partitions", [])
            ],
            create_time=table.get("CreateTime"),
            update_time=table.get("UpdateTime"),
        )


class Catalog(Protocol):
    """What the query engine and the CLI need from a data catalog (local JSON files or AWS Glue)."""

    def list_databases(self) -> list[str]: ...

    def list_tables(self, database: str) -> list[str]: ...

    def get_table(self, database: str, name: str) -> TableDefinition:
        """The table with its partitions; raises :class:`~jozi_lake.errors.LakeError` if unknown."""

    def get_partitions(self, database: str, name: str) -> list[Partition]: ...
