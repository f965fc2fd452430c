"""Tests of evaluation.rdd.bandwidth: the Imbens-Kalyanaraman (2012) bandwidth."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from evaluation import rdd
from evaluation.rdd import bandwidth
from tests.reference.imbens_kalyanaraman_2012 import (
    PILOT_FACTOR,
    TRIANGULAR_KERNEL_CONSTANT,
    UNIFORM_KERNEL_CONSTANT,
)
from tests.reference.rdrobust_senate import ESTIMATE


def test_own_bandwidth_lands_near_published(senate: pd.DataFrame) -> None:
    fit = rdd.local_linear(senate, outcome="vote", running="margin")
    assert fit.bandwidth_method.startswith("Imbens-Kalyanaraman")
    # Source: as above; our IK (2012) bandwidth should give an estimate within 0.6 of 7.414.
    assert abs(fit.estimate - ESTIMATE) < 0.6
    assert 10 < fit.bandwidth < 25


def test_ik_kernel_constants() -> None:
    # Imbens & Kalyanaraman (2012), Section 3: C_K = 3.4375 for the triangular kernel.
    assert bandwidth._ik_kernel_constant("triangular") == pytest.approx(
        TRIANGULAR_KERNEL_CONSTANT, abs=1e-3
    )
    # Uniform: (C2 / 4 C1^2)^(1/5) = 144^(1/5).
    assert bandwidth._ik_kernel_constant("uniform") == pytest.approx(
        UNIFORM_KERNEL_CONSTANT, rel=1e-6
    )


def test_ik_steps_are_consistent(senate: pd.DataFrame) -> None:
    bw = rdd.ik_bandwidth(senate, outcome="vote", running="margin")
    steps = bw.steps()
    assert steps["value"].iloc[-1] == bw.bandwidth
    n = len(senate)
    assert bw.pilot == pytest.approx(PILOT_FACTOR * senate["margin"].std() * n**-0.2)
    recomputed = (
        bw.kernel_constant
        * (
            (bw.variance_left + bw.variance_right)
            / (
                bw.density
                * (
                    (bw.curvature_right - bw.curvature_left) ** 2
                    + bw.regularisation_left
                    + bw.regularisation_right
                )
            )
        )
        ** 0.2
        * n**-0.2
    )
    assert bw.bandwidth == pytest.approx(recomputed)
