"""Fixtures shared by the tests of evaluation.matching: LaLonde's NSW and CPS samples."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from benchmarks import cases
from benchmarks.cases import DW_TERMS
from evaluation import matching
from evaluation.simulate.matching import voluntary_programme

MAIN = ["age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75", "u74", "u75"]
SIM_COVARIATES = ["age", "prior_offences", "employed"]


@pytest.fixture(scope="module")
def nsw() -> pd.DataFrame:
    from causaldata import nsw_mixtape

    return nsw_mixtape.load_pandas().data


@pytest.fixture(scope="module")
def nsw_cps() -> pd.DataFrame:
    """NSW treated and CPS controls with the Dehejia-Wahba terms."""
    return cases.lalonde()


@pytest.fixture(scope="module")
def lalonde_ipw(nsw_cps: pd.DataFrame) -> matching.ObservationalResult:
    return matching.ipw(nsw_cps, outcome="re78", treatment="treat", covariates=DW_TERMS)


# --------------------------------------------------------------------------- for the input checks


@pytest.fixture()
def small() -> pd.DataFrame:
    return voluntary_programme(n=400, seed=1)
