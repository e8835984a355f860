"""The Spark session for local runs, configured like Glue 5.0 where it matters.

Glue gives its jobs a session; locally one session is built here and shared by every job of a run
(start-up costs seconds, so it is paid once). Settings that change results, such as the session time
zone and dynamic partition overwrite, are the same in both places: the Glue entry scripts apply
:data:`RESULT_AFFECTING_CONF` to the session Glue hands them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from jozi_lake.errors import LakeError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# Settings that change what a job writes: applied on Glue and locally alike.
RESULT_AFFECTING_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    "spark.sql.parquet.compression.codec": "snappy",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    # The silver parsers turn a value that does not parse into NULL and quarantine the row. Spark 3.5
    # (Glue 5.0) defaults ANSI mode off, Spark 4 on (a bad cast raises and fails the job): pinned, so a
    # platform upgrade cannot turn bad source values into failed runs.
    "spark.sql.ansi.enabled": "false",
}

# Settings for a laptop: few shuffle partitions (the 200 default is slow on small data), no UI.
LOCAL_CONF: dict[str, str] = {
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.adaptive.enabled": "true",
    # List partition folders on the driver: above 32 folders Spark otherwise starts a listing job with
    # 100-200 tasks for every table read, the largest fixed cost the benchmarks found (docs/performance.md).
    "spark.sql.sources.parallelPartitionDiscovery.threshold": "1000000",
    "spark.driver.memory": os.environ.get("LAKE_SPARK_DRIVER_MEMORY", "3g"),
    "spark.sql.warehouse.dir": os.path.join(os.environ.get("TMPDIR", "/tmp"), "jozi-lake-spark-warehouse"),
    "spark.driver.extraJavaOptions": (
        "-Dderby.system.home=/tmp/jozi-lake-derby "
        f"-Dlog4j2.configurationFile={Path(__file__).with_name('log4j2.properties').as_uri()}"
    ),
}


# LAKE_SPARK_CODEGEN=off runs every query interpreted: no Java source generated and compiled (Janino)
# per query plan. On a small lake that compilation is most of a run's CPU: the test suite's hand-made
# two-batch lake, silver + gold, measured on 2 cores 55 s -> 37-44 s in a new JVM and 24 s -> 17-20 s
# in a warm one; `make demo` (90 days) took 107 s either way. Code generation is Spark's choice for
# large data and what Glue runs, so the default stays on.
# The setting changes how a query runs, never what it returns; `pytest` turns it off (conftest.py).
CODEGEN_ENV_VAR = "LAKE_SPARK_CODEGEN"
CODEGEN_OFF_CONF: dict[str, str] = {
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}


# LAKE_SPARK_JIT=quick stops the driver JVM's just-in-time compiler at its first tier (C1, no C2). A
# short run in a new JVM over a small lake spends much of its CPU in C2 compiling Spark's own code,
# which on 2 cores competes with the run itself: one cold `lake run-pipeline` over the fault tests'
# lake measured 115-127 s -> 80-90 s (paired runs). A JVM that lives long (the test suite's session,
# a large run) gains from C2's faster code (the suite's end-to-end job tests: 210 s full, 255 s quick),
# so the default stays full; like the codegen setting it changes how fast, never what a run returns.
JIT_ENV_VAR = "LAKE_SPARK_JIT"
QUICK_JIT_OPTION = "-XX:TieredStopAtLevel=1"


def _setting(variable: str, choices: tuple[str, str]) -> str:
    """The value of a local speed setting; the first choice is the default."""
    setting = os.environ.get(variable, choices[0]).strip().lower()
    if setting not in choices:
        raise LakeError(
            f"{variable}={setting!r} is not a setting",
            f"set {variable} to {choices[0]!r} (the default) or {choices[1]!r}, or unset it",
        )
    return setting


def local_conf() -> dict[str, str]:
    """The local session's settings: :data:`LOCAL_CONF`, without code generation and with the quick
    JIT when asked to (:data:`CODEGEN_ENV_VAR`, :data:`JIT_ENV_VAR`)."""
    conf = dict(LOCAL_CONF)
    if _setting(CODEGEN_ENV_VAR, ("on", "off")) == "off":
        conf.update(CODEGEN_OFF_CONF)
    if _setting(JIT_ENV_VAR, ("full", "quick")) == "quick":
        options = "spark.driver.extraJavaOptions"
        conf[options] = f"{conf[options]} {QUICK_JIT_OPTION}"
    return conf


def apply_result_conf(spark: SparkSession) -> None:
    for key, value in RESULT_AFFECTING_CONF.items():
        spark.conf.set(key, value)


def local_spark_session(app_name: str = "jozi-lake", cores: str | int = "*") -> SparkSession:
    """A local-mode session (``local[*]`` by default) with the lake's settings; reused if one exists."""
    from pyspark.sql import SparkSession

    # Spark binds to loopback: a laptop run needs no network, and the hostname warning goes away.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.appName(app_name).master(f"local[{cores}]")
    for key, value in {**local_conf(), **RESULT_AFFECTING_CONF}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    apply_result_conf(spark)
    return spark
