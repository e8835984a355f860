"""The benchmark's only contact points with the rest of the lake, in one place.

The benchmark measures the product's own code paths (generator, file-drop landing, Glue jobs on local
Spark, the local crawler, the DuckDB query engine); it never re-implements them. Keeping every call
here means a changed signature elsewhere is fixed in one file, and a missing piece fails with one
clear line instead of an ImportError deep in a scenario.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from jozi_lake.config import EnvConfig
from jozi_lake.errors import LakeError


def _missing(what: str, err: Exception) -> LakeError:
    return LakeError(f"the benchmark needs {what}, which is not available: {err}", "update the checkout")


def generate(
    env: EnvConfig, days: int, orders_per_day: int, seed: int, start: dt.date, out_dir: Path | None = None
) -> dict[str, Any]:
    """Generate the store's data (default: into the local source system); returns the generator manifest."""
    try:
        from jozi_lake.demo.generator import GeneratorParams
        from jozi_lake.demo.generator import generate as generate_dataset
    except ImportError as err:
        raise _missing("the generator (jozi_lake.demo.generator.generate)", err) from None
    params = GeneratorParams(start=start, days=days, orders_per_day=orders_per_day, seed=seed)
    return generate_dataset(params, out_dir or env.local_source_dir)


def land_bronze(
    env: EnvConfig, source_dir: Path | None = None, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Land a generated dataset into bronze through the file-drop path (no HTTP), as the product does.

    ``now`` is the landing clock: it names the ``ingest_date`` partition, so a benchmark can land
    history and a later day as two nightly runs would.
    """
    try:
        from jozi_lake.ingest.drops import land_generated_dataset
    except ImportError as err:
        raise _missing("the file-drop landing (jozi_lake.ingest.drops.land_generated_dataset)", err) from None
    from jozi_lake.config import load_config
    from jozi_lake.storage import store_for_env

    summary = land_generated_dataset(
        source_dir or env.local_source_dir, store_for_env(env), load_config().source_names, now=now
    )
    if summary.status != "SUCCEEDED":
        raise LakeError(f"landing bronze failed: {summary.error or summary.status}")
    return summary.to_dict()


def spark_session(conf_overrides: dict[str, str], cores: int | str = "*") -> Any:
    """The lake's local session (same settings as ``lake run-job``) plus the benchmark's overrides."""
    from pyspark.sql import SparkSession

    from jozi_lake.jobs.spark import RESULT_AFFECTING_CONF, apply_result_conf, local_conf

    builder = SparkSession.builder.appName("jozi-lake-bench").master(f"local[{cores}]")
    # Result-affecting settings come last: a benchmark may tune speed, never change answers.
    for key, value in {**local_conf(), **conf_overrides, **RESULT_AFFECTING_CONF}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    apply_result_conf(spark)
    # Touch the JVM once so the measured start-up includes the first (lazy) SQL machinery set-up.
    spark.range(1).count()
    return spark


def run_job(env: EnvConfig, job: str, spark: Any) -> dict[str, Any]:
    """Run one Glue job locally; returns its report as a dict (rows read/written per table)."""
    try:
        from jozi_lake.local.runner import run_jobs
    except ImportError as err:
        raise _missing("the job runner (jozi_lake.local.runner.run_jobs)", err) from None
    report = run_jobs(env, [job], spark=spark)
    return report_to_dict(report)


def report_to_dict(report: Any) -> dict[str, Any]:
    if report is None:
        return {}
    if isinstance(report, dict):
        return report
    for attr in ("to_dict", "as_dict"):
        if hasattr(report, attr):
            return dict(getattr(report, attr)())
    from dataclasses import asdict, is_dataclass

    if is_dataclass(report):
        return asdict(report)  # type: ignore[arg-type]
    return {"repr": repr(report)}


def crawl(env: EnvConfig, layers: list[str]) -> None:
    try:
        from jozi_lake.local.crawler import crawl as crawl_layers
    except ImportError as err:
        raise _missing("the local crawler (jozi_lake.local.crawler.crawl)", err) from None
    crawl_layers(env, layers)


def named_queries() -> list[str]:
    from jozi_lake.config import repo_root

    return sorted(p.stem for p in (repo_root() / "sql" / "queries").glob("*.sql"))


def run_named_query(env: EnvConfig, name: str) -> Any:
    try:
        from jozi_lake.local.engine import run_query
    except ImportError as err:
        raise _missing("the query engine (jozi_lake.query.run_query)", err) from None
    return run_query(env, named=name)


def bronze_dir(env: EnvConfig) -> Path:
    return env.local_s3_root / env.bucket / "bronze"
