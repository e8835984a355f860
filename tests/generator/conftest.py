"""Generated datasets shared by the generator tests (generation is the slow part, so once per module)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from jozi_lake.demo.generator import GeneratorParams, Messiness, generate

START = dt.date(2026, 6, 1)  # a Monday


@pytest.fixture(scope="session")
def clean_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four weeks of the reference store, no defects: the planted causes must show here."""
    out = tmp_path_factory.mktemp("clean")
    generate(
        GeneratorParams(start=START, days=28, orders_per_day=250, seed=7, messiness=Messiness.clean()), out
    )
    return out


@pytest.fixture(scope="session")
def messy_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two weeks with every defect at a raised rate, so rates can be checked tightly."""
    out = tmp_path_factory.mktemp("messy")
    raised = Messiness(
        exact_duplicate=0.02,
        resent_update=0.02,
        late_arriving=0.02,
        null_required=0.02,
        malformed_amount=0.03,
        empty_string=0.02,
        bad_timestamp=0.02,
        out_of_order=0.03,
        non_utf8=0.05,
    )
    generate(GeneratorParams(start=START, days=14, orders_per_day=150, seed=11, messiness=raised), out)
    return out
