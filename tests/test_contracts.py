"""Tests of evaluation.contracts, its simulation and the Work Programme loaders."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from evaluation import contracts
from evaluation.contracts import ParticipantGroup, Tariff
from evaluation.simulate import contracts as sim
from tests.reference.work_programme_published import JSA_25_PLUS_TARIFF, TWO_YEAR_RATES


# --------------------------------------------------------------------------- tariffs
def test_tariff_arithmetic_by_hand():
    # JSA 25+, contract year 1 (Work and Pensions Committee 2013, Table 3)
    jsa = Tariff("JSA 25+", **JSA_25_PLUS_TARIFF)
    assert jsa.payment_per_outcome(1.0) == 3_995
    assert jsa.payment_per_outcome(0.0) == 1_200
    assert jsa.expected_revenue(0.5, 1.0) == pytest.approx(400 + 0.5 * 3_995)
    with pytest.raises(ValueError, match="between 0 and 1"):
        jsa.expected_revenue(1.2)
    with pytest.raises(ValueError, match="price >= 0"):
        Tariff("bad", attachment_fee=-1, job_outcome_fee=0, sustainment_max=0)


def test_revenue_per_participant_by_hand():
    table = pd.DataFrame(
        {"rate": [0.364, 0.054], "att": [400, 400], "job": [1_200, 1_000], "sus": [2_210, 5_000]}
    )
    out = contracts.revenue_per_participant(
        table,
        outcome_rate="rate",
        attachment_fee="att",
        job_outcome_fee="job",
        sustainment_max="sus",
        sustainment_share=0.5,
    )
    assert out["payment_per_outcome"].tolist() == [2_305.0, 3_500.0]
    assert out["expected_revenue"].tolist() == pytest.approx(
        [400 + 0.364 * 2_305, 400 + 0.054 * 3_500]
    )
    assert out["attachment_share_pct"].iloc[1] == pytest.approx(100 * 400 / (400 + 189))
    with pytest.raises(ValueError, match="between 0 and 1"):
        contracts.revenue_per_participant(
            table.assign(rate=[36.4, 5.4]),
            outcome_rate="rate",
            attachment_fee="att",
            job_outcome_fee="job",
            sustainment_max="sus",
        )


# --------------------------------------------------------------------------- effort model
def closed_form(group: ParticipantGroup, payment: float) -> float:
    """The analytic optimum: maximise V p(e) - e, p(e) = b + D (1 - exp(-e/s))."""
    ratio = payment * group.max_uplift / group.effort_scale
    return group.effort_scale * math.log(ratio) if ratio > 1 else 0.0


@settings(max_examples=40, deadline=None)
@given(
    baseline=st.floats(0.01, 0.6),
    gain=st.floats(0.1, 3.0),
    scale=st.floats(50, 2_000),
    payment=st.floats(100, 30_000),
)
def test_best_effort_matches_the_closed_form(
    baseline: float, gain: float, scale: float, payment: float
):
    group = ParticipantGroup("g", baseline, gain, scale)
    found = contracts.best_effort(group, payment)
    exact = closed_form(group, payment)
    assert found == pytest.approx(exact, abs=1e-3, rel=1e-6)
    # the found effort is at least as profitable as the exact one, and than none
    profit = lambda e: payment * float(group.job_probability(e)) - e  # noqa: E731
    assert profit(found) >= profit(exact) - 1e-6
    assert profit(found) >= profit(0.0) - 1e-9


def test_parking_when_the_first_pound_does_not_pay():
    hard = ParticipantGroup("hard", baseline=0.05, max_log_odds_gain=1.0, effort_scale=600)
    threshold = hard.effort_scale / hard.max_uplift  # payment at which the first pound breaks even
    assert contracts.best_effort(hard, threshold * 0.999) == 0.0
    assert contracts.best_effort(hard, threshold * 1.5) > 0.0


def test_attachment_fee_changes_margin_not_effort():
    groups = sim.calibrated_groups()
    low = sim.flat_tariffs(groups)
    high = {
        k: Tariff(k, t.attachment_fee + 1_000, t.job_outcome_fee, t.sustainment_max)
        for k, t in low.items()
    }
    a = contracts.provider_response(groups, low).table
    b = contracts.provider_response(groups, high).table
    assert np.allclose(a["effort"], b["effort"])
    assert np.allclose(b["margin"] - a["margin"], 1_000)


def test_calibration_reproduces_the_published_two_year_rates():
    # Published two-year job outcome rates (Learning and Work Institute 2018, in the registry
    # as wp_headline_outcomes): the best response under the calibration tariff must hit them.
    groups = sim.calibrated_groups()
    response = contracts.provider_response(groups, sim.flat_tariffs(groups)).table
    expected = TWO_YEAR_RATES
    assert response["job_rate"].tolist() == pytest.approx(expected, abs=1e-6)
    assert response["parked"].tolist() == [False, False, False, True]


def test_differential_pricing_unparks_the_hardest_group():
    groups = sim.calibrated_groups()
    flat = contracts.provider_response(groups, sim.flat_tariffs(groups), tariff_name="flat")
    differential = contracts.provider_response(groups, sim.differential_tariffs(groups))
    hardest_flat = flat.table.iloc[-1]
    hardest_diff = differential.table.iloc[-1]
    assert hardest_flat["parked"] and not hardest_diff["parked"]
    assert hardest_diff["uplift"] > 0.05
    assert "PARKED" in flat.summary()
    # the reference group's prices are unchanged, so its effort is too
    assert flat.table.iloc[1]["effort"] == pytest.approx(differential.table.iloc[1]["effort"])


def test_caseload_is_reproducible_to_the_byte():
    groups = sim.calibrated_groups()
    a = sim.caseload(sim.flat_tariffs(groups), groups=groups, n_per_group=300, seed=11)
    b = sim.caseload(sim.flat_tariffs(groups), groups=groups, n_per_group=300, seed=11)
    c = sim.caseload(sim.flat_tariffs(groups), groups=groups, n_per_group=300, seed=12)
    assert a.equals(b) and not a.equals(c)
    assert pd.util.hash_pandas_object(a).sum() == pd.util.hash_pandas_object(b).sum()
    assert a.attrs["parked"] == ["ESA ex-IB"]
    assert a.attrs["true_effect"] == pytest.approx(a["true_effect"].mean())


# --------------------------------------------------------------------------- diagnostics
def counts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": ["easy", "middle", "hard"],
            "n": [1_000, 800, 1_200],
            "jobs": [350, 128, 66],
            "expected": [0.25, 0.15, 0.05],
            "mpl": [0.275, 0.165, 0.055],
        }
    )


def test_gaming_diagnostic_by_hand_and_against_statsmodels():
    diag = contracts.gaming_diagnostic(
        counts(),
        group="group",
        denominator="n",
        events="jobs",
        expected="expected",
        minimum="mpl",
    )
    table = diag.groups.set_index("group")
    assert table.loc["easy", "added"] == pytest.approx(0.10)
    assert table.loc["hard", "added"] == pytest.approx(66 / 1_200 - 0.05)
    assert diag.estimate == pytest.approx(0.10 - (0.055 - 0.05))
    se = math.sqrt(0.35 * 0.65 / 1_000 + 0.055 * 0.945 / 1_200)
    assert diag.se == pytest.approx(se)
    low, high = proportion_confint(66, 1_200, alpha=0.05, method="wilson")
    assert (table.loc["hard", "ci_low"], table.loc["hard", "ci_high"]) == pytest.approx((low, high))
    assert table["no_added_value"].tolist() == [False, True, True]
    assert table["below_minimum"].tolist() == [False, True, False]
    assert (diag.easiest, diag.hardest) == ("easy", "hard")
    assert len(diag.tidy()) == 4
    assert "below minimum" in diag.summary()


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_gaming_diagnostic_ignores_row_order_and_labels(seed: int):
    base = contracts.gaming_diagnostic(
        counts(), group="group", denominator="n", events="jobs", expected="expected"
    )
    shuffled = counts().sample(frac=1, random_state=seed)
    shuffled["group"] = shuffled["group"].map({"easy": "A", "middle": "B", "hard": "C"})
    other = contracts.gaming_diagnostic(
        shuffled, group="group", denominator="n", events="jobs", expected="expected"
    )
    assert other.estimate == pytest.approx(base.estimate)
    assert other.se == pytest.approx(base.se)
    assert (other.easiest, other.hardest) == ("A", "C")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.drop(columns="jobs"), "events='jobs' is not a column"),
        (lambda d: d.assign(jobs=[350, 900, 66]), "whole counts"),
        (lambda d: d.assign(expected=[25.0, 15.0, 5.0]), "strictly between 0 and 1"),
        (lambda d: d.assign(n=[1_000.0, np.nan, 1_200.0]), "missing value"),
        (lambda d: pd.concat([d, d.head(1)]), "share the same group"),
        (lambda d: d.head(1), "one group"),
    ],
)
def test_gaming_diagnostic_refuses_bad_input(change, message: str):
    with pytest.raises(ValueError, match=message):
        contracts.gaming_diagnostic(
            change(counts()), group="group", denominator="n", events="jobs", expected="expected"
        )


def aggregate(frame: pd.DataFrame, benchmark: str = "baseline") -> pd.DataFrame:
    return (
        frame.groupby("group", sort=False)
        .agg(n=("job", "size"), jobs=("job", "sum"), expected=(benchmark, "first"))
        .reset_index()
    )


def test_diagnostic_finds_simulated_parking_and_misses_it_with_a_low_benchmark():
    groups = sim.calibrated_groups()
    flat = sim.caseload(
        sim.flat_tariffs(groups),
        groups=groups,
        n_per_group=4_000,
        benchmark_bias={"ESA ex-IB": -0.02},
        seed=3,
    )
    right = contracts.gaming_diagnostic(
        aggregate(flat), group="group", denominator="n", events="jobs", expected="expected"
    )
    flags = right.groups.set_index("group")["no_added_value"]
    assert flags["ESA ex-IB"] and not flags["JSA 25+"]  # truth: ESA ex-IB parked
    wrong = contracts.gaming_diagnostic(
        aggregate(flat, "benchmark"),
        group="group",
        denominator="n",
        events="jobs",
        expected="expected",
    )
    assert not wrong.groups.set_index("group")["no_added_value"]["ESA ex-IB"]


# --------------------------------------------------------------------------- real data
def test_tariff_loader(real):
    table = real("wp_tariffs_by_payment_group")
    assert len(table) == 9
    jsa = table.set_index("payment_group_no").loc[2]
    assert (jsa["attachment_fee"], jsa["job_outcome_fee"], jsa["sustainment_max"]) == (
        400,
        1_200,
        2_795,
    )
    assert jsa["total_max"] == 4_395 and jsa["trigger_weeks"] == 26
    assert table.attrs["not_priced"] == [6, 7, 8, 9]
    assert table.loc[table["payment_group_no"] >= 6, "job_outcome_fee"].isna().all()


def test_payments_loader(real):
    table = real("wp_job_outcome_payments_by_group")
    assert len(table) == 9
    assert table.attrs["total_gbp"] == 331_789_000
    assert table.set_index("payment_group_no").loc[2, "payments_gbp"] == 151_468_000
    assert table["share_pct"].sum() == pytest.approx(100)


def test_sustainment_loader(real):
    table = real("wp_sustainment_payments_median")
    assert len(table) == 7
    assert table["median_payments"].tolist() == [16, 13, 11, 8, 5, 1, 0]
    assert table["period_start"].iloc[0] == pd.Timestamp("2011-09-01")
    assert table["months_observed"].is_monotonic_decreasing


def test_performance_and_headline_loaders(real):
    performance = real("wp_performance_vs_mpl")
    assert len(performance) == 27
    row = performance[
        performance["comparator_label"].eq("DWP non-intervention estimate").fillna(False)
    ].iloc[0]
    assert (row["value"], row["comparator_value"]) == (3.4, 9.2)
    assert row["gap"] == pytest.approx(-5.8)
    assert set(performance.loc[performance["source_id"].str.startswith("VOX"), "source_kind"]) == {
        "secondary"
    }
    assert (performance["source_kind"] == "official").sum() == 13
    headline = real("wp_headline_outcomes")
    assert len(headline) == 26
    two_year = headline[headline["measure"].str.startswith("two-year job outcome rate")]
    rates = dict(zip(two_year["payment_group"], two_year["value"], strict=True))
    assert rates["ESA ex-IB"] == 5.4 and rates["JSA 18-24"] == 36.4
    assert set(two_year["source_kind"]) == {"secondary"}
