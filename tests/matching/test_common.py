"""What every evaluation.matching estimator shares (matching._common): invariances and checks."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation import matching
from evaluation.simulate.matching import voluntary_programme
from tests.matching.conftest import SIM_COVARIATES

# --------------------------------------------------------------------------- invariances

FAST = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ESTIMATORS = {
    "nearest_neighbour": lambda f, **k: matching.nearest_neighbour(f, n_neighbours=2, **k),
    "ipw": matching.ipw,
    "doubly_robust": matching.doubly_robust,
}


def _fit(
    name: str, frame: pd.DataFrame, outcome: str = "reoffended"
) -> matching.ObservationalResult:
    return ESTIMATORS[name](
        frame, outcome=outcome, treatment="took_part", covariates=SIM_COVARIATES
    )


@FAST
@given(
    name=st.sampled_from(sorted(ESTIMATORS)), seed=st.integers(0, 1000), order=st.integers(0, 1000)
)
def test_row_order_and_labels_do_not_matter(name: str, seed: int, order: int) -> None:
    frame = voluntary_programme(n=600, seed=seed)
    shuffled = frame.sample(frac=1, random_state=order)
    relabelled = shuffled.set_axis([f"person-{i}" for i in range(len(shuffled))])
    a, b, c = _fit(name, frame), _fit(name, shuffled), _fit(name, relabelled)
    for other in (b, c):
        assert other.estimate == pytest.approx(a.estimate, abs=1e-8)
        assert other.se == pytest.approx(a.se, rel=1e-6)


@FAST
@given(
    name=st.sampled_from(sorted(ESTIMATORS)), seed=st.integers(0, 1000), shift=st.floats(-1e4, 1e4)
)
def test_adding_a_constant_to_the_outcome(name: str, seed: int, shift: float) -> None:
    frame = voluntary_programme(n=600, seed=seed)
    moved = frame.assign(shifted=frame["reoffended"] + shift)
    a, b = _fit(name, frame), _fit(name, moved, outcome="shifted")
    assert b.estimate == pytest.approx(a.estimate, abs=1e-7)
    assert b.se == pytest.approx(a.se, rel=1e-5, abs=1e-9)


def test_missing_covariate_is_named(small: pd.DataFrame) -> None:
    frame = small.copy()
    frame.loc[[5, 9], "age"] = np.nan
    with pytest.raises(ValueError, match=r"'age' has 2 missing value\(s\) \(rows 5, 9\)"):
        matching.ipw(frame, outcome="reoffended", treatment="took_part", covariates=SIM_COVARIATES)


def test_non_binary_treatment(small: pd.DataFrame) -> None:
    frame = small.copy()
    frame.loc[4, "took_part"] = 2
    with pytest.raises(ValueError, match=r"treatment='took_part' must be 0/1 .* \(rows 4\)"):
        matching.nearest_neighbour(
            frame, outcome="reoffended", treatment="took_part", covariates=SIM_COVARIATES
        )


def test_non_numeric_outcome(small: pd.DataFrame) -> None:
    frame = small.assign(reoffended=small["reoffended"].astype(str))
    with pytest.raises(ValueError, match="'reoffended' must be numeric"):
        matching.doubly_robust(
            frame, outcome="reoffended", treatment="took_part", covariates=SIM_COVARIATES
        )


def test_other_bad_arguments(small: pd.DataFrame) -> None:
    kwargs = {"outcome": "reoffended", "treatment": "took_part", "covariates": SIM_COVARIATES}
    with pytest.raises(ValueError, match="estimand='ATC'"):
        matching.ipw(small, estimand="ATC", **kwargs)
    with pytest.raises(ValueError, match="n_neighbours must be a positive integer"):
        matching.nearest_neighbour(small, n_neighbours=0, **kwargs)
    with pytest.raises(ValueError, match="without replacement is offered for the ATT only"):
        matching.nearest_neighbour(small, replace=False, estimand="ATE", **kwargs)
    with pytest.raises(ValueError, match="covariates\\[1\\]='wage' is not a column"):
        matching.ipw(small, outcome="reoffended", treatment="took_part", covariates=["age", "wage"])
    with pytest.raises(ValueError, match="single value"):
        matching.ipw(
            small.assign(k=1.0), outcome="reoffended", treatment="took_part", covariates=["k"]
        )
    with pytest.raises(ValueError, match="collinear"):
        matching.ipw(
            small.assign(age_twice=2 * small["age"]),
            outcome="reoffended",
            treatment="took_part",
            covariates=["age", "age_twice"],
        )
    with pytest.raises(ValueError, match="no treated units"):
        matching.ipw(small.assign(took_part=0), **kwargs)
    with pytest.raises(ValueError, match="trim must lie strictly between"):
        matching.ipw(small, trim=0.6, **kwargs)
