"""The analysts' SQL, shared by both sides: named queries and views (``sql/``), the read-only guard and
the Athena-to-DuckDB translation. Running a query is a backend's job (:mod:`jozi_lake.backend`)."""

from __future__ import annotations

from jozi_lake.query.named import NamedQuery, get_named_query, list_named_queries, list_views

__all__ = ["NamedQuery", "get_named_query", "list_named_queries", "list_views"]
