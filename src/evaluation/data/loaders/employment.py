"""Tidy loaders for employment data not covered by :mod:`evaluation.data.loaders.work_programme`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evaluation.data.loaders import numeric, require_columns, tidy


@tidy("wp_contract_fragments_2012")
def wp_contract_fragments_2012(file: Path) -> pd.DataFrame:
    """Year-one job outcomes for the few Work Programme prime contracts quoted in the press.

    Columns: ``prime_provider``, ``area`` (contract package area as quoted),
    ``period``, ``referrals``, ``job_outcomes`` (counts; missing where not
    quoted), ``rate_pct`` (job outcomes per 100 referrals as quoted),
    ``note``, ``source``. Every row is a secondary source (news analysis of
    DWP's first release, or leaked provider data): ``source_kind`` is
    ``secondary`` throughout. Only 5 of the 40 contracts are covered.
    """
    raw = pd.read_csv(file)
    columns = ["prime_provider", "contract_package_area", "period", "referrals", "job_outcomes"]
    require_columns(raw, [*columns, "job_outcome_rate_pct", "note", "source"], file)
    out = pd.DataFrame(
        {
            "prime_provider": raw["prime_provider"].astype("string"),
            "area": raw["contract_package_area"].astype("string"),
            "period": raw["period"].astype("string"),
        }
    )
    out["referrals"] = numeric(raw["referrals"], out).astype("Int64")
    out["job_outcomes"] = numeric(raw["job_outcomes"], out).astype("Int64")
    out["rate_pct"] = numeric(raw["job_outcome_rate_pct"], out)
    out["note"] = raw["note"].astype("string")
    out["source"] = raw["source"].astype("string")
    out["source_kind"] = pd.Series("secondary", index=out.index, dtype="string")
    return out


#: Columns kept by :func:`benefits_panel_by_council`, renamed with their units.
BENEFITS_COLUMNS = {
    "jsa": "jsa_claimants",
    "esa": "esa_claimants",
    "uc_households": "uc_households",
    "unemployment": "unemployment_rate_pct",
    "sanctions": "sanctions",
    "pop_working_age_24": "working_age_population_2024",
}


@tidy("benefits_panel_by_council")
def benefits_panel_by_council(file: Path) -> pd.DataFrame:
    """Benefit caseloads and unemployment by local authority and year, Great Britain 2013-2025.

    Columns: ``area`` (local authority name, as published: there are no
    codes), ``year``, ``jsa_claimants``, ``esa_claimants``, ``uc_households``
    (counts), ``unemployment_rate_pct`` (Annual Population Survey, per cent),
    ``sanctions`` (count), ``working_age_population_2024`` (a fixed 2024 base).
    Coverage differs by column (JSA from 2013, unemployment 2014-2024, UC
    from 2016, ESA 2019, sanctions 2017): missing values are kept, and
    ``attrs["coverage"]`` gives the first and last year each column has data.
    Duplicate area-years raise a ``ValueError``.
    """
    raw = pd.read_csv(file)
    require_columns(raw, ["la", "year", *BENEFITS_COLUMNS], file)
    duplicated = raw.duplicated(["la", "year"], keep=False)
    if duplicated.any():
        rows = raw.loc[duplicated, ["la", "year"]].head(5).to_dict("records")
        raise ValueError(f"{file.name}: {int(duplicated.sum())} duplicate area-years, e.g. {rows}")
    out = pd.DataFrame({"area": raw["la"].astype("string"), "year": raw["year"].astype("int64")})
    for old, new in BENEFITS_COLUMNS.items():
        out[new] = numeric(raw[old], out)
    out.attrs["coverage"] = {
        new: (
            int(out.loc[out[new].notna(), "year"].min()),
            int(out.loc[out[new].notna(), "year"].max()),
        )
        for new in BENEFITS_COLUMNS.values()
        if out[new].notna().any()
    }
    return out
