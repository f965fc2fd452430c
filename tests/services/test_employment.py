"""Tests of evaluation.services.employment, its simulations and the employment loader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation import compare
from evaluation.data import registry
from evaluation.services import employment
from evaluation.simulate import employment as sim
from tests.reference.work_programme_published import TWO_YEAR_RATE_ALL, YEAR_ONE_PERCENT

COLUMNS = {"area": "area", "provider": "provider", "events": "k", "denominator": "n"}


def small_contracts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area": ["A", "A", "B", "B", "B"],
            "provider": ["p", "q", "p", "q", "r"],
            "k": [30, 20, 60, 40, 50],
            "n": [100, 100, 200, 200, 200],
        }
    )


# --- within_area ---------------------------------------------------------------------


def test_within_area_hand_computed() -> None:
    result = compare.within_area(small_contracts(), **COLUMNS)
    table = result.table.set_index(["area", "provider"])
    # Area A: rates 30% and 20%, mean 25% -> +5 and -5 pp.
    assert table.loc[("A", "p"), "effect_pp"] == pytest.approx(5.0)
    assert table.loc[("A", "q"), "effect_pp"] == pytest.approx(-5.0)
    # Area B: rates 30, 20, 25 -> mean 25 -> +5, -5, 0.
    assert table.loc[("B", "r"), "effect_pp"] == pytest.approx(0.0)
    # SE for area A: the two rates' variances, each weighted 1/4: sqrt((.21 + .16) / 400).
    expected = 100 * np.sqrt((0.3 * 0.7 / 100 + 0.2 * 0.8 / 100) / 4)
    assert table.loc[("A", "p"), "se_pp"] == pytest.approx(expected)
    assert result.n_obs == 800
    assert set(result.tidy().columns) >= {"effect_pp", "ci_low_pp", "ci_high_pp"}


def test_within_area_refuses_bad_input() -> None:
    data = small_contracts()
    with pytest.raises(ValueError, match="single provider"):
        compare.within_area(data.iloc[1:], **COLUMNS)
    with pytest.raises(ValueError, match="'k'"):
        compare.within_area(data.assign(k=[30, None, 60, 40, 50]), **COLUMNS)
    with pytest.raises(ValueError, match="same area and provider"):
        compare.within_area(pd.concat([data, data.iloc[[0]]]), **COLUMNS)
    with pytest.raises(ValueError, match="events <= denominator"):
        compare.within_area(data.assign(k=[300, 20, 60, 40, 50]), **COLUMNS)
    with pytest.raises(ValueError, match="not a column"):
        compare.within_area(data, **{**COLUMNS, "events": "jobs"})


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_within_area_ignores_row_order_and_labels(seed: int) -> None:
    data = small_contracts()
    base = compare.within_area(data, **COLUMNS).table.set_index(["area", "provider"])
    shuffled = data.sample(frac=1, random_state=seed)
    again = compare.within_area(shuffled, **COLUMNS).table.set_index(["area", "provider"])
    pd.testing.assert_series_equal(base["effect_pp"], again.loc[base.index, "effect_pp"])
    renamed = data.assign(area=data["area"].map({"A": "Z", "B": "Y"}))
    relabelled = compare.within_area(renamed, **COLUMNS).table
    assert sorted(relabelled["effect_pp"].round(9)) == sorted(base["effect_pp"].round(9))


# --- provider_effects ----------------------------------------------------------------


def _two_areas(providers: list[str], k: list[int], n: list[int]) -> pd.DataFrame:
    """Four rows of ``COLUMNS``: two providers' counts in area X, then two in area Y."""
    return pd.DataFrame({"area": ["X", "X", "Y", "Y"], "provider": providers, "k": k, "n": n})


@pytest.mark.filterwarnings(
    "ignore:Perfect separation:statsmodels.tools.sm_exceptions.PerfectSeparationWarning"
)
def test_provider_effects_hand_computed() -> None:
    # Two areas, two providers; log odds ratio of u over v is the same in both areas,
    # log(0.25 / 0.1111) = 0.811, so the centred effects are +/- 0.405.
    data = _two_areas(["u", "v", "u", "v"], k=[20, 10, 40, 25], n=[100, 100, 200, 250])
    fit = compare.provider_effects(data, **COLUMNS).table.set_index("provider")
    assert fit.loc["u", "effect"] == pytest.approx(np.log(0.25 / (1 / 9)) / 2, abs=1e-6)
    assert fit.loc["u", "effect"] == pytest.approx(-fit.loc["v", "effect"])


def test_provider_effects_refuses_unlinked_providers() -> None:
    data = _two_areas(["u", "v", "w", "z"], k=[20, 10, 40, 20], n=[100] * 4)
    with pytest.raises(ValueError, match=r"share no area"):
        compare.provider_effects(data, **COLUMNS)


def test_provider_effects_recover_simulated_truth() -> None:
    frame = sim.contracts(seed=5)
    fit = compare.provider_effects(
        frame, area="area", provider="provider", events="job_outcomes", denominator="referrals"
    ).table.set_index("provider")
    truth = pd.Series(frame.attrs["true_effect"])
    truth = (truth - truth.mean()).reindex(fit.index)
    covered = ((fit["ci_low"] <= truth) & (truth <= fit["ci_high"])).mean()
    assert covered >= 0.7
    assert np.corrcoef(fit["effect"], truth)[0, 1] > 0.8


# --- benchmark_gaps and in_period_rate -----------------------------------------------


def test_benchmark_gaps_keeps_group_rows_only() -> None:
    rows = pd.DataFrame(
        {
            "period": ["y2", "y2", "y2"],
            "payment_group": ["JSA 25+", "all groups", "ESA new"],
            "measure": ["rate", "rate", "minimum performance level (initial)"],
            "value": [27.0, 3.6, 13.0],
            "unit": ["%", "%", "%"],
            "comparator_label": ["MPL", "DWP", "MPL"],
            "comparator_value": [30.0, 11.9, 22.0],
            "source_kind": ["official"] * 3,
        }
    )
    gaps = employment.benchmark_gaps(rows)
    assert gaps["payment_group"].tolist() == ["JSA 25+"]
    assert gaps.loc[0, "gap_pp"] == pytest.approx(-3.0)
    assert gaps.loc[0, "ratio"] == pytest.approx(0.9)
    with pytest.raises(ValueError, match="not a column"):
        employment.benchmark_gaps(rows.drop(columns="unit"))


def test_in_period_rate_hand_computed() -> None:
    data = pd.DataFrame({"r": [0.0, 10.0, 50.0, 60.0], "o": [30.0, np.nan, 90.0, np.nan]})
    assert employment.in_period_rate(data, referral_week="r", outcome_week="o", at=52) == 1 / 3
    assert employment.in_period_rate(data, referral_week="r", outcome_week="o", at=100) == 0.5
    with pytest.raises(ValueError, match="No row"):
        employment.in_period_rate(data, referral_week="r", outcome_week="o", at=-1)


# --- simulations ---------------------------------------------------------------------


def test_contracts_reproducible_and_shaped() -> None:
    a, b = sim.contracts(seed=3), sim.contracts(seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(sim.contracts(seed=4))
    assert len(a) == 40 and a["area"].nunique() == 18
    assert a.groupby("area").size().isin([2, 3]).all()
    assert not a.duplicated(["area", "provider"]).any()
    assert a.groupby("area")["true_within_pp"].sum().abs().max() < 1e-9


def test_contracts_calibrated_to_published_rate() -> None:
    # Published: 3.6% of referrals had a job outcome in contract year one
    # (Public Accounts Committee HC 936, via wp_performance_vs_mpl). Area and provider
    # effects are drawn afresh with each seed, so the average over 40 contracts varies by
    # about 0.2 pp between seeds: over 30 seeds the mean must lie within 0.1 pp of the
    # published rate (3 standard errors) and every seed within 0.7 pp.
    rates = np.array(
        [
            100 * f["job_outcomes"].sum() / f["referrals"].sum()
            for f in (sim.contracts(base_rate=0.036, seed=s) for s in range(30))
        ]
    )
    assert abs(rates.mean() - YEAR_ONE_PERCENT) < 0.1
    assert np.abs(rates - YEAR_ONE_PERCENT).max() < 0.7


def test_referrals_reproduce_year_one_measure() -> None:
    # Published: two-year job outcome performance 27.8% (Learning and Work Institute 2018)
    # and 3.6% in-period in year one (PAC HC 936). A programme with the first as its true
    # rate shows about the second after 14 months: within 1 percentage point.
    frame = sim.referrals(eventual_rate=TWO_YEAR_RATE_ALL, seed=1)
    pd.testing.assert_frame_equal(frame, sim.referrals(eventual_rate=0.278, seed=1))
    year1 = employment.in_period_rate(
        frame, referral_week="referral_week", outcome_week="outcome_week", at=52 * 14 / 12
    )
    assert abs(100 * year1 - YEAR_ONE_PERCENT) < 1.0
    assert frame["outcome"].mean() == pytest.approx(
        0.278, abs=3 * np.sqrt(0.278 * 0.722 / len(frame))
    )


def test_simulations_refuse_bad_parameters() -> None:
    with pytest.raises(ValueError, match="base_rate"):
        sim.contracts(base_rate=1.5)
    with pytest.raises(ValueError, match="eventual_rate"):
        sim.referrals(eventual_rate=0.0)


# --- loaders on the real files -------------------------------------------------------


def test_contract_fragments_loader(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(shared_data))
    frame = registry.load("wp_contract_fragments_2012")
    assert len(frame) == 6
    assert frame["source_kind"].eq("secondary").all()
    ingeus = frame.iloc[0]
    assert ingeus["prime_provider"] == "Ingeus"
    assert ingeus["referrals"] == 28000 and ingeus["job_outcomes"] == 920
    assert ingeus["rate_pct"] == pytest.approx(3.3)
    assert frame["rate_pct"].notna().sum() == 4


def test_published_tables_used_by_the_chapters(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The transcribed year-one figures must imply the same referrals within 2%:
    # 31,000 outcomes at 3.6% and 104,000 expected at 11.9% (PAC HC 936).
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(shared_data))
    performance = registry.load("wp_performance_vs_mpl")
    year1 = performance[
        performance["period"].str.startswith("contract year 1")
        & performance["payment_group"].eq("all groups")
    ].set_index("measure")
    count = year1.loc["job outcomes (count, actual)"]
    rate = year1.loc["job outcomes as % of referrals (actual)"]
    actual = count["value"] / rate["value"]
    expected = count["comparator_value"] / rate["comparator_value"]
    assert actual == pytest.approx(expected, rel=0.02)
    gaps = employment.benchmark_gaps(performance)
    esa = gaps[gaps["payment_group"].eq("ESA new customers")].iloc[0]
    assert esa["gap_pp"] == pytest.approx(5.3 - 16.5)


# --- versus_benchmark and benchmark_drift --------------------------------------------


def test_versus_benchmark_hand_computed() -> None:
    data = pd.DataFrame({"k": [30, 20], "n": [100, 100]})
    fit = compare.versus_benchmark(data, events="k", denominator="n", benchmark_pct=20)
    assert fit.estimate == pytest.approx(5.0)
    assert fit.se == pytest.approx(100 * np.sqrt(0.25 * 0.75 / 200))
    assert fit.ci_low < 5.0 < fit.ci_high
    with pytest.raises(ValueError, match="'k'"):
        compare.versus_benchmark(
            data.assign(k=[np.nan, 20]), events="k", denominator="n", benchmark_pct=20
        )


@settings(max_examples=20, deadline=None)
@given(shift=st.floats(-10, 10))
def test_versus_benchmark_moves_with_the_benchmark(shift: float) -> None:
    data = pd.DataFrame({"k": [30, 20], "n": [100, 100]})
    base = compare.versus_benchmark(data, events="k", denominator="n", benchmark_pct=20)
    moved = compare.versus_benchmark(data, events="k", denominator="n", benchmark_pct=20 + shift)
    assert moved.estimate == pytest.approx(base.estimate - shift)
    assert moved.se == pytest.approx(base.se)


def test_benchmark_drift_biases_a_fixed_benchmark() -> None:
    # Benchmark: Flexible New Deal comparator, 26% (PAC HC 457). With no drift the
    # comparison recovers the true effect within 3 SE; with drift it is biased by the
    # mean drift, (n - 1) / 2 * drift_pp.
    still = sim.benchmark_drift(drift_pp=0.0, true_effect_pp=2.0, seed=4)
    fit = compare.versus_benchmark(
        still, events="job_outcomes", denominator="referrals", benchmark_pct=26.0
    )
    assert abs(fit.estimate - 2.0) < 3 * fit.se
    moving = sim.benchmark_drift(drift_pp=0.5, true_effect_pp=2.0, seed=4)
    biased = compare.versus_benchmark(
        moving, events="job_outcomes", denominator="referrals", benchmark_pct=26.0
    )
    assert abs(biased.estimate - (2.0 + 5.5 * 0.5)) < 3 * biased.se
    pd.testing.assert_frame_equal(moving, sim.benchmark_drift(drift_pp=0.5, seed=4))
    with pytest.raises(ValueError, match="outside"):
        sim.benchmark_drift(start_rate=0.99, true_effect_pp=5.0)


def test_benefits_panel_loader(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(shared_data))
    panel = registry.load("benefits_panel_by_council")
    assert len(panel) == 4535 and panel["area"].nunique() == 359
    assert not panel.duplicated(["area", "year"]).any()
    aberdeen = panel[panel["area"].eq("Aberdeen City")].set_index("year")
    assert aberdeen.loc[2013, "jsa_claimants"] == 3080
    assert aberdeen.loc[2014, "unemployment_rate_pct"] == pytest.approx(4.3)
    assert np.isnan(aberdeen.loc[2013, "unemployment_rate_pct"])
    assert panel.attrs["coverage"]["uc_households"] == (2016, 2025)


# ----------------------------------------------------------------- district_panel
def test_district_panel_joins_regions_and_drops_unmatched_and_missing() -> None:
    benefits = pd.DataFrame(
        {
            "area": ["Leeds", "Leeds", "Cardiff", "Cardiff", "York"],
            "year": [2019, 2020, 2019, 2020, 2019],
            "unemployment_rate_pct": [4.0, None, 3.5, 3.6, 3.0],
        }
    )
    regions = pd.DataFrame({"area": ["Leeds", "York"], "region": ["Yorks", "Yorks"]})
    with pytest.warns(UserWarning):
        panel = employment.district_panel(benefits, regions)
    assert panel["area"].tolist() == ["Leeds", "York"]
    assert panel["value"].tolist() == [4.0, 3.0]
    assert panel["region"].tolist() == ["Yorks", "Yorks"]
    assert panel.attrs["unmatched"] == ["Cardiff"]
    assert panel.attrs["dropped"] == {
        "district not in the region lookup": 2,
        "no unemployment rate": 1,
    }


def test_two_year_rate_reads_the_whole_life_row() -> None:
    headline = pd.DataFrame(
        {
            "period": ["Jun 2011-Jun 2015", "Jun 2011-Dec 2017", "Jun 2011-Dec 2017"],
            "measure": [
                "two-year job outcome performance",
                "two-year job outcome performance",
                "referrals",
            ],
            "value": [25.3, 27.5, 1950000.0],
        }
    )
    assert employment.two_year_rate(headline) == 0.275
    with pytest.raises(ValueError, match="Jun 2011-Dec 2017"):
        employment.two_year_rate(headline.iloc[[0, 2]])


def test_trigger_weeks_is_payment_group_two() -> None:
    tariffs = pd.DataFrame({"payment_group_no": [1, 2, 3], "trigger_weeks": [20, 26, 13]})
    assert employment.trigger_weeks(tariffs) == 26
    with pytest.raises(ValueError, match="payment group 2"):
        employment.trigger_weeks(tariffs.iloc[[0, 2]])


# --- calibrating the simulated spread to published figures ------------------------------


def test_expected_range_matches_known_values_and_simulation() -> None:
    assert sim.expected_range(2) == pytest.approx(2 / np.sqrt(np.pi), rel=1e-6)
    draws = np.random.default_rng(0).standard_normal((20_000, 40))
    simulated = (draws.max(axis=1) - draws.min(axis=1)).mean()
    assert sim.expected_range(40) == pytest.approx(simulated, rel=0.01)
    with pytest.raises(ValueError, match="at least 2"):
        sim.expected_range(1)


def test_spread_sd_reproduces_the_published_range_on_average() -> None:
    low, high = 0.074, 0.147
    sd = sim.spread_sd(low=low, high=high, n_contracts=40)
    from scipy.special import logit

    gap = logit(high) - logit(low)
    draws = np.random.default_rng(1).normal(0, sd, (20_000, 40))
    assert (draws.max(axis=1) - draws.min(axis=1)).mean() == pytest.approx(gap, rel=0.01)
    with pytest.raises(ValueError, match="low < high"):
        sim.spread_sd(low=0.2, high=0.1)
