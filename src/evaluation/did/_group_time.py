"""Callaway and Sant'Anna (2021) group-time effects, their influence functions and aggregations.

The design logic follows R's ``did`` package (``att_gt`` and ``aggte``) and the
two-period estimators of Sant'Anna and Zhao (2020) from R's ``DRDID``; the
regressions themselves (least squares for the outcome model, a logit for the
propensity score) are fitted with statsmodels. Influence functions are kept
unit by unit, so standard errors of any aggregation are exact linear
combinations, as in R with ``bstrap = FALSE``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse, stats

from evaluation.did import _drdid

__all__ = [
    "ESTIMATORS",
    "GroupTime",
    "Panel",
    "Rows",
    "aggregate",
    "estimate_group_time",
    "multiplier_band",
    "pre_test",
]

#: Standard errors below this are reported as missing, as R's ``did`` does.
SE_FLOOR = float(np.sqrt(np.finfo(float).eps) * 10)
#: The estimators, by ``method`` (the same names for panels and for rows).
ESTIMATORS = _drdid.PANEL


@dataclass(frozen=True)
class Panel:
    """A balanced panel: ``outcomes`` units x periods, ``covariates`` periods x units x k."""

    outcomes: np.ndarray
    covariates: np.ndarray | None


@dataclass(frozen=True)
class Rows:
    """An unbalanced panel as rows: each row's unit and period index, outcome and covariates.

    R's ``did`` (``allow_unbalanced_panel = TRUE``) treats such a panel as
    repeated cross-sections and adds up each unit's rows in the influence function.
    """

    unit: np.ndarray
    period: np.ndarray
    outcome: np.ndarray
    covariates: np.ndarray | None


@dataclass(frozen=True)
class GroupTime:
    """Group-time effects with their unit-level influence functions.

    ``influence`` has one row per unit and one column per ``(cohort, time)`` cell,
    scaled so that the estimate of a linear combination ``w`` moves by
    ``mean(influence @ w)`` to first order. Its variance adds the influence within
    each cluster (each unit its own cluster by default): ``sum_c (sum_{i in c}
    influence_i @ w) ** 2 / n_units ** 2``.
    """

    cohort: np.ndarray
    time: np.ndarray
    att: np.ndarray
    influence: np.ndarray
    reference: np.ndarray
    unit_cohort: np.ndarray
    n_units: int
    weights: np.ndarray = field(default_factory=lambda: np.ones(0))
    cluster: np.ndarray | None = None

    @property
    def levels(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Distinct unit cohorts, each unit's index into them, and their shares ``P(G = g)``."""
        levels, codes = np.unique(self.unit_cohort, return_inverse=True)
        shares = np.bincount(codes, weights=self.unit_weights, minlength=len(levels))
        return levels, codes, shares / self.n_units

    @property
    def unit_weights(self) -> np.ndarray:
        """Sampling weights of the units, scaled to average one."""
        return self.weights if self.weights.size else np.ones(self.n_units)

    def cluster_sums(self, influence: np.ndarray) -> np.ndarray:
        """The influence summed within each cluster (the units themselves if no clusters)."""
        if self.cluster is None:
            return influence
        n_clusters, rows = int(self.cluster.max()) + 1, len(self.cluster)
        indicator = sparse.csr_matrix(
            (np.ones(rows), (self.cluster, np.arange(rows))), shape=(n_clusters, rows)
        )
        return np.asarray(indicator @ influence)

    def covariance(self, influence: np.ndarray) -> np.ndarray:
        """Analytic (cluster-robust) covariance of the columns of an influence matrix."""
        sums = self.cluster_sums(influence)
        return sums.T @ sums / self.n_units**2

    def se(self, influence: np.ndarray) -> np.ndarray:
        """Analytic (cluster-robust) standard errors of the columns of an influence matrix."""
        sums = self.cluster_sums(influence)
        se = np.sqrt(np.sum(sums**2, axis=0)) / self.n_units
        return np.where(se <= SE_FLOOR, np.nan, se)


def _base_index(
    periods: np.ndarray, cohort: float, t_index: int, base_period: str, anticipation: int
) -> int | None:
    """Index of the comparison period for cell ``(cohort, periods[t_index])``.

    The last period before ``cohort - anticipation`` for post-adoption cells
    (and every cell with a universal base); the period before for others.
    """
    before = np.flatnonzero(periods < cohort - anticipation)
    last_pre = int(before[-1]) if len(before) else None
    if base_period == "universal" or periods[t_index] >= cohort:
        return last_pre
    return t_index - 1


def _cells(
    periods: np.ndarray, cohorts: np.ndarray, base_period: str, anticipation: int
) -> list[tuple[int, int, int]]:
    """``(cohort index, time index, base index)`` for every estimable cell."""
    first = 1 if base_period == "varying" else 0
    cells = []
    for g_index, g in enumerate(cohorts):
        for t_index in range(first, len(periods)):
            base = _base_index(periods, g, t_index, base_period, anticipation)
            if base is not None:
                cells.append((g_index, t_index, base))
    return cells


def _panel_cell(
    data: Panel,
    sample: np.ndarray,
    treat: np.ndarray,
    cell: tuple[int, int],
    w: np.ndarray,
    method: str,
) -> tuple[float, np.ndarray] | None:
    """One 2x2 comparison on a balanced panel: the estimate and each unit's influence."""
    t_index, base = cell
    dy = data.outcomes[sample, t_index] - data.outcomes[sample, base]
    x = np.ones((int(sample.sum()), 1))
    if data.covariates is not None:  # the earlier period's values, as R's did
        x = np.hstack([x, data.covariates[min(t_index, base)][sample]])
    att, influence = _drdid.PANEL[method](dy, treat[sample].astype(float), x, w[sample])
    full = np.zeros(len(sample))
    full[sample] = influence * len(sample) / sample.sum()
    return att, full


def _rows_cell(
    data: Rows,
    sample: np.ndarray,
    treat: np.ndarray,
    cell: tuple[int, int],
    w: np.ndarray,
    method: str,
) -> tuple[float, np.ndarray] | None:
    """One 2x2 comparison on an unbalanced panel, as repeated cross-sections.

    Each row's influence is scaled by units over rows in the comparison and
    added up by unit, as R's ``did`` does with ``allow_unbalanced_panel``.
    """
    t_index, base = cell
    rows = sample[data.unit] & np.isin(data.period, [t_index, base])
    d = treat[data.unit[rows]].astype(float)
    post = (data.period[rows] == t_index).astype(float)
    groups = 2 * d + post
    if len(np.unique(groups)) < 4:  # someone missing: treated or comparison, before or after
        return None
    x = np.ones((int(rows.sum()), 1))
    if data.covariates is not None:  # each row's own values, as R's did for cross-sections
        x = np.hstack([x, data.covariates[rows]])
    y = data.outcome[rows]
    att, influence = _drdid.ROWS[method](y, post, d, x, w[data.unit[rows]])
    scaled = influence * len(sample) / rows.sum()
    return att, np.bincount(data.unit[rows], weights=scaled, minlength=len(sample))


def estimate_group_time(
    data: Panel | Rows,
    unit_cohort: np.ndarray,
    periods: np.ndarray,
    *,
    control_group: str,
    method: str,
    base_period: str,
    anticipation: int = 0,
    weights: np.ndarray | None = None,
    cluster: np.ndarray | None = None,
) -> GroupTime:
    """All ATT(g, t) with influence functions.

    ``data`` is a balanced :class:`Panel` (each cell uses the covariates of the
    earlier of its two periods, as R's ``did``) or the :class:`Rows` of an
    unbalanced one. ``weights`` are the units' sampling weights; ``cluster``
    each unit's cluster code (0, 1, ...), or None when units are the clusters.
    """
    n_units = len(unit_cohort)
    w = np.ones(n_units) if weights is None else weights / weights.mean()
    cell = _panel_cell if isinstance(data, Panel) else _rows_cell

    def fit(
        treat: np.ndarray, comparison: np.ndarray, t_index: int, base: int
    ) -> tuple[float, np.ndarray] | None:
        return cell(data, treat | comparison, treat, (t_index, base), w, method)  # type: ignore[arg-type]

    return group_time(
        unit_cohort,
        periods,
        fit,
        control_group=control_group,
        base_period=base_period,
        anticipation=anticipation,
        n_units=n_units,
        weights=w,
        cluster=cluster,
        missing="no treated or no comparison unit",
        stacklevel=4,
    )


#: One 2x2 comparison: ``(treat, comparison, t_index, base)`` to the estimate and each
#: row's influence, or None when a group is unobserved in one of the two periods.
CellFit = Callable[[np.ndarray, np.ndarray, int, int], "tuple[float, np.ndarray] | None"]


def group_time(
    unit_cohort: np.ndarray,
    periods: np.ndarray,
    fit: CellFit,
    *,
    control_group: str,
    base_period: str,
    anticipation: int,
    n_units: int,
    weights: np.ndarray,
    cluster: np.ndarray | None,
    missing: str,
    stacklevel: int,
) -> GroupTime:
    """Every ATT(g, t) that ``fit`` can estimate, with the influence of each row.

    Rows are units (or cells of people), with their first treated period in
    ``unit_cohort`` (infinite if never). Cells with no treated or no comparison
    row are left out; those ``fit`` refuses are named in a warning saying that
    ``missing`` was observed in one of the two periods.
    """
    cohorts = np.unique(unit_cohort[np.isfinite(unit_cohort)])
    rows: list[tuple[float, float, float, float]] = []
    columns: list[np.ndarray] = []
    skipped: list[str] = []
    for g_index, t_index, base in _cells(periods, cohorts, base_period, anticipation):
        g, t = cohorts[g_index], periods[t_index]
        if base == t_index:  # universal base: the reference cell is zero by construction
            rows.append((g, t, 0.0, 1.0))
            columns.append(np.zeros(len(unit_cohort)))
            continue
        treat = unit_cohort == g
        if control_group == "never_treated":
            comparison = ~np.isfinite(unit_cohort)
        else:
            horizon = periods[max(t_index, base)] + anticipation
            comparison = (unit_cohort > horizon) & ~treat
        if not treat.any() or not comparison.any():
            continue
        found = fit(treat, comparison, t_index, base)
        if found is None:
            skipped.append(f"({g:g}, {t:g})")
            continue
        rows.append((g, t, found[0], 0.0))
        columns.append(found[1])
    if skipped:
        warnings.warn(
            f"{len(skipped)} group-time cell(s) could not be estimated because {missing} was "
            f"observed in one of the two periods: {', '.join(skipped)}.",
            UserWarning,
            stacklevel=stacklevel,
        )
    table = np.array(rows, dtype=float).reshape(-1, 4)
    return GroupTime(
        cohort=table[:, 0],
        time=table[:, 1],
        att=table[:, 2],
        reference=table[:, 3] == 1.0,
        influence=np.column_stack(columns) if columns else np.zeros((len(unit_cohort), 0)),
        unit_cohort=unit_cohort,
        n_units=n_units,
        weights=weights,
        cluster=cluster,
    )


def _weighted(gt: GroupTime, keep: np.ndarray) -> tuple[float, np.ndarray]:
    """Cohort-size-weighted mean of the kept cells, with the influence of estimated weights.

    Mirrors ``aggte``'s ``get_agg_inf_func`` with ``wif``: the weights are the
    cohort shares ``P(G = g)``, themselves estimated, which adds a term.
    """
    levels, codes, level_share = gt.levels
    cell_level = np.searchsorted(levels, gt.cohort[keep])
    att, shares = gt.att[keep], level_share[cell_level]
    total = shares.sum()
    estimate = float(np.sum(att * shares) / total)
    influence = gt.influence[:, keep] @ (shares / total)
    # Estimated weights: unit i adds w_i 1{G_i = g} - P(G = g) to the weight of each cell of g.
    unit_weight = gt.unit_weights
    unit_att = unit_weight * np.bincount(cell_level, weights=att, minlength=len(levels))[codes]
    unit_cells = unit_weight * np.bincount(cell_level, minlength=len(levels))[codes]
    influence += (unit_att - estimate * total) / total - (unit_cells - total) * estimate / total
    return estimate, influence


def _row(label: float, estimate: float, influence: np.ndarray, gt: GroupTime) -> dict[str, float]:
    return {"key": label, "att": estimate, "se": float(gt.se(influence[:, None])[0])}


def aggregate(gt: GroupTime) -> tuple[dict[str, float], pd.DataFrame, pd.DataFrame, np.ndarray]:
    """The simple, by-event-time and by-cohort aggregations of ``aggte``.

    Returns the overall (simple) effect, the dynamic table, the by-cohort table,
    and the influence matrix of the dynamic effects (for a bootstrap band).
    """
    post = gt.cohort <= gt.time
    if not post.any():
        raise ValueError("No post-treatment group-time cell could be estimated.")
    estimate, influence = _weighted(gt, post)
    overall = _row(np.nan, estimate, influence, gt)
    event = gt.time - gt.cohort
    dynamic_rows, dynamic_influence = [], []
    for e in np.unique(event):
        value, inf = _weighted(gt, event == e)
        dynamic_rows.append(_row(float(e), value, inf, gt))
        dynamic_influence.append(inf)
    cohort_rows = []
    for g in np.unique(gt.cohort[post]):
        keep = post & (gt.cohort == g)
        inf = gt.influence[:, keep].mean(axis=1)
        cohort_rows.append(_row(float(g), float(gt.att[keep].mean()), inf, gt))
    dynamic = pd.DataFrame(dynamic_rows).rename(columns={"key": "event_time"})
    by_cohort = pd.DataFrame(cohort_rows).rename(columns={"key": "cohort"})
    return overall, dynamic, by_cohort, np.column_stack(dynamic_influence)


def pre_test(gt: GroupTime) -> tuple[float, int, float]:
    """Wald test that every pre-treatment ATT(g, t) is zero (R ``did``'s pre-test)."""
    pre = (gt.cohort > gt.time) & ~gt.reference
    if not pre.any():
        return float("nan"), 0, float("nan")
    covariance = gt.covariance(gt.influence[:, pre])
    statistic = float(gt.att[pre] @ np.linalg.solve(covariance, gt.att[pre]))
    df = int(pre.sum())
    return statistic, df, float(stats.chi2.sf(statistic, df))


def multiplier_band(
    influence: np.ndarray,
    *,
    draws: int,
    level: float,
    seed: int,
    n_units: int | None = None,
    chunk: int = 100,
) -> tuple[np.ndarray, float]:
    """Multiplier-bootstrap standard errors and the critical value of a simultaneous band.

    Rademacher multipliers, as R's ``did::mboot``: each draw is ``mean(v * influence)``;
    the standard error is the interquartile range of the draws over that of a
    standard normal, and the critical value is the ``level`` quantile of the
    largest absolute t-statistic across columns. Drawn in chunks to bound memory.
    With clusters, ``influence`` holds the cluster sums (one row per cluster),
    ``n_units`` the number of units, and each cluster draws one multiplier.
    """
    m = influence.shape[0]
    n = m if n_units is None else n_units
    rng = np.random.default_rng(seed)
    results = []
    for start in range(0, draws, chunk):
        size = min(chunk, draws - start)
        signs = rng.integers(0, 2, size=(size, m), dtype=np.int8) * 2 - 1
        results.append(signs @ influence / n)
    boot = np.sqrt(m) * np.vstack(results)
    q75, q25 = np.quantile(boot, [0.75, 0.25], axis=0)
    sigma = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    valid = sigma > SE_FLOOR
    t_max = np.max(np.abs(boot[:, valid] / sigma[valid]), axis=1)
    critical = float(np.quantile(t_max, level))
    return sigma / np.sqrt(m), critical
