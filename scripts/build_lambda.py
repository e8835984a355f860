#!/usr/bin/env python3
"""Build the ingest Lambda's deployment zip: ``build/lambda/ingest.zip`` (Terraform uploads this path).

The zip holds ``ingest_handler.py`` at its root plus exactly the ``jozi_lake`` modules the handler
imports, found by following ``import`` statements (so a new module is picked up without editing a
list). boto3 is provided by the Lambda runtime; anything else third-party (pyyaml, pyspark, duckdb,
typer, rich) must not be imported by those modules, and the build fails if one is.

Deterministic: entries sorted, fixed timestamps and permissions, so the same sources give the same
bytes and the same hash (Terraform only redeploys when the code really changed).

    python scripts/build_lambda.py [--out build/lambda/ingest.zip]
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import os
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HANDLER = REPO / "lambda" / "ingest_handler.py"
PACKAGE_ROOT = REPO / "src"
DEFAULT_OUT = REPO / "build" / "lambda" / "ingest.zip"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold
RUNTIME_PROVIDED = {"boto3", "botocore"}
FORBIDDEN = {"yaml", "pyspark", "duckdb", "typer", "rich", "sqlglot", "moto"}


class BuildError(RuntimeError):
    pass


def _imports(path: Path) -> set[str]:
    """Absolute module names imported by a file (relative imports are not used in this project)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _module_file(module: str) -> Path | None:
    base = PACKAGE_ROOT.joinpath(*module.split("."))
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    return None


def collect_modules() -> dict[str, Path]:
    """Archive name → source file for the handler and every jozi_lake module it needs."""
    files: dict[str, Path] = {"ingest_handler.py": HANDLER}
    pending = [HANDLER]
    while pending:
        path = pending.pop()
        for module in sorted(_imports(path)):
            top = module.split(".")[0]
            if top in FORBIDDEN:
                raise BuildError(f"{path.relative_to(REPO)} imports {module}, which the Lambda runtime lacks")
            if top != "jozi_lake":
                continue
            parts = module.split(".")
            # A package's __init__ runs on import of any submodule: include every parent package.
            for depth in range(1, len(parts) + 1):
                source = _module_file(".".join(parts[:depth]))
                if source is None:
                    continue
                name = source.relative_to(PACKAGE_ROOT).as_posix()
                if name not in files:
                    files[name] = source
                    pending.append(source)
    return files


def build(out: Path = DEFAULT_OUT) -> tuple[Path, str]:
    """Write the zip atomically; returns (path, sha256)."""
    if not HANDLER.is_file():
        raise BuildError(f"handler not found at {HANDLER}")
    files = collect_modules()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".ingest.", suffix=".zip.tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w") as archive:
            for name in sorted(files):
                info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                info.create_system = 3  # unix, so the permissions above are honoured
                archive.writestr(info, files[name].read_bytes(), compresslevel=9)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out, hashlib.sha256(out.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="zip path (default %(default)s)")
    args = parser.parse_args(argv)
    try:
        path, digest = build(args.out)
    except BuildError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    print(f"built {path} ({len(names)} files, sha256 {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
