"""Tidy loaders for CQC ratings of community social care services by ownership."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evaluation.data.loaders import _mapped, numeric, require_columns, tidy

#: Origin of the file's day counts (inferred; see :func:`community_care_rating_events`).
STATA_EPOCH = pd.Timestamp("1960-01-01")

#: Published ownership labels and the handbook's names (as in ``loaders.care_homes``).
OWNERSHIP = {
    "For-profit": "for-profit",
    "Local Authority": "local authority",
    "Third sector": "third sector",
    "Third Sector": "third sector",
}

#: Published overall ratings (two spellings of one) and the handbook's names, worst first.
RATINGS = {
    "Inadequate": "Inadequate",
    "Requires improvement": "Requires improvement",
    "Requires Improvement": "Requires improvement",
    "Good": "Good",
    "Outstanding": "Outstanding",
}


@tidy("community_care_rating_events")
def community_care_rating_events(file: Path) -> pd.DataFrame:
    """Every published CQC overall rating of a community care service, Oct 2014 to Feb 2025.

    One row per rating (a service rated several times has several rows).

    Columns: ``location_id`` (CQC location), ``report_date`` (datetime),
    ``year`` (of the report), ``ownership`` (``for-profit``, ``local
    authority``, ``third sector``), ``rating`` (``Inadequate``, ``Requires
    improvement``, ``Good``, ``Outstanding``; the file's two spellings of
    "Requires improvement" are merged), ``good_or_better`` (bool),
    ``location_start`` and ``location_end`` (as published: day counts the
    file does not document; ``location_end`` missing while a service is
    registered), and ``registered_from`` and ``registered_to``: those counts
    read as days since 1 January 1960 (Stata's date origin). That reading is
    inferred, not documented; it is checked by rebuilding the published
    year-end snapshots (``community_care_ratings_by_ownership``) from this
    file, which it reproduces almost exactly.
    """
    raw = pd.read_csv(file)
    expected = ["reportdate", "overall", "ownership", "locationid", "location_start_2025"]
    require_columns(raw, [*expected, "location_end_2025"], file)
    out = pd.DataFrame(
        {
            "location_id": raw["locationid"].astype("string"),
            "report_date": pd.to_datetime(raw["reportdate"], format="%Y-%m-%d"),
        }
    )
    out["year"] = out["report_date"].dt.year.astype("int64")
    out["ownership"] = _mapped(raw["ownership"], OWNERSHIP, "ownership", file)
    out["rating"] = _mapped(raw["overall"], RATINGS, "rating", file)
    out["good_or_better"] = out["rating"].isin(["Good", "Outstanding"]).astype(bool)
    out["location_start"] = numeric(raw["location_start_2025"], out)
    out["location_end"] = pd.to_numeric(raw["location_end_2025"], errors="coerce")
    for day_count, date in [
        ("location_start", "registered_from"),
        ("location_end", "registered_to"),
    ]:
        out[date] = STATA_EPOCH + pd.to_timedelta(out[day_count], unit="D")
    return out


@tidy("community_care_ratings_by_ownership")
def community_care_ratings_by_ownership(file: Path) -> pd.DataFrame:
    """Year-end snapshots of community care services' ratings by ownership, 2015-2024.

    One row per snapshot year, ownership type and rating.

    Columns: ``year``, ``date`` (the snapshot, late December), ``ownership``,
    ``rating`` (as :func:`community_care_rating_events`), ``services`` (number
    with that rating), ``rated`` (number rated, of that ownership type),
    ``percent`` (as published, 0-100).
    """
    out = _ratings_by_ownership(file, "services")
    if out.duplicated(["year", "ownership", "rating"]).any():
        raise ValueError(f"{file.name} lists a year, ownership and rating twice.")
    return out


@tidy("care_home_ratings_by_ownership")
def care_home_ratings_by_ownership(file: Path) -> pd.DataFrame:
    """Care homes' CQC overall ratings by ownership, England, late December 2015-2024.

    One row per year, ownership and rating. Columns: ``year``, ``date`` (the
    snapshot date), ``ownership`` (``for-profit``, ``local authority``,
    ``third sector``), ``rating`` (worst to best: ``Inadequate``, ``Requires
    improvement``, ``Good``, ``Outstanding``), ``homes`` (rated homes with that
    rating), ``rated`` (rated homes of that ownership) and ``percent``.
    """
    return _ratings_by_ownership(file, "homes")


def _ratings_by_ownership(file: Path, count: str) -> pd.DataFrame:
    """A year-end file of ratings by ownership, its count ``N`` named ``count``."""
    raw = pd.read_csv(file)
    require_columns(raw, ["ownership", "rating", "N", "total", "percent", "date", "year"], file)
    out = pd.DataFrame(
        {
            "year": raw["year"].astype("int64"),
            "date": pd.to_datetime(raw["date"], format="%Y-%m-%d"),
        }
    )
    out["ownership"] = _mapped(raw["ownership"], OWNERSHIP, "ownership", file)
    out["rating"] = _mapped(raw["rating"], RATINGS, "rating", file)
    out[count] = numeric(raw["N"], out).astype("Int64")
    out["rated"] = numeric(raw["total"], out).astype("Int64")
    out["percent"] = numeric(raw["percent"], out)
    return out
