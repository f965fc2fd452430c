"""Borusyak-Jaravel-Spiess imputation: side by side with pyfixest, and Theorem 3 by hand.

pyfixest's ``did2s`` (Gardner's two-stage estimator) has the same point estimates
as the imputation estimator with unit and period effects. Two limits of that
peer shape the checks:

- it drops units with a single untreated observation from its first stage and
  then fails, so on ``mpdta`` (the 2004 cohort has one untreated year) it runs
  only without that cohort;
- it recovers the fixed effects by LSQR at its default tolerance of 1e-6, which
  moves its estimates by up to about 1e-5.

So the estimates are checked to 1e-8 against the same two stages built from
pyfixest's ``feols`` with its fixed effects recovered at 1e-14, on the full
``mpdta``; and against ``did2s`` itself, on ``mpdta`` without the 2004 cohort, to
1e-4. ``did2s`` reports Gardner's GMM variance, not BJS's conservative variance
(Theorem 3), so its standard errors are a different estimator of the same
sampling spread: they are compared to 2% only. BJS's variance is checked exactly
(1e-10) against a dense, by-hand computation of Theorem 3 on a small panel.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from evaluation import did
from evaluation.simulate.did import staggered_adoption

from .conftest import MPDTA

EXACT_TOL = 1e-8  # the same least squares: only pyfixest's 1e-14 LSQR recovery differs
DID2S_TOL = 1e-4  # did2s recovers fixed effects by LSQR at atol = btol = 1e-6


def _peer_columns(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.assign(
        D=((frame["year"] >= frame["first.treat"]) & (frame["first.treat"] > 0)).astype(int)
    )
    return frame.assign(rel=np.where(frame["D"] == 1, frame["year"] - frame["first.treat"], -1000))


@pytest.fixture(scope="module")
def mp_fit(mpdta: pd.DataFrame) -> did.ImputationResult:
    return did.imputation(mpdta, **MPDTA)


def test_estimates_equal_the_two_stages_built_from_pyfixest(
    mpdta: pd.DataFrame, mp_fit: did.ImputationResult
) -> None:
    pf = pytest.importorskip("pyfixest")
    frame = _peer_columns(mpdta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = pf.feols("lemp ~ 1 | countyreal + year", data=frame.loc[frame["D"] == 0],
                         fixef_rm="none")  # fmt: skip
        first.fixef(atol=1e-14, btol=1e-14)
        tau = (frame["lemp"] - first.predict(newdata=frame)).loc[frame["D"] == 1]
    assert abs(tau.mean() - mp_fit.estimate) < EXACT_TOL
    by_horizon = tau.groupby(frame.loc[frame["D"] == 1, "rel"]).mean()
    ours = mp_fit.effects.set_index("event_time")["estimate"]
    assert np.max(np.abs(by_horizon.to_numpy() - ours.loc[by_horizon.index].to_numpy())) < EXACT_TOL


def test_side_by_side_with_pyfixest_did2s(mpdta: pd.DataFrame) -> None:
    pf = pytest.importorskip("pyfixest")
    frame = _peer_columns(mpdta.loc[mpdta["first.treat"] != 2004].reset_index(drop=True))
    ours = did.imputation(frame, **MPDTA)
    common = {"yname": "lemp", "first_stage": "~ 0 | countyreal + year", "treatment": "D",
              "cluster": "countyreal"}  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        overall = pf.did2s(frame, second_stage="~ D", **common).tidy()
        dynamic = pf.did2s(frame, second_stage="~ i(rel, ref=-1000)", **common).tidy()
    assert abs(overall["Estimate"].iloc[0] - ours.estimate) < DID2S_TOL
    assert ours.se == pytest.approx(overall["Std. Error"].iloc[0], rel=0.02)
    effects = ours.effects
    assert np.max(np.abs(dynamic["Estimate"].to_numpy() - effects["estimate"])) < DID2S_TOL
    np.testing.assert_allclose(effects["se"], dynamic["Std. Error"], rtol=0.02)


def _theorem_3_by_hand(panel: pd.DataFrame) -> tuple[float, float]:
    """The overall estimate and its BJS variance from dense matrices (no shortcuts)."""
    start = panel["cohort"].where(panel["cohort"] > 0, np.inf)
    treated = (panel["time"] >= start).to_numpy()
    dummies = [pd.get_dummies(panel[c]).to_numpy(float) for c in ("unit", "time")]
    z = np.column_stack(dummies)
    z0, z1, y = z[~treated], z[treated], panel["outcome"].to_numpy(float)
    theta = np.linalg.pinv(z0.T @ z0) @ z0.T @ y[~treated]
    residual = y - z @ theta
    w1 = np.full(treated.sum(), 1 / treated.sum())
    v = np.zeros(len(y))
    v[treated] = w1
    v[~treated] = -z0 @ np.linalg.pinv(z0.T @ z0) @ z1.T @ w1
    cells = pd.Series(residual[treated]).groupby(
        [start.to_numpy()[treated], panel["time"].to_numpy()[treated]]
    )
    aux = residual.copy()
    aux[treated] = residual[treated] - cells.transform("mean").to_numpy()
    scores = pd.Series(v * aux).groupby(panel["unit"].to_numpy()).sum()
    assert abs(v @ y - residual[treated].mean()) < 1e-10  # the implied weights reproduce it
    return float(residual[treated].mean()), float(np.sqrt((scores**2).sum()))


def test_standard_error_is_theorem_3_computed_by_hand() -> None:
    panel = staggered_adoption(n_units=60, n_periods=6, cohorts=(3, 5), seed=8)
    fit = did.imputation(panel, outcome="outcome", unit="unit", time="time", cohort="cohort")
    estimate, se = _theorem_3_by_hand(panel)
    assert abs(fit.estimate - estimate) < 1e-10
    assert abs(fit.se - se) < 1e-10


def test_pretrend_test_is_the_lead_regression_on_untreated_rows(
    mpdta: pd.DataFrame, mp_fit: did.ImputationResult
) -> None:
    pf = pytest.importorskip("pyfixest")
    frame = _peer_columns(mpdta)
    untreated = frame.loc[frame["D"] == 0].copy()
    event = untreated["year"] - untreated["first.treat"]
    for lead in (-1, -2, -3):
        untreated[f"lead{-lead}"] = ((untreated["first.treat"] > 0) & (event == lead)).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = pf.feols("lemp ~ lead1 + lead2 + lead3 | countyreal + year", data=untreated,
                        vcov={"CRV1": "countyreal"}, fixef_rm="none")  # fmt: skip
    leads = mp_fit.leads.set_index("event_time")
    for lead in (-1, -2, -3):
        assert abs(leads.loc[lead, "estimate"] - peer.coef()[f"lead{-lead}"]) < EXACT_TOL
        assert leads.loc[lead, "se"] == pytest.approx(peer.se()[f"lead{-lead}"], rel=1e-6)
    test = mp_fit.pretrend_test()
    assert test.df == 3 and 0 < test.p_value < 1


def test_pretrend_test_finds_a_diverging_trend() -> None:
    common = {"n_units": 300, "n_periods": 8, "cohorts": (4, 6), "seed": 3}
    parallel = staggered_adoption(**common)
    diverging = staggered_adoption(**common, trend_gap=0.3)
    names = {"outcome": "outcome", "unit": "unit", "time": "time", "cohort": "cohort"}
    assert did.imputation(parallel, **names).pretrend_test().p_value > 0.05
    assert did.imputation(diverging, **names).pretrend_test().p_value < 0.001
    truth = parallel.attrs["true_effect"]
    fit = did.imputation(parallel, **names, leads=2)
    assert fit.pretrend_test().df == 2 and abs(fit.estimate - truth) < 4 * fit.se


def test_tidy_plot_and_refusals(mpdta: pd.DataFrame, mp_fit: did.ImputationResult) -> None:
    tidy = mp_fit.tidy()
    assert len(tidy) == 1 + len(mp_fit.effects) + len(mp_fit.leads)
    axes = mp_fit.plot()
    assert "".join(axes.get_title(loc=where) for where in ("left", "center", "right"))
    with pytest.raises(ValueError, match="collinear with the unit effects"):
        did.imputation(mpdta, **MPDTA, leads=4)
    with pytest.raises(ValueError, match="No unit is ever treated"):
        did.imputation(mpdta.assign(**{"first.treat": 0}), **MPDTA)
    with pytest.raises(ValueError, match="leads"):
        did.imputation(mpdta, **MPDTA, leads=-1)
    with pytest.raises(ValueError, match="unbalanced"):
        did.imputation(mpdta.iloc[1:], **MPDTA)
