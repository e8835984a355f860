"""Benchmarks of the local lake: throughput at scale, incremental cost, query cost, and a DuckDB reference.

``make bench`` runs :mod:`jozi_bench.runner`, which starts one worker process per scenario
(:mod:`jozi_bench.worker`) so each gets a fresh JVM and its own memory high-water marks, then
writes ``benchmarks/results/<timestamp>.json`` and ``benchmarks/results/latest.md``.
"""
