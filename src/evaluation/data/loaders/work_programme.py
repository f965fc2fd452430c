"""Tidy loaders for the Work Programme's published tables (prices, payments, outcomes).

These files are transcriptions of published pages, several compiled from more
than one source. Each loader keeps the figures as published and says where a
row comes from: ``source_kind`` is ``official`` for figures taken from a
parliamentary, NAO or DWP publication (directly or from a faithful copy) and
``secondary`` for figures quoted by the press, a trade body or a think tank,
which the provenance notes ask to be checked before publication.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from evaluation.data.loaders import numeric, require_columns, tidy

#: The kind of each source id in the compiled files (see the module docstring).
SOURCE_KINDS = {
    # Parliament, the NAO and DWP
    "PAC_HC936": "official",
    "PAC_HC457": "official",
    "CL_SN06340_2013": "official",
    "DWP_SUMMARY_DEC2017": "official",
    "NAO_2013_COMMENTARY": "official",  # the NAO's press release, via WiredGov
    # summaries, press, trade body and think tanks
    "NAO_2012_LGIU": "secondary",  # LGIU's summary of the NAO report
    "GUARDIAN_2012_11_27": "secondary",
    "VOX_2013_06_27": "secondary",
    "ERSA_MPL_BRIEFING": "secondary",
    "OPENDEM_2015_02_12": "secondary",
    "WF_BL_2013_12": "secondary",
    "W2W_2013_12": "secondary",
    "INCLUSION_2015": "secondary",
    "LW_2016_09": "secondary",
    "LW_2018": "secondary",
}


def _source_kind(ids: pd.Series, file: Path) -> pd.Series:
    unknown = sorted(set(ids) - set(SOURCE_KINDS))
    if unknown:
        raise ValueError(f"{file.name} cites sources the loader has not classified: {unknown}")
    return ids.map(SOURCE_KINDS).astype("string")


@tidy("wp_tariffs_by_payment_group")
def wp_tariffs_by_payment_group(file: Path) -> pd.DataFrame:
    """Maximum payments per participant by payment group, contract year 1 (pounds, cash).

    Columns: ``payment_group_no`` (1-9), ``payment_group``, ``attachment_fee``,
    ``job_outcome_fee``, ``sustainment_max`` (the most a provider could earn in
    four-weekly sustainment payments), ``total_max``, ``trigger_weeks`` (weeks
    in work before a job outcome is paid; from a secondary source, see the
    provenance note), ``priced`` (bool: whether the prices were retrieved).

    Prices for groups 6-9 were not retrieved and stay missing: never impute
    them. ``attrs["not_priced"]`` lists those groups. The loader checks that
    each total equals the sum of its parts.
    """
    raw = pd.read_csv(file)
    money = {
        "attachment_fee": "max_year1_attachment_fee_gbp",
        "job_outcome_fee": "max_year1_job_outcome_fee_gbp",
        "sustainment_max": "max_sustainment_fees_gbp",
        "total_max": "max_total_gbp",
    }
    require_columns(
        raw,
        ["payment_group_no", "payment_group", *money.values(), "job_outcome_trigger_weeks_in_work"],
        file,
    )
    out = pd.DataFrame(
        {
            "payment_group_no": raw["payment_group_no"].astype("int64"),
            "payment_group": raw["payment_group"].astype("string"),
        }
    )
    for new, old in money.items():
        out[new] = numeric(raw[old], out).astype("Int64")
    out["trigger_weeks"] = numeric(raw["job_outcome_trigger_weeks_in_work"], out).astype("Int64")
    out["priced"] = out[list(money)].notna().all(axis=1)
    parts = out[["attachment_fee", "job_outcome_fee", "sustainment_max"]].sum(axis=1)
    wrong = out.loc[out["priced"] & (parts != out["total_max"]), "payment_group_no"]
    if len(wrong):
        raise ValueError(
            f"{file.name}: totals differ from the sum of fees for groups {list(wrong)}"
        )
    out.attrs["not_priced"] = out.loc[~out["priced"], "payment_group_no"].tolist()
    return out


@tidy("wp_job_outcome_payments_by_group")
def wp_job_outcome_payments_by_group(file: Path) -> pd.DataFrame:
    """Job outcome payments to prime providers by payment group, June 2011 to March 2014.

    Columns: ``payment_group_no`` (1-9), ``payment_group``, ``payments_gbp``
    (cash pounds; job outcome payments only, not attachment or sustainment
    payments), ``share_pct`` (of the total paid).

    The published total row is checked against the sum of the groups and kept
    in ``attrs["total_gbp"]``. Groups 5 and 7 show the same amount in the
    source (possibly a slip in the answer); the values are kept as published.
    """
    raw = pd.read_csv(file)
    require_columns(raw, ["payment_group_no", "payment_group", "job_outcome_payments_gbp"], file)
    number = raw["payment_group_no"].astype("int64")
    total_rows = raw.loc[number == 0, "job_outcome_payments_gbp"]
    if len(total_rows) != 1:
        raise ValueError(
            f"{file.name} should have one total row (group 0); it has {len(total_rows)}."
        )
    groups = raw.loc[number != 0].reset_index(drop=True)
    out = pd.DataFrame(
        {
            "payment_group_no": groups["payment_group_no"].astype("int64"),
            "payment_group": groups["payment_group"].astype("string"),
        }
    )
    out["payments_gbp"] = numeric(groups["job_outcome_payments_gbp"], out).astype("Int64")
    total = int(total_rows.iloc[0])
    if int(out["payments_gbp"].sum()) != total:
        raise ValueError(
            f"{file.name}: the groups sum to {int(out['payments_gbp'].sum()):,}, "
            f"not the published total {total:,}."
        )
    out["share_pct"] = 100 * out["payments_gbp"].astype(float) / total
    out.attrs["total_gbp"] = total
    return out


@tidy("wp_sustainment_payments_median")
def wp_sustainment_payments_median(file: Path) -> pd.DataFrame:
    """Median four-weekly sustainment payments made after a job outcome, by outcome period.

    Columns: ``period_start``, ``period_end`` (dates of the job outcome
    period), ``median_payments`` (median number of sustainment payments made
    by 31 March 2013, when the data were taken), ``months_observed`` (whole
    months from the end of the period to 31 March 2013: later periods are
    increasingly censored).
    """
    raw = pd.read_csv(file)
    require_columns(raw, ["job_outcome_period", "median_sustainment_payments"], file)
    parts = raw["job_outcome_period"].str.extract(r"^(\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})$")
    if parts.isna().any().any():
        bad = raw.loc[parts.isna().any(axis=1), "job_outcome_period"].tolist()
        raise ValueError(f"{file.name}: periods not of the form 'YYYY-MM-DD to YYYY-MM-DD': {bad}")
    out = pd.DataFrame(
        {
            "period_start": pd.to_datetime(parts[0], format="%Y-%m-%d"),
            "period_end": pd.to_datetime(parts[1], format="%Y-%m-%d"),
        }
    )
    out["median_payments"] = numeric(raw["median_sustainment_payments"], out).astype("Int64")
    snapshot = pd.Timestamp("2013-03-31")
    months = (snapshot.year - out["period_end"].dt.year) * 12 + (
        snapshot.month - out["period_end"].dt.month
    )
    out["months_observed"] = months.astype("int64")
    return out


def _text(text: pd.Series) -> pd.Series:
    """Text with runs of white space made single spaces and ends trimmed."""
    return text.map(lambda s: re.sub(r"\s+", " ", str(s)).strip()).astype("string")


@tidy("wp_performance_vs_mpl")
def wp_performance_vs_mpl(file: Path) -> pd.DataFrame:
    """Published Work Programme performance against minimum performance levels and expectations.

    Columns: ``period``, ``payment_group``, ``measure``, ``value``, ``unit``,
    ``comparator_label`` (e.g. ``contracted MPL``, ``DWP expectation``),
    ``comparator_value``, ``gap`` (``value - comparator_value``, in the
    value's unit; missing without a comparator), ``source_id``, ``source``,
    ``source_kind`` (``official`` or ``secondary``, see ``SOURCE_KINDS``).

    Measures differ in basis (in-year outcomes per referral, a trade body's
    in-year measure, completer cohorts): compare only rows with the same
    ``measure``.
    """
    raw = pd.read_csv(file)
    expected = ["period", "payment_group", "measure", "value", "unit", "comparator_label"]
    require_columns(raw, [*expected, "comparator_value", "source_id", "source"], file)
    out = raw[["period", "payment_group", "measure"]].astype("string")
    out["value"] = numeric(raw["value"], out)
    out["unit"] = _text(raw["unit"])
    out["comparator_label"] = raw["comparator_label"].astype("string")
    out["comparator_value"] = pd.to_numeric(raw["comparator_value"], errors="raise")
    out["gap"] = out["value"] - out["comparator_value"]
    out["source_id"] = raw["source_id"].astype("string")
    out["source"] = raw["source"].astype("string")
    out["source_kind"] = _source_kind(raw["source_id"], file)
    return out


@tidy("wp_headline_outcomes")
def wp_headline_outcomes(file: Path) -> pd.DataFrame:
    """Work Programme headline outcomes compiled from published sources, 2011-2017.

    Columns: ``period`` (cohort or period), ``payment_group``, ``measure``,
    ``value``, ``unit``, ``source_id``, ``source``, ``source_kind``
    (``official`` or ``secondary``).

    Rows mix measures (12-month cohort rates, two-year rates, counts): compare
    only rows with the same ``measure``. The two-year job outcome rates by
    payment group (data to December 2017) come from the Learning and Work
    Institute's analysis of DWP statistics, a secondary source.
    """
    raw = pd.read_csv(file)
    expected = ["period_or_cohort", "payment_group", "measure", "value", "unit", "source_id"]
    require_columns(raw, [*expected, "source"], file)
    out = pd.DataFrame({"period": raw["period_or_cohort"].astype("string")})
    out["payment_group"] = raw["payment_group"].astype("string")
    out["measure"] = raw["measure"].astype("string")
    out["value"] = numeric(raw["value"], out)
    out["unit"] = _text(raw["unit"])
    out["source_id"] = raw["source_id"].astype("string")
    out["source"] = raw["source"].astype("string")
    out["source_kind"] = _source_kind(raw["source_id"], file)
    return out
