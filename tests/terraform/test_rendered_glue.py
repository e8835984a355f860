"""The Glue side as deployed: what the crawlers and jobs do on AWS that no emulator checks.

Read from the rendered environments (build/rendered/<env>/crawlers.json, jobs.json), so the module
defaults and the composition are checked together.
"""

from __future__ import annotations

import copy
import json

import pytest

from jozi_lake.tooling import policy, rendered

pytestmark = pytest.mark.terraform


def crawler_role_policy(state: rendered.Rendered) -> dict:
    (found,) = [
        p.document
        for p in state.policies("identity")
        if p.address.endswith('aws_iam_role_policy.this["glue_crawler"]')
    ]
    return found


def partition_index_problems(state: rendered.Rendered, document: dict) -> list[str]:
    """Crawlers create partition indexes unless told not to (CreatePartitionIndex defaults to true)."""
    problems = []
    account, region = state.account_id, state.region
    for crawler in state.of_type("aws_glue_crawler"):
        configuration = json.loads(crawler.values.get("configuration") or "{}")
        if not configuration.get("CreatePartitionIndex", True):
            continue
        table = f"arn:aws:glue:{region}:{account}:table/{crawler.values['database_name']}/some_table"
        for action in ("glue:CreatePartitionIndex", "glue:GetPartitionIndexes"):
            if not policy.allows(document, action, table):
                problems.append(
                    f"{crawler.values['name']} creates partition indexes but its role lacks {action}"
                )
    return problems


def test_crawlers_may_create_the_partition_indexes_they_create(
    rendered_envs: dict[str, rendered.Rendered],
) -> None:
    for env, state in rendered_envs.items():
        problems = partition_index_problems(state, crawler_role_policy(state))
        assert not problems, f"{env}: " + "\n".join(problems)


def test_the_partition_index_check_refuses_a_role_without_the_grant(dev: rendered.Rendered) -> None:
    document = copy.deepcopy(crawler_role_policy(dev))
    for statement in document["Statement"]:
        statement["Action"] = [
            a
            for a in policy.as_list(statement["Action"])
            if a not in ("glue:CreatePartitionIndex", "glue:GetPartitionIndexes")
        ]
    assert partition_index_problems(dev, document)
