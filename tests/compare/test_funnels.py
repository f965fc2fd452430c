"""Tests of evaluation.compare.funnels: exact and over-dispersed limits, smallest denominators."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evaluation import compare
from evaluation.simulate import performance as sim
from tests.compare.conftest import small_units

#: The columns of the simulated providers (sim.providers) as compare.funnel names them.
PROVIDERS = {"unit": "provider", "events": "events", "denominator": "denominator"}

matplotlib.use("Agg")


# ------------------------------------------------------------------------- funnel
def test_exact_limits_by_hand_for_one_trial():
    # n = 1, target 0.5: the 97.5% quantile is r = 1 with P(R <= 1) = 1, P(R <= 0) = 0.5,
    # so a = (1 - 0.975) / 0.5 = 0.05 and the limit is (1 - 0.05) / 1 = 0.95.
    limits = compare.funnel_limits([1], target=0.5)
    assert limits.loc[0, "upper_95"] == pytest.approx(0.95)
    assert limits.loc[0, "upper_998"] == pytest.approx(1 - 0.001 / 0.5)
    assert limits.loc[0, "lower_95"] == 0.0  # (0 - 0.95) / 1 is clipped at zero


@pytest.mark.parametrize("kind", ["binomial", "poisson"])
@pytest.mark.parametrize("n", [7, 40, 250, 3000])
@pytest.mark.parametrize("target", [0.05, 0.3, 0.8])
def test_exact_limits_lie_between_scipy_quantile_steps(kind: str, n: int, target: float):
    limits = compare.funnel_limits([n], target=target, family=kind).iloc[0]
    dist = stats.binom(n, target) if kind == "binomial" else stats.poisson(n * target)
    for p, column in [(0.975, "upper_95"), (0.999, "upper_998"), (0.025, "lower_95")]:
        r = dist.ppf(p)
        assert max(r - 1, 0) / n - 1e-12 <= limits[column] <= r / n + 1e-12


def test_exact_limits_approach_normal_limits_for_large_denominators():
    n = np.array([20_000, 100_000])
    limits = compare.funnel_limits(n, target=0.3)
    normal = 0.3 + 1.959964 * np.sqrt(0.3 * 0.7 / n)
    assert np.all(np.abs(limits["upper_95"].to_numpy() - normal) <= 1.0 / n)


def test_funnel_flags_a_unit_far_from_target():
    data = pd.DataFrame(
        {"unit": ["big", "small", "odd"], "k": [5000, 50, 300], "n": [10_000, 100, 1000]}
    )
    fit = compare.funnel(data, unit="unit", events="k", denominator="n")
    table = fit.table.set_index("unit")
    assert fit.target == pytest.approx(5350 / 11_100)
    assert table.loc["odd", "flag_998"] == "below"
    assert table.loc["small", "flag_95"] == "within"
    assert fit.outside["unit"].iloc[0] == "odd"


def test_funnel_with_no_true_differences_flags_about_five_per_cent():
    # 2,000 units with identical true rates and denominators of 200-3,000 (nearly continuous).
    # Expected share outside the 95% limits: 0.05; binomial SE sqrt(.05 * .95 / 2000) = 0.0049,
    # so +/- 0.015 is three SEs (the discrete limits run slightly anti-conservative, +0.005).
    # For 99.8%: SE sqrt(.002 * .998 / 2000) = 0.001, so 0.002 +/- 0.0035.
    units = sim.providers(n_units=2000, true_sd=0.0, min_size=200, max_size=3000, seed=11)
    fit = compare.funnel(units, **PROVIDERS)
    table = fit.table
    share_95 = (table["flag_95"] != "within").mean()
    share_998 = (table["flag_998"] != "within").mean()
    assert abs(share_95 - 0.05) < 0.015 + 0.005
    assert abs(share_998 - 0.002) < 0.0035
    # 10% winsorising shrinks phi under the null: E = (2 Phi(q) - 1) - 2 q phi(q) + 0.2 q^2 with
    # q the 90th percentile of N(0, 1), about 0.66 (so no over-dispersion is declared).
    q = stats.norm.ppf(0.9)
    null_phi = (2 * stats.norm.cdf(q) - 1) - 2 * q * stats.norm.pdf(q) + 0.2 * q**2
    assert fit.phi == pytest.approx(null_phi, abs=0.1)


def test_overdispersion_widens_limits_and_flags_fewer():
    units = sim.providers(n_units=300, true_sd=0.3, min_size=50, max_size=5000, seed=4)
    exact = compare.funnel(units, **PROVIDERS)
    multiplicative = compare.funnel(units, **PROVIDERS, overdispersion="multiplicative")
    additive = compare.funnel(units, **PROVIDERS, overdispersion="additive")
    assert exact.phi > 2 and exact.tau2 > 0
    n_flagged = [(f.table["flag_998"] != "within").sum() for f in (exact, multiplicative, additive)]
    assert n_flagged[0] > n_flagged[1] and n_flagged[0] > n_flagged[2]
    # Additive limits stay wide for large units; multiplicative ones keep narrowing.
    big = units["denominator"].idxmax()
    width = lambda f: f.table.loc[big, "upper_95"] - f.table.loc[big, "lower_95"]  # noqa: E731
    assert width(additive) > width(multiplicative)


def test_overdispersion_by_hand():
    # phi is the mean of squared 10%-winsorised z-scores; tau^2 = (I phi - (I - 1)) /
    # (sum w - sum w^2 / sum w), Spiegelhalter (2005).
    units = sim.providers(n_units=50, true_sd=0.4, seed=5)
    fit = compare.funnel(units, **PROVIDERS, overdispersion="additive")
    n = units["denominator"].to_numpy(float)
    p = units["events"].sum() / n.sum()
    s2 = p * (1 - p) / n
    z = np.sort((units["events"] / n - p) / np.sqrt(s2))
    z[:5], z[-5:] = z[5], z[-6]  # 10% of 50 = 5 at each end
    phi = np.mean(z**2)
    w = 1 / s2
    tau2 = (50 * phi - 49) / (w.sum() - (w**2).sum() / w.sum())
    assert fit.phi == pytest.approx(phi)
    assert fit.tau2 == pytest.approx(tau2)
    assert fit.table["upper_95"].iloc[0] == pytest.approx(p + 1.959964 * np.sqrt(s2[0] + tau2))


def test_no_overdispersion_keeps_exact_limits():
    units = sim.providers(n_units=200, true_sd=0.0, seed=8)
    fit = compare.funnel(units, **PROVIDERS, overdispersion="multiplicative")
    if fit.phi <= 1:
        pd.testing.assert_frame_equal(fit.table, compare.funnel(units, **PROVIDERS).table)
        assert any("exact limits kept" in note for note in fit.notes)


def test_poisson_funnel_of_observed_over_expected():
    data = pd.DataFrame(
        {"unit": list("abc"), "observed": [10, 50, 200], "expected": [8.0, 52.0, 150.0]}
    )
    fit = compare.funnel(
        data, unit="unit", events="observed", denominator="expected", family="poisson", target=1.0
    )
    assert fit.table.set_index("unit").loc["c", "flag_998"] == "above"
    assert fit.table["expected"].tolist() == [8.0, 52.0, 150.0]


def test_funnel_plot_labels_outliers():
    fit = compare.funnel(small_units(), unit="unit", events="events", denominator="n")
    ax = fit.plot()
    assert ax.get_xscale() == "log"
    matplotlib.pyplot.close("all")


# ---------------------------------------------------------- missing denominators
def test_smallest_denominator():
    assert compare.smallest_denominator([40.63, 50.0, 32.61, 0.0]).tolist() == [32, 2, 46, 1]
    assert np.isnan(compare.smallest_denominator([np.nan])[0])
    # Every published rounding of k/n for n <= 60 recovers a denominator no larger than n.
    for n in (7, 23, 60):
        rates = np.round(100 * np.arange(n + 1) / n, 2)
        assert np.all(compare.smallest_denominator(rates) <= n)
