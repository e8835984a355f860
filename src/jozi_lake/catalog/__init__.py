"""The catalog model both sides share: Glue-shaped table definitions, Hive types, the Catalog interface.

The local crawler and the local catalog that store these definitions are the local backend's
(:mod:`jozi_lake.local`); on AWS the Glue Data Catalog holds them.
"""

from __future__ import annotations

from jozi_lake.catalog.model import Catalog, Column, Partition, TableDefinition

__all__ = ["Catalog", "Column", "Partition", "TableDefinition"]
