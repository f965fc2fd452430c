"""Cinelli-Hazlett sensitivity: the Darfur example, published and side by side with sensemakr."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sensemakr
from threadpoolctl import threadpool_limits

from benchmarks import cases
from evaluation import matching
from tests.matching.conftest import SIM_COVARIATES
from tests.reference import cinelli_hazlett_2020_darfur as ch


@pytest.fixture(scope="module")
def darfur() -> pd.DataFrame:
    return sensemakr.load_darfur()


@pytest.fixture(scope="module")
def ours(darfur: pd.DataFrame) -> matching.ConfounderSensitivityResult:
    return cases.darfur_sensitivity(darfur)


@pytest.fixture(scope="module")
def peer(darfur: pd.DataFrame) -> dict[str, object]:
    """sensemakr on the same regression, the one Cinelli and Hazlett (2020) report."""
    assert cases.DARFUR_FORMULA == ch.FORMULA
    with threadpool_limits(1):  # a 1,276 x 493 SVD; threads only contend on a shared machine
        return cases.sensemakr_darfur(darfur)


def test_darfur_matches_the_published_values(ours: matching.ConfounderSensitivityResult) -> None:
    # Tolerance: half a unit of the last digit printed in Cinelli and Hazlett (2020).
    assert ours.estimate == pytest.approx(ch.ESTIMATE, abs=5e-4)
    assert ours.se == pytest.approx(ch.SE, abs=5e-4)
    assert ours.t_statistic == pytest.approx(ch.T_STATISTIC, abs=5e-3)
    assert ours.dof == ch.DOF
    assert ours.partial_r2 == pytest.approx(ch.PARTIAL_R2, abs=5e-4)
    assert ours.robustness_value == pytest.approx(ch.RV, abs=5e-4)
    assert ours.robustness_value_alpha == pytest.approx(ch.RV_ALPHA, abs=5e-4)


def test_darfur_side_by_side_with_sensemakr(
    ours: matching.ConfounderSensitivityResult, peer: dict[str, object]
) -> None:
    # Tolerance 1e-8 (the same formulas on the same least-squares fit; measured ~1e-14).
    for name, value in [
        ("estimate", ours.estimate),
        ("se", ours.se),
        ("r2yd_x", ours.partial_r2),
        ("rv_q", ours.robustness_value),
        ("rv_qa", ours.robustness_value_alpha),
    ]:
        assert value == pytest.approx(float(np.ravel(peer[name])[0]), abs=1e-8), name
    bounds = ours.bounds
    for column in ["r2dz_x", "r2yz_dx", "adjusted_estimate", "adjusted_se", "adjusted_t"]:
        np.testing.assert_allclose(bounds[column], np.asarray(peer[column]), atol=1e-8, rtol=0)


def test_three_times_female_overturns_significance(
    ours: matching.ConfounderSensitivityResult,
) -> None:
    tidy = ours.tidy()
    assert list(tidy["p_value"][1:] < 0.05) == [True, True, False]
    assert ours.summary().count("female") == 3


def test_plot_draws_contours(ours: matching.ConfounderSensitivityResult) -> None:
    ax = ours.plot()
    assert ax.get_xlabel().startswith("Partial R2")
    assert "with the outcome" in ours.plot(statistic="t").get_ylabel()
    with pytest.raises(ValueError, match="statistic"):
        ours.plot(statistic="p")


def test_sensitivity_of_a_weighted_estimate(small: pd.DataFrame) -> None:
    fit = matching.ipw(
        small, outcome="reoffended", treatment="took_part", covariates=SIM_COVARIATES
    )
    sens = matching.sensitivity_of(fit, small, benchmarks=["prior_offences"], kd=1)
    assert sens.n_obs == fit.n_obs
    assert np.sign(sens.estimate) == np.sign(fit.estimate)
    assert 0 < sens.robustness_value_alpha < sens.robustness_value < 1
    with pytest.raises(ValueError, match="rows the estimate"):
        matching.sensitivity_of(fit, small.iloc[:10])


def test_bad_inputs_are_refused(small: pd.DataFrame) -> None:
    design = {"outcome": "reoffended", "treatment": "took_part", "covariates": SIM_COVARIATES}
    with pytest.raises(ValueError, match="benchmarks"):
        matching.confounder_sensitivity(small, benchmarks=["motivation"], **design)
    with pytest.raises(ValueError, match="kd"):
        matching.confounder_sensitivity(small, benchmarks=["age"], kd=[-1], **design)
    with pytest.raises(ValueError, match="alpha"):
        matching.confounder_sensitivity(small, alpha=5, **design)
    with pytest.raises(ValueError, match="weights"):
        matching.confounder_sensitivity(small.assign(w=-1.0), weights="w", **design)
