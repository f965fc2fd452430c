"""Minimum detectable effects and sample sizes for two-arm trials and pilots.

Before a pilot is commissioned someone should ask: *if the service works as
well as we hope, would a trial this size be able to tell?* The answer is the
minimum detectable effect (MDE): the smallest true effect that a trial of a
given size would detect with the chosen power (usually 80%) in a test at the
chosen significance level (usually 5%, two-sided). Bloom (1995) showed it is a
*multiplier* times the standard error of the impact estimate; for 80% power
and a 5% two-sided test the multiplier is about 2.8.

When whole offices, prisons or jobcentres are randomised instead of people,
outcomes of people in the same cluster are alike, measured by the intra-cluster
correlation (ICC), and the variance of the estimate grows by the *design
effect* ``1 + (m - 1) * ICC`` for clusters of ``m`` people. A design effect of
5 means five times the people for the same precision.

Everything is computed exactly, not by the multiplier shortcut: the power of a
two-sided test counts both tails, under the normal distribution or, for small
trials, the (noncentral) t distribution with ``n - 2`` degrees of freedom, or
``clusters - 2`` when clusters are randomised. The results agree with
``statsmodels.stats.power`` (``NormalIndPower``, ``TTestIndPower``) where the
two overlap, and with Bloom's multipliers for large samples. Proportions use
Cohen's arcsine effect size ``h = 2 asin(sqrt(p1)) - 2 asin(sqrt(p0))``, as
``statsmodels.stats.proportion.proportion_effectsize`` does.

For a regression discontinuity, :func:`rd_power` gives the power of the robust
bias-corrected test from pilot data, following rdpower (Cattaneo, Titiunik and
Vazquez-Bare 2019); it lives in :mod:`evaluation.rdd.planning`.

Examples
--------
>>> round(bloom_multiplier(), 2)
2.8
>>> plan = mde(n_obs=1_000)      # 500 a side, outcome in standard deviations
>>> round(plan.mde, 3)
0.177
>>> clustered = mde(n_obs=1_000, cluster_size=50, icc=0.05)
>>> round(clustered.design_effect, 2)
3.45
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import optimize, stats

from evaluation.rdd.planning import RDPower, rd_power
from evaluation.report import style
from evaluation.results import CopiedFrame, Result, normal_interval

__all__ = [
    "ChanceResult",
    "chance_significant",
    "PowerCalculation",
    "bloom_multiplier",
    "design_effect",
    "mde",
    "mde_proportion",
    "power_at",
    "power_curve",
    "RDPower",
    "rd_power",
    "sample_size",
    "sample_size_proportion",
]

Distribution = Literal["normal", "t"]


# --------------------------------------------------------------------------- building blocks
def design_effect(cluster_size: float, icc: float) -> float:
    """Variance inflation from randomising clusters of ``cluster_size``: ``1 + (m - 1) ICC``.

    Examples
    --------
    >>> design_effect(cluster_size=201, icc=0.02)
    5.0
    """
    if cluster_size < 1:
        raise ValueError(f"cluster_size is people per cluster, at least 1; it was {cluster_size}.")
    if not 0 <= icc <= 1:
        raise ValueError(f"icc is a correlation between 0 and 1; it was {icc}.")
    return float(1 + (cluster_size - 1) * icc)


def bloom_multiplier(
    *, alpha: float = 0.05, power: float = 0.8, two_sided: bool = True, df: float | None = None
) -> float:
    """Bloom's (1995) MDE multiplier: critical value plus the power quantile.

    ``t_{1-alpha/2} + t_{power}`` (two-sided) or ``t_{1-alpha} + t_{power}``
    (one-sided), with ``df`` degrees of freedom, or normal quantiles when
    ``df`` is None. The MDE is about this times the standard error of the
    impact estimate.

    Examples
    --------
    >>> round(bloom_multiplier(two_sided=False), 2), round(bloom_multiplier(power=0.9), 2)
    (2.49, 3.24)
    """
    _check_levels(alpha, power)
    tail = alpha / 2 if two_sided else alpha
    if df is None:
        return float(stats.norm.isf(tail) + stats.norm.ppf(power))
    return float(stats.t.isf(tail, df) + stats.t.ppf(power, df))


def _check_levels(alpha: float, power: float) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha is a significance level between 0 and 1; it was {alpha}.")
    if not 0 < power < 1:
        raise ValueError(f"power is a probability between 0 and 1; it was {power}.")


@dataclass(frozen=True)
class _TrialSetup:
    """The parts of a two-arm design that fix the standard error of the impact."""

    treated_share: float = 0.5
    cluster_size: float = 1.0
    icc: float = 0.0
    alpha: float = 0.05
    two_sided: bool = True
    distribution: Distribution = "normal"

    def __post_init__(self) -> None:
        if not 0 < self.treated_share < 1:
            raise ValueError(f"treated_share lies between 0 and 1; it was {self.treated_share}.")
        if self.distribution not in ("normal", "t"):
            raise ValueError(f"distribution is 'normal' or 't', not {self.distribution!r}.")
        design_effect(self.cluster_size, self.icc)
        _check_levels(self.alpha, 0.5)

    @property
    def deff(self) -> float:
        return design_effect(self.cluster_size, self.icc)

    @property
    def clustered(self) -> bool:
        return self.cluster_size > 1

    def df(self, n: float) -> float:
        """Degrees of freedom: people less 2, or clusters less 2 when clusters are randomised."""
        units = n / self.cluster_size if self.clustered else n
        return units - 2

    def se(self, n: float) -> float:
        """Standard error of the impact in outcome standard deviations, for ``n`` people in all."""
        p = self.treated_share
        return math.sqrt(self.deff / (n * p * (1 - p)))

    def power(self, effect: float, n: float) -> float:
        """Power to detect a standardised ``effect`` (> 0) with ``n`` people in all."""
        shift = abs(effect) / self.se(n)
        tail = self.alpha / 2 if self.two_sided else self.alpha
        if self.distribution == "normal":
            crit = stats.norm.isf(tail)
            upper = stats.norm.sf(crit - shift)
            lower = stats.norm.cdf(-crit - shift) if self.two_sided else 0.0
        else:
            df = self.df(n)
            if df <= 0:
                raise ValueError(
                    f"With {n:g} people there are {df:g} degrees of freedom; a t test needs more "
                    "(at least three clusters or people)."
                )
            crit = stats.t.isf(tail, df)
            upper = stats.nct.sf(crit, df, shift)
            lower = stats.nct.cdf(-crit, df, shift) if self.two_sided else 0.0
        return float(upper + lower)

    def minimum_n(self) -> float:
        """Smallest total n searched: two units (people or clusters), three for a t test (df 1)."""
        units = 3.0 if self.distribution == "t" else 2.0
        return units * self.cluster_size


# --------------------------------------------------------------------------- the result
@dataclass(frozen=True)
class PowerCalculation:
    """A power calculation for a two-arm trial: the MDE and the sample behind it.

    Attributes
    ----------
    mde
        Minimum detectable effect in outcome units (proportion points for proportions).
    mde_standardised
        The MDE in outcome standard deviations (Cohen's h for proportions).
    n_total, n_treated, n_control
        People in all and in each arm (whole numbers: arms rounded up when solved for).
    n_exact
        The total sample size before rounding (the solution of the power equation).
    clusters_treated, clusters_control
        Clusters in each arm (0 when people are randomised).
    cluster_size, icc, design_effect
        The clustering assumed and its variance inflation.
    alpha, power, two_sided, distribution
        The test.
    sd
        Standard deviation of the outcome (``nan`` for proportions).
    baseline, target
        For proportions: the control-group rate and the rate at the MDE.
    """

    mde: float
    mde_standardised: float
    n_total: int
    n_treated: int
    n_control: int
    n_exact: float
    clusters_treated: int
    clusters_control: int
    cluster_size: float
    icc: float
    design_effect: float
    alpha: float
    power: float
    two_sided: bool
    distribution: str
    treated_share: float
    sd: float = float("nan")
    baseline: float = float("nan")
    target: float = float("nan")

    def tidy(self) -> pd.DataFrame:
        """One row with every field."""
        return pd.DataFrame([self.__dict__])

    def summary(self) -> str:
        """The MDE and the design in words."""
        sides = "two-sided" if self.two_sided else "one-sided"
        unit = "people"
        if self.clusters_treated:
            unit = (
                f"people in {self.clusters_treated + self.clusters_control:,} clusters of "
                f"{self.cluster_size:g} (ICC {self.icc:g}, design effect {self.design_effect:.2f})"
            )
        effect = (
            f"{self.mde:.4g} ({self.mde_standardised:.3f} SD)"
            if math.isnan(self.baseline)
            else f"{self.mde:.2%} points, from {self.baseline:.1%} to {self.target:.1%}"
        )
        return (
            f"Minimum detectable effect: {effect}\n"
            f"  with {self.n_total:,} {unit}, {self.power:.0%} power, "
            f"{sides} {self.alpha:g} test ({self.distribution})"
        )

    def _in_outcome_units(self, standardised: np.ndarray) -> np.ndarray:
        """Standardised effects as outcome units (proportion points for proportions)."""
        if math.isnan(self.baseline):
            return standardised * self.sd
        sign = -1.0 if self.target < self.baseline else 1.0
        angle = np.arcsin(np.sqrt(self.baseline)) + sign * standardised / 2
        return np.abs(np.sin(np.clip(angle, 0, np.pi / 2)) ** 2 - self.baseline)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Power against the true effect for this design, with the MDE marked.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        ax = style.axes(ax)
        design = _TrialSetup(
            self.treated_share,
            self.cluster_size,
            self.icc,
            self.alpha,
            self.two_sided,
            "t" if self.distribution == "t" else "normal",
        )
        grid = np.linspace(0, 2 * self.mde_standardised, 101)[1:]
        curve = [design.power(effect, self.n_exact) for effect in grid]
        ax.plot(self._in_outcome_units(grid), curve, color="C0", lw=2)
        ax.axhline(self.power, color="#7f7f7f", ls="--", lw=1)
        ax.axvline(self.mde, color="C3", ls=":", lw=1.5, label=f"MDE {self.mde:.3g}")
        ax.set_ylim(0, 1)
        ax.legend(loc="lower right", fontsize=9)
        return style.finish(
            ax,
            title="Power against the true effect, with the minimum detectable effect",
            xlabel="True effect (outcome units)",
            ylabel="Power (probability of a significant result)",
            source=style.DEFAULT_SOURCE,
        )


# --------------------------------------------------------------------------- the calculations
def power_at(
    effect: float,
    *,
    n_obs: float,
    sd: float = 1.0,
    alpha: float = 0.05,
    two_sided: bool = True,
    treated_share: float = 0.5,
    cluster_size: float = 1.0,
    icc: float = 0.0,
    distribution: Distribution = "normal",
) -> float:
    """Probability that a trial of ``n_obs`` people detects a true ``effect`` (outcome units).

    Examples
    --------
    >>> round(power_at(0.2, n_obs=1_000), 3)
    0.885
    """
    design = _setup(
        treated_share, cluster_size, icc, alpha, two_sided, distribution, n_obs=n_obs, sd=sd
    )
    if not math.isfinite(effect):
        raise ValueError(f"effect must be a finite number; it was {effect}.")
    return design.power(effect / sd, n_obs)


def power_curve(
    effects: Sequence[float] | np.ndarray,
    *,
    n_obs: float,
    sd: float = 1.0,
    alpha: float = 0.05,
    two_sided: bool = True,
    treated_share: float = 0.5,
    cluster_size: float = 1.0,
    icc: float = 0.0,
    distribution: Distribution = "normal",
) -> pd.DataFrame:
    """Power at each effect in ``effects``: columns ``effect`` and ``power``."""
    values = np.asarray(effects, dtype=float)
    if not np.isfinite(values).all():
        raise ValueError("effects must be finite numbers.")
    design = _setup(
        treated_share, cluster_size, icc, alpha, two_sided, distribution, n_obs=n_obs, sd=sd
    )
    powers = [design.power(float(effect) / sd, n_obs) for effect in values]
    return pd.DataFrame({"effect": values, "power": powers})


def _setup(
    treated_share: float,
    cluster_size: float,
    icc: float,
    alpha: float,
    two_sided: bool,
    distribution: Distribution,
    power: float | None = None,
    **positive: float,
) -> _TrialSetup:
    """The trial design, once every argument is checked (``power`` and each named positive)."""
    design = _TrialSetup(treated_share, cluster_size, icc, alpha, two_sided, distribution)
    if power is not None:
        _check_levels(alpha, power)
    for name, value in positive.items():
        _check_positive(name, value)
    return design


def _check_positive(name: str, value: float) -> None:
    if not value > 0 or not math.isfinite(value):
        raise ValueError(f"{name} must be a positive number; it was {value}.")


def _solve_effect(design: _TrialSetup, n: float, power: float) -> float:
    """Standardised effect with exactly ``power`` (scipy brentq on the power function)."""
    df = design.df(n) if design.distribution == "t" else None
    multiplier = bloom_multiplier(
        alpha=design.alpha, power=power, two_sided=design.two_sided, df=df
    )
    upper = 2 * multiplier * design.se(n)
    while design.power(upper, n) < power:
        upper *= 2
    return float(
        optimize.brentq(lambda d: design.power(d, n) - power, 1e-12, upper, xtol=1e-14, rtol=1e-13)
    )


def _solve_n(design: _TrialSetup, effect: float, power: float) -> float:
    """Total n (continuous) with exactly ``power`` for a standardised ``effect``."""
    _check_positive("effect", abs(effect))
    lower = design.minimum_n()
    upper = max(4 * lower, 10.0)
    while design.power(effect, upper) < power:
        upper *= 2
    if design.power(effect, lower) >= power:
        return lower
    return float(
        optimize.brentq(lambda n: design.power(effect, n) - power, lower, upper, rtol=1e-13)
    )


def _result(
    design: _TrialSetup,
    *,
    n_total: float,
    effect: float,
    power: float,
    sd: float,
    solved_n: bool,
    baseline: float = float("nan"),
    target: float = float("nan"),
    mde_units: float | None = None,
) -> PowerCalculation:
    share = design.treated_share
    if design.clustered:
        clusters = n_total / design.cluster_size
        ct, cc = (
            (math.ceil(clusters * share - 1e-9), math.ceil(clusters * (1 - share) - 1e-9))
            if solved_n
            else (round(clusters * share), round(clusters * (1 - share)))
        )
        nt, nc = ct * design.cluster_size, cc * design.cluster_size
    else:
        ct = cc = 0
        nt, nc = (
            (math.ceil(n_total * share - 1e-9), math.ceil(n_total * (1 - share) - 1e-9))
            if solved_n
            else (round(n_total * share), round(n_total * (1 - share)))
        )
    return PowerCalculation(
        mde=effect * sd if mde_units is None else mde_units,
        mde_standardised=effect,
        n_total=int(round(nt + nc)),
        n_treated=int(round(nt)),
        n_control=int(round(nc)),
        n_exact=float(n_total),
        clusters_treated=int(ct),
        clusters_control=int(cc),
        **{setting.name: getattr(design, setting.name) for setting in fields(design)},
        design_effect=design.deff,
        power=power,
        sd=sd,
        baseline=baseline,
        target=target,
    )


def _proportion_result(
    design: _TrialSetup,
    n_total: float,
    h: float,
    power: float,
    baseline: float,
    target: float,
    *,
    solved_n: bool,
) -> PowerCalculation:
    """A plan for a proportion: Cohen's ``h`` as the standardised effect, points as the MDE."""
    return _result(
        design,
        n_total=n_total,
        effect=h,
        power=power,
        sd=float("nan"),
        solved_n=solved_n,
        baseline=baseline,
        target=target,
        mde_units=abs(target - baseline),
    )


def mde(
    *,
    n_obs: float,
    sd: float = 1.0,
    alpha: float = 0.05,
    power: float = 0.8,
    two_sided: bool = True,
    treated_share: float = 0.5,
    cluster_size: float = 1.0,
    icc: float = 0.0,
    distribution: Distribution = "normal",
) -> PowerCalculation:
    """Minimum detectable effect on a mean for a trial of ``n_obs`` people in all.

    Parameters
    ----------
    n_obs
        People in both arms together (clusters times cluster size).
    sd
        Standard deviation of the outcome; the MDE is in its units (1 gives
        standard deviations).
    alpha, power, two_sided
        The test and the power wanted.
    treated_share
        Share of people (or clusters) in the treated arm.
    cluster_size, icc
        People per randomised cluster and the intra-cluster correlation;
        ``cluster_size=1`` randomises people.
    distribution
        ``"normal"`` or ``"t"`` (noncentral t; degrees of freedom people less
        2, or clusters less 2).

    Returns
    -------
    PowerCalculation

    Examples
    --------
    >>> round(mde(n_obs=400, sd=10.0).mde, 2)
    2.8
    """
    design = _setup(
        treated_share, cluster_size, icc, alpha, two_sided, distribution, power, n_obs=n_obs, sd=sd
    )
    effect = _solve_effect(design, n_obs, power)
    return _result(design, n_total=n_obs, effect=effect, power=power, sd=sd, solved_n=False)


def sample_size(
    effect: float,
    *,
    sd: float = 1.0,
    alpha: float = 0.05,
    power: float = 0.8,
    two_sided: bool = True,
    treated_share: float = 0.5,
    cluster_size: float = 1.0,
    icc: float = 0.0,
    distribution: Distribution = "normal",
) -> PowerCalculation:
    """People (and clusters) needed to detect ``effect`` on a mean, rounded up.

    Arms are rounded up to whole people, or to whole clusters of
    ``cluster_size`` when clusters are randomised.

    Examples
    --------
    >>> plan = sample_size(0.2)
    >>> plan.n_treated, plan.n_control
    (393, 393)
    """
    design = _setup(treated_share, cluster_size, icc, alpha, two_sided, distribution, power, sd=sd)
    standardised = abs(effect) / sd
    n_total = _solve_n(design, standardised, power)
    return _result(design, n_total=n_total, effect=standardised, power=power, sd=sd, solved_n=True)


def _arcsine(p: float) -> float:
    return 2 * math.asin(math.sqrt(p))


def _check_rate(name: str, value: float) -> None:
    if not 0 < value < 1:
        raise ValueError(f"{name} is a proportion strictly between 0 and 1; it was {value}.")


def mde_proportion(
    *,
    n_obs: float,
    baseline: float,
    decrease: bool = True,
    alpha: float = 0.05,
    power: float = 0.8,
    two_sided: bool = True,
    treated_share: float = 0.5,
    cluster_size: float = 1.0,
    icc: float = 0.0,
) -> PowerCalculation:
    """Smallest change in a proportion from ``baseline`` that ``n_obs`` people can detect.

    The MDE is found on the arcsine scale (Cohen's h) and turned back into a
    rate: ``target = sin(asin(sqrt(baseline)) -+ h / 2)^2``. ``mde`` is the
    absolute change in proportion points (positive), ``target`` the rate at it.

    Examples
    --------
    >>> plan = mde_proportion(n_obs=20_000, baseline=0.45)
    >>> round(plan.target, 4), round(plan.mde, 4)
    (0.4303, 0.0197)
    """
    _check_rate("baseline", baseline)
    design = _setup(
        treated_share, cluster_size, icc, alpha, two_sided, "normal", power, n_obs=n_obs
    )
    h = _solve_effect(design, n_obs, power)
    angle = math.asin(math.sqrt(baseline)) + (-h / 2 if decrease else h / 2)
    if not 0 < angle < math.pi / 2:
        raise ValueError(
            f"With {n_obs:g} people no {'fall' if decrease else 'rise'} from {baseline} within "
            "0 to 1 is detectable."
        )
    return _proportion_result(
        design, n_obs, h, power, baseline, math.sin(angle) ** 2, solved_n=False
    )


def sample_size_proportion(
    baseline: float,
    target: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    two_sided: bool = True,
    treated_share: float = 0.5,
    cluster_size: float = 1.0,
    icc: float = 0.0,
) -> PowerCalculation:
    """People (and clusters) needed to detect a change in a proportion from baseline to target.

    Examples
    --------
    >>> plan = sample_size_proportion(0.45, 0.43)
    >>> plan.n_treated
    9669
    """
    _check_rate("baseline", baseline)
    _check_rate("target", target)
    if baseline == target:
        raise ValueError("baseline and target are equal: there is no effect to detect.")
    design = _setup(treated_share, cluster_size, icc, alpha, two_sided, "normal", power)
    h = abs(_arcsine(target) - _arcsine(baseline))
    n_total = _solve_n(design, h, power)
    return _proportion_result(design, n_total, h, power, baseline, target, solved_n=True)


# --------------------------------------------------------------------------- chance
@dataclass(frozen=True, kw_only=True)
class ChanceResult(Result):
    """How many units beat a baseline 'significantly' when their true change is known.

    Headline: the average number of units with a significant reduction per
    replication. ``counts`` gives the distribution of that number; ``effect``
    is the true change in the rate built into the simulation.
    """

    n_units: int = 0
    effect: float = 0.0
    _counts: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    counts = CopiedFrame(
        "_counts", "Share of replications with each number of significant reductions (a copy)."
    )

    def at_least(self, k: int) -> float:
        """Share of replications in which ``k`` or more units beat the baseline."""
        table = self._counts
        return float(table.loc[table["significant"] >= k, "share"].sum())


def chance_significant(
    reoffenders: np.ndarray,
    cohort_sizes: Sequence[int],
    *,
    baseline: float,
    effect: float = 0.0,
    alpha: float = 0.05,
    level: float = 0.95,
) -> ChanceResult:
    """Count units whose rate is significantly below a fixed baseline, replication by replication.

    Each unit is tested one-sided, ``z = (p_hat - baseline) / sqrt(b (1 - b) / n)``,
    as a payment rule that treats the baseline as known would. Works on a
    whole ``(replications, units)`` array at once.

    Parameters
    ----------
    reoffenders
        Array ``(replications, n_units)`` of reoffender counts, e.g. from
        :func:`evaluation.simulate.probation.crc_cohorts`.
    cohort_sizes
        Offenders in each unit's cohort.
    baseline
        The baseline (a proportion) every unit is compared with.
    effect
        The true change in the rate (a proportion) built into the simulation,
        recorded for the reader.
    alpha
        One-sided significance level of each unit's test.
    level
        Level of the interval around the mean count.

    Examples
    --------
    >>> counts = np.array([[40, 50], [50, 50]])
    >>> fit = chance_significant(counts, [100, 100], baseline=0.5)
    >>> fit.estimate
    0.5
    """
    counts = np.asarray(reoffenders, dtype=float)
    sizes = np.asarray(cohort_sizes, dtype=float)
    if counts.ndim != 2 or counts.shape[1] != len(sizes):
        raise ValueError(
            f"reoffenders must be (replications, {len(sizes)} units); it is {counts.shape}."
        )
    if (counts < 0).any() or (counts > sizes).any():
        raise ValueError("reoffenders must lie between 0 and each cohort size.")
    se = np.sqrt(baseline * (1 - baseline) / sizes)
    z = (counts / sizes - baseline) / se
    significant = (z < stats.norm.ppf(alpha)).sum(axis=1)
    n_sims = len(significant)
    mean, sd = float(significant.mean()), float(significant.std(ddof=1))
    low, high, _ = normal_interval(mean, sd / np.sqrt(n_sims), level)
    share = np.bincount(significant, minlength=len(sizes) + 1) / n_sims
    table = pd.DataFrame({"significant": np.arange(len(sizes) + 1), "share": share})
    return ChanceResult(
        estimate=mean,
        se=sd / np.sqrt(n_sims),
        ci_low=low,
        ci_high=high,
        p_value=float("nan"),
        n_obs=n_sims,
        method=f"one-sided z-test against a fixed baseline at alpha={alpha}, per unit",
        estimand="mean number of units with a significant reduction",
        level=level,
        n_units=len(sizes),
        effect=effect,
        _counts=table,
    )
