"""The rendered state machine definition, read the way Step Functions runs it.

* **Paths that may be missing.** A ``States.Format``/``States.JsonToString`` or a ``.$`` parameter over a
  path that is not in the state's input raises ``States.Runtime``, which no ``Catch`` (not even
  ``States.ALL``) handles: the execution fails without its failure notice. Two rules, generated from the
  definition: every top-level key a state reads is written on every route into that state (a must-analysis
  over the state graph), and below a Catch's ResultPath only the error object itself and its ``Error``
  field may be read (``Cause`` is not on every error).
* **Time.** Every bounded task's worst case (each attempt its retries can make, at the task's longest
  duration, plus the retry waits) must fit in the state machine's ``TimeoutSeconds``, or retries turn a
  slow day into a timed-out run. The longest duration of a Glue ``.sync`` task is its job's timeout, of a
  Lambda task its function's timeout (both from the rendered resources).

Nothing here names a state: the checks walk whatever the stage list generated (issue 16 adds stages).
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from jozi_lake.tooling import rendered

pytestmark = pytest.mark.terraform

PATH = re.compile(r"(?<![$\w])\$((?:\.[A-Za-z_][\w-]*)+)")
# Errors that mean the task itself ran and failed (so a retry runs it again, for its whole duration).
RERUNS = {"States.ALL", "States.TaskFailed", "States.Timeout"}


def edges(definition: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(from, to, catch ResultPath or None) for every transition of the top-level states."""
    found = []
    for name, state in definition["States"].items():
        for target in [state.get("Next"), state.get("Default")] + [
            c.get("Next") for c in state.get("Choices", [])
        ]:
            if target:
                found.append((name, target, None))
        for catch in state.get("Catch", []):
            found.append((name, catch["Next"], catch.get("ResultPath", "$")))
    return found


def _top(path: str) -> str:
    """``$.a.b`` -> ``$.a``; ``$`` stays ``$``."""
    parts = path.split(".")
    return ".".join(parts[:2])


def written(state: dict[str, Any]) -> tuple[set[str], bool]:
    """Top-level keys a state adds to its output, and whether it replaces the whole input."""
    result_path = (
        state.get("ResultPath", "$") if state.get("Type") in ("Task", "Pass", "Parallel", "Map") else None
    )
    if state.get("Type") in ("Choice", "Wait", "Succeed", "Fail") or result_path is None:
        return set(), False
    if result_path == "$":
        shape = state.get("ResultSelector") or state.get("Result") or state.get("Parameters") or {}
        keys = {"$." + k.removesuffix(".$") for k in shape} if isinstance(shape, dict) else set()
        return keys, True
    return {_top(result_path)}, False


def guaranteed_keys(definition: dict[str, Any]) -> dict[str, set[str] | None]:
    """Top-level keys present in each state's input on every route into it (None: unreachable)."""
    states = definition["States"]
    incoming: dict[str, list[tuple[str, str | None]]] = {name: [] for name in states}
    for source, target, catch in edges(definition):
        incoming[target].append((source, catch))
    known: dict[str, set[str] | None] = {name: None for name in states}
    known[definition["StartAt"]] = set()
    changed = True
    while changed:
        changed = False
        for name in states:
            sets = []
            for source, catch in incoming[name]:
                before = known[source]
                if before is None:
                    continue
                if catch is not None:
                    out = before | ({_top(catch)} if catch not in ("$", None) else set())
                else:
                    added, replaces = written(states[source])
                    out = added if replaces else before | added
                sets.append(out)
            if name == definition["StartAt"]:
                sets.append(set())
            new = set.intersection(*sets) if sets else None
            if new != known[name]:
                known[name] = new
                changed = True
    return known


def references(value: Any) -> list[str]:
    """JSONPaths read by ``.$`` parameters (also inside intrinsic functions); ``$$`` (context) excluded."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key.endswith(".$") and isinstance(inner, str):
                found += ["$" + m.group(1) for m in PATH.finditer(inner)] + (["$"] if inner == "$" else [])
            else:
                found += references(inner)
    elif isinstance(value, list):
        for inner in value:
            found += references(inner)
    return found


def choice_variables(state: dict[str, Any]) -> list[str]:
    found = []

    def walk(rule: dict[str, Any]) -> None:
        if "Variable" in rule:
            found.append(rule["Variable"])
        for key in ("And", "Or"):
            for inner in rule.get(key, []):
                walk(inner)
        if "Not" in rule:
            walk(rule["Not"])

    for rule in state.get("Choices", []):
        walk(rule)
    return found


def path_problems(definition: dict[str, Any]) -> list[str]:
    problems = []
    known = guaranteed_keys(definition)
    catch_paths = {c.get("ResultPath") for s in definition["States"].values() for c in s.get("Catch", [])}
    catch_paths.discard(None)
    catch_paths.discard("$")
    for name, state in definition["States"].items():
        if known[name] is None:
            problems.append(f"{name} is unreachable")
            continue
        # ResultSelector reads the task's result, not the state input: not checked here.
        reads = references(state.get("Parameters", {})) + references(state.get("ItemSelector", {}))
        for path in reads + choice_variables(state):
            if path.startswith("$$") or path == "$":
                continue
            if _top(path) not in known[name]:
                problems.append(f"{name} reads {path}, which not every route into it writes (States.Runtime)")
        for path in reads:
            for catch in catch_paths:
                if path.startswith(catch + ".") and path != catch + ".Error":
                    problems.append(
                        f"{name} reads {path}: below a Catch's {catch} only the error and its Error "
                        "are certain"
                    )
    return problems


def test_no_state_reads_a_path_that_may_be_missing(rendered_envs: dict[str, rendered.Rendered]) -> None:
    for env, state in rendered_envs.items():
        definition = state.definition()
        assert len(definition["States"]) > 10
        problems = path_problems(definition)
        assert not problems, f"{env}: " + "\n".join(problems)


def test_the_path_check_refuses_the_cause_and_an_unwritten_key(dev: rendered.Rendered) -> None:
    definition = copy.deepcopy(dev.definition())
    catching = next(s for s in definition["States"].values() if s.get("Catch"))
    notice = definition["States"][catching["Catch"][0]["Next"]]
    notice["Parameters"]["Message.$"] = "States.Format('{} {}', $.error.Error, $.error.Cause)"
    assert any(".Cause" in p for p in path_problems(definition))
    notice["Parameters"]["Message.$"] = "States.JsonToString($.never_written)"
    assert any("$.never_written" in p for p in path_problems(definition))


# --- time ---------------------------------------------------------------------------------------------------


def retry_waits(retrier: dict[str, Any]) -> float:
    """The longest a retrier waits in total (full jitter only shortens the waits)."""
    interval = float(retrier.get("IntervalSeconds", 1))
    backoff = float(retrier.get("BackoffRate", 2.0))
    cap = float(retrier.get("MaxDelaySeconds", float("inf")))
    return sum(min(interval * backoff**i, cap) for i in range(int(retrier.get("MaxAttempts", 3))))


def task_budgets(state: rendered.Rendered, definition: dict[str, Any]) -> dict[str, float]:
    """Worst-case seconds of every task whose duration is bounded (Glue job runs, Lambda invocations)."""
    jobs = {j.values["name"]: float(j.values["timeout"]) * 60 for j in state.of_type("aws_glue_job")}
    functions = {f.values["arn"]: float(f.values["timeout"]) for f in state.of_type("aws_lambda_function")}
    budgets = {}
    for name, task in definition["States"].items():
        if task.get("Type") != "Task":
            continue
        resource = task["Resource"]
        params = task.get("Parameters", {})
        if resource.startswith("arn:aws:states:::glue:startJobRun.sync"):
            longest = jobs[params["JobName"]]
        elif resource == "arn:aws:states:::lambda:invoke":
            longest = functions[params["FunctionName"]]
        elif resource in functions:
            longest = functions[resource]
        else:
            continue  # API calls (crawler start and polls, notices): seconds, covered by the slack
        if "TimeoutSeconds" in task:  # the state's own timeout cuts an attempt short (States.Timeout)
            longest = min(longest, float(task["TimeoutSeconds"]))
        reruns = sum(
            int(r.get("MaxAttempts", 3)) for r in task.get("Retry", []) if RERUNS & set(r["ErrorEquals"])
        )
        once = (1 + reruns) * longest + sum(retry_waits(r) for r in task.get("Retry", []))
        runs, waits = loop_bound(definition, name)
        budgets[name] = runs * once + waits
    return budgets


def loop_bound(definition: dict[str, Any], task: str) -> tuple[int, float]:
    """(times ``task`` can run, seconds waited between runs) when a Choice loops back to it through a Wait.

    The loop must be bounded by a counter the task itself writes: a ``NumericLessThan`` rule on a path
    below the task's ResultPath whose Next waits and returns to the task. An unbounded loop back to a
    bounded task (any other Choice rule returning to it) is a problem (:func:`time_problems`).
    """
    states = definition["States"]
    result_top = _top(str(states[task].get("ResultPath", "$")))
    runs, waits = 1, 0.0
    for choice in states.values():
        if choice.get("Type") != "Choice":
            continue
        for rule in choice.get("Choices", []):
            wait = states.get(rule.get("Next", ""), {})
            if wait.get("Type") != "Wait" or wait.get("Next") != task:
                continue
            if "NumericLessThan" in rule and _top(rule.get("Variable", "")) == result_top:
                bound = int(rule["NumericLessThan"])  # the task ran `value` times when the loop stops
                runs = max(runs, bound)
                waits = max(waits, (bound - 1) * float(wait.get("Seconds", 0)))
            else:
                runs = 10**6  # unbounded: no budget fits
    return runs, waits


def time_problems(state: rendered.Rendered, definition: dict[str, Any]) -> list[str]:
    budgets = task_budgets(state, definition)
    total = sum(budgets.values())
    if total > definition["TimeoutSeconds"]:
        worst = ", ".join(f"{n} {s / 60:.0f} min" for n, s in sorted(budgets.items(), key=lambda x: -x[1]))
        return [
            f"the bounded tasks may take {total / 60:.0f} min with their retries ({worst}), more than the "
            f"state machine's TimeoutSeconds ({definition['TimeoutSeconds'] / 60:.0f} min)"
        ]
    return []


def test_retries_fit_in_the_state_machine_timeout(rendered_envs: dict[str, rendered.Rendered]) -> None:
    for env, state in rendered_envs.items():
        definition = state.definition()
        budgets = task_budgets(state, definition)
        assert any("glue" in definition["States"][n]["Resource"] for n in budgets), env
        problems = time_problems(state, definition)
        assert not problems, f"{env}: " + "\n".join(problems)
        # The rest is for the crawls (not bounded by a timeout of their own) and the notices.
        assert definition["TimeoutSeconds"] - sum(budgets.values()) >= 30 * 60, env


def test_the_time_check_counts_the_lease_wait_loop(dev: rendered.Rendered) -> None:
    definition = copy.deepcopy(dev.definition())
    looping = [n for n, s in definition["States"].items() if loop_bound(definition, n)[0] > 1]
    assert looping, "no task is retried through a bounded Wait loop (the lease wait)?"
    assert not time_problems(dev, definition)
    # Unbounded (the counter rule gone) or ten times longer: the timeout no longer covers it.
    for choice in definition["States"].values():
        for rule in choice.get("Choices", []):
            if "NumericLessThan" in rule:
                rule["NumericLessThan"] *= 10
    assert time_problems(dev, definition)


def test_the_time_check_refuses_a_job_retried_on_any_failure(dev: rendered.Rendered) -> None:
    definition = copy.deepcopy(dev.definition())
    for task in definition["States"].values():
        if task.get("Resource", "").startswith("arn:aws:states:::glue:startJobRun"):
            task.setdefault("Retry", []).append({"ErrorEquals": ["States.ALL"], "MaxAttempts": 2})
    assert time_problems(dev, definition)
