"""The lake Lambda's settings: the few facts only the deployment knows, read from its environment.

Everything about the sources (URLs per environment, pagination, auth type, secret names) comes from
the packaged lake.json (:mod:`jozi_lake.config`). Terraform sets exactly these variables
(docs/terraform-interfaces.md, "Lake Lambda contract"):

=======================  ==============================================================================
``LAKE_ENV``             the environment (``dev``, ``prod``): picks each source's ``base_url.<env>``
``LAKE_BUCKET``          the lake bucket
``LAKE_SOURCE_SECRETS``  JSON ``{"<auth.secret>": "<Secrets Manager name or ARN>", ...}``: one secret per
                         ``auth.secret`` of lake.yaml (``{}`` or unset when no source authenticates)
=======================  ==============================================================================
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from jozi_lake.errors import LakeError

ENV_VAR = "LAKE_ENV"
BUCKET_VAR = "LAKE_BUCKET"
SECRETS_VAR = "LAKE_SOURCE_SECRETS"


@dataclass(frozen=True)
class LambdaSettings:
    env: str
    bucket: str
    secret_ids: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> LambdaSettings:
        missing = [name for name in (ENV_VAR, BUCKET_VAR) if not environ.get(name)]
        if missing:
            raise LakeError(
                f"missing environment variable(s): {', '.join(missing)}",
                "the lake Lambda's Terraform module sets them (docs/terraform-interfaces.md)",
            )
        raw = environ.get(SECRETS_VAR) or "{}"
        try:
            ids = json.loads(raw)
        except json.JSONDecodeError:
            ids = None
        if not isinstance(ids, dict) or not all(isinstance(v, str) for v in ids.values()):
            raise LakeError(
                f"{SECRETS_VAR} is not a JSON object of secret name to Secrets Manager id",
                '{"<auth.secret of lake.yaml>": "arn:aws:secretsmanager:...:secret:..."}',
            )
        return cls(
            env=environ[ENV_VAR], bucket=environ[BUCKET_VAR], secret_ids={str(k): v for k, v in ids.items()}
        )
