"""A deployed lake behind :class:`~jozi_lake.backend.LakeBackend`: S3, Glue, Step Functions, Athena.

Resource names come from Terraform's outputs (:mod:`jozi_lake.aws.outputs`), never from string
building here. Long work (a job run, a crawl, an execution, a query) is followed by polling and reported
through the caller's progress callback; results go back to the CLI as data, and failures are
:class:`~jozi_lake.errors.LakeError` (one line and the fix), raised after the result is complete where
the result itself explains the failure (a failed crawler, a failed job run with its report).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jozi_lake.aws import athena, crawlers, glue_jobs, pipeline
from jozi_lake.aws.clients import AwsSession, aws_errors, open_session
from jozi_lake.backend import (
    ENDED_UNSUCCESSFULLY,
    SUCCEEDED,
    CrawlerRun,
    CrawlResult,
    IngestOptions,
    LakeStateVerbs,
    LakeStatus,
    PipelineEvents,
    PipelineOptions,
    PipelineRun,
    PlatformRun,
    Progress,
    QueryResult,
    StageResult,
    TableInfo,
)
from jozi_lake.config import EnvConfig, load_config
from jozi_lake.contracts import tables_for_job
from jozi_lake.errors import LakeError
from jozi_lake.execution_history import StageFollower, read_finished
from jozi_lake.ids import new_run_id
from jozi_lake.ingest.summary import IngestSummary
from jozi_lake.jobs import registry
from jozi_lake.jobs.report import JobReport, JobRunFailed, RunReport, find_report, latest_reports
from jozi_lake.query.named import find_named_query
from jozi_lake.query.translate import athena_sql_for_env
from jozi_lake.storage import ObjectStore, S3ObjectStore

if TYPE_CHECKING:
    from jozi_lake.local.watch import LandingWatch


class AwsBackend(LakeStateVerbs):
    """The verbs of one deployed environment (``--env dev|prod``)."""

    def __init__(self, env: EnvConfig, session: AwsSession | None = None) -> None:
        if env.is_local:
            raise LakeError(
                "this command talks to AWS, and --env local has no AWS resources",
                "use --env dev or --env prod",
            )
        self.env = env
        self._session = session

    @property
    def description(self) -> str:
        return f"the {self.env.name} lake on AWS"

    @cached_property
    def aws(self) -> AwsSession:
        """Outputs and clients, opened on first use (so argument errors need no credentials)."""
        return self._session or open_session(self.env)

    @property
    def store(self) -> ObjectStore:
        return S3ObjectStore(self.aws.lake.bucket, client=self.aws.client("s3"))

    # --------------------------------------------------------------------------------- ingest
    def ingest(self, options: IngestOptions, progress: Progress | None = None) -> IngestSummary:
        """Invoke the lake Lambda synchronously with the event the state machine sends."""
        if options.as_of or options.source_url:
            raise LakeError(
                "--as-of and --source-url steer the local fixture API; on AWS the sources are lake.yaml's",
                "drop them for --env " + self.env.name,
            )
        aws = self.aws
        function = aws.lake.require_ingest_function()
        run_id = new_run_id()
        event: dict[str, Any] = {"action": "ingest", "run_id": run_id, "env": self.env.name, "trigger": "cli"}
        if options.sources:
            event["sources"] = list(options.sources)
        if progress:
            progress(f"ingesting with Lambda {function} (run {run_id})")
        payload = self._invoke(function, event, "ingest function")
        if not isinstance(payload, dict) or "status" not in payload:
            raise LakeError(
                f"ingest function {function} returned {str(payload)[:200]!r}, not an ingest summary",
                "deploy the current code: make plan apply ENV=" + self.env.name,
            )
        return IngestSummary.from_dict(payload)

    def _invoke(self, function: str, event: dict[str, Any], role: str) -> Any:
        """Invoke the function synchronously; a function error is a LakeError naming its log group."""
        # One attempt only: a retried invoke after a read timeout would ingest twice. 15 min = Lambda's limit.
        client = self.aws.client("lambda", read_timeout=960, max_attempts=1)
        with aws_errors(self.aws, f"invoking the {role} {function}"):
            response = client.invoke(
                FunctionName=function,
                InvocationType="RequestResponse",
                LogType="Tail",
                Payload=json.dumps(event).encode(),
            )
        raw = response["Payload"].read()
        try:
            payload: Any = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            payload = raw.decode("utf-8", "replace")
        if response.get("FunctionError"):
            detail = payload if isinstance(payload, dict) else {"errorMessage": str(payload)}
            message = detail.get("errorMessage") or "no message"
            kind = detail.get("errorType") or response["FunctionError"]
            raise LakeError(
                f"{role} {function} failed: {kind}: {str(message).splitlines()[0][:300]}",
                f"see CloudWatch log group /aws/lambda/{function} "
                f"(request {response.get('ResponseMetadata', {}).get('RequestId', '?')})",
            )
        return payload

    # --------------------------------------------------------------------------------- jobs
    def run_jobs(
        self, jobs: list[str], tables: list[str] | None, progress: Progress | None = None
    ) -> RunReport:
        """Run the Glue jobs in order with one run id; each run's own report is read back from the lake."""
        names = registry.resolve_jobs(jobs)
        aws = self.aws
        run_id = new_run_id()
        report = RunReport(run_id=run_id, env=self.env.name)
        started = datetime.now(UTC)
        try:
            for name in names:
                job_tables = tables_for_job(name, tables)
                if tables and job_tables is None:
                    continue  # the table list names only another job's tables
                arguments = glue_jobs.job_arguments(aws, run_id, job_tables)
                glue_run_id = glue_jobs.start_job_run(aws, name, arguments)

                def on_state(state: str, elapsed: float, job: str = name) -> None:
                    if progress:
                        progress(f"{job}: {state} ({elapsed:.0f} s)")

                outcome = glue_jobs.follow_job_run(aws, name, glue_run_id, on_state=on_state)
                report.platform_runs.append(
                    PlatformRun(
                        job=name,
                        run_id=outcome.run_id,
                        state=outcome.state,
                        seconds=outcome.execution_seconds,
                        dpu_seconds=outcome.dpu_seconds,
                        cost_usd=outcome.estimated_cost_usd,
                        error=outcome.error,
                        log_location=outcome.error_log_location
                        if outcome.state != glue_jobs.SUCCEEDED
                        else None,
                    )
                )
                with aws_errors(aws, f"reading the run report of {name} run {run_id}"):
                    job_report = find_report(self.store, name, run_id)
                if job_report is not None:
                    report.jobs.append(job_report)
                if outcome.state != glue_jobs.SUCCEEDED:
                    raise JobRunFailed(*glue_jobs.outcome_error(outcome), report)
        finally:
            report.duration_seconds = round((datetime.now(UTC) - started).total_seconds(), 3)
        return report

    # --------------------------------------------------------------------------------- catalog
    def crawl(self, layers: list[str], progress: Progress | None = None) -> CrawlResult:
        """Crawl the given targets (layers, or quarantine); none given: every target the lake crawls."""
        config_layers = load_config().crawl_targets
        unknown = [layer for layer in layers if layer not in config_layers]
        if unknown:
            raise LakeError(f"unknown layer {', '.join(unknown)}", f"choose from: {', '.join(config_layers)}")

        def on_update(running: list[crawlers.CrawlerProgress]) -> None:
            if progress:
                progress(", ".join(f"{r.layer}: {r.state}" for r in running))

        # Every target the deployment has a crawler for (a lake may be deployed without the quarantine one).
        chosen = layers or [target for target in config_layers if target in self.aws.lake.crawlers]
        return crawlers.crawl_layers(self.aws, chosen, on_update=on_update)

    def tables(self) -> list[TableInfo]:
        aws = self.aws
        glue = aws.client("glue")
        found: list[TableInfo] = []
        for layer in load_config().layers:
            database = aws.lake.database(layer)
            snap = crawlers.snapshot(aws, database)
            with aws_errors(aws, f"reading the tables of {database}"):
                for name in sorted(snap.tables):
                    detail = glue.get_table(DatabaseName=database, Name=name)["Table"]
                    parameters = detail.get("Parameters", {}) or {}
                    found.append(
                        TableInfo(
                            database=database,
                            name=name,
                            classification=str(parameters.get("classification", "")),
                            columns=snap.tables[name][1],
                            partition_keys=[k["Name"] for k in detail.get("PartitionKeys", [])],
                            partitions=snap.tables[name][2],
                            location=detail.get("StorageDescriptor", {}).get("Location", ""),
                        )
                    )
        if not found:
            raise LakeError(
                f"no tables catalogued in {self.env.name} yet", f"run 'lake crawl --env {self.env.name}'"
            )
        return found

    def query(
        self, sql: str | None = None, named: str | None = None, params: Sequence[Any] | None = None
    ) -> QueryResult:
        """Run SQL or a named query in the workgroup (``?`` placeholders as Athena execution parameters)."""
        if (sql is None) == (named is None):
            raise LakeError("give either SQL text or the name of a named query, not both or neither")
        aws = self.aws
        if named is None:
            assert sql is not None
            text = sql
        elif (local := find_named_query(named)) is not None:  # the project's file, with its '-- params:'
            text, params = local.sql, local.bound(params)
        else:
            text = athena.named_query_sql(aws, named)
        # sql/ files and users write layer-qualified names (silver.orders); Athena needs the real databases.
        text = athena_sql_for_env(text, aws.lake.databases)
        return athena.run_query(
            aws,
            text,
            database=aws.lake.database("gold") if "gold" in aws.lake.databases else None,
            params=params,
            name=named,
        )

    def create_views(self) -> list[str]:
        """Create or replace the ``sql/views`` views in the gold database (Athena DDL scans nothing).

        Run once after the first gold crawl and again whenever a view file changes; named queries that
        read a view fail in Athena until it exists. Locally the engine creates views per query instead.
        """
        aws = self.aws
        gold = aws.lake.database("gold")
        created: list[str] = []
        for name, select in athena.views_in_dependency_order():
            text = f"CREATE OR REPLACE VIEW {name} AS\n{athena_sql_for_env(select, aws.lake.databases)}"
            athena.run_query(aws, text, database=gold)
            created.append(f"{gold}.{name}")
        return created

    # --------------------------------------------------------------------------------- status
    def _explain_last_failure(self, sfn: Any, runs: list[PipelineRun]) -> None:
        """The newest run that ended without success gets its stages and why it ended, from its history.

        Listing executions gives only a status; the failing state, the error and the cause (a Glue job's
        message, a quality gate's) are in the execution's history. One run is read, the one ``lake status``
        names as the last failure, so a page of failed nights costs one history read, not five.
        """
        failed = next((r for r in runs if r.status in ENDED_UNSUCCESSFULLY and r.location), None)
        if failed is None or failed.location is None:
            return
        with aws_errors(self.aws, f"reading the history of execution {failed.run_id}"):
            description = sfn.describe_execution(executionArn=failed.location)
            progress, stages = read_finished(sfn, failed.location, description, load_config().pipeline)
        failed.error = progress.failure()
        failed.stages = stages

    def status(self, runs: int = 5) -> LakeStatus:
        """Recent executions, Glue job runs and crawls, and the jobs' own latest reports."""
        aws = self.aws
        version = aws.lake.raw.get("glue_code_version")
        status = LakeStatus(
            env=self.env.name,
            facts=[("Glue code version", f"{version} (deployed by Terraform)" if version else "unknown")],
        )
        if aws.lake.state_machine_arn:
            sfn = aws.client("stepfunctions")
            with aws_errors(aws, "listing pipeline executions"):
                executions = sfn.list_executions(
                    stateMachineArn=aws.lake.state_machine_arn, maxResults=runs
                ).get("executions", [])
            for e in executions:
                end = e.get("stopDate") or (datetime.now(UTC) if e.get("status") == "RUNNING" else None)
                seconds = (end - e["startDate"]).total_seconds() if end else 0.0
                status.runs.append(
                    PipelineRun(
                        run_id=e["name"],
                        env=self.env.name,
                        started_at=e["startDate"].isoformat(),
                        finished_at=e["stopDate"].isoformat() if e.get("stopDate") else None,
                        status=str(e["status"]),
                        stages=[StageResult("execution", "pipeline", str(e["status"]), seconds)],
                        location=e.get("executionArn"),
                    )
                )
            self._explain_last_failure(sfn, status.runs)
        status.facts.extend(self._landing_queue_facts())
        glue = aws.client("glue")
        for name in registry.jobs():
            if name not in aws.lake.jobs:
                continue
            with aws_errors(aws, f"listing runs of Glue job {aws.lake.jobs[name]}"):
                job_runs = glue.get_job_runs(JobName=aws.lake.jobs[name], MaxResults=3).get("JobRuns", [])
            for run in job_runs:
                dpu = glue_jobs.dpu_seconds(run)
                status.platform_runs.append(
                    PlatformRun(
                        job=name,
                        run_id=str(run["Id"]),
                        state=str(run.get("JobRunState")),
                        started=run.get("StartedOn"),
                        seconds=run.get("ExecutionTime"),
                        dpu_seconds=dpu,
                        cost_usd=glue_jobs.estimated_cost(run, dpu),
                        error=run.get("ErrorMessage"),
                    )
                )
        last_starts: dict[str, datetime | None] = {}
        for layer, crawler_name in sorted(aws.lake.crawlers.items()):
            with aws_errors(aws, f"reading crawler {crawler_name}"):
                crawler = glue.get_crawler(Name=crawler_name)["Crawler"]
                recent = glue.list_crawls(CrawlerName=crawler_name, MaxResults=5).get("Crawls", [])
            last = max(recent, key=lambda c: str(c.get("StartTime", "")), default=None)
            started = last.get("StartTime") if last else None
            last_starts[layer] = started if isinstance(started, datetime) else None
            if last is None:
                status.crawlers.append(
                    CrawlerRun(layer, crawler_name, f"{crawler.get('State')}, never crawled")
                )
                continue
            seconds = None
            if isinstance(last.get("StartTime"), datetime) and isinstance(last.get("EndTime"), datetime):
                seconds = (last["EndTime"] - last["StartTime"]).total_seconds()
            status.crawlers.append(
                CrawlerRun(layer, crawler_name, str(last.get("State")), seconds, last.get("ErrorMessage"))
            )
        with aws_errors(aws, f"reading the job reports in s3://{aws.lake.bucket}"):
            raw_reports = latest_reports(self.store, n=4)
        for raw in raw_reports:
            try:
                status.job_reports.append(JobReport.from_dict(raw))
            except (TypeError, ValueError):  # written by another version of the jobs
                continue
        with aws_errors(aws, f"reading the lake's state in s3://{aws.lake.bucket}"):
            self.lake_state(status, lambda layer: last_starts.get(layer))
        return status

    def _landing_queue_facts(self) -> list[tuple[str, str]]:
        """How many landed files wait for a run, and what ran out of receives (the landing trigger's queues).

        A message waits while a run holds the lake and is handled once it ends; one in the dead-letter
        queue is a landing no run started for (its file still waits in landing/ for the next run).
        """
        queues = self.aws.lake.landing_queues
        if not queues:
            return []
        sqs = self.aws.client("sqs")
        counts: dict[str, tuple[int, int]] = {}
        for name, url in queues.items():
            with aws_errors(self.aws, f"reading the {name} queue {url}"):
                attributes = sqs.get_queue_attributes(
                    QueueUrl=url,
                    AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
                )["Attributes"]
            counts[name] = (
                int(attributes.get("ApproximateNumberOfMessages", 0)),
                int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
            )
        facts: list[tuple[str, str]] = []
        if "landing" in counts:
            waiting, in_flight = counts["landing"]
            facts.append(
                ("Landing queue", f"{waiting} waiting, {in_flight} being handled or deferred behind a run")
            )
        if "dead-letter" in counts:
            dead = sum(counts["dead-letter"])
            facts.append(
                (
                    "Landing dead-letter queue",
                    f"{dead} message(s): landings no run started for; their files wait in landing/ for the "
                    "next run (docs/operating-on-aws.md, event-driven landing)"
                    if dead
                    else "empty",
                )
            )
        return facts

    # --------------------------------------------------------------------------------- report
    def report_path(self) -> Path:
        return Path.cwd() / f"lake-report-{self.env.name}.html"

    def report_store(self) -> ObjectStore:
        return self.store

    def landing_watch(self) -> LandingWatch:
        name = self.env.name
        raise LakeError(
            f"lake watch watches the local lake's landing/, not {name}'s bucket",
            f"on AWS a landed file starts a run by itself (lake.yaml environments.{name}.landing_trigger)",
        )

    # --------------------------------------------------------------------------------- pipeline
    def run_pipeline(self, options: PipelineOptions, events: PipelineEvents) -> PipelineRun:
        """Start the state machine; with ``wait``, follow it and report each lake.yaml stage as it ends."""
        if options.as_of:
            raise LakeError(
                "--as-of sets the local fixture API's clock", "drop it for --env " + self.env.name
            )
        if options.force:
            raise LakeError(
                "--force is a local option; the state machine decides which stages have work",
                "drop --force (or run a stage alone: lake run-job / lake crawl)",
            )
        aws = self.aws
        run_id = new_run_id()
        if options.rederives:  # marked in the lake first; the execution's stage rule then sees the work
            from jozi_lake import lease
            from jozi_lake.rederive import prepare_run

            with aws_errors(aws, f"marking the re-derivation in s3://{aws.lake.bucket}"):
                prepare_run(
                    self.store,
                    replay_source=options.replay_source,
                    replay_from=options.replay_from,
                    replay_to=options.replay_to,
                    rebuild_layer=options.rebuild_layer,
                    requested_by=lease.local_holder(),
                    run_id=run_id,
                )
        execution_arn = pipeline.start_execution(aws, run_id)
        events.run_started(run_id, execution_arn)
        run = PipelineRun(
            run_id=run_id,
            env=self.env.name,
            started_at=datetime.now(UTC).isoformat(),
            location=execution_arn,
        )
        if not options.follow:
            return run
        stages = load_config().pipeline
        follower = StageFollower(stages, events)
        progress = pipeline.follow_execution(aws, execution_arn, on_step=follower.on_step)
        run.stages = follower.finish(progress)
        run.status = progress.status
        run.finished_at = datetime.now(UTC).isoformat()
        if progress.status != SUCCEEDED:
            pipeline.raise_for_progress(aws, progress)
        return run
