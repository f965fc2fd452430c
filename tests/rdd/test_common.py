"""What the evaluation.rdd estimators share (rdd._common): invariances and input checks."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation import rdd
from evaluation.simulate.rdd import threshold_rule

# --------------------------------------------------------------------------- invariances

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _fit(frame: pd.DataFrame, cutoff: float = 50) -> rdd.RDResult:
    """The local linear fit of the simulated threshold rule (reoffending at a risk score)."""
    return rdd.local_linear(frame, outcome="reoffended", running="risk_score", cutoff=cutoff)


def _same_fit(
    frame: pd.DataFrame, changed: pd.DataFrame, *, cutoff: float = 50, tolerance: float
) -> None:
    """The fit of ``changed`` at ``cutoff`` has the bandwidth, estimate and SE of ``frame``'s."""
    a = _fit(frame)
    b = _fit(changed, cutoff=cutoff)
    assert b.bandwidth == pytest.approx(a.bandwidth, rel=tolerance)
    assert b.estimate == pytest.approx(a.estimate, abs=tolerance)
    assert b.se == pytest.approx(a.se, rel=tolerance)


@FAST
@given(seed=st.integers(0, 10_000), shuffle=st.integers(0, 10_000))
def test_row_order_does_not_matter(seed: int, shuffle: int) -> None:
    frame = threshold_rule(n=1500, seed=seed)
    _same_fit(frame, frame.sample(frac=1, random_state=shuffle), tolerance=1e-9)


@FAST
@given(seed=st.integers(0, 10_000), constant=st.floats(-1e3, 1e3))
def test_adding_a_constant_to_the_outcome(seed: int, constant: float) -> None:
    frame = threshold_rule(n=1500, seed=seed)
    shifted = frame.assign(reoffended=frame["reoffended"] + constant)
    _same_fit(frame, shifted, tolerance=1e-7)


@FAST
@given(seed=st.integers(0, 10_000), shift=st.floats(-500, 500))
def test_shifting_running_variable_and_cutoff_together(seed: int, shift: float) -> None:
    frame = threshold_rule(n=1500, seed=seed)
    moved = frame.assign(risk_score=frame["risk_score"] + shift)
    _same_fit(frame, moved, cutoff=50 + shift, tolerance=1e-6)


# --------------------------------------------------------------------------- validation


def test_missing_values_are_refused(simulated: pd.DataFrame) -> None:
    frame = simulated.copy()
    frame.loc[[3, 7], "reoffended"] = np.nan
    with pytest.raises(ValueError, match=r"'reoffended' has 2 missing value\(s\) \(rows 3, 7\)"):
        rdd.local_linear(frame, outcome="reoffended", running="risk_score", cutoff=50)


def test_non_numeric_outcome_is_refused(simulated: pd.DataFrame) -> None:
    frame = simulated.assign(reoffended=simulated["reoffended"].map({0: "no", 1: "yes"}))
    with pytest.raises(ValueError, match="'reoffended' must be numeric"):
        rdd.local_linear(frame, outcome="reoffended", running="risk_score", cutoff=50)


def test_absent_column_is_named(simulated: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="running='score' is not a column"):
        rdd.local_linear(simulated, outcome="reoffended", running="score", cutoff=50)


def test_no_observations_on_one_side(simulated: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="No observation of running='risk_score' lies at or above"):
        rdd.local_linear(simulated, outcome="reoffended", running="risk_score", cutoff=1000)
    below = simulated[simulated["risk_score"] < 50]
    with pytest.raises(ValueError, match="lies at or above"):
        rdd.density_test(below, running="risk_score", cutoff=50)


@pytest.mark.parametrize("bandwidth", [0, -3.0, float("nan"), float("inf")])
def test_bandwidth_must_be_positive(simulated: pd.DataFrame, bandwidth: float) -> None:
    with pytest.raises(ValueError, match="bandwidth must be a positive"):
        rdd.local_linear(
            simulated, outcome="reoffended", running="risk_score", cutoff=50, bandwidth=bandwidth
        )


def test_too_narrow_bandwidth_is_explained(simulated: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="Widen the bandwidth"):
        rdd.local_linear(
            simulated, outcome="reoffended", running="risk_score", cutoff=50, bandwidth=1e-4
        )


def test_unknown_kernel(simulated: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="kernel='gaussian' is not offered"):
        rdd.local_linear(
            simulated, outcome="reoffended", running="risk_score", cutoff=50, kernel="gaussian"
        )
