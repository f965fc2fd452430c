"""Probation analyses: national reoffending series, the Peterborough bond, CRC payment by results.

The functions here carry the design logic of the probation chapters; the
regressions come from :mod:`evaluation.its` and :mod:`evaluation.did`, the
intervals and tests from statsmodels and scipy.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from evaluation.results import (
    Result,
    headline,
    normal_interval,
    require_columns,
    require_no_missing,
    require_numeric,
    require_unique,
)

__all__ = [
    "ChanceResult",
    "ReconvictionDidResult",
    "RatingComparison",
    "binary_and_frequency",
    "chance_significant",
    "measure_overlap",
    "national_series",
    "rating_comparison",
    "reconviction_did",
    "relative_change",
]


# --- national series ---------------------------------------------------------------------


def national_series(
    data: pd.DataFrame,
    *,
    group: str,
    quantity: str,
    measure: str,
    cohort_length: str = "annual",
) -> pd.DataFrame:
    """One national reoffending series, in one measure only, with no gaps.

    The old and new measures define their cohorts differently, so a series
    is always one measure: there is deliberately no way to ask for both.
    Rows with a missing value are dropped with a warning that counts them.

    Parameters
    ----------
    data
        Output of ``datasets.load("proven_reoffending_national")``.
    group
        ``"Adult"``, ``"Juvenile"`` or ``"All"``.
    quantity
        e.g. ``"binary"`` (%), ``"frequency"`` (reoffences per offender), ``"cohort"``.
    measure
        ``"old"`` or ``"new"``.
    cohort_length
        ``"annual"`` or ``"3-monthly"``.

    Returns
    -------
    pandas.DataFrame
        ``cohort_start``, ``period`` (0, 1, ... in order), ``value``.

    Examples
    --------
    >>> raw = pd.DataFrame({"measure": ["new"] * 2, "cohort_length": ["annual"] * 2,
    ...     "cohort_start": pd.to_datetime(["2002-04-01", "2003-04-01"]),
    ...     "group": ["Adult"] * 2, "quantity": ["binary"] * 2, "value": [30.0, 29.0]})
    >>> national_series(raw, group="Adult", quantity="binary", measure="new")["value"].tolist()
    [30.0, 29.0]
    """
    require_columns(
        data,
        {c: c for c in ["measure", "cohort_length", "cohort_start", "group", "quantity", "value"]},
    )
    keep = (
        (data["measure"] == measure)
        & (data["cohort_length"] == cohort_length)
        & (data["group"] == group)
        & (data["quantity"] == quantity)
    )
    rows = data.loc[keep, ["cohort_start", "value"]]
    if rows.empty:
        raise ValueError(
            f"No rows for measure={measure!r}, cohort_length={cohort_length!r}, "
            f"group={group!r}, quantity={quantity!r}."
        )
    require_unique(rows, ["cohort_start"])
    missing = rows["value"].isna()
    if missing.any():
        dates = rows.loc[missing, "cohort_start"].dt.strftime("%Y-%m").tolist()
        warnings.warn(
            f"Dropped {int(missing.sum())} {measure}-measure {group} {quantity} rows with no "
            f"value (cohorts starting {dates}).",
            stacklevel=2,
        )
    series = rows.loc[~missing].sort_values("cohort_start", ignore_index=True)
    series["period"] = np.arange(len(series))
    return series[["cohort_start", "period", "value"]]


def measure_overlap(data: pd.DataFrame, *, group: str, quantity: str) -> pd.DataFrame:
    """Annual cohorts measured both ways: old value, new value and the gap between them.

    Only cohorts that start on the same date under both measures are set side
    by side; the gap shows how far the definitions differ, and why the two
    series must never be joined into one.

    Returns
    -------
    pandas.DataFrame
        ``cohort_start``, ``old``, ``new``, ``gap`` (new minus old).
    """
    old = national_series(data, group=group, quantity=quantity, measure="old")
    new = national_series(data, group=group, quantity=quantity, measure="new")
    both = old.merge(new, on="cohort_start", suffixes=("_old", "_new"))
    out = pd.DataFrame(
        {"cohort_start": both["cohort_start"], "old": both["value_old"], "new": both["value_new"]}
    )
    out["gap"] = out["new"] - out["old"]
    return out


def binary_and_frequency(data: pd.DataFrame, *, measure: str = "new") -> pd.DataFrame:
    """Annual binary rate and frequency for adults and juveniles, long format, one measure.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``quantity``, ``cohort_start``, ``value``.
    """
    parts = []
    for group in ["Adult", "Juvenile"]:
        for quantity in ["binary", "frequency"]:
            series = national_series(data, group=group, quantity=quantity, measure=measure)
            parts.append(series.assign(group=group, quantity=quantity))
    out = pd.concat(parts, ignore_index=True)
    return out[["group", "quantity", "cohort_start", "value"]]


# --- Peterborough: difference in differences with binomial uncertainty --------------------


@dataclass(frozen=True, kw_only=True)
class ReconvictionDidResult(Result):
    """Difference in differences of reconviction rates from an aggregate table.

    ``cells`` holds the four means (treated/comparison, before/after) and the
    binomial variance of each; ``relative_change`` is the treated group's
    proportional change divided by the comparison's, minus one.
    """

    relative_change: float = float("nan")
    _cells: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    @property
    def cells(self) -> pd.DataFrame:
        """Group-period means and their sampling variances (a copy)."""
        return self._cells.copy()


def _binomial_variance(rate_percent: pd.Series, size: pd.Series) -> pd.Series:
    share = rate_percent / 100
    return 10_000 * share * (1 - share) / size


def reconviction_did(
    data: pd.DataFrame,
    *,
    rate: str,
    cohort_size: str,
    treated: str,
    post: str,
    comparison_size: float | None = None,
    level: float = 0.95,
) -> ReconvictionDidResult:
    """Difference in differences of a reconviction rate, with binomial standard errors.

    Each row is one group's rate (%) in one period. The estimate is the change
    in the treated group's rate (mean of its post periods minus mean of its
    pre periods) minus the same change in the comparison group. Its standard
    error comes from the sampling variance of each published rate,
    ``p (1 - p) / n`` for a cohort of ``n``, not from the scatter of a
    handful of aggregate points.

    Parameters
    ----------
    data
        One row per group and period.
    rate
        Binary reconviction rate, in percent.
    cohort_size
        Offenders behind each rate. May be missing on comparison rows: they
        then take ``comparison_size``.
    treated, post
        0/1 columns.
    comparison_size
        Cohort size for comparison rows without one. ``None`` treats the
        comparison (e.g. a national rate over tens of thousands) as known
        exactly, which is said in the notes.
    level
        Confidence level.

    Returns
    -------
    ReconvictionDidResult

    Raises
    ------
    ValueError
        For absent, non-numeric or missing columns, non-0/1 flags, an empty
        group-period cell, or a treated row without a cohort size.

    Notes
    -----
    The periods are treated as independent cohorts. Where they overlap in
    time (a man released in one window may also sit in the next), the true
    variance is larger than reported.

    Examples
    --------
    >>> df = pd.DataFrame({"r": [40.0, 30.0, 50.0, 50.0], "n": [1000, 1000, None, None],
    ...                    "t": [1, 1, 0, 0], "p": [0, 1, 0, 1]})
    >>> fit = reconviction_did(df, rate="r", cohort_size="n", treated="t", post="p")
    >>> fit.estimate
    -10.0
    """
    require_columns(
        data, {"rate": rate, "cohort_size": cohort_size, "treated": treated, "post": post}
    )
    require_numeric(data, [rate, treated, post])
    require_no_missing(data, [rate, treated, post])
    for flag in [treated, post]:
        bad = data.index[~data[flag].isin([0, 1])].tolist()
        if bad:
            raise ValueError(f"Column {flag!r} must be 0/1; rows {bad} are not.")
    sizes = pd.to_numeric(data[cohort_size], errors="coerce").astype(float)
    no_size = data.index[(data[treated] == 1) & sizes.isna()].tolist()
    if no_size:
        raise ValueError(f"Column {cohort_size!r} is missing for treated rows {no_size}.")
    notes = []
    if comparison_size is None and sizes[data[treated] == 0].isna().any():
        notes.append("Comparison rates without a cohort size are treated as known exactly.")
    sizes = sizes.fillna(np.inf if comparison_size is None else comparison_size)
    frame = pd.DataFrame(
        {
            "treated": data[treated].astype(int),
            "post": data[post].astype(int),
            "rate": data[rate].astype(float),
            "variance": _binomial_variance(data[rate].astype(float), sizes),
        }
    )
    cells = frame.groupby(["treated", "post"]).agg(
        periods=("rate", "size"), mean=("rate", "mean"), variance=("variance", "sum")
    )
    empty = [c for c in [(0, 0), (0, 1), (1, 0), (1, 1)] if c not in cells.index]
    if empty:
        raise ValueError(f"No rows with ({treated}, {post}) = {empty}.")
    cells["variance"] = cells["variance"] / cells["periods"] ** 2
    m = cells["mean"]
    estimate = float((m[(1, 1)] - m[(1, 0)]) - (m[(0, 1)] - m[(0, 0)]))
    se = float(np.sqrt(cells["variance"].sum()))
    notes.append("Periods treated as independent cohorts; overlapping windows widen the truth.")
    return ReconvictionDidResult(
        outcome=rate,
        **headline(estimate, se, level),
        n_obs=len(data),
        method="difference in differences of rates, binomial standard errors",
        estimand="change in rate (percentage points) relative to the comparison",
        level=level,
        notes=tuple(notes),
        relative_change=relative_change(m[(1, 0)], m[(1, 1)], m[(0, 0)], m[(0, 1)]),
        _cells=cells.reset_index(),
    )


def relative_change(
    treated_before: float, treated_after: float, comparison_before: float, comparison_after: float
) -> float:
    """Treated group's proportional change relative to the comparison's, minus one.

    This is how the Peterborough bond's outcome was read: a value of -0.075
    means 7.5% fewer reconviction events than the comparison implies.

    Examples
    --------
    >>> round(relative_change(100, 90, 100, 100), 3)
    -0.1
    """
    values = [treated_before, treated_after, comparison_before, comparison_after]
    if min(values) <= 0:
        raise ValueError(f"All four values must be positive; they were {values}.")
    return float((treated_after / treated_before) / (comparison_after / comparison_before) - 1)


# --- CRC payment by results: significance by chance -----------------------------------------


@dataclass(frozen=True, kw_only=True)
class ChanceResult(Result):
    """How many units beat a baseline 'significantly' when their true change is known.

    Headline: the average number of units with a significant reduction per
    replication. ``counts`` gives the distribution of that number.
    """

    n_units: int = 0
    true_change: float = 0.0
    _counts: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    @property
    def counts(self) -> pd.DataFrame:
        """Share of replications with each number of significant reductions (a copy)."""
        return self._counts.copy()

    def at_least(self, k: int) -> float:
        """Share of replications in which ``k`` or more units beat the baseline."""
        table = self._counts
        return float(table.loc[table["significant"] >= k, "share"].sum())


def chance_significant(
    reoffenders: np.ndarray,
    cohort_sizes: Sequence[int],
    *,
    baseline_rate: float,
    true_change: float = 0.0,
    alpha: float = 0.05,
    level: float = 0.95,
) -> ChanceResult:
    """Count units whose rate is significantly below a fixed baseline, replication by replication.

    Each unit is tested one-sided, ``z = (p_hat - baseline) / sqrt(b (1 - b) / n)``,
    as a payment rule that treats the baseline as known would. Works on a
    whole ``(replications, units)`` array at once.

    Parameters
    ----------
    reoffenders
        Array ``(n_sims, n_units)`` of reoffender counts, e.g. from
        :func:`evaluation.simulate.probation.crc_cohorts`.
    cohort_sizes
        Offenders in each unit's cohort.
    baseline_rate
        The baseline (a proportion) every unit is compared with.
    true_change
        The true change built into the simulation, recorded for the reader.
    alpha
        One-sided significance level of each unit's test.
    level
        Level of the interval around the mean count.

    Examples
    --------
    >>> counts = np.array([[40, 50], [50, 50]])
    >>> fit = chance_significant(counts, [100, 100], baseline_rate=0.5)
    >>> fit.estimate
    0.5
    """
    counts = np.asarray(reoffenders, dtype=float)
    sizes = np.asarray(cohort_sizes, dtype=float)
    if counts.ndim != 2 or counts.shape[1] != len(sizes):
        raise ValueError(
            f"reoffenders must be (replications, {len(sizes)} units); it is {counts.shape}."
        )
    if (counts < 0).any() or (counts > sizes).any():
        raise ValueError("reoffenders must lie between 0 and each cohort size.")
    se = np.sqrt(baseline_rate * (1 - baseline_rate) / sizes)
    z = (counts / sizes - baseline_rate) / se
    significant = (z < stats.norm.ppf(alpha)).sum(axis=1)
    n_sims = len(significant)
    mean, sd = float(significant.mean()), float(significant.std(ddof=1))
    low, high, _ = normal_interval(mean, sd / np.sqrt(n_sims), level)
    share = np.bincount(significant, minlength=len(sizes) + 1) / n_sims
    table = pd.DataFrame({"significant": np.arange(len(sizes) + 1), "share": share})
    return ChanceResult(
        estimate=mean,
        se=sd / np.sqrt(n_sims),
        ci_low=low,
        ci_high=high,
        p_value=float("nan"),
        n_obs=n_sims,
        method=f"one-sided z-test against a fixed baseline at alpha={alpha}, per unit",
        estimand="mean number of units with a significant reduction",
        level=level,
        n_units=len(sizes),
        true_change=true_change,
        _counts=table,
    )


# --- inspection ratings ---------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RatingComparison(Result):
    """Share of services rated good or better, by ownership, with exact intervals.

    Headline: public share minus private share (Newcombe interval); the
    p-value is Fisher's exact test of the 2x2 table.
    """

    _table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    @property
    def table(self) -> pd.DataFrame:
        """Counts, shares and Clopper-Pearson intervals by group (a copy)."""
        return self._table.copy()


def rating_comparison(
    data: pd.DataFrame,
    *,
    group: str,
    good: Sequence[str],
    rated: str,
    first: str,
    second: str,
    level: float = 0.95,
) -> RatingComparison:
    """Compare two groups' shares of services rated good or better.

    Parameters
    ----------
    data
        One row per group (or several, summed), with count columns.
    group
        Column naming the group (e.g. ``ownership``).
    good
        Count columns that count as "good or better".
    rated
        Column of services rated.
    first, second
        The two groups; the estimate is share(first) minus share(second).
    level
        Level of the intervals.

    Examples
    --------
    >>> df = pd.DataFrame({"g": ["a", "b"], "good": [5, 1], "n": [7, 21]})
    >>> fit = rating_comparison(df, group="g", good=["good"], rated="n", first="a", second="b")
    >>> round(fit.estimate, 3)
    0.667
    """
    columns: dict[str, str | None] = {"group": group, "rated": rated}
    require_columns(data, columns | {g: g for g in good})
    require_numeric(data, [rated, *good])
    require_no_missing(data, [group, rated, *good])
    summed = data.groupby(group)[[*good, rated]].sum()
    absent = [g for g in [first, second] if g not in summed.index]
    if absent:
        raise ValueError(f"Column {group!r} has no rows for {absent}.")
    summed = summed.loc[[first, second]]
    k = summed[list(good)].sum(axis=1).to_numpy(dtype=int)
    n = summed[rated].to_numpy(dtype=int)
    low, high = proportion_confint(k, n, alpha=1 - level, method="beta")
    table = pd.DataFrame(
        {"group": [first, second], "good_or_better": k, "rated": n, "share": k / n}
    )
    table["ci_low"], table["ci_high"] = low, high
    _, p = stats.fisher_exact(np.array([[k[0], n[0] - k[0]], [k[1], n[1] - k[1]]]))
    diff_low, diff_high = confint_proportions_2indep(
        k[0], n[0], k[1], n[1], method="newcomb", alpha=1 - level
    )
    estimate = float(k[0] / n[0] - k[1] / n[1])
    return RatingComparison(
        estimate=estimate,
        se=float("nan"),
        ci_low=float(diff_low),
        ci_high=float(diff_high),
        p_value=float(p),
        n_obs=int(n.sum()),
        method="difference in proportions (Newcombe interval), Fisher's exact test",
        estimand=f"share rated good or better, {first} minus {second}",
        level=level,
        _table=table,
    )
