"""Third-party validators over the rendered environments: asl-validator and parliament.

Both read what :mod:`jozi_lake.tooling.rendered` wrote to ``build/rendered/<env>/``, so they check the
documents AWS would receive, not the HCL that builds them.

* ``asl-validator`` (npm, pinned in ``tools/node/package.json``, installed by ``make validators`` into
  ``.tools/node``) validates a state machine definition against the Amazon States Language schema: a
  ``Next`` that names no state, a state nothing reaches, a missing ``End``, a misspelt field, a bad path.
  Step Functions itself would refuse such a definition only at apply time (``ValidateStateMachineDefinition``,
  which moto does not implement).
* ``parliament`` (PyPI, pinned in the dev extra) lints identity policies: unknown actions (a typo is
  silently granted nothing), resources of the wrong type for an action (``s3:GetObject`` on a bucket ARN),
  condition keys an action does not support, plus its community auditors (privilege escalation,
  permissions management, credentials exposure). It is run as a library with the configuration its
  command line uses (``--include-community-auditors``): its command line's ``--file`` wants a terminal.
  Resource policies (bucket, key, topic) are not linted: parliament reads them as identity policies and
  reports false positives on their ``Principal`` statements.

Known findings the lake accepts are listed, each with its reason, in ``tools/parliament-exceptions.yaml``;
an exception that no longer matches anything is reported too, so the list cannot rot.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jozi_lake.errors import LakeError
from jozi_lake.yaml_text import load_yaml

ASL_VALIDATOR = Path(".tools") / "node" / "node_modules" / ".bin" / "asl-validator"
PARLIAMENT_EXCEPTIONS = Path("tools") / "parliament-exceptions.yaml"


def _repo() -> Path:
    from jozi_lake.config import repo_root

    return repo_root()


# ------------------------------------------------------------------------------------- asl-validator


def asl_validator(repo: Path | None = None) -> Path | None:
    """The project-local asl-validator, or None when ``make validators`` has not installed it."""
    path = (repo or _repo()) / ASL_VALIDATOR
    return path if path.is_file() else None


@dataclass(frozen=True)
class AslResult:
    valid: bool
    output: str


def validate_definition(definition: dict[str, Any] | Path, repo: Path | None = None) -> AslResult:
    """Run asl-validator over a definition (a parsed document, or a file holding one)."""
    tool = asl_validator(repo)
    if tool is None:
        raise LakeError("asl-validator is not installed", "run 'make validators' (npm ci into .tools/node)")
    if shutil.which("node") is None:
        raise LakeError("asl-validator needs node on the PATH", "install Node.js >= 18")
    args = (
        ["--json-path", str(definition)]
        if isinstance(definition, Path)
        else ["--json-definition", json.dumps(definition)]
    )
    proc = subprocess.run([str(tool), *args], capture_output=True, text=True, timeout=120, check=False)
    return AslResult(proc.returncode == 0, (proc.stdout + proc.stderr).strip())


# ----------------------------------------------------------------------------------------- parliament


@dataclass(frozen=True)
class Finding:
    """One parliament finding on one rendered policy."""

    policy: str  # the resource address of the policy
    issue: str
    severity: str
    detail: str
    actions: tuple[str, ...]  # the actions the finding names (lower case, as parliament reports them)

    def __str__(self) -> str:
        return f"{self.policy}: {self.issue} ({self.severity}) {self.detail}"


@dataclass(frozen=True)
class Exception_:
    """A finding the lake accepts: which issue, on which policy, for which actions, and why."""

    issue: str
    policy: str  # regular expression over the policy's resource address
    actions: tuple[str, ...]  # lower case; empty = any
    reason: str

    def covers(self, finding: Finding) -> bool:
        if finding.issue != self.issue or re.search(self.policy, finding.policy) is None:
            return False
        return not self.actions or set(finding.actions) <= set(self.actions)


def load_exceptions(path: Path | None = None) -> list[Exception_]:
    """The accepted findings; each entry must give a reason of its own."""
    path = path or _repo() / PARLIAMENT_EXCEPTIONS
    raw = load_yaml(path.read_text(encoding="utf-8"), str(path)) or {}
    found = []
    for index, entry in enumerate(raw.get("exceptions") or []):
        reason = str(entry.get("reason") or "").strip()
        if len(reason) < 20:
            raise LakeError(f"{path}: exception {index} ({entry.get('issue')}) gives no reason")
        found.append(
            Exception_(
                issue=str(entry["issue"]),
                policy=str(entry["policy"]),
                actions=tuple(str(a).lower() for a in entry.get("actions") or ()),
                reason=reason,
            )
        )
    return found


def _finding_actions(location: Any, detail: Any) -> tuple[str, ...]:
    names: list[str] = []
    for source in (location, detail):
        if isinstance(source, dict):
            for key in ("actions", "action", "string"):
                value = source.get(key)
                if isinstance(value, str):
                    names.append(value)
                elif isinstance(value, list):
                    names += [str(v) for v in value if isinstance(v, str)]
        elif isinstance(source, list):
            names += [str(e["action"]) for e in source if isinstance(e, dict) and "action" in e]
    return tuple(sorted({n.lower() for n in names}))


def lint_policy(address: str, document: dict[str, Any], minimum_severity: str = "INFO") -> list[Finding]:
    """parliament's findings on one identity policy, filtered the way its command line filters them."""
    import parliament
    from parliament.cli import is_finding_filtered

    # What `parliament --include-community-auditors` does before analysing: load the auditors' settings.
    override = Path(parliament.__file__).parent / "community_auditors" / "config_override.yaml"
    parliament.override_config(str(override))
    policy = parliament.analyze_policy_string(
        json.dumps(document, indent=1), filepath=address, include_community_auditors=True
    )
    findings = []
    for raw in policy.findings:
        parliament.enhance_finding(raw)
        if is_finding_filtered(raw, minimum_severity):
            continue
        findings.append(
            Finding(
                policy=address,
                issue=str(raw.issue),
                severity=str(raw.severity),
                detail=json.dumps(raw.detail, default=str) if not isinstance(raw.detail, str) else raw.detail,
                actions=_finding_actions(raw.location, raw.detail),
            )
        )
    return findings


@dataclass
class LintReport:
    findings: list[Finding]  # not covered by an exception: each one fails the check
    accepted: list[tuple[Finding, Exception_]]
    unused: list[Exception_]  # exceptions that matched nothing: stale entries fail the check too


def lint_policies(policies: Iterable[tuple[str, dict[str, Any]]], exceptions: list[Exception_]) -> LintReport:
    report = LintReport([], [], [])
    used: set[int] = set()
    for address, document in policies:
        for finding in lint_policy(address, document):
            match = next((i for i, e in enumerate(exceptions) if e.covers(finding)), None)
            if match is None:
                report.findings.append(finding)
            else:
                used.add(match)
                report.accepted.append((finding, exceptions[match]))
    report.unused = [e for i, e in enumerate(exceptions) if i not in used]
    return report
