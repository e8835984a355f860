"""The generator's knobs: what period, how busy, which seed, and how messy the store's systems are.

They are plain frozen dataclasses so a run's parameters can be written into ``manifest.json`` and a
second run with the same values reproduces the same bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from jozi_lake.errors import LakeError

# Every defect kind of docs/data-model.md, in the order the manifest lists them.
DEFECT_KINDS: tuple[str, ...] = (
    "exact_duplicate",
    "resent_update",
    "late_arriving",
    "null_required",
    "malformed_amount",
    "empty_string",
    "bad_timestamp",
    "out_of_order",
    "schema_change",
    "non_utf8",
)


@dataclass(frozen=True)
class Messiness:
    """Per-record probabilities of each defect kind among the records eligible for it.

    A record gets at most one of the per-record defects (one uniform draw against the cumulative
    rates), so each kind's observed share of its eligible records is its rate. ``out_of_order`` is
    drawn per order (its kitchen events), ``non_utf8`` per free-text record, and ``schema_change``
    is not random: when on, every order placed from the middle day has the new shape.
    """

    exact_duplicate: float = 0.004
    resent_update: float = 0.004
    late_arriving: float = 0.003
    null_required: float = 0.002
    malformed_amount: float = 0.01
    empty_string: float = 0.003
    bad_timestamp: float = 0.003
    out_of_order: float = 0.01
    non_utf8: float = 0.03
    schema_change: bool = True

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "schema_change" and not 0.0 <= value <= 0.2:
                raise LakeError(
                    f"messiness rate {f.name}={value} is outside 0..0.2",
                    "defects are meant to be rare; use a rate between 0 and 0.2",
                )

    @classmethod
    def clean(cls) -> Messiness:
        """No defects at all and no schema change: the store as a textbook would describe it."""
        values: dict[str, Any] = {f.name: (False if f.name == "schema_change" else 0.0) for f in fields(cls)}
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class GeneratorParams:
    """One generated period of Jozi Pizza Co.'s operations."""

    start: dt.date = dt.date(2026, 6, 1)
    days: int = 90
    orders_per_day: int = 250
    seed: int = 42
    messiness: Messiness = field(default_factory=Messiness)

    def __post_init__(self) -> None:
        if self.days < 1:
            raise LakeError(f"days must be at least 1 (got {self.days})")
        if self.orders_per_day < 10:
            raise LakeError(
                f"orders_per_day must be at least 10 (got {self.orders_per_day})",
                "the kitchen and driver simulation needs a working day's worth of orders",
            )

    @property
    def schema_change_day(self) -> dt.date | None:
        """The first day whose orders carry ``tip_zar``/``payment_type`` (the middle day)."""
        if not self.messiness.schema_change:
            return None
        return self.start + dt.timedelta(days=self.days // 2)

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "days": self.days,
            "orders_per_day": self.orders_per_day,
            "seed": self.seed,
            "messiness": self.messiness.as_dict(),
        }
