"""``lake sources``: every source of lake.yaml with where it comes from and how far it has got.

Read from the lake's own bookkeeping (the API watermark state, the drop ledger, the state of the
bronze batch each landed file became), so it shows the same thing locally and on AWS: last watermark
and run, whether a window is open (a failed run to resume), and the landed files by state, rejected
ones included.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from jozi_lake.batches import PENDING, states_of_keys
from jozi_lake.config import LakeConfig
from jozi_lake.contracts_index import silver_tables
from jozi_lake.ingest import bookkeeping as books
from jozi_lake.ingest.drops import LANDED, read_ledger
from jozi_lake.layout import Layout
from jozi_lake.sources import FIXTURE, SourceConfig


@dataclass
class SourceOverview:
    name: str
    kind: str
    location: str  # the API endpoint in this environment, or the landing folder
    auth: str
    pagination: str
    incremental: str
    timezone: str
    watermark: str | None = None
    last_run_id: str | None = None
    last_finished_at: str | None = None
    open_window: str | None = None  # run id of a window a failure left open
    files: dict[str, int] = field(default_factory=dict)  # ledger state -> count
    # Where to put a file for this source (every source takes file drops): a folder path locally,
    # s3://bucket/landing/<source>/ on AWS.
    drop_folder: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def drop_folder(store: Any, layout: Layout, source: str) -> str:
    """The folder a file for ``source`` goes in, spelled out: a path on this machine (the local lake's
    bucket folder), or ``s3://bucket/landing/<source>/``."""
    uri = str(store.uri(layout.landing(source)))
    return uri.removeprefix("file://")


def _location(source: SourceConfig, env: str, layout: Layout) -> str:
    """Where the source's data comes from: its API, or for a files source its landing folder."""
    if not source.is_http:
        return f"files in {layout.landing(source.name)}"
    http = source.require_http()
    base = http.base_url.get(env) or http.base_url.get("default") or f"(no base_url.{env})"
    if base == FIXTURE:
        return f"{FIXTURE} (the demo world's API) {http.path}"
    return base.rstrip("/") + "/" + http.path.lstrip("/") if http.path else base


def list_sources(config: LakeConfig, store: Any, env: str) -> list[SourceOverview]:
    """One overview per source, in lake.yaml order."""
    layout = Layout(config.prefixes)
    overviews = []
    for source in config.sources:
        http = source.http
        overview = SourceOverview(
            name=source.name,
            kind=source.kind,
            location=_location(source, env, layout),
            drop_folder=drop_folder(store, layout, source.name),
            auth=http.auth.type if http else "-",
            pagination=http.pagination.style if http else "-",
            incremental=(http.incremental.field if http and http.incremental else "whole each run")
            if http
            else "-",
            timezone=source.timezone,
        )
        state = books.read_json(store, layout.ingest_state(source.name)) or {}
        overview.watermark = state.get("watermark")
        overview.last_run_id = state.get("last_run_id")
        overview.last_finished_at = state.get("last_finished_at")
        if state.get("in_progress"):
            overview.open_window = state["in_progress"].get("run_id")
        ledger = read_ledger(store, layout, source.name)
        landed = [str(e.get("key")) for e in ledger["files"].values() if e.get("status") == LANDED]
        # A landed file is as far as its bronze batch got (processed, held, failed): one home for that.
        later = states_of_keys(store, source.name, landed) if source.name in silver_tables() else {}
        counts: Counter[str] = Counter()
        for entry in ledger["files"].values():
            status = entry.get("status", "")
            if status == LANDED and later.get(str(entry.get("key"))) not in (None, PENDING):
                status = later[str(entry.get("key"))]
            counts[status] += 1
        overview.files = dict(sorted(counts.items()))
        if not overview.last_run_id and ledger["files"]:
            overview.last_run_id = max(str(e.get("run_id", "")) for e in ledger["files"].values())
        if not overview.last_finished_at:
            # A files source has no ingest state: its last run ended when it last handled a file.
            handled = [
                str(e.get("landed_at") or e.get("rejected_at"))
                for e in ledger["files"].values()
                if e.get("landed_at") or e.get("rejected_at")
            ]
            overview.last_finished_at = max(handled, default=None)
        overviews.append(overview)
    return overviews
