"""Tests of evaluation.vfm: Green Book discounting, NPV, cost per outcome and break-even."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation import vfm
from tests.reference.green_book_2022 import DISCOUNT_FACTORS


def test_discount_factors_reproduce_the_green_book_table():
    years = list(DISCOUNT_FACTORS)
    ours = vfm.discount_factors(years)
    assert np.round(ours, 4).tolist() == list(DISCOUNT_FACTORS.values())


def test_discount_factors_are_products_over_the_schedule():
    factors = vfm.discount_factors(np.arange(0, 320))
    assert factors[30] == pytest.approx(1.035**-30, rel=1e-14)
    assert factors[31] == pytest.approx(1.035**-30 / 1.03, rel=1e-14)
    assert factors[75] == pytest.approx(1.035**-30 / 1.03**45, rel=1e-14)
    assert factors[76] == pytest.approx(factors[75] / 1.025, rel=1e-14)
    assert factors[126] == pytest.approx(factors[125] / 1.02, rel=1e-14)
    assert factors[201] == pytest.approx(factors[200] / 1.015, rel=1e-14)
    assert factors[301] == pytest.approx(factors[300] / 1.01, rel=1e-14)
    # the implied one-year rate steps down exactly at the schedule's boundaries
    rates = factors[:-1] / factors[1:] - 1
    assert np.allclose(rates[:30], 0.035) and np.allclose(rates[30:75], 0.03)
    assert np.allclose(rates[75:125], 0.025) and np.allclose(rates[125:200], 0.02)


def test_constant_schedule_and_order_of_years():
    assert vfm.discount_factors([3, 0, 1], schedule=vfm.constant_schedule(0.1)).tolist() == (
        pytest.approx([1 / 1.331, 1.0, 1 / 1.1])
    )
    with pytest.raises(ValueError, match="whole numbers"):
        vfm.discount_factors([1.5])
    with pytest.raises(ValueError, match="whole numbers"):
        vfm.discount_factors([-1])
    with pytest.raises(ValueError, match="math.inf"):
        vfm.discount_factors([1], schedule=((30, 0.035),))


def flows() -> pd.DataFrame:
    return pd.DataFrame(
        {"year": [0, 1, 2, 3], "cost": [1_000.0, 100, 100, 0], "benefit": [0.0, 400, 400, 400]}
    )


def test_appraisal_by_hand():
    result = vfm.appraisal(flows(), time="year", costs="cost", benefits="benefit")
    df = [1, 1 / 1.035, 1 / 1.035**2, 1 / 1.035**3]
    pv_costs = 1_000 + 100 * df[1] + 100 * df[2]
    pv_benefits = 400 * (df[1] + df[2] + df[3])
    assert result.pv_costs == pytest.approx(pv_costs)
    assert result.pv_benefits == pytest.approx(pv_benefits)
    assert result.npv == pytest.approx(pv_benefits - pv_costs)
    assert result.bcr == pytest.approx(pv_benefits / pv_costs)
    assert result.table["cumulative_npv"].iloc[-1] == pytest.approx(result.npv)
    assert result.tidy()["term"].tolist() == ["PV costs", "PV benefits", "NPV", "BCR"]
    assert "NPV" in result.summary()


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), split=st.booleans())
def test_appraisal_ignores_row_order_and_split_rows(seed: int, split: bool):
    base = vfm.appraisal(flows(), time="year", costs="cost", benefits="benefit")
    data = flows().sample(frac=1, random_state=seed)
    if split:  # the same year's flows in two rows add up
        halves = data.assign(cost=data["cost"] / 2, benefit=data["benefit"] / 2)
        data = pd.concat([halves, halves])
    other = vfm.appraisal(data, time="year", costs="cost", benefits="benefit")
    assert other.npv == pytest.approx(base.npv, rel=1e-12)


def test_cost_per_outcome_by_hand():
    data = pd.DataFrame({"year": [0, 1, 2], "cost": [900.0, 100, 0], "jobs": [0.0, 2, 3]})
    discounted = vfm.cost_per_outcome(data, time="year", costs="cost", outcomes="jobs")
    cost = 900 + 100 / 1.035
    assert discounted == pytest.approx(cost / (2 / 1.035 + 3 / 1.035**2))
    plain = vfm.cost_per_outcome(
        data, time="year", costs="cost", outcomes="jobs", discount_outcomes=False
    )
    assert plain == pytest.approx(cost / 5)
    with pytest.raises(ValueError, match="sums to zero"):
        vfm.cost_per_outcome(data.assign(jobs=0.0), time="year", costs="cost", outcomes="jobs")


def test_break_even_effect_is_the_ratio_of_present_values():
    data = pd.DataFrame(
        {"year": [0, 1, 2, 3], "cost": [5e6, 0, 0, 0], "per_point": [0.0, 2e5, 2e5, 2e5]}
    )
    effect = vfm.break_even_effect(data, time="year", costs="cost", benefit_per_unit="per_point")
    pv_unit = 2e5 * sum(1.035**-t for t in (1, 2, 3))
    assert effect == pytest.approx(5e6 / pv_unit, rel=1e-10)
    # at the break-even effect the NPV is zero
    at = data.assign(benefit=effect * data["per_point"])
    assert vfm.appraisal(at, time="year", costs="cost", benefits="benefit").npv == pytest.approx(
        0, abs=1e-4
    )


def test_break_even_handles_a_threshold_and_never():
    # A payment of 100 is triggered once the effect reaches 0.075; savings are 1,000 per unit.
    def npv(effect: float) -> float:
        return 1_000 * effect - (100 if effect >= 0.075 else 0)

    # NPV is positive below the threshold, so the smallest effect with NPV >= 0 is 0 ...
    assert vfm.break_even(npv, low=0.0, high=1.0) == 0.0
    # ... but among effects that trigger payment it is 0.1 (1,000 x 0.1 = 100)
    assert vfm.break_even(npv, low=0.075, high=1.0) == pytest.approx(0.1, abs=1e-9)
    with pytest.warns(UserWarning, match="stays below zero"):
        assert math.isnan(vfm.break_even(lambda e: -1.0, high=1.0))
    # a jump: NPV turns from negative to positive at a threshold, without a root
    assert vfm.break_even(lambda e: 10.0 if e >= 0.3 else -1.0) == pytest.approx(0.3, abs=1e-3)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.drop(columns="cost"), "'cost' is not a column"),
        (lambda d: d.assign(cost=["a", "b", "c", "d"]), "must be numeric"),
        (lambda d: d.assign(benefit=[0.0, np.nan, 1, 1]), "missing value"),
    ],
)
def test_bad_input_is_refused(change, message: str):
    with pytest.raises(ValueError, match=message):
        vfm.appraisal(change(flows()), time="year", costs="cost", benefits="benefit")


def test_2026_schedules_as_reported_by_dft() -> None:
    """Years 0-30 rates of the three 2026 schedules (DfT, 16 April 2026, table 1)."""
    assert vfm.GREEN_BOOK_SCHEDULE[0] == (30, 0.035)
    assert vfm.GREEN_BOOK_HEALTH_SCHEDULE[0] == (30, 0.015)
    assert vfm.GREEN_BOOK_LONG_HORIZON_SCHEDULE[0] == (30, 0.030)
    # Within years 0-30 one rate applies: DF_30 = 1.015^-30 for health.
    df = vfm.discount_factors([30], schedule=vfm.GREEN_BOOK_HEALTH_SCHEDULE)[0]
    assert df == pytest.approx(1.015**-30, rel=1e-12)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: vfm.discount_factors([2024, 2025]), "calendar years"),
        (lambda: vfm.discount_factors([1], schedule=((math.inf, 3.5),)), "fractions"),
        (lambda: vfm.discount_factors([1], schedule=((math.inf, -0.01),)), "fractions"),
        (
            lambda: vfm.appraisal(
                pd.DataFrame({"t": [0, 1], "c": [-5.0, 1], "b": [0.0, 2]}),
                time="t",
                costs="c",
                benefits="b",
            ),
            "negative value",
        ),
    ],
)
def test_appraisal_refuses_what_it_would_get_wrong(call: Callable[[], object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
