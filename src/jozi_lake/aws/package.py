"""The Glue code bundle: ``jozi_lake.zip`` for ``--extra-py-files`` plus the entry scripts.

Glue 5.0 provides Python 3.11, pyspark, boto3 and PyYAML, nothing else of ours. The zip holds the
``jozi_lake`` package (with its contracts YAML) minus what only the laptop needs: the CLI, this AWS
operator package, and any module whose module-level imports need a library Glue lacks and that cannot be
shipped. Pure-Python libraries our Glue-side modules import at module level (:data:`VENDORABLE`) are
shipped inside the zip from this virtualenv, so Glue runs the same versions as the laptop.

Every module an entry script can reach (following imports inside functions too: they run on Glue) must be
in the zip; a violation is a LakeError at build time instead of an ImportError on Glue. Folders without
``__init__.py`` get an empty one in the zip, because zipimport does not find namespace packages.

The zip is deterministic (sorted entries, fixed timestamps and modes), and the version is a hash of the
file contents, so the same sources always produce the same ``scripts/<version>/`` prefix.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import io
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from jozi_lake.config import repo_root
from jozi_lake.errors import LakeError

PACKAGE = "jozi_lake"
ZIP_NAME = "jozi_lake.zip"
ENTRY_DIR = "glue_scripts"
# Subpackages that only the operator's machine runs.
LOCAL_ONLY_SUBPACKAGES = ("cli", "aws")
# Third-party top-level modules Glue 5.0 provides; everything else must come in the zip.
GLUE_PROVIDED = frozenset({"pyspark", "py4j", "boto3", "botocore", "s3transfer", "yaml", "awsglue"})
# Pure-Python libraries our Glue-side modules import at module level although Glue 5.0 lacks them: shipped
# in the zip from this virtualenv (the versions pyproject.toml pins, the ones the local runs use), each
# with the packages it imports. Only what an included module needs is shipped.
VENDORABLE: dict[str, tuple[str, ...]] = {
    "sqlglot": (),
    "rich": ("pygments", "markdown_it", "mdurl"),
}
_DATA_SUFFIXES = (".yaml", ".yml", ".json", ".sql", ".typed")
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class BundleFile:
    """One file of a script version: its key below ``scripts/<version>/`` and its bytes."""

    relative_key: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class GlueBundle:
    version: str
    files: tuple[BundleFile, ...]
    excluded_modules: tuple[str, ...]
    vendored: tuple[str, ...] = ()
    reachable_modules: tuple[str, ...] = ()

    @property
    def zip_file(self) -> BundleFile:
        return next(f for f in self.files if f.relative_key == ZIP_NAME)

    def entry_script_key(self, job: str) -> str:
        return f"{ENTRY_DIR}/{job}.py"


def _module_name(package_dir: Path, path: Path) -> str:
    parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _import_names(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> set[str]:
    """Absolute names an import statement may refer to (``from a import b`` names ``a`` and ``a.b``)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    return {prefix} | {f"{prefix}.{alias.name}" for alias in node.names}


@dataclass(frozen=True)
class ModuleImports:
    """``module_level``: run on import (they decide what Glue must provide). ``anywhere``: also the imports
    inside functions, which run when that code runs (they decide which of our modules Glue may reach)."""

    module_level: frozenset[str]
    anywhere: frozenset[str]


def scan_imports(source: str, module: str, is_package: bool) -> ModuleImports:
    tree = ast.parse(source)
    module_level: set[str] = set()
    body = list(tree.body)
    while body:
        node = body.pop(0)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            body.extend(node.orelse)
            continue
        if isinstance(node, ast.If | ast.Try):
            for block in ("body", "orelse", "finalbody"):
                body.extend(getattr(node, block, []))
            for handler in getattr(node, "handlers", []):
                body.extend(handler.body)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            module_level |= _import_names(node, module, is_package)
    anywhere = set(module_level)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            anywhere |= _import_names(node, module, is_package)
    type_checking_only = _type_checking_imports(tree, module, is_package)
    return ModuleImports(frozenset(module_level), frozenset(anywhere - (type_checking_only - module_level)))


def _type_checking_imports(tree: ast.Module, module: str, is_package: bool) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                for inner in ast.walk(child):
                    if isinstance(inner, ast.Import | ast.ImportFrom):
                        names |= _import_names(inner, module, is_package)
    return names


def _top(name: str) -> str:
    return name.split(".")[0]


def _is_available_on_glue(name: str) -> bool:
    top = _top(name)
    return top == PACKAGE or top in GLUE_PROVIDED or top in sys.stdlib_module_names or top == "__future__"


def _own_modules(imports: frozenset[str] | set[str], modules: dict[str, Path]) -> set[str]:
    """The package's modules among ``imports`` (``from jozi_lake.x import y`` names ``x``, maybe ``x.y``)."""
    return {name for name in imports if name in modules}


def _vendored_files(top: str) -> list[tuple[str, bytes]]:
    """The installed files of a pure-Python package, as zip members at the zip root."""
    spec = importlib.util.find_spec(top)
    if spec is None or not spec.submodule_search_locations:
        raise LakeError(
            f"the Glue code needs {top}, which is not installed here to ship with it",
            "install the project's dependencies: .venv/bin/pip install -e '.[dev]'",
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    members: list[tuple[str, bytes]] = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        if path.suffix in (".so", ".pyd", ".dylib"):
            raise LakeError(
                f"{top} contains compiled code ({path.name}), which cannot ship in --extra-py-files",
                "add it to the Glue job's --additional-python-modules instead",
            )
        members.append((f"{top}/{path.relative_to(root).as_posix()}", path.read_bytes()))
    return members


def build_bundle(root: Path | None = None) -> GlueBundle:
    """Collect and zip the Glue code under ``root`` (the repository); raises LakeError on a bad import."""
    root = root or repo_root()
    package_dir = root / "src" / PACKAGE
    entry_dir = root / ENTRY_DIR
    if not package_dir.is_dir():
        raise LakeError(f"no {PACKAGE} package at {package_dir}", "run from the repository checkout")
    entry_scripts = sorted(entry_dir.glob("*.py")) if entry_dir.is_dir() else []
    if not entry_scripts:
        raise LakeError(
            f"no Glue entry scripts in {entry_dir}", "add glue_scripts/<job>.py for each lake.yaml job"
        )

    modules: dict[str, Path] = {}
    for path in sorted(package_dir.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        modules[_module_name(package_dir, path)] = path

    imports: dict[str, ModuleImports] = {}
    for name, path in modules.items():
        try:
            imports[name] = scan_imports(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")
        except SyntaxError as err:
            raise LakeError(
                f"{path} does not parse: {err.msg} (line {err.lineno})", "fix the syntax error"
            ) from None

    excluded: dict[str, str] = {}
    vendored: set[str] = set()
    for name in modules:
        parts = name.split(".")
        if len(parts) > 1 and parts[1] in LOCAL_ONLY_SUBPACKAGES:
            excluded[name] = "local-only subpackage"
            continue
        missing = {_top(i) for i in imports[name].module_level if not _is_available_on_glue(i)}
        unshippable = sorted(missing - VENDORABLE.keys())
        if unshippable:
            excluded[name] = f"imports {', '.join(unshippable)}, which Glue lacks"
        else:
            vendored |= missing

    # Every module an entry script can reach (imports inside functions included: they run on Glue too)
    # must be in the zip.
    reachable: set[str] = set()
    frontier: list[tuple[str, str]] = []
    for script in entry_scripts:
        try:
            script_imports = scan_imports(script.read_text(encoding="utf-8"), "__main__", False)
        except SyntaxError as err:
            raise LakeError(f"{script} does not parse: {err.msg} (line {err.lineno})", "fix it") from None
        frontier.extend((name, script.name) for name in _own_modules(script_imports.anywhere, modules))
    while frontier:
        name, via = frontier.pop()
        if name in reachable:
            continue
        reachable.add(name)
        parts = name.split(".")
        parents = {".".join(parts[:i]) for i in range(1, len(parts))}
        for nxt in _own_modules(imports[name].anywhere, modules) | (parents & modules.keys()):
            frontier.append((nxt, via))
        if name in excluded:
            raise LakeError(
                f"the Glue code would need {name}, which is left out of the Glue package ({excluded[name]})",
                f"{via} reaches it: move that import into the function that needs it, or drop the dependency",
            )
    # Ship only what the included modules need, with the dependencies of what is shipped.
    vendored = {dep for top in vendored for dep in (top, *VENDORABLE[top])}

    members: list[tuple[str, bytes]] = []
    for path in sorted(package_dir.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        arcname = path.relative_to(package_dir.parent).as_posix()
        if path.suffix == ".py":
            if _module_name(package_dir, path) in excluded:
                continue
        elif (
            path.suffix not in _DATA_SUFFIXES
            or path.relative_to(package_dir).parts[0] in LOCAL_ONLY_SUBPACKAGES
        ):
            continue
        members.append((arcname, path.read_bytes()))
    # zipimport does not find namespace packages (folders without __init__.py): give them an empty one.
    packages_in_zip = {name.rsplit("/", 1)[0] for name, _ in members if name.endswith(".py")}
    for folder in sorted(packages_in_zip):
        parts = folder.split("/")
        for depth in range(1, len(parts) + 1):
            init = "/".join(parts[:depth]) + "/__init__.py"
            if init not in {name for name, _ in members}:
                members.append((init, b""))
    for top in sorted(vendored):
        members.extend(_vendored_files(top))

    zip_bytes = _deterministic_zip(members)
    files = [BundleFile(ZIP_NAME, zip_bytes)]
    files += [BundleFile(f"{ENTRY_DIR}/{script.name}", script.read_bytes()) for script in entry_scripts]

    # The version hashes the sources, not the zip bytes, so another zlib build gives the same version.
    digest = hashlib.sha256()
    for arcname, data in [*members, *((f.relative_key, f.data) for f in files[1:])]:
        digest.update(arcname.encode() + b"\0" + hashlib.sha256(data).digest())
    return GlueBundle(
        version=digest.hexdigest()[:16],
        files=tuple(files),
        excluded_modules=tuple(sorted(excluded)),
        vendored=tuple(sorted(vendored)),
        reachable_modules=tuple(sorted(reachable)),
    )


def _deterministic_zip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for arcname, data in sorted(members):
            info = zipfile.ZipInfo(arcname, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, whatever the build machine
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return buffer.getvalue()
