"""Tests of evaluation.rdd.density: McCrary's (2008) density test."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from evaluation import rdd
from evaluation.simulate.rdd import threshold_rule
from tests.reference.mccrary_2008 import BIN_WIDTH_FACTOR, VARIANCE_CONSTANT


def test_density_test_senate_shows_no_sorting(senate: pd.DataFrame) -> None:
    test = rdd.density_test(senate, running="margin")
    assert test.p_value > 0.05
    assert test.se == pytest.approx(
        np.sqrt(
            VARIANCE_CONSTANT
            * (1 / test.f_right + 1 / test.f_left)
            / (len(senate) * test.bandwidth)
        )
    )
    assert test.estimate == pytest.approx(np.log(test.f_right / test.f_left))
    assert test.bin_width == pytest.approx(
        BIN_WIDTH_FACTOR * senate["margin"].std() * len(senate) ** -0.5
    )
    bins = test.bins
    assert int(bins["count"].sum()) == len(senate)


def test_manipulation_biases_estimate_and_density_test_detects_it() -> None:
    honest = threshold_rule(n=20_000, seed=4)
    gamed = threshold_rule(n=20_000, manipulation=0.9, seed=4)
    truth = honest.attrs["true_effect"]
    fit_honest = rdd.local_linear(honest, outcome="reoffended", running="risk_score", cutoff=50)
    fit_gamed = rdd.local_linear(gamed, outcome="reoffended", running="risk_score", cutoff=50)
    assert fit_honest.ci_low < truth < fit_honest.ci_high
    assert not fit_gamed.ci_low < truth < fit_gamed.ci_high
    assert fit_gamed.estimate > truth  # riskier people pushed over the line hide the effect
    assert fit_honest.density_test().p_value > 0.01
    test_gamed = fit_gamed.density_test()
    assert test_gamed.p_value < 0.001 and test_gamed.estimate > 0
