"""Tests of evaluation.its.structural: the seat-belt law as Harvey and Durbin (1986) modelled it.

Published numbers: tests/reference/harvey_durbin_1986_seatbelts.py.
"""

from __future__ import annotations

import math

import matplotlib
import pandas as pd
import pytest

from evaluation import its
from tests.its.conftest import LAW, OPTIONS
from tests.reference.harvey_durbin_1986_seatbelts import LAW_INDEX, PERCENT_CHANGE

matplotlib.use("Agg")


# --------------------------------------------------------------------------- published results
def test_seatbelt_law_structural_model_matches_harvey_durbin(seatbelts: pd.DataFrame) -> None:
    # Harvey and Durbin (1986): the law cut car drivers killed or seriously injured by about
    # 23%. Local level, monthly seasonal, log petrol price and log distance as regressors.
    # Tolerance: 3 percentage points (their model's details and estimation method differ).
    assert seatbelts["law"].to_numpy().nonzero()[0][0] == LAW_INDEX  # February 1983
    fit = its.structural(
        seatbelts,
        outcome="drivers",
        time="month",
        treatment_time=LAW,
        covariates=["log_petrol", "log_kms"],
        seasonal=12,
        log=True,
    )
    assert fit.percent_change == pytest.approx(PERCENT_CHANGE, abs=3)
    assert fit.percent_change == pytest.approx(100 * math.expm1(fit.estimate))
    assert fit.ci_high < 0
    tidy = fit.tidy().set_index("term")
    assert tidy.loc["coefficient on log_petrol", "estimate"] < 0  # dearer petrol, fewer deaths


def test_structural_rejects_a_season_column(monthly: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="integer period"):
        its.structural(monthly, seasonal="month", **OPTIONS)  # type: ignore[arg-type]
