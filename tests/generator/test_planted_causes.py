"""The generator's planted causes of delay (see jozi_lake.demo.generator.simulate) are statistically visible.

Stages follow docs/data-model.md (gold): wait_before_prep, prep, oven, wait_for_driver, drive. The
"excess" of a stage in a slice is its mean in late orders minus its mean in on-time orders, the
measure analysts use on lateness_stage_attribution.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import json
import math
import random
import statistics
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from jozi_lake.demo.generator.simulate import CHURN_AWAY_DAYS, assign_customers

STAGES = ("wait_before_prep", "prep", "oven", "wait_for_driver", "drive")
FAR = {"east", "west"}


@dataclass
class Delivery:
    placed: dt.datetime
    customer: str
    zone: str
    distance_km: float
    stages: dict[str, float]
    minutes_late: float
    during_load_shedding: bool


def _ts(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def load_deliveries(folder: Path) -> list[Delivery]:
    def records(source: str) -> list[dict]:
        with open(folder / f"{source}.jsonl", "rb") as fh:
            return [json.loads(line) for line in fh]

    events: dict[str, dict[str, dt.datetime]] = defaultdict(dict)
    for source in ("kitchen_events", "dispatch_events"):
        for r in records(source):
            events[r["order_id"]][r["event_type"]] = _ts(r["event_at"])
    windows = [(_ts(w["starts_at"]), _ts(w["ends_at"])) for w in records("load_shedding")]
    out = []
    for o in records("orders"):
        if o["status"] != "delivered":
            continue
        e, placed = events[o["order_id"]], _ts(o["placed_at"])
        points = [placed, e["prep_started"], e["prep_finished"], e["oven_out"], e["departed"], e["delivered"]]
        minutes = [(b - a).total_seconds() / 60 for a, b in itertools.pairwise(points)]
        total = (e["delivered"] - placed).total_seconds() / 60
        out.append(
            Delivery(
                placed=placed,
                customer=o["customer_id"],
                zone=o["zone"],
                distance_km=o["distance_km"],
                stages=dict(zip(STAGES, minutes, strict=True)),
                minutes_late=total - o["promised_minutes"],
                during_load_shedding=any(a < e["oven_out"] and e["prep_finished"] < b for a, b in windows),
            )
        )
    return out


def stage_excess(rows: list[Delivery]) -> dict[str, float]:
    late = [r for r in rows if r.minutes_late > 0]
    on_time = [r for r in rows if r.minutes_late <= 0]
    assert len(late) >= 30 and len(on_time) >= 30, "slice too small to judge"
    return {
        s: statistics.mean(r.stages[s] for r in late) - statistics.mean(r.stages[s] for r in on_time)
        for s in STAGES
    }


def late_share(rows: list[Delivery]) -> float:
    return sum(r.minutes_late > 0 for r in rows) / len(rows)


@pytest.fixture(scope="module")
def deliveries(clean_dataset: Path) -> list[Delivery]:
    return load_deliveries(clean_dataset)


def test_fri_sat_dinner_peak_is_driver_bound(deliveries: list[Delivery]) -> None:
    peak = [d for d in deliveries if d.placed.weekday() in (4, 5) and 18 <= d.placed.hour < 21]
    peak = [d for d in peak if not d.during_load_shedding]
    excess = stage_excess(peak)
    assert max(excess, key=excess.__getitem__) == "wait_for_driver"
    assert excess["wait_for_driver"] > 2 * max(v for k, v in excess.items() if k != "wait_for_driver")
    weekday_dinner = [d for d in deliveries if d.placed.weekday() < 4 and 18 <= d.placed.hour < 21]
    assert late_share(peak) > late_share(weekday_dinner) + 0.2


def test_load_shedding_balloons_the_oven_stage(deliveries: list[Delivery]) -> None:
    shed = [d for d in deliveries if d.during_load_shedding]
    normal = [d for d in deliveries if not d.during_load_shedding]
    assert len(shed) >= 50
    assert statistics.mean(d.stages["oven"] for d in shed) > 2 * statistics.mean(
        d.stages["oven"] for d in normal
    )
    excess = stage_excess(shed)
    assert max(excess, key=excess.__getitem__) == "oven"


def test_weekday_lunch_peak_is_cook_bound(deliveries: list[Delivery]) -> None:
    lunch = [d for d in deliveries if d.placed.weekday() < 5 and 12 <= d.placed.hour < 14]
    lunch = [d for d in lunch if not d.during_load_shedding]
    excess = stage_excess(lunch)
    assert max(excess, key=excess.__getitem__) == "wait_before_prep"
    weekend_lunch = [d for d in deliveries if d.placed.weekday() >= 5 and 12 <= d.placed.hour < 14]
    mean_wait = statistics.mean(d.stages["wait_before_prep"] for d in lunch)
    assert mean_wait > 3 * statistics.mean(d.stages["wait_before_prep"] for d in weekend_lunch)


def test_far_zones_are_late_because_of_the_drive(deliveries: list[Delivery]) -> None:
    off_peak = [d for d in deliveries if d.placed.hour in (10, 11, 15, 16, 21) and not d.during_load_shedding]
    far = [d for d in off_peak if d.zone in FAR]
    near = [d for d in off_peak if d.zone not in FAR]
    assert late_share(far) > 3 * late_share(near)
    far_late = [d for d in far if d.minutes_late > 0]
    means = {s: statistics.mean(d.stages[s] for d in far_late) for s in STAGES}
    assert max(means, key=means.__getitem__) == "drive"
    assert means["drive"] - statistics.mean(d.stages["drive"] for d in near) > 10


def test_demand_has_lunch_and_dinner_peaks_and_a_busy_weekend(deliveries: list[Delivery]) -> None:
    by_hour = defaultdict(int)
    by_weekday = defaultdict(int)
    for d in deliveries:
        by_hour[d.placed.hour] += 1
        by_weekday[d.placed.weekday()] += 1
    assert by_hour[12] > 2 * by_hour[10] and by_hour[12] > 2 * by_hour[16]
    assert by_hour[19] > 2 * by_hour[16] and by_hour[19] > by_hour[12]
    assert min(by_weekday[4], by_weekday[5]) > 1.2 * max(by_weekday[0], by_weekday[1])


def test_drive_time_grows_with_distance(deliveries: list[Delivery]) -> None:
    pairs = [(d.distance_km, d.stages["drive"]) for d in deliveries]
    assert statistics.correlation(*zip(*pairs, strict=True)) > 0.8


def test_complaints_and_ratings_follow_lateness(clean_dataset: Path, deliveries: list[Delivery]) -> None:
    def read(source: str) -> list[dict]:
        return [json.loads(line) for line in (clean_dataset / f"{source}.jsonl").read_bytes().splitlines()]

    orders = [o for o in read("orders") if o["status"] == "delivered"]
    lateness = {o["order_id"]: d.minutes_late for o, d in zip(orders, deliveries, strict=True)}
    complained = {c["order_id"] for c in read("complaints")}
    very_late = [k for k, v in lateness.items() if v > 20]
    on_time = [k for k, v in lateness.items() if v <= 0]
    rate = lambda keys: sum(k in complained for k in keys) / len(keys)  # noqa: E731
    assert rate(very_late) > 4 * rate(on_time)
    stars = defaultdict(list)
    for r in read("ratings"):
        stars[lateness[r["order_id"]] > 0].append(r["stars"])
    assert statistics.mean(stars[False]) - statistics.mean(stars[True]) > 0.7


def repeat_rates(folder: Path, deliveries: list[Delivery], late_from: float, late_to: float) -> float:
    """Share of customers who order again (any status) within 30 days of a delivery whose minutes late
    lie in (late_from, late_to], counted per customer and order date as repeat_customers counts."""
    placed_by_customer: dict[str, list[dt.datetime]] = defaultdict(list)
    with open(folder / "orders.jsonl", "rb") as fh:
        for line in fh:
            record = json.loads(line)
            placed_by_customer[record["customer_id"]].append(_ts(record["placed_at"]))
    for times in placed_by_customer.values():
        times.sort()
    seen: set[tuple[str, dt.date]] = set()
    came_back: set[tuple[str, dt.date]] = set()
    for d in deliveries:
        if not late_from < d.minutes_late <= late_to:
            continue
        key = (d.customer, d.placed.date())
        seen.add(key)
        times = placed_by_customer[d.customer]
        after = bisect.bisect_right(times, d.placed)
        if after < len(times) and times[after] <= d.placed + dt.timedelta(days=30):
            came_back.add(key)
    assert len(seen) >= 200, "slice too small to judge"
    return len(came_back) / len(seen)


def test_late_deliveries_cost_repeat_customers(clean_dataset: Path, deliveries: list[Delivery]) -> None:
    on_time = repeat_rates(clean_dataset, deliveries, -math.inf, 0)
    late = repeat_rates(clean_dataset, deliveries, 0, math.inf)
    assert on_time - late > 0.15, (late, on_time)
    # The later the delivery, the likelier the customer stays away.
    assert repeat_rates(clean_dataset, deliveries, 20, math.inf) < repeat_rates(
        clean_dataset, deliveries, 0, 10
    )


def test_customers_stay_away_only_after_a_late_delivery() -> None:
    first = [1, 2, 1, 1, 2]
    days = [0, 0, 1, 2, CHURN_AWAY_DAYS + 1]
    on_time = assign_customers(first, [-5.0, -1.0, -3.0, 0.0, -2.0], days, 100, random.Random(1))
    assert on_time == first  # nobody was disappointed: every order keeps its first choice
    cancelled = assign_customers(first, [math.nan] * 5, days, 100, random.Random(1))
    assert cancelled == first  # a cancelled order was never late
    # Customer 1 is very late on day 0 (50 % chance to stay away): over many seeds, some of their later
    # orders go to others, and never beyond the days away (day CHURN_AWAY_DAYS + 1 is theirs again).
    moved = 0
    for seed in range(200):
        got = assign_customers(
            [1, 1, 1], [60.0, -1.0, -1.0], [0, 10, CHURN_AWAY_DAYS + 1], 100, random.Random(seed)
        )
        assert got[0] == 1 and got[2] == 1
        moved += got[1] != 1
    assert 60 < moved < 140
