"""Tests of evaluation.data.loaders.schools_ks4 on the real files and on small hand-made ones."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evaluation.data import registry
from evaluation.data.loaders.schools_ks4 import read_ks4final

COUNCIL_FILES = "schools/ks4_per_la_hampshire_surrey"
#: The two councils' KS4 files: file, registry name, year the school year ends, schools, council.
COUNCIL_KS4 = [
    ("2016-2017_850_ks4final.csv", "ks4_2017_hampshire", 2017, 123, 850),
    ("2016-2017_936_ks4final.csv", "ks4_2017_surrey", 2017, 127, 936),
    ("2017-2018_850_ks4final.csv", "ks4_2018_hampshire", 2018, 121, 850),
    ("2017-2018_936_ks4final.csv", "ks4_2018_surrey", 2018, 127, 936),
    ("2018-2019_936_ks4final.csv", "ks4_2019_surrey", 2019, 130, 936),
]


@pytest.mark.parametrize(
    ("name", "rows", "years"),
    [
        ("fft_ks4_panel_2017_2019", 3_295 * 3, {2017, 2018, 2019}),
        ("odell_ks4_panel_2013_2015", 2_577 * 3, {2013, 2014, 2015}),
        ("ks4_2014_england_eduvis", 3_257, {2014}),
        ("progress8_2016_by_urn", 3_506, {2016}),
        ("odell_ks4_2016_attainment8_csv", 2_968, {2016}),
        ("school_census_2016", 24_288, {2016}),
    ],
)
def test_ks4_loaders_give_one_row_per_school_and_year(real, name, rows, years):
    frame = registry.load(name)
    assert len(frame) == rows
    assert set(frame["year"]) == years
    assert not frame.duplicated(["urn", "year"]).any()


def test_fft_counts_match_the_manifest(real):
    fft = registry.load("fft_ks4_panel_2017_2019")
    assert fft.groupby("year")["att8"].count().to_dict() == {2017: 3083, 2018: 3131, 2019: 3179}
    schools = fft.drop_duplicates("urn")
    assert (schools["route"] == "converter").sum() == 1_544
    assert (schools["route"] == "sponsor-led").sum() == 746
    assert fft["pct_basics"].max() <= 100


def test_odell_has_no_all_pupil_2014_figure(real):
    odell = registry.load("odell_ks4_panel_2013_2015")
    by_year = odell.groupby("year")["pct_5em"].count()
    assert by_year[2014] == 0 and by_year[2013] > 2_500 and by_year[2015] > 2_500
    assert odell["pct_5em"].between(0, 100).all() or odell["pct_5em"].isna().any()


def test_ofsted_grades_are_one_to_four(real):
    first = registry.load("ofsted_inspections_2013_14")
    later = registry.load("ofsted_inspections_oct_dec_2014")
    assert len(first) == 6_469 and len(later) == 1_491
    assert first["grade"].value_counts().to_dict() == {2: 3464, 3: 1970, 1: 613, 4: 422}
    assert first["end_date"].min() >= pd.Timestamp("2013-09-01")


def test_governance_file_has_three_kinds(real):
    gov = registry.load("progress8_by_governance_2019")
    assert gov["governance"].value_counts().to_dict() == {
        "Multi-academy trust": 710,
        "Single-academy trust": 660,
        "Maintained": 133,
    }


def test_published_figures_hold_the_nao_conversion_cost(real):
    figures = registry.load("academies_conversion_ks4_by_type")
    cost = figures[figures["measure"].str.contains("cumulative DfE cost")]
    assert cost["number"].tolist() == [745.0] and not cost["secondary"].item()
    assert figures.loc[figures["source_address"].str.contains("naht"), "secondary"].all()


@pytest.mark.parametrize(
    ("file", "year", "schools", "council"),
    [(file, year, schools, council) for file, _, year, schools, council in COUNCIL_KS4],
)
def test_read_ks4final_on_the_two_councils(shared_data, file, year, schools, council):
    frame = read_ks4final(shared_data / COUNCIL_FILES / file)
    assert len(frame) == schools and set(frame["year"]) == {year}
    assert set(frame["la_code"]) == {council}
    assert frame["att8"].dropna().between(0, 90).all()
    assert frame.attrs["suppressed"] > 0
    assert not frame["urn"].duplicated().any()


def test_read_ks4final_agrees_with_the_council_loader(real, shared_data):
    ours = read_ks4final(shared_data / COUNCIL_FILES / "2017-2018_936_ks4final.csv")
    theirs = registry.load("ks4_2018_surrey")
    merged = ours.merge(theirs, on="urn", suffixes=("", "_old"))
    assert len(merged) == len(ours)
    pd.testing.assert_series_equal(merged["att8"], merged["att8_old"], check_names=False)


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    file = tmp_path / name
    file.write_bytes(text.encode(encoding))
    return file


HEADER = "RECTYPE,LEA,URN,SCHNAME,NFTYPE,TPUP,ATT8SCR,P8MEA\n"


def test_read_ks4final_national_layout_needs_a_year(tmp_path):
    rows = "1,201,1,Ä school,CY,100,45.1,SUPP\n2,202,2,B,CYS,10,NE,NE\n7,,,England,,,,\n"
    file = _write(tmp_path, "england_ks4final.csv", HEADER + rows, "latin-1")
    with pytest.raises(ValueError, match="year="):
        read_ks4final(file)
    frame = read_ks4final(file, year=2019)
    assert frame["urn"].tolist() == [1, 2] and frame["special"].tolist() == [False, True]
    assert frame["school_name"].iloc[0] == "Ä school"
    assert frame.attrs["suppressed"] == 3
    assert "ks2_aps" not in frame


def test_read_ks4final_names_missing_columns(tmp_path):
    file = _write(tmp_path, "2018-2019_1_ks4final.csv", "RECTYPE,URN\n1,1\n")
    with pytest.raises(ValueError, match="lacks the columns"):
        read_ks4final(file)
