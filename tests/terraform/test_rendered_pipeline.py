"""Every crawler and Glue job the lake deploys is started by the rendered state machine, or is manual.

AWS starts nothing behind the state machine's back that the pipeline relies on: Glue conditional triggers
fire dependent crawlers and jobs only when the one that finished was itself started by a trigger (Glue
developer guide, "about triggers"); a crawler started by Step Functions fires nothing. So a trigger
chained to something the state machine starts never runs (issue 17: the quarantine crawler never ran).

Generated from the rendered definition and lake.yaml's stage list, never from a list of state names, so
stages added later (issue 16: plan, lease) are covered without editing this file.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from jozi_lake.config import load_config
from jozi_lake.tooling import rendered

pytestmark = pytest.mark.terraform

# Crawlers and jobs an operator runs by hand on purpose, by lake.yaml job key or crawl target, with the
# reason (docs/operating-on-aws.md lists the same). Empty: the pipeline runs every one of them.
MANUAL: dict[str, str] = {}

START_CRAWLER = "arn:aws:states:::aws-sdk:glue:startCrawler"
START_JOB = ("arn:aws:states:::glue:startJobRun", "arn:aws:states:::glue:startJobRun.sync")


def task_states(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every Task state, also inside Parallel branches and Map iterators (issue 16 may add them)."""
    found: dict[str, dict[str, Any]] = {}

    def walk(states: dict[str, Any]) -> None:
        for name, state in states.items():
            if state.get("Type") == "Task":
                found[name] = state
            for branch in state.get("Branches", []):
                walk(branch.get("States", {}))
            for key in ("Iterator", "ItemProcessor"):
                if key in state:
                    walk(state[key].get("States", {}))

    walk(definition["States"])
    return found


def started_by_definition(definition: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(crawler names, job names) the definition's tasks start."""
    crawlers, jobs = set(), set()
    for state in task_states(definition).values():
        params = state.get("Parameters", {})
        if state.get("Resource") == START_CRAWLER:
            crawlers.add(params["Name"])
        elif state.get("Resource") in START_JOB:
            jobs.add(params["JobName"])
    return crawlers, jobs


def pipeline_problems(state: rendered.Rendered, definition: dict[str, Any]) -> list[str]:
    crawlers, jobs = started_by_definition(definition)
    names = state.outputs
    problems = []
    for target, crawler in names["crawler_names"].items():
        if crawler not in crawlers and target not in MANUAL:
            problems.append(
                f"crawler {crawler} ({target}) is neither a stage of the state machine nor manual"
            )
    for key, job in names["job_names"].items():
        if job not in jobs and key not in MANUAL:
            problems.append(f"job {job} ({key}) is neither a stage of the state machine nor manual")
    for trigger in state.of_type("aws_glue_trigger"):
        for predicate in trigger.values.get("predicate") or []:
            for condition in predicate.get("conditions") or []:
                watched = condition.get("crawler_name") or condition.get("job_name")
                if watched in crawlers | jobs:
                    problems.append(
                        f"trigger {trigger.values['name']} waits for {watched}, which the state machine "
                        "starts: Glue fires it only after trigger-started runs, so it never fires"
                    )
    # Each crawl and job stage of lake.yaml is one state that starts that stage's crawler or job.
    tasks = task_states(definition)
    for stage in load_config().pipeline:
        want = (
            (START_CRAWLER, "Name", names["crawler_names"].get(stage.layer or ""))
            if stage.kind == "crawl"
            else (START_JOB, "JobName", names["job_names"].get(stage.job or ""))
            if stage.kind == "job"
            else None
        )
        if want is None:
            continue
        resources, param, value = want
        resources = resources if isinstance(resources, tuple) else (resources,)
        task = tasks.get(stage.name)
        if task is None or task.get("Resource") not in resources or task["Parameters"].get(param) != value:
            problems.append(f"stage {stage.name} does not start {value} in the state machine")
    return problems


def test_every_crawler_and_job_is_a_stage_or_manual(rendered_envs: dict[str, rendered.Rendered]) -> None:
    for env, state in rendered_envs.items():
        crawlers, jobs = started_by_definition(state.definition())
        assert crawlers and jobs, f"{env}: the definition starts nothing?"
        problems = pipeline_problems(state, state.definition())
        assert not problems, f"{env}: " + "\n".join(problems)


def test_manual_entries_are_documented() -> None:
    doc = (rendered._repo() / "docs" / "operating-on-aws.md").read_text(encoding="utf-8")
    for name in MANUAL:
        assert f"`{name}`" in doc, f"manual {name} is not documented in docs/operating-on-aws.md"


def test_the_check_refuses_a_crawler_no_stage_starts_and_a_dead_trigger(dev: rendered.Rendered) -> None:
    definition = copy.deepcopy(dev.definition())
    quarantine = dev.outputs["crawler_names"]["quarantine"]
    for name, task in task_states(definition).items():
        if task.get("Parameters", {}).get("Name") == quarantine:
            definition["States"].pop(name)
    problems = pipeline_problems(dev, definition)
    assert any(f"crawler {quarantine}" in p for p in problems), problems

    state = copy.deepcopy(dev)
    silver = dev.outputs["crawler_names"]["silver"]
    state.resources["dead"] = rendered.Resource(
        "dead",
        "aws_glue_trigger",
        "managed",
        {"name": "after-silver", "predicate": [{"conditions": [{"crawler_name": silver}]}]},
    )
    assert any("trigger after-silver waits for" in p for p in pipeline_problems(state, dev.definition()))
    assert json.dumps(definition)  # the mutated definition stays a definition
