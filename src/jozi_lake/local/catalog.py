"""The local Glue Data Catalog: one JSON document per table under ``<lake_home>/glue-catalog/``.

Layout: ``<catalog_dir>/<database>/<table>.json`` holding ``{"Table": ..., "Partitions": [...]}`` in
Glue's response shape. Writes go through a temporary file and a rename, so a reader (a query running
while the crawler works) sees the old or the new definition, never half of one.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from jozi_lake.catalog.model import Partition, TableDefinition
from jozi_lake.errors import LakeError
from jozi_lake.storage import write_file_atomically

if TYPE_CHECKING:
    from jozi_lake.config import EnvConfig


class LocalCatalog:
    """:class:`~jozi_lake.catalog.model.Catalog` over the local JSON files."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @classmethod
    def for_env(cls, env: EnvConfig) -> LocalCatalog:
        return cls(env.local_catalog_dir)

    def _path(self, database: str, name: str) -> Path:
        return self.root / database / f"{name}.json"

    def list_databases(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))

    def list_tables(self, database: str) -> list[str]:
        folder = self.root / database
        if not folder.is_dir():
            return []
        return sorted(p.stem for p in folder.glob("*.json") if not p.name.startswith((".", "_")))

    def get_table(self, database: str, name: str) -> TableDefinition:
        path = self._path(database, name)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            known = self.list_tables(database)
            close = difflib.get_close_matches(name, known, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else "run 'lake crawl', then 'lake tables'"
            raise LakeError(f"unknown table {database}.{name}", hint) from None
        except json.JSONDecodeError as err:
            message = f"catalog entry {path} is not valid JSON ({err.msg})"
            raise LakeError(message, "rerun 'lake crawl'") from None
        return TableDefinition.from_glue(document)

    def get_partitions(self, database: str, name: str) -> list[Partition]:
        return self.get_table(database, name).partitions

    def put_table(self, table: TableDefinition) -> None:
        """Create or replace a table definition atomically."""
        path = self._path(table.database, table.name)
        payload = json.dumps(table.to_glue(), indent=2, sort_keys=False).encode("utf-8")
        write_file_atomically(path, payload, f"the catalog entry {table.database}.{table.name}", self.root)

    def delete_table(self, database: str, name: str) -> None:
        self._path(database, name).unlink(missing_ok=True)
