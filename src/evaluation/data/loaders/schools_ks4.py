"""Tidy loaders for school-level KS4 results across England, 2013-2019, keyed by URN and year.

Four compilations of DfE's performance tables cover different years with
different measures: the 5+ A*-C including English and maths share until 2015,
Attainment 8 and Progress 8 from 2016. Every loader returns one row per school
and ``year``, where ``year`` is the calendar year of the summer exams (2013 is
the 2012/13 school year). Shares are percentages 0-100 throughout. Outcome
columns a file does not hold are absent, never filled.

:func:`read_ks4final` reads DfE's own ``*_ks4final.csv`` files, for one council
or for England, so the same analysis runs on the national files where a user
has them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from evaluation.data.loaders import numeric, require_columns, tidy

#: fft's school type labels (as at 2020) mapped to the route into the academy sector.
FFT_ROUTES = {
    "Converter academy/city technology college": "converter",
    "Sponsored academy": "sponsor-led",
    "Free school": "free school",
    "University technical college/studio school": "utc or studio",
    "Community school": "maintained",
    "Voluntary aided/voluntary controlled school": "maintained",
    "Foundation school": "maintained",
}
#: Columns of :func:`read_ks4final` (DfE KS4 school file) this module needs.
KS4FINAL_COLUMNS = ["RECTYPE", "LEA", "URN", "SCHNAME", "NFTYPE", "TPUP", "ATT8SCR", "P8MEA"]


def _long(frame: pd.DataFrame, stubs: dict[str, str], years: tuple[int, ...]) -> pd.DataFrame:
    """Wide ``<stub>_<year>`` columns to one row per ``urn`` and ``year``."""
    parts = []
    for year in years:
        cols = {f"{stub}_{year}": name for stub, name in stubs.items() if f"{stub}_{year}" in frame}
        part = frame[["urn", *cols]].rename(columns=cols).assign(year=year)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


@tidy("fft_ks4_panel_2017_2019")
def fft_ks4_panel_2017_2019(file: Path) -> pd.DataFrame:
    """KS4 results 2017-2019 of every state mainstream secondary in England (FFT compilation).

    One row per school (URN as at 2020) and ``year`` (2017, 2018, 2019).
    Columns: ``urn``, ``year``, ``school_name``, ``la_code``, ``route``
    (:data:`FFT_ROUTES`; type as at 2020), ``open_date`` (GIAS open date of the
    current URN; 1900-01-01 placeholders missing), ``selective`` (bool),
    ``pct_fsm`` and ``pct_fsm6`` (2020 census, %), ``ks2_prior`` (KS2 prior
    attainment of the 2019 cohort, on every row of the school), ``pupils``
    (KS4 cohort), ``att8``, ``p8`` and ``pct_basics`` (% 9-4 in English and
    maths). Results before an academy opened are those of its predecessor,
    carried onto the academy's URN by the compiler: check them against GIAS
    links (:func:`evaluation.services.schools.check_carried_results`).
    """
    raw = pd.read_csv(file, dtype={"open_date": "string"})
    stubs = {"ks4_pupils": "pupils", "attainment_8": "att8", "progress_8": "p8"}
    stubs["basics"] = "pct_basics"
    wanted = ["urn", "school_name", "local_authority", "open_date", "school_type_label"]
    wanted += ["selective_label", "fsm_pct", "fsm6_pct", "prior_ks2_attainment_2019"]
    require_columns(raw, [*wanted, *(f"{s}_{y}" for s in stubs for y in (2017, 2018, 2019))], file)
    schools = pd.DataFrame(
        {
            "urn": raw["urn"].astype("int64"),
            "school_name": raw["school_name"].astype("string"),
            "la_code": raw["local_authority"].astype("int64"),
            "route": raw["school_type_label"].map(FFT_ROUTES).astype("string"),
            "selective": raw["selective_label"].eq("Selective"),
            "pct_fsm": raw["fsm_pct"].astype("float64"),
            "pct_fsm6": raw["fsm6_pct"].astype("float64"),
            "ks2_prior": raw["prior_ks2_attainment_2019"].astype("float64"),
        }
    )
    if schools["route"].isna().any():
        odd = set(raw.loc[schools["route"].isna(), "school_type_label"])
        raise ValueError(f"{file.name}: unknown school_type_label {odd}")
    opened = pd.to_datetime(raw["open_date"], format="%Y-%m-%d")
    schools["open_date"] = opened.mask(opened == pd.Timestamp("1900-01-01"))
    results = _long(raw.assign(urn=schools["urn"]), stubs, (2017, 2018, 2019))
    results["pct_basics"] = results["pct_basics"] * 100
    results["pupils"] = results["pupils"].astype("Int64")
    out = schools.merge(results, on="urn")
    return out.sort_values(["urn", "year"]).reset_index(drop=True)


@tidy("odell_ks4_panel_2013_2015")
def odell_ks4_panel_2013_2015(file: Path) -> pd.DataFrame:
    """KS4 results 2013-2015 of 2,577 state mainstream secondaries with all three years (Odell).

    One row per school (URN as in 2015) and ``year`` (2013, 2014, 2015).
    Columns: ``urn``, ``year``, ``la_code``, ``school_type`` (DfE code in
    2015, e.g. ``"ACC"`` converter academy, ``"AC"`` sponsored, ``"CY"``
    community), ``pupils`` (KS4 cohort), ``ks2_aps`` (cohort's KS2 average
    points), ``pct_disadvantaged`` (% of the cohort disadvantaged, ever-6
    FSM), ``pct_5em`` (% with 5+ A*-C including English and maths; the file
    has no all-pupil figure for 2014, so it is missing then) and
    ``pct_5em_disadvantaged``. A survivor sample: schools missing any year are
    absent.
    """
    raw = pd.read_csv(file)
    needed = ["URN", "ea", "school.type", "ac.gcse.all13", "ac.gcse.all15"]
    needed += [f"{s}{y}" for s in ("tpup", "ks2aps", "ever6fsm", "ac.gcse.fsm") for y in (13, 14)]
    require_columns(raw, needed, file)
    parts = []
    for year in (2013, 2014, 2015):
        yy = str(year)[2:]
        all_pupils = raw.get(f"ac.gcse.all{yy}", pd.Series(float("nan"), index=raw.index))
        part = pd.DataFrame(
            {
                "urn": raw["URN"].astype("int64"),
                "year": year,
                "la_code": raw["ea"].astype("int64"),
                "school_type": raw["school.type"].astype("string"),
                "pupils": raw[f"tpup{yy}"].astype("Int64"),
                "ks2_aps": raw[f"ks2aps{yy}"].astype("float64"),
                "pct_disadvantaged": raw[f"ever6fsm{yy}"].astype("float64") * 100,
                "pct_5em": all_pupils.astype("float64") * 100,
                "pct_5em_disadvantaged": raw[f"ac.gcse.fsm{yy}"].astype("float64") * 100,
            }
        )
        parts.append(part)
    return pd.concat(parts, ignore_index=True).sort_values(["urn", "year"]).reset_index(drop=True)


@tidy("ks4_2014_england_eduvis")
def ks4_2014_england_eduvis(file: Path) -> pd.DataFrame:
    """KS4 results 2014 (2013/14) of state mainstream secondaries in England (eduvis compilation).

    One row per school (``year`` 2014; council rows dropped; where a URN is
    repeated, its rows are identical copies from the compiler's joins and one
    is kept, the number dropped in ``attrs["duplicates"]``). Columns: ``urn``,
    ``year``, ``la_code``, ``school_type`` (GIAS type name), ``pupils``,
    ``ks2_aps``, ``pct_disadvantaged``, ``pct_5em`` (% 5+ A*-C including
    English and maths, first-entry PTQ rules of 2014) and ``best8_va`` (best-8
    value added). Suppressed cells are missing and counted.
    """
    raw = pd.read_csv(file, encoding="latin-1", dtype="string")
    needed = ["RECTYPE", "LEA", "URN", "TPUP", "KS2APS", "PTFSMCLA", "PTAC5EM_PTQ"]
    require_columns(raw, [*needed, "B8VAMEA_PTQ", "TypeOfEstablishment (name)"], file)
    rows = raw[raw["RECTYPE"] == "SCH"]
    before = len(rows)
    rows = rows.drop_duplicates(subset=needed).reset_index(drop=True)
    repeated = rows["URN"].duplicated()
    if repeated.any():
        raise ValueError(
            f"{file.name}: URNs with differing rows: {list(rows['URN'][repeated][:5])}"
        )
    out = pd.DataFrame(
        {
            "urn": pd.to_numeric(rows["URN"]).astype("int64"),
            "year": 2014,
            "la_code": pd.to_numeric(rows["LEA"]).astype("int64"),
            "school_type": rows["TypeOfEstablishment (name)"],
        }
    )
    out.attrs["duplicates"] = before - len(rows)
    out["pupils"] = numeric(rows["TPUP"], out).astype("Int64")
    out["ks2_aps"] = numeric(rows["KS2APS"], out).astype("float64")
    out["pct_disadvantaged"] = numeric(rows["PTFSMCLA"], out).astype("float64")
    out["pct_5em"] = numeric(rows["PTAC5EM_PTQ"], out).astype("float64")
    out["best8_va"] = numeric(rows["B8VAMEA_PTQ"], out).astype("float64")
    return out


@tidy("progress8_2016_by_urn")
def progress8_2016_by_urn(file: Path) -> pd.DataFrame:
    """Progress 8 in 2016 (2015/16, revised) of each school with a published score.

    Columns: ``urn``, ``year`` (2016), ``p8``. Includes special and other
    schools with a score; join a mainstream list to restrict.
    """
    raw = pd.read_csv(file)
    require_columns(raw, ["URN", "P8MEA", "Year"], file)
    if set(raw["Year"]) != {2016}:
        raise ValueError(f"{file.name}: expected Year 2016 only, found {sorted(set(raw['Year']))}")
    return pd.DataFrame(
        {"urn": raw["URN"].astype("int64"), "year": 2016, "p8": raw["P8MEA"].astype("float64")}
    )


@tidy("odell_ks4_2016_attainment8_csv")
def odell_ks4_2016_attainment8_csv(file: Path) -> pd.DataFrame:
    """Attainment 8 in 2016 (2015/16) of 2,968 state mainstream secondaries (Odell subset).

    Columns: ``urn``, ``year`` (2016), ``pupils`` (KS4 cohort), ``ks2_aps``,
    ``pct_disadvantaged`` (ever-6 FSM share of pupils, %), ``att8`` (all
    pupils) and ``att8_disadvantaged``.
    """
    raw = pd.read_csv(file)
    needed = ["urn", "TPUP", "KS2APS", "EVER6FSM", "attainment8_all", "attainment8_ever6fsm"]
    require_columns(raw, needed, file)
    return pd.DataFrame(
        {
            "urn": raw["urn"].astype("int64"),
            "year": 2016,
            "pupils": raw["TPUP"].astype("Int64"),
            "ks2_aps": raw["KS2APS"].astype("float64"),
            "pct_disadvantaged": raw["EVER6FSM"].astype("float64") * 100,
            "att8": raw["attainment8_all"].astype("float64"),
            "att8_disadvantaged": raw["attainment8_ever6fsm"].astype("float64"),
        }
    )


@tidy("school_census_2016")
def school_census_2016(file: Path) -> pd.DataFrame:
    """School census pupil characteristics, January 2016 (year inferred by the compiler).

    One row per school of any phase (the England total row is dropped).
    Columns: ``urn``, ``year`` (2016), ``la_code``, ``pupils`` (number on
    roll), ``pct_fsm`` (% eligible for free meals), ``pct_fsm_ever`` (% ever
    eligible in six years) and ``pct_eal``.
    """
    raw = pd.read_csv(file, dtype="string")
    require_columns(raw, ["URN", "LA", "NOR", "PNUMFSM", "PNUMFSMEVER", "PNUMEAL"], file)
    raw = raw[raw["URN"].str.fullmatch(r"\d+").fillna(False)].reset_index(drop=True)
    out = pd.DataFrame(
        {"urn": raw["URN"].astype("int64"), "year": 2016, "la_code": raw["LA"].astype("int64")}
    )
    out["pupils"] = numeric(raw["NOR"], out).astype("Int64")
    for column, name in [("PNUMFSM", "pct_fsm"), ("PNUMFSMEVER", "pct_fsm_ever")]:
        out[name] = numeric(raw[column], out).astype("float64")
    out["pct_eal"] = numeric(raw["PNUMEAL"], out).astype("float64")
    return out


def _ofsted_inspections(file: Path) -> pd.DataFrame:
    raw = pd.read_csv(file, encoding="latin-1", dtype="string")
    needed = ["URN", "Type of establishment", "Phase", "Inspection start date"]
    needed += ["Inspection end date", "Inspection type", "Overall effectiveness"]
    require_columns(raw, needed, file)
    out = pd.DataFrame(
        {
            "urn": raw["URN"].astype("int64"),
            "school_type": raw["Type of establishment"],
            "phase": raw["Phase"],
            "inspection_type": raw["Inspection type"],
        }
    )
    for column, name in [("Inspection start date", "start"), ("Inspection end date", "end")]:
        out[f"{name}_date"] = pd.to_datetime(raw[column], format="%d/%m/%Y")
    grade = numeric(raw["Overall effectiveness"].replace("NULL", pd.NA), out).astype("Int64")
    out["grade"] = grade.where(grade.isin([1, 2, 3, 4]))
    return out


@tidy("ofsted_inspections_2013_14")
def ofsted_inspections_2013_14(file: Path) -> pd.DataFrame:
    """Ofsted inspections of state schools, 1 September 2013 to 31 August 2014.

    One row per inspection. Columns: ``urn``, ``school_type``, ``phase``,
    ``inspection_type`` (e.g. ``"S5 Inspection"``), ``start_date``,
    ``end_date`` and ``grade`` (overall effectiveness, 1 outstanding to 4
    inadequate; missing for visits that give no grade).
    """
    return _ofsted_inspections(file)


@tidy("ofsted_inspections_oct_dec_2014")
def ofsted_inspections_oct_dec_2014(file: Path) -> pd.DataFrame:
    """Ofsted inspections of state schools, October to December 2014 (columns as 2013/14)."""
    return _ofsted_inspections(file)


@tidy("progress8_by_governance_2019")
def progress8_by_governance_2019(file: Path) -> pd.DataFrame:
    """Progress 8 in 2019 of each council's maintained schools and each academy trust (derived).

    One row per governing organisation. Columns: ``governance``
    (``"Maintained"``, ``"Single-academy trust"``, ``"Multi-academy trust"``),
    ``organisation`` (council or trust), ``pupils``, ``pct_disadvantaged``
    (%), ``p8`` (all pupils), ``p8_disadvantaged``, ``p8_non_disadvantaged``
    and ``pct_selective`` (% of pupils at selective schools).
    """
    names = {
        "Governance": "governance",
        "Governance organisation": "organisation",
        "Number of pupils": "pupils",
        "% disadvantaged": "pct_disadvantaged",
        "Progress 8 - all": "p8",
        "Progress 8 - disadvantaged": "p8_disadvantaged",
        "Progress 8 - non-disadvantaged": "p8_non_disadvantaged",
        "Selective schools %": "pct_selective",
    }
    sheets = ["Maintained", "Single-academy trust", "Multi-academy trust"]
    frames = pd.read_excel(file, sheet_name=sheets)
    parts = []
    for sheet in sheets:
        require_columns(frames[sheet], list(names), file)
        parts.append(frames[sheet][list(names)].rename(columns=names))
    out = pd.concat(parts, ignore_index=True)
    out["governance"] = out["governance"].astype("string")
    out["organisation"] = out["organisation"].astype("string")
    out["pupils"] = out["pupils"].astype("int64")
    for share in ["pct_disadvantaged", "pct_selective"]:
        out[share] = out[share].astype("float64") * 100
    return out


@tidy("academies_conversion_ks4_by_type")
def academies_conversion_ks4_by_type(file: Path) -> pd.DataFrame:
    """Published figures on academy conversion (NAO 2018) and KS4 by school type (2014-2015).

    One row per figure. Columns: ``provider``, ``area``, ``measure``,
    ``period``, ``value`` (as published, text), ``number`` (the first number
    in ``value``, commas removed; missing if none), ``unit``, ``source_title``,
    ``source_address``, ``secondary`` (bool: the source is not the publisher
    of the figure, e.g. a trade body or news page reporting NAO or DfE) and
    ``note``.
    """
    raw = pd.read_csv(file, dtype="string")
    needed = ["provider", "area", "measure", "period", "value", "unit", "source_title"]
    require_columns(raw, [*needed, "source_address", "note"], file)
    out = raw[[*needed, "source_address", "note"]].copy()
    first = out["value"].str.replace(",", "").str.extract(r"([-+]?\d+(?:\.\d+)?)")[0]
    out["number"] = pd.to_numeric(first).astype("float64")
    primary = out["source_address"].str.contains(r"nao\.org\.uk|gov\.uk", regex=True)
    out["secondary"] = ~primary.fillna(False).astype(bool)
    return out


# ----------------------------------------------------------------------------- DfE KS4 files
_YEAR_IN_NAME = re.compile(r"(20\d\d)-(20\d\d)")


def read_ks4final(file: Path | str, *, year: int | None = None) -> pd.DataFrame:
    """Read a DfE KS4 school file (``*_ks4final.csv``) for one council or for England.

    DfE publishes the same layout per council (``2017-2018_850_ks4final.csv``)
    and for England (``england_ks4final.csv``). Rows with ``RECTYPE`` 1
    (mainstream) and 2 (special) are schools; council and England totals are
    dropped. Works on any year from 2016 on, when Attainment 8 and Progress 8
    are in the file.

    Parameters
    ----------
    file
        Path of the CSV file (UTF-8 with or without a byte-order mark, or Latin-1).
    year
        Calendar year of the summer exams (2018 for 2017/18); read from a
        ``YYYY-YYYY`` in the file name when omitted.

    Returns
    -------
    pandas.DataFrame
        ``urn``, ``year``, ``la_code``, ``school_name``, ``special`` (bool),
        ``nftype`` (DfE school type code), ``pupils``, ``att8``, ``p8`` and,
        where the file has them, ``ks2_aps`` and ``pct_disadvantaged``.
        Suppression codes (``SUPP``, ``NE``, ``NP``, ``LOWCOV``...) are
        missing and counted in ``attrs["suppressed"]``.

    Raises
    ------
    ValueError
        If a needed column is absent or the year cannot be told.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> text = "RECTYPE,LEA,URN,SCHNAME,NFTYPE,TPUP,ATT8SCR,P8MEA\\n"
    >>> text += "1,936,1,A,CY,100,45.1,0.1\\n4,936,,,,,,\\n"
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "2017-2018_936_ks4final.csv"
    >>> _ = f.write_text(text)
    >>> read_ks4final(f)[["urn", "year", "att8"]].values.tolist()
    [[1.0, 2018.0, 45.1]]
    """
    file = Path(file)
    if year is None:
        found = _YEAR_IN_NAME.search(file.name)
        if not found:
            raise ValueError(f"{file.name}: pass year=, the name has no YYYY-YYYY")
        year = int(found.group(2))
    try:
        raw = pd.read_csv(file, encoding="utf-8-sig", dtype="string")
    except UnicodeDecodeError:
        raw = pd.read_csv(file, encoding="latin-1", dtype="string")
    require_columns(raw, KS4FINAL_COLUMNS, file)
    rows = raw[raw["RECTYPE"].isin(["1", "2"])].reset_index(drop=True)
    out = pd.DataFrame(
        {
            "urn": rows["URN"].astype("int64"),
            "year": year,
            "la_code": rows["LEA"].astype("int64"),
            "school_name": rows["SCHNAME"],
            "special": rows["RECTYPE"].eq("2"),
            "nftype": rows["NFTYPE"],
        }
    )
    out["pupils"] = numeric(rows["TPUP"], out).astype("Int64")
    out["att8"] = numeric(rows["ATT8SCR"], out).astype("float64")
    out["p8"] = numeric(rows["P8MEA"], out).astype("float64")
    if "KS2APS" in rows:
        out["ks2_aps"] = numeric(rows["KS2APS"], out).astype("float64")
    if "PTFSM6CLA1A" in rows:
        share = rows["PTFSM6CLA1A"].str.rstrip("%")
        out["pct_disadvantaged"] = numeric(share, out).astype("float64")
    return out
