"""Tidy loader for adult social care outcome measures by council (Oflog's ASCOF extract)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evaluation.data.loaders import numeric, require_columns, tidy

#: The file's columns, as published.
ASCOF_COLUMNS = [
    "Financial year",
    "Local authority code",
    "Local authority name",
    "Entity_Name",
    "Region",
    "Measure",
    "Code",
    "Value",
]


@tidy("ascof_outcomes_by_council")
def ascof_outcomes_by_council(file: Path) -> pd.DataFrame:
    """Seven adult social care outcome measures by council and financial year, long.

    One row per council, financial year and measure, 2015-16 to 2022-23.

    Columns: ``council_code`` (ONS code, e.g. E06000005), ``council``
    (name), ``council_type`` (unitary, county, London borough, metropolitan
    district), ``region``, ``period`` (financial year as published,
    ``"2015-16"``), ``year`` (its first calendar year, 2015), ``measure_id``
    (Oflog's code ASC1-ASC7), ``measure`` (description, without Oflog's
    ``"Outcome, "`` prefix), ``value``.

    The file has **no numerators or denominators**: only each measure's
    value, in a unit the file does not state. From the values: ASC1 (carer
    quality of life) runs from 6.1 to 8.9, a score out of 12; ASC3 and ASC4
    (ease of finding information), ASC5 (outcome of short-term services,
    ASCOF 2D) and ASC7 (workforce turnover) are percentages; ASC2 lies between
    0 and 0.49 and ASC6 (requests resulting in a service) between about 130
    and 18,000, so check the ASCOF handbook before comparing them. Oflog's derived columns
    (median, MADs from the median, rank order) are left out. Missing values
    (298 in the published file) stay missing and are counted in
    ``frame.attrs["suppressed"]``.
    """
    raw = pd.read_csv(file)
    require_columns(raw, ASCOF_COLUMNS, file)
    period = raw["Financial year"].astype("string")
    out = pd.DataFrame(
        {
            "council_code": raw["Local authority code"].astype("string"),
            "council": raw["Local authority name"].astype("string"),
            "council_type": raw["Entity_Name"].astype("string"),
            "region": raw["Region"].astype("string"),
            "period": period,
            "year": pd.to_numeric(period.str.slice(0, 4), errors="raise").astype("int64"),
            "measure_id": raw["Code"].astype("string"),
            "measure": raw["Measure"].astype("string").str.removeprefix("Outcome, "),
        }
    )
    out["value"] = numeric(raw["Value"], out)
    out.attrs["suppressed"] = out.attrs.get("suppressed", 0) + int(raw["Value"].isna().sum())
    return out
