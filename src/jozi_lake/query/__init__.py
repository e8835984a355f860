"""Local Athena: Athena (Trino) SQL translated with sqlglot and answered by DuckDB over the local lake."""

from __future__ import annotations

from jozi_lake.query.engine import QueryResult, run_query
from jozi_lake.query.named import NamedQuery, get_named_query, list_named_queries, list_views

__all__ = ["NamedQuery", "QueryResult", "get_named_query", "list_named_queries", "list_views", "run_query"]
