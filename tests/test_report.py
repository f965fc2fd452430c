"""The table and number helpers chapters use (evaluation.report.tables)."""

from __future__ import annotations

import doctest
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from evaluation.report import tables

SMALL = pd.DataFrame({"area": ["North", "South"], "cost": [1234.5, -0.25], "homes": [3, 40]})

SMALL_HTML = """<table class="dataframe table table-sm">
  <thead>
    <tr style="text-align: right;">
      <th>area</th>
      <th>cost</th>
      <th>homes</th>
    </tr>
  </thead>
  <tbody>
    <tr>
      <td>North</td>
      <td>1,234.5</td>
      <td>3</td>
    </tr>
    <tr>
      <td>South</td>
      <td>-0.2</td>
      <td>40</td>
    </tr>
  </tbody>
</table>"""


def _cells(html: str) -> list[str]:
    """The text of every body cell, in order."""
    return [line.strip()[4:-5] for line in html.splitlines() if line.strip().startswith("<td>")]


def test_doctests() -> None:
    result = doctest.testmod(tables, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_exact_html_for_a_small_frame() -> None:
    assert tables.to_html(SMALL) == SMALL_HTML


def test_html_is_what_the_chapters_made_before() -> None:
    """The helper each chapter used to copy, for the default case."""
    before = SMALL.to_html(
        index=False,
        float_format=lambda x: f"{x:,.1f}",
        na_rep="-",
        border=0,
        classes="table table-sm",
    )
    assert tables.to_html(SMALL) == before


def test_digits_thousands_separators_and_negatives() -> None:
    frame = pd.DataFrame({"x": [1234567.891, -9876.5, 0.0]})
    assert _cells(tables.to_html(frame, digits=2)) == ["1,234,567.89", "-9,876.50", "0.00"]
    assert _cells(tables.to_html(frame, digits=0)) == ["1,234,568", "-9,876", "0"]
    assert _cells(tables.to_html(frame, digits=None)) == ["1234567.891", "-9876.500", "0.000"]


def test_missing_values_use_na_rep_everywhere() -> None:
    frame = pd.DataFrame({"rate": [np.nan, 2.0], "name": ["a", None], "n": [1.0, np.nan]})
    html = tables.to_html(frame, formats={"n": "{:,.0f}"})
    assert _cells(html) == ["-", "a", "1", "2.0", "-", "-"]
    assert _cells(tables.to_html(frame, na_rep="n/a"))[0] == "n/a"


def test_per_column_formats_override_digits() -> None:
    frame = pd.DataFrame({"paid (£)": [12345.678], "rate": [0.25], "other": [1.23456]})
    html = tables.to_html(frame, digits=3, formats={"paid (£)": "{:,.0f}", "rate": "{:.0%}"})
    assert _cells(html) == ["12,346", "25%", "1.235"]
    html = tables.to_html(frame, formats={"rate": lambda v: f"about {v}"})
    assert _cells(html)[1] == "about 0.25"


def test_index_and_classes() -> None:
    frame = pd.DataFrame({"x": [1.0]}, index=pd.Index(["row"], name="name"))
    html = tables.to_html(frame, index=True, classes="table")
    assert html.startswith('<table class="dataframe table">')
    assert "<th>row</th>" in html
    assert "<th>row</th>" not in tables.to_html(frame)


def test_table_displays_the_html(monkeypatch: pytest.MonkeyPatch) -> None:
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    tables.table(SMALL)
    assert len(shown) == 1
    assert shown[0].data == SMALL_HTML


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: tables.to_html(SMALL["cost"]), TypeError, "needs a pandas DataFrame, not Series"),
        (lambda: tables.to_html(SMALL, digits=-1), ValueError, "digits must be a whole number"),
        (lambda: tables.to_html(SMALL, digits=1.5), ValueError, "digits must be a whole number"),
        (lambda: tables.to_html(SMALL, formats={"price": "{:.0f}"}), KeyError, "'price'"),
        (lambda: tables.percent("12%"), TypeError, "percent needs a number, not str"),
        (lambda: tables.percent(True), TypeError, "percent needs a number, not bool"),
        (lambda: tables.money(None), TypeError, "money needs a number, not NoneType"),
        (lambda: tables.money(5, digits=20), ValueError, "digits must be a whole number"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(
    call: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call()


def test_percent() -> None:
    assert tables.percent(0.256) == "26%"
    assert tables.percent(np.float64(0.256), digits=1) == "25.6%"
    assert tables.percent(-0.04) == "-4%"
    assert tables.percent(12.345) == "1,234%"
    assert tables.percent(np.nan) == "-"
    assert tables.percent_range(0.041, 0.129) == "4% to 13%"
    assert tables.percent_range(-0.01, 0.5, digits=1) == "-1.0% to 50.0%"


def test_money() -> None:
    assert tables.money(1794.2) == "£1,794"
    assert tables.money(-1234.5, "$") == "-$1,234"
    assert tables.money(np.int64(-2500000)) == "-£2,500,000"
    assert tables.money(0.5, digits=2) == "£0.50"
    assert tables.money(-0.2) == "£0"
    assert tables.money(-0.006, digits=2) == "-£0.01"
    assert tables.money(np.nan) == "-"
    assert tables.money(float("nan"), na_rep="n/a") == "n/a"
