"""Tidy loaders for the ASC-FR council returns after the 2015 series break, 2014-15 to 2016-17.

The Adult Social Care Activity and Finance Report (ASC-FR) replaced PSS-EX1 in
2014-15. Its files come in three layouts, all read here into long frames with
the same labels:

* 2014-15 (``ascfr_activity_2014_15``, ``ascfr_unit_costs_2014_15``): still in
  the old publication's wide layout, one column per council ("102 - Cumbria")
  under a row of region codes, with regional and England columns at the end;
* 2015-16 (``ascfr_activity_2015_16``): one row per council and cell (UUID),
  with labelled columns;
* 2016-17 (``ascfr_activity_2016_17``, ``ascfr_totals_2016_17``): one row per
  cell with numeric ``*_KEY`` codes and no labels. :data:`KEYS` decodes them;
  the codes were read off by joining the 2016-17 activity file to the labelled
  2015-16 file on UUID (every one of the 125 cells matches, one label per code,
  checked by ``tests/data/loaders/test_ascfr.py``). Codes that occur only in the
  totals file (other settings, support reasons and care types) stay undecoded:
  their label is missing and their code is kept.

Activity for long-term residential and nursing care is in weeks of care in the
year; money is in £ thousands, cash.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from evaluation.data.geography import harmonise_council
from evaluation.data.loaders import numeric, require_columns, tidy

#: The labels of the 2016-17 files' numeric codes (from the UUID join to 2015-16).
KEYS: dict[str, dict[int, str]] = {
    "CareType_KEY": {2: "Long term", 4: "Short term"},
    "AgeBand_KEY": {1: "18-64", 2: "65+", 3: "65-74", 4: "75-84", 5: "85+"},
    "PrimarySupportReason_KEY": {
        4: "Learning disability support",
        5: "Mental health support",
        6: "Physical support",
        7: "Sensory support",
        13: "Support with memory and cognition",
    },
    "SupportSetting_KEY": {6: "Nursing", 7: "Residential"},
    "Purpose_KEY": {2: "To maximise independence"},
    "ActivityProvision_KEY": {2: "external", 3: "in-house"},
    "DataType_KEY": {1: "Mandatory", 2: "Voluntary"},
}
_AGES = {
    "Age 18 and over": "18+",
    "Age 18 to 64": "18-64",
    "Age 65 and over": "65+",
    "Age 65 to 74": "65-74",
    "Age 75 to 84": "75-84",
    "Age 85 and over": "85+",
}
_PROVISION = {
    "In house provision": "in-house",
    "External provision": "external",
    "Total provision": "total",
    "In house": "in-house",
    "External": "external",
    "All": "all",
    "LA supported only": "la_supported",
    "Own provision": "own",
    "Provision by others": "others",
}
_SETTINGS = {"Residential and nursing care": "Residential and nursing"}
_MEASURES = {"Numerator": "gross_cost", "Denominator": "weeks", "Unit costs": "unit_cost"}
_COUNCIL = re.compile(r"^\s*(\d{3})\s*-\s*(.+?)\s*$")
_LABELS = ["care_type", "age", "support_reason", "setting"]


def _label(series: pd.Series, mapping: dict[str, str]) -> pd.Series:
    text = series.astype("string").str.strip()
    return text.map(lambda v: mapping.get(v, v) if pd.notna(v) else v).astype("string")


def _areas(columns: pd.Index) -> pd.DataFrame:
    """la_code, council_published, council and is_total for the area columns of a wide file."""
    rows = []
    for column in columns:
        match = _COUNCIL.match(str(column))
        if match:
            rows.append((column, match.group(1), match.group(2), False))
        elif str(column).strip().upper() == "ENGLAND":
            rows.append((column, pd.NA, "England", True))
    out = pd.DataFrame(rows, columns=["column", "la_code", "council_published", "is_total"])
    out["la_code"] = out["la_code"].astype("string")
    out["council_published"] = out["council_published"].astype("string")
    out["council"] = harmonise_council(out["council_published"]).where(~out["is_total"], "England")
    return out


def _wide_2014_15(file: Path, labels: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The label columns and the long values of a 2014-15 wide file (row 2 is the header)."""
    raw = pd.read_csv(file, header=1, dtype=str, encoding="latin-1")
    require_columns(raw, labels, file)
    raw = raw.loc[raw[labels[0]].isin(["Long term", "Short term"])].reset_index(drop=True)
    areas = _areas(raw.columns)
    if len(areas) < 150:
        raise ValueError(f"{file.name}: expected about 152 council columns, found {len(areas)}.")
    keys = raw[labels].reset_index(names="row")
    values = raw[areas["column"]].reset_index(names="row").melt(id_vars="row", var_name="column")
    values = values.merge(areas, on="column").merge(keys, on="row")
    return values, areas


def _finish(out: pd.DataFrame, period: str) -> pd.DataFrame:
    out.insert(0, "period", period)
    out.insert(1, "fy_end", int(period[:4]) + 1)
    return out.reset_index(drop=True)


@tidy("ascfr_activity_2014_15")
def ascfr_activity_2014_15(file: Path) -> pd.DataFrame:
    """ASC-FR activity 2014-15 by council: weeks of care by age, support reason, setting, provision.

    Columns: ``period`` (``"2014-15"``), ``fy_end`` (2015), ``la_code``
    (three-digit council number, missing for England), ``council``
    (harmonised), ``council_published``, ``is_total`` (True for England;
    regional columns are dropped), ``care_type`` (``Long term``, ``Short
    term``), ``age`` (``18-64``, ``65+``), ``support_reason``, ``setting``
    (``Residential``, ``Nursing``, or a short-term purpose), ``provision``
    (``in-house``, ``external``, ``total``), ``weeks`` (weeks of care in the
    year). Text that is not a number (``:``, unavailable) becomes missing and is
    counted in ``attrs["suppressed"]``.
    """
    labels = ["Support type", "Age category", "Primary support reason"]
    labels += ["Service delivery mechanism", "Provision"]
    values, _ = _wide_2014_15(file, labels)
    out = values[["la_code", "council", "council_published", "is_total"]].copy()
    for label, name in zip(labels[:4], _LABELS, strict=True):
        out[name] = _label(values[label], _AGES if name == "age" else {})
    out["provision"] = _label(values["Provision"], _PROVISION)
    out["weeks"] = numeric(values["value"].str.replace(",", "").str.strip(), out)
    return _finish(out, "2014-15")


@tidy("ascfr_unit_costs_2014_15")
def ascfr_unit_costs_2014_15(file: Path) -> pd.DataFrame:
    """ASC-FR unit costs 2014-15 by council: gross cost, weeks and cost per week, by cell.

    One row per council (and England) and cell. Columns: ``period``,
    ``fy_end``, ``la_code``, ``council``, ``council_published``,
    ``is_total``, ``care_type``, ``age`` (``18+``, ``18-64``, ``65+``),
    ``support_reason`` (missing for the all-reasons 18+ rows), ``setting``
    (``Residential and nursing``, ``Residential``, ``Nursing``, or a
    short-term purpose), ``provision`` (``all``; ``la_supported``, which
    excludes full-cost clients' contributions from the cost; ``own``,
    ``others``), ``gross_cost`` (the numerator, £ thousands),
    ``weeks`` (the denominator, weeks of care) and ``unit_cost`` (the
    published £ per week). The publisher warns that these unit costs are not
    comparable with PSS-EX1 years (the activity measure changed). Unavailable
    cells become missing and are counted in ``attrs["suppressed"]``.
    """
    labels = ["Support type", "Age category", "Primary support reason"]
    labels += ["Service delivery mechanism", "Unit cost category", "Unit cost provision"]
    values, _ = _wide_2014_15(file, labels)
    long = values[["la_code", "council", "council_published", "is_total"]].copy()
    for label, name in zip(labels[:4], _LABELS, strict=True):
        mapping = _AGES if name == "age" else _SETTINGS if name == "setting" else {}
        long[name] = _label(values[label], mapping)
    long["provision"] = _label(values["Unit cost provision"], _PROVISION)
    long["measure"] = values["Unit cost category"].map(_MEASURES)
    if long["measure"].isna().any():
        raise ValueError(f"{file.name}: unknown unit cost categories.")
    long["value"] = numeric(values["value"].str.replace(",", "").str.strip(), long)
    keys = ["la_code", "council", "council_published", "is_total", *_LABELS, "provision"]
    if long.duplicated([*keys, "measure"]).any():
        raise ValueError(f"{file.name}: a council and cell appear twice.")
    out = long.set_index([*keys, "measure"])["value"].unstack("measure").reset_index()
    out.columns.name = None
    result = _finish(out[[*keys, "gross_cost", "weeks", "unit_cost"]].copy(), "2014-15")
    result.attrs["suppressed"] = long.attrs.get("suppressed", 0)
    return result


def _labelled_2015_16(raw: pd.DataFrame, out: pd.DataFrame) -> pd.DataFrame:
    out["care_type"] = raw["Care Type"].astype("string")
    out["age"] = _label(raw["Age Bands"], _AGES)
    out["support_reason"] = raw["Primary support reason"].astype("string")
    setting = raw["Long Term Support Setting"].astype("string")
    purpose = raw["Short Term Purpose"].astype("string")
    setting, purpose = setting.mask(setting == "-"), purpose.mask(purpose == "-")
    out["setting"] = setting.fillna(purpose)
    out["provision"] = _label(raw["Activity Provision"], _PROVISION)
    out["data_type"] = raw["Data Type"].astype("string")
    return out


@tidy("ascfr_activity_2015_16")
def ascfr_activity_2015_16(file: Path) -> pd.DataFrame:
    """ASC-FR activity 2015-16 by council and cell, with the publisher's labels.

    Columns: ``period`` (``"2015-16"``), ``fy_end`` (2016), ``uuid`` (the
    cell's identifier, shared with 2016-17), ``la_code``, ``council``
    (harmonised), ``council_published``, ``is_total`` (always False: the file
    has councils only), ``care_type``, ``age`` (``18-64``,
    ``65+``, ``65-74``, ``75-84``, ``85+``), ``support_reason``, ``setting``
    (``Residential``, ``Nursing``, or the short-term purpose), ``provision``
    (``in-house``, ``external``), ``data_type`` (``Mandatory``; the finer
    age bands are ``Voluntary`` and incomplete), ``weeks`` (weeks of care).
    """
    raw = pd.read_csv(file, dtype=str, encoding="latin-1")
    needed = ["UUID", "Council Code", "Council Name", "Care Type", "Activity Provision"]
    needed += ["Age Bands", "Primary support reason", "Long Term Support Setting"]
    require_columns(raw, [*needed, "Short Term Purpose", "Data Type", "Value"], file)
    out = pd.DataFrame({"uuid": raw["UUID"].astype("int64")})
    out["la_code"] = raw["Council Code"].str.strip().str.zfill(3).astype("string")
    out["council_published"] = raw["Council Name"].astype("string")
    out["council"] = harmonise_council(out["council_published"])
    out["is_total"] = False
    out = _labelled_2015_16(raw, out)
    out["weeks"] = numeric(raw["Value"].str.replace(",", "").str.strip(), out)
    if out.duplicated(["uuid", "la_code"]).any():
        raise ValueError(f"{file.name}: a council and cell appear twice.")
    return _finish(out, "2015-16")


def _decode(raw: pd.DataFrame, key: str) -> pd.Series:
    codes = pd.to_numeric(raw[key], errors="coerce").astype("Int64")
    return codes.map(KEYS[key]).astype("string")


def _geography(raw: pd.DataFrame) -> pd.DataFrame:
    code = pd.to_numeric(raw["CASSR_CODE"], errors="coerce").astype("Int64")
    out = pd.DataFrame({"la_code": code.astype("string").str.zfill(3)})
    out["geography_code"] = raw["GEOGRAPHY_CODE"].astype("string")
    out["is_total"] = code.isna().to_numpy()
    return out


@tidy("ascfr_activity_2016_17")
def ascfr_activity_2016_17(file: Path) -> pd.DataFrame:
    """ASC-FR activity 2016-17 by council and cell, its codes decoded with :data:`KEYS`.

    Columns: ``period`` (``"2016-17"``), ``fy_end`` (2017), ``uuid``,
    ``la_code`` (missing for the aggregate rows), ``geography_code`` (ONS),
    ``is_total`` (True for rows without a council code: regions and England),
    ``care_type``, ``age``, ``support_reason``, ``setting``, ``provision``,
    ``data_type`` (labels as in :func:`ascfr_activity_2015_16`) and ``weeks``.
    The file names councils by code only; join on ``la_code`` for names.
    ``:`` (unavailable) becomes missing and is counted in ``attrs["suppressed"]``.
    """
    raw = pd.read_csv(file, dtype=str)
    require_columns(raw, ["UUID", "CASSR_CODE", "GEOGRAPHY_CODE", "ItemValue", *KEYS], file)
    out = _geography(raw)
    out.insert(0, "uuid", raw["UUID"].astype("int64"))
    out["care_type"] = _decode(raw, "CareType_KEY")
    out["age"] = _decode(raw, "AgeBand_KEY")
    out["support_reason"] = _decode(raw, "PrimarySupportReason_KEY")
    out["setting"] = _decode(raw, "SupportSetting_KEY").fillna(_decode(raw, "Purpose_KEY"))
    out["provision"] = _decode(raw, "ActivityProvision_KEY")
    out["data_type"] = _decode(raw, "DataType_KEY")
    out["weeks"] = numeric(raw["ItemValue"].str.replace(",", "").str.strip(), out)
    return _finish(out, "2016-17")


_MONEY = {
    "GROSSCURRENTEXPENDITURE": "gross_current",
    "GROSSTOTALEXPENDITURE": "gross_total",
    "NETCURRENTEXPENDITURE": "net_current",
    "NETTOTALEXPENDITURE": "net_total",
    "TOTALEXPENDITURE": "total_expenditure",
    "TOTALINCOME": "total_income",
}


@tidy("ascfr_totals_2016_17")
def ascfr_totals_2016_17(file: Path) -> pd.DataFrame:
    """ASC-FR expenditure totals 2016-17 by council and cell, codes decoded where known.

    Columns: ``period``, ``fy_end``, ``la_code``, ``geography_code``,
    ``is_total``, ``care_type``, ``age``, ``support_reason``, ``setting``,
    ``data_type`` (decoded with :data:`KEYS`; missing where the code occurs
    only in this file), ``care_type_key``, ``support_reason_key`` and
    ``setting_key`` (the codes, kept for the undecoded ones), and the money
    columns in £ thousands, cash: ``gross_current``, ``gross_total``,
    ``net_current``, ``net_total``, ``total_expenditure``, ``total_income``.
    There is no in-house / external split in this file.
    """
    raw = pd.read_csv(file, dtype=str)
    keys = ["CareType_KEY", "AgeBand_KEY", "PrimarySupportReason_KEY", "SupportSetting_KEY"]
    require_columns(raw, ["CASSR_CODE", "GEOGRAPHY_CODE", *keys, *_MONEY], file)
    out = _geography(raw)
    out["care_type"] = _decode(raw, "CareType_KEY")
    out["age"] = _decode(raw, "AgeBand_KEY")
    out["support_reason"] = _decode(raw, "PrimarySupportReason_KEY")
    out["setting"] = _decode(raw, "SupportSetting_KEY")
    out["data_type"] = _decode(raw, "DataType_KEY")
    for key, name in [("CareType_KEY", "care_type_key"), ("SupportSetting_KEY", "setting_key")]:
        out[name] = pd.to_numeric(raw[key], errors="coerce").astype("Int64")
    out["support_reason_key"] = pd.to_numeric(raw["PrimarySupportReason_KEY"]).astype("Int64")
    for column, name in _MONEY.items():
        out[name] = numeric(raw[column], out)
    return _finish(out, "2016-17")


@tidy("asc_spend_over65_by_sector_2015_2023")
def asc_spend_over65_by_sector_2015_2023(file: Path) -> pd.DataFrame:
    """England councils' spending on care for people aged 65+, by setting and sector, 2015-2023.

    A researcher's compilation (B. Goodair) from the ASC-FR returns. Columns:
    ``year`` (as compiled), ``setting`` (as published: ``Residential care home
    placements``, ``Nursing home placements``, ``Home care``, ...), ``sector``
    (``in-house``, ``external``, ``total``), ``expenditure`` (£ thousands,
    cash).
    """
    raw = pd.read_csv(file)
    require_columns(raw, ["year", "SupportSetting", "Sector", "Expenditure"], file)
    out = pd.DataFrame({"year": raw["year"].astype("int64")})
    out["setting"] = raw["SupportSetting"].astype("string")
    sector = {"In House": "in-house", "External": "external", "Total": "total"}
    out["sector"] = raw["Sector"].map(sector).astype("string")
    if out["sector"].isna().any():
        raise ValueError(f"{file.name}: unknown sectors {sorted(set(raw['Sector']))}.")
    out["expenditure"] = numeric(raw["Expenditure"], out)
    return out
