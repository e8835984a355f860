"""Where ingestion puts things in the lake bucket, and how runs are named.

Layout (see docs/data-model.md and docs/sources.md):

* API pages: ``bronze/<source>/ingest_date=YYYY-MM-DD/<run-id>-<page:05d>.json.gz``
* file drops: ``bronze/<source>/ingest_date=YYYY-MM-DD/<run-id>-<drop stem>.json.gz`` or ``.csv.gz``
* run manifests: ``bronze/_manifests/ingest/<run-id>.json``
* API watermarks: ``bronze/_state/ingest/<source>.json``
* processed drops: ``bronze/_state/drops/<source>.json``

This module must stay importable inside the ingest Lambda: standard library only.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from typing import Any

from jozi_lake.errors import LakeError

BRONZE = "bronze/"
LANDING = "landing/"
MANIFEST_PREFIX = "bronze/_manifests/ingest/"
API_STATE_PREFIX = "bronze/_state/ingest/"
DROP_STATE_PREFIX = "bronze/_state/drops/"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")


def check_run_id(run_id: str) -> str:
    """Run ids become object-name prefixes: letters, digits, ``_.-`` only (a Step Functions name fits)."""
    if not RUN_ID.match(run_id):
        raise LakeError(
            f"run id {run_id!r} is not usable in object names", "use letters, digits, '_', '.', '-'"
        )
    return run_id


def new_run_id(now: dt.datetime | None = None) -> str:
    """``20260601T223000Z-1a2b3c``: sorts by start time, unique enough for concurrent runs."""
    moment = (now or utc_now()).astimezone(dt.UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def ingest_date(now: dt.datetime | None = None) -> str:
    """The ``ingest_date`` partition: the UTC date the batch arrived in the lake."""
    return (now or utc_now()).astimezone(dt.UTC).date().isoformat()


def bronze_page_key(source: str, day: str, run_id: str, page: int) -> str:
    return f"{BRONZE}{source}/ingest_date={day}/{run_id}-{page:05d}.json.gz"


def bronze_drop_key(source: str, day: str, run_id: str, stem: str, fmt: str) -> str:
    return f"{BRONZE}{source}/ingest_date={day}/{run_id}-{stem}.{fmt}.gz"


def manifest_key(run_id: str) -> str:
    return f"{MANIFEST_PREFIX}{run_id}.json"


def api_state_key(source: str) -> str:
    return f"{API_STATE_PREFIX}{source}.json"


def drop_state_key(source: str) -> str:
    return f"{DROP_STATE_PREFIX}{source}.json"


def landing_prefix(source: str) -> str:
    return f"{LANDING}{source}/"


def to_json_bytes(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, indent=1, sort_keys=False) + "\n").encode("utf-8")


def read_json(store: Any, key: str) -> dict[str, Any] | None:
    """A small JSON object from the store, or None when it does not exist."""
    try:
        return json.loads(store.get_bytes(key))
    except KeyError:
        return None


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def finish_manifest(store: Any, key: str, manifest: dict[str, Any], now: dt.datetime | None = None) -> None:
    """Close a run manifest: SUCCEEDED only if every source did, the failures named, written last.

    API runs and file-drop runs end the same way, so the orchestrator reads one shape for both.
    """
    failed = [name for name, result in manifest["sources"].items() if result["status"] != "SUCCEEDED"]
    manifest["status"] = "FAILED" if failed else "SUCCEEDED"
    manifest["finished_at"] = iso(utc_now() if now is None else now)
    if failed:
        manifest["error"] = "; ".join(f"{name}: {manifest['sources'][name]['error']}" for name in failed)
    store.put_bytes(key, to_json_bytes(manifest), "application/json")
