"""``lake sources``, ``lake source probe NAME``, ``lake contract draft NAME``, ``lake contract check``.

The steps of a new source: declare it in lake.yaml, ``lake source probe`` it until the records,
pagination and fields look right, ingest it, ``lake contract draft`` a silver contract from what
landed, review it, ``lake contract check`` it and the gold models with Spark over empty tables, run
the pipeline. The logic lives in :mod:`jozi_lake.ingest` (listing, probe, draft) and
:mod:`jozi_lake.jobs.contract_check` and returns data objects; :mod:`jozi_lake.cli.render` prints them.
"""

from __future__ import annotations

from typing import Annotated

import typer

from jozi_lake.cli import render
from jozi_lake.cli.common import AsOf, EnvName, friendly_errors, resolve_env

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


@friendly_errors
def sources(env: EnvName = "local", as_json: JsonOption = False) -> None:
    """Every source of lake.yaml: kind, where it comes from, last watermark and run, landed files."""
    from jozi_lake.config import load_config
    from jozi_lake.ingest.listing import list_sources
    from jozi_lake.storage import store_for_env

    env_cfg = resolve_env(env)
    overviews = list_sources(load_config(), store_for_env(env_cfg), env_cfg.name)
    if as_json:
        render.as_json([o.to_dict() for o in overviews])
    else:
        render.source_overviews(env_cfg.name, overviews)


@friendly_errors
def probe(
    name: Annotated[str, typer.Argument(help="The source (a key of lake.yaml sources).")],
    env: EnvName = "local",
    file: Annotated[
        str | None,
        typer.Option("--file", "-f", help="A file under landing/<source>/, or a path on this machine."),
    ] = None,
    source_url: Annotated[
        str | None, typer.Option(help="Probe this base URL instead of lake.yaml's for the environment.")
    ] = None,
    as_of: AsOf = None,
    as_json: JsonOption = False,
) -> None:
    """Fetch one page (or read one file) through the source's configuration; writes nothing."""
    from jozi_lake.ingest.probe import probe_in_env

    result = probe_in_env(resolve_env(env), name, file=file, source_url=source_url, as_of=as_of)
    if as_json:
        render.as_json(result.to_dict())
    else:
        render.probe_result(result)
    if not result.ok:
        raise typer.Exit(1)


@friendly_errors
def draft(
    name: Annotated[
        str, typer.Argument(help="The source whose bronze samples the contract is drafted from.")
    ],
    env: EnvName = "local",
    records: Annotated[int, typer.Option(help="Records to sample from the newest bronze files.")] = 1000,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing contract file.")] = False,
    show: Annotated[bool, typer.Option("--print", help="Print the draft instead of writing it.")] = False,
) -> None:
    """Write contracts/silver/<name>.yaml from bronze samples: types, parsers, key, change time."""
    from jozi_lake.config import load_config
    from jozi_lake.ingest.draft import draft_contract, validate_draft, write_draft
    from jozi_lake.project import project_dir
    from jozi_lake.storage import store_for_env

    drafted = draft_contract(load_config(), name, store=store_for_env(resolve_env(env)), max_records=records)
    written = None if show else write_draft(drafted, project_dir(), force=force)
    render.contract_draft(drafted, written, validate_draft(drafted))


@friendly_errors
def check() -> None:
    """Analyse every contract and gold model with Spark over empty tables: what would fail the first run."""
    from jozi_lake.jobs.contract_check import check_project
    from jozi_lake.jobs.spark import local_spark_session

    with render.progress("starting Spark to analyse the contracts and gold models ..."):
        results = check_project(local_spark_session("jozi-lake-contract-check"))
    render.contract_check(results)
    if not all(r.ok for r in results):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``sources``, ``source probe`` and ``contract draft`` to the ``lake`` app."""
    app.command()(sources)
    source_app = typer.Typer(help="Work on one source of lake.yaml.", no_args_is_help=True)
    source_app.command()(probe)
    app.add_typer(source_app, name="source")
    contract_app = typer.Typer(help="Contracts: draft one from a source, check all.", no_args_is_help=True)
    contract_app.command()(draft)
    contract_app.command()(check)
    app.add_typer(contract_app, name="contract")
