"""Tests of the loaders of transcribed care figures and care-home ratings, on the real files."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from evaluation.data import registry
from evaluation.data.loaders.care_published import _first_number as first_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("64", 64.0),
        ("more than 16,500", 16_500.0),
        ("84.7 (391,927 of 462,460)", 84.7),
        ("GBP15.9bn; 410,000 residents", 15.9),
    ],
)
def test_first_number_reads_the_first_published_number(text: str, expected: float):
    assert first_number(text) == expected


def test_first_number_is_missing_when_there_is_no_number():
    assert math.isnan(first_number("owner (bid)"))


def test_lgsco_loader_on_the_real_file(shared_data: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(shared_data))
    frame = registry.load("lgsco_complaint_uphold_rates")
    assert len(frame) == 14
    care = frame[frame["measure"].str.startswith("adult social care complaints upheld")]
    national = care[(care["area"] == "England") & (care["year"] == 2016)]
    assert national["value"].tolist() == [64.0]
    assert set(care.loc[care["year"] == 2016, "area"]) == {
        "England",
        "West Midlands",
        "Southern region",
    }
    # rows quoting news pages are secondary; the Ombudsman's own review is not
    assert frame["secondary"].sum() == 11
    assert not frame.loc[
        frame["source"].str.startswith("Local Government Ombudsman"), "secondary"
    ].any()
    assert frame["year"].between(2014, 2016).all()


def test_self_funder_loader_on_the_real_file(shared_data: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(shared_data))
    frame = registry.load("self_funders_fee_gap_figures")
    assert len(frame) == 27
    fees = frame[frame["measure"].str.startswith("average weekly fee")].set_index("measure")
    assert fees["value"].to_dict() == {
        "average weekly fee paid by self-funders": 846.0,
        "average weekly fee paid by local authorities": 621.0,
    }
    assert fees["secondary"].all()
    assert not frame.loc[frame["source"].str.startswith("ONS,"), "secondary"].any()
    premium = frame[frame["measure"].str.startswith("self-funder fees vs")]
    assert premium["value"].tolist() == [41.0]


def test_care_home_ratings_loader_on_the_real_file(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(shared_data))
    frame = registry.load("care_home_ratings_by_ownership")
    assert frame.shape == (120, 7)
    assert set(frame["ownership"]) == {"for-profit", "local authority", "third sector"}
    assert frame["year"].min() == 2015 and frame["year"].max() == 2024
    sums = frame.groupby(["year", "ownership"]).agg(
        homes=("homes", "sum"), rated=("rated", "first")
    )
    assert (sums["homes"] == sums["rated"]).all()
    first = frame[
        (frame["year"] == 2015) & (frame["ownership"] == "for-profit") & (frame["rating"] == "Good")
    ]
    assert first["homes"].tolist() == [4384]
