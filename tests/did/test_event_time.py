"""Tests of evaluation.did.event_time: Sun-Abraham against pyfixest, windows, pre-trends."""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

from evaluation import did
from evaluation.simulate.did import staggered_adoption
from tests.did.conftest import MPDTA, PEER_TOL, SIM, _with_peer_columns

matplotlib.use("Agg")


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # pyfixest under pandas 3
def test_sun_abraham_matches_pyfixest_saturated_event_study(mpdta: pd.DataFrame) -> None:
    pf = pytest.importorskip("pyfixest")
    ours = did.event_study(mpdta, **MPDTA)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pyfixest: "currently in beta"
        peer = pf.event_study(
            _with_peer_columns(mpdta),
            yname="lemp",
            idname="countyreal",
            tname="year",
            gname="ft",
            estimator="saturated",
        )
    aggregated = peer.aggregate().astype(float)
    np.testing.assert_allclose(ours.effects["event_time"], aggregated.index)
    np.testing.assert_allclose(ours.effects["estimate"], aggregated["Estimate"], atol=PEER_TOL)
    np.testing.assert_allclose(ours.effects["se"], aggregated["Std. Error"], atol=PEER_TOL)
    cells = peer.tidy().reset_index()
    parts = cells["Coefficient"].str.extract(r"::(?P<e>[-\d.]+):.*::(?P<g>\d+)").astype(float)
    peer_cells = cells.assign(**parts).set_index(["g", "e"]).sort_index()
    mine = ours.cohort_effects.set_index(["cohort", "event_time"]).sort_index()
    np.testing.assert_allclose(mine["estimate"], peer_cells["Estimate"], atol=PEER_TOL)
    np.testing.assert_allclose(mine["se"], peer_cells["Std. Error"], atol=PEER_TOL)
    # With never-treated controls, post-period Sun-Abraham cells are CS's ATT(g, t).
    cs = did.staggered(mpdta, **MPDTA).group_time
    post = cs.loc[cs["time"] >= cs["cohort"]]
    sa = mine.loc[[(g, t - g) for g, t in zip(post["cohort"], post["time"], strict=True)]]
    np.testing.assert_allclose(sa["estimate"], post["att"], atol=1e-10)


def test_event_study_window_bins_end_points(mpdta: pd.DataFrame) -> None:
    binned = did.event_study(mpdta, **MPDTA, window=(-2, 1))
    assert binned.effects["event_time"].tolist() == [-2.0, 0.0, 1.0]
    assert any("binned" in note for note in binned.notes)
    with pytest.raises(ValueError, match="include the reference"):
        did.event_study(mpdta, **MPDTA, window=(0, 2))


def test_pretrend_test_detects_diverging_trends() -> None:
    parallel = staggered_adoption(n_units=400, n_periods=8, seed=5)
    diverging = staggered_adoption(n_units=400, n_periods=8, trend_gap=0.3, seed=5)
    assert did.event_study(parallel, **SIM).pretrend_test().p_value > 0.01
    assert did.event_study(diverging, **SIM).pretrend_test().p_value < 0.001
    assert did.staggered(diverging, **SIM).pretrend_test().p_value < 0.001
