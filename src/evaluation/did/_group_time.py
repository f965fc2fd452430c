"""Callaway and Sant'Anna (2021) group-time effects, their influence functions and aggregations.

The design logic follows R's ``did`` package (``att_gt`` and ``aggte``) and the
two-period estimators of Sant'Anna and Zhao (2020) from R's ``DRDID``; the
regressions themselves (least squares for the outcome model, a logit for the
propensity score) are fitted with statsmodels. Influence functions are kept
unit by unit, so standard errors of any aggregation are exact linear
combinations, as in R with ``bstrap = FALSE``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

__all__ = ["GroupTime", "aggregate", "estimate_group_time", "multiplier_band", "pre_test"]

#: Controls whose propensity score exceeds this are given no weight (as DRDID does).
TRIM_LEVEL = 0.995
#: Standard errors below this are reported as missing, as R's ``did`` does.
SE_FLOOR = float(np.sqrt(np.finfo(float).eps) * 10)


@dataclass(frozen=True)
class GroupTime:
    """Group-time effects with their unit-level influence functions.

    ``influence`` has one row per unit and one column per ``(cohort, time)`` cell,
    scaled so that the variance of a linear combination ``w`` is
    ``mean((influence @ w) ** 2) / n_units``.
    """

    cohort: np.ndarray
    time: np.ndarray
    att: np.ndarray
    influence: np.ndarray
    reference: np.ndarray
    unit_cohort: np.ndarray
    n_units: int

    @property
    def levels(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Distinct unit cohorts, each unit's index into them, and their shares ``P(G = g)``."""
        levels, codes, counts = np.unique(self.unit_cohort, return_inverse=True, return_counts=True)
        return levels, codes, counts / self.n_units

    def se(self, influence: np.ndarray) -> np.ndarray:
        """Analytic standard errors of the columns of an influence matrix."""
        se = np.sqrt(np.mean(influence**2, axis=0) / self.n_units)
        return np.where(se <= SE_FLOOR, np.nan, se)


Estimator2x2 = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[float, np.ndarray]]


def _outcome_model(dy: np.ndarray, d: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS of the change in outcome on covariates among controls.

    Returns the fitted change for every unit and the asymptotically linear
    representation of the coefficients.
    """
    control = d == 0
    fit = sm.OLS(dy[control], x[control]).fit()
    fitted = x @ fit.params
    # (X'X / n)^{-1} over the controls, taken from statsmodels' normalised covariance.
    gram_inverse = fit.normalized_cov_params * len(d)
    linear_rep = ((1 - d) * (dy - fitted))[:, None] * x @ gram_inverse
    return fitted, linear_rep


def _propensity_model(d: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Logit of being in the cohort; returns scores and their linear representation."""
    fit = sm.GLM(d, x, family=sm.families.Binomial()).fit()
    score = np.clip(fit.fittedvalues, 1e-6, 1 - 1e-6)
    linear_rep = (d - score)[:, None] * x @ (fit.cov_params() * len(d))
    return score, linear_rep


def regression_2x2(dy: np.ndarray, d: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    """Outcome-regression DiD (Heckman, Ichimura and Todd 1997; DRDID ``reg_did_panel``)."""
    fitted, linear_rep = _outcome_model(dy, d, x)
    share = d.mean()
    eta_treat = np.mean(d * dy) / share
    eta_cont = np.mean(d * fitted) / share
    inf_treat = d * (dy - eta_treat) / share
    inf_cont = (d * (fitted - eta_cont) + linear_rep @ np.mean(d[:, None] * x, axis=0)) / share
    return float(eta_treat - eta_cont), inf_treat - inf_cont


def _ipw_weights(d: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Odds weights for controls, trimmed where the score is near one."""
    keep = (d == 1) | (score < TRIM_LEVEL)
    return keep * score * (1 - d) / (1 - score)


def ipw_2x2(dy: np.ndarray, d: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    """Standardised inverse-probability-weighted DiD (Abadie 2005; DRDID ``std_ipw_did_panel``)."""
    score, ps_rep = _propensity_model(d, x)
    w_cont = _ipw_weights(d, score)
    eta_treat = d * dy / d.mean()
    eta_cont = w_cont * dy / w_cont.mean()
    att_treat, att_cont = eta_treat.mean(), eta_cont.mean()
    inf_treat = eta_treat - d * att_treat / d.mean()
    inf_cont = eta_cont - w_cont * att_cont / w_cont.mean()
    moment = np.mean((w_cont * (dy - att_cont))[:, None] * x, axis=0) / w_cont.mean()
    return float(att_treat - att_cont), inf_treat - (inf_cont + ps_rep @ moment)


def doubly_robust_2x2(dy: np.ndarray, d: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    """Doubly robust DiD of Sant'Anna and Zhao (2020), DRDID ``drdid_panel``."""
    score, ps_rep = _propensity_model(d, x)
    fitted, ols_rep = _outcome_model(dy, d, x)
    w_cont = _ipw_weights(d, score)
    resid = dy - fitted
    eta_treat = np.mean(d * resid) / d.mean()
    eta_cont = np.mean(w_cont * resid) / w_cont.mean()
    inf_treat = (d * resid - d * eta_treat - ols_rep @ np.mean(d[:, None] * x, axis=0)) / d.mean()
    lead = w_cont * resid - w_cont * eta_cont
    inf_cont = (
        lead
        + ps_rep @ np.mean(lead[:, None] * x, axis=0)
        - ols_rep @ np.mean(w_cont[:, None] * x, axis=0)
    ) / w_cont.mean()
    return float(eta_treat - eta_cont), inf_treat - inf_cont


ESTIMATORS: dict[str, Estimator2x2] = {
    "reg": regression_2x2,
    "ipw": ipw_2x2,
    "dr": doubly_robust_2x2,
}


def _base_index(periods: np.ndarray, cohort: float, t_index: int, base_period: str) -> int | None:
    """Index of the comparison period for cell ``(cohort, periods[t_index])``."""
    before = np.flatnonzero(periods < cohort)
    last_pre = int(before[-1]) if len(before) else None
    if base_period == "universal" or periods[t_index] >= cohort:
        return last_pre
    return t_index - 1


def _cells(
    periods: np.ndarray, cohorts: np.ndarray, base_period: str
) -> list[tuple[int, int, int]]:
    """``(cohort index, time index, base index)`` for every estimable cell."""
    first = 1 if base_period == "varying" else 0
    cells = []
    for g_index, g in enumerate(cohorts):
        for t_index in range(first, len(periods)):
            base = _base_index(periods, g, t_index, base_period)
            if base is not None:
                cells.append((g_index, t_index, base))
    return cells


def estimate_group_time(
    outcomes: np.ndarray,
    unit_cohort: np.ndarray,
    periods: np.ndarray,
    covariates: np.ndarray | None,
    *,
    control_group: str,
    method: str,
    base_period: str,
) -> GroupTime:
    """All ATT(g, t) with influence functions, from a units-by-periods outcome matrix.

    ``covariates`` is periods x units x k (or None); each cell uses the values
    in its base period, as R's ``did`` does for panel data.
    """
    n_units = len(unit_cohort)
    cohorts = np.unique(unit_cohort[np.isfinite(unit_cohort)])
    estimator = ESTIMATORS[method]
    rows: list[tuple[float, float, float, float]] = []
    columns: list[np.ndarray] = []
    for g_index, t_index, base in _cells(periods, cohorts, base_period):
        g, t = cohorts[g_index], periods[t_index]
        if base == t_index:  # universal base: the reference cell is zero by construction
            rows.append((g, t, 0.0, 1.0))
            columns.append(np.zeros(n_units))
            continue
        treat = unit_cohort == g
        if control_group == "never_treated":
            comparison = ~np.isfinite(unit_cohort)
        else:
            horizon = periods[max(t_index, base)]
            comparison = (unit_cohort > horizon) & ~treat
        sample = treat | comparison
        if not treat.any() or not comparison.any():
            continue
        dy = outcomes[sample, t_index] - outcomes[sample, base]
        intercept = np.ones((int(sample.sum()), 1))
        x = intercept if covariates is None else np.hstack([intercept, covariates[base][sample]])
        att, influence = estimator(dy, treat[sample].astype(float), x)
        full = np.zeros(n_units)
        full[sample] = influence * n_units / sample.sum()
        rows.append((g, t, att, 0.0))
        columns.append(full)
    table = np.array(rows, dtype=float).reshape(-1, 4)
    return GroupTime(
        cohort=table[:, 0],
        time=table[:, 1],
        att=table[:, 2],
        reference=table[:, 3] == 1.0,
        influence=np.column_stack(columns) if columns else np.zeros((n_units, 0)),
        unit_cohort=unit_cohort,
        n_units=n_units,
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
    # Estimated weights: unit i adds 1{G_i = g} - P(G = g) to the weight of each kept cell of g.
    unit_att = np.bincount(cell_level, weights=att, minlength=len(levels))[codes]
    unit_cells = np.bincount(cell_level, minlength=len(levels))[codes]
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
    influence = gt.influence[:, pre]
    covariance = influence.T @ influence / gt.n_units
    statistic = float(gt.n_units * gt.att[pre] @ np.linalg.solve(covariance, gt.att[pre]))
    df = int(pre.sum())
    return statistic, df, float(stats.chi2.sf(statistic, df))


def multiplier_band(
    influence: np.ndarray, *, draws: int, level: float, seed: int, chunk: int = 100
) -> tuple[np.ndarray, float]:
    """Multiplier-bootstrap standard errors and the critical value of a simultaneous band.

    Rademacher multipliers, as R's ``did::mboot``: each draw is ``mean(v * influence)``;
    the standard error is the interquartile range of the draws over that of a
    standard normal, and the critical value is the ``level`` quantile of the
    largest absolute t-statistic across columns. Drawn in chunks to bound memory.
    """
    n = influence.shape[0]
    rng = np.random.default_rng(seed)
    results = []
    for start in range(0, draws, chunk):
        size = min(chunk, draws - start)
        signs = rng.integers(0, 2, size=(size, n), dtype=np.int8) * 2 - 1
        results.append(signs @ influence / n)
    boot = np.sqrt(n) * np.vstack(results)
    q75, q25 = np.quantile(boot, [0.75, 0.25], axis=0)
    sigma = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    valid = sigma > SE_FLOOR
    t_max = np.max(np.abs(boot[:, valid] / sigma[valid]), axis=1)
    critical = float(np.quantile(t_max, level))
    return sigma / np.sqrt(n), critical
