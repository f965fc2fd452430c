"""Tests of synth.synthetic_did: Proposition 99 (Arkhangelsky et al. 2021, Table 1), behaviour."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from evaluation import synth
from evaluation.simulate import synth as sim
from evaluation.synth import SyntheticDiDResult
from evaluation.synth import _frank_wolfe as fw
from tests.reference.arkhangelsky_2021_prop99 import (
    DID_ESTIMATE,
    DID_SE,
    SC_ESTIMATE,
    SC_SE,
    SDID_ESTIMATE,
    SDID_SE,
)

matplotlib.use("Agg")

PROP99 = {
    "outcome": "cigsale",
    "unit": "state",
    "time": "year",
    "treated_unit": "California",
    "treatment_time": 1989,
}
SIM = {"outcome": "outcome", "unit": "unit", "time": "period"}
SMALL = {"n_donors": 12, "n_pre": 10, "n_post": 4}


@pytest.fixture(scope="module")
def sdid_fit(prop99: pd.DataFrame) -> SyntheticDiDResult:
    return synth.synthetic_did(prop99, **PROP99, replications=200, seed=1)


def several_treated(seed: int = 4, effect: float = -10.0) -> pd.DataFrame:
    """A simulated panel in which two donors are also treated from the same period."""
    panel = sim.panel(effect=effect, seed=seed, **SMALL)
    start = panel.attrs["treatment_time"]
    hit = panel["unit"].isin(["donor 01", "donor 02"]) & (panel["period"] >= start)
    return panel.assign(outcome=panel["outcome"] + np.where(hit, effect, 0.0))


TREATED = ["treated", "donor 01", "donor 02"]


# --------------------------------------------------------------------------- published results
def test_prop99_three_estimators_match_table_1(
    prop99: pd.DataFrame, sdid_fit: SyntheticDiDResult
) -> None:
    # Arkhangelsky et al. (2021), Table 1: SDID -15.6, SC -19.6, DID -27.3, printed to one
    # decimal; tolerance 0.05 = half a unit of the last printed digit. One code path:
    # method="sc" and method="did" are the paper's special cases of the same estimator.
    assert sdid_fit.estimate == pytest.approx(SDID_ESTIMATE, abs=0.05)
    sc = synth.synthetic_did(prop99, **PROP99, method="sc", replications=2, seed=1)
    did = synth.synthetic_did(prop99, **PROP99, method="did", replications=2, seed=1)
    assert sc.estimate == pytest.approx(SC_ESTIMATE, abs=0.05)
    assert did.estimate == pytest.approx(DID_ESTIMATE, abs=0.05)
    # SC with synthdid's weights is within 0.15 packs of our exact simplex synthetic control
    # (synthdid adds a ridge penalty of 1e-6 times the noise level and stops its Frank-Wolfe
    # steps once the objective falls by less than (1e-5 times the noise level) squared).
    exact = synth.synthetic_control(prop99, **PROP99)
    assert sc.estimate == pytest.approx(exact.estimate, abs=0.15)
    assert sc.unit_weights.index[0] == exact.weights.index[0] == "Utah"


class _EachControlLast:
    """Stands in for the placebo's random generator: in draw j, control j plays the treated."""

    def __init__(self) -> None:
        self.draw = -1

    def permutation(self, n: int) -> np.ndarray:
        self.draw += 1
        return np.r_[np.delete(np.arange(n), self.draw), self.draw]


@pytest.fixture(scope="module")
def every_placebo(prop99: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each method's placebo estimate with each of the 38 controls in turn playing California.

    synthdid's placebo_se draws a permutation of the controls and treats the last N1 (here
    one) as treated, so with one treated unit a placebo replication is fixed by which control
    is last: these 38 numbers are every value a replication can take, through the same
    placebo code path (warm starts, penalties and stopping rule of the full fit).
    """
    out = {}
    for method in ("sdid", "sc", "did"):
        y = synth.synthetic_did(prop99, **PROP99, method=method, replications=2, seed=1)
        wide = y.table.to_numpy(dtype=float)
        shape = {"n_control": len(y.unit_weights), "n_pre": len(y.time_weights)}
        full = fw.estimate(wide, **shape, kind=method)
        out[method] = fw.resampled_draws(wide, full, inference="placebo", **shape, kind=method,
                                         replications=38, rng=_EachControlLast())  # type: ignore[arg-type]  # fmt: skip
    return out


def test_prop99_placebo_draw_is_fixed_by_the_state_playing_california(
    sdid_fit: SyntheticDiDResult, every_placebo: dict[str, np.ndarray]
) -> None:
    # synthdid's sampling scheme: each replication permutes the 38 controls and the last one
    # plays the treated unit. Our 200 draws (seed 1) are the enumerated values at the last
    # control of each permutation. Measured max difference 7e-13; tolerance 1e-8 allows for
    # the order of floating-point sums, which follows the shuffled rows.
    rng = np.random.default_rng(1)
    last = [rng.permutation(38)[-1] for _ in range(200)]
    assert sdid_fit.draws == pytest.approx(every_placebo["sdid"][last], abs=1e-8)
    assert sdid_fit.se == pytest.approx(np.std(sdid_fit.draws))  # sqrt((B-1)/B) * sd
    assert sdid_fit.ci_low < sdid_fit.estimate < sdid_fit.ci_high
    assert sdid_fit.ci_high - sdid_fit.ci_low == pytest.approx(2 * 1.959964 * sdid_fit.se)


@pytest.mark.parametrize(
    ("method", "published"), [("sdid", SDID_SE), ("sc", SC_SE), ("did", DID_SE)]
)
def test_prop99_placebo_se_against_table_1(
    every_placebo: dict[str, np.ndarray], method: str, published: float
) -> None:
    # Table 1's placebo SEs (8.4, 9.9, 17.7) are single Monte Carlo draws: 200 replications
    # with R's random numbers, which we cannot reproduce. With one treated unit each
    # replication is a uniform draw from the 38 enumerated placebo estimates, so the
    # distribution of a 200-replication SE, sqrt((B-1)/B) * sd, is known exactly (simulated
    # here with 20,000 sets of 200). Its limit is the population sd of the 38 values (SDID
    # 9.37, SC 10.62, DiD 17.29). Tolerance: the published SE lies in the central 99% of that
    # distribution (for SDID 7.7 to 11.0; its 200-replication SE has sd 0.64).
    values = every_placebo[method]
    assert len(values) == 38 and np.isfinite(values).all()
    rng = np.random.default_rng(0)
    ses = np.std(values[rng.integers(0, 38, size=(20_000, 200))], axis=1)
    low, high = np.quantile(ses, [0.005, 0.995])
    assert low <= published <= high
    assert low < np.std(values) < high


def test_prop99_weights(sdid_fit: SyntheticDiDResult) -> None:
    units, periods = sdid_fit.unit_weights, sdid_fit.time_weights
    assert (units >= 0).all() and units.sum() == pytest.approx(1.0)
    assert (periods >= 0).all() and periods.sum() == pytest.approx(1.0)
    assert len(units) == 38 and list(periods.index) == list(range(1970, 1989))
    # SDID spreads weight over many states, unlike SC's handful; the time weights favour the
    # years just before the reform (the paper's Figure 1).
    assert (units > 0.01).sum() > 15
    assert periods.loc[1984:].sum() > 0.9
    # The effect path averages to the estimate (one treated unit: synthdid_effect_curve).
    assert sdid_fit.effect_path.mean() == pytest.approx(sdid_fit.estimate, abs=1e-9)
    assert len(sdid_fit.effect_path) == 12


def test_did_special_case_is_two_way_fixed_effects() -> None:
    # Uniform weights: the estimator is the TWFE coefficient exactly (balanced panel, one
    # block of treated cells), with several treated units as well.
    panel = several_treated()
    fit = synth.synthetic_did(panel, **SIM, treated_unit=TREATED, treatment_time=10,
                              method="did", inference="jackknife")  # fmt: skip
    data = panel.assign(d=(panel["unit"].isin(TREATED) & (panel["period"] >= 10)).astype(float))
    ols = smf.ols("outcome ~ C(unit) + C(period) + d", data=data).fit()
    assert fit.estimate == pytest.approx(ols.params["d"], abs=1e-9)


# --------------------------------------------------------------------------- several treated
def test_several_treated_units_recover_the_effect_with_three_standard_errors() -> None:
    panel = several_treated(effect=-10.0)
    kwargs = {**SIM, "treated_unit": TREATED, "treatment_time": 10}
    fits = {
        how: synth.synthetic_did(panel, **kwargs, inference=how, replications=30, seed=2)
        for how in ("placebo", "bootstrap", "jackknife")
    }
    for how, fit in fits.items():
        # The true effect (-10) lies within three standard errors, each way of computing them.
        assert abs(fit.estimate + 10.0) < 3 * fit.se, how
        assert 0 < fit.se < 5, how
        assert fit.inference == how and fit.tidy()["n_treated"].iloc[0] == 3
    estimates = {round(fit.estimate, 12) for fit in fits.values()}
    assert len(estimates) == 1  # the SE method never changes the point estimate
    jack = fits["jackknife"]
    n = len(jack.draws)
    assert n == panel["unit"].nunique()  # every unit left out once
    assert jack.se == pytest.approx(
        np.sqrt((n - 1) / n * np.sum((jack.draws - jack.draws.mean()) ** 2))
    )


def test_seed_reproduces_and_changes_the_draws() -> None:
    panel = several_treated()
    kwargs = {**SIM, "treated_unit": TREATED, "treatment_time": 10, "replications": 12}
    a = synth.synthetic_did(panel, **kwargs, inference="bootstrap", seed=7)
    b = synth.synthetic_did(panel, **kwargs, inference="bootstrap", seed=7)
    c = synth.synthetic_did(panel, **kwargs, inference="bootstrap", seed=8)
    assert a.draws.tobytes() == b.draws.tobytes()
    assert a.draws.tobytes() != c.draws.tobytes()


def test_row_order_and_labels_do_not_matter() -> None:
    panel = sim.panel(seed=6, **SMALL)
    kwargs = {**SIM, "treatment_time": 10, "replications": 5, "seed": 3}
    a = synth.synthetic_did(panel, **kwargs, treated_unit="treated")
    shuffled = panel.sample(frac=1.0, random_state=1)
    b = synth.synthetic_did(shuffled, **kwargs, treated_unit="treated")
    assert b.estimate == pytest.approx(a.estimate, abs=1e-9)
    shifted = panel.assign(outcome=panel["outcome"] + 100.0)
    c = synth.synthetic_did(shifted, **kwargs, treated_unit="treated")
    assert c.estimate == pytest.approx(a.estimate, abs=1e-6)  # level shifts cancel


def test_summary_tidy_and_plot(sdid_fit: SyntheticDiDResult) -> None:
    import matplotlib.pyplot as plt

    text = sdid_fit.summary()
    assert "Nevada" in text and "SE" in text and "placebo" in text
    tidy = sdid_fit.tidy()
    assert tidy.loc[0, "kind"] == "sdid" and tidy.loc[0, "n_controls"] == 38
    ax = sdid_fit.plot()
    assert len(ax.lines) >= 2 and ax.get_legend() is not None
    plt.close("all")
    weights = sdid_fit.unit_weights
    weights.iloc[:] = 0
    assert sdid_fit.unit_weights.sum() == pytest.approx(1.0)


# --------------------------------------------------------------------------- validation
def test_rejects_bad_requests() -> None:
    panel = sim.panel(seed=0, **SMALL)
    kwargs = {**SIM, "treatment_time": 10}
    with pytest.raises(ValueError, match="two or more treated units"):
        synth.synthetic_did(panel, **kwargs, treated_unit="treated", inference="bootstrap")
    with pytest.raises(ValueError, match="two or more treated units"):
        synth.synthetic_did(panel, **kwargs, treated_unit="treated", inference="jackknife")
    with pytest.raises(ValueError, match="method must be one of"):
        synth.synthetic_did(panel, **kwargs, treated_unit="treated", method="mc")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="inference must be one of"):
        synth.synthetic_did(panel, **kwargs, treated_unit="treated", inference="exact")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not found"):
        synth.synthetic_did(panel, **kwargs, treated_unit=["treated", "nowhere"])
    with pytest.raises(ValueError, match="more controls"):
        units = sorted(set(panel["unit"]))
        synth.synthetic_did(panel, **kwargs, treated_unit=units[:8])
    with pytest.raises(ValueError, match="Only 2 period"):
        synth.synthetic_did(panel, **{**kwargs, "treatment_time": 2}, treated_unit="treated")
    with pytest.raises(ValueError, match="replications"):
        synth.synthetic_did(panel, **kwargs, treated_unit="treated", replications=1)
    holed = panel.drop(index=panel.index[(panel["unit"] == "donor 03") & (panel["period"] == 4)])
    with pytest.raises(ValueError, match="unbalanced"):
        synth.synthetic_did(holed, **kwargs, treated_unit="treated")
