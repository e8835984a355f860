"""The project's YAML is read one way: errors carry the file, line, column and fix; a repeated key is refused.

Each case is a mistake a person makes editing lake.yaml or a contract by hand. Before, YAML's own message
named the parser's context without a line ("while scanning a simple key"), and a key written twice kept
the last value without a word: a second ``orders:`` under ``sources:`` replaced the first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jozi_lake.config import ConfigError, env_config, parse_config_text, repo_root
from jozi_lake.contracts import ContractError, load_contracts
from jozi_lake.errors import LakeError
from jozi_lake.yaml_text import load_yaml


@pytest.mark.parametrize(
    ("text", "where", "fix"),
    [
        (
            "sources:\n  orders: {kind: http}\n  drivers: {kind: files}\n  orders: {kind: files}\n",
            "line 4, column 3: not valid YAML: key 'orders' is written twice in one mapping "
            "(first at line 2)",
            "keep one of the two",
        ),
        ("table: x\ndescription: Orders: one row each\n", "line 2, column ", "needs quotes"),
        ("a:\n\tb: 1\n", "line 2, column 1: ", "indent with spaces"),
        ("a:\n  b: 1\n c: 2\n", "line 3, column 2: ", "same indentation"),
        ("a: *nope\n", "line 1, column 4: not valid YAML: found undefined alias 'nope'", "define the anchor"),
        ("a: [1, 2\nb: 3\n", "line 2, column 2: ", "close the [ ] list"),
        ('a: "abc\nb: 1\n', "line 3, column 1: ", "close the quote"),
        # A quote left open runs on until the next quote: YAML stumbles lines later, about indentation.
        (
            'sources:\n  a:\n    description: "Deliveries\n    kind: files\n  b:\n    description: "ok"\n',
            "line 6, column ",
            "close the quote on line 3",
        ),
        ("a: don't\nb: [1, 2\nc: 3\n", "line 3, column 2: ", "close the [ ] list"),  # an apostrophe
    ],
)
def test_a_mistake_is_named_with_its_line_and_the_fix(text: str, where: str, fix: str) -> None:
    with pytest.raises(LakeError) as caught:
        load_yaml(text, "lake.yaml")
    assert caught.value.message.startswith(f"lake.yaml {where}"), caught.value.message
    assert caught.value.hint is not None and fix in caught.value.hint


def test_the_same_key_in_two_mappings_and_a_merge_override_are_fine() -> None:
    text = "base: &b {x: 1, y: 2}\nthing:\n  <<: *b\n  x: 3\nother: {x: 4}\n"
    expected = {"base": {"x": 1, "y": 2}, "thing": {"x": 3, "y": 2}, "other": {"x": 4}}
    assert load_yaml(text, "t.yaml") == expected


def test_a_repeated_source_in_lake_yaml_is_a_config_error() -> None:
    text = (repo_root() / "lake.yaml").read_text(encoding="utf-8")
    doubled = text.replace("\nsources:\n", "\nsources:\n  orders: {kind: files}\n", 1)
    assert doubled != text
    with pytest.raises(ConfigError, match=r"lake\.yaml line \d+, column 3: .*key 'orders' is written twice"):
        parse_config_text(doubled, "lake.yaml")


def test_a_repeated_column_key_in_a_contract_is_a_contract_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    shutil.copytree(repo_root() / "contracts", project / "contracts")
    shutil.copy(repo_root() / "lake.yaml", project / "lake.yaml")
    contract = project / "contracts" / "silver" / "orders.yaml"
    lines = contract.read_text(encoding="utf-8").splitlines(keepends=True)
    # The first column's first key written again straight after it: YAML alone would keep the copy.
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("- name:"))
    key = lines[at + 1]
    lines.insert(at + 2, key)
    contract.write_text("".join(lines), encoding="utf-8")
    monkeypatch.setenv("LAKE_PROJECT_DIR", str(project))
    with pytest.raises(ContractError, match=rf"contracts/silver/orders\.yaml line {at + 3}, column \d+: "):
        load_contracts()


def test_a_broken_contract_fails_the_next_run_at_its_first_job_stage(
    lake_home: Path, project_copy: Path
) -> None:
    """Not only the first run that brings the table data: the plan reads contract names only, so the
    local pipeline parses every contract and model at its first job stage, with work or without. The
    sources are ingested (and bronze crawled) first: landing does not wait for a contract's fix."""
    from typer.testing import CliRunner

    from jozi_lake.cli import app
    from jozi_lake.demo.generator import GeneratorParams, generate
    from jozi_lake.local.pipeline import recent_runs

    generate(GeneratorParams(days=1, orders_per_day=10, seed=3), lake_home / "source-system")
    contract = project_copy / "contracts" / "silver" / "ratings.yaml"
    contract.write_text(contract.read_text(encoding="utf-8") + "\trules: []\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["run-pipeline"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "contracts/silver/ratings.yaml line" in result.output and "indent with spaces" in result.output
    (run,) = recent_runs(env_config("local"))
    assert run.status == "FAILED" and "ratings.yaml" in str(run.error)
    assert [(s.name, s.status) for s in run.stages] == [
        ("ingest", "SUCCEEDED"),
        ("crawl_bronze", "SUCCEEDED"),
        ("bronze_to_silver", "FAILED"),
    ]
    assert "ratings.yaml" in run.stages[-1].summary
