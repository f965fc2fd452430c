"""Care for older people: harmonising councils, outsourcing shares, variance between councils.

Reusable pieces of the care chapters that no general-purpose library provides:

* :func:`~evaluation.data.geography.harmonise_council` maps the many published
  spellings of a council's name (LA numbers, ``%20``, dots, ``UA`` suffixes,
  ``City of``) to one name;
* :func:`~evaluation.data.geography.series_of` labels each year with the statistical
  return it comes from, so that no analysis joins years across the 2009 and 2015
  series breaks;
* :func:`external_share` turns the long activity panel into one external
  share per council and year, saying which rows it leaves out and why;
* the estimators the care chapters use live in the method modules:
  :func:`evaluation.compare.variance_components` (how much of a council measure
  lies between councils) and :func:`evaluation.panel.association` (a council panel
  regression with council and year fixed effects: an association, not an effect).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from evaluation.data import geography
from evaluation.results import (
    carry_dropped,
    drop_rows,
    require_columns,
    require_numeric,
    require_unique,
)


def external_share(activity: pd.DataFrame, *, setting: str = "Residential") -> pd.DataFrame:
    """External (bought-in) share of each council's activity in one setting, per year.

    ``external_share = 100 * external / (in-house + external)``, computed from
    the activity columns of the tidy panel returned by
    ``datasets.load("asc_activity_inhouse_external_by_council")``. Rows that
    cannot give a council's share are dropped with a warning that counts
    them: England, regional and type totals; rows without a council name (all
    of 2017); rows without an activity value. A council-year with zero total
    activity has no share and is dropped the same way.

    Parameters
    ----------
    activity
        The tidy activity panel (columns ``council, is_total, year, series,
        setting, provision, activity``).
    setting
        ``"Residential"`` (the only setting in every year), ``"Nursing"``
        (2015 on), ``"Home care"`` or ``"Day care"`` (2009-2014).

    Returns
    -------
    pandas.DataFrame
        One row per council and year: ``council, year, series, in_house,
        external, total, external_share`` (0-100).

    Examples
    --------
    >>> panel = pd.DataFrame({"council": ["A", "A"], "is_total": [False, False],
    ...     "year": [2010, 2010], "series": ["PSS-EX1 2009-2014"] * 2,
    ...     "setting": ["Residential"] * 2, "provision": ["in-house", "external"],
    ...     "activity": [25.0, 75.0]})
    >>> external_share(panel)["external_share"].tolist()
    [75.0]
    """
    needed = ["council", "is_total", "year", "series", "setting", "provision", "activity"]
    require_columns(activity, {name: name for name in needed})
    rows = activity.loc[
        (activity["setting"] == setting) & activity["provision"].isin(["in-house", "external"])
    ]
    if rows.empty:
        raise ValueError(f"No in-house or external rows for setting={setting!r}.")
    rows = drop_rows(rows, rows["is_total"], "England, regional and type totals")
    rows = drop_rows(rows, rows["council"].isna(), "no council name (all of 2017)")
    rows = drop_rows(rows, rows["activity"].isna(), "activity value missing")
    require_unique(rows, ["council", "year", "provision"])
    wide = rows.pivot_table(
        index=["council", "year", "series"], columns="provision", values="activity", aggfunc="sum"
    ).reindex(columns=["in-house", "external"], fill_value=0.0)
    wide = wide.fillna(0.0).rename(columns={"in-house": "in_house"}).reset_index()
    wide.columns.name = None
    wide["total"] = wide["in_house"] + wide["external"]
    wide = drop_rows(
        carry_dropped(wide, rows), wide["total"] <= 0, "council-years with no activity"
    )
    wide["external_share"] = 100 * wide["external"] / wide["total"]
    return carry_dropped(wide.sort_values(["council", "year"]).reset_index(drop=True), wide)


# ------------------------------------------------------------------ real terms
def to_real_terms(
    data: pd.DataFrame,
    *,
    value: str,
    time: str,
    deflators: pd.DataFrame,
    base_year: int | None = None,
) -> pd.Series:
    """Cash amounts in the prices of one year, using a price index such as the GDP deflator.

    ``real = cash * index[base_year] / index[year]``. With ``base_year``
    omitted the index's own base (where it equals 100) is used.

    Parameters
    ----------
    data
        Rows to convert.
    value, time
        The cash column and the column naming each row's year; the years must
        be those of ``deflators["fy_end"]``.
    deflators
        Columns ``fy_end`` and ``deflator`` (e.g.
        ``datasets.load("gdp_deflators_hmt_dec2023")``).
    base_year
        Year whose prices to express the amounts in.

    Returns
    -------
    pandas.Series
        Real-terms amounts, aligned with ``data``.

    Examples
    --------
    >>> index = pd.DataFrame({"fy_end": [2010, 2011], "deflator": [80.0, 100.0]})
    >>> costs = pd.DataFrame({"cost": [400.0, 500.0], "fy_end": [2010, 2011]})
    >>> to_real_terms(costs, value="cost", time="fy_end", deflators=index).tolist()
    [500.0, 500.0]
    """
    require_columns(data, {"value": value, "time": time})
    require_columns(deflators, {"fy_end": "fy_end", "deflator": "deflator"})
    require_numeric(data, [value])
    index = deflators.dropna(subset=["deflator"]).set_index("fy_end")["deflator"]
    missing = sorted(set(data[time].dropna()) - set(index.index))
    if missing:
        raise ValueError(f"Column {time!r} has years {missing} with no deflator.")
    if base_year is not None and base_year not in index.index:
        raise ValueError(f"base_year={base_year} has no deflator.")
    base = 100.0 if base_year is None else float(index[base_year])
    return data[value] * base / data[time].map(index)


def cost_panel(costs: pd.DataFrame) -> pd.DataFrame:
    """One row per council and year: own versus bought-in residential care for older people.

    Parameters
    ----------
    costs
        Long frame as returned by the PSS-EX1 unit-cost loaders (columns
        ``la_code, council, period, fy_end, provision, gross_cost, weeks,
        unit_cost``), stacked over years.

    Returns
    -------
    pandas.DataFrame
        ``la_code, council, period, fy_end``, then ``own_cost, others_cost``
        (£ thousands), ``own_weeks, others_weeks``, ``own_unit_cost,
        others_unit_cost`` (published £ per week; missing where there was no
        such care), ``external_share`` (% of weeks provided by others) and
        ``average_cost`` (£ per week across both, ``1000 * total cost / total
        weeks``). Council-years with a missing cost or weeks, or no weeks at
        all, are dropped with a warning that counts them.

    Examples
    --------
    >>> long = pd.DataFrame({"la_code": ["102", "102"], "council": ["Cumbria"] * 2,
    ...     "period": ["2012-13"] * 2, "fy_end": [2013, 2013], "provision": ["own", "others"],
    ...     "gross_cost": [100.0, 300.0], "weeks": [100.0, 700.0],
    ...     "unit_cost": [1000.0, 428.6]})
    >>> row = cost_panel(long).iloc[0]
    >>> float(row["external_share"]), float(row["average_cost"])
    (87.5, 500.0)
    """
    needed = ["la_code", "council", "period", "fy_end", "provision", "gross_cost", "weeks"]
    require_columns(costs, {name: name for name in needed + ["unit_cost"]})
    require_unique(costs, ["la_code", "fy_end", "provision"])
    wide = costs.pivot(
        index=["la_code", "council", "period", "fy_end"],
        columns="provision",
        values=["gross_cost", "weeks", "unit_cost"],
    )
    pairs: list[Any] = list(wide.columns)
    wide.columns = [
        f"{provision}_{kind}".replace("gross_cost", "cost") for kind, provision in pairs
    ]
    wide = wide.reset_index()
    amounts = ["own_cost", "others_cost", "own_weeks", "others_weeks"]
    wide = drop_rows(wide, wide[amounts].isna().any(axis=1), "a cost or weeks missing")
    weeks = wide["own_weeks"] + wide["others_weeks"]
    wide = drop_rows(wide, weeks <= 0, "no weeks of residential care")
    weeks = wide["own_weeks"] + wide["others_weeks"]
    wide["external_share"] = 100 * wide["others_weeks"] / weeks
    wide["average_cost"] = 1000 * (wide["own_cost"] + wide["others_cost"]) / weeks
    return carry_dropped(wide.sort_values(["la_code", "fy_end"]).reset_index(drop=True), wide)


def with_real_costs(data: pd.DataFrame, *, deflators: pd.DataFrame) -> pd.DataFrame:
    """The cost panel with its unit costs also in the prices of the deflator's base year.

    Adds ``real_own_unit_cost``, ``real_others_unit_cost`` and
    ``real_average_cost``, each :func:`to_real_terms` of the cash column by
    ``fy_end``.

    Parameters
    ----------
    data
        The cost panel, as returned by :func:`cost_panel`.
    deflators
        Columns ``fy_end`` and ``deflator``, covering every year of ``data``.

    Returns
    -------
    pandas.DataFrame
        A copy of ``data`` with the three real-terms columns appended.

    Examples
    --------
    >>> index = pd.DataFrame({"fy_end": [2012, 2013], "deflator": [80.0, 100.0]})
    >>> panel = pd.DataFrame({"fy_end": [2012, 2013], "own_unit_cost": [800.0, 900.0],
    ...     "others_unit_cost": [400.0, 500.0], "average_cost": [480.0, 600.0]})
    >>> with_real_costs(panel, deflators=index)["real_own_unit_cost"].tolist()
    [1000.0, 900.0]
    """
    out = data.copy()
    for column in ["own_unit_cost", "others_unit_cost", "average_cost"]:
        out[f"real_{column}"] = to_real_terms(
            data, value=column, time="fy_end", deflators=deflators
        )
    return out


def rating_snapshot(events: pd.DataFrame, date: str | pd.Timestamp) -> pd.DataFrame:
    """Services registered on ``date`` by ownership, with the share whose latest rating is good.

    Each service's latest rating on or before ``date`` counts unless its
    registration had ended by then (``registered_to`` on or before ``date``).
    The registration start is not checked: some services were rated before
    their recorded start, and the published snapshots count them too.

    Parameters
    ----------
    events
        Rating events (columns ``location_id, report_date, ownership,
        good_or_better, registered_to``), e.g.
        ``datasets.load("community_care_rating_events")``; ``registered_from``
        is not needed.
    date
        The snapshot date.

    Returns
    -------
    pandas.DataFrame
        One row per ownership type: ``ownership, rated, good_or_better`` (%).

    Examples
    --------
    >>> events = pd.DataFrame({"location_id": ["a", "a", "b", "c"],
    ...     "report_date": pd.to_datetime(["2015-01-01", "2016-01-01", "2015-06-01", "2015-06-01"]),
    ...     "ownership": ["x", "x", "x", "x"], "good_or_better": [False, True, False, True],
    ...     "registered_from": pd.to_datetime(["2014-01-01"] * 4),
    ...     "registered_to": pd.to_datetime([None, None, None, "2015-09-01"])})
    >>> rating_snapshot(events, "2015-12-25").to_dict("records")
    [{'ownership': 'x', 'rated': 2, 'good_or_better': 0.0}]
    """
    needed = ["location_id", "report_date", "ownership", "good_or_better"]
    require_columns(events, {n: n for n in needed + ["registered_to"]})
    when = pd.Timestamp(date)
    active = (events["report_date"] <= when) & (
        events["registered_to"].isna() | (events["registered_to"] > when)
    )
    latest = events.loc[active].sort_values(["report_date", "location_id"])
    latest = latest.groupby("location_id").tail(1)
    summary = latest.groupby("ownership").agg(
        rated=("location_id", "size"), good_or_better=("good_or_better", "mean")
    )
    summary["good_or_better"] = 100 * summary["good_or_better"].astype(float)
    return summary.reset_index()


# ------------------------------------------------------------ local care-home markets
def council_market_panel(entries: pd.DataFrame, concentration: pd.DataFrame) -> pd.DataFrame:
    """Care-home entry, exit and concentration by commissioning council and wave.

    The published HHI is one value per council and wave, repeated for each of
    the council's districts; this keeps one row per council and wave (rows
    whose council is ``"Unspecified"`` are left out with a warning). District
    entry and exit counts are added up to councils; a district missing from a
    wave had no entries or exits, and its stock carries over.

    Parameters
    ----------
    entries
        ``datasets.load("care_home_entries_exits_district")``.
    concentration
        ``datasets.load("care_home_hhi_district")``.

    Returns
    -------
    pandas.DataFrame
        ``council, wave, entries, exits, homes, hhi, hhi_before`` (the HHI at
        the end of the previous wave; missing in wave 0).

    Examples
    --------
    >>> hhi = pd.DataFrame({"council": ["C", "C", "C", "C"], "district": ["a", "b", "a", "b"],
    ...     "wave": [0, 0, 1, 1], "hhi": [500.0, 500.0, 600.0, 600.0]})
    >>> flows = pd.DataFrame({"district": ["a", "b", "a"], "wave": [0, 0, 1],
    ...     "entries": [10, 5, 2], "exits": [0, 0, 1], "net": [10, 5, 1], "homes": [10, 5, 11]})
    >>> council_market_panel(flows, hhi)[["wave", "entries", "homes", "hhi_before"]].values.tolist()
    [[0.0, 15.0, 15.0, nan], [1.0, 2.0, 16.0, 500.0]]
    """
    require_columns(entries, {n: n for n in ["district", "wave", "entries", "exits", "homes"]})
    require_columns(concentration, {n: n for n in ["council", "district", "wave", "hhi"]})
    unspecified = concentration["council"] == "Unspecified"
    known = drop_rows(concentration, unspecified, "HHI rows with no council")
    if known.groupby(["council", "wave"])["hhi"].nunique().gt(1).any():
        raise ValueError("The HHI differs between districts of one council and wave.")
    lookup = known.drop_duplicates("district").set_index("district")["council"]
    unmatched = sorted(set(entries["district"]) - set(lookup.index))
    if unmatched:
        raise ValueError(f"Districts {unmatched[:5]} of the entries file have no council.")
    wide = entries.set_index(["district", "wave"])[["entries", "exits", "homes"]].unstack("wave")
    columns: dict[str, Any] = {
        "entries": pd.DataFrame(wide["entries"]).fillna(0).stack(),
        "exits": pd.DataFrame(wide["exits"]).fillna(0).stack(),
        "homes": pd.DataFrame(wide["homes"]).ffill(axis=1).fillna(0).stack(),
    }
    filled = pd.DataFrame(columns).reset_index()
    filled["council"] = filled["district"].map(lookup)
    counts = filled.groupby(["council", "wave"], as_index=False)[["entries", "exits", "homes"]]
    panel = counts.sum().astype({"entries": float, "exits": float, "homes": float})
    hhi = known.drop_duplicates(["council", "wave"])[["council", "wave", "hhi"]]
    panel = panel.merge(hhi, on=["council", "wave"], how="left")
    before = hhi.assign(wave=hhi["wave"] + 1).rename(columns={"hhi": "hhi_before"})
    return carry_dropped(panel.merge(before, on=["council", "wave"], how="left"), known)


def ascof_panel(frame: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """One ASCOF measure as a council panel: one row per council and year with a value.

    Parameters
    ----------
    frame
        Long ASCOF frame (``registry.load("ascof_outcomes_by_council")``) with at
        least the columns ``council, measure_id, value``.
    indicator
        Code of the measure to keep (its ``measure_id``), e.g. ``"ASC5"`` (ASCOF
        2D, the outcome of short-term services).

    Returns
    -------
    pandas.DataFrame
        The measure's rows with ``council_name`` (the harmonised spelling, see
        :func:`~evaluation.data.geography.harmonise_council`) and ``area`` (the
        same name, the unit of a panel). Rows without a value are dropped, with a
        warning that counts them; the count is in ``attrs["dropped"]``.

    Examples
    --------
    >>> ascof = pd.DataFrame({"council": ["204-Barnsley", "Medway%20Towns%20UA", "Barnet"],
    ...     "measure_id": ["ASC5", "ASC5", "ASC1"], "value": [80.0, 75.0, 19.0]})
    >>> ascof_panel(ascof, "ASC5")["area"].tolist()
    ['Barnsley', 'Medway']
    """
    require_columns(frame, {name: name for name in ("council", "measure_id", "value")})
    rows = frame[frame["measure_id"] == indicator].copy()
    rows["council_name"] = geography.harmonise_council(rows["council"])
    panel = drop_rows(rows, rows["value"].isna(), f"no value for {indicator}")
    return panel.assign(area=panel["council_name"])


# ------------------------------------------------- older people's care across 2015
def older_care_panel(data: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Older people's residential and nursing care by council and year, PSS-EX1 and ASC-FR.

    One row per council and financial year: weeks of care in the council's own
    homes and bought from others, the external share of weeks, and the gross
    spend per week where the year's files give spend. Each row keeps the
    return it comes from in ``series``; the two returns define activity and
    spend differently, so nothing here joins them (see
    :func:`evaluation.its.break_step` for the step at the break).

    Parameters
    ----------
    data
        Tidy frames keyed by what they are: ``"pssex1"`` (the PSS-EX1 years,
        from :func:`evaluation.data.loaders.care_costs.older_care_totals`),
        ``"activity"`` (ASC-FR activity, the 2014-15, 2015-16 and 2016-17
        loaders stacked), ``"unit_costs"`` (``ascfr_unit_costs_2014_15``) and
        ``"totals"`` (``ascfr_totals_2016_17``). Any may be left out.

    Returns
    -------
    pandas.DataFrame
        ``la_code, period, fy_end, series`` (``"PSS-EX1"`` or ``"ASC-FR"``),
        ``in_house, external, weeks`` (weeks of care for people aged 65 and
        over; nursing care counts as external, as both returns count it),
        ``external_share`` (0-100), ``gross_cost`` (£ thousands, cash; for
        2016-17 the ASC-FR gross current expenditure) and ``spend_per_week``
        (£ a week, cash; missing where the year has no spend in this build).

    Examples
    --------
    >>> old = pd.DataFrame({"la_code": ["102"], "period": ["2013-14"], "fy_end": [2014],
    ...     "gross_cost": [52.0], "weeks": [100.0], "own_weeks": [10.0],
    ...     "others_weeks": [60.0], "nursing_weeks": [30.0]})
    >>> older_care_panel({"pssex1": old})[["external_share", "spend_per_week"]].iloc[0].tolist()
    [90.0, 520.0]
    """
    parts = []
    if "pssex1" in data:
        old = data["pssex1"]
        part = old[["la_code", "period", "fy_end", "gross_cost", "weeks"]].copy()
        part["in_house"] = old["own_weeks"]
        part["external"] = old["others_weeks"] + old["nursing_weeks"]
        parts.append(part.assign(series="PSS-EX1"))
    if "activity" in data:
        act = data["activity"]
        keep = (act["care_type"] == "Long term") & (act["age"] == "65+") & ~act["is_total"]
        keep &= act["setting"].isin(["Residential", "Nursing"])
        keep &= act["provision"].isin(["in-house", "external"])
        rows = act.loc[keep]
        require_unique(rows, ["la_code", "fy_end", "support_reason", "setting", "provision"])
        wide = rows.pivot_table(
            index=["la_code", "period", "fy_end"],
            columns="provision",
            values="weeks",
            aggfunc="sum",
            fill_value=0.0,
        )
        wide = wide.reindex(columns=["in-house", "external"], fill_value=0.0).reset_index()
        wide.columns.name = None
        wide = wide.rename(columns={"in-house": "in_house"})
        wide["weeks"] = wide["in_house"] + wide["external"]
        wide["gross_cost"] = _ascfr_spend(data, wide)
        parts.append(wide.assign(series="ASC-FR"))
    panel = pd.concat(parts, ignore_index=True)
    panel = panel.loc[panel["weeks"] > 0]
    panel["external_share"] = 100 * panel["external"] / panel["weeks"]
    panel["spend_per_week"] = 1000 * panel["gross_cost"] / panel["weeks"]
    columns = ["la_code", "period", "fy_end", "series", "in_house", "external", "weeks"]
    columns += ["external_share", "gross_cost", "spend_per_week"]
    return panel[columns].sort_values(["la_code", "fy_end"]).reset_index(drop=True)


def _ascfr_spend(data: dict[str, pd.DataFrame], wide: pd.DataFrame) -> pd.Series:
    """Gross spend (£ thousands) on long-term residential and nursing care, 65+, per row."""
    # Each return: its frame's key, its spend column, and which of its rows are
    # long-term residential and nursing care (the two returns split settings differently).
    sources: list[tuple[str, str, Callable[[pd.DataFrame], pd.Series]]] = [
        (
            "unit_costs",
            "gross_cost",
            lambda t: (t["setting"] == "Residential and nursing") & (t["provision"] == "all"),
        ),
        ("totals", "gross_current", lambda t: t["setting"].isin(["Residential", "Nursing"])),
    ]
    spend = []
    for key, column, in_setting in sources:
        if key not in data:
            continue
        table = data[key]
        rows = table.loc[
            ~table["is_total"]
            & (table["age"] == "65+")
            & (table["care_type"] == "Long term")
            & in_setting(table)
        ]
        spend.append(rows.groupby(["la_code", "fy_end"])[column].sum(min_count=1))
    if not spend:
        return pd.Series(float("nan"), index=wide.index)
    found = pd.concat(spend)
    keys = pd.MultiIndex.from_frame(wide[["la_code", "fy_end"]])
    return pd.Series(found.reindex(keys).to_numpy(), index=wide.index)
