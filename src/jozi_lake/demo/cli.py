"""``lake generate``, ``lake serve-source`` and ``lake demo``: the demo world's commands.

They drive the simulated store (its generator and fixture API) and the newcomer's first command; the
lake itself treats the fixture as one configured source, so nothing else in the CLI knows about them.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from jozi_lake.backend import SUCCEEDED, PipelineOptions
from jozi_lake.cli import render
from jozi_lake.cli.common import friendly_errors, lake, resolve_env
from jozi_lake.demo.generator.settings import GeneratorParams
from jozi_lake.errors import LakeError

_DEFAULTS = GeneratorParams()
Start = Annotated[str, typer.Option("--start", help="First day (YYYY-MM-DD, store local time).")]
Days = Annotated[int, typer.Option("--days", help="Days of store data.")]
OrdersPerDay = Annotated[
    int, typer.Option("--orders-per-day", help="Average orders per day (Fri/Sat busier).")
]
Seed = Annotated[
    int, typer.Option("--seed", help="Random seed: the same parameters and seed give the same bytes.")
]

START = _DEFAULTS.start.isoformat()

# The answers `lake demo` prints, in the order a store manager would read them.
DEMO_QUERIES: tuple[str, ...] = (
    "peak_hour_stage_excess",
    "late_share_by_hour_weekday",
    "load_shedding_impact",
    "driver_lateness",
    "zone_lateness",
    "complaints_vs_lateness",
    "repeat_after_late",
)


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise LakeError(f"--start {value!r} is not a date", "use YYYY-MM-DD, e.g. 2026-06-01") from None


@friendly_errors
def generate(
    start: Start = START,
    days: Days = _DEFAULTS.days,
    orders_per_day: OrdersPerDay = _DEFAULTS.orders_per_day,
    seed: Seed = _DEFAULTS.seed,
    messiness: Annotated[
        bool, typer.Option("--messiness/--clean", help="Inject the documented defects.")
    ] = True,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default <LAKE_HOME>/source-system).")
    ] = None,
    export: Annotated[
        str | None, typer.Option(help="Also write export files (csv|json) into the local lake's landing/.")
    ] = None,
) -> None:
    """Generate the store's operational data (one JSON-lines file per source + manifest.json)."""
    from jozi_lake.demo.generator import Messiness, write_exports
    from jozi_lake.demo.generator import generate as run_generator

    env = resolve_env("local")
    out_dir = out or env.local_source_dir
    params = GeneratorParams(
        start=parse_date(start),
        days=days,
        orders_per_day=orders_per_day,
        seed=seed,
        messiness=Messiness() if messiness else Messiness.clean(),
    )
    began = time.perf_counter()
    with render.progress(f"simulating {days} days x {orders_per_day} orders/day ..."):
        manifest = run_generator(params, out_dir)
    table = Table(title=f"generated into {out_dir} in {time.perf_counter() - began:.1f}s")
    table.add_column("source")
    table.add_column("records", justify="right")
    for name, info in manifest["sources"].items():
        table.add_row(name, f"{info['records']:,}")
    render.console.print(table)
    defects = ", ".join(f"{k}={v['count']}" for k, v in manifest["defects"].items() if v["count"])
    render.console.print(f"defects: {defects or 'none (clean)'}")
    if export:
        landing = env.local_s3_root / env.bucket / "landing"
        files = write_exports(out_dir, landing, export, list(manifest["sources"]))
        render.console.print(f"wrote {len(files)} export files into {landing}")


@friendly_errors
def serve_source(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 = pick a free one).")] = 8765,
    as_of: Annotated[
        str | None, typer.Option(help="Store clock: hide records updated after this time.")
    ] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Generated data (default: LAKE_HOME).")] = None,
) -> None:
    """Serve the generated data as the store's API on 127.0.0.1 until Ctrl-C."""
    from jozi_lake.demo.source_api import SourceApiServer, endpoints_from_config, token_from_env

    directory = data_dir or resolve_env("local").local_source_dir
    try:
        server = SourceApiServer(directory, endpoints_from_config(), port=port, as_of=as_of)
    except OSError as err:
        raise LakeError(f"cannot listen on 127.0.0.1:{port}: {err.strerror}", "pick another --port") from None
    render.console.print(f"serving {directory} at [bold]{server.base_url}[/] (as_of={server.as_of or 'now'})")
    render.console.print(f"token: Authorization: Bearer {token_from_env()[:4]}... (JOZI_SOURCE_API_TOKEN)")
    for name, endpoint in server.endpoints.items():
        render.console.print(f"  {endpoint:24s} {server.visible_count(name):>9,} records ({name})")
    try:
        server.serve_forever()
    finally:
        server.stop()


def print_answers(names: tuple[str, ...] = DEMO_QUERIES, limit: int = 12) -> None:
    from jozi_lake.query.named import get_named_query

    backend = lake("local")
    for name in names:
        named = get_named_query(name)
        render.console.rule(f"[bold]{named.title}[/]")
        if named.description:
            render.console.print(f"[dim]{named.description}[/]", highlight=False)
        render.query_result(backend.query(named=name), limit=limit)


@friendly_errors
def demo(
    days: Days = _DEFAULTS.days,
    orders_per_day: OrdersPerDay = _DEFAULTS.orders_per_day,
    seed: Seed = _DEFAULTS.seed,
    start: Start = START,
) -> None:
    """Generate the store's data (if needed), run the whole local pipeline, print the answers."""
    from jozi_lake.cli.pipeline import run_pipeline_with_progress
    from jozi_lake.demo.world import ensure_source_data

    env = resolve_env("local")
    ensure_source_data(
        env, start=start, days=days, orders_per_day=orders_per_day, seed=seed, console=render.console
    )
    run = run_pipeline_with_progress("local", PipelineOptions())
    if run.status != SUCCEEDED:
        raise LakeError(f"the pipeline ended {run.status}", "see 'lake status' for the failing stage")
    print_answers()
    from jozi_lake.cli.report import make_report

    make_report(lake("local"))
    render.console.print(
        "\n[bold]Next:[/] 'lake queries' lists every analyst question, 'lake query <name>' runs one, "
        "'lake status' shows runs and quality, 'make demo' again processes only what is new."
    )


def register(app: typer.Typer) -> None:
    app.command()(generate)
    app.command("serve-source")(serve_source)
    app.command()(demo)
