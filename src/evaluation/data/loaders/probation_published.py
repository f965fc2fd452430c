"""Tidy loaders for the transcribed probation tables: Peterborough, CRC results, inspections.

All four files are transcriptions of published figures (see each file's
PROVENANCE note in the data folder). The loaders rename and type the columns;
they never correct a figure. Where a row quotes an analyst's estimate rather
than an official statistic, the ``source`` column says so and chapters must
cite it as such.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evaluation.data.loaders import PUBLISHED_FIGURE_COLUMNS, numeric, require_columns, tidy


@tidy("peterborough_interim_reconviction")
def peterborough_interim_reconviction(file: Path) -> pd.DataFrame:
    """Peterborough and national six-month reconviction, 19-month discharge cohorts 2005-2012.

    Long format, one row per discharge period and group. Columns: ``period``
    (e.g. ``Sep05-Mar07``), ``period_start`` (year the discharge window
    opens), ``group`` (``Peterborough`` or ``national``), ``treated`` (1 for
    Peterborough), ``post`` (1 for the pilot period), ``cohort_size``
    (offenders; published for Peterborough only, missing for national),
    ``rate_percent`` (binary reconviction rate, %), ``events_per_100``
    (reconviction events per 100 offenders).
    """
    raw = pd.read_csv(file)
    columns = [
        "discharge_period",
        "peterborough_cohort_size",
        "peterborough_reconviction_rate_pct",
        "peterborough_reconviction_events_per_100",
        "national_reconviction_rate_pct",
        "national_reconviction_events_per_100",
        "period_type",
    ]
    require_columns(raw, columns, file)
    parts = []
    for group, prefix in [("Peterborough", "peterborough"), ("national", "national")]:
        part = pd.DataFrame({"period": raw["discharge_period"].astype("string")})
        part["period_start"] = 2000 + part["period"].str.slice(3, 5).astype("int64")
        part["group"] = pd.Series(group, index=part.index, dtype="string")
        part["treated"] = int(group == "Peterborough")
        part["post"] = raw["period_type"].str.startswith("pilot").astype("int64")
        size = raw["peterborough_cohort_size"] if group == "Peterborough" else pd.NA
        part["cohort_size"] = pd.Series(size, index=part.index).astype("Int64")
        part["rate_percent"] = numeric(raw[f"{prefix}_reconviction_rate_pct"], part)
        part["events_per_100"] = numeric(raw[f"{prefix}_reconviction_events_per_100"], part)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out.attrs["suppressed"] = sum(int(p.attrs.get("suppressed", 0)) for p in parts)
    return out


@tidy("peterborough_sib_results")
def peterborough_sib_results(file: Path) -> pd.DataFrame:
    """Headline results of the Peterborough social impact bond, one row per published figure.

    Columns: ``cohort``, ``measure``, ``group``, ``value``, ``note``,
    ``source_id``, ``source`` (the press release or report quoted).
    """
    raw = pd.read_csv(file)
    columns = ["cohort", "measure", "group", "value", "note", "source_id", "source"]
    require_columns(raw, columns, file)
    out = raw[columns].copy()
    for column in ["cohort", "measure", "group", "note", "source_id", "source"]:
        out[column] = out[column].astype("string")
    out["value"] = numeric(raw["value"], out)
    return out


@tidy("crc_pbr_headline_results")
def crc_pbr_headline_results(file: Path) -> pd.DataFrame:
    """Transforming Rehabilitation payment-by-results headline figures, cohorts 2015-2020.

    Columns: ``cohort``, ``unit`` (all CRCs, one CRC, NPS, or a count
    description), ``measure``, ``value`` (a number; the one interim
    trajectory row, a list of percentages, is missing here and kept whole
    in ``value_text``), ``comparator_label``, ``comparator_value`` (numeric
    where the source gives a number), ``source_id``, ``official`` (True for
    Ministry of Justice rows, False for analysts' blog estimates),
    ``note``, ``source``.
    """
    raw = pd.read_csv(file)
    columns = [
        "cohort",
        "unit",
        "measure",
        "value",
        "comparator_label",
        "comparator_value",
        "source_id",
        "note",
        "source",
    ]
    require_columns(raw, columns, file)
    out = pd.DataFrame({c: raw[c].astype("string") for c in ["cohort", "unit", "measure"]})
    out["value_text"] = raw["value"].astype("string")
    out["value"] = pd.to_numeric(raw["value"], errors="coerce")
    out["comparator_label"] = raw["comparator_label"].astype("string")
    out["comparator_value"] = pd.to_numeric(raw["comparator_value"], errors="coerce")
    out["source_id"] = raw["source_id"].astype("string")
    out["official"] = out["source_id"].str.startswith("MOJ").astype(bool)
    out["note"] = raw["note"].astype("string")
    out["source"] = raw["source"].astype("string")
    out.attrs["suppressed"] = 0
    return out


@tidy("hmip_probation_ratings_counts")
def hmip_probation_ratings_counts(file: Path) -> pd.DataFrame:
    """Counts of overall inspection ratings of CRCs and NPS divisions, 2018-19 and 2019-20.

    Columns: ``round`` (``2018/19`` or ``2019/20``), ``round_label`` (as
    published), ``provider_type`` (``CRC`` or ``NPS division``),
    ``ownership`` (``private`` for CRCs, ``public`` for the NPS),
    ``outstanding``, ``good``, ``requires_improvement``, ``inadequate``,
    ``rated`` (services rated; checked to equal the sum of the four),
    ``source``.
    """
    raw = pd.read_csv(file)
    counts = ["n_outstanding", "n_good", "n_requires_improvement", "n_inadequate", "n_rated"]
    require_columns(raw, ["inspection_round", "provider_type", *counts, "source"], file)
    out = pd.DataFrame({"round_label": raw["inspection_round"].astype("string")})
    out.insert(0, "round", out["round_label"].str.slice(0, 7))
    out["provider_type"] = raw["provider_type"].astype("string")
    out["ownership"] = out["provider_type"].map({"CRC": "private", "NPS division": "public"})
    for column in counts:
        out[column.removeprefix("n_")] = numeric(raw[column], out).astype("int64")
    four = out[["outstanding", "good", "requires_improvement", "inadequate"]].sum(axis=1)
    bad = out.index[four != out["rated"]].tolist()
    if bad:
        raise ValueError(f"{file.name}: ratings do not sum to n_rated in rows {bad}")
    out["source"] = raw["source"].astype("string")
    return out


#: Publishers whose rows are primary sources in the TR contracts file; every other row
#: (a newspaper, a copy of an NAO summary, a provider's own page, a blog) is secondary.
PRIMARY_PUBLISHERS = (
    "National Audit Office",
    "House of Commons Public Accounts Committee",
    "HM Inspectorate of Probation",
)


@tidy("tr_crc_contracts_owners_ratings")
def tr_crc_contracts_owners_ratings(file: Path) -> pd.DataFrame:
    """Transforming Rehabilitation contracts: finance, volumes, owners, ratings; one row per figure.

    Columns: ``provider``, ``area``, ``measure``, ``period``, ``value_text``
    (as published, e.g. ``16 to 48`` or ``Inadequate``), ``value`` (the
    number where the figure is one number, else missing), ``low`` and
    ``high`` (the ends of a published range such as ``16 to 48``, else both
    equal to ``value``), ``unit``, ``source_title``, ``source_address``,
    ``source_location``, ``note``, ``kind`` (``figure`` for a number,
    ``owner`` for an ownership row, ``rating`` for an inspection rating,
    ``text`` otherwise) and ``secondary`` (True unless the row quotes the
    NAO, the Public Accounts Committee or the inspectorate directly; a
    newspaper's or a copy's report of an NAO figure is secondary).
    """
    raw = pd.read_csv(file)
    columns = PUBLISHED_FIGURE_COLUMNS
    require_columns(raw, columns, file)
    out = pd.DataFrame({c: raw[c].astype("string") for c in columns[:4]})
    text = raw["value"].astype(str).str.strip()
    out["value_text"] = text.astype("string")
    out["value"] = pd.to_numeric(text, errors="coerce").astype(float)
    ends = text.str.extract(r"^([\d.]+)\s+to\s+([\d.]+)$")
    out["low"] = pd.to_numeric(ends[0], errors="coerce").astype(float).fillna(out["value"])
    out["high"] = pd.to_numeric(ends[1], errors="coerce").astype(float).fillna(out["value"])
    for column in columns[5:]:
        out[column] = raw[column].astype("string")
    measure = out["measure"].str.lower()
    out["kind"] = "text"
    out.loc[out["low"].notna(), "kind"] = "figure"
    out.loc[measure.str.contains("owner"), "kind"] = "owner"
    out.loc[measure.str.contains("rating") & out["unit"].eq("rating"), "kind"] = "rating"
    out["kind"] = out["kind"].astype("string")
    out["secondary"] = ~out["source_title"].str.startswith(PRIMARY_PUBLISHERS).astype(bool)
    out.attrs["suppressed"] = 0
    return out


@tidy("probation_area_nps_crc_lookup")
def probation_area_nps_crc_lookup(file: Path) -> pd.DataFrame:
    """MoJ's lookup of probation areas to NOMS regions, NPS divisions and the 21 CRCs.

    Columns: ``area`` (as recorded on case systems, trimmed), ``body``
    (``trust`` for the 35 former probation trusts and their sub-areas,
    ``NPS`` or ``PS`` for National Probation Service and post-2021 units,
    ``CRC`` for the 21 community rehabilitation companies; missing for the
    two administrative rows the file leaves unassigned), ``region`` (NOMS
    region), ``nps_division``, ``crc`` (the CRC's full name, on CRC rows
    only; the file's spelling slip ``Bedforshire`` is corrected, and no
    other value is changed).
    """
    raw = pd.read_csv(file)
    columns = [
        "PROBATION_AREA_DESCRIPTION",
        "NOMS_REGION_DESCRIPTION",
        "NPS_Division",
        "CRC_Area",
        "SUP_BODY",
    ]
    require_columns(raw, columns, file)
    bodies = {"a. Probation Trust": "trust", "b. NPS": "NPS", "b. PS": "PS", "c. CRC": "CRC"}
    body = raw["SUP_BODY"].map(bodies)
    unknown = sorted(set(raw.loc[body.isna() & raw["SUP_BODY"].notna(), "SUP_BODY"].astype(str)))
    if unknown:
        raise ValueError(f"{file.name}: unknown SUP_BODY values {unknown}")
    out = pd.DataFrame(
        {
            "area": raw["PROBATION_AREA_DESCRIPTION"].astype("string").str.strip(),
            "body": body.astype("string"),
            "region": raw["NOMS_REGION_DESCRIPTION"].astype("string").str.strip(),
            "nps_division": raw["NPS_Division"].astype("string").str.strip(),
        }
    )
    crc = raw["CRC_Area"].astype("string").str.strip()
    out["crc"] = crc.where(out["body"].eq("CRC")).str.replace("Bedforshire", "Bedfordshire")
    out.attrs["suppressed"] = 0
    return out
