"""The data catalog: Glue-shaped table definitions, the local crawler that writes them, and the
:class:`Catalog` interface the query engine reads them through (local JSON here; Glue on AWS)."""

from __future__ import annotations

from jozi_lake.catalog.crawler import CrawlResult, SchemaConflict, TableOutcome, crawl
from jozi_lake.catalog.local import LocalCatalog
from jozi_lake.catalog.model import Catalog, Column, Partition, TableDefinition

__all__ = [
    "Catalog",
    "Column",
    "CrawlResult",
    "LocalCatalog",
    "Partition",
    "SchemaConflict",
    "TableDefinition",
    "TableOutcome",
    "crawl",
]
