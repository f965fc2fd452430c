"""Tests of synth.synthetic_control_several and synth.conformal_intervals, with pysyncon."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from evaluation import synth
from evaluation.simulate import synth as sim
from evaluation.synth import SyntheticControlResult, simplex_least_squares

matplotlib.use("Agg")

PROP99 = {"outcome": "cigsale", "unit": "state", "time": "year"}
SIM = {"outcome": "outcome", "unit": "unit", "time": "period"}
TREATED = ["treated", "donor 01", "donor 02"]


@pytest.fixture(scope="module")
def california(prop99: pd.DataFrame) -> SyntheticControlResult:
    return synth.synthetic_control(prop99, **PROP99, treated_unit="California",
                                   treatment_time=1989)  # fmt: skip


def several_treated(seed: int = 4, effect: float = -10.0) -> pd.DataFrame:
    """A simulated panel in which two donors are also treated from the same period."""
    panel = sim.panel(effect=effect, seed=seed, n_donors=12, n_pre=15, n_post=5)
    start = panel.attrs["treatment_time"]
    hit = panel["unit"].isin(["donor 01", "donor 02"]) & (panel["period"] >= start)
    return panel.assign(outcome=panel["outcome"] + np.where(hit, effect, 0.0))


class _OurWeights:
    """pysyncon's synthetic-control interface around our simplex weights."""

    W: np.ndarray | None = None

    def fit(self, Z0: pd.DataFrame, Z1: pd.Series, **_: object) -> None:
        self.W = simplex_least_squares(Z0.to_numpy(), Z1.to_numpy())

    def _gaps(self, Z0: pd.DataFrame, Z1: pd.Series) -> pd.Series:
        return Z1 - Z0 @ self.W


# --------------------------------------------------------------------------- conformal
def test_conformal_intervals_match_pysyncon_test_inversion(
    prop99: pd.DataFrame, california: SyntheticControlResult
) -> None:
    # pysyncon's ConformalInference (Chernozhukov, Wuthrich and Zhu 2021) run on Proposition
    # 99 for every post year at 90%, with its refits done by our simplex weights (its own Synth
    # is compared with ours in test_synth.py; its SLSQP refits take about 1 s each, too slow
    # for 12 years x 2 bounds x ~30 refits here). This checks the null imposed, the residual
    # ranks and the search for the bounds. pysyncon stops once its step falls to tol = 0.01
    # and returns the last accepted point; ours bisects to 4e-4 x RMSPE / 4 (0.0002 packs),
    # so the bounds may differ by up to 0.01 + 0.0002. Tolerance 0.011 packs.
    from pysyncon.inference import ConformalInference

    ours = synth.conformal_intervals(california, level=0.9).table
    wide = prop99.pivot(index="year", columns="state", values="cigsale")
    controls = sorted(set(prop99["state"]) - {"California"})
    z0, z1 = wide[controls], wide["California"]
    pre = list(range(1970, 1989))
    scm = _OurWeights()
    scm.fit(z0.loc[pre], z1.loc[pre])
    peer = ConformalInference().confidence_intervals(
        alpha=0.1, scm=scm, Z0=z0, Z1=z1, pre_periods=pre,  # type: ignore[arg-type]
        post_periods=list(range(1989, 2001)), tol=0.01, verbose=False,
    )  # fmt: skip
    assert np.max(np.abs(ours["gap"] - peer["value"])) < 1e-9
    assert np.max(np.abs(ours["ci_low"] - peer["lower_ci"])) < 0.011
    assert np.max(np.abs(ours["ci_high"] - peer["upper_ci"])) < 0.011
    # From 1991 every year's interval excludes zero (p = 1/20 at the smallest possible).
    assert (ours.loc[1991:, "ci_high"] < 0).all()
    assert np.allclose(ours.loc[1991:, "p_zero"], 0.05)


def test_conformal_interval_contains_the_truth_on_simulated_data() -> None:
    panel = sim.panel(effect=-10.0, seed=3, n_donors=10, n_pre=19, n_post=3)
    fit = synth.synthetic_control(panel, **SIM, treated_unit="treated", treatment_time=19)
    result = synth.conformal_intervals(fit, level=0.9)
    table = result.table
    assert ((table["ci_low"] < -10) & (table["ci_high"] > -10)).all()
    assert (table["ci_high"] < 0).all()  # an effect of 10 noise sds is found every period
    tidy = result.tidy()
    assert list(tidy["term"])[1:] == [f"gap {p}" for p in table.index]
    assert "interval" in result.summary()
    with pytest.raises(ValueError, match="whole line"):
        synth.conformal_intervals(fit, level=0.99)
    matched = synth.synthetic_control(panel, **SIM, treated_unit="treated", treatment_time=19,
                                      predictors=[("outcome", [0]), ("outcome", [18])])  # fmt: skip
    with pytest.raises(ValueError, match="predictors=None"):
        synth.conformal_intervals(matched, level=0.9)


# --------------------------------------------------------------------------- several treated
def test_several_treated_matches_pysyncon_unit_by_unit() -> None:
    # pysyncon's Synth fitted to each treated unit on the same outcome-path problem (custom V
    # equal to the per-period variances, normalised, undoes its scaling; see test_synth.py).
    # Tolerance: each unit's average post gap within 0.05, as for California in test_synth.py
    # (pysyncon's SLSQP uses numerical gradients and stops short of the optimum).
    pysyncon = pytest.importorskip("pysyncon")
    panel = several_treated()
    fit = synth.synthetic_control_several(panel, **SIM, treated_unit=TREATED,
                                          treatment_time=15, replications=200, seed=1)  # fmt: skip
    wide = panel.pivot(index="period", columns="unit", values="outcome")
    donors = sorted(set(panel["unit"]) - set(TREATED))
    pre = list(range(15))
    for unit in TREATED:
        x0, x1 = wide.loc[pre, donors], wide.loc[pre, unit]
        variance = pd.concat([x0, x1], axis=1).std(axis=1).to_numpy() ** 2
        peer = pysyncon.Synth()
        peer.fit(X0=x0, X1=x1, Z0=x0, Z1=x1, custom_V=variance / variance.sum())
        gap = wide[unit] - wide[donors].to_numpy() @ peer.W
        assert gap.loc[15:].mean() == pytest.approx(fit.unit_effects[unit], abs=0.05)
    assert fit.estimate == pytest.approx(fit.unit_effects.mean())


def test_several_treated_placebo_test() -> None:
    panel = several_treated(effect=-10.0)
    kwargs = {**SIM, "treated_unit": TREATED, "treatment_time": 15}
    fit = synth.synthetic_control_several(panel, **kwargs, replications=500, seed=1)
    # C(10, 3) = 120 possible placebo sets of three donors: all are used. The treated average
    # (-10 per unit, noise sd 1) is more extreme than all but a few (sets of donors that lie
    # outside the others' range and so are fitted badly), so p <= 6/121 = 0.05.
    assert len(fit.placebo_table) == 120
    extreme = (fit.placebo_table["average_gap"].abs() >= abs(fit.estimate)).sum()
    assert fit.p_value == pytest.approx((extreme + 1) / 121)
    assert fit.p_value <= 0.05
    assert fit.estimate == pytest.approx(-10.0, abs=2.0)
    drawn = synth.synthetic_control_several(panel, **kwargs, replications=50, seed=2)
    again = synth.synthetic_control_several(panel, **kwargs, replications=50, seed=2)
    assert len(drawn.placebo_table) == 50
    pd.testing.assert_frame_equal(drawn.placebo_table, again.placebo_table)
    null = synth.synthetic_control_several(several_treated(effect=0.0), **kwargs,
                                           replications=500)  # fmt: skip
    assert null.p_value > 0.05
    tidy = fit.tidy()
    assert len(tidy) == 4 and tidy["se"].isna().all()
    ax = fit.plot()
    assert len(ax.lines) >= 4
    import matplotlib.pyplot as plt

    plt.close("all")


def test_several_treated_rejects_bad_input() -> None:
    panel = several_treated()
    kwargs = {**SIM, "treatment_time": 15}
    with pytest.raises(ValueError, match="two or more"):
        synth.synthetic_control_several(panel, **kwargs, treated_unit=["treated"])
    with pytest.raises(ValueError, match="not found"):
        synth.synthetic_control_several(panel, **kwargs, treated_unit=["treated", "nowhere"])
    units = sorted(set(panel["unit"]))
    with pytest.raises(ValueError, match="placebo test needs more"):
        synth.synthetic_control_several(panel, **kwargs, treated_unit=units[:7])
