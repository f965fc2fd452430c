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


#: One spelling for each Work Programme prime, from the spellings of the compiled files.
PRIME_NAMES = {
    "A4E": "A4e",
    "Avanta Enterprise Ltd": "Avanta",
    "CDG": "Careers Development Group",
    "ESG": "The Employability and Skills Group (ESG)",
    "Maximus": "Maximus Employment",
    "NCG": "Newcastle College Group",
    "Rehab jobfit": "Rehab JobFit",
    "Rehab JobFit (Rehab Group + Interserve)": "Rehab JobFit",
}

#: One name for each contract package area, from the names the sources use; None where unstated.
CPA_NAMES = {
    "Merseyside, Halton, Cumbria and Lancashire": "North West (Merseyside, Halton, Cumbria "
    "and Lancashire)",
    "North West": "North West (Merseyside, Halton, Cumbria and Lancashire)",
    "North, West and Greater Manchester, Cheshire and Warrington": "Greater Manchester, "
    "Cheshire and Warrington",
    "East Midlands (CPA 2, Lot 5)": "East Midlands",
    "North East (CPA 5, Lot 9)": "North East",
    "North East (CPA 5: North East, South Tyne and Wear Valley, Tees Valley)": "North East",
    "Hampshire and the Isle of Wight (Thames Valley, Hampshire and Isle of Wight CPA)": (
        "Thames Valley, Hampshire and Isle of Wight"
    ),
    "Yorkshire and the Humber - West Yorkshire (CPA 16)": "West Yorkshire",
    "South East": "Kent, Surrey and Sussex (A4e's 'South East')",
    "South West England": "South West (which area not stated)",
}


def prime_name(names: pd.Series) -> pd.Series:
    """The one spelling of each prime provider's name (see :data:`PRIME_NAMES`)."""
    text = names.astype("string").str.strip()
    return text.map(lambda s: PRIME_NAMES.get(s, s)).astype("string")


@tidy("wp_prime_providers_by_cpa_partial")
def wp_prime_providers_by_cpa_partial(file: Path) -> pd.DataFrame:
    """Work Programme prime providers by contract package area: a partial, compiled list.

    Columns: ``provider`` (one spelling per prime, :data:`PRIME_NAMES`),
    ``area`` (as the source names it), ``cpa`` (one name per contract package
    area, :data:`CPA_NAMES`), ``role`` (``prime``, ``preferred bidder``,
    ``tender``, ``tender (PTD stage)`` or ``terminated``), ``confirmed``
    (True when the source says the provider held the contract, not only bid
    for it), ``period``, ``source`` (title), ``source_address``, ``note``,
    ``source_kind`` (``secondary`` throughout: encyclopaedia, press, tender
    copies and a provider's own evidence to a select committee).

    The list is partial (about 28 of the 40 contracts): DWP's own list of
    the 40 contracts is public at source but not in this build. A row whose
    role is a bid says nothing about the award.
    """
    raw = pd.read_csv(file)
    columns = ["provider", "area", "measure", "period", "value", "source_title"]
    require_columns(raw, [*columns, "source_address", "note"], file)
    out = pd.DataFrame({"provider": prime_name(raw["provider"])})
    out["area"] = raw["area"].astype("string").str.strip()
    out["cpa"] = out["area"].map(lambda s: CPA_NAMES.get(s, s)).astype("string")
    out["role"] = raw["value"].astype("string").str.strip()
    unknown = sorted(
        set(out["role"])
        - {"prime", "preferred bidder", "tender", "tender (PTD stage)", "terminated"}
    )
    if unknown:
        raise ValueError(f"{file.name} has roles the loader does not know: {unknown}")
    out["confirmed"] = out["role"].isin(["prime", "terminated"])
    out["period"] = raw["period"].astype("string")
    out["source"] = raw["source_title"].astype("string")
    out["source_address"] = raw["source_address"].astype("string")
    out["note"] = raw["note"].astype("string")
    out["source_kind"] = pd.Series("secondary", index=out.index, dtype="string")
    return out


@tidy("wp_provider_area_performance")
def wp_provider_area_performance(file: Path) -> pd.DataFrame:
    """Work Programme figures by prime provider, contract and area, as quoted 2011-2013.

    Columns: ``provider`` (one spelling per prime, :data:`PRIME_NAMES`;
    ``all primes`` for area or national figures), ``area``, ``measure``,
    ``period``, ``value`` (the figure as published, text), ``number`` (the
    value as a number where it is one: missing for text such as
    ``"100 of 4,500"`` or ``"loses referrals"``), ``unit``, ``source``
    (title), ``source_address``, ``note``, ``source_kind`` (``secondary``
    throughout: every row is quoted by a news site, blog or trade page).

    Measures differ (Spend Matters' within-area league points, DWP's
    12-month league-table indicator, in-year sustained job rates, contract
    values): compare rows only within one ``measure`` and ``period``. The
    full contract league tables are public at source (DWP, Work Programme
    statistics by prime provider and contract package area) but not in this
    build.
    """
    raw = pd.read_csv(file)
    columns = ["provider", "area", "measure", "period", "value", "unit"]
    require_columns(raw, [*columns, "source_title", "source_address", "note"], file)
    out = pd.DataFrame({"provider": prime_name(raw["provider"])})
    for column in ["area", "measure", "period"]:
        out[column] = raw[column].astype("string").str.strip()
    out["value"] = raw["value"].astype("string").str.strip()
    out["number"] = pd.to_numeric(out["value"], errors="coerce").astype(float)
    out["unit"] = raw["unit"].astype("string").str.strip()
    out["source"] = raw["source_title"].astype("string")
    out["source_address"] = raw["source_address"].astype("string")
    out["note"] = raw["note"].astype("string")
    out["source_kind"] = pd.Series("secondary", index=out.index, dtype="string")
    return out
