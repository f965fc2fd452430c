"""What both evaluation.its models share (its._common): invariances and input checks."""

from __future__ import annotations

import random

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation import its
from evaluation.simulate import its as sim
from tests.its.conftest import OPTIONS

matplotlib.use("Agg")


# --------------------------------------------------------------------------- invariances
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), order=st.randoms(use_true_random=False))
def test_row_order_does_not_matter(seed: int, order: random.Random) -> None:
    series = sim.series(seed=seed, n_pre=30, n_post=12)
    shuffled = series.sample(frac=1.0, random_state=order.randint(0, 2**31))
    options = {
        "outcome": "outcome",
        "time": "month",
        "treatment_time": series.attrs["treatment_time"],
    }
    a = its.segmented(series, seasonal=12, **options)
    b = its.segmented(shuffled, seasonal=12, **options)
    assert b.estimate == pytest.approx(a.estimate, rel=1e-9)
    assert b.se == pytest.approx(a.se, rel=1e-9)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), shift=st.floats(-1e4, 1e4, allow_nan=False))
def test_adding_a_constant_leaves_the_effects_alone(seed: int, shift: float) -> None:
    series = sim.series(seed=seed, n_pre=30, n_post=12, comparison=True)
    options = {
        "outcome": "outcome",
        "time": "month",
        "treatment_time": series.attrs["treatment_time"],
    }
    shifted = series.assign(outcome=series["outcome"] + shift)
    for control in (None, "comparison"):
        data_a = series if control else series.loc[~series["comparison"]]
        data_b = shifted if control else shifted.loc[~shifted["comparison"]]
        a = its.segmented(data_a, comparison=control, **options)
        b = its.segmented(data_b, comparison=control, **options)
        assert b.estimate == pytest.approx(a.estimate, abs=1e-6)
        assert b.slope_change == pytest.approx(a.slope_change, abs=1e-8)
        assert b.se == pytest.approx(a.se, rel=1e-6)
    alone = series.loc[~series["comparison"]]
    fitted_a = its.segmented(alone, **options).paths["fitted"]
    fitted_b = its.segmented(alone.assign(outcome=alone["outcome"] + shift), **options).paths
    assert fitted_b["fitted"].to_numpy() == pytest.approx((fitted_a + shift).to_numpy(), abs=1e-6)


def test_rejects_missing_values(monthly: pd.DataFrame) -> None:
    monthly.loc[3, "outcome"] = np.nan
    with pytest.raises(ValueError, match=r"'outcome' has 1 missing value\(s\) \(rows 3\)"):
        its.segmented(monthly, **OPTIONS)


def test_rejects_repeated_periods(monthly: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="share the same month"):
        its.segmented(pd.concat([monthly, monthly.iloc[[2]]]), **OPTIONS)


def test_rejects_gaps_in_time(monthly: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="not regularly spaced"):
        its.segmented(monthly.drop(index=5), **OPTIONS)
    numeric = monthly.assign(month=np.arange(len(monthly), dtype=float)).drop(index=5)
    with pytest.raises(ValueError, match="not equally spaced"):
        its.segmented(numeric, **{**OPTIONS, "treatment_time": 24})


def test_rejects_too_few_periods(monthly: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="leaves 3 period"):
        its.segmented(monthly, **{**OPTIONS, "treatment_time": pd.Timestamp("2010-04-01")})
    with pytest.raises(ValueError, match="leaves 36 period"):
        its.structural(monthly, **{**OPTIONS, "treatment_time": pd.Timestamp("2030-01-01")})


def test_rejects_non_numeric_outcome_and_absent_columns(monthly: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="'outcome' must be numeric"):
        its.segmented(monthly.assign(outcome=monthly["outcome"].astype(str)), **OPTIONS)
    with pytest.raises(ValueError, match="covariates\\[0\\]='price' is not a column"):
        its.segmented(monthly, covariates=["price"], **OPTIONS)


def test_rejects_non_positive_outcome_in_logs(monthly: pd.DataFrame) -> None:
    monthly.loc[4, "outcome"] = 0.0
    with pytest.raises(ValueError, match="log=True needs a positive 'outcome'; 1 row"):
        its.structural(monthly, log=True, **OPTIONS)


def test_rejects_bad_comparison_series() -> None:
    series = sim.series(seed=0, n_pre=24, n_post=12, comparison=True)
    with pytest.raises(ValueError, match="boolean"):
        its.segmented(
            series.assign(comparison=series["comparison"].map({True: "b", False: "a"})),
            comparison="comparison",
            **OPTIONS,
        )
    with pytest.raises(ValueError, match="none of them"):
        its.segmented(series.assign(comparison=False).iloc[:36], comparison="comparison", **OPTIONS)
    short = series.drop(index=series.index[series["comparison"]][-1])
    with pytest.raises(ValueError, match="same periods"):
        its.segmented(short, comparison="comparison", **OPTIONS)
