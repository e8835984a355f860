"""Secrets of authenticated sources: the environment locally, Secrets Manager on AWS, never lake.yaml.

A source's ``auth.secret`` names its secret (sources sharing credentials name the same one). A
resolver turns that name into the value the request needs:

* :class:`EnvironmentSecrets` reads ``auth.secret_env`` (default ``LAKE_SECRET_<SECRET>``), locally;
* :class:`SecretsManagerSecrets` reads the Secrets Manager secret whose id (name or ARN) the Lambda's
  ``LAKE_SOURCE_SECRETS`` maps the secret name to (one secret per ``auth.secret``, made by Terraform).

A secret's value is the token or key itself, or JSON: ``{"token": ...}`` / ``{"api_key": ...}`` /
``{"value": ...}``, and for HTTP basic ``{"username": ..., "password": ...}`` (or ``user:password``).
Standard library only (boto3 is the caller's, passed in): the ingest Lambda imports it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from jozi_lake.errors import LakeError
from jozi_lake.sources import SourceConfig

_VALUE_KEYS = {
    "bearer": ("token", "access_token", "value"),
    "api_key": ("api_key", "key", "token", "value"),
}


class SecretResolver(Protocol):
    def __call__(self, source: SourceConfig) -> str | None:
        """The secret value for ``source`` (None when it needs none); raises LakeError with the fix."""


def secret_value(raw: str, source: SourceConfig, where: str) -> str:
    """The credential from a secret's stored text (plain, or JSON with the documented keys)."""
    auth = source.require_http().auth
    text = raw.strip()
    if not text:
        raise LakeError(
            f"{source.name}: the secret {where} is empty", f"store the {auth.type} credential in it"
        )
    if not text.startswith("{"):
        return text
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        raise LakeError(
            f"{source.name}: the secret {where} starts with '{{' but is not JSON",
            'store the plain value, or valid JSON such as {"token": "..."}',
        ) from None
    if auth.type == "basic":
        if isinstance(document, dict) and document.get("username") and "password" in document:
            return f"{document['username']}:{document['password']}"
        raise LakeError(
            f"{source.name}: the secret {where} lacks username/password",
            'store {"username": "...", "password": "..."}',
        )
    keys = _VALUE_KEYS.get(auth.type, ("value",))
    for key in keys:
        if isinstance(document, dict) and document.get(key):
            return str(document[key])
    raise LakeError(
        f"{source.name}: the secret {where} is JSON without any of {', '.join(keys)}",
        f'store {{"{keys[0]}": "..."}} or the plain value',
    )


class EnvironmentSecrets:
    """Secrets from environment variables (local runs, tests)."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def __call__(self, source: SourceConfig) -> str | None:
        if not source.is_http or not source.require_http().auth.needs_secret:
            return None
        auth = source.require_http().auth
        raw = self.environ.get(auth.env_var)
        if not raw:
            raise LakeError(
                f"{source.name}: no value for the secret {auth.secret!r}",
                f"set the environment variable {auth.env_var} (auth.secret_env in lake.yaml names it)",
            )
        return secret_value(raw, source, f"in {auth.env_var}")


class StaticSecrets:
    """Secrets given by name (the local fixture's token, tests); other names fall through."""

    def __init__(self, values: Mapping[str, str], fallback: SecretResolver | None = None) -> None:
        self.values, self.fallback = dict(values), fallback

    def __call__(self, source: SourceConfig) -> str | None:
        if not source.is_http or not source.require_http().auth.needs_secret:
            return None
        secret = source.require_http().auth.secret or source.name
        if secret in self.values:
            return secret_value(self.values[secret], source, repr(secret))
        if self.fallback is not None:
            return self.fallback(source)
        raise LakeError(f"{source.name}: no value for the secret {secret!r}")


class SecretsManagerSecrets:
    """Secrets from AWS Secrets Manager; ``ids`` maps each ``auth.secret`` to its secret name or ARN.

    Values are read once per run and secret (nine sources sharing one secret cost one call).
    """

    def __init__(self, ids: Mapping[str, str], client_factory: Callable[[], Any]) -> None:
        self.ids, self.client_factory = dict(ids), client_factory
        self._client: Any = None
        self._cache: dict[str, str] = {}

    def __call__(self, source: SourceConfig) -> str | None:
        if not source.is_http or not source.require_http().auth.needs_secret:
            return None
        secret = source.require_http().auth.secret or source.name
        secret_id = self.ids.get(secret)
        if not secret_id:
            raise LakeError(
                f"{source.name}: LAKE_SOURCE_SECRETS names no Secrets Manager secret for {secret!r}",
                "Terraform creates one secret per auth.secret of lake.yaml and lists it in "
                "LAKE_SOURCE_SECRETS: apply the environment again",
            )
        if secret_id not in self._cache:
            if self._client is None:
                self._client = self.client_factory()
            try:
                self._cache[secret_id] = self._client.get_secret_value(SecretId=secret_id)["SecretString"]
            except Exception as err:  # botocore's ClientError, without importing botocore here
                code = getattr(err, "response", {}).get("Error", {}).get("Code", type(err).__name__)
                raise LakeError(
                    f"{source.name}: cannot read the secret {secret_id} ({code})",
                    f"put the {source.require_http().auth.type} credential into {secret_id} "
                    "(aws secretsmanager put-secret-value) and check the Lambda may read it",
                ) from None
        return secret_value(self._cache[secret_id], source, secret_id)
