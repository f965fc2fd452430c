"""Tidy loader for the council panel of in-house versus external adult social care activity."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evaluation.data.geography import harmonise_council, is_aggregate, series_of
from evaluation.data.loaders import numeric, require_columns, tidy

#: Published provision labels and the handbook's names for them.
PROVISION = {"In House": "in-house", "External": "external", "99": "total"}


@tidy("asc_activity_inhouse_external_by_council")
def asc_activity_inhouse_external_by_council(file: Path) -> pd.DataFrame:
    """Care activity by council, year, setting and provision (in-house or external), 2001-2023.

    One row per published row (Goodair's harmonisation of the PSS-EX1 and
    ASC-FR activity returns); nothing is dropped.

    Columns: ``council_published`` (the name as published: spellings vary,
    with LA numbers, ``%20`` and dots), ``council`` (harmonised name, see
    :func:`evaluation.data.geography.harmonise_council`; missing where the file has no
    name, which is every row of 2017), ``is_total`` (True for England,
    regional and council-type totals), ``year`` (as published: the series
    breaks at 2009 and 2015 coincide with the changes of return in 2008-09
    and 2014-15, so it reads as the financial year ending in March of that
    year), ``series`` (the return the
    row comes from: ``"PSS-EX1 2001-2008"``, ``"PSS-EX1 2009-2014"`` or
    ``"ASC-FR 2015-2023"``), ``setting`` (``Residential``, ``Nursing``,
    ``Home care``, ``Day care``; missing for a third, unlabelled setting in
    2016-2023), ``provision`` (``in-house``, ``external``, or ``total``, the
    file's code ``99``, used from 2015), ``activity`` (as published; its unit
    differs between series, so levels do not compare across series breaks),
    ``pct_sector`` (the published share of the setting's activity, 0-100).
    """
    raw = pd.read_csv(file, dtype={"ActivityProvision": "string"})
    expected = ["percent_sector", "SupportSetting", "DH_GEOGRAPHY_NAME", "ActivityProvision"]
    require_columns(raw, [*expected, "ITEMVALUE", "year"], file)
    unknown = sorted(set(raw["ActivityProvision"].dropna()) - set(PROVISION))
    if unknown:
        raise ValueError(f"{file.name} has provision codes the loader does not know: {unknown}")
    published = raw["DH_GEOGRAPHY_NAME"].astype("string")
    out = pd.DataFrame(
        {
            "council_published": published,
            "council": harmonise_council(published),
            "is_total": is_aggregate(published),
            "year": raw["year"].astype("int64"),
        }
    )
    out["series"] = series_of(out["year"])
    out["setting"] = raw["SupportSetting"].astype("string")
    out["provision"] = raw["ActivityProvision"].map(PROVISION).astype("string")
    out["activity"] = numeric(raw["ITEMVALUE"], out)
    out["pct_sector"] = numeric(raw["percent_sector"], out)
    out.attrs["suppressed"] = out.attrs.get("suppressed", 0) + int(raw["ITEMVALUE"].isna().sum())
    return out
