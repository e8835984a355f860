"""The demo's data step: generate the store's data once, reuse it when nothing changed.

``make demo`` must be cheap the second time: if the source-system folder already holds data made
with the same parameters (the generator's manifest records them), nothing is regenerated, the
ingestion watermark finds no new rows, and the pipeline skips straight to the answers.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

from rich.console import Console

from jozi_lake.config import EnvConfig
from jozi_lake.errors import LakeError


def ensure_source_data(
    env: EnvConfig,
    *,
    start: str,
    days: int,
    orders_per_day: int,
    seed: int,
    console: Console,
) -> dict[str, Any]:
    """Return the generator manifest for these parameters, generating the data only if needed."""
    from jozi_lake.demo.generator import MANIFEST_NAME, GeneratorParams, generate

    try:
        start_date = dt.date.fromisoformat(start)
    except ValueError:
        raise LakeError(f"--start {start!r} is not a date", "use YYYY-MM-DD, e.g. 2026-06-01") from None
    params = GeneratorParams(start=start_date, days=days, orders_per_day=orders_per_day, seed=seed)
    out_dir = env.local_source_dir
    manifest_path = out_dir / MANIFEST_NAME
    if manifest_path.is_file():
        existing = json.loads(manifest_path.read_text(encoding="utf-8"))
        if existing.get("params") == params.as_dict():
            console.print(f"[dim]Store data for {days} days already generated in {out_dir}; reusing it.[/]")
            return existing
        console.print("[yellow]Store data exists with other parameters; regenerating.[/]")
    began = time.perf_counter()
    with console.status(f"Generating {days} days × ~{orders_per_day} orders/day of store data …"):
        manifest = generate(params, out_dir)
    records = sum(s["records"] for s in manifest["sources"].values())
    console.print(
        f"  [green]✓[/] generated {records:,} records across {len(manifest['sources'])} sources "
        f"in {time.perf_counter() - began:.1f} s → {out_dir}",
        highlight=False,
    )
    return manifest
