"""Tests of evaluation.its.segmented: the UK seat-belt law, a curved-trend failure, diagnostics."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from evaluation import its
from evaluation.simulate import its as sim
from tests.its.conftest import LAW

matplotlib.use("Agg")

#: The seat-belt fits: monthly, the law of February 1983, calendar-month dummies, logged.
SEATBELT = {"time": "month", "treatment_time": LAW, "seasonal": 12, "log": True}
#: The simulated monthly series (sim.series), with calendar-month dummies.
SIMULATED = {"outcome": "outcome", "time": "month", "seasonal": 12}


def test_seatbelt_segmented_regression_equals_formula_fit(seatbelts: pd.DataFrame) -> None:
    # The plain segmented regression of log(drivers) (monthly dummies, Newey-West with 4 lags)
    # checked against the same model written as a statsmodels formula.
    fit = its.segmented(
        seatbelts, outcome="drivers", time="month", treatment_time=LAW, seasonal=12, log=True
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
    fit = its.segmented(long, outcome="ksi", comparison="rear", **SEATBELT)
    diff = np.log(seatbelts["front"]) - np.log(seatbelts["rear"])
    alone = its.segmented(seatbelts.assign(diff=np.exp(diff)), outcome="diff", **SEATBELT)
    assert fit.estimate == pytest.approx(alone.estimate, rel=1e-9)
    rows = fit.tidy().set_index("term")
    assert rows.loc["comparison level change", "p_value"] > 0.05  # rear passengers: no step
    assert fit.estimate < -0.2
    assert fit.n_obs == 384


# --------------------------------------------------------------------------- simulations
def test_recovers_a_known_step() -> None:
    series = sim.series(effect=-8.0, rho=0.2, seed=11)
    fit = its.segmented(series, treatment_time=series.attrs["treatment_time"], **SIMULATED)
    assert fit.ci_low < series.attrs["true_effect"] < fit.ci_high
    structural = its.structural(series, treatment_time=series.attrs["treatment_time"], **SIMULATED)
    assert structural.estimate == pytest.approx(-8.0, abs=2.5)


def test_curved_trend_fools_segmented_regression_but_not_a_comparison() -> None:
    # The failure mode of the chapter: no effect at all, a bending trend.
    series = sim.series(effect=0.0, curvature=0.005, comparison=True, seed=1)
    when = series.attrs["treatment_time"]
    alone = its.segmented(series.loc[~series["comparison"]], treatment_time=when, **SIMULATED)
    average = alone.tidy().set_index("term").loc["average post-period effect"]
    assert average["estimate"] > 5 and average["p_value"] < 0.05  # a spurious "effect"
    controlled = its.segmented(series, treatment_time=when, comparison="comparison", **SIMULATED)
    assert abs(controlled.estimate) < 3
    assert controlled.ci_low < 0 < controlled.ci_high


# --------------------------------------------------------------------------- diagnostics
def test_diagnostics_hac_sensitivity_and_placebo_dates(seatbelts: pd.DataFrame) -> None:
    options = {"outcome": "drivers", "time": "month", "seasonal": 12, "log": True}
    fit = its.segmented(seatbelts, treatment_time=LAW, **options)
    checks = fit.diagnostics()
    assert list(checks["test"])[0] == "Durbin-Watson"
    assert checks["p_value"].iloc[1] < 0.05  # the residuals are autocorrelated
    sensitivity = fit.hac_sensitivity([0, 4, 12])
    assert sensitivity.loc[sensitivity["hac_lags"] == 4, "se"].item() == pytest.approx(fit.se)
    dates = [pd.Timestamp("1977-01-01"), pd.Timestamp("1979-01-01")]
    placebo = its.placebo_interruptions(seatbelts, treatment_time=LAW, dates=dates, **options)
    assert list(placebo["placebo_date"]) == dates
    assert (placebo["estimate"].abs() < abs(fit.estimate)).all()
    with pytest.raises(ValueError, match="must precede"):
        its.placebo_interruptions(seatbelts, treatment_time=LAW, dates=[LAW], **options)


def test_plots_and_summaries(seatbelts: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    fit = its.segmented(
        seatbelts, outcome="drivers", time="month", treatment_time=LAW, seasonal=12, log=True
    )
    ax = fit.plot()
    assert len(ax.lines) >= 4
    plt.close(ax.figure)
    assert "level change (%)" in fit.summary() and "Newey-West" in fit.summary()
    paths = fit.paths
    paths.loc[:, "observed"] = 0.0
    assert fit.paths["observed"].ne(0).all()  # a copy
