"""Variance components.

How much of an area panel's variation lies between regions, between areas and over time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from evaluation.results import CopiedFrame, Result, require_frame, require_level, tidy_columns

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["VarianceComponents", "variance_components"]


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

    components = CopiedFrame("_components", "The variance components (a copy).")

    effects = CopiedFrame("_effects", "The units' raw and shrunken deviations (a copy).")

    def tidy(self) -> pd.DataFrame:
        """One row per component: ``term, estimate, se, ci_low, ci_high, share, share_low, ...``."""
        columns = {"term": "component", "estimate": "variance"}
        kept = ("se", "ci_low", "ci_high", "share", "share_low", "share_high")
        return tidy_columns(self._components, columns, *kept)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Caterpillar plot: units ordered by shrunken effect, with intervals.

        Units whose interval lies wholly above zero are green, wholly below
        zero vermilion, the rest grey.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        from evaluation.report import style

        ax = style.axes(ax, (9, 4.5))
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
        return style.finish(
            ax,
            title="Caterpillar plot: each unit's shrunken effect with its interval",
            xlabel="Units, ordered by shrunken effect",
            ylabel=f"{self.outcome} effect (outcome units)",
            source=style.DEFAULT_SOURCE,
        )


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
    columns = {"outcome": outcome, "unit": unit, "time": time, "region": region}
    keys = [c for c in (outcome, unit, time, region) if c is not None]
    require_frame(data, columns, numeric=[outcome], keys=[unit, time] if time is not None else ())
    if region is not None:
        regions_per_unit = data.groupby(unit)[region].nunique()
        if (regions_per_unit > 1).any():
            bad = regions_per_unit.index[regions_per_unit > 1].tolist()[:5]
            raise ValueError(f"Units {bad} of {unit!r} lie in more than one {region!r}.")
    if data[unit].nunique() < 10:
        raise ValueError(
            f"Column {unit!r} has fewer than 10 units: too few to estimate a variance."
        )
    repeated = int((data.groupby(unit).size() > 1).sum())
    if repeated < 2:
        raise ValueError(
            f"Only {repeated} unit(s) of {unit!r} have more than one row: with one row per "
            "unit the variance between units cannot be told apart from the variance "
            "within them (the fit would return its starting value). Give several "
            "periods per unit."
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
    level = require_level(level)
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
        outcome=outcome,
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
