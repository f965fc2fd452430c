"""Tests of evaluation.compare.shrinkage: normal and beta-binomial shrinkage."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evaluation import compare
from evaluation.compare import shrinkage
from evaluation.simulate import performance as sim
from tests.compare.conftest import small_units

matplotlib.use("Agg")


# ------------------------------------------------------------------------ shrink
def test_normal_shrinkage_matches_a_hand_calculation():
    data = small_units()
    fit = compare.shrink(data, unit="unit", events="events", denominator="n", method="normal")
    y = data["events"] / data["n"]
    p = data["events"].sum() / data["n"].sum()
    s2 = p * (1 - p) / data["n"]
    w = 1 / s2
    mean_fe = (w * y).sum() / w.sum()
    q = (w * (y - mean_fe) ** 2).sum()
    tau2 = max(0.0, (q - 5) / (w.sum() - (w**2).sum() / w.sum()))
    mu = (y / (s2 + tau2)).sum() / (1 / (s2 + tau2)).sum()
    b = tau2 / (tau2 + s2)
    expected = mu + b * (y - mu)
    np.testing.assert_allclose(fit.table["shrunk_rate"], expected)
    np.testing.assert_allclose(
        fit.table["shrunk_high"] - fit.table["shrunk_rate"], 1.959964 * np.sqrt(b * s2), rtol=1e-6
    )
    assert fit.prior_mean == pytest.approx(mu)


@pytest.mark.parametrize("method", ["beta_binomial", "normal"])
def test_shrinkage_pulls_small_units_more(method: str):
    units = sim.providers(n_units=120, true_sd=0.4, min_size=10, max_size=5000, seed=2)
    fit = compare.shrink(
        units, unit="provider", events="events", denominator="denominator", method=method
    )
    table = fit.table
    assert np.all(np.diff(table.sort_values("denominator")["weight_on_own_data"]) >= -1e-12)
    pulled = (table["raw_rate"] - table["shrunk_rate"]).abs()
    small = table["denominator"] < table["denominator"].quantile(0.25)
    large = table["denominator"] > table["denominator"].quantile(0.75)
    assert pulled[small].mean() > 3 * pulled[large].mean()
    # Shrunken rates estimate the truth better than raw rates (known truth: simulated).
    raw_error = ((table["raw_rate"] - units["true_rate"]) ** 2).mean()
    shrunk_error = ((table["shrunk_rate"] - units["true_rate"]) ** 2).mean()
    assert shrunk_error < raw_error


def test_beta_binomial_prior_is_a_likelihood_maximum():
    units = sim.providers(n_units=80, true_sd=0.5, seed=9)
    k, n = units["events"].to_numpy(float), units["denominator"].to_numpy(float)
    a, b, at_bound = shrinkage._fit_beta_binomial(k, n)
    loglik = lambda a_, b_: stats.betabinom.logpmf(k, n, a_, b_).sum()  # noqa: E731
    assert not at_bound
    for da, db in [(0.02, 0), (-0.02, 0), (0, 0.02), (0, -0.02)]:
        assert loglik(a * (1 + da), b * (1 + db)) <= loglik(a, b) + 1e-9


def test_beta_binomial_without_real_differences_shrinks_everyone_to_the_mean():
    units = pd.DataFrame({"u": list("abcd"), "k": [50, 50, 50, 50], "n": [100, 100, 100, 100]})
    fit = compare.shrink(units, unit="u", events="k", denominator="n")
    np.testing.assert_allclose(fit.table["shrunk_rate"], 0.5, atol=1e-4)
    assert any("no between-unit variation" in note for note in fit.notes)
