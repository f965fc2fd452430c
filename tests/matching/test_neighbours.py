"""Tests of evaluation.matching.neighbours: nearest-neighbour matching, Abadie-Imbens variance."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from evaluation import matching
from evaluation.matching import neighbours as matching_neighbours
from evaluation.simulate.matching import voluntary_programme
from tests.matching.conftest import DW_TERMS, SIM_COVARIATES
from tests.reference.dehejia_wahba_1999 import CPS_ATT_RANGE, N_TREATED


def test_cps_matching_att_in_published_range(nsw_cps: pd.DataFrame) -> None:
    fit = matching.nearest_neighbour(
        nsw_cps, outcome="re78", treatment="treat", covariates=DW_TERMS, n_neighbours=5
    )
    assert CPS_ATT_RANGE[0] < fit.estimate < CPS_ATT_RANGE[1]
    assert fit.n_treated == N_TREATED and fit.n_unmatched == 0
    matches = fit.matches
    assert matches.groupby("unit")["weight"].sum().to_numpy() == pytest.approx(1.0)
    assert set(matches["match"]).issubset(set(nsw_cps.index[nsw_cps["treat"] == 0]))


# --------------------------------------------------------------------------- matching by hand


def test_matching_estimate_and_abadie_imbens_variance_by_hand() -> None:
    # Treated scores 0.2, 0.5, 0.8; controls 0.1, 0.25, 0.45, 0.7, 0.9 (0.8 ties 0.7 and 0.9).
    score = np.array([0.2, 0.5, 0.8, 0.1, 0.25, 0.45, 0.7, 0.9])
    y = np.array([5.0, 7.0, 9.0, 1.0, 2.0, 4.0, 6.0, 10.0])
    treated = np.array([True, True, True, False, False, False, False, False])
    estimate, se, weights, used, pairs = matching_neighbours._matching_estimate(
        score, y, treated, estimand="ATT", m=1, caliper=None, replace=True
    )
    imputed = np.array([2.0, 4.0, (6.0 + 10.0) / 2])
    effects = y[:3] - imputed
    assert estimate == pytest.approx(effects.mean())
    # Each control's variance as Stata's vce(robust, nn(2)): the sample variance of
    # itself and its nearest control, (y_i - y_j)^2 / 2.
    nearest = {3: 4, 4: 3, 5: 4, 6: 7, 7: 6}
    sigma2 = {i: (y[i] - y[j]) ** 2 / 2 for i, j in nearest.items()}
    k = {3: 0.0, 4: 1.0, 5: 1.0, 6: 0.5, 7: 0.5}  # K_M(i) with the tie split
    k2 = {3: 0.0, 4: 1.0, 5: 1.0, 6: 0.25, 7: 0.25}
    variance = (
        np.sum((effects - effects.mean()) ** 2) + sum((k[i] ** 2 - k2[i]) * sigma2[i] for i in k)
    ) / 9
    assert se == pytest.approx(np.sqrt(variance))
    assert list(weights) == [1, 1, 1, 0, 1, 1, 0.5, 0.5]
    assert used[:3].all() and len(pairs) == 4


def test_caliper_leaves_units_out_with_a_warning() -> None:
    frame = voluntary_programme(n=1500, seed=3)
    with pytest.warns(UserWarning, match=r"\d+ unit\(s\) have no match within the caliper"):
        fit = matching.nearest_neighbour(
            frame,
            outcome="reoffended",
            treatment="took_part",
            covariates=SIM_COVARIATES,
            caliper=1e-5,
        )
    assert fit.n_unmatched > 0
    assert fit.n_treated == int(frame["took_part"].sum()) - fit.n_unmatched
    assert any("caliper" in note for note in fit.notes)


def test_matching_without_replacement_uses_each_control_once() -> None:
    frame = voluntary_programme(n=1500, seed=3)
    fit = matching.nearest_neighbour(
        frame,
        outcome="reoffended",
        treatment="took_part",
        covariates=SIM_COVARIATES,
        replace=False,
        n_neighbours=2,
    )
    assert fit.matches["match"].is_unique
    assert len(fit.matches) == 2 * int(frame["took_part"].sum())


def test_ate_matching_matches_both_ways() -> None:
    frame = voluntary_programme(n=1500, confounding=0.0, seed=8)
    fit = matching.nearest_neighbour(
        frame,
        outcome="reoffended",
        treatment="took_part",
        covariates=SIM_COVARIATES,
        estimand="ATE",
        n_neighbours=3,
    )
    assert set(fit.matches["unit"]) == set(frame.index)
    assert fit.estimand == "ATE" and fit.n_obs == len(frame)
