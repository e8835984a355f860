"""The one registry of jobs: lake.yaml ``jobs`` says which exist, this module says which code runs each.

Everything that runs, lists or reports jobs (the Glue entry scripts, the local runner, the CLI, the AWS
backend, the run reports, the Lambda's summary) resolves names here, so a job is added by one lake.yaml
entry, one entry below and its Glue entry script. A job *writes* one layer (lake.yaml ``writes``): its
tables are that layer's contracts (:func:`jozi_lake.contracts.tables_for_job`), and its run reports live
under that layer's ``_reports/``. No contracts here: the Lambda reads the registry and has no contract
parser.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jozi_lake.config import load_config
from jozi_lake.errors import LakeError

ALL = "all"

# job name -> "module:function" of its run function (signature: spark, store, tables, run_id, env, ...).
RUN_FUNCTIONS: dict[str, str] = {
    "bronze_to_silver": "jozi_lake.jobs.bronze_to_silver:run_bronze_to_silver",
    "silver_to_gold": "jozi_lake.jobs.silver_to_gold:run_silver_to_gold",
}


@dataclass(frozen=True)
class JobSpec:
    name: str
    writes: str
    script: str
    description: str
    timeout_minutes: int

    def run_function(self) -> Callable[..., Any]:
        module, function = RUN_FUNCTIONS[self.name].split(":")
        found: Callable[..., Any] = getattr(importlib.import_module(module), function)
        return found


def jobs() -> dict[str, JobSpec]:
    """Every job, in the pipeline's order (lake.yaml ``pipeline``), then any job not in the pipeline."""
    config = load_config()
    declared = config.jobs
    missing_code = sorted(set(declared) - set(RUN_FUNCTIONS))
    if missing_code:
        raise LakeError(
            f"lake.yaml declares job(s) {', '.join(missing_code)} that no code runs",
            "add the job to jozi_lake.jobs.registry.RUN_FUNCTIONS, or remove it from lake.yaml",
        )
    order = [s.job for s in config.pipeline if s.kind == "job" and s.job in declared]
    order += [name for name in declared if name not in order]
    return {
        name: JobSpec(
            name=name,
            writes=str(declared[name]["writes"]),
            script=str(declared[name]["script"]),
            description=str(declared[name].get("description", "")),
            timeout_minutes=int(declared[name].get("timeout_minutes", 60)),
        )
        for name in order
    }


def job(name: str) -> JobSpec:
    known = jobs()
    if name not in known:
        raise LakeError(f"unknown job {name!r}", f"choose one of: {', '.join([*known, ALL])}")
    return known[name]


def resolve_jobs(names: list[str]) -> list[str]:
    """Job names in pipeline order; ``all`` means every job."""
    known = list(jobs())
    if ALL in names:
        return known
    unknown = [n for n in names if n not in known]
    if unknown:
        listed = ", ".join(repr(n) for n in unknown)
        raise LakeError(f"unknown job {listed}", f"choose one of: {', '.join([*known, ALL])}")
    return [n for n in known if n in names]


def job_writing(layer: str) -> JobSpec:
    """The job that writes ``layer`` (e.g. to find its run reports)."""
    for spec in jobs().values():
        if spec.writes == layer:
            return spec
    raise LakeError(f"no job writes the {layer} layer", "check lake.yaml jobs: writes")
