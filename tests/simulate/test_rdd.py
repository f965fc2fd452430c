"""Tests of evaluation.simulate.rdd: the threshold-rule simulator."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd

from evaluation.simulate.rdd import threshold_rule


def test_simulation_is_reproducible() -> None:
    a = threshold_rule(n=500, manipulation=0.5, curvature=0.4, seed=9)
    b = threshold_rule(n=500, manipulation=0.5, curvature=0.4, seed=9)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(threshold_rule(n=500, manipulation=0.5, curvature=0.4, seed=10))
