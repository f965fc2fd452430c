"""Tests of evaluation.data.validation: planted errors of every kind, NUL bytes, ragged rows.

The planted-error tests build a valid table, break chosen rows in known ways and
write down, from the planting alone, every problem the validator must report
(row, column, problem, value and message), for the table as a DataFrame and as
a CSV file.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.data import standards
from evaluation.data.table_schema import PROBLEMS, Problem, _as_text, _texts
from evaluation.data.validation import validate

KEY = ["provider_id", "area_code", "measure_id", "period_start", "period_end"]
KEY_NAME = "+".join(KEY)
N_ROWS = 400
ORDER = {name: i for i, name in enumerate(standards.fields()["name"])}


def clean_table(n: int = N_ROWS, seed: int = 11) -> pd.DataFrame:
    """A valid table written as text, as a CSV file holds it: rates rounded half up to 1 dp."""
    rng = np.random.default_rng(seed)
    den = rng.integers(1, 5_000, n)
    num = rng.integers(0, den + 1)
    rate = [
        str((Decimal(int(a)) * 100 / Decimal(int(b))).quantize(Decimal("0.1"), ROUND_HALF_UP))
        for a, b in zip(num, den, strict=True)
    ]
    return pd.DataFrame(
        {
            "provider_id": [f"P{i:05d}" for i in range(n)],
            "provider_name": [f"Provider {i}" for i in range(n)],
            "provider_type": "voluntary",
            "area_code": "E09000007",
            "area_name": "Camden",
            "measure_id": "CL_EET",
            "measure_name": "Care leavers in work or study",
            "measure_type": "outcome",
            "ratio_type": "proportion",
            "period_start": "2024-04-01",
            "period_end": "2025-03-31",
            "numerator": num.astype(str),
            "denominator": den.astype(str),
            "rate": rate,
            "rate_per": "100",
            "expected": "",
            "risk_model": "",
            "adjustment_variables": "age;sex",
            "suppressed": "false",
            "publisher": "Department for Education",
            "licence": "OGL-UK-3.0",
            "source_url": "https://www.gov.uk/data",
        }
    )


def cell(table: pd.DataFrame, row: int, column: str) -> str:
    return str(table.loc[row, column])


def plant(table: pd.DataFrame) -> list[Problem]:
    """Break rows of ``table`` in place; return the problems, as the validator must word them."""
    want: list[Problem] = []

    def put(row: int, column: str, text: str) -> None:
        table.loc[row, column] = text

    for row, text in [(3, ""), (40, " ")]:
        put(row, "provider_name", text)
        want.append(
            Problem(row, "provider_name", "missing value", None, "provider_name is required.")
        )
    for row, column, text, why in [
        (5, "numerator", "12a", "'12a' is not a whole number"),
        (6, "numerator", "12.0", "'12.0' is not a whole number (pandas writes counts as 12.0 "
                                 "when a column has gaps: use Int64)"),
        (7, "period_start", "2024-02-30", "'2024-02-30' is not a date written YYYY-MM-DD"),
        (8, "suppressed", "yes", "'yes' is not true or false"),
        (9, "rate", "57,7", "'57,7' is not a number"),
    ]:  # fmt: skip
        put(row, column, text)
        want.append(Problem(row, column, "wrong type", text, f"{column}: {why}."))
    put(11, "expected", "-3")
    want.append(
        Problem(11, "expected", "negative value", "-3", "expected is -3; it cannot be below 0.")
    )
    for row, column, text, rule in [
        (12, "area_code", "E0900011", "does not match [EWSNK][0-9]{8}"),
        (13, "source_url", "ftp://x", "does not match https?://\\S+"),
        (14, "adjustment_variables", "age;;sex", "does not match [^;]+(;[^;]+)*"),
    ]:
        put(row, column, text)
        want.append(Problem(row, column, "pattern mismatch", text, f"{column} {text!r} {rule}."))
    for row, column, text, allowed in [
        (15, "licence", "MIT", "OGL-UK-3.0, OPL-UK-3.0, CC-BY-4.0, CC0-1.0, ODC-By-1.0"),
        (16, "measure_type", "Outcome", "outcome, output, input"),
        (17, "rate_per", "7", "1, 100, 1000, 10000, 100000"),
    ]:
        put(row, column, text)
        msg = f"{column} {text!r} is not one of: {allowed}."
        want.append(Problem(row, column, "unknown enum value", text, msg))
    for row in (20, 21):
        den = int(cell(table, row, "denominator"))
        put(row, "numerator", str(den + 5))
        put(row, "rate", "")
        msg = f"numerator {den + 5} is above denominator {den} in a proportion."
        want.append(Problem(row, "numerator", "numerator above denominator", str(den + 5), msg))
    for row in (22, 23):
        num, den = int(cell(table, row, "numerator")), int(cell(table, row, "denominator"))
        rate = "100.5" if num / den * 100 < 99 else "0.5"
        put(row, "rate", rate)
        msg = f"rate {rate} but {num} / {den} x 100 = {num / den * 100:.6g}."
        want.append(Problem(row, "rate", "rate mismatch", rate, msg))
    for row in (24,):
        put(row, "numerator", "0")
        put(row, "denominator", "0")
        put(row, "rate", "0.0")
        msg = "rate 0.0 is given although the denominator is 0."
        want.append(Problem(row, "rate", "rate with zero denominator", "0.0", msg))
    put(25, "period_end", "2023-01-01")
    msg = "period_end 2023-01-01 is before period_start 2024-04-01."
    want.append(Problem(25, "period_end", "period end before start", "2023-01-01", msg))
    for row in (27, 31):
        put(row, "provider_id", cell(table, row - 1, "provider_id"))
        shown = ", ".join(cell(table, row, name) for name in KEY)
        msg = f"Same {' + '.join(KEY)} ({shown}) as row {row - 1}."
        want.append(Problem(row, KEY_NAME, "duplicate row", shown, msg))
    put(33, "suppressed", "true")
    for column in ("numerator", "denominator", "rate"):
        text = cell(table, 33, column)
        msg = f"Row is marked suppressed but shows {column} {text}."
        want.append(Problem(33, column, "suppressed row carries numbers", text, msg))
    put(35, "denominator", "")
    msg = "denominator is empty on a row that is not suppressed."
    want.append(Problem(35, "denominator", "missing count", None, msg))
    put(37, "expected", "10.5")
    msg = "expected events are given but risk_model does not say how they were predicted."
    want.append(Problem(37, "risk_model", "expected without risk model", None, msg))
    return want


def planted() -> tuple[pd.DataFrame, list[Problem]]:
    """A table with errors of every kind a table can hold, and the problems they make."""
    table = clean_table()
    want = plant(table)
    description = standards.schema()["fields"][19]["description"]
    table = table.drop(columns="publisher").assign(colour="red")
    want += [
        Problem(None, "publisher", "missing column", None,
                f"The standard requires a column 'publisher': {description}"),
        Problem(None, "colour", "unknown column", None,
                "Column 'colour' is not in the standard; rename it or drop it."),
    ]  # fmt: skip
    return table, want


def in_order(problems: list[Problem]) -> list[Problem]:
    """Row order, then the standard's column order (unknown columns and the key last)."""
    return sorted(
        problems,
        key=lambda p: (-1 if p.row is None else p.row, ORDER.get(p.column or "", len(ORDER))),
    )


# --------------------------------------------------------------------------- planted errors
def test_clean_table_passes():
    report = validate(clean_table())
    assert report.ok, report.summary()


def test_every_planted_error_is_reported_as_planted():
    table, want = planted()
    report = validate(table)
    assert list(report.problems) == in_order(want)
    assert report.n_rows == N_ROWS


def test_every_problem_a_table_can_hold_is_planted():
    _, want = planted()
    file_only = {"file not found", "unreadable file", "wrong encoding", "empty file",
                 "NUL byte", "ragged row"}  # fmt: skip
    # No field of the standard has a maximum, and a stripped non-empty text is never
    # shorter than the one character the name fields need.
    unreachable = {"above maximum", "too short"}
    assert {p.problem for p in want} == set(PROBLEMS) - file_only - unreachable


def test_planted_errors_in_a_file_with_ragged_rows(tmp_path: Path):
    """The same problems from a CSV file, plus ragged rows at their rows; no row shifts."""
    table, want = planted()
    lines = table.to_csv(index=False, lineterminator="\n").splitlines()
    width = len(table.columns)
    ragged = {0: lines[1] + ",extra", 100: lines[101].rsplit(",", 1)[0], 200: lines[201] + ",,"}
    for row, text in ragged.items():
        lines[row + 1] = text
        n_fields = text.count(",") + 1
        msg = (
            f"Line {row + 2} has {n_fields} field(s) but the header has {width}; "
            "the row is left out of the other checks."
        )
        want.append(Problem(row, None, "ragged row", text, msg))
    path = tmp_path / "planted.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = validate(path)
    assert list(report.problems) == in_order(want)
    assert report.n_rows == N_ROWS
    assert "ragged row: (row), 3 (rows 0, 100, 200)" in report.summary()


def test_a_ragged_first_row_does_not_shift_the_columns(tmp_path: Path):
    # pandas took an extra field on the first data row as the index and shifted every column.
    lines = clean_table(3).to_csv(index=False, lineterminator="\n").splitlines()
    lines[1] = "X," + lines[1]
    path = tmp_path / "first.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = validate(path)
    assert [(p.row, p.column, p.problem) for p in report.problems] == [(0, None, "ragged row")]
    assert "Line 2 has 23 field(s) but the header has 22" in report.problems[0].message


def test_short_rows_are_ragged_not_missing_values(tmp_path: Path):
    lines = clean_table(3).to_csv(index=False, lineterminator="\n").splitlines()
    lines[2] = lines[2].rsplit(",", 5)[0]
    path = tmp_path / "short.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = validate(path)
    assert [(p.row, p.problem) for p in report.problems] == [(1, "ragged row")]
    assert "Line 3 has 17 field(s)" in report.problems[0].message


def test_unclosed_quote_is_still_unreadable(tmp_path: Path):
    path = tmp_path / "quote.csv"
    lines = clean_table(3).to_csv(index=False, lineterminator="\n").splitlines()
    lines[2] = '"' + lines[2]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert [p.problem for p in validate(path).problems] == ["unreadable file"]


# --------------------------------------------------------------------------- NUL bytes
def test_nul_bytes_are_named_with_their_lines(tmp_path: Path):
    lines = clean_table(5).to_csv(index=False, lineterminator="\n").encode("utf-8").split(b"\n")
    lines[2] = lines[2].replace(b"Provider", b"Pro\x00vider")
    lines[4] = lines[4].replace(b"Camden", b"Cam\x00den")
    path = tmp_path / "nul.csv"
    path.write_bytes(b"\n".join(lines))
    report = validate(path)
    assert [(p.row, p.column, p.problem, p.value) for p in report.problems] == [
        (None, None, "NUL byte", "0x00")
    ]
    message = report.problems[0].message
    assert "2 NUL byte(s)" in message and "line(s) 3, 5" in message
    assert "could not be read" in report.summary() and "NUL byte" in report.summary()


def test_utf16_without_a_byte_order_mark_is_named_as_nul_bytes(tmp_path: Path):
    path = tmp_path / "utf16.csv"
    path.write_bytes(clean_table(2).to_csv(index=False).encode("utf-16-le"))
    (problem,) = validate(path).problems
    assert problem.problem == "NUL byte" and "UTF-16" in problem.message


# --------------------------------------------------------------------------- cells as text
cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e-3, max_value=1e-3),
    st.floats(min_value=1e14, max_value=1e17),
    st.text(alphabet=" ab1.\t", max_size=6),
    st.dates(min_value=dt.date(1900, 1, 1)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(cells, min_size=1, max_size=20))
def test_texts_of_a_mixed_column_are_its_cells_as_text(values: list[object]):
    texts = _texts(pd.Series(values, dtype=object))
    assert [None if pd.isna(t) else t for t in texts] == [_as_text(v) for v in values]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            st.floats(min_value=-1e-3, max_value=1e-3),
            st.floats(min_value=1e14, max_value=1e20),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_texts_of_a_float_column_are_as_repr(values: list[float]):
    texts = _texts(pd.Series(values, dtype="float64"))
    want = [_as_text(v) for v in values]
    assert [None if pd.isna(t) else t for t in texts] == want
    assert all(
        t is None or math.isinf(float(t)) or float(t) == v
        for t, v in zip(want, values, strict=True)
    )
