"""User-facing errors: each carries a one-line message and, where one exists, the fix.

The CLI prints ``error: <message>`` and ``fix: <hint>`` and exits non-zero instead of a traceback.
Modules raise these (or subclasses) for anything a user can cause: bad input, missing setup, AWS
credentials, unknown names.
"""

from __future__ import annotations


class LakeError(RuntimeError):
    """An error a user can act on."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} (fix: {self.hint})"
