"""A queueing simulation of Jozi Pizza Co.'s day, so lateness comes from mechanisms, not from noise.

Each order flows through the store the way a real one does: it waits for a free cook on the make
line (``prep_started``), is assembled (``prep_finished``), waits for a free oven deck and bakes
(``oven_in`` → ``oven_out``), waits for a free driver (``driver_assigned`` → ``departed``) and is
driven out (``delivered``); the driver then rides back before taking the next order. Cooks, oven
decks and drivers are finite and staffed per shift, so queues form whenever arrivals outrun a
resource. Demand has a lunch and a dinner peak and Friday/Saturday are the busiest days.

Planted causes of delay (the answers the lake must be able to find; they are written here and in
the generator tests only, never in analysts' SQL):

(a) **Friday/Saturday dinner: drivers.** The driver roster is the same every day, sized for a
    weekday dinner. At the Friday/Saturday dinner peak (18:00-21:00) the kitchen keeps up (the
    dinner line and ovens are sized for the weekend) but orders pile up waiting for a driver, so
    ``wait_for_driver`` carries most of the excess minutes of late orders.
(b) **Load-shedding: ovens.** During a load-shedding window the electric ovens are off; only the
    small gas oven keeps baking, and a pizza caught in an electric oven when the power goes stalls
    until it returns. The ``oven`` stage (prep finished → oven out) balloons for orders whose oven
    stage overlaps a window.
(c) **Weekday lunch: cooks.** On weekdays (Mon-Fri) the lunch peak is sharp (office orders) and only
    the all-day cooks are on the line; at weekends extra lunch cooks come in. So at the weekday
    lunch peak (12:00-14:00) orders queue for the make line and ``wait_before_prep`` grows.
(d) **Far zones: drive.** ``east`` and ``west`` suburbs are 7-12 km away over congested highways
    while the promise does not depend on distance, so far-zone orders are late because of the
    ``drive`` stage.
(e) **Late deliveries cost repeat customers.** A customer whose delivery arrives late stays away, with
    a probability that grows with the minutes late (:func:`churn_probability`: 15 % plus 1.5 points
    per minute late, at most 50 %), for :data:`CHURN_AWAY_DAYS` days: orders that would have been
    theirs go to other customers (:func:`assign_customers`). So the share of customers who order
    again within 30 days is clearly lower after a late delivery than after an on-time one.

Who places an order does not change how the store handles it, so customers are assigned after the
days are simulated, in one pass over the whole period in order-number order (the only part of the
generator that carries state across days); each order's first-choice customer is drawn in its day's
stream, the churn decisions and replacements come from a stream of the run's own.

Every resource count scales with ``orders_per_day`` (the reference store does 250 a day), so the
same shape holds for a demo and for a million-order benchmark. Times are integer seconds since the
local midnight of the order's day; the emitter turns them into the store's local wall-clock strings.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

OPEN_MIN = 10 * 60  # first order 10:00
LAST_ORDER_MIN = 22 * 60  # last order 22:00
SHIFT_CHANGE_MIN = 16 * 60  # lunch shift ends / dinner shift starts
LUNCH_DRIVER_END_MIN = 15 * 60 + 30
CLOSE_MIN = 23 * 60 + 30

REFERENCE_ORDERS_PER_DAY = 250
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Demand per weekday relative to orders_per_day (mean 1.0 over a week): Friday/Saturday busiest.
WEEKDAY_DEMAND = (0.85, 0.85, 0.9, 0.95, 1.2, 1.3, 0.95)
# (lunch share, dinner share); the rest is spread evenly over opening hours.
WEEKDAY_PEAKS = ((0.3, 0.44),) * 4 + ((0.24, 0.52), (0.18, 0.56), (0.2, 0.5))
LUNCH_PEAK = (12 * 60 + 50, 45.0)  # mean, standard deviation in minutes
DINNER_PEAK = (19 * 60 + 10, 55.0)

ZONES = ("central", "north", "south", "east", "west")
ZONE_WEIGHTS = (0.26, 0.25, 0.21, 0.14, 0.14)
FAR_ZONES = frozenset({"east", "west"})
ZONE_DISTANCE_KM = {"central": (1.0, 3.0), "north": (2.0, 4.5), "south": (2.5, 5.0), "east": (7.0, 11.5),
                    "west": (7.0, 12.0)}  # fmt: skip
ZONE_SUBURBS = {
    "central": ("Rosebank", "Parktown", "Saxonwold", "Killarney"),
    "north": ("Parkhurst", "Greenside", "Craighall", "Parktown North"),
    "south": ("Melville", "Auckland Park", "Westdene", "Brixton"),
    "east": ("Bedfordview", "Kensington", "Bruma", "Observatory"),
    "west": ("Randburg", "Northcliff", "Cresta", "Linden"),
}
CHANNELS = ("app", "web", "phone", "uber_eats", "mr_d")
CHANNEL_WEIGHTS = (0.38, 0.17, 0.1, 0.2, 0.15)
PROMISED_MINUTES = {"app": 40, "web": 40, "phone": 45, "uber_eats": 45, "mr_d": 45}
PAYMENT_METHODS = ("card", "cash", "voucher")
PAYMENT_WEIGHTS = (0.72, 0.22, 0.06)
VEHICLE_MIN_PER_KM = {"scooter": 2.3, "motorbike": 2.0, "car": 2.2}
VEHICLES = ("scooter", "motorbike", "car")
CANCEL_RATE = 0.02

# (item_id, name, category, base_prep_minutes, price_zar)
MENU: tuple[tuple[str, str, str, float, float], ...] = (
    ("ITM-01", "Margherita", "pizza", 3.5, 89.9),
    ("ITM-02", "Pepperoni", "pizza", 4.0, 109.9),
    ("ITM-03", "Boerewors & Chakalaka", "pizza", 5.0, 129.9),
    ("ITM-04", "Peri-Peri Chicken", "pizza", 4.5, 124.9),
    ("ITM-05", "Bunny Chow Pizza", "pizza", 5.5, 134.9),
    ("ITM-06", "Four Cheese", "pizza", 4.0, 119.9),
    ("ITM-07", "Vegetarian Supreme", "pizza", 4.5, 114.9),
    ("ITM-08", "Biltong & Avo", "pizza", 5.0, 139.9),
    ("ITM-09", "Garlic Bread", "side", 1.5, 39.9),
    ("ITM-10", "Chicken Wings", "side", 2.5, 69.9),
    ("ITM-11", "Slap Chips", "side", 2.0, 34.9),
    ("ITM-12", "Coke 500ml", "drink", 0.2, 22.0),
    ("ITM-13", "Appletiser", "drink", 0.2, 26.0),
    ("ITM-14", "Malva Pudding", "dessert", 1.0, 44.9),
    ("ITM-15", "Milk Tart", "dessert", 0.8, 39.9),
)
PIZZA_ITEMS = tuple(i for i, m in enumerate(MENU) if m[2] == "pizza")
EXTRA_ITEMS = tuple(i for i, m in enumerate(MENU) if m[2] != "pizza")
SIZE_FACTOR = {"small": (0.8, 0.85), "medium": (1.0, 1.0), "large": (1.25, 1.3)}  # (prep, price)
SIZES = ("small", "medium", "large")
SIZE_WEIGHTS = (0.2, 0.45, 0.35)
LOAD_SHEDDING_DAY_RATE = 0.22
CHURN_AWAY_DAYS = 45
CHURN_REDRAWS = 20  # replacement draws for an order whose first choice stays away; then they return
LOAD_SHEDDING_STARTS_MIN = tuple(h * 60 for h in (10, 12, 14, 16, 18, 20))


def _picker(options: Sequence[str], weights: Sequence[float]) -> tuple[Sequence[str], list[float]]:
    """Options with cumulative weights, for a fast weighted draw (``random.choices`` rebuilds them)."""
    return options, list(itertools.accumulate(weights))


def _pick(rng: random.Random, picker: tuple[Sequence[str], list[float]]) -> str:
    options, cumulative = picker
    return options[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


_ZONE = _picker(ZONES, ZONE_WEIGHTS)
_CHANNEL = _picker(CHANNELS, CHANNEL_WEIGHTS)
_PAYMENT = _picker(PAYMENT_METHODS, PAYMENT_WEIGHTS)
_SIZE = _picker(SIZES, SIZE_WEIGHTS)


@dataclass(frozen=True)
class Staffing:
    """Resource counts for one store size; everything scales from the 250-orders-a-day store."""

    all_day_cooks: int
    weekend_lunch_cooks: int
    dinner_cooks: int
    electric_oven_decks: int
    gas_oven_decks: int
    all_day_drivers: int
    lunch_drivers: int
    dinner_drivers: int

    @classmethod
    def for_volume(cls, orders_per_day: int) -> Staffing:
        scale = orders_per_day / REFERENCE_ORDERS_PER_DAY

        def n(base: float) -> int:
            return max(1, round(base * scale))

        return cls(
            all_day_cooks=n(3),
            weekend_lunch_cooks=n(3),
            dinner_cooks=n(6),
            electric_oven_decks=n(16),
            gas_oven_decks=n(3),
            all_day_drivers=n(8),
            lunch_drivers=n(8),
            dinner_drivers=n(13),
        )


@dataclass(frozen=True)
class Driver:
    driver_id: str
    name: str
    shift: str  # lunch | dinner | full
    vehicle: str
    hired_on_days_before_start: int


@dataclass
class SimOrder:
    """One order's facts and its timeline (seconds since local midnight of its day)."""

    number: int
    customer: int
    placed: int
    channel: str
    zone: str
    suburb: str
    distance_km: float
    promised_minutes: int
    payment_method: str
    tip_zar: float | None
    items: list[tuple[int, str, int, float]]  # (menu index, size, qty, unit price)
    total_zar: float
    cancelled: bool
    cancelled_at: int = 0
    cook: int = 0
    prep_started: int = 0
    prep_finished: int = 0
    deck: int = 0
    oven_in: int = 0
    oven_out: int = 0
    driver: int = 0
    driver_assigned: int = 0
    departed: int = 0
    delivered: int = 0

    @property
    def minutes_late(self) -> float:
        return (self.delivered - self.placed) / 60.0 - self.promised_minutes


def build_drivers(staffing: Staffing, rng: random.Random) -> list[Driver]:
    first = ("Thabo", "Sipho", "Lerato", "Naledi", "Johan", "Pieter", "Ayesha", "Kagiso", "Zanele",
             "Mpho", "Riaan", "Themba", "Bongani", "Palesa", "Ahmed", "Lindiwe")  # fmt: skip
    last = ("Mokoena", "Dlamini", "Nkosi", "van der Merwe", "Botha", "Naidoo", "Khumalo", "Pillay",
            "Mahlangu", "Pretorius", "Molefe", "Ndlovu")  # fmt: skip
    drivers = []
    shifts = (
        ["full"] * staffing.all_day_drivers
        + ["lunch"] * staffing.lunch_drivers
        + ["dinner"] * staffing.dinner_drivers
    )
    for i, shift in enumerate(shifts, start=1):
        drivers.append(
            Driver(
                driver_id=f"DRV-{i:03d}",
                name=f"{rng.choice(first)} {rng.choice(last)}",
                shift=shift,
                vehicle=rng.choices(VEHICLES, weights=(0.45, 0.4, 0.15))[0],
                hired_on_days_before_start=rng.randint(20, 1500),
            )
        )
    return drivers


def load_shedding_windows(rng: random.Random) -> list[tuple[int, int, int]]:
    """The day's outages as (start minute, end minute, stage); most days have none."""
    if rng.random() >= LOAD_SHEDDING_DAY_RATE:
        return []
    windows = []
    starts = rng.sample(LOAD_SHEDDING_STARTS_MIN, 2 if rng.random() < 0.25 else 1)
    for start in sorted(starts):
        stage = rng.choices((1, 2, 3, 4, 5, 6), weights=(0.15, 0.3, 0.25, 0.15, 0.1, 0.05))[0]
        length = 150 if stage >= 5 else 120
        windows.append((start, start + length, stage))
    return windows


def _placement_minutes(rng: random.Random, count: int, weekday: int) -> list[float]:
    lunch_share, dinner_share = WEEKDAY_PEAKS[weekday]
    minutes = []
    for _ in range(count):
        u = rng.random()
        if u < lunch_share:
            t = rng.gauss(*LUNCH_PEAK)
        elif u < lunch_share + dinner_share:
            t = rng.gauss(*DINNER_PEAK)
        else:
            t = rng.uniform(OPEN_MIN, LAST_ORDER_MIN)
        if OPEN_MIN <= t < LAST_ORDER_MIN:
            minutes.append(t)
        else:
            minutes.append(rng.uniform(OPEN_MIN, LAST_ORDER_MIN))
    minutes.sort()
    return minutes


def _bake_end(start: float, bake: float, windows: list[tuple[int, int, int]]) -> tuple[float, float]:
    """(oven in, oven out) in an electric deck: no start during an outage, a bake in progress stalls."""
    for w_start, w_end, _stage in windows:
        ws, we = w_start * 60.0, w_end * 60.0
        if ws <= start < we:
            start = we
        elif start < ws < start + bake:
            return start, we + (start + bake - ws)
    return start, start + bake


class DaySimulator:
    """Simulates one day of orders through cooks, ovens and drivers (state does not cross days)."""

    def __init__(self, staffing: Staffing, drivers: list[Driver]) -> None:
        self.staffing = staffing
        self.drivers = drivers

    def run(
        self,
        rng: random.Random,
        weekday: int,
        first_number: int,
        count: int,
        customer_pool: int,
        windows: list[tuple[int, int, int]],
        with_tips: bool,
    ) -> list[SimOrder]:
        st = self.staffing
        weekend = weekday >= 5
        # Make line: (free at second, cook index). Extra cooks join at their shift start.
        cooks: list[tuple[float, int]] = [(OPEN_MIN * 60.0, i) for i in range(st.all_day_cooks)]
        next_cook = st.all_day_cooks
        late_cooks: list[tuple[float, int]] = []
        if weekend:
            cooks += [(OPEN_MIN * 60.0, next_cook + i) for i in range(st.weekend_lunch_cooks)]
            next_cook += st.weekend_lunch_cooks
        late_cooks = [(SHIFT_CHANGE_MIN * 60.0, next_cook + i) for i in range(st.dinner_cooks)]
        heapq.heapify(cooks)
        lunch_cook_ids = set(range(st.all_day_cooks, st.all_day_cooks + st.weekend_lunch_cooks))
        dinner_added = False
        electric: list[tuple[float, int]] = [(0.0, i) for i in range(st.electric_oven_decks)]
        gas: list[tuple[float, int]] = [(0.0, st.electric_oven_decks + i) for i in range(st.gas_oven_decks)]
        fleet: list[tuple[float, int]] = []
        for idx, d in enumerate(self.drivers):
            start = SHIFT_CHANGE_MIN if d.shift == "dinner" else OPEN_MIN
            fleet.append((start * 60.0, idx))
        heapq.heapify(fleet)

        orders: list[SimOrder] = []
        for n, minute in enumerate(_placement_minutes(rng, count, weekday)):
            placed = minute * 60.0
            order = self._new_order(rng, first_number + n, int(placed), customer_pool, with_tips)
            orders.append(order)
            if order.cancelled:
                order.cancelled_at = order.placed + rng.randint(60, 300)
                continue
            if not dinner_added and placed >= SHIFT_CHANGE_MIN * 60:
                # Shift change: weekend lunch cooks leave, dinner cooks join.
                cooks = [c for c in cooks if c[1] not in lunch_cook_ids] + late_cooks
                heapq.heapify(cooks)
                dinner_added = True
            pizzas = sum(q for i, _s, q, _p in order.items if MENU[i][2] == "pizza")
            prep_minutes = 1.0 + 0.55 * sum(MENU[i][3] * SIZE_FACTOR[s][0] * (1 + 0.35 * (q - 1))
                                     for i, s, q, _p in order.items)  # fmt: skip
            prep_minutes *= rng.uniform(0.85, 1.2)
            ready = placed + rng.uniform(45, 120)
            free_at, cook = heapq.heappop(cooks)
            prep_start = max(ready, free_at)
            prep_end = prep_start + prep_minutes * 60.0
            heapq.heappush(cooks, (prep_end, cook))

            bake = (8.0 + 0.6 * max(0, pizzas - 1) + rng.uniform(-0.5, 0.8)) * 60.0
            e_free, e_deck = electric[0]
            e_in, e_out = _bake_end(max(prep_end + rng.uniform(10, 40), e_free), bake, windows)
            g_free, g_deck = gas[0] if gas else (math.inf, -1)
            g_in = max(prep_end + rng.uniform(10, 40), g_free)
            g_out = g_in + bake * 1.15  # the gas oven is slower
            if e_out <= g_out:
                heapq.heapreplace(electric, (e_out, e_deck))
                deck, oven_in, oven_out = e_deck, e_in, e_out
            else:
                heapq.heapreplace(gas, (g_out, g_deck))
                deck, oven_in, oven_out = g_deck, g_in, g_out

            while True:
                free_at, idx = heapq.heappop(fleet)
                driver = self.drivers[idx]
                assign = max(oven_out, free_at)
                if driver.shift == "lunch" and assign >= LUNCH_DRIVER_END_MIN * 60:
                    continue  # the lunch driver has gone home
                break
            assign += rng.uniform(5, 40)
            depart = assign + rng.uniform(60, 180)
            traffic = 1.15 if (weekday < 5 and 16 * 60 + 30 <= minute < 18 * 60 + 30) else 1.0
            drive = (1.5 + order.distance_km * VEHICLE_MIN_PER_KM[driver.vehicle] * traffic) * 60.0
            # Far suburbs are reached over the M1/N1, whose congestion varies far more than side streets.
            drive *= rng.uniform(0.9, 1.5) if order.zone in FAR_ZONES else rng.uniform(0.9, 1.15)
            delivered = depart + drive
            heapq.heappush(fleet, (delivered + drive * 0.85 + rng.uniform(30, 120), idx))

            order.cook, order.deck, order.driver = cook, deck, idx
            order.prep_started, order.prep_finished = int(prep_start), int(prep_end)
            order.oven_in, order.oven_out = int(oven_in), int(oven_out)
            order.driver_assigned, order.departed, order.delivered = int(assign), int(depart), int(delivered)
        return orders

    @staticmethod
    def _new_order(
        rng: random.Random, number: int, placed: int, customer_pool: int, with_tips: bool
    ) -> SimOrder:
        zone = _pick(rng, _ZONE)
        low, high = ZONE_DISTANCE_KM[zone]
        channel = _pick(rng, _CHANNEL)
        items: list[tuple[int, str, int, float]] = []
        for _ in range(1 if rng.random() < 0.6 else rng.randint(2, 3)):
            size = _pick(rng, _SIZE)
            idx = rng.choice(PIZZA_ITEMS)
            items.append(
                (idx, size, 1 if rng.random() < 0.85 else 2, round(MENU[idx][4] * SIZE_FACTOR[size][1], 2))
            )
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            idx = rng.choice(EXTRA_ITEMS)
            items.append((idx, "medium", rng.randint(1, 2), MENU[idx][4]))
        total = round(sum(q * p for _i, _s, q, p in items), 2)
        # Drawn even before the app knew tips, so the clean and messy runs stay the same store.
        tip_draw, tip_amount = rng.random(), rng.choice((10.0, 15.0, 20.0, 25.0, 30.0, 50.0))
        tip = tip_amount if with_tips and tip_draw < 0.6 else None
        return SimOrder(
            number=number,
            customer=1 + int(customer_pool * rng.random() ** 2),
            placed=placed,
            channel=channel,
            zone=zone,
            suburb=rng.choice(ZONE_SUBURBS[zone]),
            distance_km=round(rng.uniform(low, high), 1),
            promised_minutes=PROMISED_MINUTES[channel],
            payment_method=_pick(rng, _PAYMENT),
            tip_zar=tip,
            items=items,
            total_zar=total,
            cancelled=rng.random() < CANCEL_RATE,
        )


def churn_probability(minutes_late: float) -> float:
    """Chance that a customer stays away after a delivery ``minutes_late`` late (0 when on time)."""
    if minutes_late <= 0:
        return 0.0
    return min(0.5, 0.15 + 0.015 * minutes_late)


def assign_customers(
    first_choices: Sequence[int],
    minutes_late: Sequence[float],
    order_days: Sequence[int],
    customer_pool: int,
    rng: random.Random,
) -> list[int]:
    """The customer of every order of the period (planted cause (e)), in order-number order.

    ``first_choices`` are the customers the day streams drew, ``minutes_late`` the delivered minutes
    late of each order (NaN for a cancelled one: nobody is disappointed by a delivery that never came),
    ``order_days`` the day index of each. An order whose first choice is staying away after a late
    delivery goes to a replacement drawn from the same skewed distribution; after
    :data:`CHURN_REDRAWS` draws that all hit absent customers the last one is taken (a lost customer
    coming back early is rarer than never, not impossible).
    """
    away_until: dict[int, int] = {}
    customers: list[int] = []
    for first, late, day in zip(first_choices, minutes_late, order_days, strict=True):
        customer = first
        redraws = 0
        while away_until.get(customer, -1) >= day and redraws < CHURN_REDRAWS:
            customer = 1 + int(customer_pool * rng.random() ** 2)
            redraws += 1
        customers.append(customer)
        if late > 0 and rng.random() < churn_probability(late):  # NaN > 0 is False: cancelled orders
            away_until[customer] = day + CHURN_AWAY_DAYS
    return customers
