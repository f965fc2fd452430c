"""rdd.local_density_test side by side with rddensity (run in the test).

Tolerance: 1e-6 on the T statistic, 1e-8 on densities and standard errors, 1e-6 on
the bandwidths; the measured gaps are below 1e-9.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rddensity import rddensity

from evaluation import rdd


@pytest.fixture(scope="module")
def margins() -> pd.DataFrame:
    """All 1,390 Senate races' margins (the vote share is not needed here)."""
    spec = importlib.util.find_spec("rdrobust")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "rdrobust_RDsenate.csv"
    return pd.read_csv(path)[["margin"]]


def _peer(x: np.ndarray, **options: object) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rddensity(X=x, **options)


@pytest.mark.parametrize("rounded", [False, True])
def test_senate_margin_equals_rddensity(margins: pd.DataFrame, rounded: bool) -> None:
    frame = margins.round(0) if rounded else margins  # rounding makes mass points
    ours = rdd.local_density_test(frame, running="margin")
    peer = _peer(frame["margin"].to_numpy())
    assert abs(ours.statistic - peer.test["t_jk"]) < 1e-6  # type: ignore[attr-defined]
    assert abs(ours.p_value - peer.test["p_jk"]) < 1e-6  # type: ignore[attr-defined]
    assert abs(ours.f_left - peer.hat["left"]) < 1e-8  # type: ignore[attr-defined]
    assert abs(ours.f_right - peer.hat["right"]) < 1e-8  # type: ignore[attr-defined]
    assert abs(ours.se - peer.sd_jk["diff"]) < 1e-8  # type: ignore[attr-defined]
    assert abs(ours.h_left - peer.h["left"]) < 1e-6  # type: ignore[attr-defined]
    assert abs(ours.h_right - peer.h["right"]) < 1e-6  # type: ignore[attr-defined]
    assert (ours.n_left, ours.n_right) == (
        peer.n["eff_left"],  # type: ignore[attr-defined]
        peer.n["eff_right"],  # type: ignore[attr-defined]
    )


@pytest.mark.parametrize(
    ("options", "peer_options"),
    [
        ({"selector": "each", "order": 1}, {"bwselect": "each", "p": 1}),
        ({"selector": "diff", "kernel": "uniform"}, {"bwselect": "diff", "kernel": "uniform"}),
        ({"bandwidth": 20.0, "kernel": "epanechnikov"}, {"h": 20.0, "kernel": "epanechnikov"}),
    ],
)
def test_options_equal_rddensity(
    margins: pd.DataFrame, options: dict[str, object], peer_options: dict[str, object]
) -> None:
    ours = rdd.local_density_test(margins, running="margin", **options)  # type: ignore[arg-type]
    peer = _peer(margins["margin"].to_numpy(), **peer_options)
    assert abs(ours.statistic - peer.test["t_jk"]) < 1e-6  # type: ignore[attr-defined]


def test_a_manipulated_score_is_caught() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=3000)
    nudged = (x > -0.3) & (x < 0) & (rng.uniform(size=x.size) < 0.6)
    x[nudged] = -x[nudged]  # six in ten just below are pushed over the line
    test = rdd.local_density_test(pd.DataFrame({"score": x}), running="score")
    assert test.estimate > 0 and test.p_value < 0.01
    assert test.plot().get_ylabel().startswith("Density")


def test_bad_inputs_are_refused(margins: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="selector"):
        rdd.local_density_test(margins, running="margin", selector="ik")
    with pytest.raises(ValueError, match="order"):
        rdd.local_density_test(margins, running="margin", order=9)
