"""Turn one benchmark run's results into the JSON record, the Markdown summary and the terminal tables.

The JSON file is the full record (every stage, every measurement, the machine); the Markdown file is
what a reviewer reads and what ``docs/performance.md`` quotes. Both are produced from the same dict so
they cannot disagree.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

# Cost per row may wobble by timer noise; within this band it counts as flat.
FLAT_TOLERANCE = 0.10


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _human_bytes(n: int | None) -> str:
    if n is None:
        return "-"
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{n} B"


def scaling_verdict(scale_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Does the Spark cost per order fall or stay flat as the size grows? (excludes the fixed start-up)."""
    points = sorted(
        (r["orders"], r["spark_us_per_order"]) for r in scale_rows if r.get("spark_us_per_order") is not None
    )
    if len(points) < 2:
        return {"holds": None, "text": "needs at least two sizes to judge how cost per order scales"}
    worst = 0.0
    for (_, smaller), (_, larger) in itertools.pairwise(points):
        worst = max(worst, larger / smaller - 1.0)
    holds = worst <= FLAT_TOLERANCE
    steps = " -> ".join(f"{us:,.1f} µs ({orders:,} orders)" for orders, us in points)
    if holds:
        text = f"cost per order falls or stays flat (within {FLAT_TOLERANCE:.0%}): {steps}"
    else:
        text = f"cost per order RISES by up to {worst:.0%} between sizes: {steps}"
    return {"holds": holds, "worst_increase": round(worst, 3), "text": text}


def scale_table(scale_rows: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    header = [
        "orders",
        "days x orders/day",
        "bronze records",
        "stage",
        "wall s",
        "rows/s",
        "peak RSS MiB",
    ]
    rows: list[list[str]] = []
    for r in scale_rows:
        first = True
        for stage in r["stages"]:
            rows.append(
                [
                    _fmt(r["orders"]) if first else "",
                    f"{r['days']} x {r['orders_per_day']}" if first else "",
                    _fmt(r.get("bronze_records")) if first else "",
                    stage["name"],
                    _fmt(stage["wall_s"], 2),
                    _fmt(stage.get("rows_per_s"), 0),
                    _fmt(stage.get("peak_rss_mb"), 0),
                ]
            )
            first = False
    return header, rows


def summary_table(scale_rows: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    header = [
        "orders",
        "Spark start-up s",
        "Spark bronze->gold s",
        "µs/order (Spark)",
        "DuckDB reference s",
        "Spark/DuckDB",
        "peak RSS MiB",
    ]
    rows = [
        [
            _fmt(r["orders"]),
            _fmt(r.get("spark_startup_s"), 2),
            _fmt(r.get("spark_transform_s"), 2),
            _fmt(r.get("spark_us_per_order"), 1),
            _fmt(r.get("duckdb_s"), 2),
            _fmt(r.get("spark_duckdb_ratio"), 2),
            _fmt(r.get("peak_rss_mb"), 0),
        ]
        for r in scale_rows
    ]
    return header, rows


def incremental_table(result: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    header = ["history days", "orders/day", "new-day records", "ingest s", "silver s", "gold s", "total s"]
    rows = []
    for r in result.get("runs", []):
        stages = {s["name"]: s for s in r["stages"]}
        rows.append(
            [
                _fmt(r["history_days"]),
                _fmt(r["orders_per_day"]),
                _fmt(r.get("new_day_records")),
                _fmt(stages.get("land_new_day", {}).get("wall_s"), 2),
                _fmt(stages.get("bronze_to_silver", {}).get("wall_s"), 2),
                _fmt(stages.get("silver_to_gold", {}).get("wall_s"), 2),
                _fmt(r.get("new_day_total_s"), 2),
            ]
        )
    return header, rows


def query_table(result: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    header = [
        "query",
        "lake bytes read",
        "files read/total",
        "files pruned",
        "raw bronze bytes",
        "bronze/lake",
        "s",
    ]
    rows = []
    for q in result.get("queries", []):
        rows.append(
            [
                q["query"],
                _human_bytes(q.get("bytes_read")),
                f"{_fmt(q.get('files_read'))}/{_fmt(q.get('files_total'))}",
                _fmt(q.get("files_pruned")),
                _human_bytes(q.get("raw_bronze_bytes")),
                _fmt(q.get("bronze_to_lake_ratio"), 1),
                _fmt(q.get("wall_s"), 3),
            ]
        )
    return header, rows


def _markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(results: dict[str, Any]) -> str:
    """The human summary of one run (``benchmarks/results/latest.md``)."""
    machine = results.get("machine", {})
    out = [
        f"# Benchmark {results.get('label', '')} — {results.get('started_at', '')}",
        "",
        f"Machine: {machine.get('nproc')} CPUs ({machine.get('cpu_model')}), "
        f"{machine.get('memory_gib')} GiB, "
        f"Java {machine.get('java')}, Python {machine.get('python')}, PySpark {machine.get('pyspark')}, "
        f"DuckDB {machine.get('duckdb')}; load average at start/end "
        f"{machine.get('loadavg_at_start')} / {machine.get('loadavg_at_end')}.",
        f"Command: `{results.get('command', '')}`; total wall time {_fmt(results.get('total_wall_s'), 0)} s.",
    ]
    if results.get("spark_conf_overrides"):
        conf = ", ".join(f"`{k}={v}`" for k, v in results["spark_conf_overrides"].items())
        out.append(f"Spark conf overrides: {conf}.")
    scale = results.get("scale", [])
    if scale:
        out += ["", "## Scale: bronze → silver → gold", "", _markdown_table(*summary_table(scale)), ""]
        out += [f"**Verdict:** {results.get('scale_verdict', {}).get('text', '-')}", ""]
        out += ["Per stage:", "", _markdown_table(*scale_table(scale))]
    hotspots = [r for r in scale if r.get("spark_hotspots")]
    if hotspots:
        largest = hotspots[-1]
        totals = largest["spark_hotspots"]["totals"]
        out += [
            "",
            f"Spark call sites by job time at {_fmt(largest['orders'])} orders "
            f"({_fmt(int(totals['jobs']))} jobs, {_fmt(totals['job_seconds'], 1)} job-seconds):",
            "",
            _markdown_table(
                ["call site", "jobs", "tasks", "job s"],
                [
                    [c["call_site"], _fmt(c["jobs"]), _fmt(c["tasks"]), _fmt(c["total_s"], 1)]
                    for c in largest["spark_hotspots"]["top"]
                ],
            ),
        ]
    inc = results.get("incremental") or {}
    if inc.get("runs"):
        out += [
            "",
            "## Incremental: one new day on top of history",
            "",
            _markdown_table(*incremental_table(inc)),
        ]
        out += ["", f"**Ratio** (longest / shortest history): {_fmt(inc.get('ratio'), 2)}"]
    queries = results.get("query_cost") or {}
    if queries.get("queries"):
        out += [
            "",
            f"## Query cost ({_fmt(queries.get('orders'))} orders)",
            "",
            _markdown_table(*query_table(queries)),
        ]
        if queries.get("note"):
            out += ["", queries["note"]]
    errors = results.get("errors") or []
    if errors:
        out += ["", "## Errors", ""] + [f"- {e}" for e in errors]
    return "\n".join(out) + "\n"


def print_tables(results: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()

    def show(title: str, header: list[str], rows: list[list[str]]) -> None:
        table = Table(title=title, title_justify="left")
        for name in header:
            table.add_column(name, justify="left" if name in ("stage", "query") else "right")
        for row in rows:
            table.add_row(*row)
        console.print(table)

    scale = results.get("scale", [])
    if scale:
        show("Scale: Spark vs DuckDB reference", *summary_table(scale))
        show("Scale: per stage", *scale_table(scale))
        console.print(results.get("scale_verdict", {}).get("text", ""))
    inc = results.get("incremental") or {}
    if inc.get("runs"):
        show("Incremental: one new day", *incremental_table(inc))
        console.print(f"incremental ratio (longest / shortest history): {_fmt(inc.get('ratio'), 2)}")
    queries = results.get("query_cost") or {}
    if queries.get("queries"):
        show("Query cost", *query_table(queries))
    for err in results.get("errors") or []:
        console.print(f"[bold red]error:[/] {err}")


def write_results(results: dict[str, Any], results_dir: Path, stamp: str) -> tuple[Path, Path]:
    """``<stamp>.json`` (full record) and ``latest.md`` (summary) under ``results_dir``."""
    results_dir.mkdir(parents=True, exist_ok=True)
    json_path = results_dir / f"{stamp}.json"
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    md_path = results_dir / "latest.md"
    md_path.write_text(render_markdown(results), encoding="utf-8")
    return json_path, md_path
