"""Cinelli-Hazlett sensitivity: the Darfur example, published and side by side with sensemakr."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sensemakr
import statsmodels.formula.api as smf
from threadpoolctl import threadpool_limits

from evaluation import matching
from tests.matching.conftest import SIM_COVARIATES
from tests.reference import cinelli_hazlett_2020_darfur as ch

COVARIATES = ["age", "farmer_dar", "herder_dar", "pastvoted", "hhsize_darfur", "female"]


@pytest.fixture(scope="module")
def darfur() -> pd.DataFrame:
    return sensemakr.load_darfur()


@pytest.fixture(scope="module")
def ours(darfur: pd.DataFrame) -> matching.ConfounderSensitivityResult:
    return matching.confounder_sensitivity(
        darfur,
        outcome="peacefactor",
        treatment="directlyharmed",
        covariates=COVARIATES,
        fixed_effects="village",
        benchmarks=["female"],
        kd=[1, 2, 3],
    )


@pytest.fixture(scope="module")
def peer(darfur: pd.DataFrame) -> dict[str, object]:
    """sensemakr on the same regression (its model-based bounds break on pandas 2, so the
    benchmark partial R2 go in through its own partial_r2 and ovb_partial_r2_bound)."""
    with threadpool_limits(1):  # a 1,276 x 493 SVD; threads only contend on a shared machine
        model = smf.ols(ch.FORMULA, data=darfur).fit()
        exog = model.model.exog_names
        treated = smf.ols(
            ch.FORMULA.replace("peacefactor ~ directlyharmed +", "directlyharmed ~"), data=darfur
        ).fit()
    assert exog.index("female") > 0
    stats = sensemakr.sensitivity_stats(model=model, treatment="directlyharmed")
    r2yxj = sensemakr.partial_r2(t_statistic=model.tvalues["female"], dof=model.df_resid)
    r2dxj = sensemakr.partial_r2(t_statistic=treated.tvalues["female"], dof=treated.df_resid)
    bounds = sensemakr.ovb_partial_r2_bound(r2dxj_x=r2dxj, r2yxj_dx=r2yxj, kd=[1, 2, 3])
    common = {
        "estimate": stats["estimate"],
        "se": stats["se"],
        "dof": stats["dof"],
        "r2dz_x": bounds["r2dz_x"].to_numpy(),
        "r2yz_dx": bounds["r2yz_dx"].to_numpy(),
    }
    return {
        **stats,
        "r2dz_x": common["r2dz_x"],
        "r2yz_dx": common["r2yz_dx"],
        "adjusted_estimate": sensemakr.adjusted_estimate(**common),
        "adjusted_se": sensemakr.adjusted_se(
            **{k: v for k, v in common.items() if k != "estimate"}
        ),
        "adjusted_t": sensemakr.adjusted_t(**common),
    }


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
    assert ours.plot(statistic="t").get_ylabel().endswith("outcome")
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
