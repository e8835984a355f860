"""build/tf-mocks/<env>/: one ARN template rendered per environment beside the shared mocks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jozi_lake.config import repo_root
from jozi_lake.errors import LakeError
from jozi_lake.tooling import rendered


def _repo(tmp_path: Path, template: str) -> Path:
    """A repository with the real lake.yaml and shared mocks and the given ARN template."""
    shutil.copyfile(repo_root() / "lake.yaml", tmp_path / "lake.yaml")
    shutil.copytree(repo_root() / rendered.SHARED_MOCKS, tmp_path / rendered.SHARED_MOCKS)
    (tmp_path / rendered.ARN_TEMPLATE).parent.mkdir(parents=True)
    (tmp_path / rendered.ARN_TEMPLATE).write_text(template, encoding="utf-8")
    return tmp_path


def test_the_template_is_rendered_per_environment_beside_the_shared_mocks(tmp_path: Path) -> None:
    template = (
        '# about @the template\n\noverride_resource {\n  values = { arn = "x:@prefix-q:@env:$LATEST" }\n}\n'
    )
    repo = _repo(tmp_path, template)
    directory = rendered.write_mocks("prod", repo)
    assert directory == repo / "build" / "tf-mocks" / "prod"
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        [rendered.ARN_MOCKS_FILE, *(p.name for p in (repo / rendered.SHARED_MOCKS).glob("*.tfmock.hcl"))]
    )
    text = (directory / rendered.ARN_MOCKS_FILE).read_text(encoding="utf-8")
    assert 'arn = "x:jozi-pizza-prod-q:prod:$LATEST"' in text  # HCL's own $ is left alone
    assert "about" not in text and text.startswith(f"# Rendered from {rendered.ARN_TEMPLATE} for prod")
    # Rendering again replaces the folder: a mock file deleted from the shared set does not linger.
    (directory / "stale.tfmock.hcl").write_text("", encoding="utf-8")
    rendered.write_mocks("prod", repo)
    assert not (directory / "stale.tfmock.hcl").exists()


def test_an_unknown_placeholder_names_the_ones_there_are(tmp_path: Path) -> None:
    repo = _repo(tmp_path, '# t\n\noverride_resource {\n  values = { arn = "@region" }\n}\n')
    with pytest.raises(LakeError, match="other than @env and @prefix") as err:
        rendered.write_mocks("dev", repo)
    assert "@@ for a literal @" in str(err.value)


def test_an_environment_lake_yaml_does_not_define_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LakeError, match="unknown environment 'staging'"):
        rendered.write_mocks("staging", _repo(tmp_path, "# t\n\n"))
