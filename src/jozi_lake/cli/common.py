"""Shared CLI pieces: the ``--env`` option, the Rich console and the one-line error handler."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console

from jozi_lake.config import ConfigError, EnvConfig, env_config
from jozi_lake.errors import LakeError

# Off a terminal (CI logs, pipes) Rich would wrap at 80 columns and clip table cells; give it room.
console = Console() if sys.stdout.isatty() else Console(width=160)
err_console = Console(stderr=True) if sys.stderr.isatty() else Console(stderr=True, width=160)

F = TypeVar("F", bound=Callable[..., Any])

EnvOption = typer.Option(
    "local",
    "--env",
    "-e",
    envvar="LAKE_ENV",
    help="Environment from lake.yaml: local (default, no AWS needed), dev or prod.",
)


def resolve_env(name: str) -> EnvConfig:
    try:
        return env_config(name)
    except ConfigError as err:
        raise LakeError(str(err)) from None


def fail(message: str, hint: str | None = None, code: int = 1) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    if hint:
        err_console.print(f"[bold]fix:[/] {hint}", highlight=False)
    raise typer.Exit(code)


def friendly_errors(fn: F) -> F:
    """Turn :class:`LakeError` (and other expected failures) into one clear line and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LakeError as err:
            fail(err.message, err.hint)
        except ConfigError as err:
            fail(str(err))
        except KeyboardInterrupt:
            err_console.print("interrupted")
            sys.exit(130)
        return None

    return wrapper  # type: ignore[return-value]
