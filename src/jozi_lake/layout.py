"""Every object key of the lake bucket, built from lake.yaml ``prefixes`` in one place.

Ingestion, the jobs, the crawlers, the reports and the operator verbs all ask this module where
something lives, so moving a prefix is a one-line change in lake.yaml (Terraform's IAM grants read
the same prefixes). The layout, with the default prefixes::

    landing/<source>/<file>                                    file drops, as the source system wrote them
    bronze/<source>/ingest_date=<day>/<run>-<page:05d>.<fmt>.gz   API pages, as received
    bronze/<source>/ingest_date=<day>/<run>-<stem>.<fmt>.gz       file drops, as received
    rejected/<source>/<day>/<run>-<sha12>-<file>                 a landed file that could not be read
    rejected/<source>/<day>/<run>-<sha12>-<file>.reason.json     why, with its size, SHA-256, first bytes
    silver/<table>/<partition>=<value>/part-*.parquet            typed, deduplicated rows (event tables)
    silver/<table>/part-*.parquet                                reference tables (not partitioned)
    silver/_state/changes/<table>/<run>.json                     what each run changed (gold reads)
    silver/_staging/<run>/<table>/                               a run's rebuilt partitions before publish
    silver/_reports/<started>_<job>_<run>.json                   the silver job's run reports
    quarantine/<table>/bronze_batch_id=<batch>/part-*.parquet    rejected rows with reasons
    gold/<table>/..., gold/_reports/                             gold tables (SQL models) and run reports
    quarantine/<gold table>/<partition>=<value>/                 gold rows a quarantine rule set aside
    scripts/<version>/...                                        the deployed Glue code
    glue-temp/, athena-results/, spark-ui/                       scratch, query results, event logs
    ops/<table>/run_date=<day>/<job>_<run>.parquet               job-run figures and rule outcomes
    ops/pipeline_stage_runs/run_date=<day>/<run>.json            a pipeline run's stage timings (JSON lines)
    ops/_staging/<table>/<job>_<run>/                            Spark's output before it gets its name
    reports/<name>.html                                          uploaded HTML reports (``lake report``)
    state/manifests/ingest/<run>.json                            one manifest per ingest run
    state/ingest/<source>.json                                   API watermark and open window
    state/drops/<source>.json                                    the drop ledger
    state/processed/<table>.json                                 bronze files the silver job processed
    state/batches/<source>/<batch>.json                          a held bronze batch: why, who, when
    state/replay/<table>.json                                    batches a replay/rebuild re-derives
    state/gold_built/<table>.json                                a gold model's first build is done
    state/layers/<layer>/changed.json, crawled.json              when a layer changed, was crawled
    state/leases/pipeline.json                                   the run lease

The lake's bookkeeping lives under ``state/``, outside every layer, so a layer's lifecycle expiry
(bronze expires after ``bronze_expiry_days``) cannot delete a watermark or a ledger and make the
next run re-ingest from the beginning. Silver's change log stays below ``silver/`` (silver never
expires; gold consumes and deletes it). A lake written before that move is migrated once by
:mod:`jozi_lake.migrate`, which asks :meth:`Layout.migrated_key` where each old key goes.

Names below a prefix that start with ``_`` or ``.`` are bookkeeping, never data: Spark, Athena, the
crawlers and the local engine skip them (:func:`is_data_key`).

Standard library only: the ingest Lambda imports this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    "ops",
    "reports",
    "rejected",
    "state",
)
# The catalogued area of the lake's own operational tables: not a medallion layer (no job reads it),
# but crawled like one into database ``{project}_{env}_ops`` (see :mod:`jozi_lake.ops_tables`).
OPS = "ops"
REASON_SUFFIX = ".reason.json"
# Below a layer prefix: folders for bookkeeping, hidden from every reader of data.
MANIFESTS = "_manifests"
STATE = "_state"
STAGING = "_staging"
REPORTS = "_reports"


def is_drop_name(name: str) -> bool:
    """True for a file name directly under ``landing/<source>/`` that is a drop: no sub-folder, and not a
    hidden or marker file (``.x``, ``_SUCCESS``), which ingestion never lands."""
    return bool(name) and "/" not in name and not name.startswith((".", "_"))


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

    def landing_drop(self, key: str, sources: Iterable[str]) -> tuple[str, str] | None:
        """``(source, file name)`` when ``key`` is a drop of one of ``sources`` (``landing/<source>/<name>``,
        :func:`is_drop_name`), else None: the one rule of what ingestion lands, which the landing trigger
        and ``lake watch`` apply too."""
        landing = self.prefixes["landing"]
        if not key.startswith(landing):
            return None
        source, _, name = key[len(landing) :].partition("/")
        if source not in set(sources) or not is_drop_name(name):
            return None
        return source, name

    def bronze_table(self, source: str) -> str:
        return f"{self.prefixes['bronze']}{source}/"

    def bronze_page(self, source: str, day: str, run_id: str, page: int, fmt: str = "json") -> str:
        """An API page; ``fmt`` is its bronze format (:func:`jozi_lake.sources.bronze_suffix`)."""
        return f"{self.bronze_table(source)}ingest_date={day}/{run_id}-{page:05d}.{fmt}.gz"

    def bronze_drop(self, source: str, day: str, run_id: str, stem: str, fmt: str) -> str:
        """A landed file; ``fmt`` is its bronze format, encoding tag included (``cp1252.csv``)."""
        return f"{self.bronze_table(source)}ingest_date={day}/{run_id}-{stem}.{fmt}.gz"

    def rejected(self, source: str | None = None) -> str:
        """Where unreadable landed files are set aside (all of them, or one source's)."""
        base = self.prefixes["rejected"]
        return base if source is None else f"{base}{source}/"

    def rejected_file(self, source: str, day: str, run_id: str, sha256: str, name: str) -> str:
        """The rejected copy of a landed file; the SHA-256 prefix keeps two versions of a name apart."""
        return f"{self.rejected(source)}{day}/{run_id}-{sha256[:12]}-{name}"

    def rejection_reason(self, rejected_key: str) -> str:
        """The reason record beside a rejected file."""
        return rejected_key + REASON_SUFFIX

    def ingest_manifests(self) -> str:
        return f"{self.prefixes['state']}manifests/ingest/"

    def ingest_manifest(self, run_id: str) -> str:
        return f"{self.ingest_manifests()}{run_id}.json"

    def ingest_state(self, source: str) -> str:
        """The API watermark and open window of a source."""
        return f"{self.prefixes['state']}ingest/{source}.json"

    def drop_state(self, source: str) -> str:
        """The drop ledger of a source (:mod:`jozi_lake.ingest.drops`)."""
        return f"{self.prefixes['state']}drops/{source}.json"

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
        return f"{self.prefixes['state']}processed/{table}.json"

    def batch_holds(self, source: str | None = None) -> str:
        """Where held bronze batches are recorded (all of them, or one source's)."""
        base = f"{self.prefixes['state']}batches/"
        return base if source is None else f"{base}{source}/"

    def batch_hold(self, source: str, batch: str) -> str:
        """The hold record of one bronze batch (:mod:`jozi_lake.batches`); absent: not held."""
        return f"{self.batch_holds(source)}{batch}.json"

    def gold_built(self, table: str | None = None) -> str:
        """The gold job's record that a model's table was built once (all records, or one table's):
        a model without one is new, and its first build covers every partition."""
        base = f"{self.prefixes['state']}gold_built/"
        return base if table is None else f"{base}{table}.json"

    def replay_request(self, table: str) -> str:
        """Batches of ``table`` to re-derive at its next silver run (:mod:`jozi_lake.rederive`)."""
        return f"{self.prefixes['state']}replay/{table}.json"

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

    # ------------------------------------------------------------------ the lake's own state
    def layer_change(self, layer: str) -> str:
        """When ``layer`` last changed (a writer records it; its crawl stage then has work)."""
        return f"{self.prefixes['state']}layers/{layer}/changed.json"

    def layer_crawl(self, layer: str) -> str:
        """When the last local crawl of ``layer`` started (on AWS Glue keeps the crawler's last crawl)."""
        return f"{self.prefixes['state']}layers/{layer}/crawled.json"

    def lease(self, name: str = "pipeline") -> str:
        """The lease that keeps runs of the pipeline from overlapping (:mod:`jozi_lake.lease`)."""
        return f"{self.prefixes['state']}leases/{name}.json"

    # ------------------------------------------------------------------ the layout before state/
    def legacy_bookkeeping(self) -> list[str]:
        """Prefixes where a lake written before ``state/`` kept its bookkeeping (inside the layers)."""
        return [
            f"{self.prefixes['bronze']}{MANIFESTS}/",
            f"{self.prefixes['bronze']}{STATE}/",
            f"{self.prefixes['silver']}{STATE}/",
        ]

    def migrated_key(self, old_key: str) -> str | None:
        """The key an old-layout bookkeeping object moves to; None for anything else (data, the
        change log, which stays below silver/)."""
        bronze, silver = self.prefixes["bronze"], self.prefixes["silver"]
        moves = (
            (f"{bronze}{MANIFESTS}/ingest/", self.ingest_manifests()),
            (f"{bronze}{STATE}/ingest/", f"{self.prefixes['state']}ingest/"),
            (f"{bronze}{STATE}/drops/", f"{self.prefixes['state']}drops/"),
        )
        for old, new in moves:
            if old_key.startswith(old) and old_key.endswith(".json"):
                return new + old_key[len(old) :]
        processed = f"{silver}{STATE}/"
        if old_key.startswith(processed) and old_key.endswith("/processed.json"):
            table = old_key[len(processed) : -len("/processed.json")]
            if table and "/" not in table:
                return self.processed_batches(table)
        return None

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

    # ------------------------------------------------------------------ the lake's own tables
    def ops_table(self, table: str) -> str:
        """``ops/<table>/``: one operational table (job runs, rule outcomes, pipeline stages)."""
        return f"{self.prefixes[OPS]}{table}/"

    def ops_file(self, table: str, run_date: str, name: str) -> str:
        """The one file a run contributes to an ops table: a stable name, so a rerun replaces it."""
        return f"{self.ops_table(table)}run_date={run_date}/{name}"

    def ops_staging(self, table: str, name: str) -> str:
        """Where Spark writes a run's ops rows before the file is given its stable name."""
        return f"{self.prefixes[OPS]}{STAGING}/{table}/{name}/"

    # ------------------------------------------------------------------ reports for people
    def report_upload(self, name: str) -> str:
        """``reports/<name>``: an HTML report put into the lake by ``lake report --upload``."""
        return f"{self.prefixes['reports']}{name}"


@cache
def _layout_for(items: tuple[tuple[str, str], ...]) -> Layout:
    return Layout(dict(items))


def lake_layout() -> Layout:
    """The layout of the project's lake.yaml."""
    from jozi_lake.config import load_config

    return _layout_for(tuple(sorted(load_config().prefixes.items())))
