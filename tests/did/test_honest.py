"""Tests of evaluation.did.trend_sensitivity (Rambachan and Roth 2023) against moderndid.

Both sets of bounds are compared side by side with moderndid's HonestDiD port, run
in the test: the relative-magnitude sets (conditional and hybrid tests) and the
smoothness (Delta^SD) fixed-length confidence intervals, which moderndid solves with
cvxpy (Clarabel) and we solve with scipy. The smoothness intervals are also checked
against a direct computation from the paper's definition (the shortest affine
interval whose worst-case bias over Delta^SD(M) is found by a linear program),
written below in the test, which does not share the golden-section search over the
estimator's standard deviation that both ports use.
"""

from __future__ import annotations

import warnings
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from evaluation import did
from evaluation.did import _honest_arp
from evaluation.simulate.did import staggered_adoption
from tests.did.conftest import MPDTA, SIM

matplotlib.use("Agg")

#: Confidence-set bounds must agree to this (the brief's tolerance; they are grid points).
BOUND_TOL = 1e-3


def _peer() -> Any:
    """moderndid.didhonest (its smoothness intervals need cvxpy, a test-only peer)."""
    pytest.importorskip("moderndid")
    pytest.importorskip("cvxpy")
    from moderndid import didhonest

    return didhonest


def _pieces(fit: did.EventStudyResult) -> tuple[np.ndarray, np.ndarray, int]:
    """Coefficients and covariance in HonestDiD's order (reference -1 left out)."""
    effects = fit.effects.sort_values("event_time")
    times = effects["event_time"].to_numpy()
    beta = effects["estimate"].to_numpy()
    sigma = fit.covariance.loc[times, times].to_numpy()
    return beta, sigma, int((times < -1).sum())


@pytest.fixture(scope="module")
def mpdta_es(mpdta: pd.DataFrame) -> did.EventStudyResult:
    return did.event_study(mpdta, **MPDTA)


@pytest.fixture(scope="module")
def sim_es() -> did.EventStudyResult:
    panel = staggered_adoption(n_units=200, trend_gap=0.05, seed=3)
    return did.event_study(panel, **SIM, window=(-4, 2))


def _peer_rm(beta: np.ndarray, sigma: np.ndarray, n_pre: int, **kw: Any) -> np.ndarray:
    peer = _peer()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = peer.create_sensitivity_results_rm(beta, sigma, n_pre, len(beta) - n_pre, **kw)
    return np.column_stack([table["lb"].to_numpy(), table["ub"].to_numpy()])


def test_relative_magnitudes_match_moderndid_on_mpdta(mpdta_es: did.EventStudyResult) -> None:
    beta, sigma, n_pre = _pieces(mpdta_es)
    average = np.full(len(beta) - n_pre, 1 / (len(beta) - n_pre))
    ours = did.trend_sensitivity(
        mpdta_es, bounds=[0, 0.5, 1], contrast=average, method="conditional", grid_points=100
    )
    peer = _peer_rm(
        beta,
        sigma,
        n_pre,
        m_bar_vec=[0, 0.5, 1],
        method="Conditional",
        grid_points=100,
        l_vec=average.reshape(-1, 1),
    )
    got = ours.intervals[["ci_low", "ci_high"]].to_numpy()
    np.testing.assert_allclose(got, peer, atol=BOUND_TOL)
    # The breakdown value: the first Mbar whose set (the peer's) includes zero.
    covers = (peer[:, 0] <= 0) & (peer[:, 1] >= 0)
    assert ours.breakdown == [0, 0.5, 1][int(np.argmax(covers))] == 1.0


def test_hybrid_relative_magnitudes_match_moderndid(
    mpdta_es: did.EventStudyResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default (least-favourable hybrid) test, first post-period effect.

    The peer's critical value solves 1,000 linear programs per polyhedron, too slow
    for the suite; it is checked equal to ours draw for draw in the next test, and
    here replaced by ours so that the rest of the peer's hybrid test runs as is.
    """
    peer = _peer()
    from moderndid.didhonest import arp_nuisance

    def fast(
        x_t: Any, sigma: Any, hybrid_kappa: float, rows_for_arp: Any = None, **_: Any
    ) -> float:
        x, s = x_t[rows_for_arp], sigma[np.ix_(rows_for_arp, rows_for_arp)]
        return _honest_arp.least_favorable_cv(x, s, hybrid_kappa, 0)

    monkeypatch.setattr(arp_nuisance, "compute_least_favorable_cv", fast)
    beta, sigma, n_pre = _pieces(mpdta_es)
    ours = did.trend_sensitivity(mpdta_es, bounds=[1], grid_points=100)
    theirs = _peer_rm(beta, sigma, n_pre, m_bar_vec=[1], grid_points=100)
    np.testing.assert_allclose(ours.intervals[["ci_low", "ci_high"]], theirs, atol=BOUND_TOL)
    original = peer.construct_original_cs(beta, sigma, n_pre, len(beta) - n_pre)
    np.testing.assert_allclose([ours.ci_low, ours.ci_high], [original.lb, original.ub], atol=1e-10)


def test_least_favourable_critical_value_matches_moderndid(
    mpdta_es: did.EventStudyResult,
) -> None:
    """Our vertex enumeration against the peer's one program per draw (same seeded draws)."""
    peer = _peer()
    beta, sigma, n_pre = _pieces(mpdta_es)
    n_post = len(beta) - n_pre
    a = _honest_arp.rm_constraints(n_pre, n_post, 1.0, -1, True)
    rows = np.flatnonzero(np.any(a[:, n_pre:] != 0, axis=1))
    a_gamma = a[:, n_pre:] @ np.linalg.inv(_honest_arp._gamma_matrix(np.eye(n_post)[0]))
    sigma_y = a @ sigma @ a.T
    theirs = peer.compute_least_favorable_cv(
        a_gamma[:, 1:], sigma_y, 0.005, sims=300, rows_for_arp=rows, seed=0
    )
    ours = _honest_arp.least_favorable_cv(
        a_gamma[rows, 1:], sigma_y[np.ix_(rows, rows)], 0.005, 0, draws=300
    )
    assert ours == pytest.approx(theirs, abs=1e-9)


def test_relative_magnitudes_match_moderndid_on_a_simulated_panel(
    sim_es: did.EventStudyResult,
) -> None:
    beta, sigma, n_pre = _pieces(sim_es)
    average = np.full(len(beta) - n_pre, 1 / (len(beta) - n_pre))
    ours = did.trend_sensitivity(
        coefficients=beta,
        covariance=sigma,
        n_pre_coefficients=n_pre,
        bounds=[1],
        method="conditional",
        grid_points=100,
        contrast=average,
    )
    peer = _peer_rm(
        beta,
        sigma,
        n_pre,
        m_bar_vec=[1],
        method="Conditional",
        grid_points=100,
        l_vec=average.reshape(-1, 1),
    )
    np.testing.assert_allclose(ours.intervals[["ci_low", "ci_high"]], peer, atol=BOUND_TOL)


def _flci_by_definition(
    beta: np.ndarray, sigma: np.ndarray, n_pre: int, contrast: np.ndarray, m: float
) -> tuple[float, float]:
    """Shortest affine fixed-length interval under Delta^SD(m), straight from the definition.

    Estimator ``v'beta`` with ``v = (l_pre, contrast)``; its worst-case bias over
    ``{delta: |second differences| <= m, delta at the reference = 0}`` is a linear
    program (finite only if ``v`` ignores linear trends); the half-length is the
    folded-normal quantile times the sd; ``l_pre`` is found by Nelder-Mead.
    """
    n_post = len(contrast)
    size = n_pre + 1 + n_post
    steps = np.arange(size) - n_pre
    keep = np.delete(np.arange(size), n_pre)
    second = np.zeros((size - 2, size))
    for r in range(size - 2):
        second[r, r : r + 3] = [1, -2, 1]
    pre_t, post_t = steps[keep][:n_pre], steps[keep][n_pre:]
    base = -pre_t * (contrast @ post_t) / (pre_t @ pre_t)
    free = np.linalg.svd(pre_t.reshape(1, -1))[2][1:].T
    at_ref = np.eye(size)[[n_pre]]

    def half(z: np.ndarray) -> tuple[float, np.ndarray]:
        v = np.concatenate([base + free @ z, contrast])
        sd = float(np.sqrt(v @ sigma @ v))
        c = np.zeros(size)
        c[keep] = v
        lp = optimize.linprog(
            -c,
            A_ub=np.vstack([second, -second]),
            b_ub=np.full(2 * (size - 2), m),
            A_eq=at_ref,
            b_eq=[0.0],
            bounds=[(None, None)] * size,
            method="highs",
        )
        bias = -lp.fun / sd
        quantile = optimize.brentq(
            lambda x: stats.norm.cdf(x - bias) - stats.norm.cdf(-x - bias) - 0.95, 0, bias + 10
        )
        return quantile * sd, v

    best = min(
        (
            optimize.minimize(
                lambda z: half(z)[0],
                start,
                method="Nelder-Mead",
                options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 2000},
            )
            for start in (np.zeros(n_pre - 1), np.full(n_pre - 1, 0.1))
        ),
        key=lambda r: r.fun,
    )
    chi, v = half(best.x)
    return float(v @ beta - chi), float(v @ beta + chi)


@pytest.mark.parametrize(
    ("which", "bound", "average"), [("mpdta", 0.02, False), ("simulated", 0.1, True)]
)
def test_smoothness_intervals_match_the_definition(
    which: str,
    bound: float,
    average: bool,
    mpdta_es: did.EventStudyResult,
    sim_es: did.EventStudyResult,
) -> None:
    fit = mpdta_es if which == "mpdta" else sim_es
    beta, sigma, n_pre = _pieces(fit)
    n_post = len(beta) - n_pre
    contrast = np.full(n_post, 1 / n_post) if average else np.eye(n_post)[0]
    ours = did.trend_sensitivity(fit, restriction="smoothness", bounds=[bound], contrast=contrast)
    want = _flci_by_definition(beta, sigma, n_pre, contrast, bound)
    np.testing.assert_allclose(ours.intervals[["ci_low", "ci_high"]].iloc[0], want, atol=BOUND_TOL)


@pytest.mark.parametrize(
    ("which", "bounds", "average"),
    [
        ("mpdta", [0, 0.01, 0.05], False),
        ("mpdta", [0, 0.02, 0.05], True),
        ("simulated", [0, 0.05, 0.2], False),
        ("simulated", [0, 0.1, 0.2], True),
    ],
)
def test_smoothness_intervals_match_moderndid(
    which: str,
    bounds: list[float],
    average: bool,
    mpdta_es: did.EventStudyResult,
    sim_es: did.EventStudyResult,
) -> None:
    """Our scipy FLCI against moderndid's cvxpy (Clarabel) FLCI, same M grid.

    Measured max difference of the bounds: 1.9e-10 (mpdta, first post effect), 3.9e-9
    (mpdta, average), 3.3e-6 (simulated, first), 2.3e-5 (simulated, average; the
    half-lengths agree, the centre moves along a flat optimum of the pre-period weights).
    Tolerance: BOUND_TOL = 1e-3.
    """
    peer = _peer()
    fit = mpdta_es if which == "mpdta" else sim_es
    beta, sigma, n_pre = _pieces(fit)
    n_post = len(beta) - n_pre
    contrast = np.full(n_post, 1 / n_post) if average else np.eye(n_post)[0]
    ours = did.trend_sensitivity(fit, restriction="smoothness", bounds=bounds, contrast=contrast)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = peer.create_sensitivity_results_sm(
            beta, sigma, n_pre, n_post, method="FLCI", m_vec=bounds, l_vec=contrast.reshape(-1, 1)
        )
    theirs = np.column_stack([table["lb"].to_numpy(), table["ub"].to_numpy()])
    np.testing.assert_allclose(ours.intervals[["ci_low", "ci_high"]], theirs, atol=BOUND_TOL)


def test_result_reports_and_plots(mpdta_es: did.EventStudyResult) -> None:
    fit = did.trend_sensitivity(mpdta_es, restriction="smoothness", bounds=[0, 0.02])
    table = fit.tidy()
    assert list(table["bound"].iloc[1:]) == [0, 0.02]
    assert "breakdown value" in fit.summary()
    assert fit.bound_name == "M"
    ax = fit.plot()
    assert ax.get_title()
    # Wider sets as the bound grows, and the usual interval is inside the M = 0 set's span.
    widths = fit.intervals["ci_high"] - fit.intervals["ci_low"]
    assert widths.is_monotonic_increasing


def test_bad_inputs_raise() -> None:
    beta = np.array([0.01, -0.005, 0.05, 0.06])
    sigma = np.diag([0.01, 0.01, 0.012, 0.014]) ** 2
    good = {"coefficients": beta, "covariance": sigma, "n_pre_coefficients": 2, "grid_points": 20}
    not_psd = sigma.copy()
    not_psd[0, 0] = -1e-4
    with pytest.raises(ValueError, match="positive semi-definite"):
        did.trend_sensitivity(**{**good, "covariance": not_psd})
    asymmetric = sigma.copy()
    asymmetric[0, 1] = 1e-5
    with pytest.raises(ValueError, match="symmetric"):
        did.trend_sensitivity(**{**good, "covariance": asymmetric})
    with pytest.raises(ValueError, match="matrix"):
        did.trend_sensitivity(**{**good, "covariance": sigma[:3, :3]})
    with pytest.raises(ValueError, match="not negative"):
        did.trend_sensitivity(**good, bounds=[0, -1])
    with pytest.raises(ValueError, match="not negative"):
        did.trend_sensitivity(**good, restriction="smoothness", bounds=[-0.1])
    with pytest.raises(ValueError, match="contrast"):
        did.trend_sensitivity(**good, contrast=[1, 0, 0])
    with pytest.raises(ValueError, match="contrast"):
        did.trend_sensitivity(**good, contrast=[0, 0])
    with pytest.raises(ValueError, match="n_pre_coefficients"):
        did.trend_sensitivity(**{**good, "n_pre_coefficients": 1})  # relative magnitudes need two
    with pytest.raises(ValueError, match="n_pre_coefficients"):
        did.trend_sensitivity(**{**good, "n_pre_coefficients": 4})
    with pytest.raises(ValueError, match="restriction"):
        did.trend_sensitivity(**good, restriction="linear")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Give result"):
        did.trend_sensitivity(coefficients=beta)
    with pytest.raises(TypeError, match="EventStudyResult"):
        did.trend_sensitivity(beta)  # type: ignore[arg-type]


def test_event_study_needs_reference_minus_one() -> None:
    panel = staggered_adoption(n_units=80, seed=2)
    fit = did.event_study(panel, **SIM, reference_period=-2)
    with pytest.raises(ValueError, match="reference period -1"):
        did.trend_sensitivity(fit)
