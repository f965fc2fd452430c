"""Probation analyses: national reoffending series, the Peterborough bond, CRC payment by results.

The functions here carry the design logic of the probation chapters; the
regressions come from :mod:`evaluation.its` and :mod:`evaluation.did`, the
intervals and tests from statsmodels and scipy.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from evaluation.results import (
    require_columns,
    require_unique,
)

__all__ = ["binary_and_frequency", "measure_overlap", "national_series"]


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
    Rows with a missing value are dropped with a warning that counts them.

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
        ``cohort_start``, ``period`` (0, 1, ... in order), ``value``.

    Examples
    --------
    >>> raw = pd.DataFrame({"measure": ["new"] * 2, "cohort_length": ["annual"] * 2,
    ...     "cohort_start": pd.to_datetime(["2002-04-01", "2003-04-01"]),
    ...     "group": ["Adult"] * 2, "quantity": ["binary"] * 2, "value": [30.0, 29.0]})
    >>> national_series(raw, group="Adult", quantity="binary", measure="new")["value"].tolist()
    [30.0, 29.0]
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
    if missing.any():
        dates = rows.loc[missing, "cohort_start"].dt.strftime("%Y-%m").tolist()
        warnings.warn(
            f"Dropped {int(missing.sum())} {measure}-measure {group} {quantity} rows with no "
            f"value (cohorts starting {dates}).",
            stacklevel=2,
        )
    series = rows.loc[~missing].sort_values("cohort_start", ignore_index=True)
    series["period"] = np.arange(len(series))
    return series[["cohort_start", "period", "value"]]


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
