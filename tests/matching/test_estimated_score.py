"""Abadie-Imbens (2016): the matching SE that allows for an estimated propensity score.

Two checks. Against Stata's ``teffects psmatch``, which reports this standard error,
on its cattaneo2 example (the estimates and the standard errors to the printed digits).
And their theorem's claim itself: across repeated samples, the corrected standard
error tracks the spread of the matching estimates, where the 2006 one (score taken as
known) overstates it for the ATE. A small simulation with a known logit score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation import matching
from tests.reference import stata_teffects_psmatch_cattaneo2 as stata


def _draw(n: int, rng: np.random.Generator) -> pd.DataFrame:
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    d = (rng.random(n) < 1 / (1 + np.exp(-(0.3 + 0.8 * x1 - 0.6 * x2)))).astype(int)
    y = d + 2 * x1 + 1.5 * x2 + d * x1 + rng.normal(size=n)
    return pd.DataFrame({"y": y, "d": d, "x1": x1, "x2": x2})


@pytest.mark.parametrize(("estimand", "overstated"), [("ATE", 1.3), ("ATT", 1.15)])
def test_corrected_se_tracks_the_sampling_spread(estimand: str, overstated: float) -> None:
    rng = np.random.default_rng(11)
    fits = [
        matching.nearest_neighbour(
            _draw(500, rng), outcome="y", treatment="d", covariates=["x1", "x2"], estimand=estimand
        )
        for _ in range(100)
    ]
    spread = np.std([f.estimate for f in fits], ddof=1)
    corrected = np.mean([f.se_estimated_score for f in fits])
    known = np.mean([f.se for f in fits])
    # Tolerance: 15% (the spread of 100 draws is itself uncertain by about 7%).
    assert corrected == pytest.approx(spread, rel=0.15)
    # In this design the known-score SE overstates the spread (ATE by 30%, ATT 15% or more).
    assert known > overstated * spread


def test_correction_only_with_replacement_and_no_caliper(small: pd.DataFrame) -> None:
    design = {"outcome": "reoffended", "treatment": "took_part", "covariates": ["age", "employed"]}
    assert np.isfinite(matching.nearest_neighbour(small, **design).se_estimated_score)
    assert np.isnan(matching.nearest_neighbour(small, replace=False, **design).se_estimated_score)


def _cattaneo2() -> pd.DataFrame:
    """statsmodels' copy of Stata's cattaneo2, with its labelled columns made 0/1."""
    from importlib import resources

    path = resources.files("statsmodels.treatment.tests.results") / "cataneo2.csv"
    with resources.as_file(path) as file:
        frame = pd.read_csv(file)
    return frame.assign(
        mbsmoke=(frame["mbsmoke"] == "smoker").astype(int),
        mmarried=(frame["mmarried"] == "married").astype(int),
        prenatal1=(frame["prenatal1"] == "Yes").astype(int),
    )


@pytest.mark.parametrize(
    ("estimand", "published", "published_se"),
    [("ATE", stata.ATE, stata.ATE_SE), ("ATT", stata.ATET, stata.ATET_SE)],
)
def test_stata_teffects_psmatch_on_cattaneo2(
    estimand: str, published: float, published_se: float
) -> None:
    fit = matching.nearest_neighbour(
        _cattaneo2(),
        outcome="bweight",
        treatment="mbsmoke",
        covariates=list(stata.COVARIATES),
        estimand=estimand,
    )
    # Tolerance: half a unit of the fourth printed decimal.
    assert fit.estimate == pytest.approx(published, abs=5e-5)
    # Tolerance: half a unit of the fifth printed decimal (measured: ATE 8e-7, ATT 2e-8).
    assert fit.se_estimated_score == pytest.approx(published_se, abs=5e-6)
