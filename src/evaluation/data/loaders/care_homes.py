"""Tidy loaders for care-home ownership: homes and beds by owner type, and home locations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.data.loaders import _mapped, numeric, require_columns, tidy

#: Published ownership labels and the handbook's names for them.
OWNERSHIP = {
    "For-profit": "for-profit",
    "For-Profit": "for-profit",
    "Local Authority": "local authority",
    "Third Sector": "third sector",
    "Third sector": "third sector",
}

#: Rating dummies of the location file, in order from worst to best.
RATINGS = {
    "inadequate": "Inadequate",
    "requiresimprovement": "Requires improvement",
    "good": "Good",
    "outstanding": "Outstanding",
}


@tidy("care_homes_beds_by_ownership")
def care_homes_beds_by_ownership(file: Path) -> pd.DataFrame:
    """Care homes and beds in England by ownership type, one row per year and type, 2011-2024.

    Columns: ``year`` (int), ``ownership`` (``for-profit``, ``local authority``,
    ``third sector``), ``homes`` and ``beds`` (counts), ``pct_homes`` and
    ``pct_beds`` (each type's share of the year's total, 0-100, as published).

    A researcher's compilation from CQC data (Goodair for ITV), not an official
    statistic; the count date within each year is not stated.
    """
    raw = pd.read_csv(file)
    expected = ["year", "ownership", "number_carehomes", "number_carehome_beds"]
    require_columns(raw, [*expected, "pct_homes", "pct_beds"], file)
    out = pd.DataFrame(
        {
            "year": raw["year"].astype("int64"),
            "ownership": _mapped(raw["ownership"], OWNERSHIP, "ownership", file),
        }
    )
    out["homes"] = numeric(raw["number_carehomes"], out).astype("Int64")
    out["beds"] = numeric(raw["number_carehome_beds"], out).astype("Int64")
    out["pct_homes"] = numeric(raw["pct_homes"], out)
    out["pct_beds"] = numeric(raw["pct_beds"], out)
    if out.duplicated(["year", "ownership"]).any():
        raise ValueError(f"{file.name} lists a year and ownership type twice.")
    return out.sort_values(["year", "ownership"]).reset_index(drop=True)


@tidy("care_home_closures_locations")
def care_home_closures_locations(file: Path) -> pd.DataFrame:
    """Care-home locations registered 2011-2023, with size, ownership and closure flags.

    One row per location (de-identified: no location, council or provider code).

    Columns: ``beds`` (registered beds), ``year_closed`` (year registration
    ended; missing while open), ``closed`` (bool), ``forced_closure`` (bool;
    the regulator closed it), ``ownership`` (as in
    :func:`care_homes_beds_by_ownership`), ``individual_partnership`` and
    ``company`` (legal form flags), ``age`` (as published: the replication data
    do not state the unit; values run from about -2 to 162, consistent with
    months), service flags ``dementia``, ``nursing``, ``mental_health``,
    ``detained``, ``disabled`` (bool), ``closed_complete`` (as published), and
    ``rating`` (last CQC overall rating: ``Inadequate``, ``Requires
    improvement``, ``Good``, ``Outstanding`` or ``No rating``; missing where
    the published flags name none).

    Missing cells stay missing; their count is in ``attrs["missing"]`` by column.
    """
    raw = pd.read_csv(file)
    flags = ["dementia", "nurse", "mental_health", "detained", "disabled"]
    expected = [
        "carehomesbeds",
        "year_location_end",
        "forced_closure",
        "ownership",
        "individual_partnership",
        "company",
        "age",
        *flags,
        "closed_complete",
        *RATINGS,
        "missing_quality",
    ]
    require_columns(raw, expected, file)
    out = pd.DataFrame(index=raw.index)
    out["beds"] = numeric(raw["carehomesbeds"], out).astype("Int64")
    out["year_closed"] = numeric(raw["year_location_end"], out).astype("Int64")
    out["closed"] = out["year_closed"].notna()
    out["forced_closure"] = raw["forced_closure"].astype("boolean")
    out["ownership"] = _mapped(raw["ownership"], OWNERSHIP, "ownership", file)
    for column in ["individual_partnership", "company"]:
        out[column] = raw[column].astype("boolean")
    out["age"] = numeric(raw["age"], out)
    for column in flags:
        out["nursing" if column == "nurse" else column] = raw[column].astype("boolean")
    out["closed_complete"] = raw["closed_complete"].astype("boolean")
    out["rating"] = _rating(raw)
    out.attrs["missing"] = {c: int(n) for c, n in out.isna().sum().items() if n}
    return out


def _rating(raw: pd.DataFrame) -> pd.Series:
    """One rating from the published dummies; 'No rating' where ``missing_quality`` is 1."""
    dummies = raw[list(RATINGS)].fillna(0).to_numpy()
    named = dummies.sum(axis=1)
    if (named > 1).any():
        raise ValueError(f"{int((named > 1).sum())} locations carry more than one rating.")
    labels = np.array(list(RATINGS.values()), dtype=object)[dummies.argmax(axis=1)]
    rating = pd.Series(labels, index=raw.index, dtype="string").where(named == 1)
    rating = rating.mask(raw["missing_quality"].eq(1), "No rating")
    categories = [*RATINGS.values(), "No rating"]
    return rating.astype(pd.CategoricalDtype(categories=categories, ordered=False))
