"""Rosenbaum bounds: the lead-exposure pairs of Rosenbaum (2002) and rbounds' psens."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation import matching
from tests.matching.conftest import SIM_COVARIATES
from tests.reference import rosenbaum_2002_lead as lead


@pytest.fixture(scope="module")
def pairs() -> pd.DataFrame:
    n = len(lead.EXPOSED)
    return pd.DataFrame(
        {
            "lead": [*lead.EXPOSED, *lead.CONTROL],
            "exposed": [1] * n + [0] * n,
            "pair": [*range(n), *range(n)],
        }
    )


def test_lead_matches_psens(pairs: pd.DataFrame) -> None:
    bounds = matching.rosenbaum_bounds(
        pairs, outcome="lead", treatment="exposed", pair="pair", gammas=list(lead.UPPER_BOUND)
    )
    assert bounds.n_pairs == lead.N_PAIRS
    assert bounds.statistic == lead.STATISTIC
    assert bounds.direction == "treated higher"
    # Tolerance 5e-5: psens prints the bounds rounded to 4 decimals.
    np.testing.assert_allclose(bounds.table["p_upper"], list(lead.UPPER_BOUND.values()), atol=5e-5)
    assert 4 < bounds.critical_gamma < 5
    table = bounds.tidy()
    assert (table["p_lower"] <= table["p_upper"]).all()
    assert list(table["significant"]) == [True, True, True, True, False, False]
    assert "Gamma = 4.4" in bounds.summary()
    assert bounds.plot().get_xlabel().startswith("Gamma")


def test_direction_follows_the_difference(pairs: pd.DataFrame) -> None:
    flipped = pairs.assign(lead=-pairs["lead"])
    up = matching.rosenbaum_bounds(pairs, outcome="lead", treatment="exposed", pair="pair")
    down = matching.rosenbaum_bounds(flipped, outcome="lead", treatment="exposed", pair="pair")
    assert down.direction == "treated lower"
    assert down.critical_gamma == pytest.approx(up.critical_gamma)


def test_pairs_from_a_matching(small: pd.DataFrame) -> None:
    fit = matching.nearest_neighbour(
        small, outcome="reoffended", treatment="took_part", covariates=SIM_COVARIATES, replace=False
    )
    long = matching.matched_pairs(fit, small)
    bounds = matching.rosenbaum_bounds(
        long, outcome="reoffended", treatment="took_part", pair="pair"
    )
    assert bounds.critical_gamma >= 1
    with pytest.raises(ValueError, match="without replacement"):
        matching.matched_pairs(
            matching.nearest_neighbour(
                small, outcome="reoffended", treatment="took_part", covariates=SIM_COVARIATES
            ),
            small,
        )


def test_bad_pairs_are_refused(pairs: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="exactly one treated"):
        matching.rosenbaum_bounds(pairs.iloc[1:], outcome="lead", treatment="exposed", pair="pair")
    with pytest.raises(ValueError, match="gammas"):
        matching.rosenbaum_bounds(
            pairs, outcome="lead", treatment="exposed", pair="pair", gammas=[0.5]
        )
