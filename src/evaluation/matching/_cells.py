"""Balance tables from per-group sums: the same table, for records in any engine.

A balance table needs, for each covariate and each group (treated, control),
the count and the sums of the covariate and of its square, and with weights
the sums of the weights and of the weighted covariate and its square. These
are taken where the records live (:func:`evaluation.cells.moments`, about each
covariate's overall mean so that no precision is lost), and the means,
variances (``ddof=1`` unweighted, ``ddof=0`` weighted, as
:func:`evaluation.matching.balance` on a pandas frame) and standardised
differences follow from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from evaluation import cells as cell_sums

__all__: list[str] = []


def balance_records(
    records: Any, *, treatment: str, covariates: Sequence[str], weights: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The balance table and the cells behind it, from records in their own engine."""
    if isinstance(covariates, str) or len(covariates) == 0:
        raise ValueError("covariates must be a non-empty list of column names.")
    if weights is not None and not isinstance(weights, str):
        raise ValueError(
            "weights must name a column of the records when they are not a pandas frame: "
            "a Series or list of weights cannot be matched to rows in another engine."
        )
    covariates = list(covariates)
    if treatment in covariates:
        raise ValueError(f"['{treatment}'] cannot be both a covariate and the treatment.")
    sums = cell_sums.moments(records, keys=[treatment], columns=covariates, weights=weights)
    values = set(pd.unique(sums[treatment]))
    if not values <= {0, 1}:
        raise ValueError(f"treatment={treatment!r} must be 0/1 (or boolean); found {values}.")
    if values != {0, 1}:
        group = "treated" if 1 not in values else "control"
        raise ValueError(f"treatment={treatment!r} has no {group} units; nothing to compare.")
    sums[treatment] = sums[treatment].astype(int)
    treated = dict(list(sums[sums[treatment] == 1].set_index("column").iterrows()))
    control = dict(list(sums[sums[treatment] == 0].set_index("column").iterrows()))
    for column in covariates:
        t, c = treated[column], control[column]
        if t["constant"] and c["constant"] and np.isclose(_mean(t), _mean(c), rtol=1e-12):
            raise ValueError(
                f"Covariate {column!r} takes a single value; it cannot predict "
                "treatment. Remove it."
            )
    if weights is not None:
        for group, side in (("treated", treated), ("control", control)):
            if side[covariates[0]]["w"] <= 0:
                raise ValueError(f"The weights of the {group} units sum to zero.")
    rows = [_row(column, treated[column], control[column], weights) for column in covariates]
    kept = [treatment, "n", *(["w"] if weights else [])]
    cells = sums.loc[sums["column"] == covariates[0], kept].reset_index(drop=True)
    return pd.DataFrame(rows), cells


def _mean(side: pd.Series) -> float:
    return float(side["shift"] + side["x"] / side["n"])


def _variance(side: pd.Series) -> float:
    """Unbiased variance (``ddof=1``) from the sums; zero for a constant group."""
    n = float(side["n"])
    if n < 2:
        return float("nan")
    if side["constant"]:
        return 0.0
    return float(max(side["xx"] - side["x"] ** 2 / n, 0.0) / (n - 1))


def _weighted(side: pd.Series) -> tuple[float, float]:
    """Weighted mean and variance (``ddof=0``) from the sums."""
    centre, square = float(side["wx"] / side["w"]), float(side["wxx"] / side["w"])
    spread = square - centre**2
    # All the weight on one value (a constant group, or zero weights elsewhere): no spread.
    if side["constant"] or spread <= 1e-12 * square:
        spread = 0.0
    return float(side["shift"] + centre), spread


def _row(column: str, t: pd.Series, c: pd.Series, weights: Any) -> dict[str, Any]:
    """One covariate's row of the balance table, as :func:`_balance_table` builds it."""
    before = (_mean(t), _variance(t)), (_mean(c), _variance(c))
    return balance_row(
        column, *before, after=None if weights is None else (_weighted(t), _weighted(c))
    )


def balance_row(
    column: str,
    treated: tuple[float, float],
    control: tuple[float, float],
    *,
    after: tuple[tuple[float, float], tuple[float, float]] | None = None,
) -> dict[str, Any]:
    """One covariate's row of a balance table from each group's mean and variance.

    ``treated`` and ``control`` hold the unweighted mean and variance
    (``ddof=1``); ``after`` the weighted (treated, control) pairs, if weighted.
    Both SMDs use the unweighted pooled standard deviation; a variance ratio
    whose control variance is not positive is NaN.
    """
    (mean_t, var_t), (mean_c, var_c) = treated, control
    scale = np.sqrt((var_t + var_c) / 2)
    row: dict[str, Any] = {
        "covariate": column,
        "mean_treated": mean_t,
        "mean_control": mean_c,
        "smd_before": (mean_t - mean_c) / scale if scale > 0 else 0.0,
        "variance_ratio_before": var_t / var_c if var_c > 0 else np.nan,
    }
    if after is not None:
        (mt, vt), (mc, vc) = after
        row |= {
            "mean_treated_after": mt,
            "mean_control_after": mc,
            "smd_after": (mt - mc) / scale if scale > 0 else 0.0,
            "variance_ratio_after": vt / vc if vc > 0 else np.nan,
        }
    return row
