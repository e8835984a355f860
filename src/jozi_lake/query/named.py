"""The analysts' SQL, written once in Athena dialect: named queries and views under ``sql/``.

``sql/queries/<name>.sql`` is one SELECT/WITH statement opening with a comment block::

    -- title: Late share and p90 by hour and weekday
    -- description: One line saying what the answer tells the store.

Terraform deploys the folder as Athena named queries (name = file stem, description = that line) and
the local engine runs the same files. ``sql/views/<name>.sql`` holds ``CREATE OR REPLACE VIEW <name>
AS ...``; views live in the gold database next to the tables.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from sqlglot import exp

from jozi_lake.errors import LakeError
from jozi_lake.project import project_dir
from jozi_lake.query.translate import parse_athena

_HEADER = re.compile(r"^--\s*(title|description)\s*:\s*(.+?)\s*$", re.IGNORECASE)


def sql_dir() -> Path:
    """The project's ``sql/`` folder (:mod:`jozi_lake.project`; ``LAKE_PROJECT_DIR`` points elsewhere)."""
    return project_dir() / "sql"


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    sql: str
    path: Path


@dataclass(frozen=True)
class ViewDefinition:
    name: str
    query: exp.Query  # the SELECT after "CREATE OR REPLACE VIEW name AS"
    path: Path


def _header(text: str, path: Path) -> tuple[str, str]:
    found: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _HEADER.match(line.strip())
        if not match:
            if not line.strip().startswith("--"):
                break
            continue
        found[match.group(1).lower()] = match.group(2)
    missing = [key for key in ("title", "description") if key not in found]
    if missing:
        raise LakeError(
            f"{path} has no '-- {missing[0]}:' line in its leading comment block",
            "start the file with '-- title: ...' and '-- description: ...'",
        )
    return found["title"], found["description"]


def list_named_queries(directory: Path | None = None) -> list[NamedQuery]:
    """Every named query, sorted by name (the file stem)."""
    folder = (directory or sql_dir()) / "queries"
    queries = []
    for path in sorted(folder.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        title, description = _header(text, path)
        queries.append(NamedQuery(path.stem, title, description, text, path))
    return queries


def get_named_query(name: str, directory: Path | None = None) -> NamedQuery:
    queries = {q.name: q for q in list_named_queries(directory)}
    stem = name.removesuffix(".sql")
    if stem in queries:
        return queries[stem]
    close = difflib.get_close_matches(stem, list(queries), n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else "'lake queries' lists the named queries"
    raise LakeError(f"unknown named query {name!r}", hint)


def list_views(directory: Path | None = None) -> list[ViewDefinition]:
    """The views in ``sql/views``; each file must be ``CREATE [OR REPLACE] VIEW name AS <query>``."""
    folder = (directory or sql_dir()) / "views"
    views = []
    for path in sorted(folder.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        # The view file is DDL by design; parse it without the query guard's keyword check.
        body = re.sub(r"^\s*(--[^\n]*\n\s*)*", "", text)
        match = re.match(r"CREATE\s+(OR\s+REPLACE\s+)?VIEW\s+([\w\".]+)\s+AS\s+(.*)$", body, re.I | re.S)
        if not match:
            raise LakeError(f"{path} is not 'CREATE OR REPLACE VIEW <name> AS <query>'")
        name = match.group(2).replace('"', "").split(".")[-1].lower()
        if name != path.stem.lower():
            raise LakeError(f"{path} defines view {name!r}; name the file {name}.sql")
        query = parse_athena(match.group(3))
        if not isinstance(query, exp.Query):
            raise LakeError(f"{path}: the view body must be a SELECT or WITH query")
        views.append(ViewDefinition(name, query, path))
    return views
