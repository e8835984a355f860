"""The ingest Lambda zip: deterministic, complete, and importable without the packages Lambda lacks."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "build_lambda.py"

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
import ingest_handler, jozi_lake
assert jozi_lake.__file__.startswith(sys.argv[1]), jozi_lake.__file__
print(ingest_handler.handler.__name__)
"""


def _build(out: Path) -> bytes:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)], capture_output=True, text=True, check=True
    )
    assert "built" in result.stdout
    return out.read_bytes()


def test_zip_is_byte_identical_across_builds(tmp_path: Path) -> None:
    first = _build(tmp_path / "a.zip")
    second = _build(tmp_path / "b.zip")
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()


def test_zip_holds_the_handler_and_only_what_it_imports(tmp_path: Path) -> None:
    _build(tmp_path / "ingest.zip")
    with zipfile.ZipFile(tmp_path / "ingest.zip") as archive:
        names = set(archive.namelist())
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert {
        "ingest_handler.py",
        "jozi_lake/__init__.py",
        "jozi_lake/storage.py",
        "jozi_lake/errors.py",
    } <= names
    assert {
        "jozi_lake/ingest/api.py",
        "jozi_lake/ingest/http_client.py",
        "jozi_lake/ingest/environment.py",
    } <= names
    assert "jozi_lake/config.py" not in names and "jozi_lake/ingest/local.py" not in names
    assert not any(
        n.startswith(("jozi_lake/cli", "jozi_lake/generator", "jozi_lake/source_api")) for n in names
    )


def test_zip_imports_without_pyyaml_spark_or_cli_packages(tmp_path: Path) -> None:
    _build(tmp_path / "ingest.zip")
    target = tmp_path / "unzipped"
    with zipfile.ZipFile(tmp_path / "ingest.zip") as archive:
        archive.extractall(target)
    result = subprocess.run(
        [sys.executable, "-c", BLOCKER, str(target)], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "handler"
