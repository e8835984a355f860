"""The ingest Lambda's configuration, read from the environment variables ``modules/ingest-lambda`` sets.

The Lambda cannot read lake.yaml (no pyyaml in the runtime), so Terraform passes the same facts
(contract in docs/terraform-interfaces.md, "Ingest Lambda contract"):

=============================  ====================================================================
``LAKE_BUCKET``                the lake bucket (required)
``SOURCE_BASE_URL``            the store API's base URL (required)
``SOURCE_ENDPOINTS``           JSON ``[{"name": "orders", "endpoint": "/v1/orders"}, ...]`` (required;
                               a ``{"orders": "/v1/orders"}`` object is accepted too)
``SOURCE_TOKEN_SECRET_ARN``    Secrets Manager secret with the token: a plain string or JSON
                               ``{"token": "..."}`` (required)
``SOURCE_PAGINATION``          ``cursor`` (default) or ``page``
``SOURCE_PAGE_SIZE``           default 500
``SOURCE_AUTH_HEADER``         default ``Authorization`` (sent as ``Bearer <token>``); any other
                               header name carries the bare token
``SOURCE_TIMEOUT_SECONDS``     optional, per request, default 30
``INGEST_MAX_ATTEMPTS``        optional, per page, default 5
=============================  ====================================================================
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from jozi_lake.errors import LakeError
from jozi_lake.ingest.api import ApiIngestConfig
from jozi_lake.ingest.http_client import RetryPolicy

REQUIRED = ("LAKE_BUCKET", "SOURCE_BASE_URL", "SOURCE_ENDPOINTS", "SOURCE_TOKEN_SECRET_ARN")


def parse_sources(raw: str) -> dict[str, str]:
    """``SOURCE_ENDPOINTS`` → ``{name: endpoint}``."""
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        raise LakeError(
            "SOURCE_ENDPOINTS is not JSON", 'e.g. [{"name": "orders", "endpoint": "/v1/orders"}]'
        ) from None
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, list) and all(isinstance(s, dict) and {"name", "endpoint"} <= set(s) for s in value):
        return {str(s["name"]): str(s["endpoint"]) for s in value}
    raise LakeError("SOURCE_ENDPOINTS must list objects with name and endpoint")


def token_from_secret(secret_string: str) -> str:
    """A Secrets Manager value: the token itself, or JSON with a ``token`` key."""
    text = secret_string.strip()
    if text.startswith("{"):
        try:
            token = json.loads(text).get("token")
        except (json.JSONDecodeError, AttributeError):
            token = None
        if not token:
            raise LakeError("the API token secret is JSON without a 'token' key", 'store {"token": "..."}')
        return str(token)
    if not text:
        raise LakeError("the API token secret is empty")
    return text


def config_from_environment(
    environ: Mapping[str, str], read_secret: Callable[[str], str]
) -> tuple[str, ApiIngestConfig]:
    """(bucket, API config) from the Lambda's environment; ``read_secret(arn)`` returns the secret string."""
    missing = [name for name in REQUIRED if not environ.get(name)]
    if missing:
        raise LakeError(
            f"missing environment variable(s): {', '.join(missing)}", "set them in the Lambda config"
        )
    try:
        page_size = int(environ.get("SOURCE_PAGE_SIZE") or "500")
        timeout = float(environ.get("SOURCE_TIMEOUT_SECONDS") or "30")
        attempts = int(environ.get("INGEST_MAX_ATTEMPTS") or "5")
    except ValueError as err:
        raise LakeError(f"a numeric ingest setting is not a number: {err}") from None
    config = ApiIngestConfig(
        base_url=environ["SOURCE_BASE_URL"],
        endpoints=parse_sources(environ["SOURCE_ENDPOINTS"]),
        token=token_from_secret(read_secret(environ["SOURCE_TOKEN_SECRET_ARN"])),
        pagination=environ.get("SOURCE_PAGINATION") or "cursor",
        page_size=page_size,
        auth_header=environ.get("SOURCE_AUTH_HEADER") or "Authorization",
        timeout_seconds=timeout,
        retry=RetryPolicy(max_attempts=attempts),
    )
    return environ["LAKE_BUCKET"], config
