"""Tests of evaluation.matching.weighting: IPW and doubly robust on LaLonde's data, with DRDID."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from evaluation import matching
from evaluation.simulate.matching import voluntary_programme
from tests.matching.conftest import DW_TERMS, MAIN, SIM_COVARIATES
from tests.reference.dehejia_wahba_1999 import CPS_ATT_RANGE, N_TREATED


def test_cps_ipw_att_in_published_range(lalonde_ipw: matching.ObservationalResult) -> None:
    assert CPS_ATT_RANGE[0] < lalonde_ipw.estimate < CPS_ATT_RANGE[1]
    assert lalonde_ipw.estimand == "ATT"
    assert lalonde_ipw.n_treated == N_TREATED


def test_cps_doubly_robust_att_in_published_range(nsw_cps: pd.DataFrame) -> None:
    fit = matching.doubly_robust(
        nsw_cps, outcome="re78", treatment="treat", covariates=DW_TERMS, estimand="ATT"
    )
    assert CPS_ATT_RANGE[0] < fit.estimate < CPS_ATT_RANGE[1]


def test_weighting_balances_main_covariates(lalonde_ipw: matching.ObservationalResult) -> None:
    table = lalonde_ipw.balance.table.set_index("covariate").loc[MAIN]
    assert (table["smd_before"].abs() > 0.5).sum() >= 6  # CPS controls are very different
    assert (table["smd_after"].abs() < 0.1).all()


def test_ipw_and_dr_match_drdid(nsw_cps: pd.DataFrame) -> None:
    """Sant'Anna & Zhao (2020) estimators in moderndid, with the outcome as the 'change'."""
    from moderndid import drdid_panel, std_ipw_did_panel

    y = nsw_cps["re78"].to_numpy(float)
    d = nsw_cps["treat"].to_numpy(float)
    x = nsw_cps[DW_TERMS].to_numpy(float)
    x = np.column_stack([np.ones(len(x)), (x - x.mean(0)) / x.std(0)])
    ours_ipw = matching.ipw(nsw_cps, outcome="re78", treatment="treat", covariates=DW_TERMS)
    ours_dr = matching.doubly_robust(
        nsw_cps, outcome="re78", treatment="treat", covariates=DW_TERMS, estimand="ATT"
    )
    assert ours_ipw.propensity[d == 0].max() < 0.995  # DRDID's trimming does not bind
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs_ipw = std_ipw_did_panel(y, np.zeros_like(y), d, x)
        theirs_dr = drdid_panel(y, np.zeros_like(y), d, x)
    # Agreement up to the two logit optimisers' convergence tolerances.
    assert ours_ipw.estimate == pytest.approx(theirs_ipw.att, rel=1e-4)
    assert ours_ipw.se == pytest.approx(theirs_ipw.se, rel=1e-3)
    assert ours_dr.estimate == pytest.approx(theirs_dr.att, rel=1e-4)
    assert ours_dr.se == pytest.approx(theirs_dr.se, rel=1e-3)


# --------------------------------------------------------------------------- simulation


def test_unobserved_confounder_defeats_every_method() -> None:
    clean = voluntary_programme(n=20_000, confounding=0.0, seed=21)
    confounded = voluntary_programme(n=20_000, confounding=1.0, seed=21)
    kwargs = {"outcome": "reoffended", "treatment": "took_part", "covariates": SIM_COVARIATES}
    for estimator in (matching.ipw, matching.doubly_robust):
        estimand = {"estimand": "ATT"}
        good = estimator(clean, **kwargs, **estimand)
        bad = estimator(confounded, **kwargs, **estimand)
        assert good.ci_low < clean.attrs["true_effect"] < good.ci_high
        assert bad.ci_high < confounded.attrs["true_effect"]  # looks better than it is
    fixed = matching.ipw(confounded, **{**kwargs, "covariates": [*SIM_COVARIATES, "motivation"]})
    assert fixed.ci_low < confounded.attrs["true_effect"] < fixed.ci_high


def test_trimming_warns_with_counts() -> None:
    frame = voluntary_programme(n=2000, seed=4)
    with pytest.warns(
        UserWarning, match=r"Trimming drops \d+ row\(s\) .* \(\d+ treated, \d+ control\)"
    ):
        fit = matching.ipw(
            frame, outcome="reoffended", treatment="took_part", covariates=SIM_COVARIATES, trim=0.2
        )
    assert fit.n_obs < len(frame)
    assert fit.propensity.between(0.0, 1.0).all()
