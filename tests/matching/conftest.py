"""Fixtures shared by the tests of evaluation.matching: LaLonde's NSW and CPS samples."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from evaluation import matching
from evaluation.simulate.matching import voluntary_programme

# The Dehejia-Wahba (1999, 2002) CPS specification, as used in Cunningham's Mixtape:
# age, age^2, age^3, educ, educ^2, married, no degree, black, hispanic, re74, re75,
# u74, u75 (no earnings in 1974 / 1975) and educ x re74.
DW_TERMS = [
    "age",
    "age2",
    "age3",
    "educ",
    "educ2",
    "marr",
    "nodegree",
    "black",
    "hisp",
    "re74",
    "re75",
    "u74",
    "u75",
    "educ_re74",
]
MAIN = ["age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75", "u74", "u75"]
SIM_COVARIATES = ["age", "prior_offences", "employed"]


def dw_terms(frame: pd.DataFrame) -> pd.DataFrame:
    earnings = frame[["re74", "re75", "re78"]].astype(float)
    return frame.assign(
        **{column: earnings[column] for column in earnings},
        age2=frame["age"] ** 2.0,
        age3=frame["age"] ** 3.0,
        educ2=frame["educ"] ** 2.0,
        u74=(earnings["re74"] == 0).astype(int),
        u75=(earnings["re75"] == 0).astype(int),
        educ_re74=frame["educ"] * earnings["re74"],
    )


@pytest.fixture(scope="module")
def nsw() -> pd.DataFrame:
    from causaldata import nsw_mixtape

    return nsw_mixtape.load_pandas().data


@pytest.fixture(scope="module")
def nsw_cps(nsw: pd.DataFrame) -> pd.DataFrame:
    from causaldata import cps_mixtape

    cps = cps_mixtape.load_pandas().data
    return dw_terms(pd.concat([nsw[nsw["treat"] == 1], cps], ignore_index=True))


@pytest.fixture(scope="module")
def lalonde_ipw(nsw_cps: pd.DataFrame) -> matching.ObservationalResult:
    return matching.ipw(nsw_cps, outcome="re78", treatment="treat", covariates=DW_TERMS)


# --------------------------------------------------------------------------- for the input checks


@pytest.fixture()
def small() -> pd.DataFrame:
    return voluntary_programme(n=400, seed=1)
