"""Pooling estimates from several sites or studies: fixed and random effects meta-analysis.

:func:`pool` combines estimates with a DerSimonian-Laird or REML random-effects
model and reports tau-squared, I-squared and Cochran's Q, with a forest plot.

Examples
--------
>>> from evaluation import meta
>>> from evaluation.data import canonical
>>> trials = canonical.bcg_trials()
>>> fit = meta.pool(trials["log_rr"], trials["se"], method="dl", labels=trials["trial"])
>>> round(fit.estimate, 4), round(float(fit.tau2), 4)
(-0.7141, 0.3088)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from evaluation.results import CopiedFrame, Result, headline

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["PooledResult", "pool"]


# ------------------------------------------------------------- random effects
def _weighted_mean(estimates: np.ndarray, variances: np.ndarray) -> tuple[float, float]:
    """Inverse-variance weighted mean and its standard error."""
    weights = 1.0 / variances
    return float(np.sum(weights * estimates) / weights.sum()), float(np.sqrt(1.0 / weights.sum()))


def _cochran_q(estimates: np.ndarray, variances: np.ndarray) -> float:
    mean, _ = _weighted_mean(estimates, variances)
    return float(np.sum((estimates - mean) ** 2 / variances))


def _tau2_dl(estimates: np.ndarray, variances: np.ndarray) -> float:
    """DerSimonian-Laird moment estimate of the between-unit variance, truncated at 0."""
    weights = 1.0 / variances
    q = _cochran_q(estimates, variances)
    scale = weights.sum() - np.sum(weights**2) / weights.sum()
    return max(0.0, float((q - (len(estimates) - 1)) / scale))


def _neg_restricted_loglik(tau2: float, estimates: np.ndarray, variances: np.ndarray) -> float:
    """Minus the restricted (REML) log-likelihood of the random-effects model."""
    total = variances + tau2
    mean, _ = _weighted_mean(estimates, total)
    return 0.5 * float(
        np.sum(np.log(total))
        + np.log(np.sum(1.0 / total))
        + np.sum((estimates - mean) ** 2 / total)
    )


def _tau2_reml(estimates: np.ndarray, variances: np.ndarray) -> float:
    """REML estimate of the between-unit variance, maximised with scipy on [0, upper]."""
    upper = max(10.0 * float(np.var(estimates, ddof=1)) + float(variances.max()), 1e-8)
    fit = optimize.minimize_scalar(
        _neg_restricted_loglik,
        bounds=(0.0, upper),
        args=(estimates, variances),
        method="bounded",
        options={"xatol": 1e-12},
    )
    tau2 = float(fit.x)
    at_zero = _neg_restricted_loglik(0.0, estimates, variances)
    return 0.0 if at_zero <= float(fit.fun) else tau2


# ======================================================================= pool
@dataclass(frozen=True, kw_only=True, eq=False)
class PooledResult(Result):
    """A random-effects pooled estimate with its heterogeneity statistics.

    Attributes
    ----------
    tau2
        Between-study variance (never negative), on the estimates' scale.
    i2
        Higgins and Thompson's I-squared: the share of the variation in the
        estimates beyond what chance would give, ``max(0, (Q - df) / Q)``.
    q, q_df, q_p_value
        Cochran's Q, its degrees of freedom and its chi-squared p-value.
    fixed_estimate, fixed_se
        The inverse-variance (common-effect) estimate, for comparison.
    studies
        One row per study: label, estimate, se, interval, weight (%), a copy.
    """

    tau2: float
    i2: float
    q: float
    q_df: int
    q_p_value: float
    fixed_estimate: float
    fixed_se: float
    _studies: pd.DataFrame = field(repr=False)

    @property
    def tau(self) -> float:
        """Between-study standard deviation."""
        return float(np.sqrt(self.tau2))

    studies = CopiedFrame(
        "_studies", "One row per study, with estimate, se, interval and random-effects weight (%)."
    )

    def tidy(self) -> pd.DataFrame:
        """The pooled estimate, then tau-squared, I-squared (%) and Q, one row each."""
        head = super().tidy()
        extra = pd.DataFrame(
            {
                "term": ["tau2", "I2 (%)", "Q"],
                "estimate": [self.tau2, 100 * self.i2, self.q],
                "p_value": [np.nan, np.nan, self.q_p_value],
                "n_obs": self.n_obs,
            }
        )
        return pd.concat([head, extra], ignore_index=True)

    def summary(self) -> str:
        """The pooled estimate and its heterogeneity in words."""
        return (
            super().summary()
            + f"\n  tau^2 = {self.tau2:.4g}, I^2 = {100 * self.i2:.1f}%, "
            + f"Q = {self.q:.4g} on {self.q_df} df (p = {self.q_p_value:.3g})"
        )

    def plot(self, *, ax: Axes | None = None, transform: Any = None) -> Axes:
        """Forest plot: each study's interval, sized by weight, and the pooled diamond.

        ``transform`` (e.g. ``numpy.exp`` for log ratios) maps estimates to the
        scale shown. The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        from evaluation.report import style

        studies = self._studies.iloc[::-1].reset_index(drop=True)
        ax = style.axes(ax, (8, 0.35 * len(studies) + 1.8))
        show = (lambda x: x) if transform is None else transform
        rows = np.arange(len(studies)) + 2
        ax.hlines(rows, show(studies["ci_low"]), show(studies["ci_high"]), color="#444444", lw=1.2)
        ax.scatter(
            show(studies["estimate"]),
            rows,
            s=20 + 4 * studies["weight_pct"],
            marker="s",
            color="#0072B2",
            zorder=3,
        )
        low, mid, high = show(self.ci_low), show(self.estimate), show(self.ci_high)
        ax.fill([low, mid, high, mid], [0.5, 0.8, 0.5, 0.2], color="#D55E00", zorder=3)
        ax.axvline(mid, color="#D55E00", lw=0.8, ls="--")
        ax.axvline(show(0.0), color="#444444", lw=0.8)
        name = self.method.split("(")[-1].rstrip(")")
        ax.set_yticks([0.5, *rows], [f"Pooled ({name})", *studies["label"].astype(str)])
        scale = "study units" if transform is None else "transformed scale"
        return style.finish(
            ax,
            title="Forest plot: each study's estimate and the pooled estimate",
            xlabel=f"Estimate ({scale})",
            ylabel="Study",
            source=style.DEFAULT_SOURCE,
        )


def _as_vector(values: Any, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    if array.size == 0 or not np.all(np.isfinite(array)):
        bad = np.flatnonzero(~np.isfinite(array))[:5].tolist()
        raise ValueError(f"{name} must be finite numbers; positions {bad} are not.")
    return array


def pool(
    estimates: Sequence[float] | np.ndarray | pd.Series,
    standard_errors: Sequence[float] | np.ndarray | pd.Series,
    *,
    method: Literal["dl", "reml"] = "reml",
    labels: Sequence[Any] | pd.Series | None = None,
    level: float = 0.95,
) -> PooledResult:
    """Random-effects pooling of estimates from several sites or studies.

    Each estimate ``y_i`` with standard error ``s_i`` is modelled as
    ``y_i ~ N(mu + u_i, s_i^2)`` with ``u_i ~ N(0, tau^2)``. ``tau^2`` is
    estimated by DerSimonian and Laird's method of moments (``"dl"``, closed
    form, DerSimonian and Laird 1986) or by restricted maximum likelihood
    (``"reml"``, maximised numerically with scipy); both are truncated at 0.
    The pooled ``mu`` is the weighted mean with weights ``1 / (s_i^2 + tau^2)``
    and a normal interval, as in R's metafor. I-squared is Higgins and
    Thompson's (2002) ``(Q - df) / Q``, truncated at 0.

    Parameters
    ----------
    estimates, standard_errors
        One estimate and its standard error per study (e.g. log risk ratios).
    method
        ``"reml"`` (default) or ``"dl"``.
    labels
        Study names for the table and the forest plot (default 1, 2, ...).
    level
        Confidence level of the intervals.

    Returns
    -------
    PooledResult

    Examples
    --------
    >>> fit = pool([0.1, 0.3, 0.5], [0.1, 0.1, 0.1], method="dl")
    >>> round(fit.estimate, 3), round(fit.i2, 3)
    (0.3, 0.75)
    """
    y = _as_vector(estimates, "estimates")
    se = _as_vector(standard_errors, "standard_errors")
    if y.size != se.size:
        raise ValueError(f"{y.size} estimates but {se.size} standard errors.")
    if y.size < 2:
        raise ValueError("Pooling needs at least two estimates.")
    if np.any(se <= 0):
        raise ValueError(
            "Standard errors must be positive; positions "
            f"{np.flatnonzero(se <= 0)[:5].tolist()} are not."
        )
    if method not in ("dl", "reml"):
        raise ValueError(f"method must be 'dl' or 'reml'; it was {method!r}.")
    names = list(range(1, y.size + 1)) if labels is None else list(labels)
    if len(names) != y.size:
        raise ValueError(f"{len(names)} labels for {y.size} estimates.")
    variances = se**2
    tau2 = _tau2_dl(y, variances) if method == "dl" else _tau2_reml(y, variances)
    mu, mu_se = _weighted_mean(y, variances + tau2)
    fixed, fixed_se = _weighted_mean(y, variances)
    q = _cochran_q(y, variances)
    z = stats.norm.ppf(0.5 + level / 2)
    weights = 1.0 / (variances + tau2)
    studies = pd.DataFrame(
        {
            "label": names,
            "estimate": y,
            "se": se,
            "ci_low": y - z * se,
            "ci_high": y + z * se,
            "weight_pct": 100 * weights / weights.sum(),
        }
    )
    return PooledResult(
        **headline(mu, mu_se, level),
        n_obs=int(y.size),
        method=f"Random-effects pooling ({'DerSimonian-Laird' if method == 'dl' else 'REML'})",
        estimand="pooled mean",
        level=level,
        tau2=tau2,
        i2=max(0.0, (q - (y.size - 1)) / q) if q > 0 else 0.0,
        q=q,
        q_df=int(y.size - 1),
        q_p_value=float(stats.chi2.sf(q, y.size - 1)),
        fixed_estimate=fixed,
        fixed_se=fixed_se,
        _studies=studies,
    )
