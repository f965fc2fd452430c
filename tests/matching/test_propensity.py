"""Tests of evaluation.matching.propensity: the propensity-score logit."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from evaluation import matching


def test_perfect_separation_is_refused(small: pd.DataFrame) -> None:
    frame = small.assign(signal=small["took_part"] * 10.0 + small["age"] / 100)
    with pytest.raises(ValueError, match="perfectly separate treated from control"):
        matching.propensity_score(frame, treatment="took_part", covariates=["age", "signal"])
