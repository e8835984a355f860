"""Which tables have contracts, by file name alone: for code that must not parse them.

The Lambda's backlog check needs the silver table names but ships no YAML parser or rule checker, so it
reads the contract files' names (``contracts/<layer>/<table>.yaml``); :mod:`jozi_lake.contracts` checks
that every file's ``table`` matches its name, so the two agree.
"""

from __future__ import annotations

from jozi_lake import project


def layer_table_names(layer: str) -> list[str]:
    """Tables with a contract in ``contracts/<layer>/``, sorted like the contract loader sorts them."""
    folder = project.project_file("contracts", layer)
    if not folder.is_dir():
        return []
    return sorted(e.name.removesuffix(".yaml") for e in folder.iterdir() if e.name.endswith(".yaml"))


def silver_tables() -> list[str]:
    return layer_table_names("silver")
