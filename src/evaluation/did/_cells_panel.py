"""Two-way fixed effects from area-by-period cell sums: exact, for records in any engine.

Person ``i`` lives in unit (area) ``u`` and is seen in period ``t``; the
person-level regression is ``y_i = a_u + g_t + b D_ut + e_i`` (weighted by
``w_i`` if asked). Every regressor is constant within a cell ``c = (u, t)``, so
the normal equations ``sum_i w_i x_i (y_i - x_i' beta) = 0`` only need, for each
cell, ``W_c = sum w``, ``Y_c = sum w y`` and ``Q_c = sum w y**2``: they are the
normal equations of weighted least squares on the cell means ``ybar_c = Y_c /
W_c`` with weights ``W_c``. The fixed-effects algebra carries over unchanged:

- demeaning by unit with the weights ``W_c`` gives the same transformed
  regressors ``x~_c`` (the treatment and the period dummies, plus a stand-in
  constant as in :mod:`evaluation.did._within`) as demeaning the person rows
  with ``w_i``, since a unit's weighted mean over its people equals the
  ``W``-weighted mean over its cells;
- the estimate is ``b = A^{-1} sum_c x~_c W_c ybar~_c`` with ``A = sum_c W_c
  x~_c x~_c'`` (the person-level ``X~'WX~``, the bread);
- by Frisch-Waugh-Lovell, each person's residual is ``e_i = y_i - f_c``, where
  the fitted value of the full dummy regression is ``f_c = ybar_c - r_c`` and
  ``r_c = ybar~_c - x~_c' b`` is the residual of the cell-mean fit. So the
  residual sum of squares of a cell is ``Q_c - 2 f_c Y_c + f_c**2 W_c``, and the
  score of a cell is ``sum_{i in c} w_i x~_i e_i = x~_c (Y_c - f_c W_c)``.

Standard errors then follow the person-level fit of :func:`~evaluation.did._within.fit_within`
term for term, with ``N`` the number of people (rows) and ``K`` the columns of
the design (treatment, ``T - 1`` period dummies and the constant that stands for
the absorbed unit effects):

- classical: ``s2 = sum_c (Q_c - 2 f_c Y_c + f_c**2 W_c) / (N - K - (U - 1))``
  with ``U`` units, and ``V = s2 A^{-1}``;
- clustered (by unit, or by a coarser column constant within each cell): the
  score of cluster ``g`` is ``s_g = sum_{c in g} x~_c (Y_c - f_c W_c)`` and
  ``V = G / (G - 1) (N - 1) / (N - K) A^{-1} (sum_g s_g s_g') A^{-1}``, the
  small-sample factor of Stata's ``xtreg, fe`` and ``fixest`` with the unit
  effects nested in the clusters.

Cells with nobody in them are simply absent: the person-level regression does
not need a balanced panel of cells, and neither does this one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from evaluation import cells as cell_sums
from evaluation.did._checks import shown
from evaluation.did._within import coefficient_frame, demean, implicit_weights, time_dummies
from evaluation.results import headline

__all__: list[str] = []


def twfe_cells(
    table: pd.DataFrame,
    *,
    unit: str,
    time: str,
    treatment: str,
    cluster: str | None,
    cov_type: str,
    level: float,
) -> dict[str, Any]:
    """The fields of a two-way fixed-effects result, from the cell sums of :func:`cell_table`.

    Returns the headline, ``n_obs``, ``_coefficients``, ``_cell_weights`` and
    ``_cells`` (``table``: one row per unit-period, the keys, ``treatment``, ``n``
    and the sums).
    """
    unit_codes = pd.factorize(table[unit], sort=True)[0]
    big_w = table["w"].to_numpy(float)
    d = table[treatment].to_numpy(float)
    dummies, dummy_names = time_dummies(table[time])
    design = demean(np.column_stack([d, dummies]), unit_codes, big_w)
    design = np.column_stack([design, np.ones(len(table))])
    names = [treatment, *dummy_names]
    gram = design.T @ (big_w[:, None] * design)
    if np.linalg.matrix_rank(gram) < design.shape[1]:
        raise ValueError(
            "The regressors are collinear with the unit and time fixed effects, so "
            f"{names} cannot all be estimated from these records."
        )
    mean_y = table["wy"].to_numpy(float) / big_w
    within_y = demean(mean_y, unit_codes, big_w)[:, 0]
    bread = np.linalg.inv(gram)
    beta = bread @ (design.T @ (big_w * within_y))
    fitted = mean_y - (within_y - design @ beta)
    n_rows, k = float(table["n"].sum()), design.shape[1]
    if cov_type == "classical":
        squares = table["wyy"] - 2 * fitted * table["wy"] + fitted**2 * table["w"]
        df_resid = n_rows - k - (len(np.unique(unit_codes)) - 1)
        cov = float(squares.sum()) / df_resid * bread
    else:
        scores = design * (table["wy"].to_numpy(float) - fitted * big_w)[:, None]
        by_cluster = pd.factorize(table[cluster], sort=True)[0] if cluster else unit_codes
        sums = pd.DataFrame(scores).groupby(by_cluster).sum().to_numpy()
        groups = len(sums)
        if groups < 2:
            raise ValueError("Clustering needs two clusters or more; the records have one.")
        scale = groups / (groups - 1) * (n_rows - 1) / (n_rows - k)
        cov = scale * bread @ (sums.T @ sums) @ bread
    se = np.sqrt(np.diag(cov))
    coefficients = coefficient_frame(["TWFE coefficient", *names[1:]], beta[:-1], se[:-1], level)
    return {
        **headline(float(beta[0]), float(se[0]), level),
        "n_obs": int(table["n"].sum()),
        "_coefficients": coefficients,
        "_cell_weights": implicit_weights(design, big_w, d, table[[unit, time]]),
        "_cells": table,
    }


def cell_table(
    records: Any,
    *,
    outcome: str,
    unit: str,
    time: str,
    treatment: str,
    cluster: str | None,
    weights: str | None,
) -> pd.DataFrame:
    """The unit-by-period sums, refusing a treatment (or cluster) that varies within a cell."""
    keys = [unit, time, treatment, *([cluster] if cluster and cluster != unit else [])]
    table = cell_sums.summarise(records, keys=keys, outcome=outcome, weights=weights)
    if not np.isfinite(table[["wy", "wyy"]].to_numpy(float)).all():
        raise ValueError(f"'{outcome}' has infinite or NaN values in the records.")
    repeated = table.duplicated([unit, time], keep=False)
    if repeated.any():
        varying = (
            treatment if table.groupby([unit, time])[treatment].nunique().max() > 1 else cluster
        )
        cells = table.loc[repeated, [unit, time]].drop_duplicates().itertuples(index=False)
        raise ValueError(
            f"'{varying}' must be constant within each ({unit}, {time}) cell: the people of a "
            f"cell share one value. It varies in {shown(tuple(c) for c in cells)}."
        )
    values = set(pd.unique(table[treatment]))
    if not values <= {0, 1}:
        raise ValueError(f"'{treatment}' must be 0/1 or boolean; found {sorted(values)}.")
    table[treatment] = table[treatment].astype(int)
    if table[treatment].nunique() < 2:
        raise ValueError(f"Column {treatment!r} never varies; there is nothing to compare.")
    return table.sort_values([unit, time], ignore_index=True)
