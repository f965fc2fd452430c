"""Tests of evaluation.compare.variance: REML variance components against closed forms."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evaluation import compare
from evaluation.compare import variance

matplotlib.use("Agg")


# ------------------------------------------------------------ variance components
def _one_way(seed: int, n: int, k: int, share: float, years: bool = True) -> pd.DataFrame:
    """Balanced panel: n units, k years, year effects, between-unit share ``share``."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"unit": np.repeat(np.arange(n), k), "year": np.tile(np.arange(k), n)})
    trend = 0.7 * frame["year"] if years else 0.0
    frame["y"] = (
        trend
        + np.repeat(rng.normal(0, np.sqrt(share), n), k)
        + rng.normal(0, np.sqrt(1 - share), n * k)
    )
    return frame


def _anova_two_way(frame: pd.DataFrame) -> tuple[float, float]:
    """Method-of-moments (ANOVA) unit and residual variances, balanced units x years."""
    wide = frame.pivot(index="unit", columns="year", values="y").to_numpy()
    n, k = wide.shape
    unit_means, year_means, grand = wide.mean(1), wide.mean(0), wide.mean()
    ms_unit = k * ((unit_means - grand) ** 2).sum() / (n - 1)
    residual = wide - unit_means[:, None] - year_means[None, :] + grand
    ms_error = (residual**2).sum() / ((n - 1) * (k - 1))
    return (ms_unit - ms_error) / k, ms_error


def test_variance_components_equal_the_anova_estimator_when_balanced() -> None:
    # For balanced data with a positive estimate REML equals the ANOVA estimator
    # (Searle, Casella and McCulloch 1992, ch. 4): closed form, tolerance 1e-5 relative.
    frame = _one_way(seed=4, n=50, k=6, share=0.4)
    tau2, sigma2 = _anova_two_way(frame)
    fit = compare.variance_components(frame, outcome="y", unit="unit", time="year")
    comp = fit.components.set_index("component")["variance"]
    assert comp["unit"] == pytest.approx(tau2, rel=1e-5)
    assert comp["residual"] == pytest.approx(sigma2, rel=1e-5)
    assert fit.estimate == pytest.approx(tau2 / (tau2 + sigma2), rel=1e-5)


def test_nested_components_equal_the_nested_anova_estimator() -> None:
    # 8 regions x 10 units x 5 years, year fixed effects: balanced nested ANOVA.
    rng = np.random.default_rng(21)
    g, m, k = 8, 10, 5
    frame = pd.DataFrame(
        {"unit": np.repeat(np.arange(g * m), k), "year": np.tile(np.arange(k), g * m)}
    )
    frame["region"] = frame["unit"] // m
    frame["y"] = (
        np.repeat(rng.normal(0, 1.0, g), m * k)
        + np.repeat(rng.normal(0, 1.0, g * m), k)
        + rng.normal(0, 1.0, g * m * k)
        + frame["year"]
    )
    wide = frame.pivot(index="unit", columns="year", values="y").to_numpy()
    unit_means, grand = wide.mean(1), wide.mean()
    region_means = unit_means.reshape(g, m).mean(1)
    residual = wide - unit_means[:, None] - wide.mean(0)[None, :] + grand
    ms_error = (residual**2).sum() / ((g * m - 1) * (k - 1))
    ms_unit = k * ((unit_means.reshape(g, m) - region_means[:, None]) ** 2).sum() / (g * (m - 1))
    ms_region = m * k * ((region_means - grand) ** 2).sum() / (g - 1)
    expected = {
        "region": (ms_region - ms_unit) / (m * k),
        "unit": (ms_unit - ms_error) / k,
        "residual": ms_error,
    }
    assert min(expected.values()) > 0
    fit = compare.variance_components(frame, outcome="y", unit="unit", time="year", region="region")
    got = fit.components.set_index("component")["variance"].to_dict()
    # Tolerance: 1e-4 relative, 1e-3 for the region variance, whose likelihood is flat
    # with eight regions (the optimiser stops within that of the closed form).
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, rel=1e-3 if name == "region" else 1e-4), name


def test_ratio_covariance_is_the_inverse_observed_information() -> None:
    # The share intervals rest on cov_params() being the covariance of tau2 / sigma2:
    # check it against a numerical Hessian of statsmodels' own restricted log-likelihood.
    from statsmodels.tools.numdiff import approx_hess3

    frame = _one_way(seed=8, n=60, k=5, share=0.3)
    frame["region"] = frame["unit"] % 12
    keys = frame[["y", "unit", "year", "region"]]
    fit = variance._fit_mixed(keys, "y ~ C(year)", "unit", "region")
    psi = np.array([float(fit.cov_re.iloc[0, 0]), float(fit.vcomp[0])]) / fit.scale
    assert variance._profile_loglike(fit, psi) == pytest.approx(fit.llf, abs=1e-6)
    hessian = approx_hess3(psi, lambda p: variance._profile_loglike(fit, p))
    numeric = np.linalg.inv(-hessian)
    assert variance._ratio_covariance(fit) == pytest.approx(numeric, rel=2e-3)


def _exact_share_interval(frame: pd.DataFrame, level: float = 0.95) -> tuple[float, float]:
    """Exact F-based interval of the intra-class correlation, balanced one-way layout."""
    wide = frame.pivot(index="unit", columns="year", values="y").to_numpy()
    n, k = wide.shape
    ms_between = k * wide.mean(1).var(ddof=1)
    ms_within = wide.var(axis=1, ddof=1).mean()
    f_ratio = ms_between / ms_within
    alpha = 1 - level
    f_low = f_ratio / stats.f.ppf(1 - alpha / 2, n - 1, n * (k - 1))
    f_high = f_ratio / stats.f.ppf(alpha / 2, n - 1, n * (k - 1))
    return max((f_low - 1) / (f_low + k - 1), 0.0), (f_high - 1) / (f_high + k - 1)


def test_share_interval_is_close_to_the_exact_f_interval() -> None:
    # Searle (1971): exact interval for the ICC of a balanced one-way layout. The delta
    # interval is asymptotic, so it should agree closely with 200 units; tolerance 0.02.
    frame = _one_way(seed=2, n=200, k=5, share=0.3, years=False)
    fit = compare.variance_components(frame, outcome="y", unit="unit")
    low, high = _exact_share_interval(frame)
    assert fit.ci_low == pytest.approx(low, abs=0.02)
    assert fit.ci_high == pytest.approx(high, abs=0.02)


def test_share_interval_covers_the_truth_at_about_the_nominal_rate() -> None:
    # 120 seeded simulated panels (40 units x 5 years, true share 0.3). A 95% interval
    # should cover 114 of 120; the binomial 99% range is about 107 to 119.
    hits = 0
    for seed in range(120):
        fit = compare.variance_components(
            _one_way(seed=seed, n=40, k=5, share=0.3), outcome="y", unit="unit", time="year"
        )
        hits += fit.ci_low <= 0.3 <= fit.ci_high
    assert 107 <= hits <= 119


def test_boundary_share_gets_a_profile_likelihood_upper_bound() -> None:
    # No real difference between units: pick a seed whose estimate is zero but whose exact
    # F interval still has a positive upper end, and compare the two upper bounds
    # (tolerance 0.03: asymptotic against exact).
    for seed in range(60):
        frame = _one_way(seed=seed, n=80, k=4, share=0.0, years=False)
        if _exact_share_interval(frame)[1] < 0.01:
            continue
        fit = compare.variance_components(frame, outcome="y", unit="unit")
        if fit.estimate < 1e-6:
            break
    else:
        pytest.fail("no boundary fit in 60 seeds")
    assert fit.ci_low == 0.0
    assert any("boundary" in note for note in fit.notes)
    assert fit.ci_high == pytest.approx(_exact_share_interval(frame)[1], abs=0.03)
    comp = fit.components.set_index("component")
    implied = comp.loc["unit", "ci_high"] / (
        comp.loc["unit", "ci_high"] + comp.loc["residual", "variance"]
    )
    assert implied == pytest.approx(fit.ci_high, rel=1e-9)


def test_variance_components_plots() -> None:
    fit = compare.variance_components(
        _one_way(seed=1, n=30, k=4, share=0.5), outcome="y", unit="unit", time="year"
    )
    tidy = fit.tidy()
    assert list(tidy["term"]) == ["unit", "residual"]
    assert (tidy["share_low"] <= tidy["share"]).all() and (
        tidy["share"] <= tidy["share_high"]
    ).all()
    ax = fit.plot()
    assert len(ax.collections[1].get_offsets()) == 30
    with pytest.raises(ValueError, match="level must lie strictly between 0 and 1"):
        compare.variance_components(
            _one_way(seed=1, n=30, k=4, share=0.5), outcome="y", unit="unit", level=95
        )


def test_region_share_interval_is_not_too_narrow_with_nine_regions() -> None:
    # 30 seeded panels shaped like the chapter's (9 regions x 17 councils x 8 years; true
    # shares 0.2 region, 0.4 council). With nine regions the large-sample interval of the
    # region share is rough; it must at least not be too narrow. In 100 seeds it covered
    # 99 times (council share: 94), so 26 of 30 is a safe floor.
    g, m, k = 9, 17, 8
    region_hits = unit_hits = 0
    for seed in range(30):
        rng = np.random.default_rng(seed)
        frame = pd.DataFrame(
            {"unit": np.repeat(np.arange(g * m), k), "year": np.tile(np.arange(k), g * m)}
        )
        frame["region"] = frame["unit"] // m
        frame["y"] = (
            np.repeat(rng.normal(0, np.sqrt(0.2), g), m * k)
            + np.repeat(rng.normal(0, np.sqrt(0.4), g * m), k)
            + rng.normal(0, np.sqrt(0.4), g * m * k)
        )
        fit = compare.variance_components(
            frame, outcome="y", unit="unit", time="year", region="region"
        )
        region = fit.components.set_index("component").loc["region"]
        region_hits += region["share_low"] <= 0.2 <= region["share_high"]
        unit_hits += fit.ci_low <= 0.4 <= fit.ci_high
    assert region_hits >= 26
    assert unit_hits >= 25
