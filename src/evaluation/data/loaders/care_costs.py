"""Tidy loaders for council unit costs of residential care for older people, and GDP deflators.

The PSS-EX1 unit-cost tables (2008-09 to 2013-14) are wide CSVs with one row
per council and, for each indicator, a numerator (gross cost, £ thousands), a
denominator (weeks of care) and a unit cost (£ per person per week), under one
to three header rows whose layout and indicator numbers change between years.
The loaders therefore find the residential-care-for-older-people columns by
their descriptions, not by position or number.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation.data.geography import harmonise_council
from evaluation.data.loaders import _tidy_periods, numeric, tidy

#: Registry names of the PSS-EX1 unit-cost files and the financial year each covers.
UNIT_COST_FILES = {
    "pssex1_unit_costs_2008_09": "2008-09",
    "pssex1_unit_costs_2009_10": "2009-10",
    "pssex1_unit_costs_2010_11": "2010-11",
    "pssex1_unit_costs_2011_12": "2011-12",
    "pssex1_unit_costs_2012_13": "2012-13",
    "pssex1_unit_costs_2013_14": "2013-14",
}

_KINDS = {"gross total cost": "gross_cost", "the total number of weeks": "weeks"}
_KINDS["average gross weekly expenditure"] = "unit_cost"
_COUNCIL_ROW = re.compile(r"^\s*(\d{3})\s*-\s*(.+?)\s*$")


def _describe(header: str) -> tuple[str, str] | None:
    """(provision, kind) of a residential-care-for-older-people column, else None."""
    text = re.sub(r"\s+", " ", header.lower())
    if "older people" not in text or "nursing" in text or "residential care" not in text:
        return None
    if "own provision residential care" in text:
        provision = "own"
    elif "provided by others" in text:
        provision = "others"
    else:
        return None
    for prefix, kind in _KINDS.items():
        if text.startswith(prefix):
            return provision, kind
    return None


def _header_row(raw: pd.DataFrame, file: Path) -> int:
    """The row of indicator descriptions (one starts ``Gross total cost``), in the first 10."""
    header_row = next(
        (i for i in range(10) if raw.iloc[i].astype(str).str.startswith("Gross total cost").any()),
        None,
    )
    if header_row is None:
        raise ValueError(f"{file.name}: no row of indicator descriptions in the first 10 rows.")
    return header_row


def _columns(raw: pd.DataFrame, file: Path) -> dict[tuple[str, str], int]:
    """Find the six columns (own/others x cost/weeks/unit cost) by their descriptions."""
    header_row = _header_row(raw, file)
    found: dict[tuple[str, str], list[int]] = {}
    for column, header in raw.iloc[header_row].items():
        described = _describe(str(header)) if pd.notna(header) else None
        if described is not None:
            found.setdefault(described, []).append(int(str(column)))
    wanted = [(p, k) for p in ("own", "others") for k in ("gross_cost", "weeks", "unit_cost")]
    problems = {key: found.get(key, []) for key in wanted if len(found.get(key, [])) != 1}
    if problems:
        raise ValueError(f"{file.name}: expected one column each, found {problems}.")
    return {key: found[key][0] for key in wanted}


def read_unit_costs(file: Path, year: str) -> pd.DataFrame:
    """Residential care for older people: own provision versus provided by others, by council.

    Columns: ``la_code`` (three-digit LA number), ``council`` (harmonised
    name), ``council_published``, ``period`` (``year``, the financial year
    the file covers, such as ``"2012-13"``), ``fy_end``
    (year the financial year ends, 2013), ``provision`` (``own`` or
    ``others``), ``gross_cost`` (£ thousands, cash), ``weeks`` (weeks of care
    supported, including full-cost payers), ``unit_cost`` (published gross £
    per person per week, cash). Suppression codes (``..``, ``.``, ``-``)
    become missing and are counted in ``attrs["suppressed"]``.
    """
    raw = pd.read_csv(file, header=None, dtype=str, encoding="latin-1")
    columns = _columns(raw, file)
    matched = raw[0].astype("string").str.extract(_COUNCIL_ROW)
    rows = raw.loc[matched[0].notna()]
    if rows.empty:
        raise ValueError(f"{file.name}: no council rows ('102 - Cumbria') found.")
    parts = []
    for provision in ("own", "others"):
        part = pd.DataFrame(
            {
                "la_code": matched.loc[rows.index, 0].astype("string"),
                "council_published": matched.loc[rows.index, 1].astype("string"),
                "provision": provision,
            }
        )
        for kind in ("gross_cost", "weeks", "unit_cost"):
            text = rows[columns[(provision, kind)]].str.replace(",", "", regex=False).str.strip()
            part[kind] = numeric(text, part)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out.insert(1, "council", harmonise_council(out["council_published"]))
    out.insert(3, "period", year)
    out.insert(4, "fy_end", int(year[:4]) + 1)
    out.attrs["suppressed"] = sum(int(p.attrs.get("suppressed", 0)) for p in parts)
    if out.duplicated(["la_code", "provision"]).any():
        raise ValueError(f"{file.name}: a council appears twice.")
    return out


_tidy_periods(
    UNIT_COST_FILES, read_unit_costs, "PSS-EX1 unit costs {year}: see :func:`read_unit_costs`."
)


@tidy("gdp_deflators_hmt_dec2023")
def gdp_deflators_hmt_dec2023(file: Path) -> pd.DataFrame:
    """HM Treasury GDP deflator by financial year, 2022-23 = 100 (December 2023 update).

    Columns: ``period`` (``"2012-13"``), ``fy_end`` (2013), ``deflator``
    (index, 2022-23 = 100), ``pct_change`` (on the previous year). Rows for
    2023-24 on are OBR forecasts with no index level; they keep a missing
    ``deflator`` and are counted in ``attrs["suppressed"]``.
    """
    raw = pd.read_csv(file, header=None, dtype=str, encoding="utf-8-sig")
    period = raw[1].astype("string").str.extract(r"^(\d{4}-\d{2})")[0]
    rows = raw.loc[period.notna()]
    out = pd.DataFrame({"period": period[rows.index].astype("string")})
    out["fy_end"] = out["period"].str.slice(0, 4).astype("int64") + 1
    out["deflator"] = numeric(rows[2], out)
    out["pct_change"] = pd.to_numeric(rows[3], errors="coerce")
    if out["period"].duplicated().any():
        raise ValueError(f"{file.name}: a financial year appears twice.")
    return out.reset_index(drop=True)


#: Registry names of the older PSS EX1 summary workbooks (one sheet per council).
SUMMARY_WORKBOOKS = {
    "pssex1_unit_costs_2006_07": "2006-07",
    "pssex1_unit_costs_2007_08": "2007-08",
}

_SERVICE = "Residential care for older people"
_PROVISION_HEADERS = {
    "All provision": "all",
    "Own provision": "own",
    "Provision by others": "others",
}


def _sheet_columns(sheet: Any, file: Path) -> dict[str, int]:
    """Columns of all / own / others provision, from the sheet's header rows 2-3."""
    found: dict[str, int] = {}
    for row in (2, 3):
        for column in range(sheet.ncols):
            label = str(sheet.cell_value(row, column)).strip()
            if label in _PROVISION_HEADERS:
                found.setdefault(_PROVISION_HEADERS[label], column)
    if set(found) != set(_PROVISION_HEADERS.values()):
        name = sheet.name
        raise ValueError(f"{file.name}, sheet {name!r}: provision headers not found ({found}).")
    return found


def _sheet_row(sheet: Any) -> int | None:
    if sheet.ncols < 3:
        return None
    for row in range(sheet.nrows):
        if str(sheet.cell_value(row, 2)).strip() == _SERVICE:
            return row
    return None


def read_summary_workbook(file: Path, year: str) -> pd.DataFrame:
    """Weekly unit cost of residential care for older people from a one-sheet-per-council workbook.

    Columns: ``la_code`` (LA number where the sheet name carries one, else
    missing), ``council`` (harmonised), ``sheet`` (as published),
    ``is_total`` (True for the ``TOTAL ...`` sheets), ``period`` (``year``,
    the financial year the file covers, such as ``"2012-13"``),
    ``fy_end``, ``provision`` (``all``, ``own``, ``others``), ``unit_cost``
    (£ per person per week, cash). These workbooks give unit costs only, with
    no costs or weeks. Codes ``..`` and ``.`` become missing and are counted
    in ``attrs["suppressed"]``.
    """
    import xlrd

    book = xlrd.open_workbook(str(file))
    rows = []
    for sheet in book.sheets():
        row = _sheet_row(sheet)
        if row is None:
            continue  # the contents sheet
        columns = _sheet_columns(sheet, file)
        for provision, column in columns.items():
            rows.append((sheet.name, provision, sheet.cell_value(row, column)))
    if not rows:
        raise ValueError(f"{file.name}: no sheet lists {_SERVICE!r}.")
    raw = pd.DataFrame(rows, columns=["sheet", "provision", "value"])
    parts = raw["sheet"].str.extract(r"^(?:(\d{3})-)?(.+)$")
    out = pd.DataFrame({"la_code": parts[0].astype("string")})
    out["council"] = harmonise_council(parts[1].astype("string"))
    out["sheet"] = raw["sheet"].astype("string")
    out["is_total"] = raw["sheet"].str.startswith("TOTAL")
    out["period"] = year
    out["fy_end"] = int(year[:4]) + 1
    out["provision"] = raw["provision"]
    text = raw["value"].astype(str).str.strip()
    text = text.mask(text == "")
    out["unit_cost"] = numeric(text, out)
    if out.duplicated(["sheet", "provision"]).any():
        raise ValueError(f"{file.name}: a sheet appears twice.")
    return out


_tidy_periods(
    SUMMARY_WORKBOOKS,
    read_summary_workbook,
    "PSS EX1 unit costs {year}: see :func:`read_summary_workbook`.",
)


#: Start of the descriptions (lower case) of the PSS-EX1 columns on all older people's
#: residential and nursing care, and the name each gets.
OLDER_CARE_COLUMNS = {
    "gross total cost for residential and nursing care for older people": "gross_cost",
    "the total number of weeks older people were supported in residential and nursing": "weeks",
    "gross total cost for nursing care for older people": "nursing_cost",
    "the total number of weeks older people (including full cost and preserved rights "
    "clients) were supported in nursing care": "nursing_weeks",
    "the total number of weeks older people were supported in own provision residential": (
        "own_weeks"
    ),
    "the total number of weeks older people (including full cost paying and preserved "
    "rights residents) were supported in residential care provided by others": "others_weeks",
}


def older_care_totals(file: Path, year: str) -> pd.DataFrame:
    """All residential and nursing care for older people by council, from a PSS-EX1 unit-cost file.

    Reads the same files as :func:`read_unit_costs` (registry names in
    :data:`UNIT_COST_FILES`; pass the verified path from
    :func:`evaluation.data.registry.path`), but the columns on residential and
    nursing care together rather than residential care alone.

    Returns
    -------
    pandas.DataFrame
        One row per council: ``la_code``, ``council`` (harmonised),
        ``council_published``, ``period`` (``year``, the financial year the
        file covers), ``fy_end``, ``gross_cost`` (£
        thousands, cash, residential and nursing), ``weeks`` (weeks of
        residential and nursing care, including full-cost payers),
        ``nursing_cost``, ``nursing_weeks`` (nursing care, all of it bought
        from others), ``own_weeks`` and ``others_weeks`` (residential care in
        the council's own homes and bought from others). Suppression codes
        become missing and are counted in ``attrs["suppressed"]``.
    """
    raw = pd.read_csv(file, header=None, dtype=str, encoding="latin-1")
    header_row = _header_row(raw, file)
    text = raw.iloc[header_row].astype("string").fillna("").str.lower()
    text = text.str.replace(r"\s+", " ", regex=True).str.strip()
    columns = {}
    for start, name in OLDER_CARE_COLUMNS.items():
        found = [c for c, t in text.items() if t.startswith(start)]
        if len(found) != 1:
            raise ValueError(f"{file.name}: expected one column '{start}...', found {len(found)}.")
        columns[name] = found[0]
    matched = raw[0].astype("string").str.extract(_COUNCIL_ROW)
    rows = raw.loc[matched[0].notna()]
    out = pd.DataFrame(
        {
            "la_code": matched.loc[rows.index, 0].astype("string"),
            "council_published": matched.loc[rows.index, 1].astype("string"),
        }
    )
    out.insert(1, "council", harmonise_council(out["council_published"]))
    out["period"] = year
    out["fy_end"] = int(year[:4]) + 1
    for name, column in columns.items():
        out[name] = numeric(rows[column].str.replace(",", "", regex=False).str.strip(), out)
    if out["la_code"].duplicated().any():
        raise ValueError(f"{file.name}: a council appears twice.")
    return out.reset_index(drop=True)
