"""Ingestion into bronze: every source of lake.yaml (REST APIs and file exports), kept as received.

The same code runs in the ingest Lambda and locally: :func:`run_ingest` is the one entry (the Lambda
handler and :func:`jozi_lake.ingest.local.ingest_local` call it) and returns an :class:`IngestSummary`.
It imports the standard library, ``requests`` (shipped in the Lambda zip) and the runtime parts of the
package; no pyspark, duckdb, typer, rich or pyyaml. Source definitions are :mod:`jozi_lake.sources`.
"""

from jozi_lake.ingest.drops import land_generated_dataset
from jozi_lake.ingest.failures import Failure, SourceError
from jozi_lake.ingest.run import ingest_files, run_ingest
from jozi_lake.ingest.secrets import EnvironmentSecrets, SecretResolver, SecretsManagerSecrets, StaticSecrets
from jozi_lake.ingest.summary import FAILED, SUCCEEDED, IngestSummary, RejectedFile, SourceResult

__all__ = [
    "FAILED",
    "SUCCEEDED",
    "EnvironmentSecrets",
    "Failure",
    "IngestSummary",
    "RejectedFile",
    "SecretResolver",
    "SecretsManagerSecrets",
    "SourceError",
    "SourceResult",
    "StaticSecrets",
    "ingest_files",
    "land_generated_dataset",
    "run_ingest",
]
