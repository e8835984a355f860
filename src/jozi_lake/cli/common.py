"""Shared CLI pieces: the options several commands take, the backend choice, the one-line error handler."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

from jozi_lake.backend import LakeBackend
from jozi_lake.backends import backend_for
from jozi_lake.cli import render
from jozi_lake.config import EnvConfig, env_config
from jozi_lake.errors import LakeError
from jozi_lake.jobs.report import JobRunFailed

F = TypeVar("F", bound=Callable[..., Any])

EnvName = Annotated[
    str,
    typer.Option(
        "--env",
        "-e",
        envvar="LAKE_ENV",
        help="Environment from lake.yaml: local (default, no AWS needed), dev or prod.",
    ),
]
Tables = Annotated[
    str | None,
    typer.Option("--tables", "-t", help="Comma-separated silver and/or gold tables (default: all)."),
]
Sources = Annotated[list[str] | None, typer.Option("--source", "-s", help="Only these sources (repeatable).")]
AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="Local fixture API only: the store's clock for this run (e.g. 2026-06-30)."),
]


def split_names(text: str | None) -> list[str] | None:
    """``"a, b"`` → ``["a", "b"]``; empty → None (meaning all)."""
    names = [t.strip() for t in (text or "").split(",") if t.strip()]
    return names or None


def resolve_env(name: str) -> EnvConfig:
    return env_config(name)


def lake(env_name: str) -> LakeBackend:
    """The backend of the named environment: the one place a command's side is chosen."""
    return backend_for(resolve_env(env_name))


def friendly_errors(fn: F) -> F:
    """Turn :class:`LakeError` into ``error:``/``fix:`` lines and exit code 1 instead of a traceback.

    A failed job run first shows that run's report (the job wrote it before failing), never an older one.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except JobRunFailed as err:
            if err.report.jobs or err.report.platform_runs:
                render.run_report(err.report)
            render.error(err.message, err.hint)
            raise typer.Exit(1) from None
        except LakeError as err:
            render.error(err.message, err.hint)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            render.err_console.print("interrupted")
            sys.exit(130)

    return wrapper  # type: ignore[return-value]
