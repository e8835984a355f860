"""The code bundles for AWS: what goes in, what stays out, and that the same sources give the same bytes.

Most cases build a miniature checkout (a few modules, a lake.yaml, one contract) so each rule is seen
in isolation; the last ones build the real repository and import the result the way Glue and Lambda
would, with nothing but what those runtimes provide.
"""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from jozi_lake.config import repo_root
from jozi_lake.errors import LakeError
from jozi_lake.tooling import bundle
from jozi_lake.tooling.bundle import GLUE, LAMBDA, build, build_glue, build_lambda

LAKE_YAML = """project: mini
region: af-south-1
source_timezone: Africa/Johannesburg
layers: [bronze, silver, gold]
jobs:
  bronze_to_silver: {script: glue_scripts/bronze_to_silver.py, writes: silver}
"""


def make_checkout(root: Path, extra: dict[str, str] | None = None) -> Path:
    files = {
        "lake.yaml": LAKE_YAML,
        "contracts/silver/orders.yaml": "table: orders\n",
        "sql/gold/daily.sql": "SELECT 1\n",
        "sql/queries/q.sql": "SELECT 2\n",
        "src/jozi_lake/__init__.py": "",
        "src/jozi_lake/config.py": "import yaml\n",
        "src/jozi_lake/jobs/__init__.py": "",
        "src/jozi_lake/jobs/job.py": "from jozi_lake.transforms import clean\n",
        "src/jozi_lake/transforms/__init__.py": "",
        "src/jozi_lake/transforms/clean.py": "from pyspark.sql import functions\nfrom . import helpers\n",
        "src/jozi_lake/transforms/helpers.py": "import json\n",
        "src/jozi_lake/cli/__init__.py": "import typer\nimport rich\n",
        "src/jozi_lake/local/__init__.py": "",
        "src/jozi_lake/local/engine.py": "import duckdb\n",
        "src/jozi_lake/demo/__init__.py": "",
        "src/jozi_lake/query/__pycache__/engine.cpython-311.pyc": "junk",
        "entry.py": "from jozi_lake.jobs import job\n",
        "handler.py": "from jozi_lake.transforms import helpers\n",
    }
    files.update(extra or {})
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def names(result: bundle.Bundle) -> set[str]:
    return set(result.members)


def glue(root: Path) -> bundle.Bundle:
    return build(GLUE, [root / "entry.py"], root / "src", root)


def test_glue_bundle_holds_what_the_entry_reaches_and_the_project_files(tmp_path: Path) -> None:
    got = names(glue(make_checkout(tmp_path)))
    assert {
        "jozi_lake/jobs/job.py",
        "jozi_lake/transforms/clean.py",
        "jozi_lake/transforms/helpers.py",
    } <= got
    assert {
        "jozi_lake/_project/lake.yaml",
        "jozi_lake/_project/contracts/silver/orders.yaml",
        "jozi_lake/_project/sql/gold/daily.sql",
    } <= got
    assert "jozi_lake/_project/sql/queries/q.sql" not in got  # analysts' SQL runs in Athena, not Glue
    assert not [n for n in got if n.startswith(("jozi_lake/cli", "jozi_lake/local", "jozi_lake/demo"))]
    assert "jozi_lake/config.py" not in got  # nothing reaches it here
    assert not [n for n in got if n.endswith(".pyc")]


def test_lambda_bundle_carries_lake_yaml_as_json(tmp_path: Path) -> None:
    root = make_checkout(tmp_path)
    result = build(LAMBDA, [root / "handler.py"], root / "src", root)
    document = json.loads(result.members["jozi_lake/_project/lake.json"])
    assert document["project"] == "mini" and document["jobs"]["bronze_to_silver"]["writes"] == "silver"
    # The backlog check lists silver tables by their contract files' names; the zip never parses them
    # (no YAML parser ships) and carries no gold SQL, which only Glue runs.
    assert "jozi_lake/_project/contracts/silver/orders.yaml" in result.members
    assert not [n for n in result.members if n.startswith("jozi_lake/_project/sql/")]


def test_bundle_is_deterministic_and_versioned_by_content(tmp_path: Path) -> None:
    first, second = glue(make_checkout(tmp_path / "a")), glue(make_checkout(tmp_path / "b"))
    assert first.version == second.version and first.zip_bytes() == second.zip_bytes()
    infos = zipfile.ZipFile(io.BytesIO(first.zip_bytes())).infolist()
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    changed = glue(make_checkout(tmp_path / "c", {"src/jozi_lake/transforms/helpers.py": "import re\n"}))
    assert changed.version != first.version
    contract_changed = glue(make_checkout(tmp_path / "d", {"contracts/silver/orders.yaml": "table: x\n"}))
    assert contract_changed.version != first.version


def test_reaching_a_tooling_only_module_fails_with_the_chain(tmp_path: Path) -> None:
    root = make_checkout(
        tmp_path, {"src/jozi_lake/transforms/helpers.py": "from jozi_lake.local import engine\n"}
    )
    with pytest.raises(LakeError) as caught:
        glue(root)
    assert "jozi_lake.local" in caught.value.message and "tooling-only" in caught.value.message
    assert "jozi_lake.transforms.helpers" in (caught.value.hint or "")


def test_reaching_a_library_the_runtime_lacks_fails_even_inside_a_function(tmp_path: Path) -> None:
    lazy = "def f():\n    import duckdb\n    return duckdb\n"
    root = make_checkout(tmp_path, {"src/jozi_lake/transforms/helpers.py": lazy})
    with pytest.raises(LakeError, match="duckdb, which the glue runtime lacks"):
        glue(root)


def test_imports_only_for_type_checking_do_not_count(tmp_path: Path) -> None:
    typed = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import duckdb\n"
    assert "jozi_lake/transforms/helpers.py" in names(
        glue(make_checkout(tmp_path, {"src/jozi_lake/transforms/helpers.py": typed}))
    )


def test_vendorable_libraries_ship_only_when_a_reached_module_needs_them(tmp_path: Path) -> None:
    assert glue(make_checkout(tmp_path / "plain")).vendored == ()
    result = glue(
        make_checkout(tmp_path / "sql", {"src/jozi_lake/transforms/helpers.py": "import sqlglot\n"})
    )
    assert result.vendored == ("sqlglot",)
    assert "sqlglot/__init__.py" in result.members
    assert not [n for n in result.members if "__pycache__" in n]


def test_requests_ships_in_the_lambda_zip_with_its_pure_python_dependencies(tmp_path: Path) -> None:
    root = make_checkout(tmp_path, {"src/jozi_lake/transforms/helpers.py": "import requests\n"})
    result = build(LAMBDA, [root / "handler.py"], root / "src", root)
    assert result.vendored == ("certifi", "charset_normalizer", "idna", "requests", "urllib3")
    assert {
        "requests/__init__.py",
        "urllib3/util/retry.py",
        "idna/core.py",
        "charset_normalizer/md.py",
    } <= set(result.members)
    assert not [n for n in result.members if n.endswith(".so")]
    plain = build(
        LAMBDA,
        [make_checkout(tmp_path / "plain") / "handler.py"],
        tmp_path / "plain" / "src",
        tmp_path / "plain",
    )
    assert plain.vendored == ()  # only shipped when something reached imports it
    with pytest.raises(LakeError, match="requests, which the glue runtime lacks"):
        glue(make_checkout(tmp_path / "glue", {"src/jozi_lake/transforms/helpers.py": "import requests\n"}))


def test_namespace_folders_get_an_init_in_the_zip(tmp_path: Path) -> None:
    root = make_checkout(tmp_path)
    (root / "src/jozi_lake/jobs/__init__.py").unlink()
    assert "jozi_lake/jobs/__init__.py" in glue(root).members


def test_a_broken_lake_yaml_fails_the_build(tmp_path: Path) -> None:
    root = make_checkout(tmp_path, {"lake.yaml": "project: [unclosed\n"})
    with pytest.raises(LakeError, match="not valid YAML"):
        glue(root)


# ------------------------------------------------------------------------------ the real repository


def _provided(tmp_path: Path, modules: tuple[str, ...]) -> Path:
    folder = tmp_path / "runtime-provided"
    folder.mkdir()
    for name in modules:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.submodule_search_locations
        (folder / name).symlink_to(next(iter(spec.submodule_search_locations)))
    return folder


def test_the_glue_bundle_runs_with_only_what_glue_provides(tmp_path: Path) -> None:
    """The real bundle, imported by a Python without site-packages: the zip plus pyspark, py4j, PyYAML.

    It reads lake.yaml and the contracts from its own packaged copy (no checkout around it)."""
    result = build_glue(repo_root(), tmp_path / "glue")
    archive = tmp_path / "glue" / "jozi_lake.zip"
    forbidden = ("jozi_lake/cli", "jozi_lake/aws", "jozi_lake/local", "jozi_lake/demo", "jozi_lake/tooling")
    got = names(result)
    assert not [n for n in got if n.startswith(forbidden) or n.startswith(("rich/", "duckdb/", "pygments/"))]
    assert not [
        n
        for n in got
        if n.startswith("jozi_lake/") and ("bench" in n or "generator" in n or "source_api" in n)
    ]
    assert "jozi_lake/_project/lake.yaml" in got
    for job in ("bronze_to_silver", "silver_to_gold"):
        assert (tmp_path / "glue" / "glue_scripts" / f"{job}.py").is_file()
    libs = _provided(tmp_path, ("pyspark", "py4j", "yaml"))
    program = (
        "import importlib, sys\n"
        f"sys.path[:0] = [{str(archive)!r}, {str(libs)!r}]\n"
        f"for name in {list(result.reachable)!r}:\n"
        "    module = importlib.import_module(name)\n"
        f"    assert module.__file__.startswith({str(archive)!r}), module.__file__\n"
        "from jozi_lake.config import load_config\n"
        "from jozi_lake.contracts import load_contracts\n"
        "assert load_config().project\n"
        "assert load_contracts().silver\n"
        "from jozi_lake.jobs import registry\n"
        "print(sorted(spec.run_function().__name__ for spec in registry.jobs().values()))\n"
    )
    # -S: no site-packages, so anything the zip lacks fails to import here as it would on Glue.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-S", "-c", program],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "run_bronze_to_silver" in proc.stdout


BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {'yaml', 'pyspark', 'duckdb', 'typer', 'rich', 'sqlglot'}:
            raise ImportError('not in the Lambda runtime: ' + name)
        return None
sys.meta_path.insert(0, Block())
sys.path = [p for p in sys.path if 'jozi' not in p and not p.endswith('/src')]
sys.path.insert(0, sys.argv[1])
import ingest_handler, jozi_lake, landing_trigger
assert jozi_lake.__file__.startswith(sys.argv[1]), jozi_lake.__file__
# requests and its dependencies come from the zip, not from wherever this Python found them.
import certifi, charset_normalizer, idna, requests, urllib3
for module in (requests, urllib3, idna, certifi, charset_normalizer):
    assert module.__file__.startswith(sys.argv[1]), module.__file__
from jozi_lake.config import load_config
from jozi_lake.layout import lake_layout
assert load_config().sources  # the packaged lake.json carries the source definitions
print(ingest_handler.handler.__name__, landing_trigger.handler.__name__, lake_layout().bronze_table('x'))
"""


def test_the_lambda_zip_is_byte_identical_across_builds(tmp_path: Path) -> None:
    build_lambda(repo_root(), tmp_path / "a")
    build_lambda(repo_root(), tmp_path / "b")
    assert (tmp_path / "a" / "ingest.zip").read_bytes() == (tmp_path / "b" / "ingest.zip").read_bytes()


def test_the_lambda_zip_holds_the_handler_and_runs_without_pyyaml_spark_or_cli(tmp_path: Path) -> None:
    result = build_lambda(repo_root(), tmp_path / "out")
    got = names(result)
    assert result.vendored == ("certifi", "charset_normalizer", "idna", "requests", "urllib3")
    assert "requests/adapters.py" in got and "certifi/cacert.pem" in got
    # Compiled speed-ups stay out (their pure-Python twins ship); the zip stays small.
    assert not [n for n in got if n.endswith((".so", ".pyd", ".dylib"))]
    assert (tmp_path / "out" / "ingest.zip").stat().st_size < 1_000_000
    # The ingestion runtime only: no probe/draft/listing tooling, no local runner.
    assert not {"jozi_lake/ingest/local.py", "jozi_lake/ingest/draft.py", "jozi_lake/ingest/probe.py"} & got
    assert {
        "ingest_handler.py",
        "landing_trigger.py",
        "jozi_lake/landing.py",
        "jozi_lake/storage.py",
        "jozi_lake/layout.py",
        "jozi_lake/_project/lake.json",
    } <= got
    assert not [n for n in got if n.startswith(("jozi_lake/cli", "jozi_lake/demo", "jozi_lake/local"))]
    assert "jozi_lake/contracts/__init__.py" not in got
    target = tmp_path / "unzipped"
    with zipfile.ZipFile(tmp_path / "out" / "ingest.zip") as archive:
        archive.extractall(target)
    proc = subprocess.run(
        [sys.executable, "-c", BLOCKER, str(target)], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["handler", "handler", "bronze/x/"]
