"""The alarms as deployed say what happened when it happened, once.

* A metric AWS emits only when something has ended cannot warn while it runs: Step Functions publishes
  ``ExecutionTime`` when an execution closes (CloudWatch metrics for Step Functions), so an alarm on it
  fires after the run, never "before it fails". The Glue jobs' ``glue.driver.aggregate.elapsedTime`` is
  published every 30 seconds while a job runs (Glue job metrics), so the jobs' long-run alarms do warn.
* ``ok_actions`` mail an "OK" after every alarm; with ``treat_missing_data = notBreaching`` an alarm returns
  to OK as soon as the next period has no data, so every alert came with a second, useless mail.
"""

from __future__ import annotations

import copy

import pytest

from jozi_lake.tooling import rendered

pytestmark = pytest.mark.terraform

# (namespace, metric) AWS publishes only once the thing measured has ended (field notes, AWS docs).
EMITTED_AT_CLOSE = {("AWS/States", "ExecutionTime")}


def alarm_problems(alarms: list[rendered.Resource]) -> list[str]:
    problems = []
    for alarm in alarms:
        values = alarm.values
        if (values["namespace"], values["metric_name"]) in EMITTED_AT_CLOSE:
            problems.append(
                f"{values['alarm_name']} watches {values['metric_name']}, published only when a run ends"
            )
        if values.get("ok_actions"):
            problems.append(f"{values['alarm_name']} mails an OK after every alarm")
        if not values.get("alarm_actions"):
            problems.append(f"{values['alarm_name']} notifies nobody")
    return problems


def test_alarms_fire_while_it_matters_and_mail_once(rendered_envs: dict[str, rendered.Rendered]) -> None:
    for env, state in rendered_envs.items():
        alarms = state.of_type("aws_cloudwatch_metric_alarm")
        assert len(alarms) > 5, env
        problems = alarm_problems(alarms)
        assert not problems, f"{env}: " + "\n".join(problems)
        topic = state.one("aws_sns_topic").values["arn"]
        assert all(a.values["alarm_actions"] == [topic] for a in alarms), env


def test_the_alarm_check_refuses_the_old_long_run_alarm_and_ok_mails(dev: rendered.Rendered) -> None:
    alarm = copy.deepcopy(dev.of_type("aws_cloudwatch_metric_alarm")[0])
    alarm.values.update(namespace="AWS/States", metric_name="ExecutionTime", ok_actions=["arn:aws:sns:x"])
    problems = alarm_problems([alarm])
    assert any("published only when a run ends" in p for p in problems)
    assert any("mails an OK" in p for p in problems)
