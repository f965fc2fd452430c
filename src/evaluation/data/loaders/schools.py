"""Tidy loaders for schools: GIAS links and trusts, KS4 results, Ofsted grades, admissions.

GIAS (Get Information About Schools) files give one row per link or
membership; the KS4 performance-table files one row per school and year; the
Ofsted management-information subsets one row per school with two inspections;
the admissions file one row per area, year and phase. Every loader keeps the
published suppression codes as missing values and counts them in
``frame.attrs["suppressed"]``.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pandas as pd

from evaluation.data.loaders import Loader, _alias, numeric, require_columns, tidy

#: GIAS writes 1900-01-01 where an open or joined date is unknown.
GIAS_UNKNOWN_DATE = pd.Timestamp("1900-01-01")

_LINK_COLUMNS = ["URN", "LinkURN", "LinkName", "LinkType", "LinkEstablishedDate"]


def _gias_dates(series: pd.Series, frame: pd.DataFrame, *, dayfirst: bool) -> pd.Series:
    """Parse GIAS dates; the 1900-01-01 placeholder becomes missing and is counted."""
    fmt = "%d-%m-%Y" if dayfirst else "%Y-%m-%d"
    dates = pd.to_datetime(series, format=fmt, errors="raise")
    placeholder = dates == GIAS_UNKNOWN_DATE
    frame.attrs["placeholder_dates"] = frame.attrs.get("placeholder_dates", 0) + int(
        placeholder.sum()
    )
    return dates.mask(placeholder)


def _links(raw: pd.DataFrame, file: Path, *, dayfirst: bool) -> pd.DataFrame:
    require_columns(raw, _LINK_COLUMNS, file)
    out = pd.DataFrame(
        {
            "urn": raw["URN"].astype("int64"),
            "linked_urn": raw["LinkURN"].astype("int64"),
            "linked_name": raw["LinkName"].astype("string"),
            "link_type": raw["LinkType"].astype("string"),
        }
    )
    out["link_date"] = _gias_dates(raw["LinkEstablishedDate"], out, dayfirst=dayfirst)
    return out


@tidy("gias_links")
def gias_links(file: Path) -> pd.DataFrame:
    """GIAS links between establishments, April 2025.

    Columns: ``urn`` (the establishment), ``linked_urn`` (the other one),
    ``linked_name``, ``link_type`` (e.g. ``"Predecessor"``: ``linked_urn`` is a
    predecessor of ``urn``), ``link_date`` (datetime; missing for about a
    quarter of links, which the file leaves blank).
    """
    raw = pd.read_csv(file, encoding="latin-1", dtype={"LinkEstablishedDate": "string"})
    return _links(raw, file, dayfirst=True)


@tidy("gias_links_2022")
def gias_links_2022(file: Path) -> pd.DataFrame:
    """GIAS links between establishments as saved in July 2022 (same columns as ``gias_links``)."""
    raw = pd.read_csv(file, index_col=0, dtype={"LinkEstablishedDate": "string"})
    return _links(raw, file, dayfirst=False)


@tidy("gias_groups_2022")
def gias_groups_2022(file: Path) -> pd.DataFrame:
    """GIAS groups (trusts, sponsors, federations), July 2022.

    Columns: ``group_uid``, ``group_name``, ``group_type`` (e.g.
    ``"Multi-academy trust"``), ``status`` (``"Open"``, ``"Closed"``,
    ``"Proposed to open"``), ``open_date``, ``incorporated_date`` (when the
    trust was incorporated: the only opening date GIAS gives for academy
    trusts), ``closed_date`` (datetimes; the 1900-01-01 placeholder is missing
    and counted in ``attrs["placeholder_dates"]``), ``companies_house`` (string).
    Control characters in names are replaced by spaces.
    """
    raw = pd.read_csv(file, dtype={"Companies House Number": "string"})
    expected = ["Group UID", "Group Name", "Group Type", "Group Status", "Open date"]
    expected += ["Incorporated on (open date)", "Closed Date"]
    require_columns(raw, expected, file)
    names = raw["Group Name"].astype("string").str.replace(r"[\x00-\x1f]", " ", regex=True)
    out = pd.DataFrame(
        {
            "group_uid": raw["Group UID"].astype("int64"),
            "group_name": names.str.strip(),
            "group_type": raw["Group Type"].astype("string"),
            "status": raw["Group Status"].astype("string"),
            "companies_house": raw["Companies House Number"],
        }
    )
    out["open_date"] = _gias_dates(raw["Open date"], out, dayfirst=False)
    incorporated = raw["Incorporated on (open date)"]
    out["incorporated_date"] = _gias_dates(incorporated, out, dayfirst=False)
    out["closed_date"] = _gias_dates(raw["Closed Date"], out, dayfirst=False)
    return out


@tidy("gias_group_links_2022")
def gias_group_links_2022(file: Path) -> pd.DataFrame:
    """Membership of schools in GIAS groups, July 2022: one row per school and group.

    Columns: ``urn``, ``school_name``, ``type_code`` and ``type_name`` (GIAS
    establishment type, e.g. ``"Academy converter"``), ``phase``, ``la_code``
    (DfE three-digit number), ``la_name``, ``group_uid``, ``group_name``,
    ``group_type``, ``group_status``, ``joined_date`` (datetime; 1900-01-01
    placeholders missing and counted in ``attrs["placeholder_dates"]``).
    """
    raw = pd.read_csv(file, index_col=0)
    expected = [
        "URN",
        "EstablishmentName",
        "TypeOfEstablishment (code)",
        "TypeOfEstablishment (name)",
        "PhaseOfEducation (name)",
        "LA (code)",
        "LA (name)",
        "Group UID",
        "Group Name",
        "Group Type",
        "Group Status",
        "Joined date",
    ]
    require_columns(raw, expected, file)
    out = pd.DataFrame(
        {
            "urn": raw["URN"].astype("int64"),
            "school_name": raw["EstablishmentName"].astype("string"),
            "type_code": raw["TypeOfEstablishment (code)"].astype("int64"),
            "type_name": raw["TypeOfEstablishment (name)"].astype("string"),
            "phase": raw["PhaseOfEducation (name)"].astype("string"),
            "la_code": raw["LA (code)"].astype("int64"),
            "la_name": raw["LA (name)"].astype("string"),
            "group_uid": raw["Group UID"].astype("int64"),
            "group_name": raw["Group Name"].astype("string").str.strip(),
            "group_type": raw["Group Type"].astype("string"),
            "group_status": raw["Group Status"].astype("string"),
        }
    )
    out["joined_date"] = _gias_dates(raw["Joined date"], out, dayfirst=False)
    return out


# ----------------------------------------------------------------------------- KS4 results
#: Suppression and absence codes in the KS4 performance tables, meaning suppressed
#: (small numbers), not entered, not published, or low coverage of prior attainment.
KS4_CODES = ("SUPP", "NE", "NP", "LOWCOV")
#: NFTYPE codes of academies and free schools (mainstream and special).
ACADEMY_NFTYPES = ("AC", "ACC", "ACS", "ACCS", "F", "FS", "FSS", "UTC", "SS")
#: NFTYPE codes of council-maintained schools (mainstream and special).
MAINTAINED_NFTYPES = ("CY", "VA", "VC", "FD", "CYS", "FDS")
#: NFTYPE codes of independent and non-maintained special schools.
INDEPENDENT_NFTYPES = ("IND", "INDSPEC", "NMSS")
_KS4_COLUMNS = ["RECTYPE", "LEA", "URN", "SCHNAME", "NFTYPE", "TPUP", "KS2APS"]
_KS4_COLUMNS += ["PTFSM6CLA1A", "ATT8SCR", "P8MEA"]


def _percent(series: pd.Series, frame: pd.DataFrame) -> pd.Series:
    """Numbers written as ``"43%"`` (codes counted as suppressed)."""
    return numeric(series.str.rstrip("%"), frame)


def _sector(nftype: pd.Series) -> pd.Series:
    groups = {
        **{code: "academy" for code in ACADEMY_NFTYPES},
        **{code: "maintained" for code in MAINTAINED_NFTYPES},
        **{code: "independent" for code in INDEPENDENT_NFTYPES},
    }
    return nftype.map(groups).fillna("other").astype("string")


def _ks4_council(file: Path, school_year: int) -> pd.DataFrame:
    raw = pd.read_csv(file, encoding="utf-8-sig", dtype="string")
    require_columns(raw, _KS4_COLUMNS, file)
    schools = raw[raw["RECTYPE"].isin(["1", "2"])].reset_index(drop=True)
    out = pd.DataFrame(
        {
            "school_year": school_year,
            "la_code": schools["LEA"].astype("int64"),
            "urn": schools["URN"].astype("int64"),
            "school_name": schools["SCHNAME"],
            "special": schools["RECTYPE"].eq("2"),
            "nftype": schools["NFTYPE"],
            "sector": _sector(schools["NFTYPE"]),
            "pupils": pd.to_numeric(schools["TPUP"], errors="raise").astype("Int64"),
        }
    )
    out["ks2_aps"] = numeric(schools["KS2APS"], out).astype("float64")
    out["pct_disadvantaged"] = _percent(schools["PTFSM6CLA1A"], out).astype("float64")
    out["att8"] = numeric(schools["ATT8SCR"], out).astype("float64")
    out["p8"] = numeric(schools["P8MEA"], out).astype("float64")
    return out


@tidy("ks4_2017_hampshire")
def ks4_2017_hampshire(file: Path) -> pd.DataFrame:
    """KS4 results of each school in Hampshire, 2016-17 (final).

    One row per school (RECTYPE 1 mainstream, 2 special; council and England
    total rows are dropped). Columns: ``school_year`` (2016 for 2016/17),
    ``la_code``, ``urn``, ``school_name``, ``special`` (bool), ``nftype``
    (DfE school type code), ``sector`` (``"academy"``, ``"maintained"``,
    ``"independent"`` or ``"other"``), ``pupils`` (KS4 cohort), ``ks2_aps``
    (cohort's mean KS2 points), ``pct_disadvantaged`` (% disadvantaged),
    ``att8`` (Attainment 8) and ``p8`` (Progress 8). The codes in
    :data:`KS4_CODES` become missing and are counted in ``attrs["suppressed"]``.
    """
    return _ks4_council(file, 2016)


def _ks4(name: str, school_year: int, council: str) -> Loader:
    """Loader ``name``: a council's KS4 file of ``school_year`` (2016 for 2016/17)."""
    years = f"{school_year}-{(school_year + 1) % 100:02d}"
    doc = f"KS4 results of each school in {council}, {years} (columns as ``ks4_2017_hampshire``)."
    return _alias(__name__, name, partial(_ks4_council, school_year=school_year), doc)


ks4_2017_surrey = _ks4("ks4_2017_surrey", 2016, "Surrey")
ks4_2018_hampshire = _ks4("ks4_2018_hampshire", 2017, "Hampshire")
ks4_2018_surrey = _ks4("ks4_2018_surrey", 2017, "Surrey")
ks4_2019_surrey = _ks4("ks4_2019_surrey", 2018, "Surrey")


#: Ofsted grades from best to worst, coded 1-4 as Ofsted does.
OFSTED_GRADES = {"Outstanding": 1, "Good": 2, "Requires Improvement": 3, "Inadequate": 4}


@tidy("ks4_2019_schools_ofsted")
def ks4_2019_schools_ofsted(file: Path) -> pd.DataFrame:
    """KS4 results 2018-19 of secondary schools in England with Ofsted grade (derived file).

    Columns: ``urn``, ``school_name``, ``special`` (RECTYPE 2), ``sector``
    (``"academy"``, ``"maintained"``, ``"special"``, ``"independent"``,
    ``"college"``), ``p8``, ``att8``, ``pct_basics`` (% strong 9-5 pass in
    English and maths), ``ebacc_aps``, ``ofsted`` (1 outstanding to 4
    inadequate; missing if blank, and the three old "Satisfactory" grades are
    coded 3), ``inspection_date``, ``grammar`` and ``religious`` (bool),
    ``gender``, ``latitude``, ``longitude``. ``SUPP``, ``NE``, ``NP`` and
    ``LOWCOV`` become missing and are counted in ``attrs["suppressed"]``.
    The Ofsted grade was scraped around 2021 and may post-date the results.
    """
    raw = pd.read_csv(file, dtype="string")
    expected = ["RECTYPE", "URN", "SCHNAME", "P8MEA", "ATT8SCR", "PTL2BASICS_95", "EBACCAPS"]
    expected += ["OFSTEDRATING", "INSPECTIONDT", "SCHTYPE", "GRAMMAR", "GENDER", "RELIGION"]
    require_columns(raw, [*expected, "LATITUDE", "LONGITUDE"], file)
    sectors = {
        "Academy": "academy",
        "Maintained school": "maintained",
        "Special school": "special",
        "Independent school": "independent",
        "College": "college",
    }
    out = pd.DataFrame(
        {
            "urn": raw["URN"].astype("int64"),
            "school_name": raw["SCHNAME"],
            "special": raw["RECTYPE"].eq("2"),
            "sector": raw["SCHTYPE"].map(sectors).astype("string"),
        }
    )
    if out["sector"].isna().any():
        raise ValueError(
            f"{file.name}: unknown SCHTYPE {set(raw.loc[out['sector'].isna(), 'SCHTYPE'])}"
        )
    out["p8"] = numeric(raw["P8MEA"], out).astype("float64")
    out["att8"] = numeric(raw["ATT8SCR"], out).astype("float64")
    out["pct_basics"] = _percent(raw["PTL2BASICS_95"], out).astype("float64")
    out["ebacc_aps"] = numeric(raw["EBACCAPS"], out).astype("float64")
    grades = {**OFSTED_GRADES, "Satisfactory": 3}
    out["ofsted"] = raw["OFSTEDRATING"].map(grades).astype("Int64")
    dates = raw["INSPECTIONDT"].str.replace(r"\.0$", "", regex=True)
    out["inspection_date"] = pd.to_datetime(dates, format="%Y%m%d")
    out["grammar"] = raw["GRAMMAR"].eq("Yes")
    out["religious"] = ~raw["RELIGION"].isin(["Does not apply", "None"]) & raw["RELIGION"].notna()
    out["gender"] = raw["GENDER"]
    out["latitude"] = raw["LATITUDE"].astype("float64")
    out["longitude"] = raw["LONGITUDE"].astype("float64")
    return out


# ----------------------------------------------------------------------------- Ofsted grades
_OFSTED_COLUMNS = {
    "LAESTAB": "laestab",
    "School name": "school_name",
    "Ofsted phase": "phase",
    "Type of education": "school_type",
    "Region": "region",
    "Local authority": "la_name",
    "The income deprivation affecting children index (IDACI) quintile": "idaci_quintile",
    "Total number of pupils": "pupils",
    "School type at time of previous full inspection": "previous_type",
    "Previous inspection start date": "previous_date",
    "Previous full inspection overall effectiveness": "previous_grade",
    "Inspection start date": "current_date",
    "Overall effectiveness": "current_grade",
}


def _ofsted_pairs(file: Path) -> pd.DataFrame:
    """Two full inspections per school from an Ofsted MI subset (the "Data" sheet)."""
    raw = pd.read_excel(file, sheet_name="Data")
    require_columns(raw, list(_OFSTED_COLUMNS), file)
    out = raw[list(_OFSTED_COLUMNS)].rename(columns=_OFSTED_COLUMNS)
    for text in ["school_name", "phase", "school_type", "region", "la_name", "previous_type"]:
        out[text] = out[text].astype("string")
    out["laestab"] = out["laestab"].astype("int64")
    out["idaci_quintile"] = numeric(out["idaci_quintile"], out).astype("Int64")
    out["pupils"] = numeric(out["pupils"], out).astype("Int64")
    for grade in ["previous_grade", "current_grade"]:
        out[grade] = numeric(out[grade], out).astype("Int64")
        bad = out[grade].notna() & ~out[grade].isin([1, 2, 3, 4])
        if bad.any():
            raise ValueError(f"{file.name}: {grade} outside 1-4 in rows {list(out.index[bad][:5])}")
    for date in ["previous_date", "current_date"]:
        out[date] = pd.to_datetime(out[date])
    out["change"] = out["previous_grade"] - out["current_grade"]
    return out


_OFSTED_DOC = """Ofsted grades at two full inspections, {what} (Ofsted MI, February 2022).

    One row per school. Columns: ``laestab`` (LA number and establishment
    number), ``school_name``, ``phase``, ``school_type`` (now), ``region``,
    ``la_name``, ``idaci_quintile`` (1 least to 5 most deprived),
    ``pupils``, ``previous_type`` (school type at the earlier inspection),
    ``previous_date``, ``previous_grade``, ``current_date``, ``current_grade``
    (Ofsted's 1 outstanding to 4 inadequate) and ``change`` (previous minus
    current grade: positive is an improvement). Blank cells stay missing.
    """


def _ofsted(name: str, what: str) -> Loader:
    return _alias(__name__, name, _ofsted_pairs, _OFSTED_DOC.format(what=what))


ofsted_maintained_to_mat = _ofsted(
    "ofsted_maintained_to_mat",
    "last as a maintained school and now as an academy in a multi-academy trust",
)
ofsted_maintained_to_sat = _ofsted(
    "ofsted_maintained_to_sat", "last as a maintained school and now as a single-academy trust"
)
ofsted_within_mat = _ofsted("ofsted_within_mat", "both within the same multi-academy trust")
ofsted_within_sat = _ofsted("ofsted_within_sat", "both as the same single-academy trust")
ofsted_sat_mat_to_new_mat = _ofsted(
    "ofsted_sat_mat_to_new_mat", "before and after an academy moved to a new multi-academy trust"
)


# ----------------------------------------------------------------------------- admissions
_ADMISSIONS_COUNTS = {
    "admission_numbers": "places",
    "applications_received": "applications",
    "first_preference_offers": "first_offers",
    "second_preference_offers": "second_offers",
    "third_preference_offers": "third_offers",
    "one_of_the_three_preference_offers": "top3_offers",
    "preferred_school_offer": "preferred_offers",
    "non_preferred_offer": "non_preferred_offers",
    "no_offer": "no_offer",
    "schools_in_la_offer": "offers_in_la",
    "schools_in_another_la_offer": "offers_other_la",
}
_LEVELS = {"National": "national", "Regional": "region", "Local authority": "la"}


@tidy("school_applications_offers_by_la")
def school_applications_offers_by_la(file: Path) -> pd.DataFrame:
    """Applications and offers of school places by area, entry years 2014 to 2021.

    One row per entry year, area and phase. Columns: ``entry_year`` (the
    September of entry: 2021 for the published 2021/22), ``level``
    (``"national"``, ``"region"``, ``"la"``), ``region_code``,
    ``region_name``, ``la_code`` (old three-digit DfE number; missing above
    LA level), ``la_name``, ``phase`` (``"Primary"``, ``"Secondary"``), and
    the counts ``places`` (published admission numbers), ``applications``,
    ``first_offers``, ``second_offers``, ``third_offers``, ``top3_offers``,
    ``preferred_offers``, ``non_preferred_offers``, ``no_offer``,
    ``offers_in_la``, ``offers_other_la`` (Int64). ``c`` (suppressed) and
    ``:`` (not available) become missing and are counted in
    ``attrs["suppressed"]``. Percentages are not kept: divide the counts.
    """
    raw = pd.read_csv(file, encoding="utf-8-sig", dtype="string")
    expected = ["time_period", "geographic_level", "region_code", "region_name", "old_la_code"]
    require_columns(raw, [*expected, "la_name", "school_phase", *_ADMISSIONS_COUNTS], file)
    out = pd.DataFrame(
        {
            "entry_year": raw["time_period"].str[:4].astype("int64"),
            "level": raw["geographic_level"].map(_LEVELS).astype("string"),
            "region_code": raw["region_code"],
            "region_name": raw["region_name"],
            "la_code": pd.to_numeric(raw["old_la_code"], errors="raise").astype("Int64"),
            "la_name": raw["la_name"],
            "phase": raw["school_phase"],
        }
    )
    if out["level"].isna().any():
        unknown = set(raw.loc[out["level"].isna(), "geographic_level"])
        raise ValueError(f"{file.name}: unknown geographic_level {unknown}")
    for old, new in _ADMISSIONS_COUNTS.items():
        out[new] = numeric(raw[old], out).round().astype("Int64")
    return out
