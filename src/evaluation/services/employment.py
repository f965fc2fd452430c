"""Employment services: reading Work Programme figures and comparing providers fairly.

* :func:`benchmark_gaps` puts the published outcome rates of each payment
  group beside the benchmark they were meant to beat (a minimum performance
  level, DWP's expectation, the non-intervention rate), as a gap and a ratio,
  keeping the source kind so secondary figures stay visible.
* :func:`in_period_rate` gives the in-year measure the first statistics used: job outcomes
  paid by a week as a share of everyone referred by then.
* :func:`district_panel` gives each district of the benefits panel its English region,
  keeping the districts with a region and an unemployment rate.


* :func:`two_year_rate` and :func:`trigger_weeks` read the two figures a simulation
  of the programme is calibrated to: the two-year job outcome rate over the
  programme's whole life, and the weeks in work before a jobseeker's outcome is paid.

The comparisons of providers the employment chapters make are estimators, so they
live in :mod:`evaluation.compare` (:func:`~evaluation.compare.within_area`,
:func:`~evaluation.compare.provider_effects`, :func:`~evaluation.compare.versus_benchmark`).
"""

from __future__ import annotations

import pandas as pd

from evaluation.results import (
    drop_rows,
    require_columns,
    require_no_missing,
    require_numeric,
)

__all__ = ["benchmark_gaps", "district_panel", "in_period_rate", "trigger_weeks", "two_year_rate"]


#: Columns :func:`benchmark_gaps` needs from ``datasets.load("wp_performance_vs_mpl")``.
PERFORMANCE_COLUMNS = [
    "period",
    "payment_group",
    "measure",
    "value",
    "unit",
    "comparator_label",
    "comparator_value",
    "source_kind",
]


def benchmark_gaps(performance: pd.DataFrame) -> pd.DataFrame:
    """Published outcome rates of jobseeker and ESA groups beside their benchmarks.

    Keeps the rows of the performance table that are percentages for one
    payment group (JSA or ESA) and have a comparator, leaving out rows that
    *are* a benchmark (minimum performance levels compared with an earlier
    level).

    Parameters
    ----------
    performance
        The tidy ``wp_performance_vs_mpl`` table.

    Returns
    -------
    pandas.DataFrame
        ``period, payment_group, family`` (``"JSA"`` or ``"ESA"``), ``measure,
        value, benchmark, benchmark_label, gap_pp`` (value minus benchmark,
        percentage points), ``ratio`` (value over benchmark), ``source_kind``.

    Examples
    --------
    >>> import pandas as pd
    >>> row = dict(period="y2", payment_group="ESA new", measure="rate", value=5.0,
    ...            unit="%", comparator_label="MPL", comparator_value=20.0,
    ...            source_kind="secondary")
    >>> benchmark_gaps(pd.DataFrame([row]))[["gap_pp", "ratio"]].to_dict("records")
    [{'gap_pp': -15.0, 'ratio': 0.25}]
    """
    require_columns(performance, {c: c for c in PERFORMANCE_COLUMNS})
    group = performance["payment_group"].astype("string")
    keep = (
        performance["unit"].astype("string").str.strip().eq("%")
        & group.str.match(r"^(JSA|ESA)").fillna(False)
        & performance["comparator_value"].notna()
        & ~performance["measure"].astype("string").str.startswith("minimum performance level")
    ).astype(bool)
    rows = performance.loc[keep]
    out = pd.DataFrame(
        {
            "period": rows["period"],
            "payment_group": rows["payment_group"],
            "family": group[keep].str[:3],
            "measure": rows["measure"],
            "value": rows["value"].astype(float),
            "benchmark": rows["comparator_value"].astype(float),
            "benchmark_label": rows["comparator_label"],
            "source_kind": rows["source_kind"],
        }
    )
    out["gap_pp"] = out["value"] - out["benchmark"]
    out["ratio"] = out["value"] / out["benchmark"]
    return out.reset_index(drop=True)


def in_period_rate(
    data: pd.DataFrame, *, referral_week: str, outcome_week: str, at: float
) -> float:
    """Job outcomes paid by week ``at`` as a share of everyone referred by then.

    This is the in-year measure of the first Work Programme statistics (job
    outcomes over referrals in the period), which counts recent referrals who
    have not yet had time to reach an outcome.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"r": [0.0, 10.0, 50.0, 60.0], "o": [30.0, None, 90.0, None]})
    >>> in_period_rate(data, referral_week="r", outcome_week="o", at=52)
    0.3333333333333333
    """
    require_columns(data, {"referral_week": referral_week, "outcome_week": outcome_week})
    require_numeric(data, [referral_week, outcome_week])
    require_no_missing(data, [referral_week])
    referred = data[referral_week] <= at
    if not referred.any():
        raise ValueError(f"No row of {referral_week!r} is at or before week {at}.")
    paid = referred & (data[outcome_week] <= at)
    return float(paid.sum() / referred.sum())


def district_panel(frame: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """The unemployment rate by district and year, with each district's region.

    Parameters
    ----------
    frame
        The benefits panel (``registry.load("benefits_panel_by_council")``): at
        least ``area`` (district name), ``year`` and ``unemployment_rate_pct``.
    regions
        A lookup of district to region with columns ``area, region`` (for example
        the ONS 2018 lookup, ``LAD18NM`` and ``RGN18NM`` renamed).

    Returns
    -------
    pandas.DataFrame
        The benefits panel joined to its region, with ``value`` (the unemployment
        rate, per cent). Districts not in the lookup (outside England, or renamed)
        and rows without a rate are dropped, with a warning; the counts of rows are
        in ``attrs["dropped"]`` and the sorted names of the districts not in the
        lookup in ``attrs["unmatched"]``.

    Examples
    --------
    >>> benefits = pd.DataFrame({"area": ["Leeds", "Leeds", "Cardiff"], "year": [2019, 2020, 2020],
    ...     "unemployment_rate_pct": [4.0, None, 3.5]})
    >>> regions = pd.DataFrame({"area": ["Leeds"], "region": ["Yorkshire and The Humber"]})
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # two rows dropped, counted in attrs["dropped"]
    ...     panel = district_panel(benefits, regions)
    >>> panel["value"].tolist(), panel.attrs["unmatched"]
    ([4.0], ['Cardiff'])
    """
    require_columns(frame, {name: name for name in ("area", "unemployment_rate_pct")})
    require_columns(regions, {name: name for name in ("area", "region")})
    merged = frame.merge(regions[["area", "region"]], on="area", how="left")
    unmatched = sorted(merged.loc[merged["region"].isna(), "area"].unique())
    panel = drop_rows(merged, merged["region"].isna(), "district not in the region lookup")
    panel = drop_rows(panel, panel["unemployment_rate_pct"].isna(), "no unemployment rate")
    panel = panel.assign(value=panel["unemployment_rate_pct"])
    panel.attrs["unmatched"] = unmatched
    return panel


def two_year_rate(headline: pd.DataFrame) -> float:
    """The programme's two-year job outcome performance over its whole life, as a share.

    Parameters
    ----------
    headline
        The tidy ``wp_headline_outcomes`` table (``period, measure, value`` in
        per cent).

    Returns
    -------
    float
        The ``"two-year job outcome performance"`` row for ``"Jun 2011-Dec 2017"``,
        divided by 100.

    Examples
    --------
    >>> import pandas as pd
    >>> headline = pd.DataFrame({
    ...     "period": ["Jun 2011-Jun 2015", "Jun 2011-Dec 2017"],
    ...     "measure": ["two-year job outcome performance"] * 2,
    ...     "value": [25.3, 27.8],
    ... })
    >>> round(two_year_rate(headline), 3)
    0.278
    """
    require_columns(headline, {c: c for c in ["period", "measure", "value"]})
    rows = headline[
        headline["measure"].eq("two-year job outcome performance")
        & headline["period"].eq("Jun 2011-Dec 2017")
    ]
    if rows.empty:
        raise ValueError("No two-year job outcome performance row for Jun 2011-Dec 2017.")
    return float(rows["value"].iloc[0] / 100)


def trigger_weeks(tariffs: pd.DataFrame) -> int:
    """Weeks in work before a job outcome is paid for jobseekers aged 25 and over.

    Parameters
    ----------
    tariffs
        The tidy ``wp_tariffs_by_payment_group`` table (``payment_group_no,
        trigger_weeks``); payment group 2 is JSA aged 25+.

    Returns
    -------
    int

    Examples
    --------
    >>> import pandas as pd
    >>> tariffs = pd.DataFrame({"payment_group_no": [1, 2, 3], "trigger_weeks": [26, 26, 13]})
    >>> trigger_weeks(tariffs)
    26
    """
    require_columns(tariffs, {c: c for c in ["payment_group_no", "trigger_weeks"]})
    rows = tariffs.loc[tariffs["payment_group_no"].eq(2), "trigger_weeks"]
    if rows.empty:
        raise ValueError("No row for payment group 2 (JSA aged 25+).")
    return int(rows.iloc[0])
