"""The lake's shared facts, read from the project's ``lake.yaml`` (:mod:`jozi_lake.project`).

Terraform reads the same file with ``yamldecode``; this module is the Python side, so a bucket name,
table list, job list or schedule is written once. Names Python needs for the local lake (bucket folder,
catalog databases, local paths) are computed here; on AWS the deployed names are Terraform's, read
from its outputs (:mod:`jozi_lake.aws.outputs`).

The file travels with the code: the Glue bundle carries ``lake.yaml`` and the Lambda zip a JSON copy
(no PyYAML in the Lambda runtime), so jobs and functions read the same facts as the laptop instead of
receiving copies of them as arguments.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from jozi_lake import project
from jozi_lake.errors import LakeError
from jozi_lake.sources import SourceConfig, parse_sources

LAKE_HOME_ENV_VAR = "LAKE_HOME"
LOCAL_ENV = "local"
# quarantine/ is crawled on its own (a crawl stage of the pipeline, its own crawler on AWS) into the database
# of the layer whose job rejects the rows, as quarantine_<table>, so rejects sit next to the table they were
# rejected from. The same convention is modules/glue's `crawl_targets`.
QUARANTINE = "quarantine"
QUARANTINE_DATABASE_LAYER = "silver"
QUARANTINE_TABLE_PREFIX = "quarantine_"


class ConfigError(LakeError):
    """The configuration is missing or inconsistent; the message says what to fix."""


def repo_root() -> Path:
    """The checkout this package runs from (Terraform environments, build outputs), else the cwd."""
    return project._checkout() or Path.cwd()


def terraform_requirement() -> str:
    """The Terraform version the modules require (``modules/versions.tf``, their one version file), for hints.

    Read rather than repeated, so a hint never asks for a version the configuration does not need.
    """
    versions = repo_root() / "modules" / "versions.tf"
    try:
        found = re.search(r'required_version\s*=\s*"([^"]+)"', versions.read_text(encoding="utf-8"))
    except OSError:
        found = None
    return found.group(1) if found else "(the version modules/versions.tf requires)"


@dataclass(frozen=True)
class StageConfig:
    """One step of the pipeline; ``kind`` is ingest | crawl | job | summary.

    A crawl stage's ``layer`` is a crawl target: a layer, or ``quarantine``.
    """

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
    def name_prefix(self) -> str:
        """``{project}-{env}``: how every AWS resource name of the environment starts (modules/lake's)."""
        return f"{self.project}-{self.name}"

    @property
    def bucket(self) -> str:
        """``{project}-{env}-lake``: the lake bucket on AWS, a folder of the same name locally."""
        return f"{self.name_prefix}-lake"

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
        return (project.project_dir() / self.settings.get("lake_home", "lake")).resolve()

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
    def catalogued_areas(self) -> list[str]:
        """The layers plus the ops area: each is one catalog database (``{project}_{env}_{area}``)
        crawled from its own prefix, so the lake's operational tables are queried like any other."""
        from jozi_lake.layout import OPS

        return [*self.layers, OPS]

    @property
    def prefixes(self) -> dict[str, str]:
        return dict(self.raw["prefixes"])

    @property
    def crawl_targets(self) -> list[str]:
        """What a crawl stage (and ``lake crawl``) can name: every layer, ``quarantine`` and ``ops``."""
        from jozi_lake.layout import OPS

        return [*self.layers, QUARANTINE, OPS]

    def catalog_layer(self, target: str) -> str:
        """The layer whose database a crawl target is catalogued in (quarantine: silver's)."""
        if target == QUARANTINE:
            return QUARANTINE_DATABASE_LAYER
        if target not in self.catalogued_areas:
            choices = ", ".join(self.crawl_targets)
            raise ConfigError(f"unknown crawl target {target!r}; choose one of: {choices}")
        return target

    def table_prefix(self, target: str) -> str:
        """The prefix of the table names a crawl target creates (quarantine: ``quarantine_``)."""
        return QUARANTINE_TABLE_PREFIX if target == QUARANTINE else ""

    @property
    def environments(self) -> list[str]:
        return list(self.raw["environments"])

    @cached_property
    def _sources(self) -> dict[str, SourceConfig]:
        return parse_sources(self.raw)

    @property
    def sources(self) -> list[SourceConfig]:
        """The ``sources:`` of lake.yaml, resolved and validated (:mod:`jozi_lake.sources`)."""
        return list(self._sources.values())

    @property
    def source_names(self) -> list[str]:
        return list(self._sources)

    def source(self, name: str) -> SourceConfig:
        """One source by name; an unknown name is an error listing the known ones."""
        if name not in self._sources:
            raise ConfigError(
                f"unknown source {name!r}",
                f"choose one of: {', '.join(self._sources) or '(none in lake.yaml)'}",
            )
        return self._sources[name]

    def find_source(self, name: str) -> SourceConfig | None:
        """The source of a bronze/silver table name, or None when lake.yaml declares no such source."""
        return self._sources.get(name)

    @property
    def jobs(self) -> dict[str, dict[str, Any]]:
        return dict(self.raw["jobs"])

    @property
    def job_arguments(self) -> list[str]:
        return list(self.raw["job_arguments"])

    @property
    def optional_job_arguments(self) -> list[str]:
        """Job arguments only a deployed job has (Terraform's default arguments), absent locally."""
        return list(self.raw.get("optional_job_arguments") or [])

    @property
    def pipeline(self) -> list[StageConfig]:
        return [StageConfig(**s) for s in self.raw["pipeline"]]

    @property
    def quality_metrics_namespace(self) -> str | None:
        """CloudWatch namespace of the silver job's quality metrics (the alarms watch it)."""
        return (self.raw.get("quality_metrics") or {}).get("namespace")

    @property
    def schedule(self) -> dict[str, str]:
        return dict(self.raw["schedule"])

    def env(self, name: str = LOCAL_ENV) -> EnvConfig:
        envs = self.raw["environments"]
        if name not in envs:
            raise ConfigError(f"unknown environment {name!r}; choose one of: {', '.join(envs)}")
        return EnvConfig(name=name, project=self.project, region=self.region, settings=dict(envs[name] or {}))


# The sections of lake.yaml, and the keys of those whose keys are fixed. A key outside them would be
# ignored: a source appended at the end of the file lands under the last section (schedule:) and is
# then simply never seen, so both are refused when the file is read.
SECTIONS: dict[str, tuple[str, ...] | None] = {
    "project": None,
    "cost_center": None,
    "region": None,
    "source_timezone": None,
    "layers": None,
    "prefixes": None,
    "analyst_access": ("read_silver",),
    "environments": None,
    "source_templates": None,
    "sources": None,
    "jobs": None,
    "job_arguments": None,
    "optional_job_arguments": None,
    "pipeline": None,
    "quality_metrics": ("namespace",),
    "schedule": ("expression", "timezone"),
}


def _check_sections(raw: dict[str, Any], where: str) -> None:
    """Refuse a top-level key lake.yaml does not have, or a key of a fixed section it does not take."""
    import difflib

    for key in raw:
        if key not in SECTIONS:
            close = difflib.get_close_matches(str(key), list(SECTIONS), n=1)
            raise ConfigError(
                f"{where}: unknown top-level key {key!r}",
                (f"did you mean {close[0]}? " if close else "")
                + f"lake.yaml's sections are: {', '.join(SECTIONS)}",
            )
    for section, allowed in SECTIONS.items():
        value = raw.get(section)
        if allowed is None or not isinstance(value, dict):
            continue
        unknown = [k for k in value if k not in allowed]
        if unknown:
            sourcelike = [str(k) for k in unknown if isinstance(value[k], dict)]
            raise ConfigError(
                f"{where}: {section}: takes {', '.join(allowed)}, not {', '.join(map(str, unknown))}",
                (
                    f"{sourcelike[0]} looks like a source: move it under sources: (indented like the "
                    "others there); a block appended at the end of the file lands in its last section"
                    if sourcelike
                    else f"remove or correct it; {section}: has only {', '.join(allowed)}"
                ),
            )


def parse_config_text(text: str, where: str) -> LakeConfig:
    """A :class:`LakeConfig` from the text of ``lake.yaml`` (or its JSON copy)."""
    if where.endswith(".json"):
        raw = json.loads(text)
    else:
        from jozi_lake.yaml_text import load_yaml  # PyYAML: not in the Lambda, which reads the JSON copy

        raw = load_yaml(text, where, ConfigError)
    if not isinstance(raw, dict) or "project" not in raw:
        raise ConfigError(f"{where} is not a lake configuration (no 'project' key)")
    _check_sections(raw, where)
    config = LakeConfig(raw=raw)
    config.sources  # noqa: B018 - a broken source definition fails on reading lake.yaml, not mid-run
    return config


@lru_cache(maxsize=8)
def _load(where: str, _version: project.FileVersion) -> LakeConfig:
    node = project.config_file()
    return parse_config_text(node.read_text(encoding="utf-8"), where)


def load_config() -> LakeConfig:
    """The parsed ``lake.yaml`` of the project (parsed again only when the file changed)."""
    node = project.config_file()
    return _load(str(node), project.files_version(node.name))


def env_config(name: str = LOCAL_ENV) -> EnvConfig:
    return load_config().env(name)
