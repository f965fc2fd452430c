"""Tests of evaluation.did.fixed_effects: TWFE and dynamic TWFE against ``pyfixest`` (fixest)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from evaluation import did
from tests.did.conftest import MPDTA, PEER_TOL, _with_peer_columns

matplotlib.use("Agg")


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # pyfixest under pandas 3
def test_dynamic_twfe_and_twfe_match_pyfixest(mpdta: pd.DataFrame) -> None:
    pf = pytest.importorskip("pyfixest")
    frame = _with_peer_columns(mpdta)
    ours = did.event_study(mpdta, **MPDTA, method="twfe")
    peer = pf.feols(
        "lemp ~ i(rel, ref=-1) | countyreal + year", data=frame, vcov={"CRV1": "countyreal"}
    ).tidy()
    np.testing.assert_allclose(ours.effects["estimate"], peer["Estimate"], atol=PEER_TOL)
    np.testing.assert_allclose(ours.effects["se"], peer["Std. Error"], atol=PEER_TOL)
    fit = did.twfe(frame, outcome="lemp", unit="countyreal", time="year", treatment="D")
    static = pf.feols(
        "lemp ~ D | countyreal + year", data=frame, vcov={"CRV1": "countyreal"}
    ).tidy()
    assert fit.estimate == pytest.approx(static["Estimate"].iloc[0], abs=PEER_TOL)
    assert fit.se == pytest.approx(static["Std. Error"].iloc[0], abs=PEER_TOL)
    weights = fit.cell_weights
    assert weights["weight"].sum() == pytest.approx(1.0)
    assert len(weights) == int(frame["D"].sum())
