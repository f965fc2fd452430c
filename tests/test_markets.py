"""Tests of evaluation.markets and the care-home loaders, on hand cases and the real files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation import markets


def frame(sizes: list[float], market: str = "A") -> pd.DataFrame:
    return pd.DataFrame(
        {"market": market, "provider": [f"p{i}" for i in range(len(sizes))], "beds": sizes}
    )


# --------------------------------------------------------------------------- hand cases
@pytest.mark.parametrize(
    ("sizes", "expected_hhi", "expected_n"),
    [
        ([10, 10, 10, 10], 2_500.0, 4.0),  # four equal firms
        ([1], 10_000.0, 1.0),  # a monopoly
        ([75, 25], 6_250.0, 1.6),  # 75^2 + 25^2 = 6,250
        ([50, 30, 20], 3_800.0, 10_000 / 3_800),  # 2,500 + 900 + 400
        ([1] * 10, 1_000.0, 10.0),  # ten equal firms: exactly the lower threshold
    ],
)
def test_hhi_by_hand(sizes: list[float], expected_hhi: float, expected_n: float):
    table = markets.hhi(frame(sizes), market="market", provider="provider", size="beds")
    assert table["hhi"].item() == pytest.approx(expected_hhi, rel=1e-12)
    assert table["equivalent_providers"].item() == pytest.approx(expected_n, rel=1e-12)
    assert table["n_providers"].item() == len(sizes)


def test_shares_sum_homes_of_the_same_provider():
    homes = pd.DataFrame(
        {"la": ["A"] * 4, "owner": ["big", "big", "big", "small"], "beds": [20, 20, 20, 40]}
    )
    table = markets.hhi(homes, market="la", provider="owner", size="beds")
    # 60% and 40% -> 3,600 + 1,600 = 5,200 (not four providers of 20/20/20/40)
    assert table["hhi"].item() == pytest.approx(5_200.0)
    assert table["cr1"].item() == pytest.approx(0.6)


def test_hhi_by_market_and_period():
    data = pd.concat([frame([1, 1], "A").assign(year=1), frame([3, 1], "A").assign(year=2)])
    table = markets.hhi(data, market="market", provider="provider", size="beds", time="year")
    assert table["hhi"].tolist() == pytest.approx([5_000.0, 6_250.0])


def test_concentration_ratio_by_hand():
    sizes = [40, 20, 20, 10, 10]
    for k, expected in [(1, 0.4), (2, 0.6), (4, 0.9), (10, 1.0)]:
        table = markets.concentration_ratio(
            frame(sizes), market="market", provider="provider", size="beds", k=k
        )
        assert table[f"cr{k}"].item() == pytest.approx(expected)


def test_bands_follow_the_merger_guidelines():
    assert markets.UNCONCENTRATED_BELOW == 1_000
    assert markets.HIGHLY_CONCENTRATED_ABOVE == 2_000
    bands = markets.classify([0, 999.99, 1_000, 1_500, 2_000, 2_000.01, 10_000, np.nan])
    assert bands.tolist()[:7] == [
        "unconcentrated",
        "unconcentrated",
        "moderately concentrated",
        "moderately concentrated",
        "moderately concentrated",
        "highly concentrated",
        "highly concentrated",
    ]
    assert pd.isna(bands.iloc[7])
    with pytest.raises(ValueError, match="outside that range"):
        markets.classify([12_000])


def test_equivalent_providers_refuses_off_scale_values():
    with pytest.raises(ValueError, match="0-10,000"):
        markets.equivalent_providers(0.0)


# --------------------------------------------------------------------------- invariances
sizes_strategy = st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=12)


@settings(max_examples=40, deadline=None)
@given(sizes=sizes_strategy, seed=st.integers(0, 10_000), scale=st.floats(0.01, 1_000))
def test_hhi_ignores_provider_order_labels_and_the_scale_of_sizes(
    sizes: list[int], seed: int, scale: float
):
    base = markets.hhi(frame(sizes), market="market", provider="provider", size="beds")
    rng = np.random.default_rng(seed)
    shuffled = frame(sizes).sample(frac=1, random_state=seed)
    shuffled["provider"] = [f"q{i}" for i in rng.permutation(len(sizes))]
    shuffled["beds"] = shuffled["beds"] * scale
    other = markets.hhi(shuffled, market="market", provider="provider", size="beds")
    assert other["hhi"].item() == pytest.approx(base["hhi"].item(), rel=1e-9)
    # bounds: 10,000 / n <= HHI <= 10,000
    assert 10_000 / len(sizes) - 1e-6 <= base["hhi"].item() <= 10_000 + 1e-6


@settings(max_examples=30, deadline=None)
@given(sizes=sizes_strategy)
def test_merging_two_providers_never_lowers_the_hhi(sizes: list[int]):
    if len(sizes) < 2:
        return
    before = markets.hhi(frame(sizes), market="market", provider="provider", size="beds")
    merged = frame(sizes)
    merged.loc[1, "provider"] = merged.loc[0, "provider"]
    after = markets.hhi(merged, market="market", provider="provider", size="beds")
    assert after["hhi"].item() >= before["hhi"].item() - 1e-9


# --------------------------------------------------------------------------- entry and exit
def panel() -> pd.DataFrame:
    """Homes present in each market and year, one row each: (market, year) -> homes."""
    present = {("A", 1): "abcd", ("A", 2): "abe", ("A", 3): "aefg", ("B", 1): "x", ("B", 3): "x"}
    rows = [(market, home, year) for (market, year), homes in present.items() for home in homes]
    return pd.DataFrame(rows, columns=["market", "home", "year"])


def test_flows_by_hand():
    out = markets.flows(panel(), market="market", provider="home", time="year")
    a = out[out["market"] == "A"].set_index("year")
    # year 2: 4 incumbents; e enters; c, d leave
    assert a.loc[2, ["incumbents", "entrants", "exits", "present"]].tolist() == [4, 1, 2, 3]
    assert a.loc[2, "entry_rate"] == pytest.approx(0.25)
    assert a.loc[2, "exit_rate"] == pytest.approx(0.5)
    assert a.loc[2, "churn_rate"] == pytest.approx(0.75)
    # year 3: 3 incumbents; f and g enter; b leaves
    assert a.loc[3, ["entrants", "exits"]].tolist() == [2, 1]
    b = out[out["market"] == "B"].set_index("year")
    # B has no provider in year 2: x exits, then re-enters
    assert b.loc[2, ["incumbents", "exits", "present"]].tolist() == [1, 1, 0]
    assert np.isnan(b.loc[3, "entry_rate"])  # no incumbents: rate undefined


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_flows_ignore_row_order_and_home_labels(seed: int):
    base = markets.flows(panel(), market="market", provider="home", time="year")
    shuffled = panel().sample(frac=1, random_state=seed)
    labels = {
        h: f"home-{i}"
        for i, h in enumerate(np.random.default_rng(seed).permutation(list("abcdefgx")))
    }
    shuffled["home"] = shuffled["home"].map(labels)
    other = markets.flows(shuffled, market="market", provider="home", time="year")
    pd.testing.assert_frame_equal(base, other)


def test_flow_rates_by_hand():
    counts = pd.DataFrame(
        {
            "la": ["A", "A", "B"],
            "wave": [0, 1, 1],
            "new": [40, 2, 3],
            "closed": [0, 1, 0],
            "homes": [40, 41, 10],
        }
    )
    out = markets.flow_rates(
        counts, market="la", time="wave", entries="new", exits="closed", stock="homes"
    )
    assert out["start"].tolist() == [0, 40, 7]
    assert np.isnan(out["entry_rate"].iloc[0])
    assert out["entry_rate"].iloc[1] == pytest.approx(0.05)
    assert out["exit_rate"].iloc[1] == pytest.approx(0.025)
    assert out["entry_rate"].iloc[2] == pytest.approx(3 / 7)


def test_ownership_mix_by_hand():
    homes = pd.DataFrame(
        {
            "year": [1, 1, 1, 2],
            "owner": ["profit", "profit", "council", "profit"],
            "beds": [30.0, 50, 20, 10],
        }
    )
    out = markets.ownership_mix(homes, owner="owner", size="beds", time="year")
    assert out["share_pct"].tolist() == pytest.approx([20.0, 80.0, 100.0])
    counted = markets.ownership_mix(homes, owner="owner", time="year")
    assert counted["share_pct"].tolist() == pytest.approx([100 / 3, 200 / 3, 100.0])


# --------------------------------------------------------------------------- the association
def test_concentration_gradient_matches_statsmodels_side_by_side():
    rng = np.random.default_rng(4)
    data = pd.DataFrame({"hhi": rng.uniform(100, 3_000, 200), "council": rng.integers(0, 40, 200)})
    data["entry"] = 12 - 0.002 * data["hhi"] + rng.normal(0, 3, 200)
    fit = markets.concentration_gradient(data, outcome="entry", concentration="hhi")
    reference = sm.OLS(data["entry"], sm.add_constant(data["hhi"] / 1_000)).fit(cov_type="HC1")
    assert fit.estimate == pytest.approx(reference.params["hhi"], rel=1e-10)
    assert fit.se == pytest.approx(reference.bse["hhi"], rel=1e-10)
    clustered = markets.concentration_gradient(
        data, outcome="entry", concentration="hhi", cluster="council"
    )
    assert clustered.n_clusters == data["council"].nunique()
    by_council = sm.OLS(data["entry"], sm.add_constant(data["hhi"] / 1_000)).fit(
        cov_type="cluster", cov_kwds={"groups": data["council"]}
    )
    assert clustered.se == pytest.approx(by_council.bse["hhi"], rel=1e-10)
    assert clustered.estimate == pytest.approx(fit.estimate)
    assert clustered.tidy()["covariance"].item() == "cluster"
    assert "not a causal effect" in clustered.summary()


def test_concentration_gradient_is_shift_invariant():
    rng = np.random.default_rng(1)
    data = pd.DataFrame({"hhi": rng.uniform(100, 3_000, 80)})
    data["entry"] = 5 + rng.normal(0, 1, 80)
    a = markets.concentration_gradient(data, outcome="entry", concentration="hhi")
    b = markets.concentration_gradient(
        data.assign(entry=data["entry"] + 100), outcome="entry", concentration="hhi"
    )
    assert a.estimate == pytest.approx(b.estimate, rel=1e-9, abs=1e-12)
    assert a.se == pytest.approx(b.se, rel=1e-9)


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.drop(columns="beds"), "size='beds' is not a column"),
        (lambda d: d.assign(beds=["x"] * len(d)), "must be numeric"),
        (lambda d: d.assign(beds=[np.nan, 1.0, 1.0]), "missing value"),
        (lambda d: d.assign(beds=[-1.0, 1.0, 1.0]), "negative"),
        (lambda d: d.assign(beds=[0.0, 0.0, 0.0]), "total 'beds' of zero"),
    ],
)
def test_bad_input_is_refused(change, message: str):
    with pytest.raises(ValueError, match=message):
        markets.hhi(change(frame([1, 2, 3])), market="market", provider="provider", size="beds")


def test_flows_refuse_duplicates_and_a_single_period():
    twice = pd.concat([panel(), panel().head(1)])
    with pytest.raises(ValueError, match="share the same"):
        markets.flows(twice, market="market", provider="home", time="year")
    with pytest.raises(ValueError, match="at least two"):
        markets.flows(panel().query("year == 1"), market="market", provider="home", time="year")


def test_flow_rates_refuse_impossible_counts():
    counts = pd.DataFrame({"la": ["A"], "w": [1], "new": [5], "closed": [0], "homes": [3]})
    with pytest.raises(ValueError, match="negative starting stock"):
        markets.flow_rates(
            counts, market="la", time="w", entries="new", exits="closed", stock="homes"
        )


# --------------------------------------------------------------------------- real data
def test_ownership_loader_and_mix_reproduce_the_published_percentages(real):
    table = real("care_homes_beds_by_ownership")
    assert len(table) == 42 and table["year"].min() == 2011 and table["year"].max() == 2024
    first = table[(table["year"] == 2011) & (table["ownership"] == "for-profit")].iloc[0]
    assert (first["homes"], first["beds"]) == (14036, 185957)
    # Goodair's pct_beds and pct_homes, recomputed from the counts with ownership_mix
    for measure, published in [("beds", "pct_beds"), ("homes", "pct_homes")]:
        mix = markets.ownership_mix(
            table.astype({measure: "float64"}), owner="ownership", size=measure, time="year"
        )
        merged = mix.merge(table, on=["year", "ownership"])
        assert np.max(np.abs(merged["share_pct"] - merged[published])) < 1e-9


def test_flow_rates_reproduce_almorox_entry_rates(real):
    # Almorox's published 'rate' column (entries as % of the stock at the start of the
    # wave), rounded to 2 d.p.: ours must agree to rounding (0.005 percentage points).
    entries = real("care_home_entries_exits_district")
    out = markets.flow_rates(
        entries, market="district", time="wave", entries="entries", exits="exits", stock="homes"
    )
    published = out["entry_rate_published"] = entries["entry_rate"]
    both = out.dropna(subset=["entry_rate"])
    assert len(both) == published.notna().sum() == 715
    assert np.max(np.abs(100 * both["entry_rate"] - both["entry_rate_published"])) <= 0.005 + 1e-9


def test_closures_loader(real):
    homes = real("care_home_closures_locations")
    assert len(homes) == 29_458
    assert int(homes["forced_closure"].sum()) == 816
    assert int((homes["rating"] == "No rating").sum()) == 7_974
    assert int(homes["closed"].sum()) == 29_458 - 14_750
    assert homes["ownership"].value_counts().to_dict() == {
        "for-profit": 24_278,
        "third sector": 3_832,
        "local authority": 1_327,
    }
    assert homes.attrs["missing"]["ownership"] == 21


def test_concentration_gradient_with_fixed_effects_matches_a_formula_fit():
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(7)
    data = pd.DataFrame(
        {
            "hhi": rng.uniform(100, 3_000, 150),
            "wave": rng.integers(1, 4, 150),
            "council": rng.integers(0, 50, 150),
        }
    )
    data["entry"] = 2 + 8 * (data["wave"] == 1) - 0.001 * data["hhi"] + rng.normal(0, 2, 150)
    fit = markets.concentration_gradient(
        data, outcome="entry", concentration="hhi", cluster="council", fixed_effects="wave"
    )
    reference = smf.ols("entry ~ I(hhi / 1000) + C(wave)", data=data).fit(
        cov_type="cluster", cov_kwds={"groups": data["council"]}
    )
    assert fit.estimate == pytest.approx(reference.params["I(hhi / 1000)"], rel=1e-10)
    assert fit.se == pytest.approx(reference.bse["I(hhi / 1000)"], rel=1e-10)


def test_simulated_local_markets_know_their_town_concentration():
    from evaluation.simulate.markets import local_markets

    homes = local_markets(n_councils=20, seed=5)
    assert homes.equals(local_markets(n_councils=20, seed=5))
    towns = markets.hhi(homes, market="town", provider="provider", size="beds").set_index("town")
    truth = homes.drop_duplicates("town").set_index("town")["town_hhi"]
    assert np.allclose(towns["hhi"], truth.loc[towns.index])
    councils = markets.hhi(homes, market="council", provider="provider", size="beds")
    # drawing the market as the council hides the concentration residents face
    assert councils["hhi"].median() < towns["hhi"].median() / 2
