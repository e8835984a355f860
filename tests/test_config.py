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
