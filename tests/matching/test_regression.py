"""Tests of evaluation.matching.regression: the NSW experimental benchmark.

Published numbers: tests/reference/dehejia_wahba_1999.py.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from evaluation import matching
from tests.reference.dehejia_wahba_1999 import EXPERIMENTAL_ATT, EXPERIMENTAL_SE

# --------------------------------------------------------------------------- replication


def test_nsw_experimental_difference(nsw: pd.DataFrame) -> None:
    fit = matching.difference_in_means(nsw, outcome="re78", treatment="treat")
    # Dehejia & Wahba (1999), Table 3 (NSW experiment): 1,794 (SE 633). Tolerance 0.01 / 0.05.
    assert fit.estimate == pytest.approx(EXPERIMENTAL_ATT, abs=0.01)
    # 632.9 is the classical two-sample SE with a pooled variance (OLS's non-robust SE).
    assert fit.se == pytest.approx(EXPERIMENTAL_SE, abs=0.05)
    welch = matching.difference_in_means(
        nsw, outcome="re78", treatment="treat", equal_variance=False
    )
    earnings = nsw["re78"].astype(float)  # stored as float32
    treated, control = earnings[nsw["treat"] == 1], earnings[nsw["treat"] == 0]
    welch_se = np.sqrt(treated.var() / len(treated) + control.var() / len(control))
    assert welch.se == pytest.approx(welch_se, rel=1e-9)
    assert welch.se > 660  # so the unequal-variance SE does not reproduce 632.9
