"""boto3 clients for one deployed environment, and the one place botocore errors become LakeErrors.

Credentials and profile come from the usual boto3 chain (environment, ``AWS_PROFILE``, SSO, instance
role). The region is the configured one when there is one, else the region the lake was deployed to
(Terraform output, then lake.yaml), so a fresh shell with only credentials works. Throttling and
transient 5xx errors are retried by botocore's *standard* retry mode with a bounded number of attempts;
the CLI adds its own retries only where AWS advises them (a crawler that is already running).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ReadTimeoutError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)
from botocore.loaders import Loader, create_loader

from jozi_lake.aws.outputs import DeployedLake, deployed_lake
from jozi_lake.config import EnvConfig
from jozi_lake.errors import LakeError
from jozi_lake.retries import MAX_ATTEMPTS, standard_retries
from jozi_lake.storage import Throttled

_EXPIRED_CODES = {
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "TokenRefreshRequired",
}
_INVALID_CREDENTIAL_CODES = {
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
}
_THROTTLING_CODES = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "ProvisionedThroughputExceededException",
}
# HEAD requests have no error body: S3 then reports the bare status code.
_ACCESS_DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden", "403"}
_INVALID_INPUT_CODES = {
    "InvalidRequestException",
    "InvalidInputException",
    "ValidationException",
    "InvalidParameterValueException",
}
_NOT_FOUND_CODES = {
    "EntityNotFoundException",
    "ResourceNotFoundException",
    "ResourceNotFound",
    "NoSuchBucket",
    "StateMachineDoesNotExist",
    "ExecutionDoesNotExist",
    "CrawlerNotFoundException",
}


def error_code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


def error_message(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Message", "")).strip() or error_code(err)


@dataclass
class AwsSession:
    """Clients of one environment, created lazily and shared by every step of a command."""

    env: EnvConfig
    lake: DeployedLake
    session: Any
    _clients: dict[str, Any] = field(default_factory=dict)

    @property
    def region(self) -> str:
        return str(self.session.region_name or self.lake.region)

    def client(self, service: str, *, read_timeout: int = 60, max_attempts: int = MAX_ATTEMPTS) -> Any:
        """A client with standard retries; ``max_attempts=1`` where a retry could repeat a side effect."""
        key = f"{service}:{read_timeout}:{max_attempts}"
        if key not in self._clients:
            config = Config(
                region_name=self.region,
                retries=standard_retries(max_attempts),
                read_timeout=read_timeout,
                connect_timeout=10,
                user_agent_extra="jozi-lake-cli",
            )
            with aws_errors(self, f"creating the {service} client"):
                self._clients[key] = self.session.client(service, config=config)
        return self._clients[key]


@cache
def _shared_loader() -> Loader:
    """One botocore data loader per process: service models are parsed once, not once per session."""
    return create_loader()


def new_boto3_session(region: str | None = None) -> boto3.session.Session:
    """A boto3 session on the usual credential chain, sharing the parsed service models."""
    core = botocore.session.Session()
    core.register_component("data_loader", _shared_loader())
    # boto3 reads AWS_DEFAULT_REGION and the profile; AWS_REGION is what the other SDKs and the AWS CLI v2
    # read, so it counts as configured too (else a shell set up for them would silently go elsewhere).
    configured = core.get_config_variable("region") or os.environ.get("AWS_REGION")
    return boto3.session.Session(botocore_session=core, region_name=configured or region)


def open_session(env: EnvConfig) -> AwsSession:
    """Outputs + a boto3 session for ``env``; the region falls back to the deployed region."""
    lake = deployed_lake(env)
    try:
        session = new_boto3_session(lake.region)
    except BotoCoreError as err:  # e.g. a profile named in AWS_PROFILE that does not exist
        raise LakeError(
            f"cannot set up the AWS session: {err}", "check AWS_PROFILE and ~/.aws/config"
        ) from None
    return AwsSession(env=env, lake=lake, session=session)


def _region_hint(aws: AwsSession | None) -> str:
    if aws is None:
        return "check AWS_DEFAULT_REGION / AWS_PROFILE"
    if aws.region != aws.lake.region:
        return (
            f"the {aws.env.name} lake is deployed in {aws.lake.region} but the AWS region is {aws.region}: "
            f"set AWS_DEFAULT_REGION={aws.lake.region} (or unset AWS_REGION/AWS_DEFAULT_REGION)"
        )
    return f"check that 'make apply ENV={aws.env.name}' has run and AWS_PROFILE is the right account"


def translate(err: Exception, aws: AwsSession | None, action: str) -> LakeError | None:
    """The LakeError for a botocore failure, or None for errors the caller must not swallow."""
    if isinstance(err, NoCredentialsError | PartialCredentialsError):
        return LakeError(
            f"no AWS credentials found while {action}",
            "run 'aws configure' or 'aws sso login --profile <name>' and set AWS_PROFILE",
        )
    if isinstance(err, TokenRetrievalError | UnauthorizedSSOTokenError):
        return LakeError(
            f"the AWS SSO session has expired while {action}", "run 'aws sso login' (with your AWS_PROFILE)"
        )
    if isinstance(err, NoRegionError):
        return LakeError(f"no AWS region configured while {action}", "set AWS_DEFAULT_REGION")
    if isinstance(err, EndpointConnectionError | ConnectTimeoutError):
        endpoint = getattr(err, "kwargs", {}).get("endpoint_url", "the AWS endpoint")
        return LakeError(
            f"cannot reach {endpoint} while {action}",
            "check the network, AWS_DEFAULT_REGION and any AWS_ENDPOINT_URL setting; " + _region_hint(aws),
        )
    if isinstance(err, ReadTimeoutError):
        return LakeError(f"AWS did not answer in time while {action}", "retry; check 'lake status'")
    if isinstance(err, ClientError):
        code, message = error_code(err), error_message(err)
        if code in _EXPIRED_CODES or ("expired" in message.lower() and "token" in message.lower()):
            return LakeError(
                f"the AWS credentials have expired ({code}) while {action}",
                "refresh them: 'aws sso login' or new temporary credentials",
            )
        if code in _INVALID_CREDENTIAL_CODES:
            return LakeError(
                f"AWS rejected the credentials ({code}) while {action}",
                "check AWS_PROFILE / AWS_ACCESS_KEY_ID, and that the keys belong to this account",
            )
        if code in _THROTTLING_CODES:
            attempts = err.response.get("ResponseMetadata", {}).get("RetryAttempts", MAX_ATTEMPTS - 1) + 1
            return Throttled(code, action, attempts)
        if code in _ACCESS_DENIED_CODES:
            return LakeError(
                f"access denied while {action}: {message}",
                "use a role allowed to operate the lake (the operator policy from Terraform)",
            )
        if code in _INVALID_INPUT_CODES:
            return LakeError(
                f"AWS rejected the request while {action}: {message}",
                "check the names and arguments given (for a query: the SQL, in the Athena/Trino dialect)",
            )
        if code in _NOT_FOUND_CODES:
            return LakeError(f"{action} failed: {message}", _region_hint(aws))
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return LakeError(
            f"{action} failed: {code or status}: {message}", "retry; if it persists see 'lake status'"
        )
    if isinstance(err, BotoCoreError):
        return LakeError(f"{action} failed: {err}", "check AWS_PROFILE, AWS_DEFAULT_REGION and the network")
    return None


@contextlib.contextmanager
def aws_errors(aws: AwsSession | None, action: str) -> Iterator[None]:
    """Run AWS calls, turning botocore failures into one-line LakeErrors (``action`` reads "starting X")."""
    try:
        yield
    except (BotoCoreError, ClientError) as err:
        lake_error = translate(err, aws, action)
        if lake_error is None:
            raise
        raise lake_error from None
