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

from evaluation.data.loaders import numeric, require_columns, tidy


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
