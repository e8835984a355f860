"""A new table by files only: a zone list arriving as a file, a reference table for it, a gold SQL model
that aggregates the fact by two of its columns joined to the zone names, and a named query over it,
through ``lake run-pipeline`` to the right ``lake query`` answer.

The project is a copy of this one (``LAKE_PROJECT_DIR``) plus exactly these files:

* ``contracts/silver/zones.yaml``: a reference table, each drop a full snapshot, no timestamps;
* ``contracts/gold/zone_hour_lateness.yaml`` and ``sql/gold/zone_hour_lateness.sql``;
* ``sql/queries/zone_late_share.sql``;
* the source itself, one ``kind: files`` line under lake.yaml's ``sources``; the rows come as a CSV
  drop in ``landing/zones/``, which the ingest stage lands in bronze as received. The drop itself starts
  the run, through ``lake watch --once`` (the local landing trigger).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jozi_lake import project
from jozi_lake.backend import SUCCEEDED
from jozi_lake.cli import app
from jozi_lake.config import env_config
from jozi_lake.demo.generator import GeneratorParams, generate
from jozi_lake.local.backend import LocalBackend
from jozi_lake.local.engine import run_query
from jozi_lake.local.pipeline import recent_runs
from jozi_lake.storage import store_for_env

pytestmark = [pytest.mark.spark, pytest.mark.slow]

ZONES_CONTRACT = """\
table: zones
description: The store's delivery zones with their display names, sent as a complete list.
kind: reference
primary_key: [zone_code]
full_snapshot: true
columns:
  - {name: zone_code, type: string, parse: text, required: true, description: Zone code as orders carry it.}
  - {name: zone_name, type: string, parse: text, required: true, description: Name shown to analysts.}
  - {name: region, type: string, parse: text, description: Region of Johannesburg.}
"""
MODEL_CONTRACT = """\
table: zone_hour_lateness
description: Delivered orders per delivery zone and local hour of placing, with the zone's name.
grain: [zone, order_hour]
partition_column: none
columns:
  - {name: zone, type: string, description: Zone code.}
  - {name: zone_name, type: string, description: The zone's current name (zones).}
  - {name: order_hour, type: int, description: Local hour the orders were placed.}
  - {name: deliveries, type: bigint, description: Delivered orders.}
  - {name: late_deliveries, type: bigint, description: 'Of those, the late ones.'}
  - {name: late_share, type: double, description: late_deliveries / deliveries.}
rules:
  - {name: late_within_deliveries, severity: fail, expr: "late_deliveries <= deliveries"}
"""
MODEL_SQL = """\
-- Delivered orders per zone and hour, named from the zone list (its rows that are not deleted).
SELECT /*+ BROADCAST(z) */
    f.zone,
    z.zone_name,
    f.order_hour,
    count(1) AS deliveries,
    count(CASE WHEN f.is_late THEN 1 END) AS late_deliveries,
    round(count(CASE WHEN f.is_late THEN 1 END) / count(1), 6) AS late_share
FROM fact_deliveries AS f
LEFT JOIN zones AS z ON z.zone_code = f.zone AND NOT z.is_deleted
GROUP BY f.zone, z.zone_name, f.order_hour
"""
QUERY = """\
-- title: Late share by zone name
-- description: Deliveries and late share per delivery zone, with the names of the zones file.
SELECT
    zone_name,
    sum(deliveries) AS deliveries,
    round(CAST(sum(late_deliveries) AS double) / sum(deliveries), 4) AS late_share
FROM zone_hour_lateness
GROUP BY zone_name
ORDER BY zone_name
"""
ZONES_CSV = """\
zone_code,zone_name,region
north,Randburg and Fourways,North
central,Rosebank and Parktown,Central
south,Southgate and Mondeor,South
east,Bedfordview and Edenvale,East
west,Roodepoort and Florida,West
"""
NAMES = {
    "north": "Randburg and Fourways",
    "central": "Rosebank and Parktown",
    "south": "Southgate and Mondeor",
    "east": "Bedfordview and Edenvale",
    "west": "Roodepoort and Florida",
}


def new_project(target: Path) -> None:
    """This project's files plus the new table's; the only edit of an existing file is lake.yaml's source."""
    source = project.project_dir()
    target.mkdir()
    for folder in ("contracts", "sql"):
        shutil.copytree(source / folder, target / folder)
    lake_yaml = (source / "lake.yaml").read_text(encoding="utf-8")
    anchor = "  load_shedding: {template: jozi_store_api, path: /v1/load_shedding}\n"
    assert anchor in lake_yaml
    (target / "lake.yaml").write_text(
        lake_yaml.replace(anchor, anchor + "  zones: {kind: files, files: {format: csv}}\n"), encoding="utf-8"
    )
    (target / "contracts/silver/zones.yaml").write_text(ZONES_CONTRACT, encoding="utf-8")
    (target / "contracts/gold/zone_hour_lateness.yaml").write_text(MODEL_CONTRACT, encoding="utf-8")
    (target / "sql/gold/zone_hour_lateness.sql").write_text(MODEL_SQL, encoding="utf-8")
    (target / "sql/queries/zone_late_share.sql").write_text(QUERY, encoding="utf-8")


@pytest.fixture(scope="module")
def lake(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("new-table")
    new_project(base / "project")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(project.PROJECT_DIR_ENV_VAR, str(base / "project"))
        patch.setenv("LAKE_HOME", str(base / "lake"))
        env = env_config("local")
        generate(
            GeneratorParams(start=dt.date(2026, 6, 1), days=3, orders_per_day=40, seed=5),
            env.local_source_dir,
        )
        store_for_env(env).put_bytes("landing/zones/zones.csv", ZONES_CSV.encode("utf-8"))
        # The drop starts the run: `lake watch --once` sees the file unchanged across two looks and runs
        # the pipeline `lake run-pipeline` runs (the CLI's local backend reuses the test's Spark session).
        watched = CliRunner().invoke(app, ["watch", "--once", "--interval", "0.2"])
        assert watched.exit_code == 0, watched.output
        (run,) = recent_runs(env, limit=1)
        answer = run_query(env, named="zone_late_share")
        by_zone = run_query(
            env,
            sql="SELECT zone, count(*) AS deliveries, count_if(is_late) AS late FROM fact_deliveries "
            "GROUP BY zone ORDER BY zone",
        )
        tables = {(t.database.rsplit("_", 1)[-1], t.name): t for t in LocalBackend(env).tables()}
        yield {"run": run, "answer": answer, "by_zone": by_zone, "tables": tables, "watched": watched.output}


def test_the_pipeline_runs_the_new_tables(lake: dict[str, Any]) -> None:
    assert "1 new file(s) in landing/: landing/zones/zones.csv" in lake["watched"]
    run = lake["run"]
    assert run.status == SUCCEEDED
    assert all(s.status == SUCCEEDED for s in run.stages)
    tables = lake["tables"]
    assert tables[("silver", "zones")].partition_keys == []
    assert tables[("gold", "zone_hour_lateness")].partition_keys == []


def test_lake_query_answers_from_the_new_model_with_the_zone_names(lake: dict[str, Any]) -> None:
    # An order without a zone (a generator defect) has no name: its row sorts last, like NULL does.
    expected = sorted(
        (
            (NAMES.get(zone), deliveries, round(late / deliveries, 4))
            for zone, deliveries, late in lake["by_zone"].rows
        ),
        key=lambda row: (row[0] is None, row[0] or ""),
    )
    assert {row[0] for row in expected} >= set(NAMES.values())
    assert lake["answer"].rows == expected
