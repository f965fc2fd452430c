"""Tests of the care chapters' library code: loaders on the real files, care helpers."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation import compare
from evaluation.data import geography, registry
from evaluation.panel import association
from evaluation.services import care
from evaluation.simulate import care as simulate

ACTIVITY = "asc_activity_inhouse_external_by_council"


# ----------------------------------------------------------------- the real activity file
@pytest.fixture()
def activity(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(shared_data))
    return registry.load(ACTIVITY)


def test_activity_loader_keeps_every_row(activity: pd.DataFrame) -> None:
    raw = registry.read_raw(ACTIVITY)
    assert len(activity) == len(raw) == 18_477
    assert activity.attrs["suppressed"] == 37  # the file's missing ITEMVALUEs
    assert set(activity["provision"].dropna()) == {"in-house", "external", "total"}


def test_activity_loader_values_match_the_file(activity: pd.DataFrame) -> None:
    # First rows of the published file: Barnsley, residential, 2001.
    barnsley = activity[(activity["council"] == "Barnsley") & (activity["year"] == 2001)]
    values = barnsley.set_index("provision")["activity"]
    assert values["in-house"] == 12_428 and values["external"] == 31_616
    assert barnsley["pct_sector"].round(4).tolist() == [28.2172, 71.7828]


def test_activity_loader_marks_series_breaks(activity: pd.DataFrame) -> None:
    first_year = activity.groupby("series")["year"].min().to_dict()
    assert first_year == {
        "PSS-EX1 2001-2008": 2001,
        "PSS-EX1 2009-2014": 2009,
        "ASC-FR 2015-2023": 2015,
    }
    # Home and day care exist only in the 2009-2014 series, nursing only from 2015.
    settings_by_series = activity.dropna(subset=["setting"]).groupby("series")["setting"].unique()
    assert set(settings_by_series["PSS-EX1 2009-2014"]) == {"Residential", "Home care", "Day care"}
    assert set(settings_by_series["ASC-FR 2015-2023"]) == {"Residential", "Nursing"}


def test_activity_loader_harmonises_names(activity: pd.DataFrame) -> None:
    councils = activity.loc[~activity["is_total"], "council"].dropna()
    assert councils.nunique() == 157
    assert activity.loc[activity["year"] == 2017, "council"].isna().all()
    assert not councils.str.contains(r"%20|\.|^\d|UA$", regex=True).any()
    hull = activity.loc[activity["council_published"].str.contains("Hull", na=False), "council"]
    assert set(hull) == {"Kingston upon Hull"}
    totals = activity.loc[activity["is_total"], "council"]
    assert {"England", "London", "TOTAL England"} <= set(totals)


def test_external_share_matches_the_published_share(activity: pd.DataFrame) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        shares = care.external_share(activity)
    messages = [str(w.message) for w in caught]
    assert "Dropped 302 rows: no council name (all of 2017)." in messages
    assert "Dropped 118 rows: England, regional and type totals." in messages
    assert shares.groupby("year")["council"].nunique().between(144, 152).all()
    assert 2017 not in set(shares["year"])
    published = activity[(activity["setting"] == "Residential") & ~activity["is_total"]]
    published = published[published["provision"] == "external"]
    both = published.merge(shares, on=["council", "year"])
    assert len(both) > 3_000
    assert (both["pct_sector"] - both["external_share"]).abs().max() < 0.01


# ----------------------------------------------------------------------- helpers
def test_harmonise_council_by_hand() -> None:
    names = pd.Series(
        [
            "204-Barnsley",
            "Barking.and.Dagenham",
            "Medway%20Towns%20UA",
            "Leeds ",
            None,
            "Telford and the Wrekin UA",
            "St.Helens",
            "Bristol, City of",
        ]
    )
    expected = [
        "Barnsley",
        "Barking and Dagenham",
        "Medway",
        "Leeds",
        pd.NA,
        "Telford and Wrekin",
        "St Helens",
        "Bristol",
    ]
    assert geography.harmonise_council(names).tolist() == expected


def test_reorganised_councils_are_not_merged() -> None:
    names = pd.Series(["Bournemouth", "Poole", "Bournemouth, Christchurch and Poole"])
    assert geography.harmonise_council(names).nunique() == 3


def test_series_of_refuses_years_outside_the_panel() -> None:
    assert geography.series_of(pd.Series([2014, 2015])).tolist() == [
        "PSS-EX1 2009-2014",
        "ASC-FR 2015-2023",
    ]
    with pytest.raises(ValueError, match="2000"):
        geography.series_of(pd.Series([2000, 2001]))


def _toy_panel() -> pd.DataFrame:
    rows = [
        ("A", False, 2010, "in-house", 30.0),
        ("A", False, 2010, "external", 90.0),
        ("B", False, 2010, "in-house", 0.0),
        ("B", False, 2010, "external", 10.0),
        ("England", True, 2010, "external", 100.0),
        ("C", False, 2010, "external", 5.0),  # no in-house row: 100% external
    ]
    frame = pd.DataFrame(rows, columns=["council", "is_total", "year", "provision", "activity"])
    return frame.assign(series="PSS-EX1 2009-2014", setting="Residential")


def test_external_share_by_hand_and_warns_for_totals() -> None:
    with pytest.warns(UserWarning, match="Dropped 1 rows: England"):
        shares = care.external_share(_toy_panel())
    assert shares.set_index("council")["external_share"].to_dict() == {
        "A": 75.0,
        "B": 100.0,
        "C": 100.0,
    }


def test_external_share_refuses_duplicates_and_missing_columns() -> None:
    panel = _toy_panel()
    doubled = pd.concat([panel, panel.iloc[[0]]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(ValueError, match="council and year and provision"):
            care.external_share(doubled)
    with pytest.raises(ValueError, match="'activity' is not a column"):
        care.external_share(panel.drop(columns="activity"))


# ---------------------------------------------------------------- variance components
def _council_panel(seed: int, between_sd: float = 2.0, n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"council": np.repeat(np.arange(n), 6), "year": np.tile(range(6), n)})
    frame["region"] = frame["council"] % 6
    frame["y"] = (
        np.repeat(rng.normal(0, between_sd, n), 6) + 0.5 * frame["year"] + rng.normal(0, 1, 6 * n)
    )
    return frame


def test_variance_components_recovers_a_known_share() -> None:
    frame = _council_panel(seed=11, n=120)
    fit = compare.variance_components(frame, outcome="y", unit="council", time="year")
    assert fit.ci_low < 0.8 < fit.ci_high  # true share 4 / (4 + 1)
    assert 0.7 < fit.estimate < 0.9
    assert fit.effects["weight_on_own_data"].between(0, 1).all()


def test_variance_interval_covers_truth_in_most_seeds() -> None:
    # Coverage check on a few seeds (kept small for speed): nominal 95%.
    hits = [
        (lambda f: f.ci_low <= 0.8 <= f.ci_high)(
            compare.variance_components(
                _council_panel(seed), outcome="y", unit="council", time="year"
            )
        )
        for seed in range(12)
    ]
    assert sum(hits) >= 9


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shift=st.floats(-100, 100), factor=st.floats(0.1, 50), seed=st.integers(0, 10_000))
def test_variance_share_is_invariant(shift: float, factor: float, seed: int) -> None:
    frame = _council_panel(seed=3)
    base = compare.variance_components(frame, outcome="y", unit="council", time="year")
    moved = frame.assign(y=frame["y"] * factor + shift).sample(frac=1, random_state=seed)
    other = compare.variance_components(moved, outcome="y", unit="council", time="year")
    assert other.estimate == pytest.approx(base.estimate, abs=1e-4)
    assert other.ci_low == pytest.approx(base.ci_low, abs=1e-3)
    assert other.ci_high == pytest.approx(base.ci_high, abs=1e-3)


def test_variance_components_with_regions() -> None:
    fit = compare.variance_components(
        _council_panel(seed=5), outcome="y", unit="council", time="year", region="region"
    )
    assert list(fit.components["component"]) == ["region", "unit", "residual"]
    assert fit.components["share"].sum() == pytest.approx(1.0)


def test_variance_components_refuses_bad_input() -> None:
    frame = _council_panel(seed=1)
    with pytest.raises(ValueError, match="'y' has 1 missing"):
        compare.variance_components(
            frame.assign(y=frame["y"].where(frame.index != 4)),
            outcome="y",
            unit="council",
            time="year",
        )
    with pytest.raises(ValueError, match="share the same council and year"):
        compare.variance_components(
            pd.concat([frame, frame.iloc[[0]]]), outcome="y", unit="council", time="year"
        )
    with pytest.raises(ValueError, match="fewer than 10 units"):
        compare.variance_components(frame[frame["council"] < 5], outcome="y", unit="council")
    with pytest.raises(ValueError, match="more than one 'region'"):
        compare.variance_components(
            frame.assign(region=frame.index % 2), outcome="y", unit="council", region="region"
        )


# ------------------------------------------------------------------ fe association
def _association_panel(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"la": np.repeat(np.arange(40), 5), "yr": np.tile(range(5), 40)})
    level = np.repeat(rng.normal(0, 5, 40), 5)
    frame["x"] = level + rng.normal(size=200)
    frame["y"] = -1.5 * frame["x"] + 3 * level + frame["yr"] + rng.normal(0, 0.5, 200)
    return frame


def test_fe_association_removes_fixed_confounding() -> None:
    fit = association(_association_panel(2), outcome="y", exposure="x", unit="la", time="yr")
    assert fit.ci_low < -1.5 < fit.ci_high  # a pooled slope would be near +1.3
    assert fit.n_units == 40 and fit.n_obs == 200


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), shift=st.floats(-50, 50))
def test_fe_association_invariant_to_order_and_unit_constants(seed: int, shift: float) -> None:
    frame = _association_panel(4)
    base = association(frame, outcome="y", exposure="x", unit="la", time="yr")
    moved = frame.assign(y=frame["y"] + shift * frame["la"], la=frame["la"].astype(str) + "_")
    other = association(
        moved.sample(frac=1, random_state=seed), outcome="y", exposure="x", unit="la", time="yr"
    )
    assert other.estimate == pytest.approx(base.estimate, rel=1e-6)
    assert other.se == pytest.approx(base.se, rel=1e-6)


def test_fe_association_refuses_bad_input() -> None:
    frame = _association_panel(1)
    with pytest.raises(ValueError, match="'x' has 1 missing"):
        association(
            frame.assign(x=frame["x"].where(frame.index != 0)),
            outcome="y",
            exposure="x",
            unit="la",
            time="yr",
        )
    with pytest.raises(ValueError, match="share the same la and yr"):
        association(
            pd.concat([frame, frame.iloc[[3]]]), outcome="y", exposure="x", unit="la", time="yr"
        )


# ---------------------------------------------------------------------- simulation
def test_series_break_panel_is_reproducible_and_knows_its_truth() -> None:
    one, two = simulate.series_break_panel(7), simulate.series_break_panel(7)
    pd.testing.assert_frame_equal(one, two)
    assert not one.equals(simulate.series_break_panel(8))
    assert one.attrs["true_effect"] == 0.5
    steps = one.groupby("year")["published"].mean().diff()
    # The published level jumps at the breaks by about the shift plus the trend.
    assert steps[2009] == pytest.approx(4.5, abs=0.6) and steps[2015] == pytest.approx(3.5, abs=0.6)


def test_confounded_panel_biases_fixed_effects_but_not_the_shock_control() -> None:
    panel = simulate.confounded_panel(5)
    pd.testing.assert_frame_equal(panel, simulate.confounded_panel(5))
    assert panel.attrs["true_effect"] == 0.0
    fit = association(panel, outcome="outcome", exposure="exposure", unit="council", time="year")
    assert fit.ci_high < 0  # the changing confounder makes a null effect look harmful


def test_ascof_spelling_of_hull_is_harmonised() -> None:
    names = pd.Series(["Kingston Upon Hull", "Kingston upon Hull, City of"])
    assert geography.harmonise_council(names).nunique() == 1


# -------------------------------------------------------------- unit costs and deflators
@pytest.fixture()
def real_data(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(shared_data))
    return shared_data


@pytest.mark.parametrize(
    ("name", "councils", "cumbria_own", "cumbria_others"),
    [
        # Values as published (own provision; provided by others), Cumbria = LA 102.
        ("pssex1_unit_costs_2008_09", 150, None, None),
        ("pssex1_unit_costs_2009_10", 152, None, None),
        ("pssex1_unit_costs_2010_11", 152, None, None),
        ("pssex1_unit_costs_2011_12", 152, None, None),
        ("pssex1_unit_costs_2012_13", 152, (24_749, 39_260, 630.4), (27_493, 58_318, 471.4)),
        ("pssex1_unit_costs_2013_14", 152, (25_674, 38_324, 669.9), None),
    ],
)
def test_unit_cost_loaders(
    real_data: Path,
    name: str,
    councils: int,
    cumbria_own: tuple[float, float, float] | None,
    cumbria_others: tuple[float, float, float] | None,
) -> None:
    costs = registry.load(name)
    assert len(costs) == 2 * councils and costs["la_code"].nunique() == councils
    assert set(costs["provision"]) == {"own", "others"}
    assert costs.attrs["suppressed"] > 0  # '.' where a council ran no homes
    # Published unit costs follow from cost / weeks where there is enough care to divide by.
    big = costs[costs["weeks"] >= 520]
    assert (1000 * big["gross_cost"] / big["weeks"] - big["unit_cost"]).abs().max() < 20
    cumbria = costs[costs["la_code"] == "102"].set_index("provision")
    for provision, expected in [("own", cumbria_own), ("others", cumbria_others)]:
        if expected is not None:
            got = cumbria.loc[provision, ["gross_cost", "weeks", "unit_cost"]].tolist()
            assert got == pytest.approx(list(expected))


def test_gdp_deflator_loader(real_data: Path) -> None:
    deflators = registry.load("gdp_deflators_hmt_dec2023").set_index("period")
    assert deflators.loc["2022-23", "deflator"] == 100.0
    assert deflators.loc["2008-09", "deflator"] == pytest.approx(74.160)  # file, row 2008-09
    assert deflators.loc["2013-14", "fy_end"] == 2014
    assert deflators.loc["2023-24":, "deflator"].isna().all()  # OBR forecasts: no level
    assert deflators.index[0] == "1955-56" and deflators.index[-1] == "2028-29"


def test_to_real_terms_by_hand() -> None:
    index = pd.DataFrame({"fy_end": [2010, 2011, 2012], "deflator": [50.0, 80.0, 100.0]})
    cash = pd.DataFrame({"cost": [100.0, 100.0], "fy_end": [2010, 2012]})
    real = care.to_real_terms(cash, value="cost", time="fy_end", deflators=index)
    assert real.tolist() == [200.0, 100.0]
    rebased = care.to_real_terms(cash, value="cost", time="fy_end", deflators=index, base_year=2011)
    assert rebased.tolist() == [160.0, 80.0]
    with pytest.raises(ValueError, match=r"years \[2013\] with no deflator"):
        care.to_real_terms(
            cash.assign(fy_end=[2010, 2013]), value="cost", time="fy_end", deflators=index
        )


def test_cost_panel_by_hand_and_drops_with_warning() -> None:
    rows = [
        ("102", "A", "own", 100.0, 100.0),
        ("102", "A", "others", 300.0, 700.0),
        ("104", "B", "own", 0.0, 0.0),
        ("104", "B", "others", 50.0, 100.0),
        ("106", "C", "own", None, 10.0),
        ("106", "C", "others", 50.0, 100.0),
    ]
    long = pd.DataFrame(rows, columns=["la_code", "council", "provision", "gross_cost", "weeks"])
    long = long.assign(period="2012-13", fy_end=2013, unit_cost=np.nan)
    with pytest.warns(UserWarning, match="Dropped 1 rows: a cost or weeks missing"):
        panel = care.cost_panel(long)
    result = panel.set_index("council")[["external_share", "average_cost"]]
    assert result.loc["A"].tolist() == [87.5, 500.0]
    assert result.loc["B"].tolist() == [100.0, 500.0]


# ------------------------------------------------------------------ ratings and quality
def test_community_rating_events_loader(real_data: Path) -> None:
    events = registry.load("community_care_rating_events")
    assert len(events) == 29_459 and events["location_id"].nunique() == 15_648
    # The file spells "Requires improvement" two ways (7,323 + 114); the loader merges them.
    assert (events["rating"] == "Requires improvement").sum() == 7_437
    assert set(events["ownership"]) == {"for-profit", "local authority", "third sector"}
    assert events["report_date"].min() == pd.Timestamp("2014-10-10")
    assert events["good_or_better"].sum() == 20_189 + 753  # Good + Outstanding
    first = events.iloc[0]
    assert first["registered_from"] == pd.Timestamp("2012-07-02")  # 19176 days after 1960-01-01
    assert events["registered_to"].isna().sum() == 19_671


def test_community_snapshots_loader_and_rebuild(real_data: Path) -> None:
    snapshots = registry.load("community_care_ratings_by_ownership")
    assert len(snapshots) == 120 and snapshots["year"].between(2015, 2024).all()
    shares = snapshots.groupby(["year", "ownership"])["percent"].sum()
    assert shares.between(99.9, 100.1).all()
    # Rebuilding a published snapshot from the events checks the 1960 day-count origin.
    events = registry.load("community_care_rating_events")
    year = snapshots[snapshots["year"] == 2019]
    ours = care.rating_snapshot(events, year["date"].iloc[0]).set_index("ownership")
    published = year[year["rating"].isin(["Good", "Outstanding"])].groupby("ownership")["percent"]
    assert (ours["good_or_better"] - published.sum()).abs().max() < 0.5
    assert (ours["rated"] - year.groupby("ownership")["rated"].first()).abs().max() <= 5


def test_rating_snapshot_by_hand() -> None:
    events = pd.DataFrame(
        {
            "location_id": ["a", "a", "b", "c", "d"],
            "report_date": pd.to_datetime(
                ["2015-01-01", "2016-01-01", "2015-06-01", "2015-06-01", "2015-02-01"]
            ),
            "ownership": ["x", "x", "x", "x", "y"],
            "good_or_better": [False, True, True, True, False],
            "registered_to": pd.to_datetime([None, None, None, "2015-09-01", None]),
        }
    )
    out = care.rating_snapshot(events, "2015-12-25").set_index("ownership")
    assert out.loc["x"].tolist() == [2, 50.0]  # a (not yet good), b; c had closed
    assert out.loc["y"].tolist() == [1, 0.0]


def _ownership_sample(seed: int, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"owner": rng.choice(["fp", "ts", "la"], n), "size": rng.normal(size=n)})
    base = np.select([frame["owner"] == "fp", frame["owner"] == "la"], [0.30, 0.10], 0.15)
    frame["bad"] = rng.random(n) < base + 0.05 * (frame["size"] > 0)
    return frame


def test_ownership_gaps_recover_known_gaps() -> None:
    fit = compare.group_gaps(
        _ownership_sample(1),
        outcome="bad",
        group="owner",
        reference_group="ts",
        headline="fp",
        covariates=["size"],
    )
    table = fit.table.set_index("group")
    assert fit.ci_low < 15 < fit.ci_high  # true gap 0.30 - 0.15
    assert table.loc["la", "lpm_low"] < -5 < table.loc["la", "lpm_high"]
    assert table.loc["fp", "ame"] == pytest.approx(table.loc["fp", "lpm"], abs=2)


def test_ownership_gaps_warn_and_refuse() -> None:
    frame = _ownership_sample(2)
    frame.loc[:4, "size"] = np.nan
    with pytest.warns(UserWarning, match="Dropped 5 rows"):
        compare.group_gaps(
            frame,
            outcome="bad",
            group="owner",
            reference_group="ts",
            headline="fp",
            covariates=["size"],
        )
    with pytest.raises(ValueError, match="lacks 'zz'"):
        compare.group_gaps(frame, outcome="bad", group="owner", reference_group="zz", headline="fp")


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_ownership_gaps_ignore_row_order(seed: int) -> None:
    frame = _ownership_sample(3)
    base = compare.group_gaps(
        frame, outcome="bad", group="owner", reference_group="ts", headline="fp"
    )
    shuffled = frame.sample(frac=1, random_state=seed)
    other = compare.group_gaps(
        shuffled, outcome="bad", group="owner", reference_group="ts", headline="fp"
    )
    assert other.estimate == pytest.approx(base.estimate, rel=1e-9)
    assert other.se == pytest.approx(base.se, rel=1e-6)


# ------------------------------------------------------------------ market panel
def test_council_market_panel_on_the_real_files(real_data: Path) -> None:
    concentration = registry.load("care_home_hhi_district")
    entries = registry.load("care_home_entries_exits_district")
    with pytest.warns(UserWarning, match="Dropped 4 rows: HHI rows with no council"):
        panel = care.council_market_panel(entries, concentration)
    assert len(panel) == 151 * 4 and panel["council"].nunique() == 151
    assert (
        panel.groupby("wave")["entries"].sum().loc[1:].sum()
        == entries.loc[entries["wave"] > 0, "entries"].sum()
    )
    scilly = panel[panel["council"] == "Isles of Scilly"]
    assert (scilly["hhi"] == 10_000).all()
    assert panel["hhi_before"].isna().sum() == 151  # wave 0 has no previous wave


def test_council_market_panel_refuses_conflicting_hhi() -> None:
    hhi = pd.DataFrame(
        {"council": ["C", "C"], "district": ["a", "b"], "wave": [0, 0], "hhi": [500.0, 600.0]}
    )
    flows = pd.DataFrame(
        {"district": ["a"], "wave": [0], "entries": [1], "exits": [0], "homes": [1]}
    )
    with pytest.raises(ValueError, match="differs between districts"):
        care.council_market_panel(flows, hhi)


@pytest.mark.parametrize(
    ("name", "barnsley"),
    [
        # Barnsley's sheet, residential care for older people (all, own, others), as published.
        ("pssex1_unit_costs_2006_07", (426.3280, 957.6180, 385.0282)),
        ("pssex1_unit_costs_2007_08", (484.9131, 2119.7572, 409.8203)),
    ],
)
def test_summary_workbook_loaders(
    real_data: Path, name: str, barnsley: tuple[float, float, float]
) -> None:
    costs = registry.load(name)
    assert len(costs) == 3 * 156  # 150 councils and 6 TOTAL sheets, three provisions each
    assert costs["is_total"].sum() == 3 * 6
    assert costs.loc[~costs["is_total"], "council"].nunique() == 150
    got = costs[costs["council"] == "Barnsley"].set_index("provision")["unit_cost"]
    assert [got["all"], got["own"], got["others"]] == pytest.approx(list(barnsley), abs=1e-3)
    assert costs.attrs["suppressed"] > 0


def test_councils_add_up_to_the_published_england_share(activity: pd.DataFrame) -> None:
    # Source: the file's own England rows (TOTAL England 2001-08, England 2009, ENGLAND 2015).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        shares = care.external_share(activity)
    sums = shares.groupby("year")[["external", "total"]].sum()
    national = 100 * sums["external"] / sums["total"]
    england = activity[
        activity["is_total"]
        & activity["council"].isin(["England", "ENGLAND", "TOTAL England"])
        & (activity["setting"] == "Residential")
        & (activity["provision"] == "external")
    ].set_index("year")["pct_sector"]
    assert len(england) == 10
    gap = (national.reindex(england.index) - england).abs()
    assert gap.max() < 1.0  # tolerance: one percentage point
    assert (gap < 0.01).sum() >= 6  # most years agree to rounding


# ------------------------------------------------------------ PSS-EX1 activity loaders
@pytest.mark.parametrize("year", ["2009_10", "2010_11", "2011_12", "2012_13", "2013_14"])
def test_pssex1_activity_agrees_with_the_unit_cost_return(shared_data: Path, year: str) -> None:
    """The weeks of 65+ residential care in the activity return are the same quantity the
    unit-cost return (read by another loader, from another file) divides costs by: for
    many councils the two agree within the activity table's rounding to 5 weeks, and the
    national totals within 12%. Picking another item (people aged 18-64, nursing care)
    would fail both checks."""
    activity = registry.load(f"pssex1_activity_{year}")
    costs = registry.load(f"pssex1_unit_costs_{year}")
    assert len(activity) == 152 and activity["la_code"].is_unique
    weeks = costs.pivot(index="la_code", columns="provision", values="weeks")
    both = activity.set_index("la_code").join(weeks, how="inner")
    assert len(both) >= 150
    close = ((both["own_weeks"] - both["own"]).abs() <= 2.5).mean()
    assert close >= 0.45, f"only {close:.0%} of councils agree on own-provision weeks"
    for mine, theirs in (("own_weeks", "own"), ("others_weeks", "others")):
        ratio = both[mine].sum() / both[theirs].sum()
        assert 0.88 <= ratio <= 1.0, f"{mine}: national ratio {ratio:.3f}"


def test_pssex1_activity_refuses_a_table_without_the_items() -> None:
    from evaluation.data.loaders.pssex1_activity import residential_65_activity

    raw = pd.DataFrame(
        [
            ["", "Weeks aged 18-64 in own provision residential care"],
            ["318 - Richmond upon Thames", "10"],
        ]
    )
    with pytest.raises(ValueError, match="aged 65 and over in own provision residential"):
        residential_65_activity(raw, year="2013-14", file_name="table.csv")


def test_pssex1_activity_counts_not_available_as_suppressed() -> None:
    from evaluation.data.loaders.pssex1_activity import residential_65_activity

    raw = pd.DataFrame(
        [
            ["", "aged 65 and over in own provision residential", ""],
            ["", "", "aged 65 and over in residential placements provided by others"],
            ["318 - Richmond upon Thames", "..", "1,200"],
            ["102 - Cumbria", "25,505", "44,095"],
        ]
    )
    tidy = residential_65_activity(raw, year="2013-14", file_name="table.csv")
    assert tidy["own_weeks"].isna().tolist() == [True, False]
    assert tidy["others_weeks"].tolist() == [1200, 44095]
    assert tidy.attrs["suppressed"] == 1


def test_pssex1_activity_doctests() -> None:
    import doctest

    from evaluation.data.loaders import pssex1_activity

    result = doctest.testmod(pssex1_activity)
    assert result.attempted > 0 and result.failed == 0


# ----------------------------------------------------------------- ascof_panel
def test_ascof_panel_keeps_one_measure_with_values_and_harmonised_names() -> None:
    ascof = pd.DataFrame(
        {
            "council": ["204-Barnsley", "Medway%20Towns%20UA", "Barnet", "Leeds"],
            "measure_id": ["ASC5", "ASC5", "ASC1", "ASC5"],
            "value": [80.0, 75.0, 19.0, None],
        }
    )
    with pytest.warns(UserWarning, match="1 rows"):
        panel = care.ascof_panel(ascof, "ASC5")
    assert panel["area"].tolist() == ["Barnsley", "Medway"]
    assert panel["value"].tolist() == [80.0, 75.0]
    assert panel.attrs["dropped"] == {"no value for ASC5": 1}
    assert "council_name" not in ascof  # the input is left alone


def test_with_real_costs_by_hand() -> None:
    index = pd.DataFrame({"fy_end": [2012, 2013], "deflator": [50.0, 100.0]})
    panel = pd.DataFrame(
        {
            "fy_end": [2012, 2013],
            "own_unit_cost": [800.0, 900.0],
            "others_unit_cost": [400.0, 500.0],
            "average_cost": [480.0, 600.0],
        }
    )
    real = care.with_real_costs(panel, deflators=index)
    assert real["real_own_unit_cost"].tolist() == [1600.0, 900.0]
    assert real["real_others_unit_cost"].tolist() == [800.0, 500.0]
    assert real["real_average_cost"].tolist() == [960.0, 600.0]
    assert list(panel.columns) == list(real.columns[:4])
    assert "real_own_unit_cost" not in panel
