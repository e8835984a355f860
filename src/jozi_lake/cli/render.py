"""Terminal output of every ``lake`` command: the one place results become Rich tables and lines.

Backends return data (:mod:`jozi_lake.backend`); commands hand it to a function here, so local and AWS
results look alike and nothing outside the CLI imports Rich. Off a terminal (CI logs, pipes) the
console is wide enough not to clip table cells.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.status import Status
from rich.table import Table

from jozi_lake.backend import (
    ABANDONED,
    ABANDONED_FIX,
    ENDED_UNSUCCESSFULLY,
    FAILED,
    SKIPPED,
    SUCCEEDED,
    CrawlResult,
    LakeStatus,
    PipelineRun,
    QueryResult,
    StageResult,
    TableInfo,
)
from jozi_lake.ingest.summary import IngestSummary
from jozi_lake.jobs import registry
from jozi_lake.jobs.report import JobReport, RunReport
from jozi_lake.notify import alerts_for_ingest
from jozi_lake.query.named import NamedQuery

console = Console() if sys.stdout.isatty() else Console(width=160)
err_console = Console(stderr=True) if sys.stderr.isatty() else Console(stderr=True, width=160)

_MARK = {SUCCEEDED: "[green]✓[/]", SKIPPED: "[dim]–[/]", FAILED: "[red]✗[/]"}
_ACTION_STYLE = {"created": "green", "updated": "yellow", "deleted": "red", "unchanged": "dim"}


def error(message: str, hint: str | None = None) -> None:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    if hint:
        err_console.print(f"[bold]fix:[/] {escape(hint)}", highlight=False)


@contextmanager
def progress(first: str = "working ...") -> Iterator[Status]:
    """A spinner whose text long work updates (``status.update``): what a Progress callback drives."""
    with console.status(first) as status:
        yield status


def human_bytes(count: int) -> str:
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} B"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{seconds:.0f}s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _kv_table(title: str, rows: list[tuple[str, str]]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for key, value in rows:
        table.add_row(key, value)
    return table


# ------------------------------------------------------------------------------------------ ingest


def ingest_summary(summary: IngestSummary, title: str = "ingest run") -> None:
    """One row per source (pages or files landed, watermark, error), the rejected files, the manifest."""
    table = Table(title=f"{title} {summary.run_id}: {summary.status}", title_justify="left")
    for column in ("source", "kind", "status", "rows", "pages", "files", "watermark / skipped", "error"):
        table.add_column(column, justify="right" if column in ("rows", "pages", "files") else "left")
    for name, result in summary.sources.items():
        colour = "green" if result.status == SUCCEEDED else "red"
        table.add_row(
            name,
            result.kind,
            f"[{colour}]{result.status}[/]",
            f"{result.rows:,}",
            str(result.pages),
            str(result.files),
            str(result.watermark or (f"{result.skipped} skipped" if result.skipped else "")),
            result.error or "",
        )
    console.print(table)
    for alert in alerts_for_ingest(summary):  # the same alert the Lambda publishes on AWS
        console.print(f"[yellow]alert[/] {escape(alert.line())}", highlight=False)
    console.print(f"{summary.new_rows:,} new rows; has_new_data={summary.has_new_data}", highlight=False)
    if summary.manifest_key:
        console.print(f"[dim]manifest: {summary.manifest_key}[/]", highlight=False)


# ------------------------------------------------------------------------------------------ jobs


def job_reports(jobs: list[JobReport], title: str = "job runs") -> Table:
    """One row per job and table: rows in/out/quarantined/duplicates, rule failures, seconds."""
    table = Table(title=title, title_justify="left")
    for name, justify in (
        ("job", "left"),
        ("table", "left"),
        ("status", "left"),
        ("read", "right"),
        ("written", "right"),
        ("quarantined", "right"),
        ("duplicates", "right"),
        ("rule failures", "left"),
        ("job seconds", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    writes = {name: spec.writes for name, spec in registry.jobs().items()}
    for job in jobs:
        if not job.tables:
            table.add_row(job.job, "-", job.status, "", "", "", "", job.error, f"{job.duration_seconds:.1f}")
        # Only the job reading bronze accounts rows in; later layers rebuild partitions from silver,
        # where "written" is the figure that means something.
        reads_bronze = writes.get(job.job) == "silver"
        # The quality gate stopped the run before any publish: a clean table beside the held one has
        # nothing wrong with it, it just was not published; the next run publishes it.
        gate_stopped = job.status == "failed" and any(t.held_batches for t in job.tables)
        for i, t in enumerate(job.tables):
            failures = ", ".join(f"{rule}={n}" for rule, n in sorted(t.rule_failures.items()) if n)
            status, message = (t.status if t.status != "ok" else job.status), t.message
            if gate_stopped and t.status == "ok":
                status, message = "not published", message or "the next run publishes it"
            table.add_row(
                job.job,
                t.table,
                status,
                f"{t.rows_read:,}" if reads_bronze else "",
                f"{t.rows_written:,}",
                f"{t.rows_quarantined:,}" if reads_bronze else "",
                f"{t.duplicates_removed:,}" if reads_bronze else "",
                failures or message,
                f"{job.duration_seconds:.1f}" if i == 0 else "",  # the job's time, once per job
            )
    return table


def run_report(report: RunReport, as_json: bool = False) -> None:
    """A job run: the platform's view of each job run (AWS), then the jobs' own per-table reports."""
    if as_json:
        console.print_json(json.dumps(report.to_dict(), default=str))
        return
    for run in report.platform_runs:
        rows = [
            ("job", run.job),
            ("run", run.run_id),
            ("state", run.state),
            ("execution time", duration(run.seconds)),
            ("DPU-seconds", f"{run.dpu_seconds:,.0f}" if run.dpu_seconds is not None else "-"),
            ("estimated cost", f"${run.cost_usd:,.4f}" if run.cost_usd is not None else "-"),
        ]
        if run.log_location:
            rows.append(("logs", run.log_location))
        console.print(_kv_table(f"Glue job {run.job} ({report.env})", rows))
    if report.jobs:
        title = f"run {report.run_id} ({report.env}, {report.duration_seconds:.1f}s)"
        console.print(job_reports(report.jobs, title=title))
        held_lines(report.jobs)
    elif report.platform_runs:
        console.print(f"no run report for run {report.run_id} in the lake (the job writes one when it ends)")


# ------------------------------------------------------------------------------------------ catalog


def crawl_result(result: CrawlResult) -> None:
    """Crawler runs (AWS), one row per table touched, then schema conflicts and warnings (never hidden)."""
    if result.crawlers:
        runs = Table(title="crawlers", title_justify="left")
        for header in ("layer", "crawler", "state", "duration", "error"):
            runs.add_column(header)
        for run in result.crawlers:
            colour = "green" if run.state == "COMPLETED" else "red"
            runs.add_row(
                run.layer, run.crawler, f"[{colour}]{run.state}[/]", duration(run.seconds), run.error or ""
            )
        console.print(runs)
    table = Table(title=f"crawl: {', '.join(result.layers) or 'all layers'}", title_justify="left")
    for header in ("database", "table", "action", "columns", "partitions", "+partitions", "-partitions"):
        table.add_column(header, justify="right" if "partition" in header or header == "columns" else "left")
    table.add_column("new columns")
    for item in result.tables:
        style = _ACTION_STYLE.get(item.action, "")
        table.add_row(
            item.database,
            item.table,
            f"[{style}]{item.action}[/]" if style else item.action,
            str(item.columns),
            str(item.partitions),
            str(item.partitions_added),
            str(item.partitions_removed),
            ", ".join(item.new_columns),
        )
    console.print(table)
    if result.conflicts:
        conflicts = Table(
            title="schema conflicts (the table keeps its type; in bronze the source sent mixed types and "
            "silver's parsers decide, in silver or gold fix the writer)",
            style="red",
        )
        for header in ("table", "column", "table type", "file type", "file"):
            conflicts.add_column(header)
        for c in result.conflicts:
            conflicts.add_row(f"{c.database}.{c.table}", c.column, c.existing, c.incoming, c.file)
        console.print(conflicts)
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    if not result.tables:
        console.print("no tables found in the crawled layers")


def tables(found: list[TableInfo]) -> None:
    table = Table(title="catalog", title_justify="left")
    for header in ("database", "table", "format", "columns", "partition keys", "partitions", "location"):
        table.add_column(header, justify="right" if header in ("columns", "partitions") else "left")
    for t in found:
        table.add_row(
            t.database,
            t.name,
            t.classification,
            str(t.columns),
            ", ".join(t.partition_keys),
            str(t.partitions),
            t.location,
        )
    console.print(table)


def _cell(value: Any) -> str:
    if value is None:
        return "[dim]NULL[/]"
    if isinstance(value, float):
        # Six significant digits: shares keep their 4 decimals, minutes their fraction, no float noise.
        return f"{value:,.0f}" if abs(value) >= 1e6 else f"{value:.6g}"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, decimal.Decimal | dt.date):
        return str(value)
    return str(value).replace("[", r"\[")


def stats_line(result: QueryResult) -> str:
    """What the query read and cost, in the terms each engine reports."""
    parts = [f"{result.row_count} row(s) in {result.elapsed_s:.3f} s"]
    if result.bytes_read is not None:
        parts.append(
            f"read {human_bytes(result.bytes_read)} ({human_bytes(result.bytes_scanned)} column data)"
            f" from {result.files_read} file(s)"
        )
    else:
        parts.append(f"scanned {human_bytes(result.bytes_scanned)}")
    if result.billed_bytes is not None and result.cost_usd is not None:
        # Athena bills whole megabytes (10 MB minimum per query).
        parts.append(f"billed {result.billed_bytes / 1024**2:,.0f} MB = ${result.cost_usd:,.6f}")
    if result.execution_id:
        parts.append(f"query id {result.execution_id}")
    return " · ".join(parts)


def query_result(result: QueryResult, limit: int | None = None) -> None:
    """The rows (at most ``limit``) as a table, then the per-query stats line."""
    table = Table(title=result.name, title_justify="left")
    numeric = [
        all(isinstance(row[i], int | float | decimal.Decimal) or row[i] is None for row in result.rows)
        for i in range(len(result.columns))
    ]
    for index, column in enumerate(result.columns):
        table.add_column(column, justify="right" if numeric[index] and result.rows else "left")
    shown = result.rows if limit is None else result.rows[:limit]
    for row in shown:
        table.add_row(*(_cell(v) for v in row))
    console.print(table)
    if limit is not None and result.row_count > limit:
        where = f"; all rows are in {result.output_location}" if result.output_location else ""
        console.print(f"[dim](showing {limit} of {result.row_count} rows; --limit to change{where})[/]")
    console.print(f"[dim]{stats_line(result)}[/]", highlight=False)


def note(text: str) -> None:
    """One dim line of context under a result (never markup: the text may hold brackets)."""
    console.print(f"[dim]{escape(text)}[/]", highlight=False)


def answer_text(fmt: str, result: QueryResult) -> None:
    """Every row as csv, json or markdown on stdout, nothing else (for pipes and pasting)."""
    from jozi_lake.query.formats import format_answer

    sys.stdout.write(format_answer(fmt, result.columns, result.rows))
    sys.stdout.flush()


def named_queries(queries: list[NamedQuery]) -> None:
    table = Table(title="named queries (lake query <name>)", title_justify="left")
    table.add_column("name", style="cyan")
    table.add_column("folder")
    table.add_column("title")
    table.add_column("description")
    with_params = any(q.params for q in queries)
    if with_params:
        table.add_column("params (defaults)")
    for query in queries:
        row = [query.name, f"sql/{query.path.parent.name}", query.title, query.description]
        table.add_row(*row, *([", ".join(query.params) or "-"] if with_params else []))
    console.print(table)


def views(created: list[str]) -> None:
    for name in created:
        console.print(f"[green]✓[/] view {name}", highlight=False)


# ------------------------------------------------------------------------------------------ pipeline


class StageLines:
    """Pipeline events as a spinner per running stage and a line per finished one."""

    def __init__(self) -> None:
        self._spinner: Status | None = None
        self._started = 0.0

    def run_started(self, run_id: str, location: str | None) -> None:
        if location:
            console.print(f"started pipeline execution {location}", highlight=False)

    def stage_started(self, name: str) -> None:
        self.stop()
        self._started = time.perf_counter()
        self._spinner = console.status(f"[bold]{name}[/] …")
        self._spinner.start()

    def stage_finished(self, result: StageResult) -> None:
        self.stop()
        took = f"{result.duration_s:6.1f} s" if result.status != SKIPPED else "       "
        console.print(
            f"  {_MARK.get(result.status, '?')} {result.name:<18} {took}  [dim]{escape(result.summary)}[/]",
            highlight=False,
        )
        # The ingest stage's files set aside this run: one alert line each (source, file, reason, fix).
        for line in (result.detail or {}).get("alerts", []):
            console.print(f"    [yellow]alert[/] {escape(line)}", highlight=False)

    def stop(self) -> None:
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None


def held_lines(jobs: list[JobReport]) -> None:
    """One line per batch the quality gate held in these job runs, with how it gets going again."""
    for job in jobs:
        for t in job.tables:
            for batch in t.held_batches:
                console.print(
                    f"  [red]held[/] {batch}: {t.message or 'quality gate'} "
                    f"[dim](fix the contract or source, then: lake batches release {batch})[/]",
                    highlight=False,
                )


def pipeline_run(run: PipelineRun) -> None:
    """The end of a run: the quality summary of this run's jobs, then one line."""
    if run.job_reports:
        console.print(job_reports(run.job_reports, title="Quality summary (this run)"))
        held_lines(run.job_reports)
    if run.took_over_from:
        console.print(
            f"  [yellow]took over[/] the lease of run {run.took_over_from}, which had died without closing "
            "its run: its record now says ABANDONED (lake status)",
            highlight=False,
        )
    where = f", {run.location}" if run.location else ""
    console.print(
        f"[bold green]Pipeline {run.status.lower()}[/] in {run.duration_s:.1f} s (run {run.run_id}{where})",
        highlight=False,
    )


def status(report: LakeStatus) -> None:
    for key, value in report.facts:
        console.print(f"{key}: {value}", highlight=False)
    if report.runs:
        table = Table(title="Recent pipeline runs", title_justify="left")
        for column in ("run", "started (UTC)", "status", "took", "stages"):
            table.add_column(column)
        for run in report.runs:
            stages = " ".join(f"{_MARK.get(s.status, '?')}{s.name}" for s in run.stages)
            colour = {"SUCCEEDED": "green", "FAILED": "red", ABANDONED: "red"}.get(run.status, "yellow")
            table.add_row(
                run.run_id,
                run.started_at[:19].replace("T", " "),
                f"[{colour}]{run.status}[/]",
                f"{run.duration_s:.1f} s",
                stages,
            )
        console.print(table)
        failed = next((r for r in report.runs if r.status in ENDED_UNSUCCESSFULLY and r.error), None)
        if failed:
            console.print(
                f"[red]last failure[/] ({failed.run_id}): {escape(str(failed.error))}", highlight=False
            )
        for run in report.runs:
            if run.status == ABANDONED:
                console.print(
                    f"[red]abandoned[/] run {run.run_id}: {run.error} [dim](noticed {run.abandoned_at}; "
                    f"fix: {ABANDONED_FIX})[/]",
                    highlight=False,
                )
    else:
        console.print("Pipeline runs: none yet")
    if report.platform_runs:
        runs = Table(title="Glue job runs", title_justify="left")
        for column in ("job", "run", "state", "started", "duration", "DPU-s", "error"):
            runs.add_column(column)
        for job_run in report.platform_runs:
            runs.add_row(
                job_run.job,
                job_run.run_id[:20],
                job_run.state,
                f"{job_run.started:%Y-%m-%d %H:%M:%S}" if job_run.started else "-",
                duration(job_run.seconds),
                f"{job_run.dpu_seconds:,.0f}" if job_run.dpu_seconds is not None else "-",
                (job_run.error or "")[:80],
            )
        console.print(runs)
    if report.crawlers:
        crawls = Table(title="Crawlers", title_justify="left")
        for column in ("layer", "crawler", "last crawl", "duration", "error"):
            crawls.add_column(column)
        for c in report.crawlers:
            crawls.add_row(c.layer, c.crawler, c.state, duration(c.seconds), (c.error or "")[:80])
        console.print(crawls)
    if report.tables:
        counts = Table(title="Catalogued tables", title_justify="left")
        for column, justify in (
            ("layer", "left"),
            ("table", "left"),
            ("partitions", "right"),
            ("rows", "right"),
        ):
            counts.add_column(column, justify=justify)  # type: ignore[arg-type]
        for t in report.tables:
            counts.add_row(
                t.layer, t.table, str(t.partitions), f"{t.rows:,}" if t.rows is not None else "[dim]raw[/]"
            )
        console.print(counts)
    if report.job_reports:
        console.print(job_reports(report.job_reports, title="Latest job reports"))
    else:
        console.print("Latest job reports: none yet")
    if report.backlog:
        console.print("[bold]Backlog[/] (what the next run would do)", highlight=False)
        for work in report.backlog:
            mark = "[yellow]●[/]" if work.has_work else "[dim]–[/]"
            console.print(f"  {mark} {work.stage:<18} {escape(work.reason)}", highlight=False)
    for batch in report.held_batches:
        console.print(
            f"[red]{batch.state}[/] batch {batch.id} ({batch.files} file(s)): {batch.reason} "
            f"[dim]by {batch.held_by} at {batch.held_at}; lake batches release {batch.id}[/]",
            highlight=False,
        )
    for record in report.rejected_files:
        console.print(
            f"[yellow]rejected[/] {record.get('source', '?')}: {record.get('file', '?')}: "
            f"{record.get('reason', '')} [dim]at {record.get('rejected_at', '?')} → "
            f"{record.get('rejected_key', '')}[/]",
            highlight=False,
        )


# ------------------------------------------------------------------------------------------ batches


def batches(found: list[Any], source: str | None, state: str | None) -> None:
    """``lake batches``: one row per bronze batch with its state and, if held, why, who and when."""
    where = " ".join(p for p in (source and f"source={source}", state and f"state={state}") if p)
    table = Table(title=f"bronze batches{f' ({where})' if where else ''}", title_justify="left")
    for column, justify in (
        ("batch", "left"),
        ("state", "left"),
        ("files", "right"),
        ("processed", "right"),
        ("reason", "left"),
        ("held by", "left"),
        ("held at", "left"),
    ):
        # The batch id is what a person copies into `lake batches release`: never wrapped.
        table.add_column(column, justify=justify, no_wrap=column == "batch")  # type: ignore[arg-type]
    colour = {"pending": "yellow", "held": "magenta", "failed": "red", "processed": "green"}
    for b in found:
        table.add_row(
            b.id,
            f"[{colour.get(b.state, 'white')}]{b.state}[/]",
            str(b.files),
            str(b.processed_files),
            b.reason,
            b.held_by,
            b.held_at,
        )
    console.print(table)
    if not found:
        console.print("no bronze batches match", highlight=False)


def batch_changed(action: str, batch: Any) -> None:
    """After ``lake batches hold|release``: what the batch is now and what happens next."""
    then = (
        "the silver job skips it until `lake batches release " + batch.id + "`"
        if batch.state in ("held", "failed")
        else "the next run processes it"
    )
    console.print(f"[green]✓[/] {action} {batch.id}: now {batch.state}; {then}", highlight=False)


# ------------------------------------------------------------------------------------------ sources


def as_json(data: Any) -> None:
    console.print_json(json.dumps(data, default=str, ensure_ascii=False))


def source_overviews(env: str, overviews: list[Any]) -> None:
    """``lake sources``: kind, where from, auth, pagination, change field, watermark, last run, files."""
    table = Table(title=f"sources ({env})", title_justify="left")
    for column in ("source", "kind", "from", "auth", "pagination", "change time", "watermark", "last run"):
        table.add_column(column)
    table.add_column("files")
    for o in overviews:
        last = o.last_run_id or "-"
        if o.open_window:
            last += f" [red](window of {o.open_window} open)[/]"
        files = ", ".join(f"[red]{n} {s}[/]" if s == "rejected" else f"{n} {s}" for s, n in o.files.items())
        table.add_row(
            o.name,
            o.kind,
            o.location,
            o.auth,
            o.pagination,
            o.incremental,
            o.watermark or "-",
            last,
            files or "-",
        )
    console.print(table)
    if overviews:  # the full folder, which a table column would cut: where a person puts a file
        example = next((o for o in overviews if o.kind == "files"), overviews[0])
        root = example.drop_folder.removesuffix("/").rsplit("/", 1)[0]
        console.print(
            f"file drops: put a source's file in {root}/<source>/ (e.g. {example.drop_folder}), "
            "then lake drop or lake run-pipeline",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )


def probe_result(result: Any) -> None:
    """``lake source probe``: what one page or file holds, or why ingestion would refuse it."""
    console.print(f"[bold]{result.source}[/] ({result.kind}): {result.where}", highlight=False)
    if result.status is not None:
        console.print(
            f"HTTP {result.status}, {result.content_type or 'no content type'}, {result.size:,} bytes",
            highlight=False,
        )
    for header, value in result.headers.items():
        console.print(f"  {header}: {value}", highlight=False)
    if result.failure:
        console.print(
            f"[bold red]ingestion would refuse this:[/] {escape(result.failure.message)}", highlight=False
        )
        console.print(f"[bold]fix:[/] {escape(str(result.failure.hint))}", highlight=False)
        return
    console.print(f"records: {result.records:,} (bronze format {result.bronze_format})", highlight=False)
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    console.print(f"pagination: {result.pagination}", highlight=False)
    if result.next_request:
        console.print(f"next page: {result.next_request}", highlight=False)
    table = Table(title="fields", title_justify="left")
    for column in ("field", "present", "empty", "distinct", "parse", "type", "examples"):
        table.add_column(column)
    for f in result.fields:
        table.add_row(
            f.name,
            str(f.present),
            str(f.nulls),
            str(f.distinct) + (" (unique)" if f.unique else ""),
            f.parse,
            f.type,
            " | ".join(f.examples),
        )
    console.print(table)
    for f in result.fields:
        if note := f.near_note():
            console.print(f"[yellow]review:[/] {escape(note)}", highlight=False)


def contract_draft(draft: Any, written: Any | None, problem: str | None) -> None:
    """``lake contract draft``: the file written (or the draft), key and time candidates, review notes."""
    if written is None:
        console.print(draft.to_yaml(), highlight=False, markup=False)
    else:
        console.print(f"wrote {written} from {draft.records_sampled} records", highlight=False)
    console.print(
        "key candidates: " + (", ".join("+".join(c) for c in draft.key_candidates) or "none"), highlight=False
    )
    console.print(f"change time: {draft.dedup_order or 'none'}; event time: {draft.event_time or 'none'}")
    for note in draft.notes:
        console.print(f"[yellow]review:[/] {escape(note)}", highlight=False)
    if problem:
        console.print(f"[yellow]the draft does not load yet:[/] {escape(str(problem))}", highlight=False)


def contract_check(results: list[Any]) -> None:
    """``lake contract check``: one row per contract and gold model, then each problem with its fix."""
    title = "Contracts and gold models, analysed by Spark over empty tables"
    table = Table(title=title, title_justify="left")
    for column in ("layer", "table", "file", "verdict"):
        table.add_column(column)
    for r in results:
        table.add_row(r.layer, r.table, r.path, "[green]ok[/]" if r.ok else "[red]refused[/]")
    console.print(table)
    for r in results:
        if not r.ok:
            console.print(f"[red]{r.layer} {r.table}[/] ({r.path}): {escape(r.message)}", highlight=False)
            if r.hint:
                console.print(f"  [bold]fix:[/] {escape(r.hint)}", highlight=False)
    bad = sum(not r.ok for r in results)
    verdict = f"{len(results) - bad} of {len(results)} accepted" + (f"; {bad} to fix" if bad else "")
    console.print(verdict, highlight=False)


# ------------------------------------------------------------------------------------------ smoke


def smoke_checks(results: list[Any]) -> None:
    """One line per check of ``make smoke`` (jozi_lake.tooling.smoke): status, name, what it saw."""
    colours = {"PASSED": "green", "FAILED": "red", "SKIPPED": "yellow"}
    for result in results:
        colour = colours.get(result.status, "white")
        console.print(f"[{colour}]{result.status:<7}[/] {result.name}: {result.detail}", highlight=False)
