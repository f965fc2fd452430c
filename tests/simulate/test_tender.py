"""Tests of evaluation.simulate.tender: closed forms, reproducibility, monotonicity, errors."""

from __future__ import annotations

import hashlib

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evaluation import markets
from evaluation.simulate.tender import MEASURES, tender

#: Competitive textbook case: no selection rule, no fixed cost, costs U(0, 1), reserve never binds.
TEXTBOOK = dict(
    n_small=0,
    turnover_multiple=0.0,
    cost_low=0.0,
    cost_high=1.0,
    fixed_cost=0.0,
    sme_advantage=0.0,
    transaction_cost=0.0,
    reserve=2.0,
    total_value=100.0,
)


def digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


# --------------------------------------------------------------------------- closed forms
@pytest.mark.parametrize("n", [2, 5, 9])
def test_second_price_equals_second_lowest_of_uniform_costs(n: int):
    """E[second-lowest of n U(0,1)] = 2/(n+1); E[lowest] = 1/(n+1) (order statistics)."""
    result = tender(lots=(1,), n_large=n, replications=20_000, seed=11, **TEXTBOOK)
    row = result.by_lots.iloc[0]
    # the standard error of the mean is checked against the Beta(2, n-1) standard deviation
    beta_sd = 100 * stats.beta(2, n - 1).std()
    assert row["price_se"] == pytest.approx(beta_sd / np.sqrt(20_000), rel=0.03)
    assert abs(row["price"] - 200 / (n + 1)) < 4 * row["price_se"]
    assert abs(row["winners_cost"] - 100 / (n + 1)) < 4 * row["winners_cost_se"]
    # the whole distribution of the price is Beta(2, n - 1) on the lot's value
    prices = result.lots["price"].to_numpy() / 100
    assert stats.kstest(prices, stats.beta(2, n - 1).cdf).pvalue > 0.01
    # everyone bids, and the winner is the cheapest in the pool
    assert row["bidders_per_lot"] == n
    assert np.allclose(result.lots["winner_cost"], result.lots["lowest_cost"])


@pytest.mark.parametrize("n_lots", [1, 4, 16])
def test_eligible_bidders_have_their_binomial_mean(n_lots: int):
    """Each bidder passes selection independently: turnover >= 2 x lot value."""
    kwargs = dict(n_large=8, n_small=40, turnover_large=400.0, turnover_small=8.0)
    result = tender(lots=(n_lots,), replications=4_000, seed=5, turnover_sigma=0.8, **kwargs)
    row = result.by_lots.iloc[0]
    threshold = 2.0 * 100.0 / n_lots
    for kind, n in (("large", 8), ("small", 40)):
        p = stats.lognorm(s=0.8, scale=kwargs[f"turnover_{kind}"]).sf(threshold)
        binomial_se = np.sqrt(n * p * (1 - p) / 4_000)  # SE of the mean of Binomial(n, p)
        assert abs(row[f"{kind}_eligible_per_lot"] - n * p) < 4 * binomial_se + 1e-9
    if n_lots == 1:  # one lot: the count itself is Binomial(n, p); compare its variance
        p = stats.lognorm(s=0.8, scale=400.0).sf(200.0)
        counts = result.lots["large_eligible"]
        assert counts.var() == pytest.approx(8 * p * (1 - p), rel=0.08)


def test_probability_of_fewer_than_two_bids_is_binomial():
    """Without selection rules each of 3 bidders offers within the reserve w.p. 0.25/0.30."""
    # the textbook case with unit costs U(0.75, 1.05) against a reserve of 1
    costs = TEXTBOOK | dict(cost_low=0.75, cost_high=1.05, reserve=1.0)
    result = tender(lots=(1, 4), n_large=3, replications=20_000, seed=2, **costs)
    q = 0.25 / 0.30
    expected = stats.binom(3, q).cdf(1)  # P(fewer than 2 of 3 offer)
    for _, row in result.by_lots.iterrows():
        assert abs(row["share_few_bids"] - expected) < 4 * row["share_few_bids_se"]
    # a lone bidder is paid the reserve
    lone = result.lots[(result.lots["large_bids"] == 1)]
    assert np.allclose(lone["price"], lone["value"])


def test_no_small_provider_eligible_means_a_share_of_exactly_zero():
    result = tender(lots=(1,), turnover_small=1e-3, replications=500, seed=4)
    assert (result.lots["small_eligible"] == 0).all()
    assert (result.replications["small_win_share"].dropna() == 0).all()
    assert result.by_lots["small_win_share"].item() == 0.0


def test_hhi_and_largest_share_agree_with_markets_module():
    result = tender(lots=(4, 16), replications=60, seed=8)
    let = result.lots[result.lots["winner"] >= 0]
    table = markets.hhi(let, market="rep", provider="winner", size="value", time="n_lots")
    merged = table.merge(result.replications, on=["rep", "n_lots"], suffixes=("_m", ""))
    assert len(merged) == len(result.replications.dropna(subset=["hhi"]))
    assert np.allclose(merged["hhi_m"], merged["hhi"], rtol=1e-12)
    assert np.allclose(merged["cr1"], merged["largest_share"], rtol=1e-12)
    assert np.allclose(merged["n_providers"], merged["n_winners"])


# --------------------------------------------------------------------------- reproducibility
def test_same_seed_same_bytes_and_other_seed_differs():
    a = tender(lots=(1, 8), replications=300, seed=7)
    b = tender(lots=(1, 8), replications=300, seed=7)
    c = tender(lots=(1, 8), replications=300, seed=8)
    for frame in ("lots", "replications", "by_lots"):
        assert digest(getattr(a, frame)) == digest(getattr(b, frame))
    assert digest(a.lots) != digest(c.lots)


def test_a_structure_does_not_depend_on_the_others_requested():
    alone = tender(lots=(4,), replications=200, seed=3).lots
    together = tender(lots=(8, 1, 4), replications=200, seed=3).lots
    pd.testing.assert_frame_equal(
        alone, together[together["n_lots"] == 4].reset_index(drop=True), check_exact=True
    )


# --------------------------------------------------------------------------- monotonic properties
def test_smaller_lots_never_shrink_the_eligible_pool_within_a_replication():
    reps = tender(lots=(1, 2, 4, 8, 16), replications=400, seed=9).replications
    wide = reps.pivot(index="rep", columns="n_lots", values="small_eligible_per_lot")
    assert (wide.diff(axis=1).iloc[:, 1:] >= 0).all().all()
    wide = reps.pivot(index="rep", columns="n_lots", values="large_eligible_per_lot")
    assert (wide.diff(axis=1).iloc[:, 1:] >= 0).all().all()


def test_price_bounds_on_every_lot():
    lots = tender(lots=(1, 4, 16, 32), replications=300, seed=6).lots
    let = lots[lots["winner"] >= 0]
    assert (let["price"] >= let["winner_cost"] - 1e-12).all()
    assert (let["winner_cost"] >= let["lowest_cost"] - 1e-12).all()
    assert (let["price"] <= let["value"] + 1e-12).all()  # reserve = the lot's budget
    assert lots.loc[lots["winner"] < 0, "price"].isna().all()


def test_winners_meet_the_financial_standing_rule_lot_by_lot_and_in_total():
    result = tender(lots=(4, 16), replications=300, seed=12, turnover_multiple=2.0)
    let = result.lots[result.lots["winner"] >= 0].merge(
        result.pool, left_on=["rep", "winner"], right_on=["rep", "bidder"]
    )
    assert (let["turnover"] >= 2.0 * let["value"]).all()
    held = let.groupby(["n_lots", "rep", "winner"]).agg(
        value=("value", "sum"), turnover=("turnover", "first")
    )
    assert (held["value"] <= held["turnover"] / 2.0 + 1e-9).all()
    # the small flag of the winner agrees with the pool
    assert (let["winner_small"] == let["small"]).all()


def test_costs_and_advantages_move_results_the_right_way():
    base = tender(lots=(8,), replications=500, seed=1).by_lots.iloc[0]
    dearer = tender(lots=(8,), replications=500, seed=1, fixed_cost=1.0).by_lots.iloc[0]
    keener = tender(lots=(8,), replications=500, seed=1, sme_advantage=0.15).by_lots.iloc[0]
    assert dearer["winners_cost"] > base["winners_cost"]
    assert dearer["bidders_per_lot"] < base["bidders_per_lot"]
    assert keener["small_win_share"] > base["small_win_share"]


def test_transaction_costs_are_exactly_per_lot():
    reps = tender(lots=(1, 2, 8), replications=100, seed=2, transaction_cost=0.4).replications
    let_value = 100 * (1 - reps["share_unlet"])
    expected = 0.4 * reps["n_lots"] * 100 / let_value
    assert np.allclose(reps["transaction_costs"], expected)


def test_lots_so_small_that_fixed_costs_exceed_the_budget_are_not_let():
    result = tender(lots=(32,), fixed_cost=4.0, replications=50, seed=1)
    row = result.by_lots.iloc[0]
    assert row["share_unlet"] == 1.0
    assert row["nothing_let"] == 50
    assert np.isnan(row["price"])


# --------------------------------------------------------------------------- result object
def test_tidy_summary_and_plot():
    result = tender(lots=(1, 4), replications=100, seed=1)
    tidy = result.tidy()
    assert len(tidy) == 2 * len(MEASURES)
    assert set(tidy.columns) == {"n_lots", "measure", "mean", "se", "description"}
    assert "Simulated" in result.summary()
    ax = result.plot("price")
    assert len(ax.lines) >= 1
    plt.close("all")
    with pytest.raises(ValueError, match="measure='cost'"):
        result.plot("cost")


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        (dict(lots=(0,)), "lots"),
        (dict(lots=(-2, 4)), "lots"),
        (dict(lots=()), "lots"),
        (dict(lots=(2.5,)), "lots"),
        (dict(lots=(2, 2)), "lots"),
        (dict(sme_advantage=1.0), "sme_advantage"),
        (dict(sme_advantage=-0.1), "sme_advantage"),
        (dict(n_large=-1), "n_large"),
        (dict(n_small=2.5), "n_small"),
        (dict(n_large=0, n_small=0), "n_large and n_small"),
        (dict(replications=1), "replications"),
        (dict(cost_low=1.0, cost_high=0.9), "cost_low and cost_high"),
        (dict(fixed_cost=-1.0), "fixed_cost"),
        (dict(transaction_cost=float("nan")), "transaction_cost"),
        (dict(reserve=0.0), "reserve"),
        (dict(total_value=float("inf")), "total_value"),
        (dict(turnover_multiple=-2.0), "turnover_multiple"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict, argument: str):
    with pytest.raises(ValueError, match=argument):
        tender(replications=kwargs.pop("replications", 10), **kwargs)
