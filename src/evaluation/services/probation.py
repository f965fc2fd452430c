"""Probation analyses: national reoffending series, the Peterborough bond, CRC payment by results.

The functions here carry the design logic of the probation chapters; the
regressions come from :mod:`evaluation.its` and :mod:`evaluation.did`, the
intervals and tests from statsmodels and scipy.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from evaluation.results import (
    require_columns,
    require_unique,
)

__all__ = ["binary_and_frequency", "crc_owners", "measure_overlap", "national_series"]


def national_series(
    data: pd.DataFrame,
    *,
    group: str,
    quantity: str,
    measure: str,
    cohort_length: str = "annual",
) -> pd.DataFrame:
    """One national reoffending series, in one measure only, with no gaps.

    The old and new measures define their cohorts differently, so a series
    is always one measure: there is deliberately no way to ask for both.
    Rows with a missing value are dropped quietly (no warning), and the
    start dates of the dropped cohorts are kept in ``attrs["dropped"]`` so
    that a chapter can report the gap once, where it matters.

    Parameters
    ----------
    data
        Output of ``datasets.load("proven_reoffending_national")``.
    group
        ``"Adult"``, ``"Juvenile"`` or ``"All"``.
    quantity
        e.g. ``"binary"`` (%), ``"frequency"`` (reoffences per offender), ``"cohort"``.
    measure
        ``"old"`` or ``"new"``.
    cohort_length
        ``"annual"`` or ``"3-monthly"``.

    Returns
    -------
    pandas.DataFrame
        ``cohort_start``, ``period`` (0, 1, ... in order), ``value``;
        ``attrs["dropped"]`` lists the start dates (``YYYY-MM``) of cohorts
        dropped for a missing value (empty when none were).

    Examples
    --------
    >>> raw = pd.DataFrame({"measure": ["new"] * 3, "cohort_length": ["annual"] * 3,
    ...     "cohort_start": pd.to_datetime(["2002-04-01", "2003-04-01", "2004-04-01"]),
    ...     "group": ["Adult"] * 3, "quantity": ["binary"] * 3, "value": [30.0, None, 29.0]})
    >>> series = national_series(raw, group="Adult", quantity="binary", measure="new")
    >>> series["value"].tolist(), series.attrs["dropped"]
    ([30.0, 29.0], ['2003-04'])
    """
    require_columns(
        data,
        {c: c for c in ["measure", "cohort_length", "cohort_start", "group", "quantity", "value"]},
    )
    keep = (
        (data["measure"] == measure)
        & (data["cohort_length"] == cohort_length)
        & (data["group"] == group)
        & (data["quantity"] == quantity)
    )
    rows = data.loc[keep, ["cohort_start", "value"]]
    if rows.empty:
        raise ValueError(
            f"No rows for measure={measure!r}, cohort_length={cohort_length!r}, "
            f"group={group!r}, quantity={quantity!r}."
        )
    require_unique(rows, ["cohort_start"])
    missing = rows["value"].isna()
    dropped = sorted(rows.loc[missing, "cohort_start"].dt.strftime("%Y-%m").tolist())
    series = rows.loc[~missing].sort_values("cohort_start", ignore_index=True)
    series["period"] = np.arange(len(series))
    out = series[["cohort_start", "period", "value"]].copy()
    out.attrs["dropped"] = dropped
    return out


def measure_overlap(data: pd.DataFrame, *, group: str, quantity: str) -> pd.DataFrame:
    """Annual cohorts measured both ways: old value, new value and the gap between them.

    Only cohorts that start on the same date under both measures are set side
    by side; the gap shows how far the definitions differ, and why the two
    series must never be joined into one.

    Returns
    -------
    pandas.DataFrame
        ``cohort_start``, ``old``, ``new``, ``gap`` (new minus old).
    """
    old = national_series(data, group=group, quantity=quantity, measure="old")
    new = national_series(data, group=group, quantity=quantity, measure="new")
    both = old.merge(new, on="cohort_start", suffixes=("_old", "_new"))
    out = pd.DataFrame(
        {"cohort_start": both["cohort_start"], "old": both["value_old"], "new": both["value_new"]}
    )
    out["gap"] = out["new"] - out["old"]
    return out


def binary_and_frequency(data: pd.DataFrame, *, measure: str = "new") -> pd.DataFrame:
    """Annual binary rate and frequency for adults and juveniles, long format, one measure.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``quantity``, ``cohort_start``, ``value``.
    """
    parts = []
    for group in ["Adult", "Juvenile"]:
        for quantity in ["binary", "frequency"]:
            series = national_series(data, group=group, quantity=quantity, measure=measure)
            parts.append(series.assign(group=group, quantity=quantity))
    out = pd.concat(parts, ignore_index=True)
    return out[["group", "quantity", "cohort_start", "value"]]


def _crc_key(name: str) -> str:
    """One spelling for a CRC's area: lower case, '&' for 'and', no trailing 'CRC'."""
    found = re.search(r"\(incl\. (.+)\)", name)
    text = (found.group(1) if found else name).lower().replace(" and ", " & ")
    return re.sub(r"\s+crc$", "", text.strip())


def crc_owners(data: pd.DataFrame, *, figures: pd.DataFrame) -> pd.DataFrame:
    """The 21 CRCs, one row each, with NPS division, owner and inspection rating where published.

    The CRCs and their divisions come from MoJ's lookup; owners and ratings
    from the transcribed published figures, matched on the CRC's area name
    (``and`` and ``&`` treated alike, a trailing ``CRC`` ignored, and a row
    about several CRCs matched only on the one it names after ``incl.``).
    A CRC with no owner row keeps a missing owner: nothing is inferred.

    Parameters
    ----------
    data
        Output of ``registry.load("probation_area_nps_crc_lookup")``.
    figures
        Output of ``registry.load("tr_crc_contracts_owners_ratings")``.

    Returns
    -------
    pandas.DataFrame
        ``crc``, ``nps_division``, ``owner``, ``owner_period``,
        ``owner_source``, ``owner_secondary``, ``rating``, ``rating_period``,
        ``rating_source``; one row per CRC, in the lookup's order.

    Examples
    --------
    >>> lookup = pd.DataFrame({"body": ["CRC", "CRC", "NPS"], "crc": ["Essex", "Wales", None],
    ...     "nps_division": ["South East & Eastern", "Wales", "Wales"]})
    >>> figures = pd.DataFrame({"kind": ["owner"], "area": ["Essex CRC"],
    ...     "provider": ["Sodexo"], "period": ["2015"], "value_text": ["owner"],
    ...     "source_title": ["A page"], "secondary": [True]})
    >>> crc_owners(lookup, figures=figures)[["crc", "owner"]].fillna("-").values.tolist()
    [['Essex', 'Sodexo'], ['Wales', '-']]
    """
    require_columns(data, {"body": "body", "crc": "crc", "nps_division": "nps_division"})
    columns = ["kind", "area", "provider", "period", "value_text", "source_title", "secondary"]
    require_columns(figures, {c: c for c in columns})
    crcs = data.loc[data["body"] == "CRC", ["crc", "nps_division"]].reset_index(drop=True)
    if crcs["crc"].isna().any() or crcs["crc"].duplicated().any():
        raise ValueError("Each CRC row of the lookup needs one distinct CRC name.")
    keys = crcs["crc"].map(_crc_key)
    out = crcs.copy()
    for kind, prefix, value in [("owner", "owner", "provider"), ("rating", "rating", "value_text")]:
        rows = figures.loc[figures["kind"] == kind].copy()
        rows["key"] = rows["area"].map(_crc_key)
        rows = rows[rows["key"].isin(set(keys))]
        if rows["key"].duplicated().any():
            raise ValueError(
                f"More than one {kind} row for {sorted(rows['key'][rows['key'].duplicated()])}."
            )
        rows = rows.set_index("key")
        out[prefix] = keys.map(rows[value]).astype("string")
        out[f"{prefix}_period"] = keys.map(rows["period"]).astype("string")
        out[f"{prefix}_source"] = keys.map(rows["source_title"]).astype("string")
        if kind == "owner":
            out["owner_secondary"] = keys.map(rows["secondary"]).astype("boolean")
    order = [
        "crc",
        "nps_division",
        "owner",
        "owner_period",
        "owner_source",
        "owner_secondary",
        "rating",
        "rating_period",
        "rating_source",
    ]
    return out[order]
