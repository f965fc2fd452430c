"""Tests of evaluation.data.loaders.ascfr (and the PSS-EX1 residential-and-nursing reader)
on the real ASC-FR and PSS-EX1 files."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation.data import registry
from evaluation.data.loaders.ascfr import KEYS
from evaluation.data.loaders.care_costs import UNIT_COST_FILES, older_care_totals

ASCFR = {
    "ascfr_activity_2014_15": ((12393, 12), 46),
    "ascfr_unit_costs_2014_15": ((11016, 14), 2447),
    "ascfr_activity_2015_16": ((19000, 14), 0),
    "ascfr_activity_2016_17": ((20125, 13), 8453),
    "ascfr_totals_2016_17": ((41699, 19), 0),
    "asc_spend_over65_by_sector_2015_2023": ((154, 4), 0),
}


def _cumbria_65_physical(frame: pd.DataFrame) -> pd.DataFrame:
    keep = (frame["la_code"] == "102") & (frame["age"] == "65+")
    keep &= (frame["support_reason"] == "Physical support") & (frame["care_type"] == "Long term")
    return frame.loc[keep]


@pytest.mark.parametrize("name", list(ASCFR))
def test_every_ascfr_file_loads_whole(real: object, name: str) -> None:
    frame = registry.load(name)
    shape, suppressed = ASCFR[name]
    assert frame.shape == shape
    assert frame.attrs["suppressed"] == suppressed


def test_2014_15_activity_and_unit_costs_read_the_same_weeks(real: object) -> None:
    """Cumbria's 65+ physical-support cells, checked by eye against the published files,
    and the same weeks in both files (two loaders, two files)."""
    activity = _cumbria_65_physical(registry.load("ascfr_activity_2014_15"))
    weeks = activity.set_index(["setting", "provision"])["weeks"]
    assert weeks[("Residential", "in-house")] == pytest.approx(29366.71)
    assert weeks[("Residential", "external")] == pytest.approx(41363.57)
    assert weeks[("Nursing", "external")] == pytest.approx(21217.86)
    costs = _cumbria_65_physical(registry.load("ascfr_unit_costs_2014_15"))
    costs = costs.set_index(["setting", "provision"])
    both = costs.loc[("Residential and nursing", "all")]
    assert both["gross_cost"] == pytest.approx(51884.18)
    assert both["weeks"] == pytest.approx(91948.14)
    assert both["unit_cost"] == pytest.approx(564.28)
    assert costs.loc[("Residential", "own"), "weeks"] == weeks[("Residential", "in-house")]
    assert costs.loc[("Residential", "others"), "weeks"] == weeks[("Residential", "external")]
    assert both["weeks"] == pytest.approx(weeks.drop("total", level="provision").sum())


def test_2014_15_unit_costs_are_cost_over_weeks(real: object) -> None:
    costs = registry.load("ascfr_unit_costs_2014_15").dropna(subset=["gross_cost", "weeks"])
    costs = costs.loc[costs["weeks"] >= 520]
    gap = (1000 * costs["gross_cost"] / costs["weeks"] - costs["unit_cost"]).abs()
    assert gap.max() < 0.01 * costs["unit_cost"].max()
    assert (gap < 0.01).mean() > 0.95


def test_2016_17_keys_decode_as_the_labelled_2015_16_file(real: object) -> None:
    """Every 2016-17 cell (UUID) decodes to the labels the 2015-16 file gives the same UUID."""
    coded = registry.load("ascfr_activity_2016_17").drop_duplicates("uuid")
    labelled = registry.load("ascfr_activity_2015_16").drop_duplicates("uuid")
    labels = ["care_type", "age", "support_reason", "setting", "provision", "data_type"]
    both = coded.merge(labelled, on="uuid", suffixes=("", "_1516"), validate="one_to_one")
    assert len(both) == len(coded) == 125
    for label in labels:
        assert both[label].notna().all(), label
        assert (both[label] == both[f"{label}_1516"]).all(), label
    assert set(KEYS["SupportSetting_KEY"].values()) == {"Nursing", "Residential"}


def test_2016_17_activity_matches_2015_16_for_the_same_council(real: object) -> None:
    """Same council, same cell, next year: Cumbria's external 65+ physical residential weeks."""
    later = registry.load("ascfr_activity_2016_17")
    earlier = registry.load("ascfr_activity_2015_16")
    pick = lambda f: f.loc[(f["la_code"] == "102") & (f["uuid"] == 8610602), "weeks"]  # noqa: E731
    assert pick(earlier).tolist() == [36173.0]
    assert pick(later).tolist() == [pytest.approx(30797.57)]
    assert later.loc[later["la_code"] == "102", "geography_code"].unique().tolist() == ["E10000006"]


def test_2016_17_totals_decode_to_the_compiled_england_spend(real: object) -> None:
    """The researcher's England figure for 65+ residential spending in 2017 is the sum over
    councils of the decoded 2016-17 totals (long term, 65+, residential): the decoding of
    age, setting and care type, and the compilation's year, both check out."""
    totals = registry.load("ascfr_totals_2016_17")
    keep = ~totals["is_total"] & (totals["care_type"] == "Long term") & (totals["age"] == "65+")
    residential = totals.loc[keep & (totals["setting"] == "Residential"), "total_expenditure"]
    spend = registry.load("asc_spend_over65_by_sector_2015_2023")
    compiled = spend.loc[
        (spend["year"] == 2017)
        & (spend["sector"] == "total")
        & (spend["setting"] == "Residential care home placements"),
        "expenditure",
    ]
    assert residential.sum() == pytest.approx(compiled.item(), rel=1e-6)
    assert totals.loc[~totals["is_total"], "la_code"].nunique() == 151


@pytest.mark.parametrize("name", list(UNIT_COST_FILES))
def test_pssex1_residential_and_nursing_weeks_add_up(real: object, name: str) -> None:
    """Own residential + bought residential + nursing = all residential and nursing weeks,
    within the publisher's rounding, for every council: the six columns are the right ones."""
    frame = older_care_totals(registry.path(name), UNIT_COST_FILES[name])
    assert len(frame) >= 150 and frame["la_code"].is_unique
    parts = frame["own_weeks"] + frame["others_weeks"] + frame["nursing_weeks"]
    assert (parts - frame["weeks"]).abs().max() <= 1.0
    both = frame.dropna(subset=["nursing_cost", "gross_cost"])
    assert len(both) >= 145
    assert (both["nursing_cost"] <= both["gross_cost"]).all()
