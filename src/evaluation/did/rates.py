"""Difference in differences from a table of published rates, with binomial standard errors."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evaluation.results import (
    CopiedFrame,
    Result,
    headline,
    require_columns,
    require_no_missing,
    require_numeric,
)

__all__ = ["TwoByTwoRatesResult", "relative_change", "two_by_two_rates"]


@dataclass(frozen=True, kw_only=True)
class TwoByTwoRatesResult(Result):
    """Difference in differences of published rates (e.g. reconviction) from an aggregate table.

    ``cells`` holds the four means (treated/comparison, before/after) and the
    binomial variance of each; ``relative_change`` is the treated group's
    proportional change divided by the comparison's, minus one.
    """

    relative_change: float = float("nan")
    _cells: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    cells = CopiedFrame("_cells", "Group-period means and their sampling variances (a copy).")


def _binomial_variance(rate_percent: pd.Series, size: pd.Series) -> pd.Series:
    share = rate_percent / 100
    return 10_000 * share * (1 - share) / size


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
    if not all(math.isfinite(v) and v > 0 for v in values):
        raise ValueError(f"All four values must be positive numbers; they were {values}.")
    return float((treated_after / treated_before) / (comparison_after / comparison_before) - 1)


def _check_rates_and_sizes(
    data: pd.DataFrame, *, outcome: str, denominator: str, sizes: pd.Series
) -> None:
    """Rates are percentages (0-100) and cohort sizes are positive and finite."""
    rates = data[outcome].astype(float)
    problems = {
        f"{outcome!r} outside 0-100 (rates are in per cent)": ~rates.between(0, 100),
        f"{denominator!r} zero, negative or infinite (it is a cohort size)": sizes.notna()
        & ~((sizes > 0) & np.isfinite(sizes)),
    }
    for problem, bad in problems.items():
        if bad.any():
            raise ValueError(f"Rows {data.index[bad].tolist()[:5]} have {problem}.")
    if (rates.dropna() <= 1).all() and (rates > 0).any():
        warnings.warn(
            f"Every rate in {outcome!r} is at most 1: rates are read as per cent, so 0.3 "
            "means 0.3%. If they are proportions, multiply by 100.",
            UserWarning,
            stacklevel=3,
        )


def two_by_two_rates(
    data: pd.DataFrame,
    *,
    outcome: str,
    denominator: str,
    treated: str,
    post: str,
    comparison_denominator: float | None = None,
    level: float = 0.95,
) -> TwoByTwoRatesResult:
    """Difference in differences of published rates, with binomial standard errors.

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
    outcome
        The rate, in percent (e.g. the binary reconviction rate).
    denominator
        People behind each rate (the cohort). May be missing on comparison
        rows: they then take ``comparison_denominator``.
    treated, post
        0/1 columns.
    comparison_denominator
        Cohort size for comparison rows without one. ``None`` treats the
        comparison (e.g. a national rate over tens of thousands) as known
        exactly, which is said in the notes.
    level
        Confidence level.

    Returns
    -------
    TwoByTwoRatesResult

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
    >>> fit = two_by_two_rates(df, outcome="r", denominator="n", treated="t", post="p")
    >>> fit.estimate
    -10.0
    """
    require_columns(
        data, {"outcome": outcome, "denominator": denominator, "treated": treated, "post": post}
    )
    require_numeric(data, [outcome, treated, post])
    require_no_missing(data, [outcome, treated, post])
    for flag in [treated, post]:
        bad = data.index[~data[flag].isin([0, 1])].tolist()
        if bad:
            raise ValueError(f"Column {flag!r} must be 0/1; rows {bad} are not.")
    sizes = pd.to_numeric(data[denominator], errors="coerce").astype(float)
    no_size = data.index[(data[treated] == 1) & sizes.isna()].tolist()
    if no_size:
        raise ValueError(f"Column {denominator!r} is missing for treated rows {no_size}.")
    _check_rates_and_sizes(data, outcome=outcome, denominator=denominator, sizes=sizes)
    if comparison_denominator is not None and not comparison_denominator > 0:
        raise ValueError(
            f"comparison_denominator is a cohort size; it must be positive, not "
            f"{comparison_denominator}."
        )
    notes = []
    if comparison_denominator is None and sizes[data[treated] == 0].isna().any():
        notes.append("Comparison rates without a cohort size are treated as known exactly.")
    sizes = sizes.fillna(np.inf if comparison_denominator is None else comparison_denominator)
    frame = pd.DataFrame(
        {
            "treated": data[treated].astype(int),
            "post": data[post].astype(int),
            "rate": data[outcome].astype(float),
            "variance": _binomial_variance(data[outcome].astype(float), sizes),
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
    return TwoByTwoRatesResult(
        outcome=outcome,
        **headline(estimate, se, level),
        n_obs=len(data),
        method="difference in differences of rates, binomial standard errors",
        estimand="change in rate (percentage points) relative to the comparison",
        level=level,
        notes=tuple(notes),
        relative_change=relative_change(m[(1, 0)], m[(1, 1)], m[(0, 0)], m[(0, 1)]),
        _cells=cells.reset_index(),
    )
