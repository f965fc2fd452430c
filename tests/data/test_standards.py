"""Tests of evaluation.data.standards: the provider performance standard and its validator."""

from __future__ import annotations

import dataclasses
import json
import warnings
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.data import registry, standards

GOOD = [
    # Camden, care leavers aged 19-21 in EET, 2024-25 (LAIT counts): 112 / 194 = 57.73%.
    {"provider_id": "E09000007", "provider_name": "Camden", "area_code": "E09000007",
     "numerator": 112, "denominator": 194, "rate": 57.7, "suppressed": False},
    {"provider_id": "E09000011", "provider_name": "Greenwich", "area_code": "E09000011",
     "numerator": 121, "denominator": 233, "rate": 51.9, "suppressed": False},
    {"provider_id": "E09000001", "provider_name": "City of London", "area_code": "E09000001",
     "numerator": None, "denominator": None, "rate": None, "suppressed": True},
]  # fmt: skip
COMMON = {
    "measure_id": "CL_EET_19_21",
    "measure_name": "Care leavers aged 19-21 in education, employment or training",
    "measure_type": "outcome",
    "ratio_type": "proportion",
    "period_start": "2024-04-01",
    "period_end": "2025-03-31",
    "rate_per": 100,
    "publisher": "Department for Education",
    "licence": "OGL-UK-3.0",
}


def good_table() -> pd.DataFrame:
    return pd.DataFrame([row | COMMON for row in GOOD])


def found(report: standards.ValidationReport) -> set[tuple[object, object, str]]:
    errors = report.errors
    return {
        (None if pd.isna(r) else int(r), c, p)
        for r, c, p in zip(errors["row"], errors["column"], errors["problem"], strict=True)
    }


# --------------------------------------------------------------------------- the descriptor
def test_descriptor_is_a_valid_table_schema():
    jsonschema.Draft202012Validator.check_schema(standards.TABLE_SCHEMA_METASCHEMA)
    standards.check_descriptor()
    descriptor = standards.schema()
    names = [f["name"] for f in descriptor["fields"]]
    for wanted in ["provider_id", "provider_name", "area_code", "measure_id", "measure_type",
                   "numerator", "denominator", "rate", "period_start", "period_end", "expected",
                   "adjustment_variables", "suppressed", "publisher", "licence"]:  # fmt: skip
        assert wanted in names
    assert set(descriptor["primaryKey"]) <= set(names)


def test_descriptor_is_the_documented_standard():
    """The shipped file, read here without the library, has the fields the book documents."""
    shipped = Path(standards.__file__).parent / "schemas" / standards.SCHEMA_FILE
    descriptor = json.loads(shipped.read_text(encoding="utf-8"))
    fields = descriptor["fields"]
    assert len(fields) == 22
    assert sum(bool(f.get("constraints", {}).get("required")) for f in fields) == 13
    assert descriptor["primaryKey"] == [
        "provider_id", "area_code", "measure_id", "period_start", "period_end"
    ]  # fmt: skip
    assert [f["name"] for f in fields][:3] == ["provider_id", "provider_name", "provider_type"]
    types = {f["name"]: f["type"] for f in fields}
    assert types["numerator"] == types["denominator"] == "integer"
    assert types["rate"] == "number" and types["period_start"] == "date"


def test_schema_hands_out_a_fresh_copy():
    fresh = standards.schema()
    fresh["fields"].clear()
    assert standards.schema()["fields"], "schema() must hand out a fresh copy"


def test_boolean_values_are_the_table_schema_defaults():
    # Table Schema v1 (specs.frictionlessdata.io/table-schema, "boolean"): default trueValues
    # ["true", "True", "TRUE", "1"] and falseValues ["false", "False", "FALSE", "0"].
    field = {f["name"]: f for f in standards.schema()["fields"]}["suppressed"]
    assert field["trueValues"] == ["true", "True", "TRUE", "1"]
    assert field["falseValues"] == ["false", "False", "FALSE", "0"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["fields"][0].update(type="text"), "'text' is not one of"),
        (lambda d: d["fields"][0]["constraints"].update(requird=True), "Additional properties"),
        (lambda d: d.pop("fields"), "'fields' is a required property"),
        (lambda d: d["fields"].append(dict(d["fields"][0])), "defined more than once"),
        (lambda d: d.update(primaryKey=["provider_id", "nope"]), "'nope', which is not a field"),
        (lambda d: d["fields"][11]["constraints"].update(pattern="[0-9]+"), "only to strings"),
        (lambda d: d["fields"][14]["constraints"].update(enum=[1, "x"]), "'x' is not of type"),
        (lambda d: d["fields"][0]["constraints"].update(pattern="(["), "does not compile"),
        (lambda d: d["fields"][1].pop("description"), "has no description"),
    ],
)
def test_broken_descriptors_are_refused(change, message):
    descriptor = standards.schema()
    change(descriptor)
    with pytest.raises(ValueError, match="not a valid Table Schema") as err:
        standards.check_descriptor(descriptor)
    assert message in str(err.value)


def test_fields_table_matches_descriptor():
    table = standards.fields()
    descriptor = standards.schema()
    assert table["name"].tolist() == [f["name"] for f in descriptor["fields"]]
    required = set(table.loc[table["required"], "name"])
    assert {"provider_id", "area_code", "measure_id", "period_start", "licence"} <= required
    assert "numerator" not in required  # empty when suppressed
    assert (
        "one of outcome, output, input"
        in table.set_index("name").loc["measure_type", "constraints"]
    )


# --------------------------------------------------------------------------- valid tables
def test_valid_table_passes():
    report = standards.validate(good_table())
    assert report.ok, report.summary()
    assert report.errors.columns.tolist() == ["row", "column", "problem", "value", "message"]
    assert report.errors.empty and report.tidy().empty
    assert "meets the standard" in report.summary()
    assert report.n_rows == 3


def test_report_is_immutable():
    report = standards.validate(good_table().assign(numerator=[300, 121, None]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.source = "x"  # type: ignore[misc]
    errors = report.errors
    errors.loc[0, "problem"] = "changed"
    assert report.errors.loc[0, "problem"] == "numerator above denominator"


def test_rate_for_events_per_person_may_exceed_one():
    # Reoffences per reoffender: 470 reoffences by 100 reoffenders, rate 4.7 per person.
    table = (
        good_table()
        .iloc[:1]
        .assign(ratio_type="rate", numerator=470, denominator=100, rate=4.7, rate_per=1)
    )
    assert standards.validate(table).ok
    assert not standards.validate(table.assign(ratio_type="proportion")).ok


def test_zero_denominator_without_rate_is_valid():
    # The Isles of Scilly had no care leavers of that age: 0 / 0, no rate.
    table = good_table().iloc[:1].assign(numerator=0, denominator=0, rate=None)
    assert standards.validate(table).ok


# --------------------------------------------------------------------------- every problem
def set_cell(row: int, column: str, value: object):
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value
        return frame

    return change


CASES = {
    "missing column": (lambda f: f.drop(columns="area_code"), {(None, "area_code")}),
    "unknown column": (lambda f: f.assign(colour="red"), {(None, "colour")}),
    "missing value": (set_cell(1, "provider_name", ""), {(1, "provider_name")}),
    "wrong type": (set_cell(1, "numerator", "12a"), {(1, "numerator")}),
    "negative value": (set_cell(0, "expected", -3.0), {(0, "expected")}),
    "pattern mismatch": (set_cell(1, "area_code", "E0900011"), {(1, "area_code")}),
    "unknown enum value": (set_cell(0, "measure_type", "outcomes"), {(0, "measure_type")}),
    "numerator above denominator": (
        lambda f: set_cell(1, "numerator", 250)(f).assign(rate=[57.7, None, None]),
        {(1, "numerator")},
    ),
    "rate mismatch": (set_cell(1, "rate", 52.5), {(1, "rate")}),
    "rate with zero denominator": (
        lambda f: set_cell(0, "denominator", 0)(set_cell(0, "numerator", 0)(f)),
        {(0, "rate")},
    ),
    "period end before start": (set_cell(2, "period_end", "2024-03-31"), {(2, "period_end")}),
    "duplicate row": (
        lambda f: pd.concat([f, f.iloc[[0]].assign(rate=57.73)], ignore_index=True),
        {(3, "provider_id+area_code+measure_id+period_start+period_end")},
    ),
    "suppressed row carries numbers": (set_cell(2, "numerator", 5), {(2, "numerator")}),
    "missing count": (set_cell(0, "denominator", None), {(0, "denominator")}),
    "expected without risk model": (set_cell(0, "expected", 100.5), {(0, "risk_model")}),
}


@pytest.mark.parametrize("problem", sorted(CASES))
def test_each_problem_is_named_at_its_row(problem: str):
    change, where = CASES[problem]
    table = change(good_table().assign(expected=None, risk_model=None))
    report = standards.validate(table)
    assert found(report) == {(r, c, problem) for r, c in where}, report.errors.to_string()
    assert problem in standards.PROBLEMS
    assert problem in report.summary()


def test_wrong_types_in_dates_and_booleans():
    table = good_table()
    table.loc[0, "period_start"] = "01/04/2024"
    table["suppressed"] = table["suppressed"].astype(object)
    table.loc[1, "suppressed"] = "yes"
    report = standards.validate(table)
    assert found(report) == {(0, "period_start", "wrong type"), (1, "suppressed", "wrong type")}
    assert "YYYY-MM-DD" in report.errors.loc[0, "message"]


def test_report_tidy_and_summary_count_problems():
    table = good_table().assign(licence=["MIT", "MIT", "OGL-UK-3.0"])
    report = standards.validate(table)
    tidy = report.tidy()
    assert tidy.to_dict("records") == [
        {"problem": "unknown enum value", "column": "licence", "n": 2, "rows": "0, 1"}
    ]
    assert "2 problems in 2 rows" in report.summary()


# --------------------------------------------------------------------------- rounding
@pytest.mark.parametrize(
    ("rate", "ok"),
    [(58, True), (57.7, True), (57.8, False), (57.73, True), (57.74, False), (57.0, False)],
)
def test_rate_is_checked_to_the_precision_written(rate: float, ok: bool):
    # 112 / 194 x 100 = 57.7319...: 58 (0 dp), 57.7 (1 dp) and 57.73 (2 dp) are its roundings.
    table = good_table().iloc[:1].assign(rate=rate)
    assert standards.validate(table).ok is ok


def test_rate_tolerance_can_be_set():
    table = good_table().iloc[:1].assign(rate=57.0)
    assert standards.validate(table, rate_tolerance=1.0).ok
    assert not standards.validate(table, rate_tolerance=0.5).ok


# --------------------------------------------------------------------------- files
def test_file_errors_are_clear(tmp_path: Path):
    missing = standards.validate(tmp_path / "nope.csv")
    assert found(missing) == {(None, None, "file not found")}
    assert "could not be read" in missing.summary() and "No file at" in missing.summary()
    assert missing.n_rows == 0 and not missing.ok

    latin = tmp_path / "latin.csv"
    latin.write_bytes("provider_id,provider_name\nA1,Caf\xe9 Care\n".encode("cp1252"))
    report = standards.validate(latin)
    assert found(report) == {(None, None, "wrong encoding")}
    assert "line 2" in report.errors.loc[0, "message"] and "0xe9" in report.errors.loc[0, "message"]

    empty = tmp_path / "empty.csv"
    empty.write_text("\n", encoding="utf-8")
    assert found(standards.validate(empty)) == {(None, None, "empty file")}

    assert found(standards.validate(tmp_path)) == {(None, None, "unreadable file")}

    broken = tmp_path / "broken.csv"
    broken.write_text('provider_id,provider_name\n"A1,Camden\n', encoding="utf-8")
    assert found(standards.validate(broken)) == {(None, None, "unreadable file")}


def test_csv_rows_match_frame_rows(tmp_path: Path):
    table = good_table().astype({"numerator": "Int64", "denominator": "Int64"})
    table.loc[1, "rate"] = 52.5
    path = tmp_path / "t.csv"
    table.to_csv(path, index=False)
    assert found(standards.validate(path)) == {(1, "rate", "rate mismatch")}


def test_bom_is_accepted(tmp_path: Path):
    path = tmp_path / "bom.csv"
    table = good_table().astype({"numerator": "Int64", "denominator": "Int64"})
    table.to_csv(path, index=False, encoding="utf-8-sig")
    assert standards.validate(path).ok


def test_whole_numbers_written_as_floats_are_explained(tmp_path: Path):
    # pandas writes a count column holding missing values as 112.0: not an integer.
    path = tmp_path / "floats.csv"
    good_table().to_csv(path, index=False)
    report = standards.validate(path)
    assert found(report) == {
        (r, c, "wrong type") for r in (0, 1) for c in ("numerator", "denominator")
    }
    assert "Int64" in report.errors.loc[0, "message"]


def test_write_read_round_trip(tmp_path: Path):
    standard = standards.to_standard(good_table(), {c: c for c in good_table().columns})
    path = standards.write_standard(standard, tmp_path / "out.csv")
    assert standards.validate(path).ok
    back = standards.read_standard(path)
    pd.testing.assert_frame_equal(back, standard)
    assert path.read_text(encoding="utf-8").splitlines()[2].startswith("E09000011,Greenwich,")


def test_write_refuses_an_invalid_table(tmp_path: Path):
    path = tmp_path / "bad.csv"
    with pytest.raises(ValueError, match="numerator above denominator"):
        standards.write_standard(good_table().assign(numerator=[300, 121, None]), path)
    assert not path.exists()
    with pytest.raises(ValueError, match="file not found"):
        standards.read_standard(path)


def test_validate_refuses_other_inputs():
    with pytest.raises(TypeError, match="DataFrame or a file path"):
        standards.validate([1, 2])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- to_standard
def test_to_standard_maps_names_adds_constants_and_derives_rate():
    mine = pd.DataFrame(
        {"code": ["E09000007", "E09000011"], "council": ["Camden", "Greenwich"],
         "in_eet": [112, 121], "leavers": [194, 233], "notes": ["", ""]}
    )  # fmt: skip
    columns = {"provider_id": "code", "area_code": "code", "provider_name": "council",
               "numerator": "in_eet", "denominator": "leavers"}  # fmt: skip
    with pytest.warns(UserWarning, match="left out 1 column"):
        std = standards.to_standard(
            mine, columns, constants=COMMON | {"suppressed": False}, decimals=2
        )
    assert std.columns.tolist() == standards.fields()["name"].tolist()
    assert std["rate"].tolist() == [57.73, 51.93]  # 112/194, 121/233 to 2 dp
    assert std["period_end"].iloc[0] == pd.Timestamp("2025-03-31")
    assert std["expected"].isna().all()
    assert standards.validate(std).ok


def test_to_standard_keeps_values_that_break_constraints():
    # Mapping is not validation: a bad code or licence is kept for validate() to report.
    table = good_table().assign(area_code="E0900007", licence="MIT")
    std = standards.to_standard(table, {c: c for c in table.columns})
    assert std["area_code"].tolist() == ["E0900007"] * 3
    assert found(standards.validate(std)) == {
        (r, c, p) for r in range(3)
        for c, p in [("area_code", "pattern mismatch"), ("licence", "unknown enum value")]
    }  # fmt: skip


def test_to_standard_errors():
    mine = pd.DataFrame({"n": ["12a"]})
    with pytest.raises(ValueError, match="'events' is not a field"):
        standards.to_standard(mine, {"events": "n"})
    with pytest.raises(ValueError, match=r"no column\(s\) \['count'\]"):
        standards.to_standard(mine, {"numerator": "count"})
    with pytest.raises(ValueError, match="numerator row 0"):
        standards.to_standard(mine, {"numerator": "n"})


# --------------------------------------------------------------------------- properties
def half_up(value: Decimal, places: int) -> float:
    return float(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


@st.composite
def valid_tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 12))
    places = draw(st.integers(0, 4))
    per = draw(st.sampled_from([1, 100, 1000, 100_000]))
    rows = []
    for i in range(n):
        den = draw(st.integers(1, 5_000))
        num = draw(st.integers(0, den))
        # The exact rate rounded half-up by decimal arithmetic, independently of the library.
        rate = half_up(Decimal(num) * per / Decimal(den), places)
        rows.append(
            GOOD[0] | COMMON | {"provider_id": f"P{i}", "numerator": num, "denominator": den,
                                "rate": rate, "rate_per": per}
        )  # fmt: skip
    return pd.DataFrame(rows)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_tables())
def test_any_valid_table_passes(table: pd.DataFrame):
    report = standards.validate(table)
    assert report.ok, report.summary()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_tables(), st.data())
def test_one_numerator_above_its_denominator_is_caught_at_that_row(table, data):
    row = data.draw(st.integers(0, len(table) - 1))
    extra = data.draw(st.integers(1, 1_000))
    table.loc[row, "numerator"] = table.loc[row, "denominator"] + extra
    report = standards.validate(table)
    errors = report.errors
    assert set(errors["row"]) == {row}
    assert (row, "numerator", "numerator above denominator") in found(report)


@settings(max_examples=30, deadline=None)
@given(valid_tables())
def test_valid_tables_survive_a_file_round_trip(table: pd.DataFrame):
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = standards.write_standard(table, Path(folder) / "t.csv")
        back = standards.read_standard(path)
    assert back["numerator"].tolist() == table["numerator"].tolist()
    np.testing.assert_array_equal(back["rate"].to_numpy(float), table["rate"].to_numpy(float))


# --------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def care_leavers() -> pd.DataFrame:
    lait = registry.load("lait_la_indicators")
    ids = ["CareLeaverEET", "CareLeaverEETNum", "NoCareLeavers"]
    rows = lait[(lait["area_type"] == "la") & lait["indicator_id"].isin(ids)]
    rows = rows[rows["period"] == "2025"]
    wide = rows.pivot(index="la_name", columns="indicator_id", values="value").dropna()
    return wide.reset_index()


def test_lait_published_percentages_checked_against_counts(care_leavers: pd.DataFrame):
    """The validator flags exactly the councils whose percentage is not the rounded ratio."""
    table = care_leavers.assign(code=[f"E{i:08d}" for i in range(len(care_leavers))])
    columns = {"provider_id": "code", "area_code": "code", "provider_name": "la_name",
               "numerator": "CareLeaverEETNum", "denominator": "NoCareLeavers",
               "rate": "CareLeaverEET"}  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        std = standards.to_standard(table, columns, constants=COMMON | {"suppressed": False})
    report = standards.validate(std)
    exact = 100 * care_leavers["CareLeaverEETNum"] / care_leavers["NoCareLeavers"]
    off = set(np.flatnonzero((exact - care_leavers["CareLeaverEET"]).abs() > 0.5))
    assert found(report) == {(int(r), "rate", "rate mismatch") for r in off}
    assert 0 < len(off) < len(care_leavers)
