"""Tidy loader for the DfE Local Authority Interactive Tool (LAIT) indicators, and helpers.

:func:`lait_la_indicators` turns the LAIT "big data set" (one text value per
indicator, period and council or region) into a tidy long frame.
:func:`youth_reoffending` and :func:`indicator_pair` pull single indicators
out of it, by council.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from evaluation.data.loaders import numeric, require_columns, tidy

LAIT_COLUMNS = ["Short Desc", "Data item", "Years", "LA and Regions", "Values", "LA Number"]
#: DfE numbers of the England total and the regions in LAIT.
ENGLAND_NUMBER = 970
REGION_NUMBERS = range(980, 991)
#: Indicator ids of youth proven reoffending, for all young offenders and for those aged 15-17.
REOFFENDING_IDS = {"all": "ReoffYO", "15-17": "ReoffYO15-17"}

_QUALIFIER = re.compile(r"\s*\(([^)]*)\)\s*$")


def _period_year(label: str) -> tuple[int | None, int | None]:
    """First calendar year of the latest 12 months in a period label, and years covered.

    ``"2016"`` -> (2016, 1); ``"2016-17"`` and ``"2016/17"`` -> (2016, 1);
    ``"2014-16"`` (three calendar years) -> (2016, 3); ``"2013/14-15/16"``
    (three academic years) -> (2015, 3). Anything else -> (None, None).
    """
    if re.fullmatch(r"\d{4}", label) and label != "0000":
        return int(label), 1
    match = re.fullmatch(r"(\d{4})[-/](\d{2})", label)
    if match:
        start, end = int(match[1]), int(match[2])
        span = (end - start % 100) % 100
        if span == 1:
            return start, 1
        return start + span, span + 1
    match = re.fullmatch(r"(\d{4})/\d{2}-(\d{2})/\d{2}", label)
    if match:
        start = int(match[1])
        last = start - start % 100 + int(match[2])
        return last, last - start + 1
    return None, None


@tidy("lait_la_indicators")
def lait_la_indicators(file: Path) -> pd.DataFrame:
    """About 434 DfE indicators by council and region, long, with numeric values.

    Columns: ``area_type`` (``"la"``, ``"region"`` or ``"england"``),
    ``la_number`` (DfE three-digit number; 970 England, 980-990 regions),
    ``la_name``, ``region`` (the council's region as LAIT names it, Inner and
    Outer London apart; missing for regions and England), ``indicator_id``
    (LAIT's short code, e.g. ``ReoffYO``), ``indicator`` (the file's own
    label, carried to every row of the indicator; missing for the indicators
    the file never labels: see ``lait_dictionary``), ``period`` (label as
    published, e.g. ``"2016-17"``, ``"2014-16"``), ``period_note`` (``OT``,
    ``Rev``, ``Final``, ``prov`` where the label carries one), ``year`` (first
    calendar year of the latest 12 months in the period: 2016 for ``"2016"``,
    ``"2016-17"`` and ``"2014-16"``), ``years_covered`` (1, or 3 for pooled
    periods), ``value``.

    Values are text in the file: ``"-"`` marks a missing or suppressed value
    and becomes missing (counted in ``frame.attrs["suppressed"]``). Periods
    that cannot be read as years (the label ``"0"``) keep a missing year and
    are counted in ``frame.attrs["unparsed_periods"]``.
    """
    raw = pd.read_parquet(file)
    require_columns(raw, [*LAIT_COLUMNS, "Region"], file)
    number = raw["LA Number"].astype("Int64")
    area_type = pd.Series("la", index=raw.index, dtype="string")
    area_type[number.isin(list(REGION_NUMBERS)).fillna(False).to_numpy(dtype=bool)] = "region"
    area_type[(number == ENGLAND_NUMBER).fillna(False).to_numpy(dtype=bool)] = "england"
    labels = raw["Data item"].astype("string")
    names = labels.groupby(raw["Short Desc"]).transform("first")
    period = raw["Years"].astype("string").str.strip()
    note = period.str.extract(_QUALIFIER, expand=False).astype("string")
    bare = period.str.replace(_QUALIFIER, "", regex=True)
    parsed = {label: _period_year(label) for label in bare.dropna().unique()}
    out = pd.DataFrame(
        {
            "area_type": area_type,
            "la_number": number,
            "la_name": raw["LA and Regions"].astype("string"),
            "region": raw["Region"].astype("string").mask(area_type != "la"),
            "indicator_id": raw["Short Desc"].astype("string"),
            "indicator": names,
            "period": period,
            "period_note": note,
            "year": bare.map(lambda s: parsed[s][0]).astype("Int64"),
            "years_covered": bare.map(lambda s: parsed[s][1]).astype("Int64"),
        }
    )
    out["value"] = numeric(raw["Values"].replace("-", None), out)
    out.attrs["suppressed"] = out.attrs.get("suppressed", 0) + int((raw["Values"] == "-").sum())
    out.attrs["unparsed_periods"] = int(out["year"].isna().sum())
    return out


def _lait(frame: pd.DataFrame | None) -> pd.DataFrame:
    if frame is not None:
        return frame
    from evaluation.data import registry

    return registry.load("lait_la_indicators")


def youth_reoffending(frame: pd.DataFrame | None = None, *, ages: str = "all") -> pd.DataFrame:
    """Rate of proven reoffending by young offenders, by council and year.

    Parameters
    ----------
    frame
        The output of :func:`lait_la_indicators` (loaded if not given).
    ages
        ``"all"`` (indicator ``ReoffYO``) or ``"15-17"`` (``ReoffYO15-17``).

    Returns
    -------
    pandas.DataFrame
        One row per council and year: ``la_number, la_name, region, year,
        rate_percent`` (percentage of the cohort proven to reoffend within a
        year). Suppressed rates are missing; their count is in
        ``attrs["suppressed"]``.

    Notes
    -----
    LAIT publishes the rate only. It holds **no cohort size** (the number of
    young offenders tracked), so a funnel plot or shrinkage needs a
    denominator from elsewhere: the Ministry of Justice's proven reoffending
    tables by youth justice service, or, as a conservative lower bound, the
    smallest cohort consistent with the rounded rate
    (:func:`evaluation.compare.smallest_denominator`). LAIT's dictionary
    labels ``ReoffYO`` "10-14 year olds" while the data file labels it "young
    offenders"; the file's label is used here.
    """
    if ages not in REOFFENDING_IDS:
        raise ValueError(f"ages must be one of {sorted(REOFFENDING_IDS)}; it was {ages!r}.")
    lait = _lait(frame)
    rows = lait[(lait["indicator_id"] == REOFFENDING_IDS[ages]) & (lait["area_type"] == "la")]
    out = rows[["la_number", "la_name", "region", "year"]].copy()
    out["rate_percent"] = rows["value"]
    out = out.sort_values(["la_name", "year"], ignore_index=True)
    out.attrs = {
        "source": lait.attrs.get("source", ""),
        "suppressed": int(out["rate_percent"].isna().sum()),
    }
    return out


def indicator_pair(
    frame: pd.DataFrame | None = None, *, numerator: str, denominator: str
) -> pd.DataFrame:
    """Two count indicators side by side by council and period: events and denominator.

    For example ``numerator="CareLeaverEETNum", denominator="NoCareLeavers"``
    gives care leavers aged 19-21 in education, employment or training and
    all care leavers of that age, ready for :func:`evaluation.compare.funnel`.

    Returns
    -------
    pandas.DataFrame
        ``la_number, la_name, region, period, year, events, denominator``,
        councils only; rows where either count is missing are dropped and
        counted in ``attrs["dropped_missing"]``.
    """
    lait = _lait(frame)
    keys = ["la_number", "la_name", "region", "period", "year"]
    councils = lait[lait["area_type"] == "la"]
    parts = []
    for name, column in ((numerator, "events"), (denominator, "denominator")):
        part = councils.loc[councils["indicator_id"] == name, [*keys, "value"]]
        if part.empty:
            raise ValueError(f"LAIT has no indicator {name!r}.")
        parts.append(part.rename(columns={"value": column}))
    both = parts[0].merge(parts[1], on=keys, how="outer", validate="one_to_one")
    complete = both["events"].notna() & both["denominator"].notna()
    out = both[complete].sort_values(["la_name", "year"], ignore_index=True)
    out.attrs = {"source": lait.attrs.get("source", ""), "dropped_missing": int((~complete).sum())}
    return out
