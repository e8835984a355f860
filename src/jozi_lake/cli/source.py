"""``lake generate``, ``serve-source``, ``ingest`` and ``drop``: the store's data on its way into bronze."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from jozi_lake.cli.common import EnvOption, console, friendly_errors, resolve_env
from jozi_lake.errors import LakeError

SourcesOption = Annotated[
    list[str] | None, typer.Option("--source", "-s", help="Only these sources (repeatable).")
]


def _parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise LakeError(f"--start {value!r} is not a date", "use YYYY-MM-DD, e.g. 2026-06-01") from None


def _summary_table(summary: dict[str, Any], title: str) -> Table:
    table = Table(title=f"{title} {summary['run_id']}: {summary['status']}")
    for column in ("source", "status", "rows", "pages/files", "watermark / skipped", "error"):
        table.add_column(column, justify="right" if column in ("rows", "pages/files") else "left")
    for name, result in summary["sources"].items():
        status = result["status"]
        colour = "green" if status == "SUCCEEDED" else "red"
        table.add_row(
            name,
            f"[{colour}]{status}[/]",
            str(result.get("rows", 0)),
            str(result.get("pages", result.get("files", 0))),
            str(result.get("watermark") if "watermark" in result else result.get("skipped", "")),
            str(result.get("error", "")),
        )
    return table


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``lake`` app."""

    @app.command()
    @friendly_errors
    def generate(
        start: str = typer.Option("2026-06-01", help="First day (YYYY-MM-DD, store local time)."),
        days: int = typer.Option(90, help="Number of days."),
        orders_per_day: int = typer.Option(250, help="Average orders per day (Fri/Sat busier)."),
        seed: int = typer.Option(42, help="Same parameters and seed give byte-identical files."),
        messiness: bool = typer.Option(True, "--messiness/--clean", help="Inject the documented defects."),
        out: Annotated[
            Path | None, typer.Option(help="Output folder (default <LAKE_HOME>/source-system).")
        ] = None,
    ) -> None:
        """Generate the store's operational data (one JSON-lines file per source + manifest.json)."""
        from jozi_lake.demo.generator import GeneratorParams, Messiness
        from jozi_lake.demo.generator import generate as run_generator

        out_dir = out or resolve_env("local").local_source_dir
        params = GeneratorParams(
            start=_parse_date(start),
            days=days,
            orders_per_day=orders_per_day,
            seed=seed,
            messiness=Messiness() if messiness else Messiness.clean(),
        )
        began = time.perf_counter()
        with console.status(f"simulating {days} days x {orders_per_day} orders/day ..."):
            manifest = run_generator(params, out_dir)
        table = Table(title=f"generated into {out_dir} in {time.perf_counter() - began:.1f}s")
        table.add_column("source")
        table.add_column("records", justify="right")
        for name, info in manifest["sources"].items():
            table.add_row(name, f"{info['records']:,}")
        console.print(table)
        defects = ", ".join(f"{k}={v['count']}" for k, v in manifest["defects"].items() if v["count"])
        console.print(f"defects: {defects or 'none (clean)'}")

    @app.command("serve-source")
    @friendly_errors
    def serve_source(
        port: int = typer.Option(8765, help="Port on 127.0.0.1 (0 = pick a free one)."),
        as_of: str | None = typer.Option(None, help="Store clock: hide records updated after this time."),
        data_dir: Annotated[Path | None, typer.Option(help="Generated data (default: LAKE_HOME).")] = None,
    ) -> None:
        """Serve the generated data as the store's API on 127.0.0.1 until Ctrl-C."""
        from jozi_lake.demo.source_api import SourceApiServer, endpoints_from_config, token_from_env

        directory = data_dir or resolve_env("local").local_source_dir
        try:
            server = SourceApiServer(directory, endpoints_from_config(), port=port, as_of=as_of)
        except OSError as err:
            raise LakeError(
                f"cannot listen on 127.0.0.1:{port}: {err.strerror}", "pick another --port"
            ) from None
        console.print(f"serving {directory} at [bold]{server.base_url}[/] (as_of={server.as_of or 'now'})")
        console.print(f"token: Authorization: Bearer {token_from_env()[:4]}... (JOZI_SOURCE_API_TOKEN)")
        for name, endpoint in server.endpoints.items():
            console.print(f"  {endpoint:24s} {server.visible_count(name):>9,} records ({name})")
        try:
            server.serve_forever()
        finally:
            server.stop()

    @app.command()
    @friendly_errors
    def ingest(
        env: str = EnvOption,
        source_url: str | None = typer.Option(
            None, help="The store's API base URL (local: default starts one)."
        ),
        as_of: str | None = typer.Option(None, help="Local API only: the store's clock for this run."),
        source: SourcesOption = None,
    ) -> None:
        """Pull the store's API into bronze (watermarked, resumable, idempotent)."""
        env_cfg = resolve_env(env)
        if not env_cfg.is_local:
            from jozi_lake.aws import commands as aws_commands

            aws_commands.ingest(env_cfg)
            return
        from jozi_lake.ingest.local import ingest_local
        from jozi_lake.storage import store_for_env

        with console.status("ingesting ...") as status:

            def started(base_url: str, clock: str | None) -> None:
                console.print(f"store API at {base_url} (as_of={clock or 'now'})")

            def progress(name: str, pages: int, rows: int) -> None:
                status.update(f"ingesting [bold]{name}[/]: {pages} pages, {rows:,} rows")

            summary = ingest_local(
                env_cfg,
                as_of=as_of,
                source_url=source_url,
                sources=list(source or []) or None,
                on_page=progress,
                on_start=started,
            )
        store = store_for_env(env_cfg)
        console.print(_summary_table(summary.to_dict(), "ingest run"))
        console.print(f"manifest: {store.uri(summary.manifest_key or '')}")
        for rejected in summary.rejected_files:
            console.print(
                f"[yellow]rejected[/] {rejected.file}: {rejected.reason} -> {rejected.rejected_key}"
            )
        if summary.status != "SUCCEEDED":
            raise LakeError(f"ingest run {summary.run_id} failed: {summary.error}", summary.hint)

    @app.command()
    @friendly_errors
    def drop(
        env: str = EnvOption,
        export: str | None = typer.Option(
            None, help="First write export files (csv|json) from the generated data into landing/."
        ),
        source: SourcesOption = None,
    ) -> None:
        """Copy file drops under landing/<source>/ into bronze (each drop once)."""
        from jozi_lake.config import load_config
        from jozi_lake.ingest import ingest_files
        from jozi_lake.storage import LocalObjectStore, store_for_env

        env_cfg = resolve_env(env)
        store = store_for_env(env_cfg)
        names = list(source or []) or load_config().source_names
        if export:
            if not isinstance(store, LocalObjectStore):
                raise LakeError(
                    "--export writes local files", "use --env local, or upload exports to landing/"
                )
            from jozi_lake.demo.generator import write_exports

            files = write_exports(env_cfg.local_source_dir, store.base / "landing", export, names)
            console.print(f"wrote {len(files)} export files into {store.uri('landing/')}")
        summary = ingest_files(store, names, env=env_cfg.name)
        console.print(_summary_table(summary.to_dict(), "drop run"))
        for rejected in summary.rejected_files:
            console.print(
                f"[yellow]rejected[/] {rejected.file}: {rejected.reason} -> {rejected.rejected_key}"
            )
        if summary.status != "SUCCEEDED":
            raise LakeError(f"drop run {summary.run_id} failed: {summary.error}", summary.hint)
