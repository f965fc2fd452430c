"""Tidy loaders for care for older people."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evaluation.data.loaders import numeric, require_columns, tidy

# Care-home waves in the Almorox compilation: registrations cumulated to each date.
CARE_HOME_WAVES = {
    0: "before Mar 2011",
    1: "Mar 2011 to Mar 2013",
    2: "Mar 2013 to Mar 2015",
    3: "Mar 2015 to Sep 2016",
}


@tidy("care_home_hhi_district")
def care_home_hhi_district(file: Path) -> pd.DataFrame:
    """Bed-share HHI of care-home providers by district and wave.

    As published, the index is computed for each upper-tier council and the
    same value repeated on every district of that council, so the effective
    market is the council; wave 3 also carries four rows for an
    "Unspecified" council that duplicate real councils. Both are kept here
    as published; :mod:`evaluation.markets` and the chapters deal with them.

    Columns: ``council`` (upper-tier local authority), ``district`` (lower
    tier), ``wave`` (0-3, see ``CARE_HOME_WAVES``), ``period`` (the wave's
    dates), ``hhi`` (0-10,000 scale: the published 0-1 index times 10,000).
    """
    raw = pd.read_csv(file)
    require_columns(raw, ["local.authority", "lpa", "year", "hhi"], file)
    out = pd.DataFrame(
        {
            "council": raw["local.authority"].astype("string"),
            "district": raw["lpa"].astype("string"),
            "wave": raw["year"].astype("int64"),
        }
    )
    out["period"] = out["wave"].map(CARE_HOME_WAVES).astype("string")
    out["hhi"] = numeric(raw["hhi"], out) * 10_000
    if out["period"].isna().any():
        raise ValueError(f"unknown waves {sorted(out.loc[out['period'].isna(), 'wave'].unique())}")
    return out


@tidy("care_home_entries_exits_district")
def care_home_entries_exits_district(file: Path) -> pd.DataFrame:
    """De novo entries and definitive exits of care homes by district and wave.

    Columns: ``district``, ``district_code`` (pre-2009 ONS code), ``wave``,
    ``period``, ``entries``, ``exits``, ``net``, ``homes`` (cumulative stock),
    ``entry_rate`` (entries as % of stock; missing in wave 0, where every
    home counts as an entry).
    """
    raw = pd.read_csv(file)
    expected = ["wave", "la", "old.la", "novo_entries", "def_exit", "net", "cum_homes"]
    require_columns(raw, expected, file)
    out = pd.DataFrame(
        {
            "district": raw["la"].astype("string"),
            "district_code": raw["old.la"].astype("string"),
            "wave": raw["wave"].astype("int64"),
        }
    )
    out["period"] = out["wave"].map(CARE_HOME_WAVES).astype("string")
    for new, old in [
        ("entries", "novo_entries"),
        ("exits", "def_exit"),
        ("net", "net"),
        ("homes", "cum_homes"),
    ]:
        out[new] = numeric(raw[old], out).astype("Int64")
    out["entry_rate"] = pd.to_numeric(raw["rate"], errors="coerce")
    return out
