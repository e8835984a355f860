"""Code bundles for AWS: the Glue bundle and the Lambda zip, built by one reachability bundler.

A bundle holds exactly what its entry scripts can reach: the ``jozi_lake`` modules they import (imports
inside functions included, since those run on AWS too; imports only under ``TYPE_CHECKING`` excluded),
the pure-Python libraries those modules need and the runtime lacks (copied from this virtualenv, so AWS
runs the versions the laptop tested), and a copy of the project files the code reads
(:mod:`jozi_lake.project`): ``lake.yaml``, and for Glue the contracts and gold SQL models. Anything
else an entry script reaches (a library the runtime lacks that cannot be shipped, or a tooling-only
part of the package such as the CLI, the local backend or the demo world) fails the build with the
import chain, instead of failing on AWS at 02:30.

Outputs (``make build``)::

    build/glue/jozi_lake.zip               --extra-py-files of every Glue job
    build/glue/glue_scripts/<job>.py       each job's ScriptLocation
    build/lambda/ingest.zip                the lake Lambda and the landing trigger (handlers at the zip root)

Bytes are deterministic (sorted entries, fixed timestamps and modes): the same sources give the same
files, so Terraform, which uploads them under a content-hash key, changes nothing when nothing changed.

    python -m jozi_lake.tooling.bundle glue|lambda|all [--out DIR]
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import importlib.util
import io
import json
import os
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from jozi_lake.errors import LakeError

PACKAGE = "jozi_lake"
PROJECT_FOLDER = f"{PACKAGE}/_project"
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold
# Parts of the package that only the operator's machine runs: a bundle that reaches one is a bug.
TOOLING_ONLY = ("cli", "aws", "local", "demo", "tooling", "report")


@dataclass(frozen=True)
class Target:
    """What one AWS runtime provides and how its bundle is laid out."""

    name: str
    provided: frozenset[str]  # third-party top-level modules the runtime has
    vendorable: dict[str, tuple[str, ...]]  # pure-Python libraries we ship, with the ones they import
    config_name: str  # lake.yaml or lake.json inside PROJECT_FOLDER
    project_globs: tuple[str, ...] = ()  # further project files the code reads
    # Imports reached on a path this runtime never takes, with the reason (tests import the bundle
    # with these modules blocked, so a reason that stops being true fails there).
    never_imported: dict[str, str] = field(default_factory=dict)


GLUE = Target(
    name="glue",
    # Glue 5.0: Python 3.11 with pyspark, boto3 and PyYAML (the AWS Glue 5.0 release notes' module list).
    provided=frozenset({"pyspark", "py4j", "boto3", "botocore", "s3transfer", "yaml", "awsglue"}),
    vendorable={"sqlglot": ()},
    config_name="lake.yaml",
    project_globs=("contracts/**/*.yaml", "sql/gold/**/*.sql"),
)
LAMBDA = Target(
    name="lambda",
    # The Lambda Python runtime ships boto3 and botocore, nothing else of ours. Its urllib3 (botocore's)
    # is whatever version the runtime pins; the zip carries the one requests and our Retry subclass are
    # tested with here, which botocore (urllib3 < 3 on Python >= 3.10) also works with.
    provided=frozenset({"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six"}),
    # requests and its dependencies are pure Python (charset_normalizer's compiled speed-ups have .py
    # twins, which ship instead).
    vendorable={
        "requests": ("urllib3", "idna", "certifi", "charset_normalizer"),
        "urllib3": (),
    },
    config_name="lake.json",
    # The backlog check counts silver tables by their contract files' names (never parsed here).
    project_globs=("contracts/**/*.yaml",),
    never_imported={
        "yaml": "jozi_lake.config parses YAML (yaml_text) only for lake.yaml; the zip carries lake.json"
    },
)


# The lake's Lambda functions, one zip: the lake Lambda (ingest, summary, run control) and the landing
# trigger (modules/landing-trigger), by the iam module's key of the role each runs as.
LAMBDA_HANDLERS = {"ingest_handler.py": "ingest_lambda", "landing_trigger.py": "landing_trigger"}


@dataclass(frozen=True)
class ModuleImports:
    """Imports of one module: those that run when it is imported, and all that can run."""

    module_level: frozenset[str]
    anywhere: frozenset[str]


@dataclass
class Bundle:
    """A built bundle: zip members, the modules reached and the libraries shipped."""

    target: str
    members: dict[str, bytes] = field(default_factory=dict)
    reachable: tuple[str, ...] = ()
    vendored: tuple[str, ...] = ()

    def zip_bytes(self) -> bytes:
        return deterministic_zip(self.members)

    @property
    def version(self) -> str:
        """A hash of the contents (names and bytes), independent of the zlib build."""
        digest = hashlib.sha256()
        for name in sorted(self.members):
            digest.update(name.encode() + b"\0" + hashlib.sha256(self.members[name]).digest())
        return digest.hexdigest()[:16]


# ------------------------------------------------------------------------------------------ imports


def _import_names(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> set[str]:
    """Absolute names an import statement may refer to (``from a import b`` names ``a`` and ``a.b``)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
        prefix = ".".join(base)
        target = f"{prefix}.{node.module}" if node.module else prefix
    else:
        target = node.module or ""
    return {target} | {f"{target}.{alias.name}" for alias in node.names}


def scan_imports(source: str, module: str, is_package: bool) -> ModuleImports:
    """The imports of a module's source; those under ``if TYPE_CHECKING:`` never run."""
    tree = ast.parse(source)
    type_checking: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_checking.update(id(inner) for child in node.body for inner in ast.walk(child))
    module_level: set[str] = set()
    anywhere: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in type_checking:
            anywhere |= _import_names(node, module, is_package)
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            module_level |= _import_names(node, module, is_package)
    return ModuleImports(frozenset(module_level), frozenset(anywhere))


def _module_name(src: Path, path: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _top(name: str) -> str:
    return name.split(".")[0]


# ------------------------------------------------------------------------------------------ building


def _package_modules(src: Path) -> dict[str, Path]:
    package_dir = src / PACKAGE
    if not package_dir.is_dir():
        raise LakeError(f"no {PACKAGE} package at {package_dir}", "run from the repository checkout")
    return {
        _module_name(src, path): path
        for path in sorted(package_dir.rglob("*.py"))
        if "__pycache__" not in path.parts
    }


def reachable_modules(
    entries: Iterable[Path], src: Path, target: Target, roots: Iterable[str] = ()
) -> tuple[dict[str, Path], set[str]]:
    """The package modules ``entries`` (and the modules named in ``roots``) reach, and the third-party
    top-level modules they import.

    Raises a LakeError naming the chain when a tooling-only module or an unshippable library is reached.
    """
    modules = _package_modules(src)
    # By path: every entry script is a "__main__" of its own.
    scanned: dict[Path, ModuleImports] = {}

    def imports_of(name: str, path: Path) -> ModuleImports:
        if path not in scanned:
            try:
                scanned[path] = scan_imports(
                    path.read_text(encoding="utf-8"), name, path.name == "__init__.py"
                )
            except SyntaxError as err:
                raise LakeError(f"{path} does not parse: {err.msg} (line {err.lineno})", "fix it") from None
        return scanned[path]

    reached: dict[str, Path] = {}
    third_party: dict[str, str] = {}  # top-level module -> the package module that imports it
    frontier: list[tuple[str, tuple[str, ...]]] = [(name, ("registry",)) for name in roots]
    for entry in entries:
        entry_imports = imports_of("__main__", entry)
        for name in entry_imports.anywhere:
            if name in modules:
                frontier.append((name, (entry.name,)))
            elif _top(name) != PACKAGE and not _is_stdlib(name):
                third_party.setdefault(_top(name), entry.name)
    while frontier:
        name, chain = frontier.pop()
        if name in reached:
            continue
        parts = name.split(".")
        if len(parts) > 1 and parts[1] in TOOLING_ONLY:
            raise LakeError(
                f"the {target.name} bundle would need {name}, a tooling-only part of the package",
                f"{' -> '.join((*chain, name))}: move that import out of the runtime path",
            )
        reached[name] = modules[name]
        parents = {".".join(parts[:i]) for i in range(1, len(parts))} & modules.keys()
        for nxt in (imports_of(name, modules[name]).anywhere & modules.keys()) | parents:
            frontier.append((nxt, (*chain, name)))
        for imported in imports_of(name, modules[name]).anywhere:
            if _top(imported) != PACKAGE and not _is_stdlib(imported):
                third_party.setdefault(_top(imported), " -> ".join((*chain, name)))
    missing = {
        top: via
        for top, via in third_party.items()
        if top not in target.provided and top not in target.never_imported
    }
    unshippable = {top: via for top, via in missing.items() if top not in target.vendorable}
    if unshippable:
        top, via = sorted(unshippable.items())[0]
        raise LakeError(
            f"the {target.name} bundle would need {top}, which the {target.name} runtime lacks ({via})",
            "drop that import from the runtime path, or ship the library (jozi_lake.tooling.bundle)",
        )
    return reached, set(missing)


def _is_stdlib(name: str) -> bool:
    return _top(name) in sys.stdlib_module_names or _top(name) == "__future__"


def _vendored_members(top: str) -> dict[str, bytes]:
    """The installed files of a pure-Python library, as zip members at the zip root."""
    spec = importlib.util.find_spec(top)
    if spec is None:
        raise LakeError(f"{top} is not installed here to ship it", "run 'make venv'")
    members: dict[str, bytes] = {}
    if spec.submodule_search_locations:
        root = Path(next(iter(spec.submodule_search_locations)))
        for path in sorted(root.rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            if path.suffix in (".so", ".pyd", ".dylib"):
                # A compiled speed-up beside its pure-Python module is left out: the bundle must run on any
                # CPU architecture; without a pure fallback the library cannot ship.
                if not path.with_name(path.name.split(".")[0] + ".py").is_file():
                    raise LakeError(
                        f"{top} contains compiled code ({path.name}) without a pure-Python fallback",
                        "it cannot ship in a zip; install it in the runtime instead",
                    )
                continue
            members[f"{top}/{path.relative_to(root).as_posix()}"] = path.read_bytes()
    elif spec.origin:
        members[Path(spec.origin).name] = Path(spec.origin).read_bytes()
    return members


def _project_members(project: Path, target: Target) -> dict[str, bytes]:
    """The project files the code reads, under ``jozi_lake/_project/``."""
    from jozi_lake.config import parse_config_text

    config_path = project / "lake.yaml"
    if not config_path.is_file():
        raise LakeError(f"no lake.yaml in {project}", "build from the repository checkout")
    text = config_path.read_text(encoding="utf-8")
    config = parse_config_text(text, str(config_path))  # a broken lake.yaml fails here, not on AWS
    if target.config_name.endswith(".json"):
        data = (json.dumps(config.raw, indent=1, sort_keys=True, default=str) + "\n").encode()
    else:
        data = text.encode("utf-8")
    members = {f"{PROJECT_FOLDER}/{target.config_name}": data}
    for pattern in target.project_globs:
        for path in sorted(project.glob(pattern)):
            if path.is_file():
                members[f"{PROJECT_FOLDER}/{path.relative_to(project).as_posix()}"] = path.read_bytes()
    return members


def build(target: Target, entries: list[Path], src: Path, project: Path, roots: Iterable[str] = ()) -> Bundle:
    """The bundle of ``entries`` (entry scripts) for ``target``; entry scripts themselves stay out.

    ``roots`` names modules reached by name rather than by an import (the job registry's run functions).
    """
    if not entries:
        raise LakeError(f"no entry scripts for the {target.name} bundle", "see jozi_lake.tooling.bundle")
    reached, needed = reachable_modules(entries, src, target, roots)
    members: dict[str, bytes] = {}
    for path in reached.values():
        members[path.relative_to(src).as_posix()] = path.read_bytes()
    # zipimport does not find namespace packages (folders without __init__.py): give them an empty one.
    for arcname in list(members):
        parts = arcname.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            members.setdefault("/".join(parts[:depth]) + "/__init__.py", b"")
    vendored = sorted({dep for top in needed for dep in (top, *target.vendorable[top])})
    for top in vendored:
        members.update(_vendored_members(top))
    members.update(_project_members(project, target))
    return Bundle(
        target=target.name, members=members, reachable=tuple(sorted(reached)), vendored=tuple(vendored)
    )


def deterministic_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for arcname in sorted(members):
            info = zipfile.ZipInfo(arcname, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, whatever the build machine
            archive.writestr(info, members[arcname], compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return buffer.getvalue()


def _write(path: Path, data: bytes) -> None:
    """Atomic write, skipped when the bytes are already there (keeps mtimes for make)."""
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def glue_entries(root: Path) -> list[Path]:
    """The Glue entry scripts: lake.yaml ``jobs.<job>.script`` of every job."""
    from jozi_lake.config import parse_config_text

    config = parse_config_text((root / "lake.yaml").read_text(encoding="utf-8"), str(root / "lake.yaml"))
    scripts = [root / str(job["script"]) for job in config.jobs.values()]
    missing = [str(p) for p in scripts if not p.is_file()]
    if missing:
        raise LakeError(f"Glue entry script(s) missing: {', '.join(missing)}", "lake.yaml jobs.<job>.script")
    return scripts


def build_glue(root: Path, out: Path) -> Bundle:
    """``out/jozi_lake.zip`` and ``out/glue_scripts/<job>.py`` (any stale script removed)."""
    from jozi_lake.jobs.registry import RUN_FUNCTIONS

    entries = glue_entries(root)
    job_modules = [target.split(":")[0] for target in RUN_FUNCTIONS.values()]
    bundle = build(GLUE, entries, root / "src", root, roots=job_modules)
    _write(out / "jozi_lake.zip", bundle.zip_bytes())
    wanted = set()
    for script in entries:
        relative = script.relative_to(root).as_posix()
        wanted.add(relative)
        _write(out / relative, script.read_bytes())
    for stale in out.glob("**/*.py"):
        if stale.relative_to(out).as_posix() not in wanted:
            stale.unlink()
    return bundle


def lambda_handlers(root: Path) -> list[Path]:
    """The Lambda entry points (:data:`LAMBDA_HANDLERS`): each its own function and role, one zip."""
    handlers = [root / "lambda" / name for name in LAMBDA_HANDLERS]
    missing = [str(p) for p in handlers if not p.is_file()]
    if missing:
        raise LakeError(f"no Lambda handler at {', '.join(missing)}")
    return handlers


def build_lambda(root: Path, out: Path) -> Bundle:
    """``out/ingest.zip``: the handlers at the zip root plus what they reach."""
    handlers = lambda_handlers(root)
    bundle = build(LAMBDA, handlers, root / "src", root)
    for handler in handlers:
        bundle.members[handler.name] = handler.read_bytes()
    _write(out / "ingest.zip", bundle.zip_bytes())
    return bundle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Glue bundle and/or the Lambda zip.")
    parser.add_argument("what", choices=("glue", "lambda", "all"))
    parser.add_argument("--root", type=Path, default=None, help="repository root (default: this checkout)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: <root>/build/<what>)")
    args = parser.parse_args(argv)
    from jozi_lake.config import repo_root

    root = (args.root or repo_root()).resolve()
    try:
        for what, builder in (("glue", build_glue), ("lambda", build_lambda)):
            if args.what in (what, "all"):
                out = args.out if args.out and args.what != "all" else root / "build" / what
                bundle = builder(root, out)
                shipped = f"; ships {', '.join(bundle.vendored)}" if bundle.vendored else ""
                print(
                    f"built {what} bundle {bundle.version} in {out} "
                    f"({len(bundle.reachable)} modules{shipped})"
                )
    except LakeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
