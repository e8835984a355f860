"""One ingestion step = the store's API, then file drops: what the Lambda and the local pipeline run.

Both kinds land in bronze with their own run manifest (the drops under ``<run-id>-drops``), and the
orchestrator branches on one summary: new data from either kind means the jobs run.
"""

from __future__ import annotations

from typing import Any

from jozi_lake.ingest.drops import ingest_drops

DROPS_RUN_SUFFIX = "-drops"


def with_drops(store: Any, api_summary: dict[str, Any], sources: list[str]) -> dict[str, Any]:
    """Copy new file drops for ``sources`` after an API run and fold both into one summary.

    The API's summary keeps its shape (``sources`` are the API's); ``drops`` holds the drop run's
    summary; ``new_rows``/``has_new_data``/``status`` cover both. Drops are copied even when the API
    run failed, so one broken source does not hold back spreadsheets that arrived by file.
    """
    run_id = api_summary.get("run_id")
    drops = ingest_drops(store, sources, run_id=f"{run_id}{DROPS_RUN_SUFFIX}" if run_id else None)
    new_rows = int(api_summary.get("new_rows", 0)) + int(drops.get("new_rows", 0))
    combined = {
        **api_summary,
        "api_rows": int(api_summary.get("new_rows", 0)),
        "drop_rows": int(drops.get("new_rows", 0)),
        "new_rows": new_rows,
        "has_new_data": new_rows > 0,
        "drops": drops,
    }
    errors = [s["error"] for s in (api_summary, drops) if s.get("status") != "SUCCEEDED" and s.get("error")]
    if drops.get("status") != "SUCCEEDED" or api_summary.get("status") != "SUCCEEDED":
        combined["status"] = "FAILED"
        combined["error"] = "; ".join(errors) or "see the run manifests"
    return combined
