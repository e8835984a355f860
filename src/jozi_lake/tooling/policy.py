"""A small evaluator of IAM policy documents, for the offline checks of the rendered environments.

It answers one question the way IAM does for a single policy: does this document allow ``action`` on
``resource`` for a request carrying ``context`` (condition keys and their values), taking explicit denies
into account? Wildcards in actions and ARNs (``*``, ``?``), ``NotAction`` / ``NotResource``, service
principals, and the condition operators the lake's documents use are supported; an operator it does not
know makes the answer "not allowed" and is reported, so a new operator cannot slip past a check.

It is not IAM: no policy combination across identity, resource and boundary policies, no SCPs, no
variables (``${aws:username}``). The checks use it on one document at a time, which is what they test.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Operators (without the IfExists suffix) this evaluator understands.
_STRING_OPERATORS = {
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
    "StringEqualsIgnoreCase",
}
_ARN_OPERATORS = {"ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"}
_NUMERIC_OPERATORS = {
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
}
KNOWN_OPERATORS = _STRING_OPERATORS | _ARN_OPERATORS | _NUMERIC_OPERATORS | {"Bool", "Null"}


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple | set | frozenset) else [value]


def statements(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [dict(s) for s in as_list(document.get("Statement"))]


def _glob(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    """IAM wildcard match: ``*`` any run of characters (``/`` included), ``?`` one character."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.fullmatch(regex, value, flags) is not None


def action_matches(pattern: str, action: str) -> bool:
    """Action names are case-insensitive in IAM (``s3:getobject`` is ``s3:GetObject``)."""
    return _glob(pattern, action, case_sensitive=False)


def resource_matches(pattern: str, resource: str) -> bool:
    return pattern == "*" or _glob(pattern, resource)


@dataclass
class Evaluation:
    """The answer and why: the statements that allowed or denied, and any operator not understood."""

    allowed: bool
    allowing: list[str] = field(default_factory=list)
    denying: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)


def _condition_holds(operator: str, key: str, expected: list[Any], context: Mapping[str, Any]) -> bool | None:
    """One condition of a statement; None when the operator is unknown."""
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    present = key in context
    if base == "Null":
        # Null: "true" means the key must be absent, "false" that it must be present.
        return all((str(v).lower() == "true") != present for v in expected)
    if base not in KNOWN_OPERATORS:
        return None
    if not present:
        return if_exists or base in ("StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike")
    actual = [str(v) for v in as_list(context[key])]
    wanted = [str(v) for v in expected]
    if base == "Bool":
        return any(a.lower() == w.lower() for a in actual for w in wanted)
    if base in _NUMERIC_OPERATORS:
        compare = {
            "NumericLessThan": lambda a, w: a < w,
            "NumericLessThanEquals": lambda a, w: a <= w,
            "NumericGreaterThan": lambda a, w: a > w,
            "NumericGreaterThanEquals": lambda a, w: a >= w,
        }[base]
        return any(compare(float(a), float(w)) for a in actual for w in wanted)
    negated = "Not" in base
    if base in ("StringEquals", "StringNotEquals", "ArnEquals", "ArnNotEquals"):
        hit = any(a == w for a in actual for w in wanted)
    elif base == "StringEqualsIgnoreCase":
        hit = any(a.lower() == w.lower() for a in actual for w in wanted)
    else:  # StringLike, StringNotLike, ArnLike, ArnNotLike
        hit = any(_glob(w, a) for a in actual for w in wanted)
    return not hit if negated else hit


def _principal_matches(statement: Mapping[str, Any], principal: Mapping[str, str] | None) -> bool:
    """``principal`` like ``{"Service": "events.amazonaws.com"}``; identity policies have none."""
    declared = statement.get("Principal")
    if principal is None or declared is None:
        return declared is None or principal is None
    if declared == "*":
        return True
    for kind, name in principal.items():
        if name in as_list(declared.get(kind)) or "*" in as_list(declared.get(kind)):
            return True
    return False


def _matches(statement: Mapping[str, Any], action: str, resource: str) -> bool:
    if "Action" in statement:
        action_ok = any(action_matches(p, action) for p in as_list(statement["Action"]))
    else:
        action_ok = not any(action_matches(p, action) for p in as_list(statement.get("NotAction")))
    if "Resource" in statement:
        resource_ok = any(resource_matches(p, resource) for p in as_list(statement["Resource"]))
    elif "NotResource" in statement:
        resource_ok = not any(resource_matches(p, resource) for p in as_list(statement["NotResource"]))
    else:
        resource_ok = True  # resource policies may leave it out (the resource itself)
    return action_ok and resource_ok


def evaluate(
    document: Mapping[str, Any],
    action: str,
    resource: str,
    context: Mapping[str, Any] | None = None,
    principal: Mapping[str, str] | None = None,
) -> Evaluation:
    """Does ``document`` allow ``action`` on ``resource`` (for ``principal``) with ``context``?"""
    context = context or {}
    result = Evaluation(allowed=False)
    for index, statement in enumerate(statements(document)):
        sid = str(statement.get("Sid") or f"#{index}")
        if not _principal_matches(statement, principal) or not _matches(statement, action, resource):
            continue
        holds = True
        for operator, entries in (statement.get("Condition") or {}).items():
            for key, expected in entries.items():
                verdict = _condition_holds(operator, key, as_list(expected), context)
                if verdict is None:
                    result.unsupported.append(f"{sid}: {operator}")
                    holds = False
                elif not verdict:
                    holds = False
        if not holds:
            continue
        if statement.get("Effect") == "Deny":
            result.denying.append(sid)
        elif statement.get("Effect") == "Allow":
            result.allowing.append(sid)
    result.allowed = bool(result.allowing) and not result.denying
    return result


def allows(
    document: Mapping[str, Any],
    action: str,
    resource: str,
    context: Mapping[str, Any] | None = None,
    principal: Mapping[str, str] | None = None,
) -> bool:
    return evaluate(document, action, resource, context, principal).allowed


def granted_actions(document: Mapping[str, Any], effect: str = "Allow") -> set[str]:
    """Every action pattern named by the document's statements of ``effect`` (wildcards kept)."""
    found: set[str] = set()
    for statement in statements(document):
        if statement.get("Effect") == effect:
            found.update(str(a) for a in as_list(statement.get("Action")))
    return found


def resources_of(document: Mapping[str, Any], action: str, effect: str = "Allow") -> set[str]:
    """The resource patterns of the statements of ``effect`` that name ``action``."""
    found: set[str] = set()
    for statement in statements(document):
        if statement.get("Effect") != effect:
            continue
        if any(action_matches(p, action) for p in as_list(statement.get("Action"))):
            found.update(str(r) for r in as_list(statement.get("Resource")))
    return found
