"""Tidy loaders for PSS-EX1 adult social care activity: older people's residential care.

The PSS-EX1 activity tables (2009-10 to 2013-14) are wide files with one row per
council ("318 - Richmond upon Thames") and about 130 activity items under several
header rows whose numbering changes between years. The loaders find the two items
on residential care for people aged 65 and over, in the council's own homes and in
placements provided by others, by their descriptions, not by position. The 2008-09
file has another layout and no loader yet.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.data.loaders import _tidy_periods, numeric

#: Registry names of the activity files with a tidy loader, and the year each covers.
ACTIVITY_FILES = {
    "pssex1_activity_2009_10": "2009-10",
    "pssex1_activity_2010_11": "2010-11",
    "pssex1_activity_2011_12": "2011-12",
    "pssex1_activity_2012_13": "2012-13",
    "pssex1_activity_2013_14": "2013-14",
}

#: Words that identify each item in the header rows (lower case).
ITEMS = {
    "own_weeks": "aged 65 and over in own provision residential",
    "others_weeks": "aged 65 and over in residential placements provided by others",
}
_COUNCIL_ROW = re.compile(r"^(?P<la_code>\d+) ?- ?(?P<council>.+)$")
_HEADER_ROWS = 6


def _read(file: Path) -> pd.DataFrame:
    if file.suffix.lower() == ".csv":
        return pd.read_csv(file, header=None, dtype=str, encoding="latin-1")
    return pd.read_excel(file, header=None, dtype=str)


def residential_65_activity(raw: pd.DataFrame, *, year: str, file_name: str) -> pd.DataFrame:
    """Weeks of residential care for people aged 65+, own provision and by others, by council.

    Parameters
    ----------
    raw
        The published table read without a header (every cell as text).
    year
        The financial year it covers, e.g. ``"2013-14"``.
    file_name
        Named in errors.

    Returns
    -------
    pandas.DataFrame
        One row per council: ``year``, ``la_code`` (the three-digit DfE/DH
        council number, text), ``council`` (as published), ``own_weeks`` and
        ``others_weeks`` (weeks of care in the year, rounded by the publisher to
        the nearest 5; missing where the table shows ``..``, counted in
        ``attrs["suppressed"]``).

    Raises
    ------
    ValueError
        If either item is not found in the header rows, or found more than once.

    Examples
    --------
    >>> raw = pd.DataFrame([
    ...     ["", "Weeks aged 65 and over in own provision residential care", "x"],
    ...     ["", "", "Weeks aged 65 and over in residential placements provided by others"],
    ...     ["318 - Richmond upon Thames", "1,040", "23,455"],
    ...     ["England", "1", "2"],
    ... ])
    >>> residential_65_activity(raw, year="2013-14", file_name="f.csv")[
    ...     ["la_code", "own_weeks", "others_weeks"]].to_dict("records")
    [{'la_code': '318', 'own_weeks': 1040, 'others_weeks': 23455}]
    """
    header = raw.iloc[:_HEADER_ROWS].astype("string").fillna("").agg(" ".join).str.lower()
    header = header.str.replace(r"\s+", " ", regex=True)
    columns = {}
    for key, words in ITEMS.items():
        found = np.flatnonzero(header.str.contains(words, regex=False))
        if len(found) != 1:
            raise ValueError(
                f"{file_name}: expected one column described as '{words}' in the first "
                f"{_HEADER_ROWS} rows, found {len(found)}."
            )
        columns[key] = raw.columns[int(found[0])]
    labels = raw.iloc[:, 0].astype("string").str.strip()
    is_council = labels.str.match(_COUNCIL_ROW.pattern).fillna(False).astype(bool)
    out = labels[is_council].str.extract(_COUNCIL_ROW.pattern)
    out.insert(0, "year", year)
    for key, column in columns.items():
        text = raw.loc[is_council, column].astype("string").str.replace(",", "").str.strip()
        out[key] = numeric(text, out)
    out.attrs.setdefault("suppressed", 0)
    return out.reset_index(drop=True)


def _read_activity(file: Path, year: str) -> pd.DataFrame:
    return residential_65_activity(_read(file), year=year, file_name=file.name)


_tidy_periods(
    ACTIVITY_FILES,
    _read_activity,
    "PSS-EX1 activity {year}: see :func:`residential_65_activity`.",
)
