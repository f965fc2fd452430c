"""The small HTML tables and number formats that chapters show.

:func:`table` displays a data frame as the plain HTML table the site's CSS
expects (``class="table table-sm"``, no border, no index); :func:`to_html`
returns the same HTML as text. :func:`percent`, :func:`percent_range` and
:func:`money` format single numbers for the text around the tables.

Examples
--------
>>> import pandas as pd
>>> from evaluation.report import tables
>>> frame = pd.DataFrame({"council": ["A", "B"], "homes": [1234.5, None]})
>>> print(tables.to_html(frame))
<table class="dataframe table table-sm">
  <thead>
    <tr style="text-align: right;">
      <th>council</th>
      <th>homes</th>
    </tr>
  </thead>
  <tbody>
    <tr>
      <td>A</td>
      <td>1,234.5</td>
    </tr>
    <tr>
      <td>B</td>
      <td>-</td>
    </tr>
  </tbody>
</table>
>>> tables.percent(0.256), tables.money(-1234.5)
('26%', '-£1,234')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from numbers import Real
from typing import Any, TypeAlias

import pandas as pd

__all__ = ["CLASSES", "NA_REP", "to_html", "table", "percent", "percent_range", "money"]

#: The CSS classes the site's stylesheet expects on every table.
CLASSES = "table table-sm"

#: What a missing value is shown as.
NA_REP = "-"

#: A per-column format: a ``str.format`` pattern such as ``"{:,.0f}"`` or a function.
Format: TypeAlias = str | Callable[[object], str]


def _check_digits(digits: object) -> int:
    """Return ``digits`` if it is a whole number from 0 to 15, else raise."""
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 15:
        raise ValueError(f"digits must be a whole number from 0 to 15, not {digits!r}")
    return digits


def _check_number(value: object, what: str) -> float:
    """Return ``value`` as a float if it is a real number, else raise ``TypeError``."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{what} needs a number, not {type(value).__name__} {value!r}")
    return float(value)


def _missing(value: Any) -> bool:
    """True for ``None``, NaN and pandas' missing markers; False for anything else."""
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


def _float_format(digits: int | None) -> Callable[[float], str] | None:
    """Fixed decimals with a thousands separator, or None for pandas' own format."""
    if digits is None:
        return None
    places = _check_digits(digits)
    return lambda x: f"{x:,.{places}f}"


def _formatter(fmt: Format, na_rep: str) -> Callable[[object], str]:
    """One column's formatter: ``fmt`` applied to values, ``na_rep`` for missing ones."""
    apply = fmt.format if isinstance(fmt, str) else fmt
    return lambda value: na_rep if _missing(value) else apply(value)


def _formatters(
    frame: pd.DataFrame, formats: Mapping[str, Format], na_rep: str
) -> dict[str, Callable[[object], str]]:
    """Per-column formatters, refusing a format for a column the frame does not have."""
    unknown = [column for column in formats if column not in frame.columns]
    if unknown:
        raise KeyError(f"formats name columns the table does not have: {unknown}")
    return {column: _formatter(fmt, na_rep) for column, fmt in formats.items()}


def to_html(
    frame: pd.DataFrame,
    digits: int | None = 1,
    *,
    formats: Mapping[str, Format] | None = None,
    index: bool = False,
    na_rep: str = NA_REP,
    classes: str = CLASSES,
) -> str:
    """Return a data frame as an HTML table in the house style.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to show.
    digits : int or None, default 1
        Decimal places for every float column, with a thousands separator.
        Integer and text columns are shown as they are. ``None`` leaves
        floats to pandas' own display format (six significant figures).
    formats : mapping of column name to format, optional
        Formats that override ``digits`` for some columns: a ``str.format``
        pattern such as ``"{:,.0f}"`` or a function from value to text.
        Missing values in these columns are shown as ``na_rep``.
    index : bool, default False
        Show the frame's index as the first column(s).
    na_rep : str, default "-"
        What a missing value is shown as.
    classes : str, default "table table-sm"
        CSS classes of the ``<table>`` element, after pandas' own ``dataframe``.

    Returns
    -------
    str
        The HTML of one ``<table>``.

    Raises
    ------
    TypeError
        If ``frame`` is not a data frame.
    ValueError
        If ``digits`` is not None or a whole number from 0 to 15.
    KeyError
        If ``formats`` names a column the frame does not have.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"spend": [-1234.567], "rate": [0.5]})
    >>> html = to_html(frame, digits=2, formats={"rate": "{:.0%}"})
    >>> [line.strip() for line in html.splitlines() if "<td>" in line]
    ['<td>-1,234.57</td>', '<td>50%</td>']
    >>> to_html(frame, digits=-1)
    Traceback (most recent call last):
    ...
    ValueError: digits must be a whole number from 0 to 15, not -1
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"table needs a pandas DataFrame, not {type(frame).__name__}")
    html: str = frame.to_html(
        index=index,
        float_format=_float_format(digits),
        formatters=_formatters(frame, formats or {}, na_rep),
        na_rep=na_rep,
        border=0,
        classes=classes,
    )
    return html


def table(
    frame: pd.DataFrame,
    digits: int | None = 1,
    *,
    formats: Mapping[str, Format] | None = None,
    index: bool = False,
    na_rep: str = NA_REP,
    classes: str = CLASSES,
) -> None:
    """Display a data frame as an HTML table in the house style.

    Takes the same arguments as :func:`to_html` and displays its result in
    the notebook (a chapter calls it for its effect, anywhere in a cell).

    Examples
    --------
    >>> import pandas as pd
    >>> table(pd.DataFrame({"homes": [12.0]}), digits=0)  # doctest: +SKIP
    """
    from IPython.display import HTML, display

    html = to_html(frame, digits, formats=formats, index=index, na_rep=na_rep, classes=classes)
    display(HTML(html))


def percent(share: float, digits: int = 0, *, na_rep: str = NA_REP) -> str:
    """Return a share (0 to 1) as a percentage.

    Parameters
    ----------
    share : float
        The share, where 1 is 100%.
    digits : int, default 0
        Decimal places.
    na_rep : str, default "-"
        What a missing share is shown as.

    Examples
    --------
    >>> percent(0.256), percent(0.256, digits=1), percent(-0.04), percent(12.5)
    ('26%', '25.6%', '-4%', '1,250%')
    >>> percent(float("nan"))
    '-'
    >>> percent("26%")
    Traceback (most recent call last):
    ...
    TypeError: percent needs a number, not str '26%'
    """
    value = _check_number(share, "percent")
    places = _check_digits(digits)
    return na_rep if math.isnan(value) else f"{100 * value:,.{places}f}%"


def percent_range(low: float, high: float, digits: int = 0) -> str:
    """Return two shares (0 to 1) as a range of percentages, such as an interval.

    Examples
    --------
    >>> percent_range(0.041, 0.129)
    '4% to 13%'
    """
    return f"{percent(low, digits)} to {percent(high, digits)}"


def money(value: float, symbol: str = "£", digits: int = 0, *, na_rep: str = NA_REP) -> str:
    """Return an amount of money with its symbol, a thousands separator and a leading minus.

    An amount that rounds to zero is shown without a minus sign.

    Parameters
    ----------
    value : float
        The amount.
    symbol : str, default "£"
        The currency symbol, put before the number (``"$"`` for dollars).
    digits : int, default 0
        Decimal places.
    na_rep : str, default "-"
        What a missing amount is shown as.

    Examples
    --------
    >>> money(1794.2), money(-1234.5, "$"), money(0.5, digits=2), money(-0.2)
    ('£1,794', '-$1,234', '£0.50', '£0')
    >>> money(None)
    Traceback (most recent call last):
    ...
    TypeError: money needs a number, not NoneType None
    """
    amount = _check_number(value, "money")
    places = _check_digits(digits)
    if math.isnan(amount):
        return na_rep
    number = f"{abs(amount):,.{places}f}"
    sign = "-" if amount < 0 and float(number.replace(",", "")) != 0 else ""
    return f"{sign}{symbol}{number}"
