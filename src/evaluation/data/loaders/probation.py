"""Tidy loaders for probation and reoffending."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evaluation.data.loaders import numeric, require_columns, tidy


@tidy("proven_reoffending_national")
def proven_reoffending_national(file: Path) -> pd.DataFrame:
    """National proven reoffending, 2000-2014, under the old and new measures.

    Columns: ``measure`` (``old`` or ``new`` definition), ``cohort_length``
    (``3-monthly`` or ``annual``), ``cohort_start`` (date), ``group`` (Adult,
    Juvenile, All), ``quantity`` (binary rate %, frequency per offender,
    reoffences, reoffenders, cohort size, ...), ``value``.
    """
    raw = pd.read_csv(file)
    require_columns(raw, ["measure", "temporal_unit", "date", "group", "rate", "value"], file)
    out = pd.DataFrame(
        {
            "measure": raw["measure"].astype("string"),
            "cohort_length": raw["temporal_unit"].astype("string"),
            "cohort_start": pd.to_datetime(raw["date"], format="%Y-%m-%d"),
            "group": raw["group"].astype("string"),
            "quantity": raw["rate"].astype("string"),
        }
    )
    out["value"] = numeric(raw["value"], out)
    return out
