"""boto3 clients for the lake's runtime (the Lambda functions, the Glue jobs) with standard retries.

Its own module, apart from :mod:`jozi_lake.storage`, so that a runtime that touches no bucket (the landing
trigger) builds its clients the same way without reaching the storage code, whose S3 calls the grants
check would then ask its role to be allowed. The CLI's clients (:mod:`jozi_lake.aws.clients`) take the
same :func:`standard_retries`.
"""

from __future__ import annotations

from typing import Any

# botocore's standard retry mode: throttling (SlowDown, 503) and transient errors are retried with
# exponential backoff and jitter, up to this many attempts in all (the first one included), under a
# client-wide retry quota.
MAX_ATTEMPTS = 6


def standard_retries(max_attempts: int = MAX_ATTEMPTS) -> dict[str, Any]:
    """The ``retries`` setting of every boto3 client the lake builds (runtime here, CLI in aws/).

    ``total_max_attempts`` counts the first attempt; botocore's ``max_attempts`` would count retries
    only (``max_attempts=1`` is one retry, not none), which is not what a caller asking for a single
    attempt means.
    """
    return {"mode": "standard", "total_max_attempts": max_attempts}


def runtime_client(service: str, *, endpoint_url: str | None = None, max_attempts: int = MAX_ATTEMPTS) -> Any:
    """A boto3 client for the runtime (Glue jobs, the Lambda) with standard retries.

    boto3's default is the *legacy* mode (5 attempts, no retry quota, fewer error codes retried), and
    S3 answers a burst of requests to one prefix with 503 SlowDown: the jobs and the Lambda must back
    off instead of failing the run. The CLI's clients (jozi_lake.aws.clients) use the same setting.
    """
    import boto3
    from botocore.config import Config

    config = Config(retries=standard_retries(max_attempts), user_agent_extra="jozi-lake")
    return boto3.client(service, config=config, endpoint_url=endpoint_url)
