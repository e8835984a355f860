"""The ``lake`` verbs for deployed environments (``--env dev|prod``).

The CLI modules dispatch here for any non-local environment; each function prints its own Rich output
and raises :class:`~jozi_lake.errors.LakeError` (one line + the fix) when the work fails, so the exit
code reflects the outcome. Resource names come from Terraform outputs (:mod:`jozi_lake.aws.outputs`),
never from string building here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from jozi_lake.aws import athena, crawlers, glue_jobs, pipeline
from jozi_lake.aws.clients import AwsSession, aws_errors, open_session
from jozi_lake.aws.waiting import format_duration
from jozi_lake.cli.render import report_table
from jozi_lake.config import EnvConfig, load_config
from jozi_lake.errors import LakeError
from jozi_lake.ids import new_run_id
from jozi_lake.jobs.report import JobReport, latest_reports
from jozi_lake.query.translate import athena_sql_for_env
from jozi_lake.storage import S3ObjectStore

console = Console()
MAX_PRINTED_ROWS = 200
ALL_JOBS = "all"


def _session(env: EnvConfig) -> AwsSession:
    if env.is_local:
        raise LakeError(
            "this command talks to AWS, and --env local has no AWS resources", "use --env dev or --env prod"
        )
    return open_session(env)


def _kv_table(title: str, rows: list[tuple[str, str]]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for key, value in rows:
        table.add_row(key, value)
    return table


# ---------------------------------------------------------------------------------------------- ingest


def ingest(env: EnvConfig) -> None:
    """Invoke the ingest Lambda synchronously and print its summary."""
    aws = _session(env)
    function = aws.lake.require_ingest_function()
    run_id = new_run_id()
    # One attempt only: a retried invoke after a read timeout would ingest twice. 15 min = Lambda's limit.
    client = aws.client("lambda", read_timeout=960, max_attempts=1)
    with (
        console.status(f"ingesting with Lambda {function} (run {run_id})..."),
        aws_errors(aws, f"invoking the ingest function {function}"),
    ):
        response = client.invoke(
            FunctionName=function,
            InvocationType="RequestResponse",
            LogType="Tail",
            # The same event shape the state machine sends (docs/terraform-interfaces.md), another trigger.
            Payload=json.dumps({"run_id": run_id, "trigger": "cli"}).encode(),
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
            f"ingest function {function} failed: {kind}: {str(message).splitlines()[0][:300]}",
            f"see CloudWatch log group /aws/lambda/{function} "
            f"(request {response.get('ResponseMetadata', {}).get('RequestId', '?')})",
        )
    _print_summary(f"Ingest into {env.name} (run {run_id})", payload)


def _print_summary(title: str, payload: Any) -> None:
    """Scalars as key/value rows; a mapping or list of records as a table of its own."""
    if not isinstance(payload, dict):
        console.print(_kv_table(title, [("result", str(payload))]))
        return
    scalars = [(k, str(v)) for k, v in payload.items() if not isinstance(v, dict | list)]
    console.print(_kv_table(title, scalars))
    for key, value in payload.items():
        records: list[tuple[str, dict[str, Any]]] = []
        if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            records = [(str(k), v) for k, v in value.items()]
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            records = [("", v) for v in value]
        if not records:
            if isinstance(value, dict | list):
                console.print(f"{key}: {json.dumps(value, default=str)}", highlight=False)
            continue
        columns = sorted({c for _, record in records for c in record}, key=lambda c: (c != "name", c))
        table = Table(title=key, title_justify="left")
        if records[0][0]:
            table.add_column("name")
        for column in columns:
            table.add_column(column)
        for name, record in records:
            cells = [str(record.get(c, "")) for c in columns]
            table.add_row(*([name, *cells] if name else cells))
        console.print(table)


# ---------------------------------------------------------------------------------------------- jobs


def run_job(env: EnvConfig, job: str, tables: list[str] | None) -> None:
    """Run one Glue job (or ``all``: bronze_to_silver then silver_to_gold) and print its report."""
    configured = list(load_config().jobs)
    if job != ALL_JOBS and job not in configured:
        raise LakeError(f"unknown job {job!r}", f"choose one of: {', '.join([*configured, ALL_JOBS])}")
    aws = _session(env)
    jobs = configured if job == ALL_JOBS else [job]
    run_id = new_run_id()
    for job_key in jobs:
        arguments = glue_jobs.job_arguments(aws, run_id, tables)
        glue_run_id = glue_jobs.start_job_run(aws, job_key, arguments)
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task(f"{job_key}: STARTING", total=None)
            outcome = glue_jobs.follow_job_run(
                aws,
                job_key,
                glue_run_id,
                on_state=lambda state, _elapsed, j=job_key, t=task, p=progress: p.update(
                    t, description=f"{j}: {state}"
                ),
            )
        console.print(_kv_table(f"Glue job {job_key} ({env.name})", glue_jobs.describe_outcome(outcome)))
        glue_jobs.raise_for_outcome(outcome)
        found = glue_jobs.find_run_report(aws, job_key, run_id)
        if found is None:
            console.print(f"no run report for run {run_id} in the lake (the job writes one when it ends)")
        else:
            _print_run_report(*found)


def _print_run_report(key: str, raw: dict[str, Any]) -> None:
    """The job's own per-table report (rows read/written/quarantined), printed as locally."""
    try:
        report = JobReport.from_dict(raw)
    except (TypeError, ValueError):  # a report written by another version of the jobs
        _print_summary(f"run report ({key})", raw)
        return
    console.print(report_table([report], title=f"run report (s3 key {key})"))


# ---------------------------------------------------------------------------------------------- crawl


def crawl(env: EnvConfig, layers: list[str]) -> None:
    """Run the crawlers of ``layers`` (all layers when empty) and report the catalog changes."""
    config_layers = load_config().layers
    unknown = [layer for layer in layers if layer not in config_layers]
    if unknown:
        raise LakeError(f"unknown layer {', '.join(unknown)}", f"choose from: {', '.join(config_layers)}")
    aws = _session(env)
    chosen = layers or config_layers
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        tasks: dict[str, Any] = {}

        def show(results: list[crawlers.CrawlResult]) -> None:
            for result in results:
                if result.layer not in tasks:
                    tasks[result.layer] = progress.add_task(result.layer, total=None)
                progress.update(
                    tasks[result.layer], description=f"{result.layer} ({result.crawler}): {result.state}"
                )

        results = crawlers.crawl_layers(aws, chosen, on_update=show)

    table = Table(title=f"Crawls ({env.name})", title_justify="left")
    for column in (
        "layer",
        "crawler",
        "state",
        "duration",
        "tables added",
        "tables changed",
        "partitions +/-",
    ):
        table.add_column(column)
    for r in results:
        table.add_row(
            r.layer,
            r.crawler,
            r.state,
            format_duration(r.seconds),
            ", ".join(r.tables_added) or "-",
            ", ".join(r.tables_updated + [f"-{t}" for t in r.tables_removed]) or "-",
            f"+{r.partitions_added} / -{r.partitions_removed}",
        )
    console.print(table)
    failed = [r for r in results if r.state != "COMPLETED"]
    if failed:
        first = failed[0]
        raise LakeError(
            f"crawler {first.crawler} ended {first.state}: {first.error or 'no error message'}",
            f"see CloudWatch log group /aws-glue/crawlers, stream {first.crawler}",
        )


# ---------------------------------------------------------------------------------------------- catalog


def tables(env: EnvConfig) -> None:
    """The tables of every layer's Glue database, with columns, partitions and location."""
    aws = _session(env)
    table = Table(title=f"Catalogued tables ({env.name})", title_justify="left")
    for column in ("database", "table", "columns", "partition keys", "partitions", "location"):
        table.add_column(column)
    glue = aws.client("glue")
    count = 0
    for layer in load_config().layers:
        database = aws.lake.database(layer)
        snap = crawlers.snapshot(aws, database)
        with aws_errors(aws, f"reading the tables of {database}"):
            for name in sorted(snap.tables):
                detail = glue.get_table(DatabaseName=database, Name=name)["Table"]
                keys = ", ".join(k["Name"] for k in detail.get("PartitionKeys", [])) or "-"
                location = detail.get("StorageDescriptor", {}).get("Location", "")
                table.add_row(
                    database, name, str(snap.tables[name][1]), keys, str(snap.tables[name][2]), location
                )
                count += 1
    console.print(
        table if count else f"no tables catalogued in {env.name} yet (run 'lake crawl --env {env.name}')"
    )


def query(env: EnvConfig, sql: str | None = None, named: str | None = None) -> None:
    """Run SQL or a named query in the workgroup; print the rows, the bytes scanned and the cost."""
    if bool(sql) == bool(named):
        names = athena.local_named_queries()
        raise LakeError(
            "give either SQL (--sql) or the name of a query, not both and not neither",
            f"named queries: {', '.join(names)}" if names else "for example: --sql 'select 1'",
        )
    aws = _session(env)
    text = sql if sql else athena.named_query_sql(aws, str(named))
    # sql/ files and users write layer-qualified names (silver.orders); Athena needs the real databases.
    text = athena_sql_for_env(text, aws.lake.databases)
    with console.status("querying Athena...") as status:
        result = athena.run_query(
            aws,
            text,
            database=aws.lake.database("gold") if "gold" in aws.lake.databases else None,
            on_state=lambda state, elapsed: status.update(f"Athena: {state} ({elapsed:.0f}s)"),
        )
    table = Table(title=named or "query", title_justify="left")
    for column in result.columns:
        table.add_column(column)
    for row in result.rows[:MAX_PRINTED_ROWS]:
        table.add_row(*[("" if cell is None else cell) for cell in row])
    console.print(table)
    if len(result.rows) > MAX_PRINTED_ROWS:
        console.print(
            f"... {len(result.rows) - MAX_PRINTED_ROWS} more rows; all rows are in {result.output_location}",
            highlight=False,
        )
    cost = athena.query_cost_usd(result.bytes_scanned, aws.lake.price_per_tb_usd, result.statement_type)
    console.print(
        f"{len(result.rows)} row(s) | scanned {result.bytes_scanned / athena.MB:,.2f} MB | "
        f"billed {athena.billed_bytes(result.bytes_scanned, result.statement_type) / athena.MB:,.0f} MB "
        f"at ${aws.lake.price_per_tb_usd:g}/TB = ${cost:,.6f} | "
        f"engine {format_duration((result.engine_millis or 0) / 1000)} | query id {result.execution_id}",
        highlight=False,
    )


def views_in_dependency_order() -> list[tuple[str, str]]:
    """``(name, SELECT in Athena SQL)`` of every ``sql/views`` file, a view after the views it reads."""
    from jozi_lake.query.named import list_views
    from jozi_lake.query.translate import READ_DIALECT

    views = {v.name: v.query.sql(dialect=READ_DIALECT) for v in list_views()}
    ordered: list[str] = []

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in ordered:
            return
        if name in trail:
            raise LakeError(f"views read each other in a cycle: {' -> '.join((*trail, name))}")
        body = views[name].lower()
        for other in views:
            if other != name and other.lower() in body:
                visit(other, (*trail, name))
        ordered.append(name)

    for name in sorted(views):
        visit(name, ())
    return [(name, views[name]) for name in ordered]


def create_views(env: EnvConfig) -> None:
    """Create or replace the ``sql/views`` views in the gold database (Athena DDL scans nothing).

    Run once after the first gold crawl and again whenever a view file changes; named queries that
    read a view fail in Athena until it exists. Locally the engine creates views per query instead.
    """
    aws = _session(env)
    gold = aws.lake.database("gold")
    for name, select in views_in_dependency_order():
        text = f"CREATE OR REPLACE VIEW {name} AS\n{athena_sql_for_env(select, aws.lake.databases)}"
        with console.status(f"creating view {gold}.{name} ..."):
            athena.run_query(aws, text, database=gold)
        console.print(f"[green]✓[/] view {gold}.{name}")


# ---------------------------------------------------------------------------------------------- pipeline


def run_pipeline(env: EnvConfig, wait: bool = True) -> None:
    """Start the Step Functions pipeline; with ``wait``, follow it state by state until it ends."""
    aws = _session(env)
    run_id = new_run_id()
    execution_arn = pipeline.start_execution(aws, run_id)
    console.print(f"started pipeline execution {execution_arn}", highlight=False)
    if not wait:
        return

    def show(kind: str, step: pipeline.StateStep) -> None:
        if kind == "entered":
            console.print(f"  > {step.name}", highlight=False)
        elif kind == "exited":
            console.print(f"  [green]ok[/] {step.name} ({format_duration(step.seconds)})", highlight=False)
        else:
            console.print(f"  [red]failed[/] {step.name}: {step.error or ''}", highlight=False)

    with console.status("pipeline running..."):
        progress = pipeline.follow_execution(aws, execution_arn, on_step=show)
    console.print(f"pipeline execution {progress.status}", highlight=False)
    pipeline.raise_for_progress(aws, progress)


# ---------------------------------------------------------------------------------------------- status


def _seconds_between(start: Any, end: Any) -> float | None:
    if isinstance(start, datetime) and isinstance(end, datetime):
        return (end - start).total_seconds()
    return None


def status(env: EnvConfig) -> None:
    """Recent pipeline executions, job runs and crawls, with durations and outcomes."""
    aws = _session(env)
    version = aws.lake.raw.get("glue_code_version")
    console.print(
        f"Glue code version: {version} (deployed by Terraform)"
        if version
        else f"Glue code version: unknown (run 'make apply ENV={env.name}')",
        highlight=False,
    )

    if aws.lake.state_machine_arn:
        sfn = aws.client("stepfunctions")
        with aws_errors(aws, "listing pipeline executions"):
            executions = sfn.list_executions(stateMachineArn=aws.lake.state_machine_arn, maxResults=5).get(
                "executions", []
            )
        table = Table(title="Pipeline executions", title_justify="left")
        for column in ("execution", "status", "started", "duration"):
            table.add_column(column)
        for e in executions:
            end = e.get("stopDate") or (datetime.now(UTC) if e.get("status") == "RUNNING" else None)
            table.add_row(
                e["name"],
                e["status"],
                f"{e['startDate']:%Y-%m-%d %H:%M:%S}",
                format_duration(_seconds_between(e["startDate"], end)),
            )
        console.print(table if executions else "Pipeline executions: none yet")

    glue = aws.client("glue")
    runs_table = Table(title="Glue job runs", title_justify="left")
    for column in ("job", "run", "state", "started", "duration", "DPU-s", "error"):
        runs_table.add_column(column)
    for job_key in load_config().jobs:
        if job_key not in aws.lake.jobs:
            continue
        with aws_errors(aws, f"listing runs of Glue job {aws.lake.jobs[job_key]}"):
            runs = glue.get_job_runs(JobName=aws.lake.jobs[job_key], MaxResults=3).get("JobRuns", [])
        for run in runs:
            dpu = glue_jobs.dpu_seconds(run)
            runs_table.add_row(
                job_key,
                str(run["Id"])[:20],
                str(run.get("JobRunState")),
                f"{run['StartedOn']:%Y-%m-%d %H:%M:%S}" if run.get("StartedOn") else "-",
                format_duration(run.get("ExecutionTime")),
                f"{dpu:,.0f}" if dpu is not None else "-",
                str(run.get("ErrorMessage") or "")[:80],
            )
    console.print(runs_table if runs_table.row_count else "Glue job runs: none yet")

    crawl_table = Table(title="Crawlers", title_justify="left")
    for column in ("layer", "crawler", "state", "last crawl", "started", "duration", "error"):
        crawl_table.add_column(column)
    for layer in [*load_config().layers, crawlers.QUARANTINE]:
        if layer not in aws.lake.crawlers:
            continue
        name = aws.lake.crawlers[layer]
        with aws_errors(aws, f"reading crawler {name}"):
            crawler = glue.get_crawler(Name=name)["Crawler"]
            recent = glue.list_crawls(CrawlerName=name, MaxResults=5).get("Crawls", [])
        last = max(recent, key=lambda c: str(c.get("StartTime", "")), default=None)
        if last is not None:
            crawl_table.add_row(
                layer,
                name,
                str(crawler.get("State")),
                str(last.get("State")),
                f"{last['StartTime']:%Y-%m-%d %H:%M:%S}" if last.get("StartTime") else "-",
                format_duration(_seconds_between(last.get("StartTime"), last.get("EndTime"))),
                str(last.get("ErrorMessage") or "")[:80],
            )
        else:
            crawl_table.add_row(layer, name, str(crawler.get("State")), "never", "-", "-", "")
    console.print(crawl_table)

    # The jobs' own reports (rows read/written/quarantined per table), newest first, as locally.
    store = S3ObjectStore(aws.lake.bucket, client=aws.client("s3"))
    with aws_errors(aws, f"reading the job reports in s3://{aws.lake.bucket}"):
        reports = latest_reports(store, n=4)
    if reports:
        parsed = []
        for raw in reports:
            try:
                parsed.append(JobReport.from_dict(raw))
            except (TypeError, ValueError):  # written by another version of the jobs
                continue
        console.print(report_table(parsed, title="Latest job reports"))
    else:
        console.print("Latest job reports: none yet")
