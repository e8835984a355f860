"""Cost in the rendered environments: allocation tags everywhere, a monthly budget that can reach the alert
topic, and the dashboard's cost widgets.

* Every managed resource of a type the provider can tag carries Project, Environment, CostCenter and Lake
  (lake.yaml project, the environment, lake.yaml cost_center, ``<project>-<env>``) in its own tags (the
  provider's default_tags add the same set on AWS; the mocked apply records only the resource's tags).
* One AWS Budgets budget per environment with lake.yaml's ``monthly_budget_usd``, counting the Lake tag,
  notifying the alert topic; the topic policy lets budgets.amazonaws.com publish and the topic's key lets it
  encrypt (SNS topics encrypted with KMS need the publishing service in the key policy).
* The dashboard shows Glue DPU-hours per run, Athena bytes scanned for the workgroup (whose CloudWatch
  metrics are on) and Lambda duration.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from jozi_lake.config import load_config
from jozi_lake.tooling import rendered

pytestmark = pytest.mark.terraform

BUDGETS = "budgets.amazonaws.com"


def cost_tags(env: str) -> dict[str, str]:
    config = load_config()
    return {
        "Project": config.project,
        "Environment": env,
        "CostCenter": str(config.raw["cost_center"]),
        "Lake": f"{config.project}-{env}",
    }


def tag_problems(state: rendered.Rendered) -> list[str]:
    wanted = cost_tags(state.env)
    problems = []
    for address, resource in state.resources.items():
        if resource.mode != "managed" or resource.type not in state.taggable_types:
            continue
        tags = resource.values.get("tags") or {}
        missing = {k: v for k, v in wanted.items() if tags.get(k) != v}
        if missing:
            problems.append(f"{address} lacks cost allocation tags {missing}")
    return problems


def test_every_taggable_resource_carries_the_cost_allocation_tags(
    rendered_envs: dict[str, rendered.Rendered],
) -> None:
    for env, state in rendered_envs.items():
        taggable = [
            r for r in state.resources.values() if r.mode == "managed" and r.type in state.taggable_types
        ]
        assert len(taggable) > 40, env
        problems = tag_problems(state)
        assert not problems, f"{env}: " + "\n".join(problems)


def test_the_tag_check_refuses_an_untagged_resource(dev: rendered.Rendered) -> None:
    state = copy.deepcopy(dev)
    victim = next(
        r for r in state.resources.values() if r.mode == "managed" and r.type in state.taggable_types
    )
    victim.values["tags"] = {k: v for k, v in (victim.values.get("tags") or {}).items() if k != "CostCenter"}
    assert any("CostCenter" in p for p in tag_problems(state))


def _policy(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value)


def test_a_monthly_budget_per_environment_reaches_the_alert_topic(
    rendered_envs: dict[str, rendered.Rendered],
) -> None:
    for env, state in rendered_envs.items():
        (budget,) = state.of_type("aws_budgets_budget")
        amount = load_config().raw["environments"][env]["monthly_budget_usd"]
        assert (
            float(budget.values["limit_amount"]) == float(amount) and budget.values["time_unit"] == "MONTHLY"
        )
        (cost_filter,) = budget.values["cost_filter"]
        assert cost_filter["values"] == [f"user:Lake${cost_tags(env)['Lake']}"], env
        topic = state.outputs["alert_topic_arn"]
        notifications = budget.values["notification"]
        assert notifications and all(n["subscriber_sns_topic_arns"] == [topic] for n in notifications), env
        (topic_policy,) = state.of_type("aws_sns_topic_policy")
        assert any(
            s["Effect"] == "Allow" and s["Principal"] == {"Service": BUDGETS} and s["Action"] == "sns:Publish"
            for s in _policy(topic_policy.values["policy"])["Statement"]
        ), f"{env}: the topic policy does not let Budgets publish"
        (key_policy,) = state.of_type("aws_kms_key_policy") or [
            r for r in state.of_type("aws_kms_key") if r.values.get("policy")
        ]
        granted = [
            s
            for s in _policy(key_policy.values["policy"])["Statement"]
            if s["Effect"] == "Allow" and BUDGETS in json.dumps(s.get("Principal", {}))
        ]
        actions = {
            a for s in granted for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        }
        assert {"kms:Decrypt"} <= actions and any(a.startswith("kms:GenerateDataKey") for a in actions), (
            f"{env}: the topic's key does not let Budgets encrypt its notifications ({actions})"
        )


def test_the_dashboard_shows_dpu_hours_bytes_scanned_and_lambda_duration(
    rendered_envs: dict[str, rendered.Rendered],
) -> None:
    for env, state in rendered_envs.items():
        (dashboard,) = state.of_type("aws_cloudwatch_dashboard")
        body = json.dumps(json.loads(dashboard.values["dashboard_body"]))
        workers = load_config().raw["environments"][env]["glue_number_of_workers"]
        assert f"* {workers} / 3600000" in body, f"{env}: no DPU-hours per run (G.1X: 1 DPU per worker)"
        assert "ProcessedBytes" in body and '"Duration"' in body, env
        (workgroup,) = state.of_type("aws_athena_workgroup")
        (configuration,) = workgroup.values["configuration"]
        assert configuration["publish_cloudwatch_metrics_enabled"] is True, env
