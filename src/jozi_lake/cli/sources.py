"""``lake sources``, ``lake source probe NAME``, ``lake contract draft NAME``: a source by configuration.

The steps of a new source: declare it in lake.yaml, ``lake source probe`` it until the records,
pagination and fields look right, ingest it, ``lake contract draft`` a silver contract from what
landed, review it, run the pipeline. The logic lives in :mod:`jozi_lake.ingest` (listing, probe,
draft) and returns data objects; this module only renders them.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from typing import Annotated, Any

import typer
from rich.table import Table

from jozi_lake.cli.common import EnvOption, console, friendly_errors, resolve_env

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _print_json(data: Any) -> None:
    console.print_json(json.dumps(data, default=str, ensure_ascii=False))


@friendly_errors
def sources_command(env: str = EnvOption, as_json: JsonOption = False) -> None:
    """Every source of lake.yaml: kind, where it comes from, last watermark and run, landed files."""
    from jozi_lake.config import load_config
    from jozi_lake.ingest.listing import list_sources
    from jozi_lake.storage import store_for_env

    env_cfg = resolve_env(env)
    overviews = list_sources(load_config(), store_for_env(env_cfg), env_cfg.name)
    if as_json:
        _print_json([o.to_dict() for o in overviews])
        return
    table = Table(title=f"sources ({env_cfg.name})")
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


@friendly_errors
def probe_command(
    name: Annotated[str, typer.Argument(help="The source (a key of lake.yaml sources).")],
    env: str = EnvOption,
    file: Annotated[
        str | None,
        typer.Option("--file", "-f", help="A file under landing/<source>/, or a path on this machine."),
    ] = None,
    source_url: Annotated[
        str | None, typer.Option(help="Probe this base URL instead of lake.yaml's for the environment.")
    ] = None,
    as_of: Annotated[str | None, typer.Option(help="Local fixture API only: the store's clock.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Fetch one page (or read one file) through the source's configuration; writes nothing."""
    from jozi_lake.config import load_config
    from jozi_lake.ingest.local import local_endpoints
    from jozi_lake.ingest.probe import probe_source
    from jozi_lake.ingest.secrets import EnvironmentSecrets
    from jozi_lake.storage import store_for_env

    env_cfg = resolve_env(env)
    config = load_config()
    source = config.source(name)
    store = store_for_env(env_cfg)
    with ExitStack() as stack:
        urls: dict[str, str] = {}
        secrets: Any = EnvironmentSecrets()
        if source.is_http and file is None and (env_cfg.is_local or source_url):
            urls, secrets = stack.enter_context(
                local_endpoints(env_cfg, [source], as_of=as_of, source_url=source_url)
            )
        result = probe_source(
            config,
            name,
            env=env_cfg.name,
            store=store,
            secrets=secrets,
            base_url=urls.get(name),
            file=file,
        )
    if as_json:
        _print_json(result.to_dict())
        raise typer.Exit(0 if result.ok else 1)
    console.print(f"[bold]{result.source}[/] ({result.kind}): {result.where}", highlight=False)
    if result.status is not None:
        console.print(
            f"HTTP {result.status}, {result.content_type or 'no content type'}, {result.size:,} bytes",
            highlight=False,
        )
    for header, value in result.headers.items():
        console.print(f"  {header}: {value}", highlight=False)
    if result.failure:
        console.print(f"[bold red]ingestion would refuse this:[/] {result.failure.message}", highlight=False)
        console.print(f"[bold]fix:[/] {result.failure.hint}", highlight=False)
        raise typer.Exit(1)
    console.print(f"records: {result.records:,} (bronze format {result.bronze_format})", highlight=False)
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    console.print(f"pagination: {result.pagination}", highlight=False)
    if result.next_request:
        console.print(f"next page: {result.next_request}", highlight=False)
    table = Table(title="fields")
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


@friendly_errors
def draft_command(
    name: Annotated[
        str, typer.Argument(help="The source whose bronze samples the contract is drafted from.")
    ],
    env: str = EnvOption,
    records: Annotated[int, typer.Option(help="Records to sample from the newest bronze files.")] = 1000,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing contract file.")] = False,
    show: Annotated[bool, typer.Option("--print", help="Print the draft instead of writing it.")] = False,
) -> None:
    """Write contracts/silver/<name>.yaml from bronze samples: types, parsers, key, change time."""
    from jozi_lake.config import load_config
    from jozi_lake.ingest.draft import draft_contract, validate_draft, write_draft
    from jozi_lake.project import project_dir
    from jozi_lake.storage import store_for_env

    env_cfg = resolve_env(env)
    draft = draft_contract(load_config(), name, store=store_for_env(env_cfg), max_records=records)
    if show:
        console.print(draft.to_yaml(), highlight=False, markup=False)
    else:
        target = write_draft(draft, project_dir(), force=force)
        console.print(f"wrote {target} from {draft.records_sampled} records", highlight=False)
    console.print(
        "key candidates: " + (", ".join("+".join(c) for c in draft.key_candidates) or "none"),
        highlight=False,
    )
    console.print(f"change time: {draft.dedup_order or 'none'}; event time: {draft.event_time or 'none'}")
    for note in draft.notes:
        console.print(f"[yellow]review:[/] {note}", highlight=False)
    problem = validate_draft(draft)
    if problem:
        console.print(f"[yellow]the draft does not load yet:[/] {problem}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``sources``, ``source probe`` and ``contract draft`` to the ``lake`` app."""
    app.command("sources")(sources_command)
    source_app = typer.Typer(help="Work on one source of lake.yaml.", no_args_is_help=True)
    source_app.command("probe")(probe_command)
    app.add_typer(source_app, name="source")
    contract_app = typer.Typer(help="Silver contracts of sources.", no_args_is_help=True)
    contract_app.command("draft")(draft_command)
    app.add_typer(contract_app, name="contract")
