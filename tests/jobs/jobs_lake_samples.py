"""A tiny hand-made bronze dataset that follows docs/data-model.md and carries every defect kind.

Batch 1 (``ingest_date=2026-06-06``, run ``r1``): 20 orders on Friday 2026-06-05 at the dinner peak
(one on 2026-06-03), their kitchen/dispatch events, items, menu, a driver, complaints, ratings and a
load-shedding window, plus: an exact duplicate, money as ``"R 129,90"`` and ``""``, another date format,
a junk timestamp, a null key, an empty required string, the renamed ``payment_type`` with ``tip_zar``,
a truncated line, non-UTF-8 bytes in a complaint, and kitchen events out of order. ORD-10 has no
``delivered`` event yet.

Batch 2 (``ingest_date=2026-06-08``, run ``r2``): ORD-2 re-sent with a later ``updated_at`` and a
corrected date (2026-06-04), ORD-20 moved off 2026-06-03 (that partition becomes empty), ORD-1 re-sent
byte for byte, and ORD-10's ``delivered`` event arriving three days late.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from jozi_lake.storage import LocalObjectStore

BUCKET = "jozi-pizza-test-lake"
DAY = "2026-06-05"


def _ts(minutes_after_1800: int, day: str = DAY) -> str:
    hour, minute = divmod(18 * 60 + minutes_after_1800, 60)
    return f"{day} {hour:02d}:{minute:02d}:00"


def order(i: int, **overrides: Any) -> dict[str, Any]:
    record = {
        "order_id": f"ORD-{i:06d}",
        "customer_id": f"CUS-{i % 7:05d}",
        "placed_at": _ts(i),
        "channel": "app",
        "zone": "north",
        "suburb": "Rosebank",
        "distance_km": 3.5,
        "promised_minutes": 45,
        "total_zar": 150.5,
        "payment_method": "card",
        "status": "delivered",
        "updated_at": _ts(i),
    }
    record.update(overrides)
    return record


def events_for(i: int, with_delivered: bool = True) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Kitchen and dispatch events; even orders wait 20 extra minutes for a driver (they are late)."""
    oid = f"ORD-{i:06d}"
    wait = 20 if i % 2 == 0 else 0
    kitchen = [
        {
            "event_id": f"K-{i}-{n}",
            "order_id": oid,
            "event_type": kind,
            "event_at": _ts(i + m),
            "station": "line-1",
            "updated_at": _ts(i + m),
        }
        for n, (kind, m) in enumerate(
            [("prep_started", 5), ("prep_finished", 15), ("oven_in", 16), ("oven_out", 26)]
        )
    ]
    steps = [("driver_assigned", 27 + wait), ("departed", 30 + wait)]
    if with_delivered:
        steps.append(("delivered", 42 + wait))
    dispatch = [
        {
            "event_id": f"D-{i}-{n}",
            "order_id": oid,
            "event_type": kind,
            "event_at": _ts(i + m),
            "driver_id": "DRV-001",
            "updated_at": _ts(i + m),
        }
        for n, (kind, m) in enumerate(steps)
    ]
    return kitchen, dispatch


def _lines(records: list[Any]) -> bytes:
    out = b""
    for record in records:
        out += (record if isinstance(record, bytes) else json.dumps(record).encode("utf-8")) + b"\n"
    return out


def put_batch(store: LocalObjectStore, ingest_date: str, run: str, batch: dict[str, list[Any]]) -> None:
    for source, records in batch.items():
        key = f"bronze/{source}/ingest_date={ingest_date}/{run}-00001.json.gz"
        store.put_bytes(key, gzip.compress(_lines(records)))


def batch_one() -> dict[str, list[Any]]:
    orders: list[Any] = [order(i) for i in range(1, 21) if i not in (2, 3, 4, 5, 6, 7, 20)]
    orders += [
        order(1),  # exact_duplicate
        order(2, total_zar="R 129,90"),  # malformed_amount (readable)
        order(3, placed_at="05/06/2026 18:03"),  # bad_timestamp (another format)
        order(4, placed_at="not a date"),  # bad_timestamp (junk) -> quarantine
        order(5, customer_id=""),  # empty_string in a required field -> quarantine
        order(6, tip_zar="12.50", payment_type="cash", payment_method=None),  # schema_change
        order(7, total_zar=""),  # empty_string in an optional field -> null
        order(20, placed_at="2026-06-03 12:00:00", updated_at="2026-06-03 12:00:00"),
        order(99, order_id=None),  # null_required -> quarantine
        b'{"order_id": "ORD-000098", "customer_id": "CUS-0',  # truncated line -> quarantine
    ]
    orders.remove(order(1))
    orders.insert(0, order(1))
    kitchen: list[Any] = []
    dispatch: list[Any] = []
    for i in range(1, 21):
        if i in (4, 5):
            continue
        k, d = events_for(i, with_delivered=(i != 10))
        if i == 1:
            k = [k[3], k[2], k[1], k[0]]  # out_of_order in the feed, timestamps still right
        kitchen += k
        dispatch += d
    items = [
        {
            "order_id": f"ORD-{i:06d}",
            "line_no": 1,
            "item_id": "ITM-01" if i % 3 else "ITM-02",
            "size": "large",
            "qty": 2,
            "unit_price_zar": "75.25",
            "updated_at": _ts(i),
        }
        for i in range(1, 21)
    ]
    menu = [
        {
            "item_id": "ITM-01",
            "name": "Margherita",
            "category": "pizza",
            "base_prep_minutes": 8,
            "price_zar": "R 75,25",
            "updated_at": "2026-05-01 09:00:00",
        },
        {
            "item_id": "ITM-02",
            "name": "Garlic bread",
            "category": "side",
            "base_prep_minutes": 3,
            "price_zar": 35,
            "updated_at": "2026-05-01 09:00:00",
        },
    ]
    drivers = [
        {
            "driver_id": "DRV-001",
            "name": "Thabo",
            "shift": "dinner",
            "vehicle": "scooter",
            "hired_on": "2025-01-15",
            "updated_at": "2026-05-01 09:00:00",
        }
    ]
    complaints: list[Any] = [
        {
            "complaint_id": f"C-{i}",
            "order_id": f"ORD-{i:06d}",
            "channel": "app",
            "category": "late",
            "text": "cold and late",
            "created_at": _ts(i + 90),
            "updated_at": _ts(i + 90),
        }
        for i in (8, 12, 14, 16, 18)
    ]
    complaints.append(  # non_utf8 in free text -> quarantine
        b'{"complaint_id": "C-9", "order_id": "ORD-000009", "channel": "app", "category": "cold", '
        b'"text": "caf\xe9 pizza \xff", "created_at": "2026-06-05 20:00:00", '
        b'"updated_at": "2026-06-05 20:00:00"}'
    )
    ratings = [
        {
            "rating_id": f"R-{i}",
            "order_id": f"ORD-{i:06d}",
            "stars": 5 if i % 2 else 2,
            "comment": "",
            "rated_at": _ts(i + 120),
            "updated_at": _ts(i + 120),
        }
        for i in range(8, 18)
    ]
    ratings.append(
        {
            "rating_id": "R-99",
            "order_id": "ORD-000001",
            "stars": "9",
            "comment": "x",
            "rated_at": _ts(130),
            "updated_at": _ts(130),
        }
    )  # out of range -> quarantine
    load_shedding = [
        {
            "window_id": "LS-1",
            "stage": 4,
            "starts_at": _ts(14),
            "ends_at": _ts(24),
            "area": "JHB-7",
            "updated_at": "2026-06-04 10:00:00",
        }
    ]
    return {
        "orders": orders,
        "order_items": items,
        "menu": menu,
        "kitchen_events": kitchen,
        "dispatch_events": dispatch,
        "drivers": drivers,
        "complaints": complaints,
        "ratings": ratings,
        "load_shedding": load_shedding,
    }


def batch_two() -> dict[str, list[Any]]:
    late_delivered = {
        "event_id": "D-10-2",
        "order_id": "ORD-000010",
        "event_type": "delivered",
        "event_at": _ts(10 + 62),
        "driver_id": "DRV-001",
        "updated_at": "2026-06-08 09:00:00",  # late_arriving
    }
    return {
        "orders": [
            order(2, placed_at="2026-06-04 18:02:00", updated_at="2026-06-07 10:00:00"),  # resent_update
            order(20, placed_at="2026-06-04 12:00:00", updated_at="2026-06-07 10:00:00"),
            order(1),  # re-sent byte for byte
        ],
        "dispatch_events": [late_delivered],
    }


def new_store(root: Path) -> LocalObjectStore:
    return LocalObjectStore(root, BUCKET)
