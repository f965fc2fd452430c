"""Schools-specific building blocks: academies, conversion dates, trusts, KS4 panels.

GIAS publishes no table of "when did this school become an academy". It
publishes links between establishments: when a maintained school converts, it
closes and the academy opens under a new URN with a ``Predecessor`` link to the
old one. When an academy later moves trust it usually gets another URN, with
another ``Predecessor`` link. This module turns those links into a conversion
table, classifies academies by route (converter, sponsor-led, free school) and
measures how concentrated trusts are within each council.

* :func:`academies` -- one row per academy in a trust, with its route.
* :func:`conversion_dates` -- the conversion date of each academy, walking back
  through its chain of predecessors.
* :func:`academic_year` -- the September-to-August school year of a date.
* :func:`trust_concentration` -- HHI of trusts within each council
  (:func:`evaluation.markets.hhi`).
* :func:`lineage` and :func:`ks4_panel` -- follow a school across its change of
  URN and harmonise yearly KS4 files into a panel.
* :func:`converted_share` -- a council's progress towards academisation (its
  association with results is :func:`evaluation.panel.association`).
* :func:`national_panel`, :func:`standardise`, :func:`check_carried_results`
  and :func:`event_panel` -- the national KS4 panel 2013-2019 keyed by current
  URN, on one scale across the change of measure, ready for a staggered DiD.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from evaluation import markets
from evaluation.results import (
    require_columns,
)

__all__ = [
    "HEADLINE_MEASURES",
    "PROGRAMME_START",
    "TRUST_TYPES",
    "academic_year",
    "academies",
    "academised_share",
    "check_carried_results",
    "conversion_dates",
    "converted_share",
    "event_panel",
    "first_exam_year",
    "ks4_panel",
    "lineage",
    "national_panel",
    "route_of",
    "standardise",
    "trust_concentration",
]

#: The first academies opened in September 2002; earlier links are reorganisations
#: of maintained schools, not conversions.
PROGRAMME_START = pd.Timestamp("2002-09-01")
#: GIAS group types that run academies.
TRUST_TYPES = ("Multi-academy trust", "Single-academy trust")
#: GIAS establishment type codes by route into the academy sector.
_ROUTES = {
    "converter": (34, 42, 44, 45),
    "sponsor-led": (28, 33, 43, 46),
    "free school": (35, 36, 38, 39, 40, 41),
}
_MAX_GENERATIONS = 25


def _need(frame: pd.DataFrame, columns: list[str]) -> None:
    """Raise ValueError naming any of ``columns`` absent from ``frame``."""
    require_columns(frame, {column: column for column in columns})


def route_of(type_code: pd.Series) -> pd.Series:
    """Route into the academy sector of each GIAS type code (missing if not an academy).

    Examples
    --------
    >>> route_of(pd.Series([34, 28, 35, 1])).tolist()
    ['converter', 'sponsor-led', 'free school', <NA>]
    """
    lookup = {code: route for route, codes in _ROUTES.items() for code in codes}
    return type_code.map(lookup).astype("string")


def academic_year(dates: pd.Series) -> pd.Series:
    """First calendar year of the school year (September to August) of each date.

    Examples
    --------
    >>> academic_year(pd.Series(pd.to_datetime(["2012-08-31", "2012-09-01"]))).tolist()
    [2011, 2012]
    """
    year = dates.dt.year - (dates.dt.month < 9).astype("Int64")
    return year.astype("Int64")


def academies(group_links: pd.DataFrame) -> pd.DataFrame:
    """One row per academy or free school in a trust, from ``gias_group_links_2022``.

    Parameters
    ----------
    group_links
        The tidy frame of :func:`evaluation.data.loaders.schools.gias_group_links_2022`.

    Returns
    -------
    pandas.DataFrame
        ``urn``, ``school_name``, ``route`` (see :func:`route_of`), ``phase``,
        ``la_code``, ``la_name``, ``trust_uid``, ``trust_name``, ``trust_type``
        and ``joined_date`` (when it joined its current trust).

    Raises
    ------
    ValueError
        If a school belongs to two trusts (rows named), or a trust member is
        not an academy type.
    """
    needed = ["urn", "type_code", "group_type", "group_uid", "group_name", "joined_date"]
    _need(group_links, [*needed, "school_name", "phase", "la_code", "la_name"])
    members = group_links[group_links["group_type"].isin(TRUST_TYPES)].copy()
    twice = members["urn"].duplicated(keep=False)
    if twice.any():
        urns = sorted(members.loc[twice, "urn"].unique())[:10]
        raise ValueError(f"column 'urn': schools in two trusts, e.g. URNs {urns}")
    members["route"] = route_of(members["type_code"])
    if members["route"].isna().any():
        odd = members.loc[members["route"].isna(), ["urn", "type_code"]].head(10)
        raise ValueError(f"column 'type_code': trust members that are not academies:\n{odd}")
    renamed = members.rename(
        columns={"group_uid": "trust_uid", "group_name": "trust_name", "group_type": "trust_type"}
    )
    columns = ["urn", "school_name", "route", "phase", "la_code", "la_name"]
    columns += ["trust_uid", "trust_name", "trust_type", "joined_date"]
    return renamed[columns].reset_index(drop=True)


def _predecessor_edges(links: pd.DataFrame) -> pd.DataFrame:
    """Edges child -> parent for ``Predecessor`` links (parent is the older school)."""
    _need(links, ["urn", "linked_urn", "link_type", "link_date"])
    edges = links.loc[links["link_type"] == "Predecessor", ["urn", "linked_urn", "link_date"]]
    return edges.rename(columns={"urn": "child", "linked_urn": "parent"}).drop_duplicates()


def _ancestry(urns: pd.Series, edges: pd.DataFrame) -> pd.DataFrame:
    """Every predecessor link in the line of each URN (``urn``, ``parent``, ``link_date``)."""
    frontier = pd.DataFrame({"urn": urns.to_numpy(), "child": urns.to_numpy()})
    found: list[pd.DataFrame] = []
    for _ in range(_MAX_GENERATIONS):
        step = frontier.merge(edges, on="child")
        if step.empty:
            break
        found.append(step[["urn", "parent", "link_date"]])
        frontier = step[["urn", "parent"]].rename(columns={"parent": "child"}).drop_duplicates()
    else:
        raise ValueError(
            f"column 'linked_urn': predecessor chains longer than {_MAX_GENERATIONS} "
            "links (a cycle?) for URNs " + str(sorted(frontier["urn"].unique())[:10])
        )
    if not found:
        empty = {"urn": pd.Series(dtype="int64"), "parent": pd.Series(dtype="int64")}
        return pd.DataFrame({**empty, "link_date": pd.Series(dtype="datetime64[ns]")})
    return pd.concat(found, ignore_index=True)


def conversion_dates(
    links: pd.DataFrame, schools: pd.DataFrame, *, start: pd.Timestamp = PROGRAMME_START
) -> pd.DataFrame:
    """Date on which each academy's line of schools entered the academy sector.

    The rule: walk back through ``Predecessor`` links from the academy to every
    earlier school in its line; the conversion is the oldest dated link made on
    or after ``start`` (the academies programme began in September 2002).
    Later links in the same line are moves between trusts ("re-brokering") or
    mergers, counted in ``later_links``. A free school with no predecessor opened
    new and has no conversion.

    Parameters
    ----------
    links
        Tidy GIAS links (:func:`evaluation.data.loaders.schools.gias_links`).
    schools
        One row per academy with columns ``urn`` and ``route`` (e.g. from
        :func:`academies`); other columns are kept.
    start
        Links before this date are not conversions.

    Returns
    -------
    pandas.DataFrame
        ``schools`` plus ``has_predecessor`` (bool), ``conversion_date``
        (missing if no dated link since ``start``), ``conversion_year`` (school
        year, see :func:`academic_year`), ``later_links`` (dated links after
        the conversion) and ``undated_links`` (links in the line with no date).

    Warns
    -----
    UserWarning
        Saying how many academies with predecessors have no dated conversion.

    Examples
    --------
    >>> links = pd.DataFrame({"urn": [2, 3], "linked_urn": [1, 2],
    ...     "link_type": ["Predecessor"] * 2,
    ...     "link_date": pd.to_datetime(["2011-04-01", "2016-09-01"])})
    >>> table = conversion_dates(links, pd.DataFrame({"urn": [3], "route": ["converter"]}))
    >>> table[["conversion_date", "later_links"]].astype(str).values.tolist()
    [['2011-04-01', '1']]
    """
    _need(schools, ["urn", "route"])
    if schools["urn"].duplicated().any():
        dupes = sorted(schools.loc[schools["urn"].duplicated(), "urn"].unique())[:10]
        raise ValueError(f"column 'urn': duplicate academies, e.g. {dupes}")
    lines = _ancestry(schools["urn"], _predecessor_edges(links))
    lines = lines.assign(
        dated=lines["link_date"].notna(), since=lines["link_date"] >= start
    ).sort_values(["urn", "link_date"])
    summary = lines.groupby("urn").agg(
        n_links=("parent", "size"), undated_links=("dated", lambda d: int((~d).sum()))
    )
    in_programme = lines[lines["since"]]
    first = in_programme.groupby("urn")["link_date"].min().rename("conversion_date")
    later = in_programme.groupby("urn")["link_date"].size().sub(1).rename("later_links")
    out = schools.merge(summary, left_on="urn", right_index=True, how="left")
    out = out.merge(first, left_on="urn", right_index=True, how="left")
    out = out.merge(later, left_on="urn", right_index=True, how="left")
    out["has_predecessor"] = out["n_links"].notna()
    out["later_links"] = out["later_links"].fillna(0).astype("int64")
    out["undated_links"] = out["undated_links"].fillna(0).astype("int64")
    out["conversion_date"] = pd.to_datetime(out["conversion_date"])
    out["conversion_year"] = academic_year(out["conversion_date"])
    undated = int((out["has_predecessor"] & out["conversion_date"].isna()).sum())
    if undated:
        warnings.warn(
            f"{undated} academies have predecessors but no dated link since "
            f"{start.date()}: their conversion date is left missing",
            UserWarning,
            stacklevel=2,
        )
    return out.drop(columns="n_links").reset_index(drop=True)


def trust_concentration(schools: pd.DataFrame, *, market: str = "la_name") -> pd.DataFrame:
    """HHI of trusts within each council, with academies counted as equal units.

    Each trust's share is its number of academies in the council over the
    council's academies; single-academy trusts count as separate providers.
    GIAS gives no pupil numbers here, so a small primary weighs as much as a
    large secondary.

    Returns
    -------
    pandas.DataFrame
        The table of :func:`evaluation.markets.hhi` (one row per council).

    Examples
    --------
    >>> s = pd.DataFrame({"la_name": ["A"] * 4, "trust_uid": [1, 1, 2, 3]})
    >>> trust_concentration(s)["hhi"].item()
    3750.0
    """
    _need(schools, [market, "trust_uid"])
    counts = schools.groupby([market, "trust_uid"]).size().rename("academies").reset_index()
    counts["academies"] = counts["academies"].astype(np.float64)
    return markets.hhi(counts, market=market, provider="trust_uid", size="academies")


def lineage(links: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """Map every earlier URN in an academy's line of predecessors to the academy's URN.

    Returns
    -------
    pandas.DataFrame
        ``old_urn`` and ``urn`` (the academy), one row per predecessor; an old
        URN claimed by two academies (a school split in two) is dropped with a
        warning, since its results cannot be given to either.
    """
    _need(schools, ["urn"])
    pairs = _ancestry(schools["urn"], _predecessor_edges(links))
    pairs = pairs[["parent", "urn"]].drop_duplicates().rename(columns={"parent": "old_urn"})
    split = pairs["old_urn"].duplicated(keep=False)
    if split.any():
        warnings.warn(
            f"{int(pairs.loc[split, 'old_urn'].nunique())} predecessor URNs lead to more than "
            "one academy (splits); they are left unlinked",
            UserWarning,
            stacklevel=2,
        )
    return pairs[~split].reset_index(drop=True)


def ks4_panel(results: list[pd.DataFrame], line: pd.DataFrame) -> pd.DataFrame:
    """Harmonise yearly KS4 school files into a panel of state mainstream schools.

    A school keeps one identifier, ``school``, across its change of URN at
    conversion: the URN of the academy it became (from :func:`lineage`), else
    its own URN. Special schools, independent schools and rows without a KS4
    cohort (``pupils`` missing) are left out, the last with a warning.

    Parameters
    ----------
    results
        Tidy KS4 frames (:mod:`evaluation.data.loaders.schools`), one per council and year.
    line
        ``old_urn`` -> ``urn`` map from :func:`lineage`.

    Returns
    -------
    pandas.DataFrame
        The rows of mainstream academies and maintained schools with ``school``,
        ``academy`` (0/1 that year) and ``cohort`` (first school year as an
        academy; 0 if never an academy in the panel).

    Raises
    ------
    ValueError
        If a school appears twice in a year (rows named) or stops being an academy.
    """
    frame = pd.concat(results, ignore_index=True)
    _need(frame, ["urn", "school_year", "sector", "special", "pupils"])
    frame = frame[~frame["special"] & frame["sector"].isin(["academy", "maintained"])].copy()
    no_cohort = frame["pupils"].isna()
    if no_cohort.any():
        warnings.warn(
            f"{int(no_cohort.sum())} rows have no KS4 pupils (a URN listed in a year without "
            "results, e.g. just opened or closed); they are dropped",
            UserWarning,
            stacklevel=2,
        )
        frame = frame[~no_cohort]
    to_current = dict(zip(line["old_urn"], line["urn"], strict=True))
    frame["school"] = frame["urn"].map(to_current).fillna(frame["urn"]).astype("int64")
    twice = frame.duplicated(["school", "school_year"], keep=False)
    if twice.any():
        shown = frame.loc[twice, ["school", "urn", "school_year"]].head(6).to_dict("records")
        raise ValueError(f"column 'urn': schools appearing twice in a year after linking: {shown}")
    frame["academy"] = frame["sector"].eq("academy").astype("int64")
    frame = frame.sort_values(["school", "school_year"])
    ever = frame.groupby("school")["academy"].cummax()
    if (ever > frame["academy"]).any():
        rows = frame.loc[ever > frame["academy"], ["school", "school_year"]].head(6)
        raise ValueError(f"column 'sector': academies that became maintained again:\n{rows}")
    first = frame[frame["academy"] == 1].groupby("school")["school_year"].min()
    frame["cohort"] = frame["school"].map(first).fillna(0).astype("int64")
    return frame.reset_index(drop=True)


def converted_share(table: pd.DataFrame, *, years: range, phase: str = "Secondary") -> pd.DataFrame:
    """Share of each council's academies (in July 2022) that had converted by each school year.

    The denominator is the council's academies open in July 2022, so schools
    that stayed maintained are left out: this measures *when* a council's
    eventual converters converted, not how far the council academised (for
    that, see :func:`academised_share`).

    A school counts as converted in school year ``t`` if its conversion date
    (:func:`conversion_dates`) falls before 1 September of ``t``. Free schools
    (no conversion) and academies without a dated conversion are left out of
    numerator and denominator, and the number left out is in
    ``frame.attrs["excluded"]``.

    Returns
    -------
    pandas.DataFrame
        ``la_code``, ``school_year``, ``academies`` (the council's converted
        academies of that phase in 2022) and ``converted_share`` (0-1).
    """
    _need(table, ["la_code", "phase", "route", "conversion_year"])
    chosen = table[(table["phase"] == phase) & (table["route"] != "free school")]
    usable = chosen.dropna(subset=["conversion_year"])
    rows = [
        usable.groupby("la_code")["conversion_year"]
        .agg(academies="size", converted=lambda c, y=year: int((c < y).sum()))
        .assign(school_year=year)
        for year in years
    ]
    out = pd.concat(rows).reset_index()
    out["converted_share"] = out["converted"] / out["academies"]
    out = out[["la_code", "school_year", "academies", "converted_share"]]
    out.attrs["excluded"] = len(chosen) - len(usable)
    return out.sort_values(["la_code", "school_year"]).reset_index(drop=True)


# ----------------------------------------------------------------------------- national panel
#: The headline KS4 measure of each exam year, 2013-2019. The share with 5+ A*-C
#: including English and maths until 2015, and Attainment 8 from 2016.
HEADLINE_MEASURES = {2013: "pct_5em", 2014: "pct_5em", 2015: "pct_5em"}
HEADLINE_MEASURES |= {year: "att8" for year in range(2016, 2020)}


def national_panel(results: list[pd.DataFrame], line: pd.DataFrame) -> pd.DataFrame:
    """Join yearly school-level KS4 frames into one panel keyed by current URN and year.

    Each school keeps one identifier, ``school``: the URN of the school it
    became (from :func:`lineage`), else its own URN. Frames for the same year
    are joined on ``school`` (a column present in two frames keeps the first
    non-missing value). Where two old URNs lead to one school in a year (a
    merger), that school-year is dropped, as its results cannot be told
    apart; the number dropped is in ``attrs["merged"]``.

    Parameters
    ----------
    results
        Tidy frames with ``urn`` and ``year`` (e.g. from
        :mod:`evaluation.data.loaders.schools_ks4`), at most one row per URN and year.
    line
        ``old_urn`` -> ``urn`` map from :func:`lineage`.

    Returns
    -------
    pandas.DataFrame
        ``school``, ``year`` and every other column of the frames, with
        ``urn`` the URN the result was published under.

    Examples
    --------
    >>> a = pd.DataFrame({"urn": [1, 2], "year": 2015, "pct_5em": [50.0, 60.0]})
    >>> b = pd.DataFrame({"urn": [3, 2], "year": 2017, "att8": [45.0, 50.0]})
    >>> line = pd.DataFrame({"old_urn": [1], "urn": [3]})
    >>> national_panel([a, b], line)[["school", "year", "urn"]].values.tolist()
    [[2, 2015, 2], [2, 2017, 2], [3, 2015, 1], [3, 2017, 3]]
    """
    _need(line, ["old_urn", "urn"])
    to_current = dict(zip(line["old_urn"], line["urn"], strict=True))
    merged = 0
    by_year: dict[int, pd.DataFrame] = {}
    for frame in results:
        _need(frame, ["urn", "year"])
        if frame.duplicated(["urn", "year"]).any():
            raise ValueError("column 'urn': a frame has two rows for one URN and year")
        part = frame.assign(school=frame["urn"].map(to_current).fillna(frame["urn"]))
        part["school"] = part["school"].astype("int64")
        clash = part.duplicated(["school", "year"], keep=False)
        merged += int(clash.sum())
        for year in part.loc[~clash, "year"].unique():
            rows = part[~clash & (part["year"] == year)].set_index("school")
            old = by_year.get(int(year))
            by_year[int(year)] = rows if old is None else old.combine_first(rows)
    out = pd.concat([f.reset_index() for f in by_year.values()], ignore_index=True)
    out = out.sort_values(["school", "year"]).reset_index(drop=True)
    out.attrs["merged"] = merged
    return out


def standardise(
    data: pd.DataFrame, *, year_measures: dict[int, str] | None = None, method: str = "z"
) -> pd.DataFrame:
    """Put each year's headline measure on a common scale within that year.

    Parameters
    ----------
    data
        Long panel with ``year`` and the columns named in ``year_measures``.
    year_measures
        Measure of each year (default :data:`HEADLINE_MEASURES`); years not
        listed are dropped.
    method
        ``"z"``: (value - year mean) / year SD across the rows with a value;
        ``"rank"``: percentile rank within the year, 0-100.

    Returns
    -------
    pandas.DataFrame
        ``data`` with ``measure`` (the column used that year) and ``score``.

    Examples
    --------
    >>> p = pd.DataFrame({"year": [2015] * 3 + [2016] * 3,
    ...                   "pct_5em": [40.0, 50, 60, None, None, None],
    ...                   "att8": [None, None, None, 40.0, 45, 50]})
    >>> standardise(p)["score"].round(2).tolist()
    [-1.0, 0.0, 1.0, -1.0, 0.0, 1.0]
    """
    measures = HEADLINE_MEASURES if year_measures is None else year_measures
    if method not in ("z", "rank"):
        raise ValueError(f"method must be 'z' or 'rank', not {method!r}")
    _need(data, ["year", *sorted(set(measures.values()))])
    out = data[data["year"].isin(list(measures))].copy()
    out["measure"] = out["year"].map(measures).astype("string")
    value = pd.Series(np.nan, index=out.index)
    for year, column in measures.items():
        rows = out["year"] == year
        value[rows] = out.loc[rows, column]
    scale = value.notna()
    if method == "z":
        mean = value[scale].groupby(out["year"]).mean()
        sd = value[scale].groupby(out["year"]).std()
        out["score"] = (value - out["year"].map(mean)) / out["year"].map(sd)
    else:
        ranks = []
        for year in out["year"].unique():
            these = value[out["year"] == year]
            ref = np.sort(value[scale & (out["year"] == year)].to_numpy())
            pct = np.searchsorted(ref, these.to_numpy(), side="right") / max(len(ref), 1) * 100
            ranks.append(pd.Series(pct, index=these.index).where(these.notna()))
        out["score"] = pd.concat(ranks)
    return out


def first_exam_year(dates: pd.Series) -> pd.Series:
    """Calendar year of the first summer exams a school sat after a date.

    GCSEs are sat in May and June: a school converting before 1 June sits
    that summer's exams as an academy, one converting later sits the next
    summer's.

    Examples
    --------
    >>> first_exam_year(pd.Series(pd.to_datetime(["2015-04-01", "2015-06-01"]))).tolist()
    [2015, 2016]
    """
    year = dates.dt.year + (dates.dt.month >= 6).astype("Int64")
    return year.astype("Int64")


def check_carried_results(
    results: pd.DataFrame, line: pd.DataFrame, published: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Check results a compiler carried from a predecessor onto an academy's URN.

    A result is carried when it is reported under a URN for a summer before
    that URN opened (:func:`first_exam_year` of ``open_date`` after the exam
    year). Each is checked two ways: does GIAS link the URN to a predecessor
    (``line``), and where a file published under the old URN is at hand
    (``published``), is its Attainment 8 the same?

    Parameters
    ----------
    results
        ``urn``, ``year``, ``open_date`` and ``att8`` (e.g. the fft panel).
    line
        ``old_urn`` -> ``urn`` map from :func:`lineage`.
    published
        Optional ``urn``, ``year``, ``att8`` as published under each URN that
        year (e.g. :func:`evaluation.data.loaders.schools_ks4.read_ks4final`).

    Returns
    -------
    pandas.DataFrame
        One row per ``year``: ``results`` (non-missing Attainment 8),
        ``carried``, ``linked`` (carried with a GIAS predecessor), ``compared``
        (carried with the predecessor's published figure at hand) and
        ``agree`` (those within 0.05 points).

    Examples
    --------
    >>> r = pd.DataFrame({"urn": [9, 9], "year": [2017, 2018], "att8": [40.0, 42.0],
    ...                   "open_date": pd.to_datetime(["2017-09-01"] * 2)})
    >>> line = pd.DataFrame({"old_urn": [8], "urn": [9]})
    >>> pub = pd.DataFrame({"urn": [8], "year": [2017], "att8": [40.0]})
    >>> check_carried_results(r, line, pub).loc[0, ["carried", "linked", "agree"]].tolist()
    [1, 1, 1]
    """
    _need(results, ["urn", "year", "open_date", "att8"])
    _need(line, ["old_urn", "urn"])
    rows = results[results["att8"].notna()].copy()
    rows["carried"] = first_exam_year(rows["open_date"]).fillna(0).astype("int64") > rows["year"]
    rows["linked"] = rows["carried"] & rows["urn"].isin(line["urn"])
    rows["compared"] = False
    rows["agree"] = False
    if published is not None:
        _need(published, ["urn", "year", "att8"])
        pairs = published.merge(line, left_on="urn", right_on="old_urn", suffixes=("_old", ""))
        earlier = pairs.groupby(["urn", "year"])["att8"].first().rename("att8_old")
        rows = rows.join(earlier, on=["urn", "year"])
        rows["compared"] = rows["carried"] & rows["att8_old"].notna()
        rows["agree"] = rows["compared"] & (rows["att8"] - rows["att8_old"]).abs().lt(0.05)
    out = rows.groupby("year").agg(
        results=("att8", "size"),
        carried=("carried", "sum"),
        linked=("linked", "sum"),
        compared=("compared", "sum"),
        agree=("agree", "sum"),
    )
    return out.astype("int64").reset_index()


def event_panel(
    data: pd.DataFrame,
    schools: pd.DataFrame,
    *,
    years: range,
    covariates: pd.DataFrame | None = None,
    balanced: bool = True,
) -> pd.DataFrame:
    """A balanced panel for a staggered DiD of conversion over ``years``.

    Keeps schools with a ``score`` in every year (or, with ``balanced=False``,
    every school with a ``score`` in any year, for an unbalanced-panel estimate).
    ``cohort`` is the first exam year as an academy (:func:`first_exam_year`
    of the conversion date) for schools converting after the first year's
    exams and by the last year's, and 0 for schools still maintained after the
    last year (including those that converted later). Schools already
    academies in ``first`` (no year before conversion), free schools and
    academies without a dated conversion are dropped; the counts are in ``attrs["dropped"]``.

    Parameters
    ----------
    data
        ``school``, ``year``, ``score`` (e.g. :func:`standardise`).
    schools
        One row per ``school``: ``route`` (``"maintained"``, ``"converter"``,
        ``"sponsor-led"``, other routes dropped) and ``conversion_date``
        (missing for maintained schools).
    years
        Consecutive exam years, e.g. ``range(2013, 2020)``.
    covariates
        Optional one row per ``school`` of numeric columns, joined on (rows
        with a missing covariate are dropped).
    balanced
        Whether to keep only schools with a score in every year.

    Returns
    -------
    pandas.DataFrame
        ``school``, ``year``, ``score``, ``route``, ``cohort``,
        ``converted_later`` (bool: an academy converting after the last year,
        counted with the never-converted at cohort 0) and covariates.
    """
    _need(data, ["school", "year", "score"])
    _need(schools, ["school", "route", "conversion_date"])
    first, last = min(years), max(years)
    wide = data[data["year"].isin(list(years))].pivot_table(
        index="school", columns="year", values="score"
    )
    scored = wide.reindex(columns=list(years))
    complete = scored.dropna().index if balanced else scored.dropna(how="all").index
    info = schools.set_index("school").reindex(complete)
    converted = first_exam_year(info["conversion_date"])
    dated = info["route"].isin(["converter", "sponsor-led"]) & converted.notna()
    early = dated & converted.le(first)
    later = dated & converted.gt(last)
    treated = dated & ~early & ~later
    keep = treated | later | info["route"].eq("maintained").fillna(False).astype(bool)
    dropped = {
        "not in every year": int(len(wide) - len(complete)),
        "academy before the first year": int(early.sum()),
        "other routes or no conversion date": int((~keep & ~early).sum()),
    }
    cohort = converted.where(treated, 0).fillna(0).astype("int64")
    info = info[keep].assign(cohort=cohort[keep], converted_later=later[keep])
    out = data[
        data["school"].isin(info.index) & data["year"].isin(list(years)) & data["score"].notna()
    ]
    out = out[["school", "year", "score"]].join(
        info[["route", "cohort", "converted_later"]], on="school"
    )
    if covariates is not None:
        before = out["school"].nunique()
        out = out.join(covariates.set_index("school"), on="school").dropna()
        dropped["missing covariate"] = int(before - out["school"].nunique())
    out.attrs["dropped"] = dropped
    return out.sort_values(["school", "year"]).reset_index(drop=True)


def academised_share(schools: pd.DataFrame, links: pd.DataFrame, *, years: range) -> pd.DataFrame:
    """Share of each council's state secondary schools that had converted, by school year.

    The denominator is every school in ``schools`` that was or had been
    council-maintained: maintained schools and converted academies (free
    schools, studio schools and UTCs, which never were maintained, are left
    out). A maintained school counts as converted from the date GIAS gives it
    a dated ``Successor`` link since 2002 (a conversion after the list was
    drawn); an academy from its ``conversion_date``. A school counts in year
    ``t`` if converted before 1 September of ``t``. Academies with no dated
    conversion are left out, counted in ``attrs["excluded"]``.

    Unlike :func:`converted_share`, whose denominator is a council's
    academies open in July 2022, this keeps schools that stayed maintained in
    the denominator, so it measures how far a council's schools had
    academised.

    Parameters
    ----------
    schools
        One row per school: ``urn``, ``la_code``, ``route`` (``"maintained"``,
        ``"converter"``, ``"sponsor-led"``; other routes dropped) and
        ``conversion_date`` (academies).
    links
        Tidy GIAS links (:func:`evaluation.data.loaders.schools.gias_links`).
    years
        School years (first calendar year, 2015 for 2015/16).

    Returns
    -------
    pandas.DataFrame
        ``la_code``, ``school_year``, ``schools`` (the denominator) and
        ``academised_share`` (0-1).

    Examples
    --------
    >>> s = pd.DataFrame({"urn": [1, 2, 3], "la_code": 100,
    ...     "route": ["maintained", "maintained", "converter"],
    ...     "conversion_date": pd.to_datetime([None, None, "2012-09-01"])})
    >>> links = pd.DataFrame({"urn": [2], "linked_urn": [9], "link_type": ["Successor"],
    ...                       "link_date": pd.to_datetime(["2021-04-01"])})
    >>> academised_share(s, links, years=range(2020, 2022))["academised_share"].round(2).tolist()
    [0.33, 0.67]
    """
    _need(schools, ["urn", "la_code", "route", "conversion_date"])
    _need(links, ["urn", "link_type", "link_date"])
    chosen = schools[schools["route"].isin(["maintained", "converter", "sponsor-led"])].copy()
    successor = links[(links["link_type"] == "Successor") & (links["link_date"] >= PROGRAMME_START)]
    later = successor.groupby("urn")["link_date"].min()
    maintained = chosen["route"] == "maintained"
    chosen.loc[maintained, "conversion_date"] = chosen.loc[maintained, "urn"].map(later)
    academy_undated = ~maintained & chosen["conversion_date"].isna()
    usable = chosen[~academy_undated]
    converted_year = academic_year(pd.to_datetime(usable["conversion_date"]))
    rows = [
        pd.DataFrame(
            {
                "la_code": usable["la_code"],
                "school_year": year,
                "converted": converted_year.lt(year).fillna(False).astype("int64"),
            }
        )
        for year in years
    ]
    out = pd.concat(rows).groupby(["la_code", "school_year"])["converted"].agg(["size", "mean"])
    out = out.rename(columns={"size": "schools", "mean": "academised_share"}).reset_index()
    out.attrs["excluded"] = int(academy_undated.sum())
    return out
