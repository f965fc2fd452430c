"""Tests of evaluation.services.schools, the schools loaders and the schools simulator."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.data import registry
from evaluation.panel import association
from evaluation.services import schools
from tests.data.loaders.test_schools_ks4 import COUNCIL_KS4


def links(rows: list[tuple[int, int, str, str | None]]) -> pd.DataFrame:
    """Hand-made GIAS links: (urn, linked_urn, link_type, date or None)."""
    frame = pd.DataFrame(rows, columns=["urn", "linked_urn", "link_type", "link_date"])
    frame["link_date"] = pd.to_datetime(frame["link_date"])
    return frame


def one_academy(urn: int, route: str = "converter") -> pd.DataFrame:
    return pd.DataFrame({"urn": [urn], "route": [route]})


# ------------------------------------------------------------------ conversion dates
def test_simple_conversion_is_the_predecessor_link():
    table = schools.conversion_dates(
        links([(20, 10, "Predecessor", "2011-04-01"), (10, 20, "Successor", "2011-04-01")]),
        one_academy(20),
    )
    row = table.iloc[0]
    assert row["conversion_date"] == pd.Timestamp("2011-04-01")
    assert row["conversion_year"] == 2010  # April 2011 is in the 2010/11 school year
    assert row["later_links"] == 0 and bool(row["has_predecessor"])


@pytest.mark.parametrize(
    ("earlier", "later", "route", "conversion", "later_links"),
    [
        # maintained 1 -> academy 2 (2012) -> academy 3 in a new trust (2018)
        pytest.param(
            "2012-01-01", "2018-09-01", "sponsor-led", "2012-01-01", 1,
            id="a rebrokered academy keeps its first conversion",
        ),
        # an amalgamation in 1998, then conversion in 2013
        pytest.param(
            "1998-09-01", "2013-09-01", "converter", "2013-09-01", 0,
            id="links before the programme are reorganisations, not conversions",
        ),
    ],
)  # fmt: skip
def test_a_chain_of_two_predecessor_links(
    earlier: str, later: str, route: str, conversion: str, later_links: int
):
    # academy 3's predecessor 2 dated `later`; 2's predecessor 1 dated `earlier`
    table = schools.conversion_dates(
        links([(3, 2, "Predecessor", later), (2, 1, "Predecessor", earlier)]),
        one_academy(3, route),
    )
    assert table.loc[0, "conversion_date"] == pd.Timestamp(conversion)
    assert table.loc[0, "later_links"] == later_links


def test_merger_of_two_predecessors_takes_the_oldest_link():
    table = schools.conversion_dates(
        links([(9, 1, "Predecessor", "2015-01-01"), (9, 2, "Predecessor", "2014-06-01")]),
        one_academy(9),
    )
    assert table.loc[0, "conversion_date"] == pd.Timestamp("2014-06-01")


def test_free_school_without_predecessor_has_no_conversion():
    table = schools.conversion_dates(
        links([(20, 10, "Predecessor", "2011-04-01")]),
        pd.DataFrame({"urn": [20, 30], "route": ["converter", "free school"]}),
    )
    free = table.set_index("urn").loc[30]
    assert not free["has_predecessor"] and pd.isna(free["conversion_date"])


def test_undated_links_warn_with_a_count_and_stay_missing():
    with pytest.warns(UserWarning, match="1 academies have predecessors but no dated link"):
        table = schools.conversion_dates(links([(20, 10, "Predecessor", None)]), one_academy(20))
    assert pd.isna(table.loc[0, "conversion_date"]) and table.loc[0, "undated_links"] == 1


def test_other_link_types_are_ignored():
    table = schools.conversion_dates(
        links([(20, 10, "Predecessor - merged", "2015-01-01")]), one_academy(20)
    )
    assert not table.loc[0, "has_predecessor"]


def test_cycles_are_refused():
    with pytest.raises(ValueError, match="linked_urn"):
        schools.conversion_dates(
            links([(1, 2, "Predecessor", "2015-01-01"), (2, 1, "Predecessor", "2014-01-01")]),
            one_academy(1),
        )


def test_duplicate_academies_and_missing_columns_are_refused():
    with pytest.raises(ValueError, match="urn"):
        schools.conversion_dates(
            links([]), pd.DataFrame({"urn": [1, 1], "route": ["converter"] * 2})
        )
    with pytest.raises(ValueError, match="route"):
        schools.conversion_dates(links([]), pd.DataFrame({"urn": [1]}))


@settings(max_examples=25, deadline=None)
@given(st.permutations(range(4)), st.integers(min_value=1_000, max_value=9_000))
def test_conversion_dates_ignore_row_order_and_relabelling(order: list[int], shift: int):
    base = links(
        [
            (3, 2, "Predecessor", "2018-09-01"),
            (2, 1, "Predecessor", "2012-01-01"),
            (5, 4, "Predecessor", "2016-03-01"),
            (4, 7, "Predecessor", "1999-01-01"),
        ]
    )
    academies = pd.DataFrame({"urn": [3, 5, 6], "route": ["converter"] * 2 + ["free school"]})
    expected = schools.conversion_dates(base, academies).set_index("urn")
    shuffled = base.iloc[list(order)].assign(
        urn=lambda f: f["urn"] + shift, linked_urn=lambda f: f["linked_urn"] + shift
    )
    got = schools.conversion_dates(shuffled, academies.assign(urn=academies["urn"] + shift))
    got.index = got["urn"] - shift
    pd.testing.assert_series_equal(
        got["conversion_date"].sort_index(),
        expected["conversion_date"].sort_index(),
        check_names=False,
        check_index_type=False,
    )


def test_academic_year_and_route():
    dates = pd.Series(pd.to_datetime(["2010-08-31", "2010-09-01", "2011-01-01"]))
    assert schools.academic_year(dates).tolist() == [2009, 2010, 2010]
    routes = schools.route_of(pd.Series([34, 44, 28, 43, 35, 40, 1]))
    assert routes.tolist()[:6] == [
        "converter",
        "converter",
        "sponsor-led",
        "sponsor-led",
        "free school",
        "free school",
    ]
    assert pd.isna(routes.iloc[6])


def test_academies_refuses_a_school_in_two_trusts():
    members = pd.DataFrame(
        {
            "urn": [1, 1],
            "school_name": ["A", "A"],
            "type_code": [34, 34],
            "phase": ["Primary"] * 2,
            "la_code": [850] * 2,
            "la_name": ["Hampshire"] * 2,
            "group_uid": [7, 8],
            "group_name": ["T7", "T8"],
            "group_type": ["Multi-academy trust"] * 2,
            "joined_date": pd.to_datetime(["2012-01-01"] * 2),
        }
    )
    with pytest.raises(ValueError, match="two trusts"):
        schools.academies(members)
    one = schools.academies(members.iloc[[0]])
    assert one.loc[0, "route"] == "converter" and one.loc[0, "trust_uid"] == 7


def test_trust_concentration_counts_academies_equally():
    frame = pd.DataFrame({"la_name": ["A"] * 4 + ["B"] * 2, "trust_uid": [1, 1, 2, 3, 4, 4]})
    table = schools.trust_concentration(frame).set_index("la_name")
    # A: shares 50%, 25%, 25% -> 2500 + 625 + 625; B: one trust -> 10,000
    assert table.loc["A", "hhi"] == pytest.approx(3750.0)
    assert table.loc["B", "hhi"] == pytest.approx(10_000.0)


# ------------------------------------------------------------------ loaders on the real files
@pytest.mark.usefixtures("real")
def test_gias_links_loaders():
    new = registry.load("gias_links")
    old = registry.load("gias_links_2022")
    assert len(new) == 33_801 and len(old) == 30_646
    first = new.iloc[0]
    assert (first["urn"], first["linked_urn"], first["link_type"]) == (
        100006,
        134643,
        "Predecessor - merged",
    )
    assert first["link_date"] == pd.Timestamp("2022-01-01")  # "01-01-2022" day first
    # about a quarter of links are undated (registry caveat)
    assert 0.2 < new["link_date"].isna().mean() < 0.3
    assert new["link_date"].dropna().between("1990-01-01", "2025-12-31").all()


@pytest.mark.usefixtures("real")
def test_gias_groups_and_group_links_loaders():
    groups = registry.load("gias_groups_2022")
    assert len(groups) == 6_904
    assert groups.attrs["placeholder_dates"] > 0  # 1900-01-01 placeholders are counted
    assert not (groups["open_date"] == pd.Timestamp("1900-01-01")).any()
    assert not groups["group_name"].str.contains(r"[\x00-\x1f]", regex=True).any()
    mats = groups[groups["group_type"] == "Multi-academy trust"]
    assert len(mats) == 1_689 and mats["incorporated_date"].notna().all()
    members = registry.load("gias_group_links_2022")
    assert len(members) == 20_613
    assert members.loc[0, "la_name"] == "Southampton" and members.loc[0, "urn"] == 20003


@pytest.mark.usefixtures("real")
def test_conversion_dates_on_the_real_files():
    academies = schools.academies(registry.load("gias_group_links_2022"))
    assert len(academies) == 10_010
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        table = schools.conversion_dates(registry.load("gias_links"), academies)
    dated = table.dropna(subset=["conversion_date"])
    assert 0.85 < len(dated) / len(table) < 0.95
    # converters only exist from the Academies Act (September 2010 onward), give or take
    # a handful of pre-Act reorganisations; almost all are dated 2010 or later.
    converters = dated[dated["route"] == "converter"]
    assert (converters["conversion_year"] >= 2010).mean() > 0.99
    assert dated["conversion_date"].max() <= pd.Timestamp("2022-08-31")


# ------------------------------------------------------------------ KS4 panel and council panel
def ks4_rows(rows: list[tuple[int, int, str, float]]) -> pd.DataFrame:
    """Hand-made tidy KS4 rows: (school_year, urn, sector, att8)."""
    frame = pd.DataFrame(rows, columns=["school_year", "urn", "sector", "att8"])
    return frame.assign(special=False, pupils=100, la_code=936)


def test_ks4_panel_follows_a_school_across_its_new_urn():
    results = ks4_rows(
        [
            (2016, 10, "maintained", 40.0),
            (2017, 20, "academy", 42.0),
            (2016, 30, "maintained", 50.0),
            (2017, 30, "maintained", 51.0),
            (2016, 40, "independent", 60.0),
        ]
    )
    line = pd.DataFrame({"old_urn": [10], "urn": [20]})
    panel = schools.ks4_panel([results], line).set_index(["school", "school_year"])
    assert panel.loc[(20, 2016), "academy"] == 0 and panel.loc[(20, 2017), "academy"] == 1
    assert (panel.xs(20)["cohort"] == 2017).all() and (panel.xs(30)["cohort"] == 0).all()
    assert 40 not in panel.index.get_level_values("school")  # independent schools left out


def test_ks4_panel_refuses_duplicates_and_reversals_and_warns_on_empty_rows():
    line = pd.DataFrame({"old_urn": [10], "urn": [20]})
    both = ks4_rows([(2016, 10, "maintained", 40.0), (2016, 20, "academy", 41.0)])
    with pytest.raises(ValueError, match="twice in a year"):
        schools.ks4_panel([both], line)
    back = ks4_rows([(2016, 20, "academy", 40.0), (2017, 20, "maintained", 41.0)])
    with pytest.raises(ValueError, match="maintained again"):
        schools.ks4_panel([back], line)
    empty = both.assign(pupils=[100, None])
    with pytest.warns(UserWarning, match="1 rows have no KS4 pupils"):
        panel = schools.ks4_panel([empty], line)
    assert len(panel) == 1


def test_converted_share_counts_conversions_before_the_school_year():
    table = pd.DataFrame(
        {
            "la_code": [1, 1, 1, 1],
            "phase": ["Secondary"] * 3 + ["Primary"],
            "route": ["converter", "sponsor-led", "free school", "converter"],
            "conversion_year": pd.array([2010, 2014, pd.NA, 2009], dtype="Int64"),
        }
    )
    share = schools.converted_share(table, years=range(2012, 2016)).set_index("school_year")
    assert share["converted_share"].tolist() == [0.5, 0.5, 0.5, 1.0]
    assert share["academies"].eq(2).all() and share.attrs["excluded"] == 0


@settings(max_examples=15, deadline=None)
@given(st.floats(min_value=-50, max_value=50), st.integers(min_value=0, max_value=10_000))
def test_panel_association_recovers_a_slope_and_ignores_shifts_and_order(shift: float, seed: int):
    import numpy as np

    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"u": np.repeat(np.arange(30), 5), "t": np.tile(np.arange(5), 30)})
    frame["x"] = rng.uniform(size=len(frame))
    frame["y"] = 1.5 * frame["x"] + frame["u"] * 0.3 + frame["t"] + rng.normal(size=len(frame))
    base = association(frame, outcome="y", exposure="x", unit="u", time="t")
    moved = frame.assign(y=frame["y"] + shift).sample(frac=1.0, random_state=seed)
    again = association(moved, outcome="y", exposure="x", unit="u", time="t")
    assert again.estimate == pytest.approx(base.estimate, abs=1e-8)
    assert again.se == pytest.approx(base.se, rel=1e-6)
    assert base.ci_low < 1.5 + 4 * base.se and base.ci_high > 1.5 - 4 * base.se


def test_panel_association_refuses_bad_input():
    frame = pd.DataFrame({"u": [1, 1, 2, 2], "t": [1, 1, 1, 2], "x": [0.1, 0.2, 0.3, 0.4]})
    frame["y"] = [1.0, 2.0, 3.0, 4.0]
    with pytest.raises(ValueError, match="share the same"):
        association(frame, outcome="y", exposure="x", unit="u", time="t")
    with pytest.raises(ValueError, match="missing"):
        association(
            frame.assign(y=[1.0, None, 3.0, 4.0], t=[1, 2, 1, 2]),
            outcome="y",
            exposure="x",
            unit="u",
            time="t",
        )
    with pytest.raises(ValueError, match="exposure='z'"):
        association(frame, outcome="y", exposure="z", unit="u", time="t")


# ------------------------------------------------------------------ simulations
def test_simulations_are_reproducible_to_the_byte():
    from evaluation.simulate import schools as sim

    for make in (sim.selective_conversion, sim.inspection_regression):
        one, two = make(800, seed=11), make(800, seed=11)
        pd.testing.assert_frame_equal(one, two)
        assert one.to_csv().encode() == two.to_csv().encode()
        assert not make(800, seed=12).equals(one)
        assert make(800, true_effect=0.3, seed=1).attrs["true_effect"] == 0.3


def test_selection_biases_the_naive_comparison_and_not_the_oracle():
    from evaluation import matching
    from evaluation.simulate import schools as sim

    frame = sim.selective_conversion(4_000, true_effect=0.0, selection=1.0, seed=5)
    naive = matching.regression_adjustment(
        frame, outcome="p8", treatment="academy", covariates=["religious", "grammar"]
    )
    oracle = matching.regression_adjustment(
        frame, outcome="p8", treatment="academy", covariates=["religious", "grammar", "quality"]
    )
    assert naive.ci_low > 0.1  # a clearly positive "effect" from selection alone
    assert oracle.ci_low < 0 < oracle.ci_high
    random = sim.selective_conversion(4_000, selection=0.0, seed=5)
    unbiased = matching.regression_adjustment(
        random, outcome="p8", treatment="academy", covariates=["religious", "grammar"]
    )
    assert unbiased.ci_low < 0 < unbiased.ci_high


def test_regression_to_the_mean_makes_failing_schools_improve_without_any_effect():
    from evaluation.simulate import schools as sim

    frame = sim.inspection_regression(20_000, true_effect=0.0, seed=3)
    converted = frame[frame["converted"] == 1]
    improved = (converted["grade_after"] < converted["grade_before"]).mean()
    worsened = (converted["grade_after"] > converted["grade_before"]).mean()
    assert improved > 0.3 and improved > 3 * worsened
    # with no noise there is nothing to regress: grades do not move
    exact = sim.inspection_regression(5_000, noise=0.0, seed=3)
    assert exact["grade_before"].equals(exact["grade_after"])


# ------------------------------------------------------------------ KS4 loaders on the real files
@pytest.mark.usefixtures("real")
@pytest.mark.parametrize(
    ("name", "rows", "year", "la_code"),
    # school_year is the year the school year starts
    [(name, rows, end - 1, council) for _, name, end, rows, council in COUNCIL_KS4],
)
def test_ks4_council_loaders(name: str, rows: int, year: int, la_code: int):
    frame = registry.load(name)
    raw = registry.read_raw(name, dtype=str)
    assert len(frame) == rows == raw["RECTYPE"].isin(["1", "2"]).sum()
    assert (frame["school_year"] == year).all() and (frame["la_code"] == la_code).all()
    schools_raw = raw[raw["RECTYPE"].isin(["1", "2"])]
    codes = schools_raw[["KS2APS", "PTFSM6CLA1A", "ATT8SCR", "P8MEA"]].isin(
        ["SUPP", "NE", "NP", "LOWCOV"]
    )
    assert frame.attrs["suppressed"] == int(codes.to_numpy().sum())
    assert frame["att8"].dropna().between(0, 90).all()
    assert frame["p8"].dropna().between(-5, 5).all()
    assert frame["pct_disadvantaged"].dropna().between(0, 100).all()
    assert set(frame["sector"]) <= {"academy", "maintained", "independent", "other"}


@pytest.mark.usefixtures("real")
def test_ks4_first_rows_match_the_file():
    hampshire = registry.load("ks4_2017_hampshire").iloc[0]
    assert hampshire["urn"] == 116432 and hampshire["nftype"] == "CY"
    assert hampshire["att8"] == pytest.approx(42.1) and hampshire["p8"] == pytest.approx(-0.57)
    assert hampshire["pct_disadvantaged"] == pytest.approx(21.0)


@pytest.mark.usefixtures("real")
def test_ks4_national_2019_loader():
    frame = registry.load("ks4_2019_schools_ofsted")
    assert len(frame) == 5_516  # registry: 5,516 schools
    assert frame["sector"].value_counts().to_dict() == {
        "academy": 2_530,
        "special": 1_206,
        "independent": 922,
        "maintained": 841,
        "college": 17,
    }
    # registry: 1,307 blank grades; three "Satisfactory" are coded 3, not missing
    assert frame["ofsted"].isna().sum() == 1_307
    raw = registry.read_raw("ks4_2019_schools_ofsted", dtype=str)
    coded = raw[["P8MEA", "ATT8SCR", "PTL2BASICS_95", "EBACCAPS"]].isin(
        ["SUPP", "NE", "NP", "LOWCOV"]
    )
    assert frame.attrs["suppressed"] == int(coded.to_numpy().sum())
    assert (raw["P8MEA"] == "LOWCOV").sum() == 10
    haverstock = frame.set_index("urn").loc[100049]
    assert haverstock["p8"] == pytest.approx(-0.11) and haverstock["ofsted"] == 2
    assert haverstock["inspection_date"] == pd.Timestamp("2019-07-02")


# ------------------------------------------------------------------ Ofsted loaders, real files
@pytest.mark.usefixtures("real")
@pytest.mark.parametrize(
    ("name", "rows"),
    [
        ("ofsted_maintained_to_mat", 2_084),
        ("ofsted_maintained_to_sat", 531),
        ("ofsted_within_mat", 1_227),
        ("ofsted_within_sat", 541),
        ("ofsted_sat_mat_to_new_mat", 235),  # registry: "small (235 schools)"
    ],
)
def test_ofsted_loaders(name: str, rows: int):
    frame = registry.load(name)
    raw = registry.read_raw(name, sheet_name="Data")
    assert len(frame) == rows == len(raw)
    assert frame["previous_grade"].dropna().isin([1, 2, 3, 4]).all()
    assert frame["current_grade"].dropna().isin([1, 2, 3, 4]).all()
    assert frame["change"].equals(frame["previous_grade"] - frame["current_grade"])
    assert (frame["previous_date"] < frame["current_date"]).mean() > 0.99
    assert frame["laestab"].is_unique
    assert frame.loc[0, "current_grade"] == raw.loc[0, "Overall effectiveness"]


@pytest.mark.usefixtures("real")
def test_ofsted_maintained_to_mat_grades_match_the_file():
    frame = registry.load("ofsted_maintained_to_mat")
    # counts read from the file's own "Data" sheet
    assert frame["current_grade"].value_counts().to_dict() == {2: 1332, 1: 359, 3: 326, 4: 67}
    assert frame["previous_grade"].value_counts().to_dict() == {2: 745, 3: 547, 4: 467, 1: 325}
    first = frame.iloc[0]
    assert first["school_name"] == "Brooke Weston Academy" and first["laestab"] == 9406907


def test_inspection_simulation_refuses_an_impossible_take_up():
    from evaluation.simulate import schools as sim

    with pytest.raises(ValueError, match="take_up"):
        sim.inspection_regression(100, take_up=1.5)


# ------------------------------------------------------------------ admissions
@pytest.mark.usefixtures("real")
def test_applications_offers_loader():
    frame = registry.load("school_applications_offers_by_la")
    raw = registry.read_raw("school_applications_offers_by_la", dtype=str)
    assert len(frame) == len(raw) == 2_588
    assert frame["level"].value_counts().to_dict() == {"la": 2_412, "region": 160, "national": 16}
    assert sorted(frame["entry_year"].unique()) == list(range(2014, 2022))
    columns = [
        "admission_numbers",
        "applications_received",
        "first_preference_offers",
        "second_preference_offers",
        "third_preference_offers",
        "one_of_the_three_preference_offers",
        "preferred_school_offer",
        "non_preferred_offer",
        "no_offer",
        "schools_in_la_offer",
        "schools_in_another_la_offer",
    ]
    assert frame.attrs["suppressed"] == int(raw[columns].isin(["c", ":"]).to_numpy().sum()) > 0
    england = frame[(frame["level"] == "national") & (frame["entry_year"] == 2021)]
    primary = england.set_index("phase").loc["Primary"]
    assert (primary["places"], primary["applications"], primary["first_offers"]) == (
        709_911,
        580_771,
        533_014,
    )
    rates = frame["first_offers"] / frame["applications"]
    assert rates.dropna().between(0, 1).all()
    la = frame[frame["level"] == "la"]
    assert la["la_code"].notna().all() and frame.loc[frame["level"] != "la", "la_code"].isna().all()


def test_equal_councils_simulation():
    from evaluation.simulate import schools as sim

    frame = sim.equal_councils([50, 500, 5_000], rate=0.8, seed=4)
    assert frame.equals(sim.equal_councils([50, 500, 5_000], rate=0.8, seed=4))
    assert frame["first_offers"].between(0, frame["applications"]).all()
    assert frame.attrs["true_effect"] == 0.0
    with pytest.raises(ValueError, match="rate"):
        sim.equal_councils([10], rate=1.2)
    with pytest.raises(ValueError, match="positive"):
        sim.equal_councils([0, 10])


def test_surviving_academies_simulation():
    from evaluation.simulate import schools as sim

    opened = {2005: 400, 2015: 400}
    frame = sim.surviving_academies(opened, closure_rate=0.05, snapshot=2022, seed=8)
    assert frame.equals(sim.surviving_academies(opened, closure_rate=0.05, snapshot=2022, seed=8))
    counted = frame.groupby("opened")["in_snapshot"].mean()
    assert counted[2005] < counted[2015] < 1  # older cohorts have had longer to close
    assert frame.attrs["true_effect"] == opened
    assert frame.loc[~frame["in_snapshot"], "closed"].le(2022).all()
    assert frame.loc[frame["in_snapshot"], "closed"].isna().all()
    none_close = sim.surviving_academies(opened, closure_rate=0.0, seed=8)
    assert none_close["in_snapshot"].all()
    with pytest.raises(ValueError, match="closure_rate"):
        sim.surviving_academies(opened, closure_rate=1.0)


@pytest.mark.usefixtures("real")
def test_first_preference_rates_reproduce_the_published_percentages():
    # Published figure: DfE "first_preference_offers_percent" column of the same file
    # (Explore Education Statistics, applications and offers 2014-2021); tolerance 1e-6 points.
    frame = registry.load("school_applications_offers_by_la")
    raw = registry.read_raw("school_applications_offers_by_la", dtype=str)
    published = pd.to_numeric(raw["first_preference_offers_percent"], errors="coerce")
    ours = frame["first_offers"].astype("float64") / frame["applications"].astype("float64") * 100
    both = pd.DataFrame({"ours": ours, "published": published}).dropna()
    assert len(both) > 2_500
    assert (both["ours"] - both["published"]).abs().max() < 1e-6


# ------------------------------------------------------------------ national panel
def test_national_panel_moves_old_results_to_the_current_urn_and_drops_mergers():
    old = pd.DataFrame({"urn": [1, 2, 5, 6], "year": 2015, "pct_5em": [50.0, 60, 70, 80]})
    new = pd.DataFrame({"urn": [3, 2, 7], "year": 2017, "att8": [45.0, 50, 40]})
    extra = pd.DataFrame({"urn": [3], "year": 2017, "p8": [0.1]})
    line = pd.DataFrame({"old_urn": [1, 5, 6], "urn": [3, 7, 7]})  # 5 and 6 merged into 7
    panel = schools.national_panel([old, new, extra], line)
    assert panel.attrs["merged"] == 2
    row = panel[(panel["school"] == 3) & (panel["year"] == 2017)].iloc[0]
    assert (row["att8"], row["p8"]) == (45.0, 0.1)
    assert panel.loc[(panel["school"] == 3) & (panel["year"] == 2015), "urn"].item() == 1
    assert not ((panel["school"] == 7) & (panel["year"] == 2015)).any()


def test_national_panel_rejects_repeated_urns():
    twice = pd.DataFrame({"urn": [1, 1], "year": 2015, "pct_5em": [1.0, 2.0]})
    with pytest.raises(ValueError, match="two rows"):
        schools.national_panel([twice], pd.DataFrame({"old_urn": [], "urn": []}))


def test_standardise_z_and_rank_keep_order_within_year():
    panel = pd.DataFrame({"year": [2015] * 4 + [2016] * 4,
                          "pct_5em": [10.0, 20, 30, 40, None, None, None, None],
                          "att8": [None] * 4 + [30.0, 60, 40, 50]})  # fmt: skip
    z = schools.standardise(panel)
    assert z.groupby("year")["score"].mean().abs().max() < 1e-12
    assert z.groupby("year")["score"].std().round(12).eq(1).all()
    rank = schools.standardise(panel, method="rank")
    assert rank["score"].tolist() == [25.0, 50, 75, 100, 25, 100, 50, 75]
    assert rank["measure"].tolist()[:1] == ["pct_5em"]
    with pytest.raises(ValueError, match="method"):
        schools.standardise(panel, method="median")


@given(st.integers(1, 12), st.integers(1, 28))
def test_first_exam_year_is_the_summer_after_a_date(month, day):
    date = pd.Timestamp(2016, month, day)
    year = schools.first_exam_year(pd.Series([date])).item()
    assert year == (2016 if month < 6 else 2017)
    assert pd.Timestamp(year, 6, 1) > date


def test_check_carried_results_counts_links_and_agreement():
    results = pd.DataFrame(
        {
            "urn": [9, 9, 10, 11],
            "year": [2017, 2018, 2017, 2017],
            "att8": [40.0, 42, 50, 30],
            "open_date": pd.to_datetime(["2017-09-01", "2017-09-01", "2018-01-01", None]),
        }
    )
    line = pd.DataFrame({"old_urn": [8], "urn": [9]})
    published = pd.DataFrame({"urn": [8, 11], "year": [2017, 2017], "att8": [40.0, 30.0]})
    check = schools.check_carried_results(results, line, published).set_index("year")
    assert check.loc[2017].tolist() == [3, 2, 1, 1, 1]  # school 10 carried but not linked
    assert check.loc[2018, "carried"] == 0
    no_files = schools.check_carried_results(results, line)
    assert no_files["compared"].sum() == 0


def _scores(n_years=4, first=2013):
    rows = [
        (school, first + t, float(school + t)) for school in range(1, 7) for t in range(n_years)
    ]
    return pd.DataFrame(rows, columns=["school", "year", "score"])


def test_event_panel_assigns_cohorts_and_drops_what_cannot_be_compared():
    table = pd.DataFrame({
        "school": [1, 2, 3, 4, 5, 6],
        "route": ["maintained", "converter", "sponsor-led", "converter", "free school",
                  "converter"],
        "conversion_date": pd.to_datetime([None, "2014-09-01", "2014-03-01", "2012-09-01",
                                           None, "2017-09-01"])})  # fmt: skip
    scores = _scores()
    scores = scores[~((scores["school"] == 1) & (scores["year"] == 2016))]  # 1 misses a year
    scores = pd.concat([scores, pd.DataFrame({"school": [1], "year": [2016], "score": [1.0]})])
    out = schools.event_panel(scores, table, years=range(2013, 2017))
    cohorts = out.drop_duplicates("school").set_index("school")["cohort"].to_dict()
    assert cohorts == {1: 0, 2: 2015, 3: 2014, 6: 0}
    assert out.attrs["dropped"] == {
        "not in every year": 0,
        "academy before the first year": 1,
        "other routes or no conversion date": 1,
    }
    assert out.loc[out["school"] == 6, "converted_later"].all()
    covariates = pd.DataFrame({"school": [1, 2, 3], "fsm": [1.0, 2.0, None]})
    with_cov = schools.event_panel(scores, table, years=range(2013, 2017), covariates=covariates)
    assert set(with_cov["school"]) == {1, 2}
    assert with_cov.attrs["dropped"]["missing covariate"] == 2


def test_event_panel_feeds_the_staggered_estimator():
    from evaluation import did

    rng = np.random.default_rng(3)
    rows = []
    for school in range(60):
        cohort = [0, 2015, 2016][school % 3]
        for year in range(2013, 2018):
            effect = 0.5 if cohort and year >= cohort else 0.0
            noise = rng.normal(0, 0.01)
            rows.append((school, year, school * 0.01 + year * 0.1 + effect + noise))
    scores = pd.DataFrame(rows, columns=["school", "year", "score"])
    table = pd.DataFrame({"school": range(60)})
    table["route"] = np.where(table["school"] % 3 == 0, "maintained", "converter")
    dates = {0: None, 1: "2014-09-01", 2: "2015-09-01"}
    table["conversion_date"] = pd.to_datetime([dates[s % 3] for s in table["school"]])
    panel = schools.event_panel(scores, table, years=range(2013, 2018))
    fit = did.staggered(panel, outcome="score", unit="school", time="year", cohort="cohort")
    assert fit.overall.estimate == pytest.approx(0.5, abs=0.02)


def test_academised_share_keeps_maintained_schools_in_the_denominator():
    estate = pd.DataFrame({
        "urn": [1, 2, 3, 4, 5, 6], "la_code": [10, 10, 10, 10, 20, 20],
        "route": ["maintained", "maintained", "converter", "free school", "sponsor-led",
                  "converter"],
        "conversion_date": pd.to_datetime([None, None, "2013-04-01", None, "2016-09-01",
                                           None])})  # fmt: skip
    gias = links([(2, 99, "Successor", "2021-09-01"), (1, 98, "Successor", "1999-09-01")])
    share = schools.academised_share(estate, gias, years=range(2015, 2023))
    council = share[share["la_code"] == 10].set_index("school_year")
    assert council["schools"].unique().tolist() == [3]  # the free school is left out
    assert council.loc[2015, "academised_share"] == pytest.approx(1 / 3)
    assert council.loc[2022, "academised_share"] == pytest.approx(2 / 3)
    other = share[share["la_code"] == 20].set_index("school_year")
    assert other["schools"].unique().tolist() == [1]  # undated academy left out
    assert other.loc[2016, "academised_share"] == 0 and other.loc[2017, "academised_share"] == 1
    assert share.attrs["excluded"] == 1


def test_the_national_panel_has_at_least_500_converting_schools(real):
    fft = registry.load("fft_ks4_panel_2017_2019")
    gias = registry.load("gias_links")
    info = fft.drop_duplicates("urn")[["urn", "route"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        line = schools.lineage(gias, info[["urn"]])
        academies = info[info["route"].isin(["converter", "sponsor-led"])]
        dated = schools.conversion_dates(gias, academies)
    names = ["odell_ks4_panel_2013_2015", "ks4_2014_england_eduvis",
             "odell_ks4_2016_attainment8_csv"]  # fmt: skip
    panel = schools.national_panel([*(registry.load(n) for n in names), fft], line)
    table = info.merge(dated[["urn", "conversion_date"]], on="urn", how="left")
    table = table.rename(columns={"urn": "school"})
    study = schools.event_panel(schools.standardise(panel), table, years=range(2013, 2020))
    treated = study[study["cohort"] > 0].drop_duplicates("school")
    assert len(treated) >= 500
    assert set(treated["route"]) == {"converter", "sponsor-led"}
    assert study.groupby("school")["year"].size().eq(7).all()
    carried = schools.check_carried_results(fft, line)
    assert carried["linked"].sum() >= 0.99 * carried["carried"].sum()


def test_event_panel_unbalanced_keeps_schools_missing_a_year():
    table = pd.DataFrame({
        "school": [1, 2, 3],
        "route": ["maintained", "converter", "maintained"],
        "conversion_date": pd.to_datetime([None, "2014-09-01", None])})  # fmt: skip
    scores = _scores()
    scores = scores[(scores["school"] <= 3) & ~((scores["school"] == 3) & (scores["year"] == 2014))]
    balanced = schools.event_panel(scores, table, years=range(2013, 2017))
    kept = schools.event_panel(scores, table, years=range(2013, 2017), balanced=False)
    assert set(balanced["school"]) == {1, 2} and balanced.attrs["dropped"]["not in every year"] == 1
    assert set(kept["school"]) == {1, 2, 3} and len(kept) == len(scores)
    assert kept.attrs["dropped"]["not in every year"] == 0
