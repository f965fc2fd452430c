"""Tests of evaluation.rdd.local_linear: the US Senate replication, rdrobust alongside.

Published numbers: tests/reference/rdrobust_senate.py.
"""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from evaluation import rdd
from tests.reference.rdrobust_senate import BANDWIDTH, ESTIMATE, N_LEFT, N_RIGHT

# --------------------------------------------------------------------------- replication


def test_senate_estimate_at_published_bandwidth(senate: pd.DataFrame) -> None:
    fit = rdd.local_linear(senate, outcome="vote", running="margin", bandwidth=BANDWIDTH)
    # Source: rdrobust (CCT 2014) Senate example, conventional estimate 7.414; tolerance 0.01.
    assert fit.estimate == pytest.approx(ESTIMATE, abs=0.01)
    assert fit.n_left == N_LEFT and fit.n_right == N_RIGHT  # rdrobust's "effective observations"


@pytest.mark.parametrize("kernel", ["triangular", "uniform", "epanechnikov"])
def test_point_estimate_equals_rdrobust_conventional(senate: pd.DataFrame, kernel: str) -> None:
    from rdrobust import rdrobust  # GPL: used here as a reference only, never from src

    ours = rdd.local_linear(
        senate, outcome="vote", running="margin", bandwidth=BANDWIDTH, kernel=kernel
    )
    theirs = rdrobust(senate["vote"], senate["margin"], h=BANDWIDTH, kernel=kernel)
    # Same bandwidth, kernel and local-linear fit: the conventional estimate agrees to 1e-6.
    assert ours.estimate == pytest.approx(float(theirs.coef.iloc[0, 0]), abs=1e-6)


def test_covariate_continuity_senate(senate: pd.DataFrame) -> None:
    frame = senate.dropna(subset=["demvoteshlag1", "presdemvoteshlag1"])
    table = rdd.covariate_continuity(
        frame,
        covariates=["demvoteshlag1", "presdemvoteshlag1"],
        running="margin",
        bandwidth=BANDWIDTH,
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
