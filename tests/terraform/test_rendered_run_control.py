"""Run control in the rendered state machine: the lease first, a plan before each planned stage, the release
on every way out (issue 16: runs decide from the lake's state and never overlap).

Read from the definition's graph (every Next, Default, Choice rule and Catch is an edge), finding the run
control tasks by the Lambda action they call, never by state name:

* **Lease first.** With the Choice rule that goes on after ``acquired == true`` cut, no stage task (Lambda
  ingest/summary, Glue job, crawler start) is reachable from StartAt.
* **Released on every way out.** With the ``lease_release`` tasks removed, no end state (Succeed/Fail) is
  reachable from any stage task: success and every Catch path release first. The only ends reachable
  without a release are those before the lease was taken (another run holds it).
* **Each crawl and job stage is planned.** Its task is entered only from a Choice rule that reads
  ``$.plan.stages.<stage>.has_work`` with ``BooleanEquals true``; that Choice follows a ``plan`` task asking
  for that stage into ``$.plan``, and its Default goes elsewhere (the stage is skipped without work).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import pytest

from jozi_lake.config import load_config
from jozi_lake.tooling import rendered

pytestmark = pytest.mark.terraform

STAGE_RESOURCES = ("arn:aws:states:::glue:startJobRun", "arn:aws:states:::aws-sdk:glue:startCrawler")


def action(state: dict[str, Any]) -> str | None:
    params = state.get("Parameters")
    return params.get("action") if isinstance(params, dict) else None


def successors(state: dict[str, Any], skip_rule: Any = None) -> list[str]:
    found = [state.get("Next"), state.get("Default")]
    found += [rule.get("Next") for rule in state.get("Choices", []) if rule is not skip_rule]
    found += [catch.get("Next") for catch in state.get("Catch", [])]
    return [name for name in found if name]


def reachable(
    definition: dict[str, Any], start: Iterable[str], removed: set[str] = frozenset(), skip_rule: Any = None
) -> set[str]:  # type: ignore[assignment]
    states = definition["States"]
    seen: set[str] = set()
    todo = [s for s in start if s not in removed]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += [n for n in successors(states[name], skip_rule) if n not in removed and n not in seen]
    return seen


def stage_tasks(definition: dict[str, Any]) -> set[str]:
    """Tasks that do a stage's work: ingest and summary calls, Glue job runs, crawler starts."""
    return {
        name
        for name, state in definition["States"].items()
        if state.get("Type") == "Task"
        and (
            action(state) in ("ingest", "summarise")
            or str(state.get("Resource", "")).startswith(STAGE_RESOURCES)
        )
    }


def lease_choice_rule(definition: dict[str, Any]) -> Any:
    """The rule going on after the lease was acquired (``$.lease.acquired`` BooleanEquals true)."""
    acquires = [n for n, s in definition["States"].items() if action(s) == "lease_acquire"]
    assert len(acquires) == 1, acquires
    result = definition["States"][acquires[0]]["ResultPath"]
    for state in definition["States"].values():
        for rule in state.get("Choices", []):
            if rule.get("Variable") == f"{result}.acquired" and rule.get("BooleanEquals") is True:
                return rule
    return None


def run_control_problems(definition: dict[str, Any]) -> list[str]:
    states = definition["States"]
    problems: list[str] = []
    tasks = stage_tasks(definition)
    rule = lease_choice_rule(definition)
    if rule is None:
        problems.append("no Choice goes on only after lease_acquire answered acquired == true")
    else:
        early = reachable(definition, [definition["StartAt"]], skip_rule=rule) & tasks
        if early:
            problems.append(f"stage task(s) {sorted(early)} run without the lease")
    releases = {n for n, s in states.items() if action(s) == "lease_release"}
    ends = {n for n, s in states.items() if s.get("Type") in ("Succeed", "Fail")}
    for task in sorted(tasks):
        unreleased = reachable(definition, successors(states[task]), removed=releases) & ends
        if unreleased:
            problems.append(
                f"from {task} the run can end at {sorted(unreleased)} without releasing the lease"
            )
    # Planned stages: crawl and job stages of lake.yaml.
    incoming: dict[str, list[tuple[str, Any]]] = {name: [] for name in states}
    for name, state in states.items():
        for target in [state.get("Next"), state.get("Default")]:
            if target:
                incoming[target].append((name, None))
        for r in state.get("Choices", []):
            incoming[r["Next"]].append((name, r))
        for catch in state.get("Catch", []):
            incoming[catch["Next"]].append((name, catch))
    for stage in load_config().pipeline:
        if stage.kind not in ("crawl", "job"):
            continue
        if stage.name not in states:
            problems.append(f"stage {stage.name} has no state")
            continue
        for source, via in incoming[stage.name]:
            choice = states[source]
            wanted = f"$.plan.stages.{stage.name}.has_work"
            if (
                choice.get("Type") != "Choice"
                or via is None
                or via.get("Variable") != wanted
                or via.get("BooleanEquals") is not True
            ):
                problems.append(f"{stage.name} is entered from {source} without its plan saying it has work")
                continue
            if choice.get("Default") == stage.name:
                problems.append(f"{source} runs {stage.name} by default (no work must skip it)")
            planners = [
                s
                for s, _ in incoming[source]
                if action(states[s]) == "plan"
                and stage.name in states[s]["Parameters"].get("stages", [])
                and states[s].get("ResultPath") == "$.plan"
            ]
            if not planners:
                problems.append(f"{source} decides {stage.name} without a plan task for it before it")
    return problems


def test_runs_take_the_lease_plan_each_stage_and_always_release(
    rendered_envs: dict[str, rendered.Rendered],
) -> None:
    for env, state in rendered_envs.items():
        definition = state.definition()
        assert len(stage_tasks(definition)) >= 8, env
        problems = run_control_problems(definition)
        assert not problems, f"{env}: " + "\n".join(problems)


def test_the_check_refuses_a_run_without_lease_release_or_plan(dev: rendered.Rendered) -> None:
    base = dev.definition()
    states = base["States"]

    unleased = copy.deepcopy(base)
    unleased["StartAt"] = next(n for n, s in states.items() if action(s) == "ingest")
    assert any("without the lease" in p for p in run_control_problems(unleased))

    unreleased = copy.deepcopy(base)
    for state in unreleased["States"].values():
        for catch in state.get("Catch", []):
            if action(unreleased["States"][catch["Next"]]) == "lease_release":
                catch["Next"] = unreleased["States"][catch["Next"]]["Next"]  # straight to the notice
    assert any("without releasing the lease" in p for p in run_control_problems(unreleased))

    unplanned = copy.deepcopy(base)
    job = next(s.name for s in load_config().pipeline if s.kind == "job")
    choice = next(
        s for s in unplanned["States"].values() if any(r.get("Next") == job for r in s.get("Choices", []))
    )
    choice["Default"] = job
    assert any(f"runs {job} by default" in p for p in run_control_problems(unplanned))
