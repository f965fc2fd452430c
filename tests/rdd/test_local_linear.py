"""Tests of evaluation.rdd: the US Senate replication, rdrobust alongside, invariances, checks."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation import rdd
from evaluation.rdd import bandwidth
from evaluation.simulate.rdd import threshold_rule

# Published: Calonico, Cattaneo & Titiunik (2014, 2015) / rdrobust's documentation, US Senate
# incumbency data (Cattaneo, Frandsen & Titiunik 2015): local linear, triangular kernel,
# MSE-optimal h = 17.754, conventional estimate 7.414.
PUBLISHED_H = 17.754
PUBLISHED_ESTIMATE = 7.414


@pytest.fixture(scope="module")
def senate() -> pd.DataFrame:
    """rdrobust's Senate data; the 93 rows without a next-election vote share are dropped here."""
    spec = importlib.util.find_spec("rdrobust")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "rdrobust_RDsenate.csv"
    frame = pd.read_csv(path)
    assert int(frame["vote"].isna().sum()) == 93
    return frame.dropna(subset=["vote"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    return threshold_rule(n=4000, seed=11)


# --------------------------------------------------------------------------- replication


def test_senate_estimate_at_published_bandwidth(senate: pd.DataFrame) -> None:
    fit = rdd.local_linear(senate, outcome="vote", running="margin", bandwidth=PUBLISHED_H)
    # Source: rdrobust (CCT 2014) Senate example, conventional estimate 7.414; tolerance 0.01.
    assert fit.estimate == pytest.approx(PUBLISHED_ESTIMATE, abs=0.01)
    assert fit.n_left == 360 and fit.n_right == 323  # rdrobust's "effective observations"


@pytest.mark.parametrize("kernel", ["triangular", "uniform", "epanechnikov"])
def test_point_estimate_equals_rdrobust_conventional(senate: pd.DataFrame, kernel: str) -> None:
    from rdrobust import rdrobust  # GPL: used here as a reference only, never from src

    ours = rdd.local_linear(
        senate, outcome="vote", running="margin", bandwidth=PUBLISHED_H, kernel=kernel
    )
    theirs = rdrobust(senate["vote"], senate["margin"], h=PUBLISHED_H, kernel=kernel)
    # Same bandwidth, kernel and local-linear fit: the conventional estimate agrees to 1e-6.
    assert ours.estimate == pytest.approx(float(theirs.coef.iloc[0, 0]), abs=1e-6)


def test_own_bandwidth_lands_near_published(senate: pd.DataFrame) -> None:
    fit = rdd.local_linear(senate, outcome="vote", running="margin")
    assert fit.bandwidth_method.startswith("Imbens-Kalyanaraman")
    # Source: as above; our IK (2012) bandwidth should give an estimate within 0.6 of 7.414.
    assert abs(fit.estimate - PUBLISHED_ESTIMATE) < 0.6
    assert 10 < fit.bandwidth < 25


def test_ik_kernel_constants() -> None:
    # Imbens & Kalyanaraman (2012), Section 3: C_K = 3.4375 for the triangular kernel.
    assert bandwidth._ik_kernel_constant("triangular") == pytest.approx(3.4375, abs=1e-3)
    # Uniform: (C2 / 4 C1^2)^(1/5) = 144^(1/5).
    assert bandwidth._ik_kernel_constant("uniform") == pytest.approx(144**0.2, rel=1e-6)


def test_ik_steps_are_consistent(senate: pd.DataFrame) -> None:
    bw = rdd.ik_bandwidth(senate, outcome="vote", running="margin")
    steps = bw.steps()
    assert steps["value"].iloc[-1] == bw.bandwidth
    n = len(senate)
    assert bw.pilot == pytest.approx(1.84 * senate["margin"].std() * n**-0.2)
    recomputed = (
        bw.kernel_constant
        * (
            (bw.variance_left + bw.variance_right)
            / (
                bw.density
                * (
                    (bw.curvature_right - bw.curvature_left) ** 2
                    + bw.regularisation_left
                    + bw.regularisation_right
                )
            )
        )
        ** 0.2
        * n**-0.2
    )
    assert bw.bandwidth == pytest.approx(recomputed)


def test_density_test_senate_shows_no_sorting(senate: pd.DataFrame) -> None:
    test = rdd.density_test(senate, running="margin")
    assert test.p_value > 0.05
    assert test.se == pytest.approx(
        np.sqrt(24 / 5 * (1 / test.f_right + 1 / test.f_left) / (len(senate) * test.bandwidth))
    )
    assert test.estimate == pytest.approx(np.log(test.f_right / test.f_left))
    assert test.bin_width == pytest.approx(2 * senate["margin"].std() * len(senate) ** -0.5)
    bins = test.bins
    assert int(bins["count"].sum()) == len(senate)


def test_covariate_continuity_senate(senate: pd.DataFrame) -> None:
    frame = senate.dropna(subset=["demvoteshlag1", "presdemvoteshlag1"])
    table = rdd.covariate_continuity(
        frame,
        covariates=["demvoteshlag1", "presdemvoteshlag1"],
        running="margin",
        bandwidth=PUBLISHED_H,
    )
    assert list(table["covariate"]) == ["demvoteshlag1", "presdemvoteshlag1"]
    assert (table["p_value"] > 0.01).all()


# --------------------------------------------------------------------------- diagnostics


def test_bandwidth_sensitivity_includes_main_estimate(simulated: pd.DataFrame) -> None:
    fit = rdd.local_linear(simulated, outcome="reoffended", running="risk_score", cutoff=50)
    table = fit.bandwidth_sensitivity()
    assert list(table["factor"]) == [0.5, 0.75, 1.0, 1.5, 2.0]
    main = table.loc[table["factor"] == 1.0].iloc[0]
    assert main["estimate"] == pytest.approx(fit.estimate)
    assert table["bandwidth"].is_monotonic_increasing
    assert table["n_obs"].is_monotonic_increasing


def test_placebo_cutoffs_use_one_side(simulated: pd.DataFrame) -> None:
    fit = rdd.local_linear(
        simulated, outcome="reoffended", running="risk_score", cutoff=50, bandwidth=8
    )
    table = fit.placebo_cutoffs([35, 65])
    assert list(table["cutoff"]) == [35.0, 65.0]
    assert (table["p_value"] > 0.001).all()
    below = simulated[simulated["risk_score"] < 50]
    direct = rdd.local_linear(
        below, outcome="reoffended", running="risk_score", cutoff=35, bandwidth=8
    )
    assert table["estimate"].iloc[0] == pytest.approx(direct.estimate)
    with pytest.raises(ValueError, match="differ from the real one"):
        fit.placebo_cutoffs([50])


def test_manipulation_biases_estimate_and_density_test_detects_it() -> None:
    honest = threshold_rule(n=20_000, seed=4)
    gamed = threshold_rule(n=20_000, manipulation=0.9, seed=4)
    truth = honest.attrs["true_effect"]
    fit_honest = rdd.local_linear(honest, outcome="reoffended", running="risk_score", cutoff=50)
    fit_gamed = rdd.local_linear(gamed, outcome="reoffended", running="risk_score", cutoff=50)
    assert fit_honest.ci_low < truth < fit_honest.ci_high
    assert not fit_gamed.ci_low < truth < fit_gamed.ci_high
    assert fit_gamed.estimate > truth  # riskier people pushed over the line hide the effect
    assert fit_honest.density_test().p_value > 0.01
    test_gamed = fit_gamed.density_test()
    assert test_gamed.p_value < 0.001 and test_gamed.estimate > 0


def test_simulation_is_reproducible() -> None:
    a = threshold_rule(n=500, manipulation=0.5, curvature=0.4, seed=9)
    b = threshold_rule(n=500, manipulation=0.5, curvature=0.4, seed=9)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(threshold_rule(n=500, manipulation=0.5, curvature=0.4, seed=10))


# --------------------------------------------------------------------------- result object


def test_result_is_frozen_and_returns_copies(simulated: pd.DataFrame) -> None:
    fit = rdd.local_linear(
        simulated, outcome="reoffended", running="risk_score", cutoff=50, bandwidth=10
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.estimate = 0.0  # type: ignore[misc]
    sample = fit.sample
    sample.iloc[:, :] = 0.0
    assert fit.sample["risk_score"].abs().sum() > 0
    tidy = fit.tidy()
    assert tidy.loc[0, "bandwidth"] == 10 and tidy.loc[0, "n_obs"] == fit.n_obs
    assert "bandwidth: 10" in fit.summary()


def test_plots_draw(simulated: pd.DataFrame) -> None:
    fit = rdd.local_linear(simulated, outcome="reoffended", running="risk_score", cutoff=50)
    ax = fit.plot(bins=15)
    assert len(ax.get_lines()) == 3  # two fits and the cutoff line
    ax_density = fit.density_test().plot()
    assert len(ax_density.collections) >= 1
    plt.close("all")


# --------------------------------------------------------------------------- invariances

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(seed=st.integers(0, 10_000), shuffle=st.integers(0, 10_000))
def test_row_order_does_not_matter(seed: int, shuffle: int) -> None:
    frame = threshold_rule(n=1500, seed=seed)
    shuffled = frame.sample(frac=1, random_state=shuffle)
    a = rdd.local_linear(frame, outcome="reoffended", running="risk_score", cutoff=50)
    b = rdd.local_linear(shuffled, outcome="reoffended", running="risk_score", cutoff=50)
    assert b.bandwidth == pytest.approx(a.bandwidth, rel=1e-9)
    assert b.estimate == pytest.approx(a.estimate, abs=1e-9)
    assert b.se == pytest.approx(a.se, rel=1e-9)


@FAST
@given(seed=st.integers(0, 10_000), constant=st.floats(-1e3, 1e3))
def test_adding_a_constant_to_the_outcome(seed: int, constant: float) -> None:
    frame = threshold_rule(n=1500, seed=seed)
    shifted = frame.assign(reoffended=frame["reoffended"] + constant)
    a = rdd.local_linear(frame, outcome="reoffended", running="risk_score", cutoff=50)
    b = rdd.local_linear(shifted, outcome="reoffended", running="risk_score", cutoff=50)
    assert b.estimate == pytest.approx(a.estimate, abs=1e-7)
    assert b.bandwidth == pytest.approx(a.bandwidth, rel=1e-7)


@FAST
@given(seed=st.integers(0, 10_000), shift=st.floats(-500, 500))
def test_shifting_running_variable_and_cutoff_together(seed: int, shift: float) -> None:
    frame = threshold_rule(n=1500, seed=seed)
    moved = frame.assign(risk_score=frame["risk_score"] + shift)
    a = rdd.local_linear(frame, outcome="reoffended", running="risk_score", cutoff=50)
    b = rdd.local_linear(moved, outcome="reoffended", running="risk_score", cutoff=50 + shift)
    assert b.bandwidth == pytest.approx(a.bandwidth, rel=1e-6)
    assert b.estimate == pytest.approx(a.estimate, abs=1e-6)


# --------------------------------------------------------------------------- validation


def test_missing_values_are_refused(simulated: pd.DataFrame) -> None:
    frame = simulated.copy()
    frame.loc[[3, 7], "reoffended"] = np.nan
    with pytest.raises(ValueError, match=r"'reoffended' has 2 missing value\(s\) \(rows 3, 7\)"):
        rdd.local_linear(frame, outcome="reoffended", running="risk_score", cutoff=50)


def test_non_numeric_outcome_is_refused(simulated: pd.DataFrame) -> None:
    frame = simulated.assign(reoffended=simulated["reoffended"].map({0: "no", 1: "yes"}))
    with pytest.raises(ValueError, match="'reoffended' must be numeric"):
        rdd.local_linear(frame, outcome="reoffended", running="risk_score", cutoff=50)


def test_absent_column_is_named(simulated: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="running='score' is not a column"):
        rdd.local_linear(simulated, outcome="reoffended", running="score", cutoff=50)


def test_no_observations_on_one_side(simulated: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="No observation of running='risk_score' lies at or above"):
        rdd.local_linear(simulated, outcome="reoffended", running="risk_score", cutoff=1000)
    below = simulated[simulated["risk_score"] < 50]
    with pytest.raises(ValueError, match="lies at or above"):
        rdd.density_test(below, running="risk_score", cutoff=50)


@pytest.mark.parametrize("bandwidth", [0, -3.0, float("nan"), float("inf")])
def test_bandwidth_must_be_positive(simulated: pd.DataFrame, bandwidth: float) -> None:
    with pytest.raises(ValueError, match="bandwidth must be a positive"):
        rdd.local_linear(
            simulated, outcome="reoffended", running="risk_score", cutoff=50, bandwidth=bandwidth
        )


def test_too_narrow_bandwidth_is_explained(simulated: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="Widen the bandwidth"):
        rdd.local_linear(
            simulated, outcome="reoffended", running="risk_score", cutoff=50, bandwidth=1e-4
        )


def test_unknown_kernel(simulated: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="kernel='gaussian' is not offered"):
        rdd.local_linear(
            simulated, outcome="reoffended", running="risk_score", cutoff=50, kernel="gaussian"
        )
