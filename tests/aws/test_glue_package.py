"""The Glue bundle: what goes in, what stays out, and that the same sources give the same bytes."""

from __future__ import annotations

import importlib.util
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from aws_fakes import make_repo

from jozi_lake.aws.package import ZIP_NAME, build_bundle
from jozi_lake.errors import LakeError


def zip_names(data: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


def test_bundle_holds_glue_code_and_contracts_but_not_local_only_parts(tmp_path: Path) -> None:
    bundle = build_bundle(make_repo(tmp_path))
    names = zip_names(bundle.zip_file.data)
    assert "jozi_lake/jobs/bronze_to_silver.py" in names
    assert "jozi_lake/transforms/helpers.py" in names
    assert "jozi_lake/contracts/silver/orders.yaml" in names
    assert not [n for n in names if n.startswith(("jozi_lake/cli/", "jozi_lake/aws/")) or n.endswith(".pyc")]
    assert "jozi_lake/query/engine.py" not in names  # imports duckdb/sqlglot at module level
    assert "jozi_lake.query.engine" in bundle.excluded_modules
    assert [f.relative_key for f in bundle.files] == [
        ZIP_NAME,
        "glue_scripts/bronze_to_silver.py",
        "glue_scripts/silver_to_gold.py",
    ]


def test_bundle_is_deterministic_and_versioned_by_content(tmp_path: Path) -> None:
    first = build_bundle(make_repo(tmp_path / "a"))
    second = build_bundle(make_repo(tmp_path / "b"))
    assert first.version == second.version
    assert first.zip_file.data == second.zip_file.data
    infos = zipfile.ZipFile(io.BytesIO(first.zip_file.data)).infolist()
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    changed = build_bundle(make_repo(tmp_path / "c", {"src/jozi_lake/transforms/helpers.py": "import re\n"}))
    assert changed.version != first.version


def test_entry_script_reaching_a_module_glue_cannot_import_fails_at_build(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path, {"src/jozi_lake/transforms/helpers.py": "from jozi_lake.query import engine\n"}
    )
    with pytest.raises(LakeError) as caught:
        build_bundle(repo)
    assert "jozi_lake.query.engine" in caught.value.message
    assert "duckdb" in caught.value.message


def test_lazy_imports_inside_functions_do_not_exclude_a_module(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path, {"src/jozi_lake/transforms/helpers.py": "def f():\n    import duckdb\n    return duckdb\n"}
    )
    assert "jozi_lake/transforms/helpers.py" in zip_names(build_bundle(repo).zip_file.data)


def test_no_entry_scripts_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "src" / "jozi_lake").mkdir(parents=True)
    with pytest.raises(LakeError, match="no Glue entry scripts"):
        build_bundle(tmp_path)


def test_vendorable_libraries_ship_only_when_a_glue_module_needs_them(tmp_path: Path) -> None:
    plain = build_bundle(make_repo(tmp_path / "plain"))
    assert plain.vendored == ()
    repo = make_repo(tmp_path / "sql", {"src/jozi_lake/transforms/helpers.py": "import sqlglot\n"})
    bundle = build_bundle(repo)
    assert bundle.vendored == ("sqlglot",)
    names = zip_names(bundle.zip_file.data)
    assert "sqlglot/__init__.py" in names and "jozi_lake/transforms/helpers.py" in names
    assert not [n for n in names if "__pycache__" in n]


def test_namespace_folders_get_an_init_in_the_zip(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "src/jozi_lake/jobs/__init__.py").unlink()
    names = zip_names(build_bundle(repo).zip_file.data)
    assert "jozi_lake/jobs/__init__.py" in names


def test_the_repository_glue_code_imports_with_only_what_glue_provides(tmp_path: Path) -> None:
    """The real package, imported by a Python without site-packages: the zip plus pyspark, py4j, PyYAML."""
    bundle = build_bundle()
    assert bundle.reachable_modules, "the entry scripts reach no jozi_lake module"
    names = zip_names(bundle.zip_file.data)
    assert not [n for n in names if n.startswith(("jozi_lake/cli/", "jozi_lake/aws/"))]
    assert [n for n in names if n.startswith("jozi_lake/contracts/silver/") and n.endswith(".yaml")]
    archive = tmp_path / "jozi_lake.zip"
    archive.write_bytes(bundle.zip_file.data)
    glue_libs = tmp_path / "glue-provided"
    glue_libs.mkdir()
    for name in ("pyspark", "py4j", "yaml"):
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.submodule_search_locations
        (glue_libs / name).symlink_to(next(iter(spec.submodule_search_locations)))
    program = (
        "import importlib, sys\n"
        f"sys.path[:0] = [{str(archive)!r}, {str(glue_libs)!r}]\n"
        f"for name in {list(bundle.reachable_modules)!r}:\n"
        "    module = importlib.import_module(name)\n"
        f"    assert module.__file__.startswith({str(archive)!r}), module.__file__\n"
    )
    # -S: no site-packages, so anything the zip lacks fails to import here as it would on Glue.
    proc = subprocess.run([sys.executable, "-S", "-c", program], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
