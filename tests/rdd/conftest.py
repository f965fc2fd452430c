"""Fixtures shared by the tests of evaluation.rdd: rdrobust's Senate data, a simulated rule."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from evaluation.simulate.rdd import threshold_rule


@pytest.fixture(scope="module")
def senate() -> pd.DataFrame:
    """rdrobust's Senate data; the 93 rows without a next-election vote share are dropped here."""
    spec = importlib.util.find_spec("rdrobust")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "rdrobust_RDsenate.csv"
    frame = pd.read_csv(path)
    assert int(frame["vote"].isna().sum()) == 93
    return frame.dropna(subset=["vote"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    return threshold_rule(n=4000, seed=11)
