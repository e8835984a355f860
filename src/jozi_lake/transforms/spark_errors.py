"""Spark's refusal of a user's SQL (a rule, a gold model), said as Spark's own sentence."""

from __future__ import annotations

# Where Spark's message ends and what it appends begins: the logical plan ('Project, +- 'Filter, :- ...)
# or a parse error's "== SQL ==" excerpt. Neither means anything to the person who wrote the SQL.
_APPENDIX = ("'", "+-", ":-", ":", "==")


def spark_error_text(err: Exception) -> str:
    """Spark's own sentence (with its line and position) without the plan or excerpt it appends."""
    kept: list[str] = []
    for line in str(err).strip().splitlines():
        if kept and line.lstrip().startswith(_APPENDIX):
            break
        kept.append(line.strip())
    return " ".join(line for line in kept if line).rstrip(";")
