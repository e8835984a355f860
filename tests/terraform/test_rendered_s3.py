"""S3 answers a read of a missing key with 404 only to a caller allowed s3:ListBucket on the bucket.

Others get 403 (AccessDenied), and the lake's code treats only "not found" as a first run (no cursor yet,
no processed-batch record, no report): a first run would fail with AccessDenied. S3 makes that decision
without any listing request, so a ListBucket grant narrowed by an ``s3:prefix`` condition is not certain to
count: the grant must hold for a request that carries no ``s3:prefix`` at all. Listing then shows key
names (not contents) of the lake bucket to these roles; reading still needs GetObject on the prefix.
"""

from __future__ import annotations

import copy

import pytest

from jozi_lake.tooling import policy, rendered

pytestmark = pytest.mark.terraform

# The roles the lake's code runs as, by the iam module's key (their code reads keys that may not exist).
CODE_ROLES = ("ingest_lambda", "glue_job")


def bucket_arn(state: rendered.Rendered) -> str:
    return f"arn:aws:s3:::{state.outputs['bucket']}"


def read_without_listing(state: rendered.Rendered, document: dict) -> list[str]:
    """The prefixes ``document`` may read where a missing key would answer 403 instead of 404."""
    bucket = bucket_arn(state)
    readable = sorted(r for r in policy.resources_of(document, "s3:GetObject") if r.startswith(bucket + "/"))
    if readable and not policy.allows(document, "s3:ListBucket", bucket, context={}):
        return readable
    return []


def role_policy(state: rendered.Rendered, role: str) -> dict:
    (found,) = [
        p for p in state.policies("identity") if p.address.endswith(f'aws_iam_role_policy.this["{role}"]')
    ]
    return found.document


def test_a_missing_key_reads_as_not_found_for_every_role_the_code_runs_as(
    rendered_envs: dict[str, rendered.Rendered],
) -> None:
    for env, state in rendered_envs.items():
        for role in CODE_ROLES:
            document = role_policy(state, role)
            assert policy.resources_of(document, "s3:GetObject"), f"{env}: {role} reads nothing?"
            assert not read_without_listing(state, document), (
                f"{env}: {role} may read {read_without_listing(state, document)} but a missing key would "
                "answer 403: grant s3:ListBucket on the bucket without an s3:prefix condition"
            )


def test_the_check_refuses_listing_narrowed_by_prefix(dev: rendered.Rendered) -> None:
    document = copy.deepcopy(role_policy(dev, "ingest_lambda"))
    for statement in document["Statement"]:
        if "s3:ListBucket" in policy.as_list(statement["Action"]):
            statement["Condition"] = {"StringLike": {"s3:prefix": ["bronze/*"]}}
    assert read_without_listing(dev, document)
