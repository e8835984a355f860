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
from dataclasses import asdict, dataclass, field
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
    near: NearFit | None = None  # drafted as text, though all but a few values fit a stricter parser

    def near_note(self, column: str | None = None) -> str | None:
        """The reviewer's question when the field is text only because of a few values, else None."""
        near = self.near
        if near is None:
            return None
        col = column or self.name
        others = near.values - near.fitting
        return (
            f"{self.name}: {near.fitting} of {near.values} values are {near.parse} ({near.type}) and "
            f"{others} not (e.g. {', '.join(repr(v) for v in near.outliers)}), so it is text. If those "
            f"mean 'no value', list them in files.csv.null_values (a CSV source) and set parse: "
            f"{near.parse}, type: {near.type}; with that parse alone their rows go to quarantine "
            f"({col}_parseable)"
        )

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
            "near": None if self.near is None else asdict(self.near),
        }


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")  # non-UTF-8 bytes kept as \\x..
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: Any) -> tuple[str, int] | None:
    """What one non-null value is (boolean, integer, number, timestamp, date, money or text), with its
    magnitude for integers; None for blank text."""
    if isinstance(value, bool):
        return "boolean", 0
    if isinstance(value, int):
        return "integer", abs(value)
    if isinstance(value, float):
        return "number", 0
    if not isinstance(value, str):
        return "text", 0  # nested objects and lists stay JSON text
    text = value.strip()
    if not text:
        return None
    if text.lower() in _BOOLEAN:
        return "boolean", 0
    if _INT.match(text):
        return "integer", abs(int(text))
    if _FLOAT.match(text):
        return "number", 0
    if _TIMESTAMP.match(text):
        return "timestamp", 0
    if _DATE.match(text):
        return "date", 0
    if any(pattern.match(text) for pattern in _MONEY):
        return "money", 0
    return "text", 0


def _parser_of(name: str, kinds: set[str], widest: int) -> tuple[str, str]:
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


def infer_parser(name: str, values: Iterable[Any]) -> tuple[str, str]:
    """(parse, type) for a field's non-null values: the strictest silver parser every value fits."""
    return _fit(name, values)[0]


# A text column is reported as "almost" a stricter type when at least this share of at least this many
# values fit it: one "n/a" among 49 amounts should be a question to the reviewer, not a silent string.
NEAR_SHARE = 0.9
NEAR_MIN_VALUES = 10


@dataclass(frozen=True)
class NearFit:
    """A field drafted as text whose values but a few fit a stricter parser."""

    parse: str
    type: str
    fitting: int
    values: int
    outliers: tuple[str, ...]  # up to three of the values that do not fit, as shown


def _fit(name: str, values: Iterable[Any]) -> tuple[tuple[str, str], NearFit | None]:
    kinds: dict[str, int] = {}
    widest = 0
    texts: list[Any] = []
    total = 0
    for value in values:
        found = _kind(value)
        if found is None:
            continue
        kind, magnitude = found
        total += 1
        kinds[kind] = kinds.get(kind, 0) + 1
        widest = max(widest, magnitude)
        if kind == "text":
            texts.append(value)
    chosen = _parser_of(name, set(kinds), widest)
    if chosen[0] != "text" or not texts or total < NEAR_MIN_VALUES:
        return chosen, None
    fitting = total - len(texts)
    stricter = _parser_of(name, set(kinds) - {"text"}, widest)
    if fitting < NEAR_SHARE * total or stricter[0] == "text":
        return chosen, None
    shown = tuple(dict.fromkeys(_shown(v) for v in texts))[:3]
    return chosen, NearFit(stricter[0], stricter[1], fitting, total, shown)


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
        (profile.parse, profile.type), profile.near = _fit(name, seen)
        keys = {_key(v) for v in seen}
        profile.distinct = len(keys)
        profile.unique = bool(seen) and len(keys) == len(seen) == len(records)
    return list(profiles.values())
