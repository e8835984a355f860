"""``make bench``: run every scenario, each in its own worker process, and write the results.

Usage::

    python benchmarks/run.py [--sizes 10000,100000,1000000] [--histories 30,180]
        [--incremental-orders-per-day 100] [--skip scale|incremental] [--label baseline]
        [--spark-conf key=value ...] [--results-dir benchmarks/results] [--workdir benchmarks/work]

Scratch lakes live under ``benchmarks/work/`` (git-ignored); results go to
``benchmarks/results/<timestamp>.json`` and ``benchmarks/results/latest.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from jozi_bench.machine import describe_machine
from jozi_bench.report import print_tables, scaling_verdict, write_results
from jozi_lake.config import repo_root
from jozi_lake.errors import LakeError

DEFAULT_SIZES = "10000,100000,1000000"
console = Console()


def _int_list(text: str, what: str) -> list[int]:
    try:
        values = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise LakeError(f"{what} must be comma-separated whole numbers, got {text!r}") from None
    if not values or any(v <= 0 for v in values):
        raise LakeError(f"{what} must be positive whole numbers, got {text!r}")
    return values


def _conf_pairs(pairs: list[str]) -> dict[str, str]:
    conf: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.startswith("spark."):
            raise LakeError(f"--spark-conf expects spark.key=value, got {pair!r}")
        conf[key] = value
    return conf


def parse_args(argv: list[str]) -> argparse.Namespace:
    root = repo_root()
    parser = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default=os.environ.get("SIZES") or DEFAULT_SIZES, help="orders per scale run"
    )
    parser.add_argument(
        "--histories", default="30,180", help="days of history before the new incremental day"
    )
    parser.add_argument("--incremental-orders-per-day", type=int, default=100)
    parser.add_argument("--skip", action="append", default=[], choices=["scale", "incremental", "query"])
    parser.add_argument("--label", default="run", help="a name for this run, e.g. baseline or tuned")
    parser.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--results-dir", type=Path, default=root / "benchmarks" / "results")
    parser.add_argument("--workdir", type=Path, default=root / "benchmarks" / "work")
    parser.add_argument(
        "--event-log", action="store_true", help="record Spark event logs and rank call sites by job time"
    )
    parser.add_argument("--keep-work", action="store_true", help="keep the scratch lakes for inspection")
    return parser.parse_args(argv)


def run_worker(spec: dict[str, Any], label: str) -> dict[str, Any]:
    """Run one scenario in a fresh Python process (fresh JVM) and return its result or raise."""
    with tempfile.TemporaryDirectory(prefix="jozi-bench-") as tmp:
        spec_path, out_path = Path(tmp) / "spec.json", Path(tmp) / "out.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        console.print(f"[bold]→ {label}[/]")
        started = time.perf_counter()
        # A fixed local IP keeps Spark from warning about the hostname on every start.
        child_env = {**os.environ, "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1")}
        proc = subprocess.run(
            [sys.executable, "-m", "jozi_bench.worker", str(spec_path), str(out_path)],
            check=False,
            env=child_env,
        )
        elapsed = time.perf_counter() - started
        if not out_path.exists():
            raise LakeError(f"{label}: worker exited with code {proc.returncode} and wrote no result")
        payload = json.loads(out_path.read_text(encoding="utf-8"))
    if not payload.get("ok"):
        if payload.get("traceback"):
            console.print(payload["traceback"], highlight=False)
        raise LakeError(f"{label}: {payload.get('error')}")
    console.print(f"  done in {elapsed:,.1f} s")
    return payload["result"]


def run(argv: list[str]) -> dict[str, Any]:
    args = parse_args(argv)
    sizes = sorted(_int_list(args.sizes, "--sizes"))
    histories = _int_list(args.histories, "--histories")
    spark_conf = _conf_pairs(args.spark_conf)
    started_at = datetime.now(UTC)
    results: dict[str, Any] = {
        "label": args.label,
        "started_at": started_at.isoformat(timespec="seconds"),
        "command": "python benchmarks/run.py " + " ".join(shlex.quote(a) for a in argv),
        "machine": describe_machine(),
        "spark_conf_overrides": spark_conf,
        "scale": [],
        "incremental": {},
        "query_cost": {},
        "errors": [],
    }
    wall = time.perf_counter()
    args.workdir.mkdir(parents=True, exist_ok=True)
    common = {
        "workdir": str(args.workdir),
        "seed": args.seed,
        "spark_conf": spark_conf,
        "event_log": args.event_log,
    }

    if "scale" not in args.skip:
        for size in sizes:
            spec = {**common, "scenario": "scale", "orders": size}
            spec["query_cost"] = "query" not in args.skip and size == sizes[-1]
            try:
                row = run_worker(spec, f"scale: {size:,} orders")
            except LakeError as err:
                results["errors"].append(str(err))
                continue
            if "query_cost" in row:
                results["query_cost"] = row.pop("query_cost")
            results["scale"].append(row)
        results["scale_verdict"] = scaling_verdict(results["scale"])

    if "incremental" not in args.skip:
        # One worker (fresh JVM) per history: a shared JVM would make the second run look faster
        # because it is warmer, which is exactly what the ratio must not measure.
        runs: list[dict[str, Any]] = []
        for history in histories:
            spec = {
                **common,
                "scenario": "incremental",
                "histories": [history],
                "orders_per_day": args.incremental_orders_per_day,
            }
            try:
                part = run_worker(spec, f"incremental: one new day after {history} days")
            except LakeError as err:
                results["errors"].append(str(err))
                continue
            startup = (part.get("spark_startup") or {}).get("wall_s")
            runs.extend({**run, "spark_startup_s": startup} for run in part["runs"])
        ratio = None
        if len(runs) >= 2 and runs[0]["new_day_total_s"]:
            ratio = runs[-1]["new_day_total_s"] / runs[0]["new_day_total_s"]
        results["incremental"] = {
            "runs": runs,
            "ratio": ratio,
            "isolation": "one worker (fresh JVM) per history",
        }

    results["total_wall_s"] = round(time.perf_counter() - wall, 1)
    results["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ") + (f"-{args.label}" if args.label != "run" else "")
    json_path, md_path = write_results(results, args.results_dir, stamp)
    print_tables(results, console)
    console.print(f"results: {json_path}, {md_path}")
    if not args.keep_work:
        import shutil

        for child in args.workdir.glob("*"):
            if child.name.startswith(("scale-", "incremental-", "reference-", "eventlog-")):
                shutil.rmtree(child, ignore_errors=True)
    return results


def main(argv: list[str] | None = None) -> int:
    try:
        results = run(sys.argv[1:] if argv is None else argv)
    except LakeError as err:
        console.print(f"[bold red]error:[/] {err.message}", highlight=False)
        if err.hint:
            console.print(f"[bold]fix:[/] {err.hint}", highlight=False)
        return 1
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
