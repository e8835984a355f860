"""Jozi Pizza Co. medallion lake: one package for the pipeline's *what* (transforms, contracts, SQL)
and *where* (local directory vs S3, local catalog vs Glue, DuckDB vs Athena)."""

__version__ = "0.1.0"
