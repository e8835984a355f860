from __future__ import annotations

from pathlib import Path

import pytest

from jozi_lake.config import ConfigError, load_config


def test_names_derive_from_one_place(lake_home: Path) -> None:
    cfg = load_config()
    dev = cfg.env("dev")
    assert dev.bucket == f"{cfg.project}-dev-lake"
    assert dev.database("silver") == f"{cfg.project}_dev_silver".replace("-", "_")
    assert dev.lake_root_uri == f"s3://{dev.bucket}"
    local = cfg.env("local")
    assert local.lake_home == lake_home.resolve()
    assert local.lake_root_uri.startswith("file://") and local.lake_root_uri.endswith(local.bucket)


def test_unknown_environment_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="unknown environment 'staging'"):
        load_config().env("staging")


def test_pipeline_stages_reference_known_jobs_and_layers() -> None:
    cfg = load_config()
    for stage in cfg.pipeline:
        assert stage.kind in {"ingest", "crawl", "job", "summary"}
        if stage.kind == "job":
            assert stage.job in cfg.jobs
        if stage.kind == "crawl":
            assert stage.layer in cfg.crawl_targets


def test_a_long_lived_process_reads_a_changed_project_file_again(project_copy: Path) -> None:
    """`lake watch`, a notebook, a test writing a drafted contract: the parsed lake.yaml, contracts and
    gold models are cached, but keyed on the files' fingerprint, so an edit is read on the next load."""
    from jozi_lake.contracts import load_contracts
    from jozi_lake.lineage import load_models

    first = load_config()
    assert load_config() is first  # unchanged: the cached parse
    text = (project_copy / "lake.yaml").read_text(encoding="utf-8")
    (project_copy / "lake.yaml").write_text(text.replace("\nsources:\n", "\n# edited\nsources:\n", 1))
    assert load_config() is not first

    contracts = load_contracts()
    assert load_contracts() is contracts and "ratings_copy" not in contracts.silver
    ratings = (project_copy / "contracts" / "silver" / "ratings.yaml").read_text(encoding="utf-8")
    copy = project_copy / "contracts" / "silver" / "ratings_copy.yaml"
    copy.write_text(ratings.replace("table: ratings", "table: ratings_copy", 1), encoding="utf-8")
    assert "ratings_copy" in load_contracts().silver

    models = load_models()
    sql = project_copy / "sql" / "gold" / "driver_performance.sql"
    sql.write_text(sql.read_text(encoding="utf-8") + "\n-- edited\n", encoding="utf-8")
    assert load_models() is not models and load_models()["driver_performance"].sql.endswith("-- edited\n")


def test_a_source_appended_under_the_last_section_or_a_misspelt_section_is_refused() -> None:
    """YAML would keep either without a word, and the source would never be seen (nor its data)."""
    from jozi_lake.config import parse_config_text
    from jozi_lake.project import config_file

    text = config_file().read_text(encoding="utf-8")
    assert text.rstrip().splitlines()[-1].startswith("  timezone:"), "schedule: is no longer the last section"
    appended = text + "  widgets:\n    kind: http\n    base_url: http://127.0.0.1:8799\n"
    with pytest.raises(ConfigError) as caught:
        parse_config_text(appended, "lake.yaml")
    assert caught.value.message == "lake.yaml: schedule: takes expression, timezone, not widgets"
    assert (
        caught.value.hint is not None
        and "widgets looks like a source: move it under sources:" in caught.value.hint
    )
    with pytest.raises(ConfigError, match=r"unknown top-level key 'source'") as misspelt:
        parse_config_text(text.replace("\nsources:\n", "\nsource:\n"), "lake.yaml")
    assert misspelt.value.hint is not None and misspelt.value.hint.startswith("did you mean sources?")
    assert parse_config_text(text, "lake.yaml").project == load_config().project
