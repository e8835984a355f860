"""The one place an environment's backend is chosen: local for ``local``, AWS for the others.

Apart from :mod:`jozi_lake.backend` (the interface and its result types), so runtime code may use those
types without reaching either implementation; the CLI calls :func:`backend_for` once per command.
"""

from __future__ import annotations

from jozi_lake.backend import LakeBackend
from jozi_lake.config import EnvConfig


def backend_for(env: EnvConfig) -> LakeBackend:
    """The backend of ``env``: chosen here, once, for every command."""
    if env.is_local:
        from jozi_lake.local.backend import LocalBackend

        return LocalBackend(env)
    from jozi_lake.aws.backend import AwsBackend

    return AwsBackend(env)
