"""What decides whether the first apply on a fresh account succeeds, and a re-apply after a destroy.

Read from the rendered environments, so a module default and the lake.yaml block are checked together.
"""

from __future__ import annotations

import pytest

from jozi_lake.config import load_config
from jozi_lake.tooling import rendered

pytestmark = pytest.mark.terraform


def test_no_function_reserves_concurrency(rendered_envs: dict[str, rendered.Rendered]) -> None:
    """A reservation must leave 100 executions unreserved; fresh (and opt-in region) accounts have 10."""
    for env, state in rendered_envs.items():
        functions = state.of_type("aws_lambda_function")
        assert functions, env
        for function in functions:
            reserved = function.values["reserved_concurrent_executions"]
            assert reserved in (None, -1), f"{env}: {function.address} reserves {reserved} executions"


def test_dev_deletes_its_secret_at_once_so_it_can_be_recreated(
    rendered_envs: dict[str, rendered.Rendered],
) -> None:
    windows = {
        env: state.one("aws_secretsmanager_secret").values["recovery_window_in_days"]
        for env, state in rendered_envs.items()
    }
    assert windows["dev"] == 0, "a recovery window keeps the name taken: dev could not be re-created for days"
    for env, window in windows.items():
        assert window == load_config().raw["environments"][env]["secret_recovery_window_days"], env
