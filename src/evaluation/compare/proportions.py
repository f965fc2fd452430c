"""Comparing the share of two groups rated good or better, with exact intervals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from evaluation.results import (
    CopiedFrame,
    Result,
    require_columns,
    require_no_missing,
    require_numeric,
)

__all__ = ["RatingComparison", "rating_comparison"]


@dataclass(frozen=True, kw_only=True)
class RatingComparison(Result):
    """Share of services rated good or better, by ownership, with exact intervals.

    Headline: public share minus private share (Newcombe interval); the
    p-value is Fisher's exact test of the 2x2 table.
    """

    _table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    table = CopiedFrame("_table", "Counts, shares and Clopper-Pearson intervals by group (a copy).")


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
