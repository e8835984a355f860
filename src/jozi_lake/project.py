"""Where the project's own files are: ``lake.yaml``, ``contracts/`` and ``sql/``.

These files describe one company's lake (its sources, tables, models and questions); the package is
the machinery that reads them. They are found in one of three places, first match wins:

1. ``LAKE_PROJECT_DIR``: a folder holding ``lake.yaml`` (a test's copy, or a company's own project
   kept outside this repository);
2. the checkout the package runs from (an editable install: the folder above ``src/``);
3. the copy packaged with the code, ``jozi_lake/_project/``, which the Glue bundle and the Lambda zip
   carry (:mod:`jozi_lake.tooling.bundle`), so code on AWS reads the same facts as the laptop.

Inside a zip the packaged copy is not a directory on disk, so callers get a
:class:`~importlib.resources.abc.Traversable`; tooling that needs real paths (the CLI, the local lake)
asks for :func:`project_dir`.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from stat import S_ISREG

from jozi_lake.errors import LakeError

PROJECT_DIR_ENV_VAR = "LAKE_PROJECT_DIR"
PACKAGED_FOLDER = "_project"
# The packaged copy holds lake.yaml (Glue has PyYAML) or lake.json (the Lambda runtime has no PyYAML).
CONFIG_FILES = ("lake.yaml", "lake.json")


class ProjectError(LakeError):
    """No project files where they were looked for."""


def _has_config(folder: Traversable) -> bool:
    return any(folder.joinpath(name).is_file() for name in CONFIG_FILES)


@cache
def _checkout() -> Path | None:
    """The checkout holding this package (``<root>/src/jozi_lake/project.py``), if it is one."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "lake.yaml").is_file():
            return parent
    return None


def project_root() -> Traversable:
    """The folder of the project files (a :class:`Path` except inside a zip)."""
    override = os.environ.get(PROJECT_DIR_ENV_VAR)
    if override:
        path = Path(override).expanduser().resolve()
        if not _has_config(path):
            raise ProjectError(
                f"{PROJECT_DIR_ENV_VAR}={override} holds no lake.yaml",
                f"point {PROJECT_DIR_ENV_VAR} at a folder with lake.yaml, contracts/ and sql/, or unset it",
            )
        return path
    checkout = _checkout()
    if checkout is not None:
        return checkout
    packaged = resources.files("jozi_lake").joinpath(PACKAGED_FOLDER)
    if _has_config(packaged):
        return packaged
    raise ProjectError(
        "no lake.yaml found: not in a checkout and no packaged project copy",
        f"run from the repository, or set {PROJECT_DIR_ENV_VAR} to the folder holding lake.yaml",
    )


def project_dir() -> Path:
    """The project folder on disk; for tooling that lists or writes files (never inside Glue/Lambda)."""
    root = project_root()
    if not isinstance(root, Path):
        raise ProjectError(
            "the project files are packaged inside the code bundle here, not a folder on disk",
            "run this command from a checkout or set " + PROJECT_DIR_ENV_VAR,
        )
    return root


def project_file(*parts: str) -> Traversable:
    """A file or folder below the project root, e.g. ``project_file("contracts", "silver")``."""
    node = project_root()
    for part in parts:
        node = node.joinpath(part)
    return node


def config_file() -> Traversable:
    """``lake.yaml`` of the project (or the packaged ``lake.json``)."""
    root = project_root()
    for name in CONFIG_FILES:
        candidate = root.joinpath(name)
        if candidate.is_file():
            return candidate
    raise ProjectError(f"no lake.yaml in {root}")


FileVersion = tuple[tuple[str, int, int], ...]


def files_version(*parts: str) -> FileVersion:
    """A cheap fingerprint (path, mtime, size) of the project files at ``parts`` (files or folders).

    The parsed-file caches (lake.yaml, contracts, gold models) key on it next to the project root, so a
    long-lived process (``lake watch``, a notebook, a test that writes a contract) reads a file again
    once it changed or appeared, instead of keeping what it parsed first. Inside a code bundle that is
    not a folder on disk the files cannot change: the fingerprint is empty.
    """
    root = project_root()
    if not isinstance(root, Path):
        return ()
    found: list[tuple[str, int, int]] = []
    for part in parts:
        node = root / part
        paths = sorted(node.rglob("*")) if node.is_dir() else [node]
        for path in paths:
            try:
                stat = path.stat()
            except FileNotFoundError:  # removed while listing, or a file that is not there
                continue
            if S_ISREG(stat.st_mode):
                found.append((path.relative_to(root).as_posix(), stat.st_mtime_ns, stat.st_size))
    return tuple(found)
