"""The rendered environments hold what the offline checks need, wired the way an account would wire it.

The checks in the other test_rendered_*.py files read these documents; this file makes sure there is
something real to read (a check over an empty list passes and proves nothing).
"""

from __future__ import annotations

import json
import re

import pytest

from jozi_lake.tooling import rendered

pytestmark = pytest.mark.terraform


def test_every_environment_is_rendered(rendered_envs: dict[str, rendered.Rendered]) -> None:
    assert set(rendered_envs) == {"dev", "prod"}
    for env, state in rendered_envs.items():
        assert state.outputs["environment"] == env
        assert state.account_id == "123456789012" and state.region == "af-south-1"


def test_policies_are_rendered_as_the_json_aws_receives(rendered_envs: dict[str, rendered.Rendered]) -> None:
    """Under mocks an aws_iam_policy_document renders a placeholder; jsonencode'd documents render real."""
    for env, state in rendered_envs.items():
        identity = state.policies("identity")
        assert len(identity) >= 5, f"{env}: expected the roles' policies"
        for policy in identity + state.policies("trust") + state.policies("key"):
            assert policy.document["Version"] == "2012-10-17", policy.address
            assert policy.statements, f"{env}: {policy.address} has no statements"
            for statement in policy.statements:
                assert statement["Effect"] in ("Allow", "Deny")
                assert statement.get("Action") or statement.get("NotAction"), policy.address


def test_the_state_machine_definition_and_its_references_are_rendered(dev: rendered.Rendered) -> None:
    definition = dev.definition()
    assert definition["StartAt"] in definition["States"]
    text = json.dumps(definition)
    # The ARNs the definition names are the resources' (overridden) ARNs, not mocked placeholders.
    assert dev.one("aws_lambda_function", "ingest_lambda.").values["arn"] in text
    assert dev.one("aws_sns_topic").values["arn"] in text
    assert dev.one("aws_sns_topic").values["arn"].endswith(":jozi-pizza-dev-alerts")


def test_files_for_people_and_validators_are_written(rendered_envs: dict[str, rendered.Rendered]) -> None:
    for env in rendered_envs:
        directory = rendered.out_dir(env)
        kinds = ("state", "policies", "state-machine.asl", "jobs", "crawlers", "alarms", "dashboards")
        for name in (f"{kind}.json" for kind in kinds):
            assert (directory / name).is_file(), f"{env}: {name} missing"
        assert not rendered.is_stale(env)


# The attribute that holds a resource's name, where it is not `name`.
NAME_ATTRIBUTE = {"aws_lambda_function": "function_name"}


def test_each_mocked_arn_is_the_arn_of_its_resource(rendered_envs: dict[str, rendered.Rendered]) -> None:
    """environments/arns.tfmock.hcl.tmpl spells the names modules/lake computes: a renamed resource, or a
    block whose target no environment creates, would leave a placeholder ARN for the checks to follow."""
    targets: set[str] = set()
    used: set[str] = set()
    for env, state in rendered_envs.items():
        text = (rendered.mocks_dir(env) / rendered.ARN_MOCKS_FILE).read_text(encoding="utf-8")
        blocks = re.findall(r"target = (\S+)\n  values = (\{.*?\})\n\}", text, re.DOTALL)
        assert blocks, f"{env}: no mocked ARNs"
        assert len(blocks) == text.count("override_resource"), f"{env}: a block this test cannot read"
        for address, values in blocks:
            targets.add(address)
            arn = re.search(r'\barn\s*= "([^"]+)"', values)
            assert arn, f"{env}: {address} overrides no arn"
            resource = state.resources.get(address)
            if resource is None:
                continue  # this environment does not create it
            used.add(address)
            name = str(resource.values[NAME_ATTRIBUTE.get(resource.type, "name")])
            assert resource.values["arn"] == arn.group(1), f"{env}: {address} did not take its mocked ARN"
            assert arn.group(1).endswith(name) and arn.group(1)[-len(name) - 1] in ":/", (
                f"{env}: {address} is named {name!r} but its mocked ARN is {arn.group(1)}"
            )
            if "qualified_arn" in values:
                assert resource.values["qualified_arn"] == f"{arn.group(1)}:$LATEST", address
    assert targets == used, f"blocks whose resource no environment creates: {sorted(targets - used)}"
