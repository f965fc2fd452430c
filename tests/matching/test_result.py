"""Tests of evaluation.matching.result: frozen results, copies, the overlap plot."""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from evaluation import matching
from tests.reference.dehejia_wahba_1999 import N_TREATED

# --------------------------------------------------------------------------- results and plots


def test_results_are_frozen_and_return_copies(lalonde_ipw: matching.ObservationalResult) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        lalonde_ipw.estimate = 0.0  # type: ignore[misc]
    weights = lalonde_ipw.weights
    weights[:] = 0.0
    assert lalonde_ipw.weights.sum() > 0
    table = lalonde_ipw.balance.table
    table.loc[:, "smd_after"] = 99.0
    assert lalonde_ipw.balance.max_abs_smd() < 1
    assert lalonde_ipw.tidy().loc[0, "n_treated"] == N_TREATED


def test_overlap_plot(lalonde_ipw: matching.ObservationalResult) -> None:
    ax = lalonde_ipw.plot()
    assert ax.get_xlabel().startswith("Propensity score")
    plt.close("all")
