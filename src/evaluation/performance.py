"""Comparing providers and areas fairly: risk adjustment, funnels, shrinkage, ranks, pooling.

A commissioner who asks *who is doing well, and who badly?* usually gets a
league table. A raw league table confuses three things: real differences in
performance, differences in the people each provider serves (case mix), and
plain chance, which is largest for the smallest providers. The functions here
separate them:

* :func:`risk_adjust` compares each provider's observed count of outcomes with
  the count expected from its case mix (a logistic or Poisson GLM fitted with
  statsmodels), giving observed/expected ratios with exact Poisson intervals.
* :func:`funnel` plots each rate against its denominator with control limits
  at 95% and 99.8% around a target (Spiegelhalter 2005), optionally widened
  for over-dispersion (multiplicative or additive random effects).
* :func:`shrink` pulls each raw rate towards the average by as much as its
  noise warrants (empirical Bayes: beta-binomial or normal-normal).
* :func:`rank_intervals` simulates how uncertain each league-table place is.
* :func:`pool` combines estimates from several sites or studies with a
  random-effects model (DerSimonian-Laird or REML), with tau-squared, I-squared
  and Q, and a forest plot.
* :func:`variance_components` splits an area panel's variation into lasting
  differences between regions, between areas and year-to-year movement
  (statsmodels MixedLM, REML), with intervals for each share and shrunken area
  effects: how much of a "postcode lottery" there is.

These are monitoring and description tools, not impact evaluation: they say
whether a provider's results are unusual given chance and the case mix that
was measured, not why.

Examples
--------
>>> from evaluation import performance
>>> trials = performance.bcg_trials()
>>> fit = performance.pool(trials["log_rr"], trials["se"], method="dl", labels=trials["trial"])
>>> round(fit.estimate, 4), round(float(fit.tau2), 4)
(-0.7141, 0.3088)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, special, stats
from scipy.stats import mstats

from evaluation._results import (
    Result,
    normal_interval,
    require_columns,
    require_no_missing,
    require_numeric,
    require_unique,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "FunnelResult",
    "PooledResult",
    "RankResult",
    "RiskAdjustedResult",
    "ShrinkageResult",
    "VarianceComponents",
    "bcg_trials",
    "funnel",
    "funnel_limits",
    "pool",
    "rank_intervals",
    "risk_adjust",
    "shrink",
    "smallest_denominator",
    "variance_components",
]

#: The two control limits of a funnel plot: about 2 and 3 standard errors.
FUNNEL_LEVELS = (0.95, 0.998)
#: Share of z-scores winsorised at each tail when estimating over-dispersion.
WINSOR_SHARE = 0.10

Kind = Literal["binomial", "poisson"]
_GLM_NAMES = {"binomial": "logistic", "poisson": "Poisson"}


# ----------------------------------------------------------------- input checks
def _show_rows(index: pd.Index) -> str:
    """The first few row labels, for an error message."""
    return ", ".join(str(i) for i in index[:5]) + (" ..." if len(index) > 5 else "")


def _check_counts(
    data: pd.DataFrame, *, unit: str, events: str, denominator: str, kind: Kind = "binomial"
) -> None:
    """Refuse absent, non-numeric, missing, negative or impossible counts and duplicate units."""
    require_columns(data, {"unit": unit, "events": events, "denominator": denominator})
    require_numeric(data, [events, denominator])
    require_no_missing(data, [unit, events, denominator])
    require_unique(data, [unit])
    if len(data) < 2:
        raise ValueError(f"Comparing units needs at least two rows; the data has {len(data)}.")
    checks = {
        f"negative values in {events!r}": data[events] < 0,
        f"zero or negative values in {denominator!r}": data[denominator] <= 0,
    }
    if kind == "binomial":
        checks[f"{events!r} greater than {denominator!r}"] = data[events] > data[denominator]
        whole = data[[events, denominator]].to_numpy(dtype=float)
        checks[f"non-whole counts in {events!r} or {denominator!r}"] = pd.Series(
            (whole != np.round(whole)).any(axis=1), index=data.index
        )
    for problem, bad in checks.items():
        if bad.any():
            raise ValueError(
                f"{int(bad.sum())} row(s) have {problem} (rows {_show_rows(data.index[bad])})."
            )


def _pooled_rate(events: np.ndarray, denominator: np.ndarray) -> float:
    return float(events.sum() / denominator.sum())


def _sampling_sd(target: float, denominator: np.ndarray, kind: Kind) -> np.ndarray:
    """Standard error of a unit's rate under the target: binomial or Poisson."""
    variance = target * (1 - target) if kind == "binomial" else target
    return np.sqrt(variance / denominator)


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

    @property
    def studies(self) -> pd.DataFrame:
        """One row per study: estimate, se, interval and random-effects weight (%)."""
        return self._studies.copy()

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
        scale shown. The caller finishes the figure with :func:`plots.finish`.
        """
        import matplotlib.pyplot as plt

        studies = self._studies.iloc[::-1].reset_index(drop=True)
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 0.35 * len(studies) + 1.8))
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
        return ax


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
    low, high, p = normal_interval(mu, mu_se, level)
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
        estimate=mu,
        se=mu_se,
        ci_low=low,
        ci_high=high,
        p_value=p,
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


def bcg_trials() -> pd.DataFrame:
    """The 13 BCG vaccine trials of Colditz et al. (1994), with log risk ratios.

    The counts are the classic ``dat.bcg`` of R's metafor package (also
    ``BCG`` in HSAUR): ``tpos``/``tneg`` vaccinated people with and without
    tuberculosis, ``cpos``/``cneg`` the same for the unvaccinated. ``log_rr`` is
    the log risk ratio (vaccinated over unvaccinated) and ``se`` its standard
    error, computed by :func:`statsmodels.stats.meta_analysis.effectsize_2proportions`.
    """
    from statsmodels.stats.meta_analysis import effectsize_2proportions

    trials = pd.DataFrame(
        [
            (1, "Aronson", 1948, 44, 4, 119, 11, 128),
            (2, "Ferguson & Simes", 1949, 55, 6, 300, 29, 274),
            (3, "Rosenthal et al", 1960, 42, 3, 228, 11, 209),
            (4, "Hart & Sutherland", 1977, 52, 62, 13536, 248, 12619),
            (5, "Frimodt-Moller et al", 1973, 13, 33, 5036, 47, 5761),
            (6, "Stein & Aronson", 1953, 44, 180, 1361, 372, 1079),
            (7, "Vandiviere et al", 1973, 19, 8, 2537, 10, 619),
            (8, "TPT Madras", 1980, 13, 505, 87886, 499, 87892),
            (9, "Coetzee & Berjak", 1968, 27, 29, 7470, 45, 7232),
            (10, "Rosenthal et al", 1961, 42, 17, 1699, 65, 1600),
            (11, "Comstock et al", 1974, 18, 186, 50448, 141, 27197),
            (12, "Comstock & Webster", 1969, 33, 5, 2493, 3, 2338),
            (13, "Comstock et al", 1976, 33, 27, 16886, 29, 17825),
        ],
        columns=["trial", "author", "year", "latitude", "tpos", "tneg", "cpos", "cneg"],
    )
    log_rr, variance = effectsize_2proportions(
        trials["tpos"].to_numpy(),
        (trials["tpos"] + trials["tneg"]).to_numpy(),
        trials["cpos"].to_numpy(),
        (trials["cpos"] + trials["cneg"]).to_numpy(),
        statistic="risk-ratio",
    )
    trials["log_rr"] = log_rr
    trials["se"] = np.sqrt(variance)
    return trials


# ===================================================================== funnel
def _exact_limit(p: float, denominator: np.ndarray, target: float, kind: Kind) -> np.ndarray:
    """Spiegelhalter's (2005, appendix) interpolated exact limit at probability ``p``.

    ``r`` is the ``p`` quantile of the count (the smallest ``r`` with
    ``P(R <= r) >= p``); the limit is ``(r - a) / n`` with
    ``a = (P(R <= r) - p) / (P(R <= r) - P(R <= r - 1))``, which joins the
    steps of the discrete quantile into a smooth curve. Limits below zero (or
    above one for a proportion) are clipped.
    """
    n = np.asarray(denominator, dtype=float)
    dist = stats.binom(n, target) if kind == "binomial" else stats.poisson(target * n)
    r = dist.ppf(p)
    at_r, below_r = dist.cdf(r), dist.cdf(r - 1)
    share = (at_r - p) / (at_r - below_r)
    limit = np.clip((r - share) / n, 0.0, None)
    return np.minimum(limit, 1.0) if kind == "binomial" else limit


def funnel_limits(
    denominator: Sequence[float] | np.ndarray,
    *,
    target: float,
    kind: Kind = "binomial",
    phi: float = 1.0,
    tau2: float = 0.0,
    levels: Sequence[float] = FUNNEL_LEVELS,
) -> pd.DataFrame:
    """Lower and upper funnel limits at each denominator.

    With ``phi == 1`` and ``tau2 == 0`` the limits are exact (interpolated
    binomial or Poisson quantiles, Spiegelhalter 2005). Otherwise they are
    normal: ``target +/- z * sqrt(phi * s^2 + tau2)`` with ``s`` the
    sampling standard error of a rate at that denominator.

    Returns
    -------
    pandas.DataFrame
        ``denominator`` and ``lower_<level>``/``upper_<level>`` for each level
        (e.g. ``lower_95``, ``upper_998``).

    Examples
    --------
    >>> funnel_limits([100], target=0.5).round(4).iloc[0].tolist()
    [100.0, 0.3968, 0.5932, 0.3412, 0.6488]
    """
    n = np.asarray(denominator, dtype=float)
    out = pd.DataFrame({"denominator": n})
    exact = phi <= 1.0 and tau2 <= 0.0
    sd = np.sqrt(phi * _sampling_sd(target, n, kind) ** 2 + tau2)
    for level in levels:
        tag = _level_tag(level)
        tail = (1 - level) / 2
        if exact:
            out[f"lower_{tag}"] = _exact_limit(tail, n, target, kind)
            out[f"upper_{tag}"] = _exact_limit(1 - tail, n, target, kind)
        else:
            z = stats.norm.ppf(1 - tail)
            out[f"lower_{tag}"] = np.clip(target - z * sd, 0.0, None)
            upper = target + z * sd
            out[f"upper_{tag}"] = np.minimum(upper, 1.0) if kind == "binomial" else upper
    return out


def _level_tag(level: float) -> str:
    """95 for 0.95, 998 for 0.998: the digits after the point."""
    return f"{level:.6f}".split(".")[1].rstrip("0")


def _overdispersion(
    z: np.ndarray, sd: np.ndarray, estimated_target: bool
) -> tuple[float, float, float]:
    """Spiegelhalter's winsorised phi, the additive tau^2 (DL on the z-scale) and phi's p-value.

    The 10% most extreme z-scores at each end are set to the 10th and 90th
    percentile values (``scipy.stats.mstats.winsorize``) so that a few real
    outliers do not inflate phi. ``tau2 = (I phi - (I - 1)) / (sum w - sum w^2 /
    sum w)`` with ``w = 1 / s^2`` (Spiegelhalter 2005, DerSimonian-Laird form).
    """
    count = len(z)
    winsorised = np.asarray(mstats.winsorize(z, limits=(WINSOR_SHARE, WINSOR_SHARE)))
    phi = float(np.mean(winsorised**2))
    weights = 1.0 / sd**2
    scale = weights.sum() - np.sum(weights**2) / weights.sum()
    tau2 = max(0.0, float((count * phi - (count - 1)) / scale))
    df = count - 1 if estimated_target else count
    return phi, tau2, float(stats.chi2.sf(count * phi, df))


@dataclass(frozen=True, kw_only=True, eq=False)
class FunnelResult(Result):
    """Funnel-plot limits around a target, and which units fall outside them.

    Attributes
    ----------
    target
        The rate the limits are drawn around (the pooled rate by default).
    kind
        ``"binomial"`` (a proportion) or ``"poisson"`` (a rate per person-time
        or an observed/expected ratio).
    overdispersion
        ``None``, ``"multiplicative"`` or ``"additive"``.
    phi, tau2, dispersion_p_value
        The winsorised over-dispersion factor, the additive between-unit
        variance and the p-value of a chi-squared test of ``phi = 1``; phi and
        tau2 are always estimated, and used only if asked for.
    table
        One row per unit (a copy); see :func:`funnel`.
    """

    target: float
    kind: str
    overdispersion: str | None
    phi: float
    tau2: float
    dispersion_p_value: float
    _table: pd.DataFrame = field(repr=False)

    @property
    def table(self) -> pd.DataFrame:
        """One row per unit: rate, z-score, its limits and flags."""
        return self._table.copy()

    @property
    def outside(self) -> pd.DataFrame:
        """Units outside the 95% limits, most extreme z-score first."""
        flagged = self._table[self._table["flag_95"] != "within"]
        return flagged.reindex(flagged["z"].abs().sort_values(ascending=False).index).copy()

    def limits(self, denominator: Sequence[float] | np.ndarray) -> pd.DataFrame:
        """The limits of this funnel at other denominators (e.g. a grid for a picture)."""
        phi = self.phi if self.overdispersion == "multiplicative" else 1.0
        tau2 = self.tau2 if self.overdispersion == "additive" else 0.0
        return funnel_limits(
            denominator,
            target=self.target,
            kind="poisson" if self.kind == "poisson" else "binomial",
            phi=max(phi, 1.0),
            tau2=tau2,
        )

    def tidy(self) -> pd.DataFrame:
        """One row per unit: ``term`` (unit), ``estimate`` (rate), limits and flags."""
        table = self._table
        return pd.DataFrame(
            {
                "term": table["unit"],
                "estimate": table["rate"],
                "z": table["z"],
                "lower_95": table["lower_95"],
                "upper_95": table["upper_95"],
                "lower_998": table["lower_998"],
                "upper_998": table["upper_998"],
                "flag_95": table["flag_95"],
                "flag_998": table["flag_998"],
                "n_obs": table["denominator"],
            }
        )

    def summary(self) -> str:
        """Target, over-dispersion and counts of units outside each limit."""
        flags = self._table
        lines = [
            super().summary(),
            f"  over-dispersion: phi = {self.phi:.3g} (p = {self.dispersion_p_value:.3g}), "
            f"tau^2 = {self.tau2:.3g}; limits use {self.overdispersion or 'none'}",
            f"  outside 95% limits: {int((flags['flag_95'] != 'within').sum())} of {len(flags)}; "
            f"outside 99.8%: {int((flags['flag_998'] != 'within').sum())}",
        ]
        return "\n".join(lines)

    def plot(
        self, *, ax: Axes | None = None, scale: float = 100.0, label_outliers: int = 8
    ) -> Axes:
        """Funnel plot: rates against denominators, limits, and labelled outliers.

        ``scale`` multiplies rates (100: per cent). At most ``label_outliers``
        units outside the 99.8% limits (else the 95% limits) are labelled.
        """
        import matplotlib.pyplot as plt
        import matplotlib.ticker as mticker

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 5))
        table = self._table
        grid = np.unique(
            np.geomspace(table["denominator"].min(), table["denominator"].max(), 300).round()
        )
        curves = self.limits(grid)
        for tag, style in (("95", "--"), ("998", "-")):
            for side in ("lower", "upper"):
                ax.plot(
                    grid,
                    scale * curves[f"{side}_{tag}"],
                    color="#444444",
                    lw=1,
                    ls=style,
                    label=f"{'95%' if tag == '95' else '99.8%'} limits"
                    if side == "lower"
                    else None,
                )
        ax.axhline(scale * self.target, color="#444444", lw=0.8, ls=":", label="Target")
        colours = table["flag_998"].map(
            {"above": "#D55E00", "below": "#0072B2", "within": "#999999"}
        )
        colours = colours.where(
            table["flag_998"] != "within",
            table["flag_95"].map({"above": "#E69F00", "below": "#56B4E9", "within": "#999999"}),
        )
        ax.scatter(
            table["denominator"],
            scale * table["rate"],
            c=colours,
            s=22,
            zorder=3,
            edgecolor="white",
            lw=0.4,
        )
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(mticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda x, _: f"{x:,.0f}"))
        ax.xaxis.set_minor_formatter(mticker.NullFormatter())
        outside = self.outside
        labelled = outside[outside["flag_998"] != "within"]
        if labelled.empty:
            labelled = outside
        for number, (_, row) in enumerate(labelled.head(label_outliers).iterrows()):
            ax.annotate(
                str(row["unit"]),
                (row["denominator"], scale * row["rate"]),
                fontsize=8,
                # alternate right-above and left-below, so neighbouring labels stay legible
                xytext=(4, 4) if number % 2 == 0 else (-4, -11),
                ha="left" if number % 2 == 0 else "right",
                textcoords="offset points",
            )
        ax.legend(frameon=False, fontsize=9, loc="best")
        return ax


def _flag(rate: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    return np.where(rate > upper, "above", np.where(rate < lower, "below", "within"))


def funnel(
    data: pd.DataFrame,
    *,
    unit: str,
    events: str,
    denominator: str,
    target: float | None = None,
    kind: Kind = "binomial",
    overdispersion: Literal["multiplicative", "additive"] | None = None,
) -> FunnelResult:
    """Funnel-plot control limits for units' rates, with over-dispersion if asked.

    A unit's rate is ``events / denominator``: a proportion (``kind="binomial"``,
    e.g. care leavers in work or education out of all care leavers) or a rate
    per unit of exposure (``kind="poisson"``: person-years, or expected
    counts, which makes the rate an observed/expected ratio with target 1).
    The 95% and 99.8% limits around the target are exact (Spiegelhalter 2005):
    a unit outside the 99.8% limits would be there by chance about once in 500
    if it performed at the target.

    Over-dispersion: real systems differ more than chance allows, and then
    many units fall outside exact limits. Spiegelhalter's remedies are
    estimated from 10% winsorised z-scores ``z_i = (y_i - target) / s_i``:
    ``"multiplicative"`` widens the limits by ``sqrt(phi)``, with
    ``phi = mean(z_w^2)``; ``"additive"`` adds a between-unit variance
    ``tau^2`` (DerSimonian-Laird on the z-scale). Limits are not narrowed when
    ``phi <= 1``: the exact limits are kept and a note says so.

    Parameters
    ----------
    data
        One row per unit.
    unit, events, denominator
        Column names: the unit label, the count of events, the denominator.
    target
        The rate to compare with (default: the pooled rate, total events over
        total denominator).
    kind
        ``"binomial"`` or ``"poisson"``.
    overdispersion
        ``None`` (exact limits), ``"multiplicative"`` or ``"additive"``.

    Returns
    -------
    FunnelResult
        Headline: the target with its binomial (or Poisson) standard error.
        ``table`` columns: ``unit, events, denominator, rate, expected, z,
        lower_95, upper_95, lower_998, upper_998, flag_95, flag_998`` (flags
        are ``"above"``, ``"below"`` or ``"within"``).

    Raises
    ------
    ValueError
        Missing, negative or impossible counts, zero denominators, duplicate units.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"council": list("ABC"), "yes": [45, 520, 10],
    ...                    "n": [100, 1000, 50]})
    >>> fit = funnel(df, unit="council", events="yes", denominator="n")
    >>> fit.table["flag_998"].tolist()
    ['within', 'within', 'below']
    """
    if kind not in ("binomial", "poisson"):
        raise ValueError(f"kind must be 'binomial' or 'poisson'; it was {kind!r}.")
    if overdispersion not in (None, "multiplicative", "additive"):
        raise ValueError(
            "overdispersion must be None, 'multiplicative' or 'additive'; "
            f"it was {overdispersion!r}."
        )
    _check_counts(data, unit=unit, events=events, denominator=denominator, kind=kind)
    count = data[events].to_numpy(dtype=float)
    n = data[denominator].to_numpy(dtype=float)
    pooled = _pooled_rate(count, n)
    theta = pooled if target is None else float(target)
    if kind == "binomial" and not 0 < theta < 1:
        raise ValueError(f"A binomial target must lie strictly between 0 and 1; it is {theta}.")
    if kind == "poisson" and theta <= 0:
        raise ValueError(f"A Poisson target must be positive; it is {theta}.")
    rate = count / n
    sd = _sampling_sd(theta, n, kind)
    z = (rate - theta) / sd
    phi, tau2, phi_p = _overdispersion(z, sd, estimated_target=target is None)
    notes = [f"target = {'pooled rate' if target is None else 'given'} {theta:.4g}"]
    used_phi = phi if overdispersion == "multiplicative" else 1.0
    used_tau2 = tau2 if overdispersion == "additive" else 0.0
    if overdispersion and max(used_phi - 1.0, used_tau2) <= 0:
        notes.append(f"no over-dispersion found (phi = {phi:.3g}): exact limits kept")
    limits = funnel_limits(n, target=theta, kind=kind, phi=max(used_phi, 1.0), tau2=used_tau2)
    table = pd.DataFrame(
        {
            "unit": data[unit].to_numpy(),
            "events": count,
            "denominator": n,
            "rate": rate,
            "expected": theta * n,
            "z": (rate - theta) / np.sqrt(max(used_phi, 1.0) * sd**2 + used_tau2),
        }
    )
    for tag in ("95", "998"):
        table[f"lower_{tag}"] = limits[f"lower_{tag}"].to_numpy()
        table[f"upper_{tag}"] = limits[f"upper_{tag}"].to_numpy()
    for tag in ("95", "998"):
        table[f"flag_{tag}"] = _flag(
            rate, table[f"lower_{tag}"].to_numpy(), table[f"upper_{tag}"].to_numpy()
        )
    limit_kind = "exact" if used_phi <= 1 and used_tau2 == 0 else overdispersion
    target_se = float(_sampling_sd(theta, np.array([n.sum()]), kind)[0])
    low, high, _ = normal_interval(theta, target_se)
    return FunnelResult(
        estimate=theta,
        se=target_se,
        ci_low=low,
        ci_high=high,
        p_value=float("nan"),
        n_obs=len(table),
        method=f"Funnel plot ({kind}, {limit_kind} limits)",
        estimand="target rate",
        notes=tuple(notes),
        target=theta,
        kind=kind,
        overdispersion=overdispersion,
        phi=phi,
        tau2=tau2,
        dispersion_p_value=phi_p,
        _table=table,
    )


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

    @property
    def table(self) -> pd.DataFrame:
        """One row per unit: raw rate and interval, shrunken rate and interval, weight."""
        return self._table.copy()

    def tidy(self) -> pd.DataFrame:
        """One row per unit: ``term`` (unit), ``estimate`` (shrunken rate) and its interval."""
        table = self._table
        return pd.DataFrame(
            {
                "term": table["unit"],
                "estimate": table["shrunk_rate"],
                "ci_low": table["shrunk_low"],
                "ci_high": table["shrunk_high"],
                "raw_rate": table["raw_rate"],
                "weight_on_own_data": table["weight_on_own_data"],
                "n_obs": table["denominator"],
            }
        )

    def plot(self, *, ax: Axes | None = None, scale: float = 100.0) -> Axes:
        """Raw rate (left) joined to shrunken rate (right) for every unit, line width by size."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 5))
        table = self._table
        size = table["denominator"] / table["denominator"].max()
        for (_, row), width in zip(table.iterrows(), size, strict=True):
            ax.plot(
                [0, 1],
                [scale * row["raw_rate"], scale * row["shrunk_rate"]],
                color="#0072B2",
                alpha=0.35 + 0.5 * width,
                lw=0.5 + 2.5 * width,
            )
        ax.axhline(scale * self.prior_mean, color="#D55E00", lw=1, ls="--")
        ax.set_xticks([0, 1], ["Raw rate", "Shrunken rate"])
        ax.set_xlim(-0.15, 1.15)
        return ax


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
    low, high, _ = normal_interval(prior_mean, se, level)
    return ShrinkageResult(
        estimate=prior_mean,
        se=se,
        ci_low=low,
        ci_high=high,
        p_value=float("nan"),
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


# ============================================================== rank intervals
@dataclass(frozen=True, kw_only=True, eq=False)
class RankResult(Result):
    """Simulated league-table places of each unit, with 95% rank intervals.

    Attributes
    ----------
    n_sims, seed
        Simulations drawn and the seed used.
    higher_is_better
        Whether rank 1 is the highest rate.
    n_confident_top, n_confident_bottom
        Units whose whole rank interval lies in the top (bottom) quarter.
    table
        One row per unit (a copy); see :func:`rank_intervals`.
    """

    n_sims: int
    seed: int
    higher_is_better: bool
    n_confident_top: int
    n_confident_bottom: int
    _table: pd.DataFrame = field(repr=False)

    @property
    def table(self) -> pd.DataFrame:
        """One row per unit, best observed rank first."""
        return self._table.copy()

    def tidy(self) -> pd.DataFrame:
        """One row per unit: ``term`` (unit), ``estimate`` (median rank), rank interval."""
        table = self._table
        return pd.DataFrame(
            {
                "term": table["unit"],
                "estimate": table["median_rank"],
                "ci_low": table["rank_low"],
                "ci_high": table["rank_high"],
                "observed_rank": table["observed_rank"],
                "p_top_quarter": table["p_top_quarter"],
                "p_bottom_quarter": table["p_bottom_quarter"],
                "n_obs": table["denominator"],
            }
        )

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Caterpillar plot: each unit's 95% rank interval, ordered by observed rank."""
        import matplotlib.pyplot as plt

        table = self._table.sort_values("observed_rank").reset_index(drop=True)
        if ax is None:
            _, ax = plt.subplots(figsize=(9, 5))
        position = np.arange(1, len(table) + 1)
        quarter = len(table) / 4
        groups = {
            "Surely in the top quarter": (table["rank_high"] <= quarter, "#009E73"),
            "Surely in the bottom quarter": (table["rank_low"] > len(table) - quarter, "#D55E00"),
        }
        uncertain = ~(
            groups["Surely in the top quarter"][0] | groups["Surely in the bottom quarter"][0]
        )
        groups["Could be in more than one quarter"] = (uncertain, "#9A9A9A")
        for label, (chosen, colour) in groups.items():
            ax.vlines(
                position[chosen],
                table.loc[chosen, "rank_low"],
                table.loc[chosen, "rank_high"],
                colors=colour,
                lw=1.4,
                label=f"{label} ({int(chosen.sum())})",
            )
        ax.scatter(
            position,
            table["median_rank"],
            s=6,
            color="#000000",
            zorder=3,
            label="Median simulated rank",
        )
        for edge in (quarter, len(table) - quarter):
            ax.axhline(edge, color="#444444", lw=0.8, ls=":")
        ax.invert_yaxis()
        ax.legend(frameon=False, fontsize=9, loc="upper right")
        return ax


def rank_intervals(
    data: pd.DataFrame,
    *,
    unit: str,
    events: str,
    denominator: str,
    n_sims: int = 1_000,
    seed: int = 0,
    method: Literal["posterior", "bootstrap"] = "posterior",
    higher_is_better: bool = True,
    level: float = 0.95,
) -> RankResult:
    """How uncertain each unit's league-table place is, by simulation.

    ``method="posterior"`` draws each unit's true rate from its empirical-Bayes
    beta posterior (see :func:`shrink`); ``"bootstrap"`` redraws each unit's
    count from a binomial at its own raw rate (a parametric bootstrap). Each
    of the ``n_sims`` draws is ranked (1 = best; ties share the average rank),
    all at once with numpy. The interval is the central ``level`` range of a
    unit's simulated ranks. Draws are assigned to units in order of
    denominator, events and label, so the order of the rows does not matter.

    Parameters
    ----------
    data
        One row per unit.
    unit, events, denominator
        Column names.
    n_sims
        Number of simulated league tables.
    seed
        Seed of numpy's generator: the same seed gives the same table to the byte.
    method
        ``"posterior"`` (default) or ``"bootstrap"``.
    higher_is_better
        Rank 1 is the highest rate (``True``) or the lowest (``False``).
    level
        Coverage of the rank interval.

    Returns
    -------
    RankResult
        Headline: the median width of the rank intervals, in places.
        ``table`` columns: ``unit, events, denominator, rate, observed_rank,
        median_rank, rank_low, rank_high, p_top_quarter, p_bottom_quarter``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": list("ABC"), "k": [10, 50, 90], "n": [100, 100, 100]})
    >>> rank_intervals(df, unit="unit", events="k", denominator="n", n_sims=200,
    ...                method="bootstrap").table["median_rank"].tolist()
    [1.0, 2.0, 3.0]
    """
    _check_counts(data, unit=unit, events=events, denominator=denominator)
    if n_sims < 10:
        raise ValueError(f"n_sims must be at least 10; it was {n_sims}.")
    if method not in ("posterior", "bootstrap"):
        raise ValueError(f"method must be 'posterior' or 'bootstrap'; it was {method!r}.")
    # Draws are assigned to units in a fixed order, so row order cannot change the result.
    data = data.sort_values([denominator, events, unit], kind="stable")
    count = data[events].to_numpy(dtype=float)
    n = data[denominator].to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    if method == "posterior":
        a, b, _ = _fit_beta_binomial(count, n)
        draws = rng.beta(a + count, b + n - count, size=(n_sims, len(n)))
    else:
        draws = rng.binomial(n.astype(np.int64), count / n, size=(n_sims, len(n))) / n
    sign = -1.0 if higher_is_better else 1.0
    ranks = stats.rankdata(sign * draws, axis=1)
    tail = (1 - level) / 2
    quarter = len(n) / 4
    table = pd.DataFrame(
        {
            "unit": data[unit].to_numpy(),
            "events": count,
            "denominator": n,
            "rate": count / n,
            "observed_rank": stats.rankdata(sign * count / n),
            "median_rank": np.median(ranks, axis=0),
            "rank_low": np.quantile(ranks, tail, axis=0, method="inverted_cdf"),
            "rank_high": np.quantile(ranks, 1 - tail, axis=0, method="inverted_cdf"),
            "p_top_quarter": (ranks <= quarter).mean(axis=0),
            "p_bottom_quarter": (ranks > len(n) - quarter).mean(axis=0),
        }
    ).sort_values("observed_rank", kind="stable", ignore_index=True)
    width = float(np.median(table["rank_high"] - table["rank_low"]))
    return RankResult(
        estimate=width,
        se=float("nan"),
        ci_low=float("nan"),
        ci_high=float("nan"),
        p_value=float("nan"),
        n_obs=len(table),
        method=f"Rank intervals ({method}, {n_sims:,} simulations, seed {seed})",
        estimand=f"median width of {round(100 * level)}% rank intervals (places)",
        level=level,
        n_sims=n_sims,
        seed=seed,
        higher_is_better=higher_is_better,
        n_confident_top=int((table["rank_high"] <= quarter).sum()),
        n_confident_bottom=int((table["rank_low"] > len(n) - quarter).sum()),
        _table=table,
    )


# ============================================================ risk adjustment
@dataclass(frozen=True, kw_only=True, eq=False)
class RiskAdjustedResult(Result):
    """Observed and case-mix-expected outcomes per unit, with O/E ratios.

    Attributes
    ----------
    family
        ``"binomial"`` (logistic case-mix model) or ``"poisson"``.
    coefficients
        The case-mix model's coefficients with standard errors (a copy).
    table
        One row per unit (a copy); see :func:`risk_adjust`.
    """

    family: str
    _coefficients: pd.DataFrame = field(repr=False)
    _table: pd.DataFrame = field(repr=False)

    @property
    def coefficients(self) -> pd.DataFrame:
        """Case-mix model coefficients, standard errors and p-values."""
        return self._coefficients.copy()

    @property
    def table(self) -> pd.DataFrame:
        """One row per unit: observed, expected, O/E and its exact interval."""
        return self._table.copy()

    def tidy(self) -> pd.DataFrame:
        """One row per unit: ``term`` (unit), ``estimate`` (O/E ratio), interval, p-value."""
        table = self._table
        return pd.DataFrame(
            {
                "term": table["unit"],
                "estimate": table["oe_ratio"],
                "ci_low": table["ci_low"],
                "ci_high": table["ci_high"],
                "p_value": table["p_value"],
                "observed": table["observed"],
                "expected": table["expected"],
                "n_obs": table["n"],
            }
        )

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """O/E ratio and exact interval of each unit, ordered by the ratio."""
        import matplotlib.pyplot as plt

        table = self._table.sort_values("oe_ratio").reset_index(drop=True)
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 0.25 * len(table) + 1.5))
        rows = np.arange(len(table))
        ax.hlines(rows, table["ci_low"], table["ci_high"], color="#444444", lw=1.2)
        ax.scatter(table["oe_ratio"], rows, color="#0072B2", zorder=3, s=20)
        ax.axvline(1.0, color="#D55E00", lw=1, ls="--")
        ax.set_yticks(rows, table["unit"].astype(str))
        return ax


def _design(
    data: pd.DataFrame, covariates: Sequence[str], reference: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dummy-coded design matrices for ``data`` and the model-fitting ``reference`` data.

    Categories are taken from the reference data; the first is the baseline.
    """
    import statsmodels.api as sm

    frames = []
    for frame in (reference, data):
        parts: list[pd.DataFrame | pd.Series] = []
        for column in covariates:
            values = frame[column]
            if isinstance(values.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(
                values
            ):
                levels = pd.Categorical(reference[column]).categories
                unseen = ~values.isin(levels)
                if unseen.any():
                    raise ValueError(
                        f"Column {column!r} has categories not in the reference data "
                        f"(rows {_show_rows(frame.index[unseen])})."
                    )
                coded = pd.get_dummies(
                    pd.Categorical(values, categories=levels),
                    prefix=column,
                    drop_first=True,
                    dtype=float,
                )
                coded.index = frame.index
                parts.append(coded)
            else:
                parts.append(values.astype(float).rename(column))
        frames.append(sm.add_constant(pd.concat(parts, axis=1), has_constant="add"))
    return frames[1], frames[0]


def _check_risk_inputs(
    data: pd.DataFrame,
    outcome: str,
    unit: str | None,
    covariates: Sequence[str],
    family: str,
    trials: str | None,
    exposure: str | None,
) -> None:
    """Refuse absent, missing or impossible outcome, unit, covariate, trials or exposure values."""
    columns: dict[str, str | None] = {
        "outcome": outcome,
        "unit": unit,
        "trials": trials,
        "exposure": exposure,
    }
    columns.update({f"covariates[{i}]": c for i, c in enumerate(covariates)})
    require_columns(data, columns)
    numeric = [c for c in (outcome, trials, exposure) if c is not None]
    require_numeric(data, numeric)
    require_no_missing(data, [c for c in (outcome, unit, *covariates, *numeric[1:]) if c])
    if family not in ("binomial", "poisson"):
        raise ValueError(f"family must be 'binomial' or 'poisson'; it was {family!r}.")
    y = data[outcome].to_numpy(dtype=float)
    if np.any(y < 0):
        raise ValueError(
            f"Column {outcome!r} has negative values (rows {_show_rows(data.index[y < 0])})."
        )
    if family == "binomial" and trials is None and np.any((y != 0) & (y != 1)):
        bad = data.index[(y != 0) & (y != 1)]
        raise ValueError(
            f"Column {outcome!r} must be 0/1 for a binomial model without trials= "
            f"(rows {_show_rows(bad)})."
        )
    if trials is not None:
        bad = data.index[(data[trials] <= 0) | (data[trials] < data[outcome])]
        if len(bad):
            raise ValueError(
                f"Column {trials!r} must be positive and at least {outcome!r} "
                f"(rows {_show_rows(bad)})."
            )
    if exposure is not None and (data[exposure] <= 0).any():
        raise ValueError(
            f"Column {exposure!r} must be positive "
            f"(rows {_show_rows(data.index[data[exposure] <= 0])})."
        )


def _fit_case_mix(
    data: pd.DataFrame,
    reference: pd.DataFrame,
    *,
    outcome: str,
    covariates: Sequence[str],
    family: str,
    trials: str | None,
    exposure: str | None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Fit the GLM on ``reference``; return expected counts for ``data`` and coefficients."""
    import statsmodels.api as sm

    x_data, x_ref = _design(data, covariates, reference)
    if family == "binomial":
        glm_family = sm.families.Binomial()
        if trials is None:
            endog = reference[outcome].astype(float)
            model = sm.GLM(endog, x_ref, family=glm_family)
        else:
            success = reference[outcome].astype(float)
            counts = pd.concat([success, reference[trials] - success], axis=1)
            model = sm.GLM(counts, x_ref, family=glm_family)
        fit = model.fit()
        size = np.ones(len(data)) if trials is None else data[trials].to_numpy(dtype=float)
        expected = size * np.asarray(fit.predict(x_data))
    else:
        offset = None if exposure is None else np.log(reference[exposure].to_numpy(dtype=float))
        fit = sm.GLM(
            reference[outcome].astype(float), x_ref, family=sm.families.Poisson(), offset=offset
        ).fit()
        data_offset = None if exposure is None else np.log(data[exposure].to_numpy(dtype=float))
        expected = np.asarray(fit.predict(x_data, offset=data_offset))
    coefficients = pd.DataFrame({"coef": fit.params, "se": fit.bse, "p_value": fit.pvalues})
    return expected, coefficients


def _exact_poisson_ratio(
    observed: np.ndarray, expected: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact (Garwood) interval for O/E with E fixed, and the two-sided exact p-value of O/E = 1."""
    tail = (1 - level) / 2
    low = np.where(observed > 0, stats.chi2.ppf(tail, 2 * observed) / 2, 0.0) / expected
    high = stats.chi2.ppf(1 - tail, 2 * observed + 2) / 2 / expected
    lower_tail = stats.poisson.cdf(observed, expected)
    upper_tail = stats.poisson.sf(observed - 1, expected)
    p_value = np.minimum(1.0, 2 * np.minimum(lower_tail, upper_tail))
    return low, high, p_value


def risk_adjust(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    covariates: Sequence[str],
    family: Literal["binomial", "poisson"] = "binomial",
    trials: str | None = None,
    exposure: str | None = None,
    reference: pd.DataFrame | None = None,
    level: float = 0.95,
) -> RiskAdjustedResult:
    """Observed/expected ratios per unit after adjusting for case mix.

    A case-mix model (statsmodels GLM: logistic for a binary outcome, Poisson
    for counts) predicts each record's outcome from the ``covariates`` alone,
    not from the unit. A unit's expected count ``E`` is the sum of its
    records' predictions: what an average unit would have achieved with the
    same people. The observed count ``O`` beside it gives ``O/E``; above 1
    means more outcomes than its case mix predicts.

    The interval for ``O/E`` is the exact Poisson (Garwood) interval for
    ``O`` divided by ``E``, treating ``E`` as fixed: this ignores the
    uncertainty in the case-mix model, which is small when the model is
    fitted on many more records than any one unit has. The p-value is the
    exact two-sided Poisson test of ``O/E = 1``.

    Input may be one row per person (``outcome`` 0/1 for ``"binomial"``) or
    one row per cell of people sharing covariates, with ``outcome`` the count
    of events and ``trials`` the number of people (binomial) or ``exposure``
    the person-time (Poisson, used as a log offset). A binomial GLM on
    grouped data gives the same coefficients as on the individual records.

    Parameters
    ----------
    data
        Records (or cells) of the units to compare.
    outcome, unit
        Column names: the outcome (0/1 or a count) and the unit label.
    covariates
        Case-mix columns; text or categorical columns are dummy-coded, the
        first category the baseline.
    family
        ``"binomial"`` or ``"poisson"``.
    trials, exposure
        Optional column names for grouped binomial data or Poisson exposure.
    reference
        Data to fit the case-mix model on (e.g. all of England, or an earlier
        year); default ``data`` itself, in which case the total O/E is 1.
    level
        Confidence level of the intervals.

    Returns
    -------
    RiskAdjustedResult
        Headline: the overall O/E (all units together) with its exact
        interval. ``table`` columns: ``unit, n, observed, expected, crude_rate,
        oe_ratio, ci_low, ci_high, p_value``.

    Examples
    --------
    >>> from evaluation.simulate.performance import people
    >>> records = people(n_people=5_000, n_providers=4, seed=3)
    >>> fit = risk_adjust(records, outcome="outcome", unit="provider",
    ...                   covariates=["age_band", "deprived"])
    >>> round(fit.estimate, 6)
    1.0
    """
    covariates = list(covariates)
    _check_risk_inputs(data, outcome, unit, covariates, family, trials, exposure)
    reference_data = data if reference is None else reference
    if reference is not None:
        _check_risk_inputs(reference, outcome, None, covariates, family, trials, exposure)
    expected, coefficients = _fit_case_mix(
        data,
        reference_data,
        outcome=outcome,
        covariates=covariates,
        family=family,
        trials=trials,
        exposure=exposure,
    )
    size = pd.Series(1.0, index=data.index) if trials is None else data[trials].astype(float)
    grouped = (
        pd.DataFrame(
            {
                "unit": data[unit].to_numpy(),
                "n": size.to_numpy(),
                "observed": data[outcome].to_numpy(dtype=float),
                "expected": expected,
            }
        )
        .groupby("unit", sort=True, observed=True)
        .sum()
    )
    observed = grouped["observed"].to_numpy()
    low, high, p_value = _exact_poisson_ratio(observed, grouped["expected"].to_numpy(), level)
    table = grouped.reset_index().assign(
        crude_rate=lambda t: t["observed"] / t["n"],
        oe_ratio=lambda t: t["observed"] / t["expected"],
        ci_low=low,
        ci_high=high,
        p_value=p_value,
    )
    total_o, total_e = np.array([observed.sum()]), np.array([grouped["expected"].sum()])
    overall_low, overall_high, overall_p = _exact_poisson_ratio(total_o, total_e, level)
    return RiskAdjustedResult(
        estimate=float(total_o[0] / total_e[0]),
        se=float(np.sqrt(total_o[0]) / total_e[0]),
        ci_low=float(overall_low[0]),
        ci_high=float(overall_high[0]),
        p_value=float(overall_p[0]),
        n_obs=len(data),
        method=f"Risk adjustment ({_GLM_NAMES[family]} case-mix GLM)",
        estimand="overall observed/expected ratio",
        level=level,
        notes=(
            "O/E intervals are exact Poisson with E treated as fixed",
            "case-mix model fitted on "
            + ("the same data (total O/E = 1)" if reference is None else "the reference data"),
        ),
        family=family,
        _coefficients=coefficients,
        _table=table,
    )


# ========================================================= missing denominators
def smallest_denominator(
    rates: Sequence[float] | np.ndarray | pd.Series,
    *,
    decimals: int = 2,
    scale: float = 100.0,
    max_denominator: int = 5_000,
) -> np.ndarray:
    """The smallest whole denominator consistent with each published, rounded rate.

    A rate published as 40.63% to two decimals must be ``100 k / n`` for some
    whole ``k`` and ``n`` that round to it; the smallest such ``n`` (here 32,
    as 13/32 = 40.625%) is a *lower bound* on the true denominator, not an
    estimate of it: 13/32, 26/64 and 39/96 all round to 40.63%. Because funnel
    limits narrow as the denominator grows, a unit outside limits drawn at
    this lower bound is outside them at its true denominator too: the bound
    gives conservative limits where a publisher withholds the denominator.

    Parameters
    ----------
    rates
        Published rates (missing values give NaN).
    decimals
        Decimal places the rates were rounded to.
    scale
        100 for percentages, 1 for proportions, 1000 for rates per thousand.
    max_denominator
        Largest denominator searched; NaN when none up to it fits.

    Examples
    --------
    >>> smallest_denominator([40.63, 50.0, 32.61]).tolist()
    [32.0, 2.0, 46.0]
    """
    values = np.asarray(rates, dtype=float)
    result = np.full(values.shape, np.nan)
    tolerance = 0.5 * 10.0 ** (-decimals) + 1e-9
    pending = np.isfinite(values)
    for n in range(1, max_denominator + 1):
        if not pending.any():
            break
        k = np.round(values[pending] * n / scale)
        fits = np.abs(scale * k / n - values[pending]) <= tolerance
        index = np.flatnonzero(pending)[fits]
        result[index] = n
        pending[index] = False
    return result


# ======================================================== variance components
@dataclass(frozen=True, kw_only=True, eq=False)
class VarianceComponents(Result):
    """Share of the variance of a measure lying between units (and regions).

    The headline is the between-unit share: the unit variance divided by the
    total (region + unit + residual) variance. Without regions it is the
    intra-class correlation of two years of the same unit; with regions that
    correlation is the region share plus the unit share, i.e. one minus the
    residual share. Its interval is a delta-method interval on the logit
    scale (see :func:`variance_components`).

    Attributes
    ----------
    components
        One row per variance component (``region``, ``unit``, ``residual``):
        ``variance``, ``se``, ``ci_low``, ``ci_high`` (log-scale Wald interval
        of the variance, holding the residual variance at its estimate),
        ``share`` of the total and ``share_low``, ``share_high`` (interval of
        the share, from the full covariance of the variance ratios). For a
        variance estimated at zero, ``ci_high`` is the variance that, with the
        other components at their estimates, gives ``share_high``.
    effects
        One row per unit: ``unit``, ``n_years``, ``raw_mean`` (deviation of its
        mean from the year averages), ``shrunk`` (the model's best linear
        unbiased prediction), ``shrunk_low``, ``shrunk_high``,
        ``weight_on_own_data``.
    """

    _components: pd.DataFrame = field(repr=False)
    _effects: pd.DataFrame = field(repr=False)

    @property
    def components(self) -> pd.DataFrame:
        """The variance components (a copy)."""
        return self._components.copy()

    @property
    def effects(self) -> pd.DataFrame:
        """The units' raw and shrunken deviations (a copy)."""
        return self._effects.copy()

    def tidy(self) -> pd.DataFrame:
        """One row per component: ``term, estimate, se, ci_low, ci_high, share, share_low, ...``."""
        table = self._components
        return pd.DataFrame(
            {
                "term": table["component"],
                "estimate": table["variance"],
                "se": table["se"],
                "ci_low": table["ci_low"],
                "ci_high": table["ci_high"],
                "share": table["share"],
                "share_low": table["share_low"],
                "share_high": table["share_high"],
            }
        )

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Caterpillar plot: units ordered by shrunken effect, with intervals.

        Units whose interval lies wholly above zero are green, wholly below
        zero vermilion, the rest grey.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(9, 4.5))
        effects = self._effects.sort_values("shrunk", ignore_index=True)
        colour = np.where(
            effects["shrunk_high"] < 0,
            "#D55E00",
            np.where(effects["shrunk_low"] > 0, "#009E73", "0.6"),
        )
        position = np.arange(len(effects))
        ax.vlines(position, effects["shrunk_low"], effects["shrunk_high"], color=colour, lw=1)
        ax.scatter(position, effects["shrunk"], color=colour, s=8, zorder=3)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xticks([])
        return ax


def _log_interval(variance: float, se: float, z: float) -> tuple[float, float]:
    if not variance > 0 or not np.isfinite(se):
        return 0.0, float("nan")
    half = z * se / variance
    if half > 700:  # a variance at the boundary: exp() would overflow
        return 0.0, float("nan")
    return float(variance * np.exp(-half)), float(variance * np.exp(half))


def _fit_mixed(data: pd.DataFrame, formula: str, unit: str, region: str | None) -> Any:
    import warnings

    import statsmodels.formula.api as smf
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    if region is None:
        model = smf.mixedlm(formula, data, groups=data[unit])
    else:
        model = smf.mixedlm(
            formula,
            data,
            groups=data[region],
            re_formula="1",
            vc_formula={unit: f"0 + C({unit})"},
        )
    failures = []
    for method in ("bfgs", "lbfgs", "powell"):
        with warnings.catch_warnings():
            # Boundary fits (a variance of zero) are reported in the result, not as a warning.
            warnings.filterwarnings("ignore", category=ConvergenceWarning)
            warnings.filterwarnings("ignore", message="Random effects covariance is singular")
            try:
                fit = model.fit(reml=True, method=[method])
            except (np.linalg.LinAlgError, ValueError) as error:  # a step into a singular V
                failures.append(f"{method}: {error}")
                continue
        if fit.converged:
            return fit
        failures.append(f"{method}: did not converge")
    raise ValueError(f"MixedLM (REML) did not fit {unit!r}: " + "; ".join(failures))


def _ratio_covariance(fit: Any) -> np.ndarray:
    """Covariance of the variance ratios ``psi = tau^2 / sigma^2`` (region first, then unit).

    statsmodels parameterises MixedLM by these ratios, with the residual
    variance profiled out, and ``cov_params()`` holds their inverse observed
    information (checked against a numerical Hessian in the tests).
    """
    n_fixed = len(fit.fe_params)
    return np.asarray(fit.cov_params(), dtype=float)[n_fixed:, n_fixed:]


def _share_intervals(psi: np.ndarray, cov: np.ndarray, z: float) -> list[tuple[float, float]]:
    """Delta-method interval of each share on the logit scale; residual share last.

    With ratios ``psi_k`` the shares are ``psi_k / (1 + S)`` and ``1 / (1 + S)``,
    ``S = sum(psi)``; so ``logit(share_k) = log psi_k - log(1 + S - psi_k)`` and
    ``logit(residual share) = -log S``.
    """
    total = float(psi.sum())
    bounds = []
    for k in range(len(psi) + 1):
        if k < len(psi):
            if not psi[k] > 1e-8 * (1 + total):
                bounds.append((0.0, float("nan")))
                continue
            rest = 1 + total - psi[k]
            centre = np.log(psi[k]) - np.log(rest)
            gradient = np.full(len(psi), -1 / rest)
            gradient[k] = 1 / psi[k]
        else:
            if not total > 1e-8:
                bounds.append((float("nan"), 1.0))
                continue
            centre = -np.log(total)
            gradient = np.full(len(psi), -1 / total)
        se = float(np.sqrt(gradient @ cov @ gradient))
        bounds.append(
            (float(special.expit(centre - z * se)), float(special.expit(centre + z * se)))
        )
    return bounds


def _profile_loglike(fit: Any, psi: np.ndarray) -> float:
    """Restricted log-likelihood at variance ratios ``psi``, fixed effects and scale profiled."""
    from statsmodels.regression.mixed_linear_model import MixedLMParams

    params = MixedLMParams.from_components(
        np.asarray(fit.fe_params, dtype=float),
        cov_re=np.array([[psi[0]]]),
        vcomp=np.asarray(psi[1:], dtype=float),
    )
    return float(fit.model.loglike(params, profile_fe=True))


def _boundary_upper(fit: Any, psi: np.ndarray, k: int, level: float) -> float:
    """Profile-likelihood upper bound of share ``k`` when its variance is estimated at zero.

    The delta method has no scale at the boundary, so the bound is the share
    at which twice the drop in the restricted log-likelihood, maximised over
    the other variance ratio, reaches the chi-squared(1) quantile.
    """
    best = _profile_loglike(fit, psi)
    critical = float(stats.chi2.ppf(level, 1))
    others = [j for j in range(len(psi)) if j != k]

    def at_share(share: float) -> float:
        def loglike(log_other: float) -> float:
            trial = np.zeros(len(psi))
            trial[others] = np.exp(log_other)
            trial[k] = share * (1 + trial[others].sum()) / (1 - share)
            return _profile_loglike(fit, trial)

        if not others:
            trial = np.array([share / (1 - share)])
            return _profile_loglike(fit, trial)
        start = np.log(max(float(psi[others[0]]), 1e-6))
        inner = optimize.minimize_scalar(
            lambda t: -loglike(t), bounds=(start - 8, start + 8), method="bounded"
        )
        return -float(inner.fun)

    def excess(share: float) -> float:
        return 2 * (best - at_share(share)) - critical

    if excess(1 - 1e-6) < 0:
        return float("nan")
    return float(optimize.brentq(excess, 1e-9, 1 - 1e-6, xtol=1e-5))


def _components_table(fit: Any, region: str | None, z: float) -> pd.DataFrame:
    scale = float(fit.scale)
    cov = _ratio_covariance(fit)
    diagonal = np.diag(cov)
    bse = scale * np.sqrt(np.where(diagonal >= 0, diagonal, np.nan))
    if region is None:
        names = ["unit"]
        psi = np.array([float(fit.cov_re.iloc[0, 0])]) / scale
    else:
        names = ["region", "unit"]
        psi = np.array([float(fit.cov_re.iloc[0, 0]), float(fit.vcomp[0])]) / scale
    rows = [(name, scale * p, float(s)) for name, p, s in zip(names, psi, bse, strict=True)]
    rows.append(("residual", scale, float("nan")))
    table = pd.DataFrame(rows, columns=["component", "variance", "se"])
    bounds = [_log_interval(v, s, z) for v, s in zip(table["variance"], table["se"], strict=True)]
    table["ci_low"] = [b[0] for b in bounds]
    table["ci_high"] = [b[1] for b in bounds]
    table.loc[table["component"] == "residual", ["ci_low", "ci_high"]] = np.nan
    table["share"] = table["variance"] / table["variance"].sum()
    shares = _share_intervals(psi, cov, z)
    level = float(2 * stats.norm.cdf(z) - 1)
    for k in range(len(psi)):
        if np.isnan(shares[k][1]):
            upper = _boundary_upper(fit, psi, k, level)
            shares[k] = (0.0, upper)
            # The variance that gives that share with the other components at their estimates.
            variances = table["variance"].to_numpy(dtype=float)
            others = float(variances.sum() - variances[k])
            table.loc[k, ["ci_low", "ci_high"]] = [0.0, upper / (1 - upper) * others]
    table["share_low"] = [b[0] for b in shares]
    table["share_high"] = [b[1] for b in shares]
    return table


def _unit_effects(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str | None,
    variances: pd.Series,
    z: float,
) -> pd.DataFrame:
    """Raw and shrunken unit deviations; shrinkage weight n tau2 / (n tau2 + sigma2)."""
    centred = data[outcome] - (data.groupby(time)[outcome].transform("mean") if time else 0.0)
    grouped = centred.groupby(data[unit])
    table = pd.DataFrame({"n_years": grouped.size(), "raw_mean": grouped.mean()})
    tau2, sigma2 = variances["unit"], variances["residual"]
    weight = table["n_years"] * tau2 / (table["n_years"] * tau2 + sigma2)
    table["shrunk"] = weight * (table["raw_mean"] - table["raw_mean"].mean())
    posterior_sd = np.sqrt(tau2 * sigma2 / (sigma2 + table["n_years"] * tau2))
    table["shrunk_low"] = table["shrunk"] - z * posterior_sd
    table["shrunk_high"] = table["shrunk"] + z * posterior_sd
    table["weight_on_own_data"] = weight
    return table.rename_axis("unit").reset_index()


def _check_panel(
    data: pd.DataFrame, outcome: str, unit: str, time: str | None, region: str | None
) -> list[str]:
    require_columns(data, {"outcome": outcome, "unit": unit, "time": time, "region": region})
    keys = [c for c in (outcome, unit, time, region) if c is not None]
    require_no_missing(data, keys)
    require_numeric(data, [outcome])
    if time is not None:
        require_unique(data, [unit, time])
    if region is not None:
        regions_per_unit = data.groupby(unit)[region].nunique()
        if (regions_per_unit > 1).any():
            bad = regions_per_unit.index[regions_per_unit > 1].tolist()[:5]
            raise ValueError(f"Units {bad} of {unit!r} lie in more than one {region!r}.")
    if data[unit].nunique() < 10:
        raise ValueError(
            f"Column {unit!r} has fewer than 10 units: too few to estimate a variance."
        )
    return keys


def variance_components(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str | None = None,
    region: str | None = None,
    level: float = 0.95,
) -> VarianceComponents:
    """How much of an area measure's variation lies between areas (and regions)?

    Fits the random-intercept model ``y_it = year_t + r_g + u_i + e_it`` by
    restricted maximum likelihood (statsmodels ``MixedLM``), with year fixed
    effects when ``time`` is given, a random intercept ``u_i`` per ``unit``
    and, when ``region`` is given, a random intercept ``r_g`` per region with
    units nested in regions. For a balanced panel with a positive estimate
    REML equals the ANOVA (method-of-moments) estimator.

    The headline is the unit share of the total variance. Shares depend only
    on the variance ratios ``psi = tau^2 / sigma^2``, the parameters MixedLM
    estimates with the residual variance profiled out, so each share's
    interval is a delta-method interval on the logit scale from the full
    covariance of those ratios (inverse observed information). It stays
    inside 0-1 and allows for the uncertainty of every component. It is a
    large-sample interval: with few groups (nine regions) it is rough. A
    share estimated at zero (on the boundary) has no delta-method scale; it
    gets the interval from zero to its profile-likelihood upper bound (the
    share at which twice the drop in the restricted log-likelihood, maximised
    over the other variance, reaches the chi-squared(1) quantile). The ``ci_low,
    ci_high`` of each *variance* in ``components`` are log-scale Wald
    intervals that hold the residual variance at its estimate.

    The shrunken unit effects (``effects``) are each unit's mean deviation
    from the year averages pulled towards zero by the weight
    ``n tau^2 / (n tau^2 + sigma^2)``, with normal intervals from the
    posterior variance ``tau^2 sigma^2 / (sigma^2 + n tau^2)`` (treating the
    variances as known). They ignore the region level.

    Parameters
    ----------
    data
        Long panel: one row per unit and period.
    outcome, unit
        Measure and unit (area) columns.
    time
        Period column, entered as fixed effects (optional).
    region
        Grouping of units (optional); each unit must lie in one region.
    level
        Confidence level.

    Returns
    -------
    VarianceComponents

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"council": np.repeat(np.arange(40), 5), "year": np.tile(range(5), 40)})
    >>> df["y"] = np.repeat(rng.normal(0, 2, 40), 5) + rng.normal(0, 1, 200)
    >>> fit = variance_components(df, outcome="y", unit="council", time="year")
    >>> 0.6 < fit.estimate < 0.9, fit.ci_low < fit.estimate < fit.ci_high
    (True, True)
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie between 0 and 1; it was {level}.")
    keys = _check_panel(data, outcome, unit, time, region)
    frame = data[keys].reset_index(drop=True)
    frame[outcome] = frame[outcome].astype(float)
    for key in keys[1:]:  # patsy cannot read pandas' nullable dtypes (Int64, string)
        if isinstance(frame[key].dtype, pd.api.extensions.ExtensionDtype):
            frame[key] = frame[key].astype(object)
    formula = f"Q('{outcome}') ~ " + (f"C(Q('{time}'))" if time else "1")
    fit = _fit_mixed(frame, formula, unit, region)
    z = float(stats.norm.ppf(0.5 + level / 2))
    components = _components_table(fit, region, z)
    unit_row = components.loc[components["component"] == "unit"]
    row = {k: float(unit_row[k].iloc[0]) for k in ("share", "share_low", "share_high")}
    share = row["share"]
    notes = ["REML fit by statsmodels MixedLM; share interval: delta method on the logit scale"]
    if share <= 1e-8:
        notes.append("unit variance estimated at zero (boundary): no detectable difference")
        se = float("nan")
    else:
        logit_se = (special.logit(row["share_high"]) - special.logit(row["share_low"])) / (2 * z)
        se = float(share * (1 - share) * logit_se)
    variances = components.set_index("component")["variance"]
    effects = _unit_effects(frame, outcome=outcome, unit=unit, time=time, variances=variances, z=z)
    return VarianceComponents(
        estimate=share,
        se=se,
        ci_low=row["share_low"],
        ci_high=row["share_high"],
        p_value=float("nan"),
        n_obs=len(frame),
        method="Random-intercept variance components (MixedLM, REML)",
        estimand=f"share of variance between {unit} units",
        level=level,
        notes=tuple(notes),
        _components=components,
        _effects=effects,
    )
