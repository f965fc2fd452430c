"""Tidy loaders: one function per dataset, turning a published file into a tidy frame.

Each loader takes the verified path of its file and returns a DataFrame whose
columns are documented in its docstring. Loaders keep suppression markers as
missing values and record how many there were in ``frame.attrs["suppressed"]``;
they never guess a value. :func:`evaluation.datasets.load` is the public entry.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

Loader = Callable[[Path], pd.DataFrame]
TIDY_LOADERS: dict[str, Loader] = {}


def tidy(name: str) -> Callable[[Loader], Loader]:
    """Register ``func`` as the tidy loader of dataset ``name``."""

    def register(func: Loader) -> Loader:
        TIDY_LOADERS[name] = func
        return func

    return register


def _require(frame: pd.DataFrame, columns: list[str], file: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{file.name} lacks the columns {missing}; it has {list(frame.columns)}")


def _numeric(series: pd.Series, frame: pd.DataFrame) -> pd.Series:
    """Convert to numbers; count text that is not a number (suppression codes) as suppressed."""
    converted = pd.to_numeric(series, errors="coerce")
    newly_missing = int((converted.isna() & series.notna()).sum())
    frame.attrs["suppressed"] = frame.attrs.get("suppressed", 0) + newly_missing
    return converted


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

    Columns: ``council`` (upper-tier local authority), ``district`` (lower
    tier), ``wave`` (0-3, see ``CARE_HOME_WAVES``), ``period`` (the wave's
    dates), ``hhi`` (0-10,000 scale: the published 0-1 index times 10,000).
    """
    raw = pd.read_csv(file)
    _require(raw, ["local.authority", "lpa", "year", "hhi"], file)
    out = pd.DataFrame(
        {
            "council": raw["local.authority"].astype("string"),
            "district": raw["lpa"].astype("string"),
            "wave": raw["year"].astype("int64"),
        }
    )
    out["period"] = out["wave"].map(CARE_HOME_WAVES).astype("string")
    out["hhi"] = _numeric(raw["hhi"], out) * 10_000
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
    _require(raw, ["wave", "la", "old.la", "novo_entries", "def_exit", "net", "cum_homes"], file)
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
        out[new] = _numeric(raw[old], out).astype("Int64")
    out["entry_rate"] = pd.to_numeric(raw["rate"], errors="coerce")
    return out


@tidy("proven_reoffending_national")
def proven_reoffending_national(file: Path) -> pd.DataFrame:
    """National proven reoffending, 2000-2014, under the old and new measures.

    Columns: ``measure`` (``old`` or ``new`` definition), ``cohort_length``
    (``3-monthly`` or ``annual``), ``cohort_start`` (date), ``group`` (Adult,
    Juvenile, All), ``quantity`` (binary rate %, frequency per offender,
    reoffences, reoffenders, cohort size, ...), ``value``.
    """
    raw = pd.read_csv(file)
    _require(raw, ["measure", "temporal_unit", "date", "group", "rate", "value"], file)
    out = pd.DataFrame(
        {
            "measure": raw["measure"].astype("string"),
            "cohort_length": raw["temporal_unit"].astype("string"),
            "cohort_start": pd.to_datetime(raw["date"], format="%Y-%m-%d"),
            "group": raw["group"].astype("string"),
            "quantity": raw["rate"].astype("string"),
        }
    )
    out["value"] = _numeric(raw["value"], out)
    return out
