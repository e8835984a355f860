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
# Binary data (a NUL byte, or mostly bytes that are neither printable ASCII nor UTF-8 text) shows only
# its signature: 120 bytes of \\x.. escapes are 480 characters that tell a person nothing more.
BINARY_BYTES = 16


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    try:
        head.decode("utf-8")
        return False
    except UnicodeDecodeError as err:
        if err.start >= len(head) - 3:  # a character cut at the limit: still text
            return False
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in head)
    return printable < 0.7 * len(head)


def first_bytes(data: bytes, limit: int = FIRST_BYTES) -> str:
    """The start of a body or file as printable text (``\\x..`` escapes for non-ASCII bytes); binary data
    shows its first few bytes and its size."""
    head = bytes(data[:limit])
    if head and _looks_binary(head):
        more = "..." if len(data) > BINARY_BYTES else ""
        return repr(head[:BINARY_BYTES])[2:-1] + f"{more} (binary data, {len(data):,} bytes)"
    return repr(head)[2:-1] + ("..." if len(data) > limit else "")


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
