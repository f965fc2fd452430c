"""Tests of evaluation.matching.balance: standardised differences and the Love plot."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from evaluation import matching
from tests.matching.conftest import MAIN


def test_balance_function_and_love_plot(nsw_cps: pd.DataFrame) -> None:
    raw = matching.balance(nsw_cps, treatment="treat", covariates=MAIN)
    assert not raw.weighted and "smd_after" not in raw.table
    ones = matching.balance(
        nsw_cps, treatment="treat", covariates=MAIN, weights=np.ones(len(nsw_cps))
    )
    assert ones.table["smd_after"].to_numpy() == pytest.approx(ones.table["smd_before"].to_numpy())
    ax = ones.plot()
    assert len(ax.get_yticklabels()) == len(MAIN)
    with pytest.raises(ValueError, match="non-negative"):
        matching.balance(
            nsw_cps, treatment="treat", covariates=MAIN, weights=-np.ones(len(nsw_cps))
        )
    plt.close("all")
