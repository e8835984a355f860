"""Fields of sampled records: presence, example values, uniqueness and the silver parser that fits.

``lake source probe`` shows these; ``lake contract draft`` turns them into a starting contract. The
inference only proposes what the silver parsers (:mod:`jozi_lake.transforms.normalize`) accept, and
it never guesses wide: a value that fits no stricter parser makes the column text, and ids with
leading zeros stay text. Money is proposed only from text that looks like an amount (a currency
sign or a decimal comma) or a numeric field whose name says it is one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

_INT = re.compile(r"^[+-]?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,3})?$")
# An amount as text: a currency sign followed by a space or cents ("R 129,90", "$12.50"), thousands
# separators ("1,299.00"), or a decimal comma ("129,90"). "R0001" is an id, not money.
_MONEY = (
    re.compile(r"^(R|ZAR|\$|€|£|USD|EUR|GBP)\s+[+-]?\d[\d ,.]*$", re.IGNORECASE),
    re.compile(r"^(R|ZAR|\$|€|£|USD|EUR|GBP)?[+-]?\d[\d ,.]*[.,]\d{2}$", re.IGNORECASE),
    re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"),
)
_TIMESTAMP = re.compile(
    r"^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?|\d{2}/\d{2}/\d{4} \d{2}:\d{2}(:\d{2})?)"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4})$")
_BOOLEAN = frozenset({"true", "false", "yes", "no"})
MONEY_WORDS = ("price", "amount", "total", "cost", "fee", "tip", "_zar", "revenue")
INT_MAX = 2**31 - 1


@dataclass
class FieldProfile:
    """One field across the sampled records."""

    name: str
    present: int = 0
    nulls: int = 0
    examples: list[str] = field(default_factory=list)
    parse: str = "text"
    type: str = "string"
    unique: bool = False
    distinct: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "present": self.present,
            "nulls": self.nulls,
            "examples": self.examples,
            "parse": self.parse,
            "type": self.type,
            "unique": self.unique,
            "distinct": self.distinct,
        }


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")  # non-UTF-8 bytes kept as \\x..
    return text if len(text) <= 60 else text[:57] + "..."


def infer_parser(name: str, values: Iterable[Any]) -> tuple[str, str]:
    """(parse, type) for a field's non-null values: the strictest silver parser every value fits."""
    kinds: set[str] = set()
    widest = 0
    for value in values:
        if isinstance(value, bool):
            kinds.add("boolean")
        elif isinstance(value, int):
            kinds.add("integer")
            widest = max(widest, abs(value))
        elif isinstance(value, float):
            kinds.add("number")
        elif isinstance(value, str):
            text = value.strip()
            if not text:
                continue
            if text.lower() in _BOOLEAN:
                kinds.add("boolean")
            elif _INT.match(text):
                kinds.add("integer")
                widest = max(widest, abs(int(text)))
            elif _FLOAT.match(text):
                kinds.add("number")
            elif _TIMESTAMP.match(text):
                kinds.add("timestamp")
            elif _DATE.match(text):
                kinds.add("date")
            elif any(pattern.match(text) for pattern in _MONEY):
                kinds.add("money")
            else:
                kinds.add("text")
        else:
            kinds.add("text")  # nested objects and lists stay JSON text
    money_name = any(word in name.lower() for word in MONEY_WORDS)
    if not kinds or "text" in kinds:
        return "text", "string"
    if kinds == {"boolean"}:
        return "boolean", "boolean"
    if kinds == {"integer"} and not money_name:
        return "integer", "bigint" if widest > INT_MAX else "int"
    if kinds <= {"integer", "number"} and not money_name:
        return "number", "double"
    if kinds <= {"integer", "number", "money"}:
        return "money", "decimal(12,2)"
    if kinds == {"timestamp"}:
        return "local_timestamp", "timestamp"
    if kinds == {"date"}:
        return "date", "date"
    if kinds <= {"date", "timestamp"}:
        return "local_timestamp", "timestamp"
    return "text", "string"


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def profile_fields(records: list[dict[str, Any]], max_examples: int = 3) -> list[FieldProfile]:
    """Every field of the records, in first-seen order, with its inferred parser."""
    profiles: dict[str, FieldProfile] = {}
    values: dict[str, list[Any]] = {}
    for record in records:
        for name, value in record.items():
            profile = profiles.setdefault(name, FieldProfile(name))
            profile.present += 1
            if value is None or (isinstance(value, str) and not value.strip()):
                profile.nulls += 1
                continue
            values.setdefault(name, []).append(value)
            shown = _shown(value)
            if len(profile.examples) < max_examples and shown not in profile.examples:
                profile.examples.append(shown)
    for name, profile in profiles.items():
        seen = values.get(name, [])
        profile.parse, profile.type = infer_parser(name, seen)
        keys = {_key(v) for v in seen}
        profile.distinct = len(keys)
        profile.unique = bool(seen) and len(keys) == len(seen) == len(records)
    return list(profiles.values())
