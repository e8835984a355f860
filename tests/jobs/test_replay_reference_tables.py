"""Replay and rebuild of reference tables give the silver the original processing gave.

Three exports arrive a day apart and the silver job runs after each, as every night: a full-snapshot code
list kept latest-only (``zones``) and with its SCD2 history (``zone_history``), and the drivers dimension
(SCD2 by ``updated_at``, not a full snapshot). The exports change a name, drop a key for good, drop one
and bring it back, re-send a version with a fresh ``updated_at`` and deliver an older version late. Then
``lake replay --from`` the second day and ``lake rebuild --layer silver`` (the marking they do, then the
silver run the pipeline starts) must each give the same tables, row for row.

One Spark session, three small tables: a few seconds a run.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from jobs_lake_samples import put_batch

from jozi_lake import project, rederive
from jozi_lake.config import env_config
from jozi_lake.jobs import bronze_to_silver as b2s
from jozi_lake.jobs.lake_io import spark_uri
from jozi_lake.layout import lake_layout
from jozi_lake.storage import LocalObjectStore

pytestmark = pytest.mark.spark

TABLES = ["zones", "zone_history", "drivers"]
RUNS = ["20260606T003000Z-aaaaaa", "20260607T003000Z-bbbbbb", "20260608T003000Z-cccccc"]
DAYS = ["2026-06-06", "2026-06-07", "2026-06-08"]
ZONES = {
    "table": "zones",
    "description": "Delivery zones as a complete daily export (a code-to-name list, no timestamps).",
    "kind": "reference",
    "primary_key": ["zone_code"],
    "full_snapshot": True,
    "max_deleted_share": 0.5,
    "columns": [
        {"name": "zone_code", "type": "string", "parse": "text", "required": True, "description": "Code."},
        {"name": "zone_name", "type": "string", "parse": "text", "description": "Name."},
    ],
}


def zones(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"zone_code": code, "zone_name": name} for code, name in pairs]


def driver(driver_id: str, vehicle: str, updated_at: str, shift: str = "dinner") -> dict[str, Any]:
    return {
        "driver_id": driver_id,
        "name": driver_id.title(),
        "shift": shift,
        "vehicle": vehicle,
        "hired_on": "2025-01-15",
        "updated_at": updated_at,
    }


EXPORTS = [
    {
        "zones": zones(("Z1", "North"), ("Z2", "Central"), ("Z3", "South"), ("Z4", "East"), ("Z5", "West")),
        "drivers": [
            driver("DRV-001", "scooter", "2026-06-05 18:00:00"),
            driver("DRV-002", "car", "2026-06-05 12:00:00"),
        ],
    },
    {
        # Z2 renamed, Z4 and Z5 gone; DRV-001 switches to a car.
        "zones": zones(("Z1", "North"), ("Z2", "Central CBD"), ("Z3", "South")),
        "drivers": [driver("DRV-001", "car", "2026-06-06 18:50:00")],
    },
    {
        # Z4 back, Z5 stays gone; DRV-001's car re-sent with a fresh updated_at (no new version), and an
        # older version of DRV-002 delivered late (it slots in before the one silver has).
        "zones": zones(("Z1", "North"), ("Z2", "Central CBD"), ("Z3", "South"), ("Z4", "East")),
        "drivers": [
            driver("DRV-001", "car", "2026-06-07 08:00:00"),
            driver("DRV-002", "scooter", "2026-06-01 09:00:00", shift="lunch"),
        ],
    },
]


def silver(spark: Any, store: LocalObjectStore) -> dict[str, list[tuple[str, ...]]]:
    """Every row of each table as text, sorted: what 'the same silver' means (column order included)."""
    found = {}
    for table in TABLES:
        frame = spark.read.parquet(spark_uri(store, lake_layout().silver_table(table)))
        found[table] = sorted(tuple(str(v) for v in row) for row in frame.collect())
    return found


def by_key(rows: list[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: (r[key], r.get("valid_from") or dt.datetime.min)):
        grouped.setdefault(row[key], []).append(row)
    return grouped


@pytest.fixture(scope="module")
def lake(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    base = tmp_path_factory.mktemp("replay_reference")
    folder = base / "project"
    source = project.project_dir()
    folder.mkdir()
    shutil.copy2(source / "lake.yaml", folder / "lake.yaml")
    for sub in ("contracts", "sql"):
        shutil.copytree(source / sub, folder / sub)
    contracts = folder / "contracts" / "silver"
    (contracts / "zones.yaml").write_text(yaml.safe_dump(ZONES), encoding="utf-8")
    history = {**ZONES, "table": "zone_history", "history": "scd2"}
    (contracts / "zone_history.yaml").write_text(yaml.safe_dump(history), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(project.PROJECT_DIR_ENV_VAR, str(folder))
        patch.setenv("LAKE_HOME", str(base / "lake"))
        env = env_config("local")
        store = LocalObjectStore(env.local_s3_root, env.bucket)
        for day, run, export in zip(DAYS, RUNS, EXPORTS, strict=True):  # one silver run per export
            put_batch(store, day, run, {**export, "zone_history": export["zones"]})
            b2s.run_bronze_to_silver(spark, store, tables=TABLES, run_id=f"daily-{day}", env="test")
        result: dict[str, Any] = {"store": store, "original": silver(spark, store)}
        result["rows"] = {
            t: [r.asDict() for r in spark.read.parquet(spark_uri(store, f"silver/{t}/")).collect()]
            for t in TABLES
        }

        marked = {t: rederive.request_replay(store, t, DAYS[1], None, "test") for t in TABLES}
        result["replay_marked"] = {t: [b.batch for b in chosen] for t, chosen in marked.items()}
        result["replay"] = b2s.run_bronze_to_silver(spark, store, tables=TABLES, run_id="replay", env="test")
        result["after_replay"] = silver(spark, store)

        result["rebuild_marked"] = rederive.request_rebuild(store, "silver", "test", "rebuild")
        result["rebuild"] = b2s.run_bronze_to_silver(
            spark, store, tables=TABLES, run_id="rebuild", env="test"
        )
        result["after_rebuild"] = silver(spark, store)
        yield result


def test_the_original_processing_kept_deletions_and_history(lake: dict[str, Any]) -> None:
    """What the comparisons below protect (equal empty tables would prove nothing)."""
    latest = {r["zone_code"]: r for r in lake["rows"]["zones"]}
    assert {code: (r["zone_name"], r["is_deleted"]) for code, r in latest.items()} == {
        "Z1": ("North", False),
        "Z2": ("Central CBD", False),
        "Z3": ("South", False),
        "Z4": ("East", False),  # gone for a day, back
        "Z5": ("West", True),  # gone for good: kept with its last values
    }
    second, third = (dt.datetime(2026, 6, d, 0, 30) for d in (7, 8))  # the exports' run times (UTC)
    history = by_key(lake["rows"]["zone_history"], "zone_code")
    assert [(r["zone_name"], r["valid_from"], r["valid_to"], r["is_deleted"]) for r in history["Z4"]] == [
        ("East", None, second, False),
        (None, second, third, True),  # the deletion row, closed when Z4 came back
        ("East", third, None, False),
    ]
    assert [(r["zone_name"], r["valid_from"], r["valid_to"], r["is_deleted"]) for r in history["Z5"]] == [
        ("West", None, second, False),
        (None, second, None, True),
    ]
    drivers = by_key(lake["rows"]["drivers"], "driver_id")
    assert [r["vehicle"] for r in drivers["DRV-001"]] == ["scooter", "car"]
    assert [(r["vehicle"], r["is_current"]) for r in drivers["DRV-002"]] == [
        ("scooter", False),
        ("car", True),
    ]


def test_a_replay_of_reference_tables_gives_the_same_silver(lake: dict[str, Any]) -> None:
    # A reference table's replay runs to its latest batch: the second and third exports.
    assert lake["replay_marked"] == {t: [f"{DAYS[1]}_{RUNS[1]}", f"{DAYS[2]}_{RUNS[2]}"] for t in TABLES}
    for table in lake["replay"].tables:
        assert table.batches == [f"{DAYS[1]}_{RUNS[1]}", f"{DAYS[2]}_{RUNS[2]}"], table.table
        assert table.conserved, table.table
    differ = [t for t in TABLES if lake["after_replay"][t] != lake["original"][t]]
    assert not differ, {t: set(lake["after_replay"][t]) ^ set(lake["original"][t]) for t in differ}
    assert not any(lake["store"].exists(lake_layout().replay_request(t)) for t in TABLES)  # done


def test_a_silver_rebuild_of_reference_tables_gives_the_same_silver(lake: dict[str, Any]) -> None:
    assert len(lake["rebuild_marked"]) == 3 * len(TABLES)  # every batch of every table with bronze
    for table in lake["rebuild"].tables:
        assert table.batches == [f"{day}_{run}" for day, run in zip(DAYS, RUNS, strict=True)], table.table
    differ = [t for t in TABLES if lake["after_rebuild"][t] != lake["original"][t]]
    assert not differ, {t: set(lake["after_rebuild"][t]) ^ set(lake["original"][t]) for t in differ}
