"""Ingestion bookkeeping: run manifests, state documents and the ingest date of a batch.

Where these objects live is :mod:`jozi_lake.layout`'s business; this module only reads and writes them.
Standard library only: the ingest Lambda imports it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from jozi_lake.ids import utc_now


def ingest_date(now: dt.datetime | None = None) -> str:
    """The ``ingest_date`` partition: the UTC date the batch arrived in the lake."""
    return (now or utc_now()).astimezone(dt.UTC).date().isoformat()


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
