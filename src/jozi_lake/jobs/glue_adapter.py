"""The one place that knows whether a job runs on AWS Glue or on local Spark.

Glue entry scripts call :func:`run_entry`. Arguments are lake.yaml's ``job_arguments``
(``--lake_root --tables --run_id --env``; the bundle carries lake.yaml, so the names are read, not
copied), parsed on both sides by Glue's own ``getResolvedOptions`` (the ``AWSGlueDataplanePython``
package locally), so a name that works locally works on Glue. lake.yaml's ``optional_job_arguments``
are read when given: ``--alert_topic_arn``, which Terraform sets on every deployed job, is where a
failing job's alerts go (a batch the silver job held: :func:`alert_after_failure`); a local run has
none and shows those alerts as lines of its output.

Which runtime: ``--env local`` builds the local Spark session of :mod:`jozi_lake.jobs.spark`; any other
env builds ``GlueContext``/``Job`` (which only exist inside Glue: on plain pyspark they fail with
"'JavaPackage' object is not callable") and turns that failure into a one-line error. Transforms never
see the difference: they take DataFrames.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from jozi_lake.config import load_config
from jozi_lake.errors import LakeError

LOCAL_ENV = "local"
ALL_TABLES = frozenset({"", "all", "*"})
AUTO_RUN_ID = frozenset({"", "auto"})


ALERT_TOPIC_ARN = "alert_topic_arn"


@dataclass(frozen=True)
class JobArgs:
    lake_root: str
    tables: list[str] | None
    run_id: str | None
    env: str
    job_name: str | None = None
    alert_topic_arn: str | None = None  # deployed jobs only (Terraform's default argument)


@dataclass
class Runtime:
    """A Spark session plus, on Glue, the Job whose ``commit`` marks the run done."""

    spark: Any
    glue_job: Any = None

    @property
    def on_glue(self) -> bool:
        return self.glue_job is not None

    def commit(self) -> None:
        if self.glue_job is not None:
            self.glue_job.commit()


def parse_job_args(argv: list[str]) -> JobArgs:
    """Read the job arguments from ``argv`` (``sys.argv`` shape: script name first)."""
    from awsglue.utils import GlueArgumentError, getResolvedOptions

    names = load_config().job_arguments
    try:
        resolved = getResolvedOptions(argv, names)
    except GlueArgumentError as err:
        raise LakeError(
            f"job arguments: {err}", "pass " + " ".join(f"--{a} <value>" for a in names)
        ) from None
    job_name = getResolvedOptions(argv, ["JOB_NAME"])["JOB_NAME"] if "--JOB_NAME" in argv else None
    given = [name for name in load_config().optional_job_arguments if f"--{name}" in argv]
    optional = getResolvedOptions(argv, given) if given else {}
    tables = None
    if resolved["tables"].strip().lower() not in ALL_TABLES:
        tables = [t.strip() for t in resolved["tables"].split(",") if t.strip()]
    run_id = None if resolved["run_id"].strip().lower() in AUTO_RUN_ID else resolved["run_id"].strip()
    return JobArgs(
        lake_root=resolved["lake_root"],
        tables=tables,
        run_id=run_id,
        env=resolved["env"],
        job_name=job_name,
        alert_topic_arn=str(optional.get(ALERT_TOPIC_ARN) or "").strip() or None,
    )


def start_runtime(args: JobArgs, job_name: str) -> Runtime:
    """Local Spark for ``--env local``, Glue's context and Job otherwise."""
    if args.env == LOCAL_ENV:
        from jozi_lake.jobs.spark import local_spark_session

        return Runtime(spark=local_spark_session(f"jozi-lake-{job_name}"))
    try:
        from awsglue.context import GlueContext
        from awsglue.job import Job
        from pyspark.context import SparkContext

        glue_context = GlueContext(SparkContext.getOrCreate())
    except Exception as err:  # GlueContext needs the Glue JVM jar: "'JavaPackage' object is not callable"
        raise LakeError(
            f"env {args.env!r} runs on AWS Glue, but no Glue runtime is here ({err})",
            "run it with --env local on a laptop, or start the Glue job on AWS",
        ) from None
    from jozi_lake.jobs.spark import apply_result_conf

    spark = glue_context.spark_session
    apply_result_conf(spark)
    job = Job(glue_context)
    job.init(args.job_name or job_name, {"lake_root": args.lake_root, "env": args.env})
    return Runtime(spark=spark, glue_job=job)


def run_entry(job_name: str, argv: list[str] | None = None) -> Any:
    """What a Glue entry script does: parse, start the runtime, run the job, commit; returns its report."""
    from jozi_lake.contracts import tables_for_job
    from jozi_lake.jobs import registry
    from jozi_lake.storage import store_for_uri

    spec = registry.job(job_name)
    args = parse_job_args(list(sys.argv if argv is None else argv))
    runtime = start_runtime(args, job_name)
    try:
        report = spec.run_function()(
            runtime.spark,
            store_for_uri(args.lake_root),
            tables=tables_for_job(job_name, args.tables),
            run_id=args.run_id,
            env=args.env,
        )
    except Exception as err:
        if runtime.on_glue:  # locally the run output shows these (cli/render.py)
            alert_after_failure(err, args.alert_topic_arn)
        raise
    namespace = load_config().quality_metrics_namespace
    if runtime.on_glue and namespace:
        publish_after_run(report, namespace)  # tables that read no rows publish nothing
    runtime.commit()
    return report


def publish_after_run(report: Any, namespace: str, client: Any | None = None) -> None:
    """Send the run's quality metrics; a CloudWatch failure is reported, not fatal.

    The data is already published when this runs: failing the job now would make the pipeline retry
    work that succeeded. The warning lands in the job's log; the run report in the lake has the numbers.
    """
    from jozi_lake.jobs.metrics import publish_quality_metrics

    try:
        sent = publish_quality_metrics(report, namespace, client=client)
        print(f"published {sent} quality metric data points to {namespace}", file=sys.stderr)
    except Exception as err:  # botocore errors, missing permission: say so in the job log
        print(f"warning: could not publish quality metrics to {namespace}: {err}", file=sys.stderr)


def alert_after_failure(error: BaseException, topic_arn: str | None, client: Any | None = None) -> int:
    """Publish the alerts a failed job's error carries (a batch the silver job held: which batch of which
    source, the rule, and `lake batches release` after the fix) to the alert topic; returns how many.

    The job fails either way (its error goes on to the job's log and, through the Glue job-failure rule,
    to the same topic as a bare "job failed"): a publish that fails is a warning in the log, never a
    second error in place of the first. Without a topic (a job deployed without one) the alerts are
    lines of the job's log.
    """
    from jozi_lake import notify

    alerts = notify.alerts_of(error)
    if not alerts:
        return 0
    if not topic_arn:
        notifier: notify.Notifier = notify.LinesNotifier(lambda line: print(line, file=sys.stderr))
    else:
        if client is None:
            from jozi_lake.retries import runtime_client

            client = runtime_client("sns")
        notifier = notify.SnsNotifier(topic_arn, client)
    try:
        sent = notify.notify_all(notifier, alerts)
    except Exception as err:  # botocore errors, missing permission: say so in the job log
        print(f"warning: could not publish {len(alerts)} alert(s) to {topic_arn}: {err}", file=sys.stderr)
        return 0
    print(f"published {sent} alert(s) to {topic_arn or 'the job log'}", file=sys.stderr)
    return sent


def main(job_name: str) -> None:
    """Entry point for the scripts: one-line error and exit code 1 instead of a traceback."""
    try:
        run_entry(job_name)
    except LakeError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)
