"""Empirical Bayes shrinkage of provider rates towards the average.

Beta-binomial for proportions, normal-normal for estimates with standard errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from evaluation.results import CopiedFrame, Result, interval_only, tidy_columns

if TYPE_CHECKING:
    from matplotlib.axes import Axes
from evaluation.compare._counts import _check_counts, _pooled_rate, _sampling_sd
from evaluation.meta import _tau2_dl, _weighted_mean

__all__ = ["ShrinkageResult", "shrink"]


# ==================================================================== shrink
@dataclass(frozen=True, kw_only=True, eq=False)
class ShrinkageResult(Result):
    """Raw and empirical-Bayes shrunken rates of each unit.

    Attributes
    ----------
    prior_mean, prior_sd
        Mean and standard deviation of the fitted distribution of true rates.
    shrink_method
        ``"beta_binomial"`` or ``"normal"``.
    table
        One row per unit (a copy); see :func:`shrink`.
    """

    prior_mean: float
    prior_sd: float
    shrink_method: str
    prior_parameters: tuple[float, float]
    _table: pd.DataFrame = field(repr=False)

    table = CopiedFrame(
        "_table",
        "One row per unit, with raw rate and interval, shrunken rate and interval, weight.",
    )

    def tidy(self) -> pd.DataFrame:
        """One row per unit: ``term`` (unit), ``estimate`` (shrunken rate) and its interval."""
        columns = {"term": "unit", "estimate": "shrunk_rate", "n_obs": "denominator"}
        bounds = {"ci_low": "shrunk_low", "ci_high": "shrunk_high"}
        kept = ("raw_rate", "weight_on_own_data")
        return tidy_columns(self._table, {**columns, **bounds}, *kept)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Raw rate (left) joined to shrunken rate (right) for every unit, line width by size.

        Rates are drawn in per cent; the dashed line is the prior mean.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        from evaluation.report import style

        ax = style.axes(ax, (6, 5))
        table = self._table
        size = table["denominator"] / table["denominator"].max()
        for (_, row), width in zip(table.iterrows(), size, strict=True):
            ax.plot(
                [0, 1],
                [100 * row["raw_rate"], 100 * row["shrunk_rate"]],
                color="#0072B2",
                alpha=0.35 + 0.5 * width,
                lw=0.5 + 2.5 * width,
            )
        ax.axhline(100 * self.prior_mean, color="#D55E00", lw=1, ls="--")
        ax.set_xticks([0, 1], ["Raw rate", "Shrunken rate"])
        ax.set_xlim(-0.15, 1.15)
        return style.finish(
            ax,
            title="Raw and shrunken rates of each unit",
            xlabel="Estimate",
            ylabel="Rate (%)",
            source=style.DEFAULT_SOURCE,
        )


def _fit_beta_binomial(count: np.ndarray, n: np.ndarray) -> tuple[float, float, bool]:
    """Maximum-likelihood beta prior ``(a, b)``; True when the precision hit its bound.

    Parameterised by the logit of the mean and the log of the precision
    ``a + b`` (bounded to ``[1e-2, 1e7]``), maximised with L-BFGS-B. When
    the plain binomial (no between-unit variation, infinite precision) fits
    at least as well, the precision is set to its bound.
    """
    order = np.lexsort((count, n))  # a fixed order of summation: row order cannot matter
    count, n = count[order], n[order]
    pooled = count.sum() / n.sum()
    start = np.array([special.logit(np.clip(pooled, 1e-6, 1 - 1e-6)), np.log(50.0)])
    bounds = [(-20.0, 20.0), (np.log(1e-2), np.log(1e7))]

    def negative_loglik(params: np.ndarray) -> float:
        mean, precision = special.expit(params[0]), np.exp(params[1])
        return -float(
            np.sum(stats.betabinom.logpmf(count, n, mean * precision, (1 - mean) * precision))
        )

    fit = optimize.minimize(
        negative_loglik,
        start,
        method="L-BFGS-B",
        bounds=bounds,
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2_000},
    )
    mean, precision = special.expit(fit.x[0]), np.exp(fit.x[1])
    # The likelihood flattens as the precision grows; compare with its limit, the binomial.
    binomial = float(np.sum(stats.binom.logpmf(count, n, pooled)))
    if binomial >= -float(fit.fun) - 1e-6:
        mean, precision = pooled, np.exp(bounds[1][1])
    at_bound = bool(np.log(precision) >= bounds[1][1] - 1e-6)
    return float(mean * precision), float((1 - mean) * precision), at_bound


def _shrink_beta(
    count: np.ndarray, n: np.ndarray, level: float
) -> tuple[pd.DataFrame, tuple[float, float], list[str]]:
    a, b, at_bound = _fit_beta_binomial(count, n)
    post_a, post_b = a + count, b + n - count
    tail = (1 - level) / 2
    frame = pd.DataFrame(
        {
            "shrunk_rate": post_a / (post_a + post_b),
            "shrunk_low": stats.beta.ppf(tail, post_a, post_b),
            "shrunk_high": stats.beta.ppf(1 - tail, post_a, post_b),
            "weight_on_own_data": n / (n + a + b),
        }
    )
    notes = ["beta prior fitted by maximum likelihood (scipy L-BFGS-B); its uncertainty is ignored"]
    if at_bound:
        notes.append("no between-unit variation detected: every rate shrinks to the pooled rate")
    return frame, (a, b), notes


def _shrink_normal(
    count: np.ndarray, n: np.ndarray, level: float
) -> tuple[pd.DataFrame, tuple[float, float], list[str]]:
    pooled = _pooled_rate(count, n)
    rate = count / n
    variance = _sampling_sd(pooled, n, "binomial") ** 2
    tau2 = _tau2_dl(rate, variance)
    mu, _ = _weighted_mean(rate, variance + tau2)
    weight = tau2 / (tau2 + variance)
    shrunk = mu + weight * (rate - mu)
    z = stats.norm.ppf(0.5 + level / 2)
    half = z * np.sqrt(weight * variance)
    frame = pd.DataFrame(
        {
            "shrunk_rate": shrunk,
            "shrunk_low": shrunk - half,
            "shrunk_high": shrunk + half,
            "weight_on_own_data": weight,
        }
    )
    notes = [
        "sampling variance p(1-p)/n uses the pooled rate p; tau^2 by DerSimonian-Laird; "
        "uncertainty in mu and tau^2 is ignored"
    ]
    return frame, (mu, float(np.sqrt(tau2))), notes


def shrink(
    data: pd.DataFrame,
    *,
    unit: str,
    events: str,
    denominator: str,
    method: Literal["beta_binomial", "normal"] = "beta_binomial",
    level: float = 0.95,
) -> ShrinkageResult:
    """Empirical-Bayes shrinkage of units' rates towards the average.

    A small unit's raw rate is mostly noise; the best guess of its true rate
    is a weighted average of its own rate and the average of all units, with
    more weight on its own data the larger it is and the more units truly
    differ. Two models:

    * ``"beta_binomial"``: true rates follow a beta distribution whose two
      parameters are fitted by maximum likelihood (scipy) to the counts; each
      unit's posterior is ``Beta(a + events, b + denominator - events)``,
      its interval the posterior quantiles (exact, stays within 0 and 1).
    * ``"normal"``: raw rates ``y_i ~ N(theta_i, s_i^2)`` with
      ``s_i^2 = p(1 - p) / n_i`` at the pooled rate ``p`` and
      ``theta_i ~ N(mu, tau^2)`` (tau^2 by DerSimonian-Laird). The shrunken
      rate is ``mu + B_i (y_i - mu)`` with ``B_i = tau^2 / (tau^2 + s_i^2)``,
      its variance ``B_i s_i^2``.

    Both ignore the uncertainty in the fitted prior, so the intervals are a
    little too narrow when there are few units.

    Parameters
    ----------
    data
        One row per unit.
    unit, events, denominator
        Column names.
    method
        ``"beta_binomial"`` (default) or ``"normal"``.
    level
        Level of the raw (Clopper-Pearson) and shrunken intervals.

    Returns
    -------
    ShrinkageResult
        Headline: the prior mean. ``table`` columns: ``unit, events,
        denominator, raw_rate, raw_low, raw_high, shrunk_rate, shrunk_low,
        shrunk_high, weight_on_own_data`` (0 = all prior, 1 = all own data).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": list("ABCD"), "k": [2, 30, 300, 5], "n": [5, 100, 1000, 40]})
    >>> fit = shrink(df, unit="unit", events="k", denominator="n", method="normal")
    >>> bool(fit.table.loc[0, "weight_on_own_data"] < fit.table.loc[2, "weight_on_own_data"])
    True
    """
    from statsmodels.stats.proportion import proportion_confint

    _check_counts(data, unit=unit, events=events, denominator=denominator)
    count = data[events].to_numpy(dtype=float)
    n = data[denominator].to_numpy(dtype=float)
    if method == "beta_binomial":
        shrunk, params, notes = _shrink_beta(count, n, level)
        a, b = params
        prior_mean, prior_sd = a / (a + b), float(np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1))))
    elif method == "normal":
        shrunk, params, notes = _shrink_normal(count, n, level)
        prior_mean, prior_sd = params
    else:
        raise ValueError(f"method must be 'beta_binomial' or 'normal'; it was {method!r}.")
    raw_low, raw_high = proportion_confint(count, n, alpha=1 - level, method="beta")
    table = pd.DataFrame(
        {
            "unit": data[unit].to_numpy(),
            "events": count,
            "denominator": n,
            "raw_rate": count / n,
            "raw_low": np.nan_to_num(raw_low, nan=0.0),
            "raw_high": np.nan_to_num(raw_high, nan=1.0),
        }
    )
    table = pd.concat([table, shrunk.reset_index(drop=True)], axis=1)
    se = float(np.sqrt(prior_mean * (1 - prior_mean) / n.sum()))
    return ShrinkageResult(
        **interval_only(prior_mean, se, level),
        n_obs=len(table),
        method=f"Empirical-Bayes shrinkage ({method.replace('_', '-')})",
        estimand="mean of true rates (prior mean)",
        level=level,
        notes=tuple(notes),
        prior_mean=float(prior_mean),
        prior_sd=float(prior_sd),
        shrink_method=method,
        prior_parameters=(float(params[0]), float(params[1])),
        _table=table,
    )
