"""The rendered environments (build/rendered/<env>/), rendered once per run and only when stale.

`make tf-test` renders them while it tests the environments; a pytest run on its own renders an environment
whose inputs changed since (jozi_lake.tooling.rendered.ensure), so every check reads the same final state.
"""

from __future__ import annotations

import shutil

import pytest

from jozi_lake.tooling import rendered


@pytest.fixture(scope="session")
def rendered_envs() -> dict[str, rendered.Rendered]:
    """Every environment's rendered final state, by environment name."""
    if shutil.which("terraform") is None:
        pytest.skip("needs the terraform binary to render the environments")
    return {env: rendered.ensure(env) for env in rendered.environments()}


@pytest.fixture(scope="session")
def dev(rendered_envs: dict[str, rendered.Rendered]) -> rendered.Rendered:
    return rendered_envs["dev"]
