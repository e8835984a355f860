"""The lake's shared facts, read from ``lake.yaml`` at the repository root.

Terraform reads the same file with ``yamldecode``; this module is the Python side, so a bucket name,
table list, job list or schedule is written once. Names derived from those facts (bucket, Glue
databases, local paths) are computed here and nowhere else.

Code that runs on AWS Glue or Lambda does not read this file: it receives what it needs as job
arguments or environment variables, which Terraform fills from the same ``lake.yaml``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

CONFIG_ENV_VAR = "JOZI_LAKE_CONFIG"
LAKE_HOME_ENV_VAR = "LAKE_HOME"
LOCAL_ENV = "local"


class ConfigError(RuntimeError):
    """The configuration is missing or inconsistent; the message says what to fix."""


def repo_root() -> Path:
    """The checkout this package was installed from (editable install) or the current directory."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "lake.yaml").is_file():
            return parent
    return Path.cwd()


def config_path() -> Path:
    override = os.environ.get(CONFIG_ENV_VAR)
    path = Path(override) if override else repo_root() / "lake.yaml"
    if not path.is_file():
        raise ConfigError(
            f"lake configuration not found at {path}; run from the repository or set {CONFIG_ENV_VAR}"
        )
    return path


@dataclass(frozen=True)
class SourceConfig:
    name: str
    endpoint: str


@dataclass(frozen=True)
class StageConfig:
    """One step of the pipeline; ``kind`` is ingest | crawl | job | summary."""

    name: str
    kind: str
    layer: str | None = None
    job: str | None = None


@dataclass(frozen=True)
class EnvConfig:
    """Everything environment-specific that both the local and the AWS side need."""

    name: str
    project: str
    region: str
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def is_local(self) -> bool:
        return self.name == LOCAL_ENV

    @property
    def bucket(self) -> str:
        """``{project}-{env}-lake``: the lake bucket on AWS, a folder of the same name locally."""
        return f"{self.project}-{self.name}-lake"

    def database(self, layer: str) -> str:
        """Glue/Athena database of a layer, e.g. ``jozi_pizza_dev_silver`` (no dashes allowed there)."""
        return f"{self.project}_{self.name}_{layer}".replace("-", "_")

    @property
    def lake_home(self) -> Path:
        """Local only: the folder holding the bucket folder, the local catalog and the source system."""
        if not self.is_local:
            raise ConfigError(f"environment {self.name!r} has no local lake home")
        override = os.environ.get(LAKE_HOME_ENV_VAR)
        if override:
            return Path(override).resolve()
        return (repo_root() / self.settings.get("lake_home", "lake")).resolve()

    @property
    def local_s3_root(self) -> Path:
        """The directory that stands in for S3: ``<lake_home>/s3/<bucket>/<key>``."""
        return self.lake_home / "s3"

    @property
    def local_catalog_dir(self) -> Path:
        return self.lake_home / "glue-catalog"

    @property
    def local_source_dir(self) -> Path:
        """Where the generator writes the store's operational data that the local API serves."""
        return self.lake_home / "source-system"

    @property
    def lake_root_uri(self) -> str:
        """The ``--lake_root`` job argument: ``s3://bucket`` on AWS, ``file:///.../bucket`` locally."""
        if self.is_local:
            return "file://" + (self.local_s3_root / self.bucket).as_posix()  # raw, like s3:// URIs
        return f"s3://{self.bucket}"


@dataclass(frozen=True)
class LakeConfig:
    raw: dict[str, Any]

    @property
    def project(self) -> str:
        return str(self.raw["project"])

    @property
    def region(self) -> str:
        return str(self.raw["region"])

    @property
    def source_timezone(self) -> str:
        return str(self.raw["source_timezone"])

    @property
    def layers(self) -> list[str]:
        return list(self.raw["layers"])

    @property
    def prefixes(self) -> dict[str, str]:
        return dict(self.raw["prefixes"])

    @property
    def environments(self) -> list[str]:
        return list(self.raw["environments"])

    @property
    def sources(self) -> list[SourceConfig]:
        return [SourceConfig(**s) for s in self.raw["source_api"]["sources"]]

    @property
    def source_names(self) -> list[str]:
        return [s.name for s in self.sources]

    @property
    def source_api(self) -> dict[str, Any]:
        return dict(self.raw["source_api"])

    @property
    def jobs(self) -> dict[str, dict[str, Any]]:
        return dict(self.raw["jobs"])

    @property
    def job_arguments(self) -> list[str]:
        return list(self.raw["job_arguments"])

    @property
    def pipeline(self) -> list[StageConfig]:
        return [StageConfig(**s) for s in self.raw["pipeline"]]

    @property
    def schedule(self) -> dict[str, str]:
        return dict(self.raw["schedule"])

    def env(self, name: str = LOCAL_ENV) -> EnvConfig:
        envs = self.raw["environments"]
        if name not in envs:
            raise ConfigError(f"unknown environment {name!r}; choose one of: {', '.join(envs)}")
        return EnvConfig(name=name, project=self.project, region=self.region, settings=dict(envs[name] or {}))


@cache
def _load(path: str) -> LakeConfig:
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    if not isinstance(raw, dict) or "project" not in raw:
        raise ConfigError(f"{path} is not a lake configuration (no 'project' key)")
    return LakeConfig(raw=raw)


def load_config() -> LakeConfig:
    """The parsed ``lake.yaml`` (cached per path)."""
    return _load(str(config_path()))


def env_config(name: str = LOCAL_ENV) -> EnvConfig:
    return load_config().env(name)
