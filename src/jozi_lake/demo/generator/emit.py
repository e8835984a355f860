"""Turns simulated days into the store's JSON-lines feeds, injects defects and writes the manifest.

Two random streams per day keep the data honest: the simulation of day *d* draws from a stream seeded
by the run's seed and *d*, the defects from a second stream seeded the same way, so the ``clean``
preset produces exactly the same orders, events and timings as the default messy run, minus the
defects. Because no stream crosses a day, consecutive day ranges can be generated in separate
processes and joined: the bytes are the same for any number of workers (the menu and the driver
roster come first, from the run's own stream). Everything is written in a fixed order with plain
``json.dumps``, so the same parameters give byte-identical files.

Customers are the exception to "no state crosses a day" (planted cause (e) of the simulation: late
deliveries cost repeat customers): each part writes a placeholder customer per order and returns every
order's first-choice customer and minutes late; one sequential pass
(:func:`~jozi_lake.demo.generator.simulate.assign_customers`) then decides the customers, and the
placeholders are replaced while the parts are joined.

Every emitted line is counted: ``manifest.json`` holds per source the lines written and the base
records (one per key), and per defect kind the count, its split by source and the affected keys
(composite keys are joined with ``/``, e.g. ``ORD-000042/2`` for an order item). Lines per source =
base records + ``exact_duplicate`` + ``resent_update`` of that source.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import math
import multiprocessing
import os
import random
import re
import shutil
from array import array
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from jozi_lake.demo.generator.settings import DEFECT_KINDS, GeneratorParams
from jozi_lake.demo.generator.simulate import (
    MENU,
    REFERENCE_ORDERS_PER_DAY,
    WEEKDAY_DEMAND,
    DaySimulator,
    Driver,
    SimOrder,
    Staffing,
    assign_customers,
    build_drivers,
    load_shedding_windows,
)

SOURCES: tuple[str, ...] = (
    "orders",
    "order_items",
    "menu",
    "kitchen_events",
    "dispatch_events",
    "drivers",
    "complaints",
    "ratings",
    "load_shedding",
)
MANIFEST_NAME = "manifest.json"
# One encoder for every line (json.dumps with options would build a new one per record).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
SUPPLY_AREA = "City Power Block 4B (Rosebank)"
# An order's customer until the customers are assigned; replaced while the day parts are joined.
_CUSTOMER_PLACEHOLDER = "@customer-of-{number}@"
_PLACEHOLDER_FIELD = re.compile(rb'"customer_id":"@customer-of-(\d+)@"')

# Which field each defect touches, per source; a source missing from a map is not eligible.
RESENT_FIELD = {
    "orders": "total_zar", "order_items": "unit_price_zar", "menu": "price_zar", "kitchen_events": "station",
    "dispatch_events": "driver_id", "drivers": "vehicle", "complaints": "category", "ratings": "stars",
    "load_shedding": "stage",
}  # fmt: skip
NULL_FIELDS = {
    "orders": ("order_id", "placed_at"), "order_items": ("order_id", "line_no"),
    "kitchen_events": ("event_at", "order_id"), "dispatch_events": ("event_at", "order_id"),
    "complaints": ("order_id", "created_at"), "ratings": ("order_id", "rated_at"),
}  # fmt: skip
AMOUNT_FIELD = {"orders": "total_zar", "order_items": "unit_price_zar"}
EMPTY_FIELD = {
    "orders": "suburb", "kitchen_events": "station", "dispatch_events": "driver_id", "complaints": "text",
    "ratings": "comment",
}  # fmt: skip
TIME_FIELD = {
    "orders": "placed_at", "kitchen_events": "event_at", "dispatch_events": "event_at",
    "complaints": "created_at", "ratings": "rated_at",
}  # fmt: skip
LATE_SOURCES = frozenset({"kitchen_events", "dispatch_events"})
TEXT_FIELD = {"complaints": "text", "ratings": "comment"}

COMPLAINT_TEXT = {
    "late": ("Order took forever, over an hour.", "Driver only arrived long after the promised time.",
             "Still waiting, nobody answers the phone.", "Late again, second time this week."),
    "cold": ("Pizza arrived cold.", "Cheese was hard, box was cold.", "Lukewarm chips and cold pizza."),
    "wrong_item": ("Got a Margherita instead of Pepperoni.", "Wrong size delivered."),
    "missing_item": ("Garlic bread missing.", "No drinks in the bag."),
    "driver": ("Driver was rude.", "Driver could not find the complex and left."),
    "other": ("App charged me twice.", "Voucher did not apply."),
}  # fmt: skip
# Latin-1 text a till or a phone keyboard produces; the non_utf8 defect sends these bytes raw.
LATIN1_TAILS = (
    " Merci, café closes soon.",
    " Crème brûlée was not what I ordered.",
    " Señor driver was nice.",
)
RATING_COMMENT = {
    1: ("Terrible.", "Never again.", "Cold and late."),
    2: ("Disappointing.", "Too slow."),
    3: ("Okay.", "Fine, a bit slow."),
    4: ("Good pizza.", "Nice, quick enough."),
    5: ("Lekker!", "Best pizza in Joburg.", "Hot and on time."),
}


class _Clock:
    """Fast local wall-clock strings: ``YYYY-MM-DD HH:MM:SS`` from (day index, seconds)."""

    def __init__(self, start: dt.date, days: int) -> None:
        self.dates = [(start + dt.timedelta(days=i)).isoformat() for i in range(-2, days + 12)]

    def at(self, day: int, seconds: float) -> str:
        s = int(seconds)
        extra, s = divmod(s, 86400)
        h, rem = divmod(s, 3600)
        m, sec = divmod(rem, 60)
        return f"{self.dates[day + extra + 2]} {h:02d}:{m:02d}:{sec:02d}"


class DefectInjector:
    """Decides and applies at most one defect per record and writes the resulting lines."""

    def __init__(self, params: GeneratorParams, clock: _Clock, files: dict[str, BinaryIO]) -> None:
        m = params.messiness
        self.rng = random.Random(f"jozi-defects-{params.seed}")
        self.clock = clock
        self.files = files
        self.lines = dict.fromkeys(SOURCES, 0)
        self.defects: dict[str, dict[str, list[str]]] = {kind: {} for kind in DEFECT_KINDS}
        self.out_of_order_rate = m.out_of_order
        # Per source: [(kind, cumulative threshold)] for one uniform draw per record.
        self.thresholds: dict[str, list[tuple[str, float]]] = {}
        for source in SOURCES:
            eligible = [("exact_duplicate", m.exact_duplicate), ("resent_update", m.resent_update)]
            if source in LATE_SOURCES:
                eligible.append(("late_arriving", m.late_arriving))
            if source in NULL_FIELDS:
                eligible.append(("null_required", m.null_required))
            if source in AMOUNT_FIELD:
                eligible.append(("malformed_amount", m.malformed_amount))
            if source in EMPTY_FIELD:
                eligible.append(("empty_string", m.empty_string))
            if source in TIME_FIELD:
                eligible.append(("bad_timestamp", m.bad_timestamp))
            if source in TEXT_FIELD:
                eligible.append(("non_utf8", m.non_utf8))
            total, cumulative = 0.0, []
            for kind, rate in eligible:
                if rate > 0:
                    total += rate
                    cumulative.append((kind, total))
            self.thresholds[source] = cumulative

    def absorb(self, lines: dict[str, int], defects: dict[str, dict[str, list[str]]]) -> None:
        """Add a later part's counts and defect keys (parts are absorbed in day order)."""
        for source, count in lines.items():
            self.lines[source] += count
        for kind, by_source in defects.items():
            for source, keys in by_source.items():
                self.defects[kind].setdefault(source, []).extend(keys)

    def note(self, kind: str, source: str, key: str) -> None:
        self.defects[kind].setdefault(source, []).append(key)

    def _write(self, source: str, line: bytes) -> None:
        self.files[source].write(line)
        self.lines[source] += 1

    @staticmethod
    def _dump(record: dict[str, Any]) -> bytes:
        return (_ENCODER.encode(record) + "\n").encode("utf-8")

    def emit(self, source: str, record: dict[str, Any], key: str, allow_defects: bool = True) -> None:
        kind = None
        cumulative = self.thresholds[source]
        if allow_defects and cumulative:
            u = self.rng.random()
            if u < cumulative[-1][1]:  # the common case (no defect) skips the scan
                kind = next(candidate for candidate, threshold in cumulative if u < threshold)
        if kind is None:
            self.files[source].write((_ENCODER.encode(record) + "\n").encode("utf-8"))
            self.lines[source] += 1
            return
        self.note(kind, source, key)
        rng = self.rng
        if kind == "exact_duplicate":
            line = self._dump(record)
            self._write(source, line)
            self._write(source, line)
            return
        if kind == "resent_update":
            stale = dict(record)
            stale[RESENT_FIELD[source]] = _stale_value(stale[RESENT_FIELD[source]], rng)
            self._write(source, self._dump(stale))
            record = dict(record)
            record["updated_at"] = _shift(record["updated_at"], rng.randint(600, 86400))
            self._write(source, self._dump(record))
            return
        record = dict(record)
        if kind == "late_arriving":
            record["updated_at"] = _shift(record["updated_at"], rng.randint(2 * 86400, 5 * 86400))
        elif kind == "null_required":
            record[rng.choice(NULL_FIELDS[source])] = None
        elif kind == "malformed_amount":
            record[AMOUNT_FIELD[source]] = _malformed_amount(record[AMOUNT_FIELD[source]], rng)
        elif kind == "empty_string":
            record[EMPTY_FIELD[source]] = ""
        elif kind == "bad_timestamp":
            record[TIME_FIELD[source]] = _bad_timestamp(record[TIME_FIELD[source]], rng)
        elif kind == "non_utf8":
            field = TEXT_FIELD[source]
            text = f"{record[field]}{rng.choice(LATIN1_TAILS)}"
            record[field] = text
            utf8 = json.dumps(text, ensure_ascii=False)[1:-1].encode("utf-8")
            self._write(source, self._dump(record).replace(utf8, utf8.decode("utf-8").encode("latin-1"), 1))
            return
        self._write(source, self._dump(record))


def _shift(timestamp: str, seconds: int) -> str:
    return (dt.datetime.fromisoformat(timestamp) + dt.timedelta(seconds=seconds)).isoformat(sep=" ")


def _stale_value(value: Any, rng: random.Random) -> Any:
    """A plausible earlier value that the resent record corrects."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return max(1, min(5, value + rng.choice((-1, 1)))) if value <= 5 else value + 1
    if isinstance(value, float):
        return round(value * rng.uniform(0.8, 0.95), 2)
    return f"{value}-old" if not value.startswith(("oven", "line")) else "line-0"


def _malformed_amount(value: float, rng: random.Random) -> str:
    form = rng.randrange(3)
    if form == 0:
        rands, cents = divmod(round(value * 100), 100)
        return f"R {rands},{cents:02d}"
    if form == 1:
        return f"{value:.2f}"
    return ""


def _bad_timestamp(value: str | None, rng: random.Random) -> str:
    form = rng.randrange(3)
    if value is None or form == 2:
        return "not a date"
    parsed = dt.datetime.fromisoformat(value)
    if form == 0:
        return parsed.strftime("%d/%m/%Y %H:%M")
    return parsed.isoformat() + "+02:00"


def generate(params: GeneratorParams, out_dir: Path | str, workers: int | None = None) -> dict[str, Any]:
    """Write ``<source>.jsonl`` for every source plus ``manifest.json`` under ``out_dir``.

    Each day draws from random streams of its own (seeded by the run's seed and the day), so days
    can be generated in separate processes: ``workers`` (default: one per CPU for large runs, none
    for small ones) splits the period into consecutive day ranges and the parts are joined in day
    order. The bytes do not depend on ``workers``. Files are written under temporary names and
    renamed at the end, so a server reading the folder never sees half a dataset. Returns the manifest.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plans = day_plans(params)
    ranges = _day_ranges(plans, _worker_count(params, workers))
    tmp_paths = {s: out / f".{s}.jsonl.tmp" for s in SOURCES}
    part_paths = [{s: out / f".{s}.part{k}.tmp" for s in SOURCES} for k in range(len(ranges))]
    try:
        with _open_all(tmp_paths) as files:
            injector = _emit_reference_data(params, files)
        if len(ranges) == 1:
            parts = [_emit_days(params, plans, ranges[0], part_paths[0])]
        else:
            context = multiprocessing.get_context("spawn")  # no fork of a parent that may hold threads
            with ProcessPoolExecutor(max_workers=len(ranges), mp_context=context) as pool:
                futures = [
                    pool.submit(_emit_days, params, plans, r, paths)
                    for r, paths in zip(ranges, part_paths, strict=True)
                ]
                parts = [f.result() for f in futures]
        customers = _assign_customers(params, plans, parts)
        for part, paths in zip(parts, part_paths, strict=True):
            injector.absorb(part.lines, part.defects)
            for source, path in paths.items():
                with open(path, "rb") as src, open(tmp_paths[source], "ab") as dst:
                    if source == "orders":
                        _copy_with_customers(src, dst, customers, plans[0].first_order_number)
                    else:
                        shutil.copyfileobj(src, dst, 1 << 22)
                path.unlink()
    except BaseException:
        for path in [*tmp_paths.values(), *(p for paths in part_paths for p in paths.values())]:
            path.unlink(missing_ok=True)
        raise
    for source, path in tmp_paths.items():
        os.replace(path, out / f"{source}.jsonl")
    manifest = _manifest(params, injector)
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


@dataclass
class DayPart:
    """What one process returns for its range of days (picklable): line and defect counts, and per
    order, in number order, the first-choice customer and the delivered minutes late (NaN: cancelled)."""

    lines: dict[str, int]
    defects: dict[str, dict[str, list[str]]]
    first_choices: array[int]
    minutes_late: array[float]


def _assign_customers(params: GeneratorParams, plans: list[DayPlan], parts: list[DayPart]) -> list[int]:
    """Every order's customer, decided in one pass over the period (simulate.assign_customers)."""
    first: array[int] = array("l")
    late: array[float] = array("d")
    for part in parts:
        first.extend(part.first_choices)
        late.extend(part.minutes_late)
    days = [plan.day for plan in plans for _ in range(plan.orders)]
    rng = random.Random(f"jozi-customers-{params.seed}")
    return assign_customers(first, late, days, _customer_pool(params), rng)


def _copy_with_customers(src: BinaryIO, dst: BinaryIO, customers: list[int], first_number: int) -> None:
    """Copy order lines, each placeholder replaced by the order's customer id (every copy of a line,
    duplicates and re-sends included, names the same customer)."""

    def customer_field(match: re.Match[bytes]) -> bytes:
        customer = customers[int(match.group(1)) - first_number]
        return f'"customer_id":"CUS-{customer:05d}"'.encode()

    while True:
        chunk = src.readlines(1 << 22)
        if not chunk:
            return
        dst.write(_PLACEHOLDER_FIELD.sub(customer_field, b"".join(chunk)))


def _customer_pool(params: GeneratorParams) -> int:
    return params.orders_per_day * 12


@dataclass(frozen=True)
class DayPlan:
    """What must be known about a day before any day is simulated: where its numbering starts."""

    day: int
    orders: int
    first_order_number: int
    first_window_number: int


def _day_rngs(params: GeneratorParams, day: int) -> tuple[random.Random, random.Random]:
    """The day's simulation stream and its defect stream (separate, so ``clean`` is the same store)."""
    return (
        random.Random(f"jozi-day-{params.seed}-{day}"),
        random.Random(f"jozi-defects-{params.seed}-{day}"),
    )


def _day_opening(
    params: GeneratorParams, day: int, rng: random.Random
) -> tuple[list[tuple[int, int, int]], int]:
    """The day's load-shedding windows and order count: the first draws of its simulation stream."""
    weekday = (params.start + dt.timedelta(days=day)).weekday()
    windows = load_shedding_windows(rng)
    count = max(1, round(params.orders_per_day * WEEKDAY_DEMAND[weekday] * rng.uniform(0.92, 1.08)))
    return windows, count


def day_plans(params: GeneratorParams) -> list[DayPlan]:
    """Every day's order count and first order/window number (cheap: two draws per day)."""
    plans, number, window_no = [], 1, 1
    for day in range(params.days):
        windows, count = _day_opening(params, day, _day_rngs(params, day)[0])
        plans.append(DayPlan(day, count, number, window_no))
        number += count
        window_no += len(windows)
    return plans


def _worker_count(params: GeneratorParams, workers: int | None) -> int:
    if workers is not None:
        return max(1, workers)
    # Starting a process costs about a second; below ~50k orders one process is faster.
    return 1 if params.days * params.orders_per_day < 50_000 else max(1, min(os.cpu_count() or 1, 8))


def _day_ranges(plans: list[DayPlan], workers: int) -> list[range]:
    """Consecutive day ranges with about the same number of orders each (at most ``workers``)."""
    total = sum(p.orders for p in plans)
    ranges, start, done = [], 0, 0
    for k in range(1, workers + 1):
        target = total * k / workers
        end = start
        while end < len(plans) and (done + plans[end].orders <= target or end == start):
            done += plans[end].orders
            end += 1
        if k == workers:
            end = len(plans)
        if end > start:
            ranges.append(range(start, end))
        start = end
    return ranges or [range(0, 0)]


@contextlib.contextmanager
def _open_all(paths: dict[str, Path]) -> Iterator[dict[str, BinaryIO]]:
    files: dict[str, BinaryIO] = {s: open(p, "wb", buffering=1 << 20) for s, p in paths.items()}  # noqa: SIM115
    try:
        yield files
    finally:
        for fh in files.values():
            fh.close()


def _emit_reference_data(params: GeneratorParams, files: dict[str, BinaryIO]) -> DefectInjector:
    """The menu and the driver roster (known before the first day), from the run's own stream."""
    clock = _Clock(params.start, params.days)
    injector = DefectInjector(params, clock, files)
    drivers = build_drivers(Staffing.for_volume(params.orders_per_day), random.Random(params.seed))
    opening = clock.at(-1, 8 * 3600)
    for idx, item in enumerate(MENU):
        item_id, name, category, prep, price = item
        record = {"item_id": item_id, "name": name, "category": category, "base_prep_minutes": prep,
                  "price_zar": price, "updated_at": opening}  # fmt: skip
        injector.emit("menu", record, item_id, allow_defects=idx > 0)
    for d in drivers:
        hired = params.start - dt.timedelta(days=d.hired_on_days_before_start)
        record = {"driver_id": d.driver_id, "name": d.name, "shift": d.shift, "vehicle": d.vehicle,
                  "hired_on": hired.isoformat(), "updated_at": opening}  # fmt: skip
        injector.emit("drivers", record, d.driver_id)
    return injector


def _emit_days(params: GeneratorParams, plans: list[DayPlan], days: range, paths: dict[str, Path]) -> DayPart:
    """Simulate and write ``days`` into ``paths``; returns what was written and each order's
    first-choice customer and minutes late (the customers are assigned after every day is done)."""
    clock = _Clock(params.start, params.days)
    staffing = Staffing.for_volume(params.orders_per_day)
    drivers = build_drivers(staffing, random.Random(params.seed))
    simulator = DaySimulator(staffing, drivers)
    change_day = params.schema_change_day
    customer_pool = _customer_pool(params)
    first_choices: array[int] = array("l")
    minutes_late: array[float] = array("d")
    with _open_all(paths) as files:
        injector = DefectInjector(params, clock, files)
        for plan in (plans[d] for d in days):
            day = plan.day
            sim_rng, injector.rng = _day_rngs(params, day)
            date = params.start + dt.timedelta(days=day)
            windows, count = _day_opening(params, day, sim_rng)
            for offset, (w_start, w_end, stage) in enumerate(windows):
                window_id = f"LS-{plan.first_window_number + offset:05d}"
                record = {"window_id": window_id, "stage": stage, "starts_at": clock.at(day, w_start * 60),
                          "ends_at": clock.at(day, w_end * 60), "area": SUPPLY_AREA,
                          "updated_at": clock.at(day - 1, 17 * 3600 + stage * 60)}  # fmt: skip
                injector.emit("load_shedding", record, window_id)
            new_shape = change_day is not None and date >= change_day
            orders = simulator.run(
                sim_rng, date.weekday(), plan.first_order_number, count, customer_pool, windows, new_shape
            )
            for order in orders:
                first_choices.append(order.customer)
                minutes_late.append(math.nan if order.cancelled else order.minutes_late)
                _emit_order(
                    injector, sim_rng, clock, day, order, drivers, new_shape, staffing.electric_oven_decks
                )
    return DayPart(injector.lines, injector.defects, first_choices, minutes_late)


def _emit_order(
    injector: DefectInjector,
    rng: random.Random,
    clock: _Clock,
    day: int,
    order: SimOrder,
    drivers: list[Driver],
    new_shape: bool,
    electric_decks: int,
) -> None:
    at: Callable[[float], str] = functools.partial(clock.at, day)
    order_id = f"ORD-{order.number:06d}"
    placed_at = at(order.placed)
    last_update = at(order.cancelled_at if order.cancelled else order.delivered)
    record: dict[str, Any] = {
        "order_id": order_id,
        "customer_id": _CUSTOMER_PLACEHOLDER.format(number=order.number),
        "placed_at": placed_at,
        "channel": order.channel,
        "zone": order.zone,
        "suburb": order.suburb,
        "distance_km": order.distance_km,
        "promised_minutes": order.promised_minutes,
        "total_zar": order.total_zar,
    }
    if new_shape:
        if order.tip_zar is not None or order.number % 3:
            record["tip_zar"] = order.tip_zar  # older app versions omit it entirely
        record["payment_type"] = order.payment_method
        injector.note("schema_change", "orders", order_id)
    else:
        record["payment_method"] = order.payment_method
    record["status"] = "cancelled" if order.cancelled else "delivered"
    record["updated_at"] = last_update
    injector.emit("orders", record, order_id)

    for line_no, (idx, size, qty, price) in enumerate(order.items, start=1):
        item = {"order_id": order_id, "line_no": line_no, "item_id": MENU[idx][0], "size": size, "qty": qty,
                "unit_price_zar": price, "updated_at": placed_at}  # fmt: skip
        injector.emit("order_items", item, f"{order_id}/{line_no}")
    if order.cancelled:
        return

    line = f"line-{order.cook + 1}"
    oven = f"oven-{order.deck // 4 + 1}" if order.deck < electric_decks else "gas-oven"
    kitchen = [
        ("prep_started", order.prep_started, line),
        ("prep_finished", order.prep_finished, line),
        ("oven_in", order.oven_in, oven),
        ("oven_out", order.oven_out, oven),
    ]
    synced = ""
    shuffled = injector.out_of_order_rate > 0 and injector.rng.random() < injector.out_of_order_rate
    if shuffled:
        # The kitchen tablet synced a batch: same updated_at, oven_out listed before oven_in.
        injector.note("out_of_order", "kitchen_events", order_id)
        synced = at(order.oven_out)
        kitchen[2], kitchen[3] = kitchen[3], kitchen[2]
    for event_type, seconds, station in kitchen:
        event_id = f"KE-{order.number:06d}-{event_type}"
        event_at = at(seconds)
        event = {"event_id": event_id, "order_id": order_id, "event_type": event_type, "event_at": event_at,
                 "station": station, "updated_at": synced if shuffled else event_at}  # fmt: skip
        injector.emit("kitchen_events", event, event_id, allow_defects=not shuffled)

    driver_id = drivers[order.driver].driver_id
    for event_type, seconds in (
        ("driver_assigned", order.driver_assigned),
        ("departed", order.departed),
        ("delivered", order.delivered),
    ):
        event_id = f"DE-{order.number:06d}-{event_type}"
        event_at = at(seconds)
        event = {"event_id": event_id, "order_id": order_id, "event_type": event_type, "event_at": event_at,
                 "driver_id": driver_id, "updated_at": event_at}  # fmt: skip
        injector.emit("dispatch_events", event, event_id)

    late = max(0.0, order.minutes_late)
    if rng.random() < min(0.65, 0.03 + 0.013 * late):
        category = "late" if late > 5 and rng.random() < 0.75 else rng.choice(tuple(COMPLAINT_TEXT))
        created = at(order.delivered + rng.randint(600, 3 * 3600))
        complaint_id = f"CMP-{order.number:06d}"
        complaint = {"complaint_id": complaint_id, "order_id": order_id,
                     "channel": rng.choice(("app", "phone", "email", "social")), "category": category,
                     "text": rng.choice(COMPLAINT_TEXT[category]), "created_at": created,
                     "updated_at": created}  # fmt: skip
        injector.emit("complaints", complaint, complaint_id)
    if rng.random() < 0.35:
        stars = round(4.6 - 0.09 * late + rng.gauss(0, 0.6))
        stars = max(1, min(5, stars))
        rated = at(order.delivered + rng.randint(900, 8 * 3600))
        rating_id = f"RAT-{order.number:06d}"
        comment = rng.choice(RATING_COMMENT[stars])
        rating = {"rating_id": rating_id, "order_id": order_id, "stars": stars, "comment": comment,
                  "rated_at": rated, "updated_at": rated}  # fmt: skip
        injector.emit("ratings", rating, rating_id)


def _manifest(params: GeneratorParams, injector: DefectInjector) -> dict[str, Any]:
    sources: dict[str, Any] = {}
    for source in SOURCES:
        extra = len(injector.defects["exact_duplicate"].get(source, [])) + len(
            injector.defects["resent_update"].get(source, [])
        )
        sources[source] = {
            "file": f"{source}.jsonl",
            "records": injector.lines[source],
            "base_records": injector.lines[source] - extra,
        }
    defects = {}
    for kind in DEFECT_KINDS:
        by_source = injector.defects[kind]
        defects[kind] = {
            "count": sum(len(keys) for keys in by_source.values()),
            "by_source": {s: len(k) for s, k in by_source.items()},
            "keys": by_source,
        }
    change_day = params.schema_change_day
    return {
        "generator": "jozi_lake.demo.generator",
        "format_version": 1,
        "params": params.as_dict(),
        "timezone": "Africa/Johannesburg",
        "end": (params.start + dt.timedelta(days=params.days - 1)).isoformat(),
        "schema_change_from": change_day.isoformat() if change_day else None,
        "reference_orders_per_day": REFERENCE_ORDERS_PER_DAY,
        "sources": sources,
        "defects": defects,
    }
