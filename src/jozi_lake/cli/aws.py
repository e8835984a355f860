"""AWS-only commands: ``lake upload-scripts`` publishes the Glue code, ``lake create-views`` the views.

The shared verbs (ingest, run-job, crawl, tables, query, run-pipeline, status) live with their local
implementations and dispatch to :mod:`jozi_lake.aws.commands` for ``--env dev|prod``.
"""

from __future__ import annotations

import typer

from jozi_lake.cli.common import EnvOption, friendly_errors, resolve_env
from jozi_lake.errors import LakeError


@friendly_errors
def upload_scripts(env: str = EnvOption) -> None:
    """Publish the Glue package and entry scripts as a new version and point the jobs at it."""
    config = resolve_env(env)
    if config.is_local:
        raise LakeError(
            "upload-scripts publishes Glue code to AWS; --env local runs the scripts from the checkout",
            "use --env dev or --env prod (locally, 'lake run-job' needs no upload)",
        )
    from jozi_lake.aws import commands

    commands.upload_scripts(config)


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
    app.command("upload-scripts")(upload_scripts)
    app.command("create-views")(create_views)
