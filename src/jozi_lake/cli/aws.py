"""AWS-only commands: ``lake create-views`` creates the Athena views (Terraform deploys the Glue code).

The shared verbs (ingest, run-job, crawl, tables, query, run-pipeline, status) live with their local
implementations and dispatch to :mod:`jozi_lake.aws.commands` for ``--env dev|prod``.
"""

from __future__ import annotations

import typer

from jozi_lake.cli.common import EnvOption, friendly_errors, resolve_env
from jozi_lake.errors import LakeError


@friendly_errors
def create_views(env: str = EnvOption) -> None:
    """Create or replace the sql/views views in the environment's Athena gold database."""
    config = resolve_env(env)
    if config.is_local:
        raise LakeError(
            "create-views runs Athena DDL on AWS; locally every query creates the views it reads",
            "use --env dev or --env prod",
        )
    from jozi_lake.aws import commands

    commands.create_views(config)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``lake`` app."""
    app.command("create-views")(create_views)
