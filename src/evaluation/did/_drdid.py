"""The 2x2 difference-in-differences estimators of Sant'Anna and Zhao (2020), with weights.

Each returns the estimate and its influence function, observation by
observation, scaled so that the variance of the estimate is
``mean(influence ** 2) / n``. The formulas follow R's ``DRDID`` package:

- panel data (one change in outcome per unit): ``reg_did_panel``,
  ``std_ipw_did_panel`` and ``drdid_panel``;
- repeated cross-sections (one row per observation, each before or after):
  ``reg_did_rc``, ``std_ipw_did_rc`` and ``drdid_rc`` (the locally efficient
  doubly robust estimator). R's ``did`` uses these for an unbalanced panel.

``w`` are sampling weights (ones for none); the estimates do not depend on
their scale. The regressions are fitted with statsmodels (weighted least
squares for outcome models, a weighted logit for the propensity score).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import statsmodels.api as sm

__all__ = ["PANEL", "ROWS", "TRIM_LEVEL"]

#: Controls whose propensity score exceeds this are given no weight (as DRDID does).
TRIM_LEVEL = 0.995

Array = np.ndarray


def _outcome_model(y: Array, x: Array, w: Array, rows: Array) -> tuple[Array, Array]:
    """Weighted least squares of ``y`` on ``x`` among ``rows``.

    Returns the fitted value for every observation and the asymptotically
    linear representation of the coefficients (one row per observation).
    """
    fit = sm.WLS(y[rows], x[rows], weights=w[rows]).fit()
    fitted = x @ fit.params
    # (sum of w x x' over rows / n)^{-1}, from statsmodels' normalised covariance.
    gram_inverse = fit.normalized_cov_params * len(y)
    return fitted, (w * rows * (y - fitted))[:, None] * x @ gram_inverse


def _propensity_model(d: Array, x: Array, w: Array) -> tuple[Array, Array]:
    """Weighted logit of being treated; returns scores and their linear representation."""
    fit = sm.GLM(d, x, family=sm.families.Binomial(), freq_weights=w).fit()
    score = np.clip(fit.fittedvalues, 1e-6, 1 - 1e-6)
    return score, (w * (d - score))[:, None] * x @ (fit.cov_params() * len(d))


def _control_weights(d: Array, score: Array, w: Array) -> Array:
    """Odds weights for controls, trimmed where the score is near one."""
    keep = (d == 1) | (score < TRIM_LEVEL)
    return keep * w * score * (1 - d) / (1 - score)


def _centred(values: Array, weights: Array) -> tuple[float, Array]:
    """A weighted mean ``sum(values) / sum(weights)`` and its influence function."""
    mean = float(np.mean(values) / np.mean(weights))
    return mean, (values - weights * mean) / np.mean(weights)


# --- panel data: the change in outcome of each unit -------------------------------------------


def regression_panel(dy: Array, d: Array, x: Array, w: Array) -> tuple[float, Array]:
    """Outcome-regression DiD (Heckman, Ichimura and Todd 1997; DRDID ``reg_did_panel``)."""
    fitted, linear_rep = _outcome_model(dy, x, w, d == 0)
    w_treat = w * d
    eta_treat, inf_treat = _centred(w_treat * dy, w_treat)
    eta_cont, inf_cont = _centred(w_treat * fitted, w_treat)
    inf_cont = inf_cont + linear_rep @ np.mean(w_treat[:, None] * x, axis=0) / np.mean(w_treat)
    return eta_treat - eta_cont, inf_treat - inf_cont


def ipw_panel(dy: Array, d: Array, x: Array, w: Array) -> tuple[float, Array]:
    """Standardised inverse-probability-weighted DiD (Abadie 2005; DRDID ``std_ipw_did_panel``)."""
    score, ps_rep = _propensity_model(d, x, w)
    w_treat, w_cont = w * d, _control_weights(d, score, w)
    att_treat, inf_treat = _centred(w_treat * dy, w_treat)
    att_cont, inf_cont = _centred(w_cont * dy, w_cont)
    moment = np.mean((w_cont * (dy - att_cont))[:, None] * x, axis=0) / np.mean(w_cont)
    return att_treat - att_cont, inf_treat - (inf_cont + ps_rep @ moment)


def doubly_robust_panel(dy: Array, d: Array, x: Array, w: Array) -> tuple[float, Array]:
    """Doubly robust DiD of Sant'Anna and Zhao (2020), DRDID ``drdid_panel``."""
    score, ps_rep = _propensity_model(d, x, w)
    fitted, ols_rep = _outcome_model(dy, x, w, d == 0)
    w_treat, w_cont = w * d, _control_weights(d, score, w)
    resid = dy - fitted
    eta_treat, inf_treat = _centred(w_treat * resid, w_treat)
    eta_cont, inf_cont = _centred(w_cont * resid, w_cont)
    inf_treat = inf_treat - ols_rep @ np.mean(w_treat[:, None] * x, axis=0) / np.mean(w_treat)
    ps_moment = np.mean((w_cont * (resid - eta_cont))[:, None] * x, axis=0)
    ols_moment = np.mean(w_cont[:, None] * x, axis=0)
    inf_cont = inf_cont + (ps_rep @ ps_moment - ols_rep @ ols_moment) / np.mean(w_cont)
    return eta_treat - eta_cont, inf_treat - inf_cont


# --- repeated cross-sections: each row observed before or after -------------------------------


def _mean_x(weights: Array, x: Array) -> Array:
    """``mean(weights * x) / mean(weights)``, column by column."""
    return np.mean(weights[:, None] * x, axis=0) / np.mean(weights)


def regression_rows(y: Array, post: Array, d: Array, x: Array, w: Array) -> tuple[float, Array]:
    """Outcome-regression DiD for repeated cross-sections (DRDID ``reg_did_rc``)."""
    fit_pre, rep_pre = _outcome_model(y, x, w, (d == 0) & (post == 0))
    fit_post, rep_post = _outcome_model(y, x, w, (d == 0) & (post == 1))
    w_pre, w_post, w_treat = w * d * (1 - post), w * d * post, w * d
    eta_pre, inf_pre = _centred(w_pre * y, w_pre)
    eta_post, inf_post = _centred(w_post * y, w_post)
    eta_cont, inf_cont = _centred(w_treat * (fit_post - fit_pre), w_treat)
    inf_cont = inf_cont + (rep_post - rep_pre) @ _mean_x(w_treat, x)
    return eta_post - eta_pre - eta_cont, inf_post - inf_pre - inf_cont


def ipw_rows(y: Array, post: Array, d: Array, x: Array, w: Array) -> tuple[float, Array]:
    """Standardised IPW DiD for repeated cross-sections (DRDID ``std_ipw_did_rc``)."""
    score, ps_rep = _propensity_model(d, x, w)
    w_cont = _control_weights(d, score, w)
    parts = {}
    for name, weights in [
        ("treat_pre", w * d * (1 - post)),
        ("treat_post", w * d * post),
        ("cont_pre", w_cont * (1 - post)),
        ("cont_post", w_cont * post),
    ]:
        parts[name] = (*_centred(weights * y, weights), weights)
    att = (parts["treat_post"][0] - parts["treat_pre"][0]) - (
        parts["cont_post"][0] - parts["cont_pre"][0]
    )
    inf_treat = parts["treat_post"][1] - parts["treat_pre"][1]
    inf_cont = parts["cont_post"][1] - parts["cont_pre"][1]
    moments = [
        np.mean((weights * (y - mean))[:, None] * x, axis=0) / np.mean(weights)
        for mean, _, weights in (parts["cont_post"], parts["cont_pre"])
    ]
    return att, inf_treat - (inf_cont + ps_rep @ (moments[0] - moments[1]))


def doubly_robust_rows(y: Array, post: Array, d: Array, x: Array, w: Array) -> tuple[float, Array]:
    """Locally efficient doubly robust DiD for repeated cross-sections (DRDID ``drdid_rc``)."""
    score, ps_rep = _propensity_model(d, x, w)
    fits = {
        (treated, period): _outcome_model(y, x, w, (d == treated) & (post == period))
        for treated in (0, 1)
        for period in (0, 1)
    }
    cont_pre, cont_post = fits[0, 0][0], fits[0, 1][0]
    cont = post * cont_post + (1 - post) * cont_pre
    w_cont = _control_weights(d, score, w)
    w_dt0, w_dt1, w_d = w * d * (1 - post), w * d * post, w * d
    resid = y - cont
    att_tpre, inf_tpre = _centred(w_dt0 * resid, w_dt0)
    att_tpost, inf_tpost = _centred(w_dt1 * resid, w_dt1)
    w_cpre, w_cpost = w_cont * (1 - post), w_cont * post
    att_cpre, inf_cpre = _centred(w_cpre * resid, w_cpre)
    att_cpost, inf_cpost = _centred(w_cpost * resid, w_cpost)
    gap_post, gap_pre = fits[1, 1][0] - cont_post, fits[1, 0][0] - cont_pre
    att_d_post, inf_d_post = _centred(w_d * gap_post, w_d)
    att_dt1, inf_dt1 = _centred(w_dt1 * gap_post, w_dt1)
    att_d_pre, inf_d_pre = _centred(w_d * gap_pre, w_d)
    att_dt0, inf_dt0 = _centred(w_dt0 * gap_pre, w_dt0)
    att = (att_tpost - att_tpre) - (att_cpost - att_cpre) + (att_d_post - att_dt1)
    att -= att_d_pre - att_dt0
    rep_pre, rep_post = fits[0, 0][1], fits[0, 1][1]
    # Outcome-model estimation effects. The pre-period terms enter with a minus (as in
    # csdid): R DRDID's drdid_rc adds them, which a bootstrap shows understates the error.
    inf_treat = inf_tpost - inf_tpre - rep_post @ _mean_x(w_dt1 * post, x)
    inf_treat += rep_pre @ _mean_x(w_dt0 * (1 - post), x)
    moment_pre = np.mean((w_cpre * (resid - att_cpre))[:, None] * x, axis=0) / np.mean(w_cpre)
    moment_post = np.mean((w_cpost * (resid - att_cpost))[:, None] * x, axis=0) / np.mean(w_cpost)
    inf_cont = inf_cpost - inf_cpre + ps_rep @ (moment_post - moment_pre)
    inf_cont -= rep_post @ _mean_x(w_cpost * post, x) - rep_pre @ _mean_x(w_cpre * (1 - post), x)
    inf_eff = (inf_d_post - inf_dt1) - (inf_d_pre - inf_dt0)
    share_d = w_d / np.mean(w_d)
    mom_post = np.mean((share_d - w_dt1 / np.mean(w_dt1))[:, None] * x, axis=0)
    mom_pre = np.mean((share_d - w_dt0 / np.mean(w_dt0))[:, None] * x, axis=0)
    inf_or = (fits[1, 1][1] - rep_post) @ mom_post - (fits[1, 0][1] - rep_pre) @ mom_pre
    return float(att), inf_treat - inf_cont + inf_eff + inf_or


PanelEstimator = Callable[[Array, Array, Array, Array], tuple[float, Array]]
RowsEstimator = Callable[[Array, Array, Array, Array, Array], tuple[float, Array]]

#: Estimators for a balanced panel, by ``method``.
PANEL: dict[str, PanelEstimator] = {
    "reg": regression_panel,
    "ipw": ipw_panel,
    "dr": doubly_robust_panel,
}
#: Estimators for repeated cross-sections (and unbalanced panels), by ``method``.
ROWS: dict[str, RowsEstimator] = {
    "reg": regression_rows,
    "ipw": ipw_rows,
    "dr": doubly_robust_rows,
}
