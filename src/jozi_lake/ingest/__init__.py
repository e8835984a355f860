"""Ingestion into bronze: the store's API (page by page) and file drops, kept exactly as received.

The same code runs in the ingest Lambda and locally, so it imports only the standard library and
:mod:`jozi_lake.storage` / :mod:`jozi_lake.errors` (boto3 only inside ``S3ObjectStore``); no pyspark,
duckdb, typer, rich or pyyaml here.
"""

from jozi_lake.ingest.api import PAGINATION_STYLES, ApiIngestConfig, ingest_api
from jozi_lake.ingest.drops import drop_format, ingest_drops, land_generated_dataset
from jozi_lake.ingest.http_client import RetryPolicy, SourceApiError

__all__ = [
    "PAGINATION_STYLES",
    "ApiIngestConfig",
    "RetryPolicy",
    "SourceApiError",
    "drop_format",
    "ingest_api",
    "ingest_drops",
    "land_generated_dataset",
]
