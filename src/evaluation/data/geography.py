"""Council names and codes: one spelling for each English council across the years.

Published returns spell a council differently from year to year ("Bristol, City of",
"Bristol"), and include regional and national totals among the councils. These
helpers harmonise names and pick out aggregate rows, so panels join cleanly.
"""

from __future__ import annotations

import re
import urllib.parse

import pandas as pd

#: The statistical returns behind the activity panel, each with its label, first and last year.
SERIES: tuple[tuple[str, int, int], ...] = (
    ("PSS-EX1 2001-2008", 2001, 2008),
    ("PSS-EX1 2009-2014", 2009, 2014),
    ("ASC-FR 2015-2023", 2015, 2023),
)


#: Spellings of the same council, after mechanical cleaning, and the name used here.
COUNCIL_ALIASES = {
    "Bath and Somerset": "Bath and North East Somerset",
    "Bedford Borough": "Bedford",
    "Blackburn and Darwen": "Blackburn with Darwen",
    "Bournemouth, Christchurch and Poole": "Bournemouth Christchurch and Poole",
    "Bristol City of": "Bristol",
    "Bristol, City of": "Bristol",
    "County Durham": "Durham",
    "Herefordshire County of": "Herefordshire",
    "Herefordshire, County of": "Herefordshire",
    "Isle of Wight Council": "Isle of Wight",
    "Kingston upon Hull City of": "Kingston upon Hull",
    "Kingston upon Hull, City of": "Kingston upon Hull",
    "Kingston Upon Hull": "Kingston upon Hull",
    "Medway Towns": "Medway",
    "Southend on Sea": "Southend-on-Sea",
    "Stockton on Tees": "Stockton-on-Tees",
    "Stoke on Trent": "Stoke-on-Trent",
    "Telford and the Wrekin": "Telford and Wrekin",
    "St Helens": "St Helens",
}


#: Names of England, regional and council-type totals (after cleaning).
AGGREGATES = {
    "England",
    "ENGLAND",
    "East",
    "East Midlands",
    "East of England",
    "London",
    "North East",
    "North West",
    "South East",
    "South West",
    "West Midlands",
    "Yorkshire and Humber",
    "Yorkshire and The Humber",
}


def _clean_name(name: str) -> str:
    text = urllib.parse.unquote(name)
    text = re.sub(r"^\d+-", "", text)  # leading LA number, "204-Barnsley"
    text = text.replace(".", " ")  # "Barking.and.Dagenham", "St.Helens"
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r" UA$", "", text)
    return COUNCIL_ALIASES.get(text, text)


def harmonise_council(names: pd.Series) -> pd.Series:
    """One spelling per council: strip LA numbers, ``%20``, dots, ``UA``, ``City of``.

    Missing names stay missing. Councils that were merged or split (e.g.
    Bournemouth and Poole in 2019, Northamptonshire in 2021) keep their own
    names: harmonising spelling never joins different councils.

    Examples
    --------
    >>> harmonise_council(pd.Series(["204-Barnsley", "Barking.and.Dagenham",
    ...     "Kingston upon Hull, City of", "Medway%20Towns%20UA"])).tolist()
    ['Barnsley', 'Barking and Dagenham', 'Kingston upon Hull', 'Medway']
    """
    text = names.astype("string")
    cleaned = [pd.NA if pd.isna(name) else _clean_name(str(name)) for name in text]
    return pd.Series(cleaned, index=names.index, dtype="string")


def is_aggregate(names: pd.Series) -> pd.Series:
    """True where a name is England, a region or a ``TOTAL ...`` row rather than a council.

    Examples
    --------
    >>> is_aggregate(pd.Series(["TOTAL%20England", "North.West", "Barnet", None])).tolist()
    [True, True, False, False]
    """
    cleaned = harmonise_council(names)
    flags = cleaned.isin(AGGREGATES) | cleaned.str.startswith("TOTAL ")
    return flags.fillna(False).astype(bool)


def series_of(years: pd.Series) -> pd.Series:
    """Label each year with its return (see :data:`SERIES`); raise for a year outside them.

    Examples
    --------
    >>> series_of(pd.Series([2008, 2009, 2015])).tolist()
    ['PSS-EX1 2001-2008', 'PSS-EX1 2009-2014', 'ASC-FR 2015-2023']
    """
    labels = pd.Series(pd.NA, index=years.index, dtype="string")
    for label, first, last in SERIES:
        labels[(years >= first) & (years <= last)] = label
    if labels.isna().any():
        bad = sorted(years[labels.isna()].unique().tolist())
        raise ValueError(f"Years {bad} fall outside the activity series {SERIES}.")
    return labels
