"""Every object key of the lake bucket, built from lake.yaml ``prefixes`` in one place.

Ingestion, the jobs, the crawlers, the reports and the operator verbs all ask this module where
something lives, so moving a prefix is a one-line change in lake.yaml (Terraform's IAM grants read
the same prefixes). The layout, with the default prefixes::

    landing/<source>/<file>                                    file drops, as the source system wrote them
    bronze/<source>/ingest_date=<day>/<run>-<page:05d>.<fmt>.gz   API pages, as received
    bronze/<source>/ingest_date=<day>/<run>-<stem>.<fmt>.gz       file drops, as received
    bronze/_manifests/ingest/<run>.json                          one manifest per ingest run
    bronze/_state/ingest/<source>.json                           API watermark and open window
    bronze/_state/drops/<source>.json                            the drop ledger
    silver/<table>/<partition>=<value>/part-*.parquet            typed, deduplicated rows (event tables)
    silver/<table>/part-*.parquet                                reference tables (not partitioned)
    silver/_state/<table>/processed.json                         bronze files already processed
    silver/_state/changes/<table>/<run>.json                     what each run changed (gold reads)
    silver/_staging/<run>/<table>/                               a run's rebuilt partitions before publish
    silver/_reports/<started>_<job>_<run>.json                   the silver job's run reports
    quarantine/<table>/bronze_batch_id=<batch>/part-*.parquet    rejected rows with reasons
    gold/<table>/..., gold/_reports/                             gold tables (SQL models) and run reports
    quarantine/<gold table>/<partition>=<value>/                 gold rows a quarantine rule set aside
    scripts/<version>/...                                        the deployed Glue code
    glue-temp/, athena-results/, spark-ui/                       scratch, query results, event logs

Names below a prefix that start with ``_`` or ``.`` are bookkeeping, never data: Spark, Athena, the
crawlers and the local engine skip them (:func:`is_data_key`).

Standard library only: the ingest Lambda imports this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

REQUIRED_PREFIXES = (
    "bronze",
    "silver",
    "gold",
    "quarantine",
    "landing",
    "scripts",
    "athena_results",
    "spark_ui",
    "glue_temp",
)
# Below a layer prefix: folders for bookkeeping, hidden from every reader of data.
MANIFESTS = "_manifests"
STATE = "_state"
STAGING = "_staging"
REPORTS = "_reports"


def is_data_key(key: str, prefix: str) -> bool:
    """True for keys readers treat as data: no path part below ``prefix`` starts with ``_`` or ``.``."""
    rest = key[len(prefix) :] if key.startswith(prefix) else key
    return not any(part.startswith(("_", ".")) for part in rest.split("/"))


@dataclass(frozen=True)
class Layout:
    """Key builders over one set of prefixes (each ends in ``/``)."""

    prefixes: Mapping[str, str]

    def __post_init__(self) -> None:
        missing = [name for name in REQUIRED_PREFIXES if name not in self.prefixes]
        if missing:
            from jozi_lake.errors import LakeError

            raise LakeError(
                f"lake.yaml prefixes lack {', '.join(missing)}",
                "add them under prefixes: (each one folder name ending in '/')",
            )

    def prefix(self, name: str) -> str:
        """A top-level prefix by its lake.yaml name (``bronze``, ``athena_results`` ...)."""
        return self.prefixes[name]

    # ------------------------------------------------------------------ landing and bronze
    def landing(self, source: str) -> str:
        return f"{self.prefixes['landing']}{source}/"

    def bronze_table(self, source: str) -> str:
        return f"{self.prefixes['bronze']}{source}/"

    def bronze_page(self, source: str, day: str, run_id: str, page: int, fmt: str = "json") -> str:
        return f"{self.bronze_table(source)}ingest_date={day}/{run_id}-{page:05d}.{fmt}.gz"

    def bronze_drop(self, source: str, day: str, run_id: str, stem: str, fmt: str) -> str:
        return f"{self.bronze_table(source)}ingest_date={day}/{run_id}-{stem}.{fmt}.gz"

    def ingest_manifests(self) -> str:
        return f"{self.prefixes['bronze']}{MANIFESTS}/ingest/"

    def ingest_manifest(self, run_id: str) -> str:
        return f"{self.ingest_manifests()}{run_id}.json"

    def ingest_state(self, source: str) -> str:
        return f"{self.prefixes['bronze']}{STATE}/ingest/{source}.json"

    def drop_state(self, source: str) -> str:
        return f"{self.prefixes['bronze']}{STATE}/drops/{source}.json"

    # ------------------------------------------------------------------ tables of a layer
    def table(self, layer: str, table: str) -> str:
        """``<layer prefix><table>/`` for bronze, silver, gold and quarantine."""
        return f"{self.prefixes[layer]}{table}/"

    def silver_table(self, table: str) -> str:
        return self.table("silver", table)

    def gold_table(self, table: str) -> str:
        return self.table("gold", table)

    def quarantine_table(self, table: str) -> str:
        return self.table("quarantine", table)

    def processed_batches(self, table: str) -> str:
        """The silver job's record of the bronze files of ``table`` it has processed."""
        return f"{self.prefixes['silver']}{STATE}/{table}/processed.json"

    def change_log(self, table: str | None = None, run_id: str | None = None) -> str:
        """The silver change log (all of it, one table's, or one run's entry of one table)."""
        base = f"{self.prefixes['silver']}{STATE}/changes/"
        if table is None:
            return base
        return f"{base}{table}/" if run_id is None else f"{base}{table}/{run_id}.json"

    def staging(self, layer: str, run_id: str | None = None) -> str:
        """Where a job stages a run's output before publishing it (one run at a time)."""
        base = f"{self.prefixes[layer]}{STAGING}/"
        return base if run_id is None else f"{base}{run_id}/"

    def reports(self, layer: str) -> str:
        """Run reports of the job that writes ``layer``."""
        return f"{self.prefixes[layer]}{REPORTS}/"

    def report(self, layer: str, started: str, job: str, run_id: str) -> str:
        return f"{self.reports(layer)}{started}_{job}_{run_id}.json"

    # ------------------------------------------------------------------ code and scratch
    def scripts(self, version: str | None = None) -> str:
        base = self.prefixes["scripts"]
        return base if version is None else f"{base}{version}/"

    def glue_temp(self) -> str:
        return self.prefixes["glue_temp"]

    def athena_results(self) -> str:
        return self.prefixes["athena_results"]

    def spark_ui(self, job: str | None = None) -> str:
        base = self.prefixes["spark_ui"]
        return base if job is None else f"{base}{job}/"


@cache
def _layout_for(items: tuple[tuple[str, str], ...]) -> Layout:
    return Layout(dict(items))


def lake_layout() -> Layout:
    """The layout of the project's lake.yaml."""
    from jozi_lake.config import load_config

    return _layout_for(tuple(sorted(load_config().prefixes.items())))
