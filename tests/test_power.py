"""Tests of evaluation.power against statsmodels.stats.power and Bloom (1995)."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import proportion_effectsize

from evaluation import power
from tests.reference.bloom_1995 import MULTIPLIERS


# --------------------------------------------------------------------------- Bloom (1995)
@pytest.mark.parametrize(
    ("two_sided", "power_level", "published"),
    # Bloom (1995), Table 1: multipliers for an infinite number of degrees of freedom,
    # alpha = 0.05, rounded to two decimals.
    [(two_sided, level, multiplier) for (two_sided, level), multiplier in MULTIPLIERS.items()],
)
def test_bloom_multipliers(two_sided: bool, power_level: float, published: float):
    assert power.bloom_multiplier(power=power_level, two_sided=two_sided) == pytest.approx(
        published, abs=0.005
    )
    # and the exact MDE, in standard errors, is the multiplier (to 1e-4 for a two-sided test,
    # whose far tail adds about one in a million to the power)
    plan = power.mde(n_obs=10_000, power=power_level, two_sided=two_sided)
    se = math.sqrt(1 / (10_000 * 0.25))
    assert plan.mde_standardised / se == pytest.approx(published, abs=0.005)
    assert plan.mde_standardised / se == pytest.approx(
        power.bloom_multiplier(power=power_level, two_sided=two_sided), abs=1e-4
    )


def test_cluster_mde_is_blooms_formula():
    # Bloom's clustered MDE: M * sqrt(rho / (P(1-P)J) + (1 - rho) / (P(1-P)Jm)), one-sided so
    # that the exact power equation and the multiplier coincide.
    clusters, m, rho, share = 60, 40, 0.05, 0.5
    plan = power.mde(n_obs=clusters * m, cluster_size=m, icc=rho, two_sided=False)
    multiplier = power.bloom_multiplier(two_sided=False)
    bloom = multiplier * math.sqrt(
        rho / (share * (1 - share) * clusters) + (1 - rho) / (share * (1 - share) * clusters * m)
    )
    assert plan.mde_standardised == pytest.approx(bloom, rel=1e-9)
    assert plan.design_effect == pytest.approx(1 + (m - 1) * rho)
    assert (plan.clusters_treated, plan.clusters_control) == (30, 30)


def test_design_effect_and_its_checks():
    assert power.design_effect(cluster_size=1, icc=0.3) == 1.0
    assert power.design_effect(cluster_size=101, icc=0.01) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="correlation"):
        power.design_effect(cluster_size=10, icc=1.5)
    with pytest.raises(ValueError, match="at least 1"):
        power.design_effect(cluster_size=0.5, icc=0.1)


# --------------------------------------------------------------------------- statsmodels
@pytest.mark.parametrize("alternative", ["two-sided", "larger"])
@pytest.mark.parametrize(
    ("nobs1", "ratio", "level"), [(50, 1.0, 0.8), (400, 2.0, 0.9), (12, 1.5, 0.8)]
)
def test_mde_matches_statsmodels(alternative: str, nobs1: int, ratio: float, level: float):
    n = nobs1 * (1 + ratio)
    share = 1 / (1 + ratio)
    two_sided = alternative == "two-sided"
    for reference, distribution in [(NormalIndPower(), "normal"), (TTestIndPower(), "t")]:
        expected = reference.solve_power(
            effect_size=None,
            nobs1=nobs1,
            alpha=0.05,
            power=level,
            ratio=ratio,
            alternative=alternative,
        )
        ours = power.mde(
            n_obs=n,
            power=level,
            two_sided=two_sided,
            treated_share=share,
            distribution=distribution,
        )
        # statsmodels' own power function gives exactly the target power at our MDE ...
        at_ours = reference.power(
            effect_size=ours.mde_standardised,
            nobs1=nobs1,
            alpha=0.05,
            ratio=ratio,
            alternative=alternative,
        )
        assert at_ours == pytest.approx(level, abs=1e-9)
        # ... and its root-finder lands within its own tolerance of ours (it stops at about 1e-6)
        assert ours.mde_standardised == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize("distribution", ["normal", "t"])
@pytest.mark.parametrize("effect", [0.1, 0.35, 0.8])
def test_power_and_sample_size_match_statsmodels(distribution: str, effect: float):
    reference = NormalIndPower() if distribution == "normal" else TTestIndPower()
    for n1 in [20, 150]:
        expected = reference.power(effect_size=effect, nobs1=n1, alpha=0.05, ratio=1.0)
        ours = power.power_at(effect, n_obs=2 * n1, distribution=distribution)  # type: ignore[arg-type]
        assert ours == pytest.approx(expected, abs=1e-10)
    nobs1 = reference.solve_power(effect_size=effect, nobs1=None, alpha=0.05, power=0.8)
    plan = power.sample_size(effect, distribution=distribution)  # type: ignore[arg-type]
    assert plan.n_exact / 2 == pytest.approx(nobs1, abs=1e-6)
    assert plan.n_treated == math.ceil(nobs1)


def test_proportions_match_statsmodels_arcsine():
    h = proportion_effectsize(0.43, 0.45)
    nobs1 = NormalIndPower().solve_power(effect_size=h, nobs1=None, alpha=0.05, power=0.8)
    plan = power.sample_size_proportion(0.45, 0.43)
    assert plan.n_exact / 2 == pytest.approx(nobs1, abs=1e-6)
    assert plan.mde == pytest.approx(0.02)
    # and the MDE of that trial is a fall back to 43% (arcsine scale, inverted)
    back = power.mde_proportion(n_obs=plan.n_exact, baseline=0.45)
    assert back.target == pytest.approx(0.43, abs=1e-9)
    rise = power.mde_proportion(n_obs=plan.n_exact, baseline=0.45, decrease=False)
    assert proportion_effectsize(rise.target, 0.45) == pytest.approx(abs(h), abs=1e-9)


def test_clustering_multiplies_the_sample_by_the_design_effect():
    individual = power.sample_size_proportion(0.45, 0.43)
    clustered = power.sample_size_proportion(0.45, 0.43, cluster_size=200, icc=0.02)
    assert clustered.design_effect == pytest.approx(1 + 199 * 0.02)
    assert clustered.n_exact == pytest.approx(individual.n_exact * clustered.design_effect)
    assert clustered.n_total % 200 == 0
    assert clustered.clusters_treated == math.ceil(clustered.n_exact / 200 / 2)


# --------------------------------------------------------------------------- invariances
@settings(max_examples=40, deadline=None)
@given(
    n=st.floats(50, 1e6),
    sd=st.floats(0.1, 100),
    share=st.floats(0.1, 0.9),
)
def test_mde_scales_with_sd_and_shrinks_with_root_n(n: float, sd: float, share: float):
    base = power.mde(n_obs=n, sd=sd, treated_share=share)
    assert base.mde == pytest.approx(sd * base.mde_standardised, rel=1e-12)
    quadrupled = power.mde(n_obs=4 * n, sd=sd, treated_share=share)
    assert quadrupled.mde == pytest.approx(base.mde / 2, rel=1e-6)
    assert power.power_at(base.mde, n_obs=n, sd=sd, treated_share=share) == pytest.approx(
        0.8, abs=1e-8
    )


def test_more_power_or_smaller_alpha_needs_more_people():
    assert power.sample_size(0.2, power=0.9).n_exact > power.sample_size(0.2).n_exact
    assert power.sample_size(0.2, alpha=0.01).n_exact > power.sample_size(0.2).n_exact
    assert power.sample_size(0.2, two_sided=False).n_exact < power.sample_size(0.2).n_exact


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: power.mde(n_obs=-5), "positive"),
        (lambda: power.mde(n_obs=100, power=1.2), "power is a probability"),
        (lambda: power.mde(n_obs=100, alpha=0), "significance level"),
        (lambda: power.mde(n_obs=100, treated_share=1.0), "treated_share"),
        (lambda: power.sample_size_proportion(0.45, 0.45), "no effect"),
        (lambda: power.sample_size_proportion(45, 43), "strictly between 0 and 1"),
        (
            lambda: power.power_at(0.2, n_obs=4, cluster_size=2, distribution="t"),
            "degrees of freedom",
        ),
        (lambda: power.mde(n_obs=100, distribution="z"), "'normal' or 't'"),  # type: ignore[arg-type]
    ],
)
def test_bad_input_is_refused(call, message: str):
    with pytest.raises(ValueError, match=message):
        call()


def test_summary_tidy_and_plot():
    plan = power.sample_size_proportion(0.45, 0.43, cluster_size=200, icc=0.02)
    text = plan.summary()
    assert "clusters of 200" in text and "45.0% to 43.0%" in text
    assert plan.tidy().shape[0] == 1
    ax = plan.plot()
    line = ax.get_lines()[0]
    # the curve passes through the target power at the MDE (2 points)
    x, y = line.get_xdata(), line.get_ydata()
    nearest = abs(x - 0.02).argmin()
    assert y[nearest] == pytest.approx(0.8, abs=0.02)
    plt.close("all")


def test_simulated_cluster_trials_have_the_stated_icc_and_size():

    from evaluation.simulate.power import cluster_trial, cluster_trials

    one = cluster_trial(n_clusters=8, cluster_size=25, seed=2)
    assert one.equals(cluster_trial(n_clusters=8, cluster_size=25, seed=2))
    assert len(one) == 200 and one["treated"].sum() == 100
    trials = cluster_trials(reps=1_500, n_clusters=20, cluster_size=50, icc=0.1, seed=3)
    rates = trials["events"].to_numpy().reshape(1_500, 20) / 50
    # between-cluster variance of observed rates = ICC p(1-p) + (1 - ICC) p(1-p) / m
    expected = 0.1 * 0.45 * 0.55 + 0.9 * 0.45 * 0.55 / 50
    assert rates.var(axis=1, ddof=1).mean() == pytest.approx(expected, rel=0.05)
