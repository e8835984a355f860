"""Raw bronze records to source fields, keeping every record accounted for.

Bronze holds what each source sent: JSON lines, JSON documents (an array, or records under the
source's ``records_path``) and CSV files (:mod:`jozi_lake.sources` names the formats). The job turns
each into one frame of *lines*, one JSON object text per record, so one parser serves all: a document
is exploded into its records, a CSV row becomes a JSON object. A line that is not a JSON object (a
truncated write), a document that cannot be read, or text that is not valid UTF-8 is not dropped: it
keeps its raw text and gets a record error, which becomes its quarantine reason.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, StringType, StructField, StructType

from jozi_lake.batches import batch_id_of  # noqa: F401  (the one home of batch identity)
from jozi_lake.contracts import BATCH_COLUMN, RAW_PREFIX, SilverContract

CORRUPT_RECORD = "corrupt_record"
NON_UTF8 = "non_utf8"
# A JSON object (or CSV row) with no value under any field the contract reads, by any of their names: a
# file of another source, an export with other headers, an empty object or an all-blank row. Named as
# such instead of as every required column missing.
NO_KNOWN_VALUES = "no_known_values"
RECORD_ERRORS = (CORRUPT_RECORD, NON_UTF8, NO_KNOWN_VALUES)
RECORD_ERROR = "record_error"
# A lines-frame column: true for a "line" that is a whole bronze document whose records could not be
# found (it is quarantined as one corrupt record with its exact bytes).
UNREADABLE = "bronze_unreadable"
_CORRUPT_FIELD = "__corrupt_record"


def source_fields(contract: SilverContract) -> list[str]:
    """Every field name the source may use for the contract's columns (current and older names)."""
    seen: list[str] = []
    for col in contract.source_columns:
        for name in col.source_fields:
            if name not in seen:
                seen.append(name)
    return seen


def parse_lines(lines: DataFrame, contract: SilverContract) -> DataFrame:
    """Lines (``value``: the raw line, ``bronze_file``, ``bronze_batch_id``) to one row per record with
    raw source values.

    Output columns: ``raw_record`` (valid UTF-8 text of the line), ``raw_record_base64`` (the exact
    bytes, only for lines that are not valid UTF-8: for every other line ``raw_record`` is exact, see
    :func:`exact_bytes_base64`), ``bronze_file``, ``bronze_batch_id``, ``record_error`` (null, or one of
    :data:`RECORD_ERRORS`) and ``__raw_<column>`` for each contract column: the source
    text under the current or any older field name (schema evolution), or null. Blank lines are not
    records and are skipped.
    """
    schema = StructType(
        [StructField(name, StringType()) for name in source_fields(contract)]
        + [StructField(_CORRUPT_FIELD, StringType())]
    )
    raw_bytes = F.col("value").cast("binary")
    # Spark keeps the line's bytes as they are; re-encoding through Java strings replaces invalid UTF-8,
    # so a difference means the line was not valid UTF-8.
    # CSV rows were decoded by the CSV reader, which substitutes U+FFFD; the store never sends that character.
    not_utf8 = (F.encode(F.col("value"), "UTF-8") != raw_bytes) | (F.instr(F.col("value"), "\ufffd") > 0)
    parsed = F.from_json(
        F.col("value"), schema, {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": _CORRUPT_FIELD}
    )
    unreadable = F.col(UNREADABLE) if UNREADABLE in lines.columns else F.lit(False)
    frame = lines.where(F.trim(F.col("value")) != "").select(
        F.decode(F.encode(F.col("value"), "UTF-8"), "UTF-8").alias("raw_record"),
        F.col("bronze_file"),
        F.col(BATCH_COLUMN),
        not_utf8.alias("__not_utf8"),
        raw_bytes.alias("__raw_bytes"),
        parsed.alias("__parsed"),
        unreadable.alias("__unreadable"),
    )
    raw_of = {
        col.name: F.coalesce(*[F.col(f"__parsed.`{name}`") for name in col.source_fields])
        for col in contract.source_columns
    }
    record_error = (
        F.when(F.col("__not_utf8"), F.lit(NON_UTF8))
        .when(
            F.col("__unreadable")
            | F.col("__parsed").isNull()
            | F.col(f"__parsed.{_CORRUPT_FIELD}").isNotNull(),
            F.lit(CORRUPT_RECORD),
        )
        .when(F.coalesce(*raw_of.values(), F.lit(None)).isNull(), F.lit(NO_KNOWN_VALUES))
        .otherwise(F.lit(None).cast("string"))
    )
    raw_values = [value.alias(RAW_PREFIX + name) for name, value in raw_of.items()]
    return frame.select(
        "raw_record",
        F.when(F.col("__not_utf8"), F.base64(F.col("__raw_bytes"))).alias("raw_record_base64"),
        "bronze_file",
        BATCH_COLUMN,
        record_error.alias(RECORD_ERROR),
        *raw_values,
    )


def exact_bytes_base64() -> Column:
    """The line's exact bytes as base64, for the quarantine: kept from the read for non-UTF-8 lines,
    re-encoded from ``raw_record`` (which is then exact) for the rest. Only quarantined rows need it,
    so it is not carried through the job for every row."""
    return F.coalesce(F.col("raw_record_base64"), F.base64(F.encode(F.col("raw_record"), "UTF-8")))


def csv_rows_as_lines(
    csv_rows: DataFrame, bronze_file: str, batch_id: str, null_values: tuple[str, ...] = ()
) -> DataFrame:
    """Rows of a CSV file (all columns read as text) as JSON lines, so one parser serves every format.

    Empty CSV cells and the source's null tokens (``NA``, ``NULL`` ...) are null and left out of the
    JSON, which the parser reads as a missing value.
    """
    tokens = [t for t in null_values if t != ""]

    def cell(name: str) -> Column:
        column = F.col(f"`{name}`")
        return (
            F.when(column.isin(*tokens), F.lit(None).cast("string")).otherwise(column) if tokens else column
        )

    return csv_rows.select(
        F.to_json(F.struct(*[cell(c).alias(c) for c in csv_rows.columns])).alias("value"),
        F.lit(bronze_file).alias("bronze_file"),
        F.lit(batch_id).alias(BATCH_COLUMN),
        F.lit(False).alias(UNREADABLE),
    )


def records_schema(records_path: tuple[str, ...]) -> ArrayType | StructType:
    """The ``from_json`` schema that reaches the records of a document: ``array<string>`` under the path.

    Spark's JSON reader returns a nested object read as a string as its JSON text, so each record
    comes out as the text of one JSON object, ready for :func:`parse_lines`.
    """
    schema: ArrayType | StructType = ArrayType(StringType())
    for part in reversed(records_path):
        schema = StructType([StructField(part, schema)])
    return schema


def documents_as_lines(documents: DataFrame, records_path: tuple[str, ...]) -> DataFrame:
    """Whole JSON documents (``value``: one file's text, ``bronze_file``, ``bronze_batch_id``) as one
    line per record.

    A document whose records are not where the source says (it does not parse, or has nothing at the
    path) stays one line, flagged :data:`UNREADABLE`, so it is quarantined with its bytes, not lost.
    """
    parsed = F.from_json(F.col("value"), records_schema(records_path))
    records: Column = parsed
    for part in records_path:
        records = records.getField(part)
    return documents.select(
        F.explode(F.coalesce(records, F.array(F.col("value")))).alias("value"),
        "bronze_file",
        BATCH_COLUMN,
        records.isNull().alias(UNREADABLE),
    )
