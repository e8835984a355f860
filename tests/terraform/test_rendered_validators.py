"""asl-validator over the rendered state machine, parliament over the rendered identity policies.

Both are the real tools (jozi_lake.tooling.validators runs them). Each check is shown to fail on a
deliberate break: a definition with a dangling ``Next``, a policy with a misspelt action or a resource of
the wrong type, and an exception list entry that no longer matches anything.

Without the tools (a plain ``pytest`` before ``make validators``) the checks skip; ``make test`` sets
LAKE_REQUIRE_VALIDATORS=1, so there a missing tool is a failure, not a silent skip.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

from jozi_lake.tooling import rendered, validators

pytestmark = pytest.mark.terraform


def _need(what: str, present: bool) -> None:
    if present:
        return
    if os.environ.get("LAKE_REQUIRE_VALIDATORS") == "1":
        pytest.fail(f"{what} is not installed: run 'make validators'")
    pytest.skip(f"{what} is not installed (make validators)")


@pytest.fixture(scope="module")
def asl() -> None:
    _need("asl-validator (.tools/node)", validators.asl_validator() is not None)


@pytest.fixture(scope="module")
def parliament_installed() -> None:
    try:
        import parliament  # noqa: F401
    except ImportError:
        _need("parliament (dev extra)", False)


# ------------------------------------------------------------------------------------- asl-validator


def test_every_rendered_state_machine_is_valid_asl(
    asl: None, rendered_envs: dict[str, rendered.Rendered]
) -> None:
    for env in rendered_envs:
        path = rendered.out_dir(env) / "state-machine.asl.json"
        result = validators.validate_definition(path)
        assert result.valid, f"{env}: {path}\n{result.output}"


def test_asl_validator_refuses_a_dangling_next_and_a_state_without_type(
    asl: None, dev: rendered.Rendered
) -> None:
    definition = dev.definition()
    assert validators.validate_definition(definition).valid  # the copy is valid before the break
    dangling = copy.deepcopy(definition)
    name, state = next((n, s) for n, s in dangling["States"].items() if "Next" in s)
    state["Next"] = f"{name}_renamed_away"
    result = validators.validate_definition(dangling)
    assert not result.valid, result.output
    assert f"{name}_renamed_away" in result.output, result.output

    untyped = copy.deepcopy(definition)
    del untyped["States"][untyped["StartAt"]]["Type"]
    assert not validators.validate_definition(untyped).valid


# ----------------------------------------------------------------------------------------- parliament


def identity_policies(rendered_envs: dict[str, rendered.Rendered]) -> list[tuple[str, dict]]:
    return [
        (f"{env}:{p.address}", p.document) for env, s in rendered_envs.items() for p in s.policies("identity")
    ]


def test_every_identity_policy_passes_parliament(
    parliament_installed: None, rendered_envs: dict[str, rendered.Rendered]
) -> None:
    policies = identity_policies(rendered_envs)
    # the roles' inline policies and the analyst managed policy, in every environment
    assert len(policies) >= 6 * len(rendered_envs), [a for a, _ in policies]
    report = validators.lint_policies(policies, validators.load_exceptions())
    assert not report.findings, (
        "parliament findings (fix, or list with a reason in tools/parliament-exceptions.yaml):\n"
        + ("\n".join(map(str, report.findings)))
    )
    assert not report.unused, f"exceptions that match no finding any more (remove them): {report.unused}"


def test_parliament_refuses_a_misspelt_action_and_a_bucket_arn_for_object_reads(
    parliament_installed: None, dev: rendered.Rendered
) -> None:
    (found,) = [
        p for p in dev.policies("identity") if p.address.endswith('aws_iam_role_policy.this["glue_job"]')
    ]
    document = copy.deepcopy(found.document)
    document["Statement"].append(
        {"Sid": "Typo", "Effect": "Allow", "Action": ["s3:GetObjekt"], "Resource": ["arn:aws:s3:::b/*"]}
    )
    document["Statement"].append(
        {
            "Sid": "WrongResource",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": ["arn:aws:s3:::b"],
        }
    )
    report = validators.lint_policies([(found.address, document)], validators.load_exceptions())
    issues = {(f.issue, f.actions) for f in report.findings}
    assert ("UNKNOWN_ACTION", ("s3:getobjekt",)) in issues, report.findings
    assert any(issue == "RESOURCE_MISMATCH" and "s3:getobject" in actions for issue, actions in issues), (
        issues
    )


def test_an_exception_covers_only_its_policy_and_actions_and_needs_a_reason(
    parliament_installed: None, dev: rendered.Rendered, tmp_path: Path
) -> None:
    (machine,) = [
        p for p in dev.policies("identity") if p.address.endswith('aws_iam_role_policy.this["state_machine"]')
    ]
    # Without the exceptions, the accepted finding is reported (the list is what lets it pass).
    bare = validators.lint_policies([(machine.address, machine.document)], [])
    assert any(f.issue == "PERMISSIONS_MANAGEMENT_ACTIONS" for f in bare.findings), bare.findings
    # The same grant on another role is not covered by the state machine's exception.
    elsewhere = 'module.lake.module.iam.aws_iam_role_policy.this["glue_job"]'
    moved = validators.lint_policies([(elsewhere, machine.document)], validators.load_exceptions())
    assert any(f.issue == "PERMISSIONS_MANAGEMENT_ACTIONS" for f in moved.findings)
    assert moved.unused

    no_reason = tmp_path / "exceptions.yaml"
    no_reason.write_text(json.dumps({"exceptions": [{"issue": "X", "policy": ".*", "reason": ""}]}))
    with pytest.raises(Exception, match="gives no reason"):
        validators.load_exceptions(no_reason)
