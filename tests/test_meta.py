"""Tests of evaluation.meta: the BCG meta-analysis against metafor, statsmodels side by side.

Published numbers: Viechtbauer (2010), metafor on dat.bcg (tests/reference/metafor_bcg.py).
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation import meta
from evaluation.data import canonical
from tests.reference.metafor_bcg import DL, Q_DF, REML, Q

matplotlib.use("Agg")


# ------------------------------------------------------------------ pooling: BCG
# Published values: Viechtbauer (2010), metafor on dat.bcg (tests/reference/metafor_bcg.py).
# Tolerance 1e-4, as the brief states.
@pytest.mark.parametrize(
    ("method", "estimate", "se", "tau2"),
    [("dl", *DL), ("reml", *REML)],
)
def test_pool_reproduces_bcg_meta_analysis(method: str, estimate: float, se: float, tau2: float):
    trials = canonical.bcg_trials()
    fit = meta.pool(trials["log_rr"], trials["se"], method=method, labels=trials["trial"])
    assert fit.estimate == pytest.approx(estimate, abs=1e-4)
    assert fit.se == pytest.approx(se, abs=1e-4)
    assert fit.tau2 == pytest.approx(tau2, abs=1e-4)
    assert fit.q == pytest.approx(Q, abs=1e-3)
    assert fit.q_df == Q_DF
    assert fit.studies["weight_pct"].sum() == pytest.approx(100)


def test_pool_matches_statsmodels_combine_effects_side_by_side():
    from statsmodels.stats.meta_analysis import combine_effects

    trials = canonical.bcg_trials()
    ours = meta.pool(trials["log_rr"], trials["se"], method="dl")
    theirs = combine_effects(
        trials["log_rr"].to_numpy(), trials["se"].to_numpy() ** 2, method_re="dl"
    )
    frame = theirs.summary_frame()
    side_by_side = pd.DataFrame(
        {
            "ours": [ours.estimate, ours.se, ours.tau2, ours.q, ours.i2, ours.fixed_estimate],
            "statsmodels": [
                frame.loc["random effect", "eff"],
                frame.loc["random effect", "sd_eff"],
                theirs.tau2,
                theirs.q,
                theirs.i2,
                frame.loc["fixed effect", "eff"],
            ],
        },
        index=["estimate", "se", "tau2", "Q", "I2", "fixed"],
    )
    np.testing.assert_allclose(side_by_side["ours"], side_by_side["statsmodels"], rtol=1e-8)


def test_reml_tau2_maximises_the_restricted_likelihood():
    trials = canonical.bcg_trials()
    y, v = trials["log_rr"].to_numpy(), trials["se"].to_numpy() ** 2
    tau2 = meta.pool(y, np.sqrt(v), method="reml").tau2
    best = meta._neg_restricted_loglik(tau2, y, v)
    for step in (-1e-3, 1e-3):
        assert meta._neg_restricted_loglik(tau2 + step, y, v) > best


@pytest.mark.parametrize("method", ["dl", "reml"])
def test_pool_tau2_is_never_negative(method: str):
    fit = meta.pool([0.10, 0.11, 0.09, 0.10], [0.2, 0.3, 0.25, 0.2], method=method)
    assert fit.tau2 == 0.0
    assert fit.i2 == 0.0
    assert fit.estimate == pytest.approx(fit.fixed_estimate)


def test_pool_tidy_summary_and_forest_plot():
    trials = canonical.bcg_trials()
    fit = meta.pool(trials["log_rr"], trials["se"], labels=trials["author"])
    assert fit.tidy()["term"].tolist() == ["pooled mean", "tau2", "I2 (%)", "Q"]
    assert "tau^2" in fit.summary()
    ax = fit.plot(transform=np.exp)
    assert len(ax.get_yticklabels()) == 14
    matplotlib.pyplot.close("all")


@settings(max_examples=25, deadline=None)
@given(st.permutations(list(range(13))))
def test_pool_ignores_study_order(order: list[int]):
    trials = canonical.bcg_trials().iloc[order]
    fit = meta.pool(trials["log_rr"], trials["se"], method="reml")
    assert fit.estimate == pytest.approx(REML[0], abs=1e-4)
    assert fit.tau2 == pytest.approx(REML[2], abs=1e-4)


@pytest.mark.parametrize(
    ("estimates", "ses", "message"),
    [
        ([0.1], [0.1], "at least two"),
        ([0.1, 0.2], [0.1], "standard errors"),
        ([0.1, np.nan], [0.1, 0.1], "finite"),
        ([0.1, 0.2], [0.1, 0.0], "positive"),
    ],
)
def test_pool_refuses_bad_input(estimates: list[float], ses: list[float], message: str):
    with pytest.raises(ValueError, match=message):
        meta.pool(estimates, ses)
