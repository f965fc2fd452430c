"""Tidy loaders for transcribed care figures: Ombudsman uphold rates and self-funders.

Both files are transcriptions of published headline figures, one source per
row (see each file's PROVENANCE note). Some rows quote the publisher's own
document and some quote a news or policy page that reports it; the
``secondary`` column says which, so that a chapter can mark secondary rows.
The loaders never correct a figure: ``value`` is the first number in the
published text, which stays in ``value_text``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from evaluation.data.loaders import PUBLISHED_FIGURE_COLUMNS, require_columns, tidy

#: How a row's source title starts when it quotes the publisher's own document.
PRIMARY_SOURCES = (
    "Local Government Ombudsman",
    "Local Government and Social Care Ombudsman",
    "ONS,",
    "CMA press release",
    "Competition and Markets Authority",
)

COLUMNS = PUBLISHED_FIGURE_COLUMNS


def _first_number(text: object) -> float:
    """The first number in a published value, ignoring thousands separators.

    Parameters
    ----------
    text
        The value as published, e.g. ``"143,774 (36.7%)"`` or ``"more than 16,500"``.

    Returns
    -------
    float
        The first number, or NaN if there is none.

    Examples
    --------
    >>> _first_number("143,774 (36.7%)")
    143774.0
    >>> _first_number("51 (previous year 46)")
    51.0
    >>> _first_number("owner")
    nan
    """
    match = re.search(r"\d[\d,]*(?:\.\d+)?", str(text))
    return float(match.group(0).replace(",", "")) if match else float("nan")


def _first_year(period: str) -> int:
    match = re.search(r"(?:19|20)\d\d", period)
    if match is None:
        raise ValueError(f"period {period!r} names no year")
    return int(match.group(0))


def _published_figures(file: Path) -> pd.DataFrame:
    raw = pd.read_csv(file, dtype=str)
    require_columns(raw, COLUMNS, file)
    out = pd.DataFrame(
        {
            name: raw[name].astype("string")
            for name in ["provider", "area", "measure", "period", "unit"]
        }
    )
    out["year"] = raw["period"].map(_first_year).astype("int64")
    out["value"] = raw["value"].map(_first_number).astype("float64")
    out["value_text"] = raw["value"].astype("string")
    out["source"] = raw["source_title"].astype("string")
    out["address"] = raw["source_address"].astype("string")
    out["note"] = raw["note"].astype("string")
    out["secondary"] = ~raw["source_title"].str.startswith(PRIMARY_SOURCES)
    out.attrs["suppressed"] = int(out["value"].isna().sum())
    return out


@tidy("lgsco_complaint_uphold_rates")
def lgsco_complaint_uphold_rates(file: Path) -> pd.DataFrame:
    """Ombudsman complaints and uphold rates for councils and adult social care, 2014-15 to 2016-17.

    One row per published figure. Columns: ``provider`` (e.g. ``all
    councils``), ``area`` (``England`` or a region), ``measure``, ``period``
    (as published, e.g. ``2016/17``), ``year`` (the year the period starts),
    ``value`` (the first number in the published value), ``value_text`` (the
    value as published), ``unit``, ``source``, ``address``, ``note`` and
    ``secondary`` (True when the row quotes a page reporting the Ombudsman's
    figures rather than the Ombudsman's own document).
    """
    return _published_figures(file)


@tidy("self_funders_fee_gap_figures")
def self_funders_fee_gap_figures(file: Path) -> pd.DataFrame:
    """Care-home self-funders (ONS 2019-20 to 2022-23) and the CMA's 2016 fee gap.

    One row per published figure, with the columns of
    :func:`lgsco_complaint_uphold_rates`: ``value`` is the first number of the
    published text (a count where the text gives a count and a share, e.g.
    ``"143,774 (36.7%)"``); ``secondary`` is True for rows that quote a news
    or policy page rather than ONS or the CMA.
    """
    return _published_figures(file)
