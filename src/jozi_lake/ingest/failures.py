"""What went wrong with a source, said so that a person can fix it without reading code.

Every failure of a page or a file names the source, the URL or file, what was expected and the first
bytes that arrived, and carries a hint that says what to change: a lake.yaml key, the secret, the
file. ``retry_helps`` is true only where running again can succeed by itself (the API was down or
rate-limited past our retries); everywhere else the hint never says "rerun".

Standard library only: the ingest Lambda imports it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from jozi_lake.errors import LakeError

FIRST_BYTES = 120


def first_bytes(data: bytes, limit: int = FIRST_BYTES) -> str:
    """The start of a body or file as printable text (``\\x..`` escapes for non-ASCII bytes)."""
    text = repr(bytes(data[:limit]))[2:-1]
    return text + ("..." if len(data) > limit else "")


@dataclass(frozen=True)
class Failure:
    """The parts of a failure, kept apart in the run manifest so tools can show them."""

    source: str
    where: str  # a URL (without secrets) or a landed file's key
    problem: str
    expected: str
    received: str  # first bytes, already printable
    hint: str
    retry_helps: bool = False

    @property
    def message(self) -> str:
        return (
            f"{self.source}: {self.where}: {self.problem}; expected {self.expected}; "
            f"first bytes: {self.received or '(none)'}"
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Failure:
        return cls(**data)


class SourceError(LakeError):
    """A page, response or file that ingestion cannot accept; nothing of it was written."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message, failure.hint)
        self.failure = failure


def fail(
    source: str,
    where: str,
    problem: str,
    *,
    expected: str,
    data: bytes = b"",
    hint: str,
    retry_helps: bool = False,
) -> SourceError:
    """A :class:`SourceError` built from its parts (``data``: what arrived)."""
    return SourceError(Failure(source, where, problem, expected, first_bytes(data), hint, retry_helps))
