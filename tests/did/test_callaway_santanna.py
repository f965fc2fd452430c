"""Tests of evaluation.did.callaway_santanna: R ``did`` on ``mpdta``, peers side by side.

Published numbers: Callaway and Sant'Anna (2021) / R ``did`` on ``mpdta`` (shipped by
``moderndid``), analytic standard errors (tests/reference/callaway_santanna_2021_mpdta.py).
Peers run side by side: ``moderndid`` and ``csdid`` (ports of R ``did``).
"""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

from evaluation import did
from evaluation.simulate.did import staggered_adoption
from tests.did.conftest import (
    MPDTA,
    MPDTA_PEER,
    PEER_TOL,
    SIM,
    assert_matches_moderndid_aggregations,
)
from tests.reference.callaway_santanna_2021_mpdta import ATT_GT, SIMPLE_ATT, SIMPLE_SE_RANGE

matplotlib.use("Agg")


def test_mpdta_group_time_effects_match_published_r_did(mpdta: pd.DataFrame) -> None:
    fit = did.staggered(mpdta, **MPDTA)
    gt = fit.group_time.set_index(["cohort", "time"])["att"]
    assert len(gt) == 12
    for (g, t), published in ATT_GT.items():
        # Published to 4 decimals: tolerance half a unit in the last place.
        assert gt[(g, t)] == pytest.approx(published, abs=5e-5), (g, t)
    # aggte(type = "simple"): -0.0400, analytic SE 0.0118-0.0120 (R did vignette and moderndid).
    assert fit.estimate == pytest.approx(SIMPLE_ATT, abs=5e-5)
    assert SIMPLE_SE_RANGE[0] <= fit.se <= SIMPLE_SE_RANGE[1]
    assert fit.n_units == 500 and fit.n_obs == 2500


@pytest.mark.parametrize(
    ("method", "control", "covariates", "base_period"),
    [
        ("reg", "never_treated", None, "varying"),
        ("dr", "never_treated", ["lpop"], "varying"),
        ("ipw", "not_yet_treated", ["lpop"], "universal"),
        ("reg", "not_yet_treated", None, "universal"),
    ],
)
def test_mpdta_matches_moderndid_side_by_side(
    mpdta: pd.DataFrame,
    method: str,
    control: str,
    covariates: list[str] | None,
    base_period: str,
) -> None:
    moderndid = pytest.importorskip("moderndid")
    ours = did.staggered(
        mpdta,
        **MPDTA,
        method=method,
        control_group=control,  # type: ignore[arg-type]
        covariates=covariates,
        base_period=base_period,
    )  # type: ignore[arg-type]
    peer = moderndid.att_gt(
        data=moderndid.load_mpdta(),
        **MPDTA_PEER,
        est_method=method,
        boot=False,
        base_period=base_period,
        control_group=control.replace("_", ""),
        xformla="~lpop" if covariates else None,
    )
    gt = ours.group_time
    np.testing.assert_allclose(gt["cohort"], peer.groups)
    np.testing.assert_allclose(gt["time"], peer.times)
    np.testing.assert_allclose(gt["att"], peer.att_gt, atol=PEER_TOL)
    np.testing.assert_allclose(gt["se"], peer.se_gt, atol=PEER_TOL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # moderndid's note on simultaneous bands
        simple = moderndid.aggte(peer, type="simple", boot=False)
        dynamic = moderndid.aggte(peer, type="dynamic", boot=False)
        group = moderndid.aggte(peer, type="group", boot=False)
    assert_matches_moderndid_aggregations(ours, simple, dynamic)
    np.testing.assert_allclose(ours.by_cohort["att"], group.att_by_event, atol=PEER_TOL)
    np.testing.assert_allclose(ours.by_cohort["se"], group.se_by_event, atol=PEER_TOL)
    if base_period == "varying":
        assert ours.pretrend_test().statistic == pytest.approx(peer.wald_stat, abs=1e-6)


def test_mpdta_matches_csdid_side_by_side(mpdta: pd.DataFrame) -> None:
    csdid = pytest.importorskip("csdid.att_gt")
    for method in ("reg", "dr"):
        ours = did.staggered(mpdta, **MPDTA, method=method)  # type: ignore[arg-type]
        peer = csdid.ATTgt(
            **MPDTA_PEER,
            data=mpdta,
            control_group="nevertreated",
        ).fit(est_method=method, bstrap=False)
        np.testing.assert_allclose(ours.group_time["att"], peer.results["att"], atol=PEER_TOL)
        np.testing.assert_allclose(ours.group_time["se"], peer.results["se"], atol=PEER_TOL)


def test_no_never_treated_uses_last_cohort_like_moderndid(mpdta: pd.DataFrame) -> None:
    moderndid = pytest.importorskip("moderndid")
    treated_only = mpdta.loc[mpdta["first.treat"] > 0]
    with pytest.warns(UserWarning, match=r"dropped 191 rows in periods from 2007 on"):
        ours = did.staggered(treated_only, **MPDTA, control_group="not_yet_treated")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        peer = moderndid.att_gt(
            data=treated_only,
            **MPDTA_PEER,
            boot=False,
            est_method="reg",
            control_group="notyettreated",
        )
    # R's did recodes the last cohort as never treated; moderndid also reports placebo cells
    # for it, so compare the cells both estimate.
    both = pd.DataFrame(
        {"cohort": peer.groups, "time": peer.times, "att": peer.att_gt, "se": peer.se_gt}
    ).merge(ours.group_time, on=["cohort", "time"])
    assert len(both) == len(ours.group_time) == 6
    np.testing.assert_allclose(both["att_x"], both["att_y"], atol=PEER_TOL)
    np.testing.assert_allclose(both["se_x"], both["se_y"], atol=PEER_TOL)
    with pytest.raises(ValueError, match="No valid controls"):
        did.staggered(treated_only, **MPDTA, control_group="never_treated")


# --- simulation with a known truth ----------------------------------------------------------


def test_callaway_santanna_recovers_growing_effects_where_twfe_fails() -> None:
    panel = staggered_adoption(
        n_units=1200,
        n_periods=10,
        cohorts=(2, 3, 4),
        never_share=0.05,
        effect_start=0.0,
        effect_growth=1.0,
        seed=7,
    )
    truth = panel.attrs["true_effect"]
    cs = did.staggered(panel, **SIM)
    tw = did.twfe(panel, outcome="outcome", unit="unit", time="time", treatment="treated")
    assert abs(cs.estimate - truth) < 3 * cs.se
    assert abs(tw.estimate - truth) > 10 * tw.se
    assert tw.negative_weight_share > 0
    true_by_event = (
        panel.loc[panel["treated"] == 1]
        .groupby(panel["time"] - panel["cohort"])["true_effect"]
        .mean()
    )
    post = cs.dynamic.set_index("event_time").loc[true_by_event.index]
    assert np.all(np.abs(post["att"] - true_by_event) < 4 * post["se"])


def test_bootstrap_band_is_reproducible_and_wider(panel: pd.DataFrame) -> None:
    one = did.staggered(panel, **SIM, replications=199, seed=3)
    two = did.staggered(panel, **SIM, replications=199, seed=3)
    other = did.staggered(panel, **SIM, replications=199, seed=4)
    pd.testing.assert_frame_equal(one.dynamic, two.dynamic)
    assert one.critical_value == two.critical_value != other.critical_value
    assert one.critical_value > 1.96
    assert np.all(one.dynamic["band_high"] - one.dynamic["band_low"] > 0)


# --- results are immutable and safe ---------------------------------------------------------


def test_results_are_frozen_and_tables_are_copies(panel: pd.DataFrame) -> None:
    fit = did.staggered(panel, **SIM)
    with pytest.raises(AttributeError):
        fit.estimate = 0.0  # type: ignore[misc]
    table = fit.group_time
    table.loc[:, "att"] = 99.0
    assert not (fit.group_time["att"] == 99.0).any()
    assert fit.overall.estimate == fit.estimate
    tidy = fit.tidy()
    assert tidy["term"].iloc[0] == fit.estimand and len(tidy) == 1 + len(fit.by_cohort) + len(
        fit.dynamic
    )
    assert "Callaway-Sant'Anna" in fit.summary()
