"""Goodman-Bacon decomposition: the identity with TWFE, each 2x2 against pyfixest, the weights.

The published decomposition checked is Stata ``bacondecomp``'s output on a toy
panel (``tests/reference/naqvi_bacondecomp_toy.py``). The castle-doctrine panel
is the one of Cunningham's *Mixtape* (``causaldata``).
R's ``bacondecomp`` prints a decomposition of its own copy of the castle data,
which is not this one (its TWFE estimate is 0.0818; on this copy it is 0.0694),
so the printed numbers cannot be checked here. Instead every 2x2 estimate is
checked against pyfixest's two-way fixed-effects regression on that 2x2's
subsample (its definition in Goodman-Bacon 2021, Theorem 1), and every weight
against the paper's expression: the subsample's squared share of the
observations times the variance of its residualised treatment, over the full
panel's variance.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from evaluation import did
from evaluation.simulate.did import staggered_adoption
from tests.reference import naqvi_bacondecomp_toy as toy

CASTLE = {"outcome": "l_homicide", "unit": "sid", "time": "year", "treatment": "post"}
IDENTITY_TOL = 1e-10  # the decomposition is an algebraic identity: rounding error only


@pytest.fixture(scope="module")
def castle() -> pd.DataFrame:
    causaldata = pytest.importorskip("causaldata")
    return causaldata.castle.load_pandas().data


@pytest.fixture(scope="module")
def castle_fit(castle: pd.DataFrame) -> did.BaconResult:
    return did.bacon_decomposition(castle, **CASTLE)


def _first_period(frame: pd.DataFrame, unit: str, time: str, treatment: str) -> pd.Series:
    treated = frame.loc[frame[treatment] == 1]
    first = treated.groupby(unit)[time].min()
    return frame[unit].map(first).fillna(np.inf)


def _residualised_variance(sub: pd.DataFrame, unit: str, time: str, treatment: str) -> float:
    d = sub[treatment].astype(float)
    tilde = (
        d - d.groupby(sub[unit]).transform("mean") - d.groupby(sub[time]).transform("mean")
        + d.mean()
    )  # fmt: skip
    return float(np.mean(tilde**2))


def _subsample(frame: pd.DataFrame, first: pd.Series, row: pd.Series, time: str) -> pd.DataFrame:
    groups = first.isin([row["treated"], row["control"]])
    if row["type"] == "Earlier vs Later Treated":
        window = frame[time] < row["control"]
    elif row["type"] in ("Later vs Earlier Treated", "Later vs Always Treated"):
        window = frame[time] >= row["control"]
    else:
        window = pd.Series(True, index=frame.index)
    return frame.loc[groups & window]


def test_toy_panel_matches_stata_bacondecomp_as_published() -> None:
    frame = pd.DataFrame([(i, t) for i in (1, 2, 3) for t in range(1, 11)], columns=["id", "t"])
    frame["D"] = ((frame["id"] == 2) & (frame["t"] >= 5)) | ((frame["id"] == 3) & (frame["t"] >= 8))
    frame["D"] = frame["D"].astype(int)
    frame["Y"] = frame["D"] * frame["id"].map({1: 0.0, 2: 2.0, 3: 4.0})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the outcome has no noise: its clustered SE is 0/0
        fit = did.bacon_decomposition(frame, outcome="Y", unit="id", time="t", treatment="D")
    printed = 5e-4  # half a unit in the third decimal printed
    assert abs(fit.estimate - toy.TWFE) < printed
    by_type = fit.by_type.set_index("type")
    for kind, (weight, estimate) in toy.BY_TYPE.items():
        assert abs(by_type.loc[kind, "weight"] - weight) < printed
        assert abs(by_type.loc[kind, "estimate"] - estimate) < printed


def test_weights_sum_to_one_and_reproduce_twfe(
    castle: pd.DataFrame, castle_fit: did.BaconResult
) -> None:
    table = castle_fit.comparisons
    assert abs(table["weight"].sum() - 1) < IDENTITY_TOL
    twfe = did.twfe(castle, **CASTLE)
    assert abs((table["weight"] * table["estimate"]).sum() - twfe.estimate) < IDENTITY_TOL
    assert castle_fit.estimate == twfe.estimate and castle_fit.se == twfe.se
    assert set(table["type"]) == {
        "Earlier vs Later Treated", "Later vs Earlier Treated", "Treated vs Untreated"
    }  # fmt: skip


def test_each_two_by_two_is_pyfixest_twfe_on_its_subsample_and_weights_follow_theorem_1(
    castle: pd.DataFrame, castle_fit: did.BaconResult
) -> None:
    pf = pytest.importorskip("pyfixest")
    first = _first_period(castle, "sid", "year", "post")
    total = _residualised_variance(castle, "sid", "year", "post")
    for _, row in castle_fit.comparisons.iterrows():
        sub = _subsample(castle, first, row, "year")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = pf.feols("l_homicide ~ post | sid + year", data=sub)
        # Tolerance 1e-9: pyfixest demeans iteratively (to its default 1e-8 precision on
        # the demeaned data); the two estimates are otherwise the same least squares.
        assert abs(float(fit.coef()["post"]) - row["estimate"]) < 1e-9
        share = len(sub) / len(castle)
        expected = share**2 * _residualised_variance(sub, "sid", "year", "post") / total
        assert abs(expected - row["weight"]) < IDENTITY_TOL


def test_by_type_sums_weights_and_averages_estimates(castle_fit: did.BaconResult) -> None:
    table = castle_fit.comparisons
    by_type = castle_fit.by_type.set_index("type")
    for kind, part in table.groupby("type"):
        assert by_type.loc[kind, "weight"] == pytest.approx(part["weight"].sum(), abs=1e-12)
        average = np.average(part["estimate"], weights=part["weight"])
        assert by_type.loc[kind, "estimate"] == pytest.approx(average, abs=1e-12)
    assert "Treated vs Untreated" in castle_fit.summary()


def test_always_treated_units_become_an_already_treated_control() -> None:
    panel = staggered_adoption(n_units=150, n_periods=8, cohorts=(3, 6), seed=5)
    always = panel["unit"] < 20
    panel.loc[always, "treated"] = 1
    panel.loc[always, "outcome"] += 2.0 + 0.3 * panel.loc[always, "time"]
    fit = did.bacon_decomposition(panel, outcome="outcome", unit="unit", time="time",
                                  treatment="treated")  # fmt: skip
    table = fit.comparisons
    assert "Later vs Always Treated" in set(table["type"])
    assert abs(table["weight"].sum() - 1) < IDENTITY_TOL
    assert abs(fit.weighted_sum - fit.estimate) < IDENTITY_TOL
    tidy = fit.tidy()
    assert {"type", "weight"} <= set(tidy.columns) and len(tidy) == len(table) + 1


def test_plot_is_the_weight_estimate_scatter(castle_fit: did.BaconResult) -> None:
    ax = castle_fit.plot()
    assert isinstance(ax, Axes)
    assert len(ax.collections) == castle_fit.comparisons["type"].nunique()
    assert any(np.allclose(line.get_ydata(), castle_fit.estimate) for line in ax.get_lines())
    assert "Weight" in ax.get_xlabel()


def test_refuses_what_it_cannot_decompose(castle: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="unbalanced"):
        did.bacon_decomposition(castle.iloc[1:], **CASTLE)
    switching = castle.copy()
    long_treated = switching.groupby("sid")["post"].transform("sum") >= 3
    second_year = switching.loc[long_treated & (switching["post"] == 1)].index[1]
    switching.loc[second_year, "post"] = 0
    with pytest.raises(ValueError, match="switches from 1 back to 0"):
        did.bacon_decomposition(switching, **CASTLE)
    with pytest.raises(ValueError, match="0/1"):
        did.bacon_decomposition(castle.assign(post=castle["post"] * 2.0), **CASTLE)
    with pytest.raises(ValueError, match="never varies"):
        did.bacon_decomposition(castle.assign(post=0), **CASTLE)
