"""The 2x2 difference-in-differences from cell sums: exact, for records in any engine.

When every regressor is constant within a cell - here the cells are the
treated-by-period groups, split by cluster when standard errors are clustered -
least squares needs only each cell's sums. Write ``x_c`` for the regressors of
cell ``c`` (a constant, ``treated``, ``post`` and their product), ``W_c``, ``Y_c``
and ``Q_c`` for its sums of ``w``, ``w y`` and ``w y**2``, and ``f_c = x_c' b``
for the fitted value. Then

- the estimate: ``b = (sum_c W_c x_c x_c')^{-1} sum_c x_c Y_c``;
- classical: ``s2 = sum_c (Q_c - 2 f_c Y_c + f_c**2 W_c) / (N - K)`` and
  ``V = s2 (sum_c W_c x_c x_c')^{-1}``;
- robust (HC1): the meat is ``sum_c x_c x_c' (QQ_c - 2 f_c YY_c + f_c**2 WW_c)``
  with the sums of ``w**2 y**2``, ``w**2 y`` and ``w**2``, scaled by ``N / (N - K)``;
- clustered: the score of cluster ``g`` is ``s_g = sum_{c in g} x_c (Y_c - f_c
  W_c)``, the meat ``sum_g s_g s_g'``, scaled by ``G / (G - 1) (N - 1) / (N - K)``

(the sandwich ``A^{-1} meat A^{-1}`` with ``A = sum_c W_c x_c x_c'``). These are
statsmodels' ``WLS`` variances term for term, so the cell path and the
person-level path agree to rounding.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from evaluation import cells as cell_sums
from evaluation.results import headline

__all__: list[str] = []

_CORNERS = [(0, 0), (0, 1), (1, 0), (1, 1)]


def two_by_two_records(
    records: Any,
    *,
    outcome: str,
    treated: str,
    post: str,
    cluster: str | None,
    weights: str | None,
    cov_type: Literal["HC1", "nonrobust"],
    level: float,
) -> dict[str, Any]:
    """The fields of a 2x2 result, from records summarised in their own engine."""
    keys = [treated, post, *([cluster] if cluster else [])]
    table = cell_sums.summarise(records, keys=keys, outcome=outcome, weights=weights)
    for column in (treated, post):
        values = set(pd.unique(table[column]))
        if not values <= {0, 1}:
            raise ValueError(f"'{column}' must be 0/1 or boolean; found {sorted(values)}.")
    table[[treated, post]] = table[[treated, post]].astype(int)
    corners = table.groupby([treated, post])[["n", "w", "wy"]].sum()
    missing = [c for c in _CORNERS if c not in corners.index]
    if missing:
        raise ValueError(
            f"No rows with ({treated}, {post}) = {missing}: all four group-period "
            "cells are needed for a 2x2 difference-in-differences."
        )
    g, p = table[treated].to_numpy(float), table[post].to_numpy(float)
    x = np.column_stack([np.ones(len(table)), g, p, g * p])
    names = ["const", treated, post, f"{treated}:{post}"]
    estimate, cov = _fit(table, x, cluster)
    if cluster is None and cov_type == "nonrobust":
        cov = _classical(table, x, estimate)
    se = np.sqrt(np.diag(cov))
    means = corners.assign(mean=corners["wy"] / corners["w"]).reset_index()
    means.columns = ["treated", "post", "n", "w", "wy", "mean"]
    kind = f"clustered by {cluster}" if cluster else cov_type
    return {
        **headline(float(estimate[3]), float(se[3]), level),
        "n_obs": int(table["n"].sum()),
        "method": f"2x2 difference-in-differences (OLS on cell sums, {kind} SE)",
        "_cell_means": means[["treated", "post", "mean", "n"]],
        "_coefficients": pd.DataFrame(
            {
                "term": names,
                "estimate": estimate,
                "se": se,
                "p_value": 2 * stats.norm.sf(np.abs(estimate / se)),
            }
        ),
        "_cells": table,
    }


def _fit(table: pd.DataFrame, x: np.ndarray, cluster: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Estimate and robust (HC1, or clustered) covariance from the cell sums."""
    w, wy = table["w"].to_numpy(float), table["wy"].to_numpy(float)
    bread = np.linalg.inv((x * w[:, None]).T @ x)
    estimate = bread @ (x.T @ wy)
    fitted = x @ estimate
    n, k = float(table["n"].sum()), x.shape[1]
    if cluster is None:
        squares = (table["wwyy"] - 2 * fitted * table["wwy"] + fitted**2 * table["ww"]).to_numpy()
        meat = (x * squares[:, None]).T @ x
        return estimate, n / (n - k) * bread @ meat @ bread
    scores = pd.DataFrame(x * (wy - fitted * w)[:, None]).groupby(table[cluster].to_numpy()).sum()
    meat = scores.to_numpy().T @ scores.to_numpy()
    groups = len(scores)
    if groups < 2:
        raise ValueError(f"'{cluster}' has one value: clustering needs two clusters or more.")
    scale = groups / (groups - 1) * (n - 1) / (n - k)
    return estimate, scale * bread @ meat @ bread


def _classical(table: pd.DataFrame, x: np.ndarray, estimate: np.ndarray) -> np.ndarray:
    """Classical covariance ``s2 (X'WX)^{-1}`` from the cell sums."""
    w = table["w"].to_numpy(float)
    fitted = x @ estimate
    residual = (table["wyy"] - 2 * fitted * table["wy"] + fitted**2 * table["w"]).sum()
    n, k = float(table["n"].sum()), x.shape[1]
    return float(residual) / (n - k) * np.linalg.inv((x * w[:, None]).T @ x)
