"""How strong would an unmeasured confounder have to be? Cinelli and Hazlett's (2020) bounds.

For the treatment coefficient of a linear regression (ordinary or weighted, so also
a regression on a matched or weighted sample), Cinelli and Hazlett (2020) express
the bias an omitted confounder Z would cause through two partial R-squared values:
how much of the treatment's residual variance Z explains (``r2dz_x``) and how much of
the outcome's residual variance it explains (``r2yz_dx``). From these follow

* the **robustness value** RV_q: the strength (the same partial R-squared with both)
  a confounder needs to cut the estimate by 100q per cent (q = 1: to zero);
* RV_{q,alpha}: the strength that makes the adjusted estimate no longer significant
  at level alpha;
* **bounds** for a confounder ``kd`` times as strongly related to treatment and ``ky``
  times as strongly related to the outcome as a recorded covariate (a benchmark),
  with the estimate, standard error and t-value it would leave.

The formulas are those of the authors' R and Python package ``sensemakr``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from matplotlib.axes import Axes
from scipy import stats

from evaluation.matching.result import ObservationalResult
from evaluation.report import style
from evaluation.results import (
    CopiedFrame,
    Result,
    require_columns,
    require_full_rank,
    require_level,
    require_no_missing,
    require_numeric,
    tidy_frame,
)

__all__ = ["ConfounderSensitivityResult", "confounder_sensitivity", "sensitivity_of"]


def robustness_value(
    t_statistic: float, dof: int, q: float = 1.0, alpha: float | None = None
) -> float:
    """Cinelli and Hazlett's robustness value RV_q, or RV_{q,alpha} when ``alpha`` is given.

    Examples
    --------
    >>> round(robustness_value(4.18445, 783), 4)
    0.1388
    >>> round(robustness_value(4.18445, 783, alpha=0.05), 4)
    0.0763
    """
    fq = q * abs(t_statistic) / np.sqrt(dof)
    if alpha is None:
        return float(0.5 * (np.sqrt(fq**4 + 4 * fq**2) - fq**2))
    f_crit = abs(float(stats.t.ppf(alpha / 2, dof - 1))) / np.sqrt(dof - 1)
    fqa = fq - f_crit
    if fqa < 0:
        return 0.0
    if fq > 1 / f_crit:
        return float((fq**2 - f_crit**2) / (1 + fq**2))
    return float(0.5 * (np.sqrt(fqa**4 + 4 * fqa**2) - fqa**2))


def _partial_r2(t_statistic: Any, dof: float) -> Any:
    return t_statistic**2 / (t_statistic**2 + dof)


def _adjusted(
    estimate: float, se: float, dof: int, r2dz_x: Any, r2yz_dx: Any
) -> tuple[Any, Any, Any]:
    """The estimate, standard error and t-value left by a confounder of the given strength."""
    r2dz_x, r2yz_dx = np.asarray(r2dz_x, dtype=float), np.asarray(r2yz_dx, dtype=float)
    bias = np.sqrt(r2yz_dx * r2dz_x / (1 - r2dz_x)) * se * np.sqrt(dof)
    adjusted = np.sign(estimate) * (abs(estimate) - bias)
    adjusted_se = np.sqrt((1 - r2yz_dx) / (1 - r2dz_x)) * se * np.sqrt(dof / (dof - 1))
    return adjusted, adjusted_se, adjusted / adjusted_se


def _benchmark_bounds(
    r2dxj_x: float, r2yxj_dx: float, kd: np.ndarray, ky: np.ndarray, name: str
) -> pd.DataFrame:
    """Cinelli-Hazlett (2020, Section 6.1) bounds for confounders kd/ky times a covariate."""
    r2dz_x = kd * r2dxj_x / (1 - r2dxj_x)
    if np.any(r2dz_x >= 1):
        raise ValueError(
            f"kd={kd.tolist()} times benchmark {name!r} would explain all the treatment's "
            "residual variance (r2dz_x >= 1); choose a smaller kd."
        )
    r2zxj_xd = kd * r2dxj_x**2 / ((1 - kd * r2dxj_x) * (1 - r2dxj_x))
    if np.any(r2zxj_xd >= 1):
        raise ValueError(f"kd={kd.tolist()} is impossible for benchmark {name!r}; lower it.")
    r2yz_dx = ((np.sqrt(ky) + np.sqrt(r2zxj_xd)) / np.sqrt(1 - r2zxj_xd)) ** 2 * (
        r2yxj_dx / (1 - r2yxj_dx)
    )
    return pd.DataFrame(
        {
            "benchmark": name,
            "kd": kd,
            "ky": ky,
            "r2dz_x": r2dz_x,
            "r2yz_dx": np.minimum(r2yz_dx, 1.0),
        }
    )


@dataclass(frozen=True)
class ConfounderSensitivityResult(Result):
    """An OLS (or weighted) treatment coefficient with its sensitivity to omitted confounders.

    The headline is the regression's estimate with its classical standard error and
    a t interval on ``dof`` degrees of freedom. Beyond the
    :class:`~evaluation.results.Result` fields:

    Attributes
    ----------
    treatment, covariates
        The treatment column and the recorded covariates adjusted for.
    dof
        Residual degrees of freedom of the regression.
    t_statistic
        The estimate's t-value.
    partial_r2
        Partial R-squared of treatment with the outcome (``r2yd_x``): the share of the
        outcome's residual variance a confounder explaining all of the treatment's
        would need to explain to bring the estimate to zero.
    robustness_value, robustness_value_alpha
        RV_q and RV_{q,alpha} (shares, 0 to 1).
    q, alpha
        The share of the estimate to be explained away and the test size used.
    bounds
        One row per benchmark and multiple (a copy): ``benchmark, kd, ky, r2dz_x,
        r2yz_dx, adjusted_estimate, adjusted_se, adjusted_t, adjusted_low,
        adjusted_high``.
    """

    treatment: str = ""
    covariates: tuple[str, ...] = ()
    dof: int = 0
    t_statistic: float = float("nan")
    partial_r2: float = float("nan")
    robustness_value: float = float("nan")
    robustness_value_alpha: float = float("nan")
    q: float = 1.0
    alpha: float = 0.05
    _bounds: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    bounds = CopiedFrame("_bounds", "Bounds for confounders as strong as benchmarks (a copy).")

    def tidy(self) -> pd.DataFrame:
        """The estimate's row (with its partial R2 and robustness values), then one per bound."""
        head = Result.tidy(self).assign(
            r2dz_x=0.0,
            r2yz_dx=0.0,
            t=self.t_statistic,
            partial_r2=self.partial_r2,
            robustness_value=self.robustness_value,
            robustness_value_alpha=self.robustness_value_alpha,
        )
        b = self._bounds
        if b.empty:
            return head
        terms = [
            f"{self.estimand} if confounder {kd:g}x{'' if kd == ky else f'/{ky:g}x'} {name}"
            for name, kd, ky in zip(b["benchmark"], b["kd"], b["ky"], strict=True)
        ]
        rows = tidy_frame(
            {
                "term": terms,
                "estimate": b["adjusted_estimate"],
                "se": b["adjusted_se"],
                "ci_low": b["adjusted_low"],
                "ci_high": b["adjusted_high"],
                "p_value": 2 * stats.t.sf(np.abs(b["adjusted_t"].to_numpy()), self.dof - 1),
                "n_obs": self.n_obs,
                "r2dz_x": b["r2dz_x"],
                "r2yz_dx": b["r2yz_dx"],
                "t": b["adjusted_t"],
            }
        )
        return pd.concat([head, rows], ignore_index=True)

    def summary(self) -> str:
        """The estimate, its partial R-squared, the robustness values and the bounds."""
        lines = [
            Result.summary(self),
            f"  partial R2 of treatment with outcome: {self.partial_r2:.2%}",
            f"  robustness value (q = {self.q:g}): {self.robustness_value:.2%}; "
            f"at alpha = {self.alpha:g}: {self.robustness_value_alpha:.2%}",
        ]
        for row in self._bounds.itertuples():
            lines.append(
                f"  confounder {row.kd:g}x/{row.ky:g}x {row.benchmark}: R2dz.x {row.r2dz_x:.3f}, "
                f"R2yz.dx {row.r2yz_dx:.3f}, estimate {row.adjusted_estimate:.4g} "
                f"(t {row.adjusted_t:.3g})"
            )
        return "\n".join(lines)

    def adjusted(self, r2dz_x: Any, r2yz_dx: Any) -> pd.DataFrame:
        """The estimate, SE and t-value a confounder of the given partial R-squared would leave.

        Examples
        --------
        >>> from evaluation.simulate.matching import voluntary_programme
        >>> frame = voluntary_programme(n=2000, seed=3)
        >>> fit = confounder_sensitivity(frame, outcome="reoffended", treatment="took_part",
        ...                              covariates=["age"])
        >>> list(fit.adjusted(0.05, 0.05).columns)
        ['r2dz_x', 'r2yz_dx', 'estimate', 'se', 't']
        """
        estimate, se, t = _adjusted(self.estimate, self.se, self.dof, r2dz_x, r2yz_dx)
        return pd.DataFrame(
            {
                "r2dz_x": np.atleast_1d(r2dz_x),
                "r2yz_dx": np.atleast_1d(r2yz_dx),
                "estimate": np.atleast_1d(estimate),
                "se": np.atleast_1d(se),
                "t": np.atleast_1d(t),
            }
        )

    def plot(self, *, ax: Axes | None = None, statistic: str = "estimate") -> Axes:
        """Contours of the adjusted estimate (or t-value) over the confounder's two partial R2.

        The red dashed contour is where the estimate reaches zero (for the
        t-value: the critical value at ``alpha``); the triangle is the estimate
        with no confounder and red diamonds the benchmark bounds.
        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        if statistic not in ("estimate", "t"):
            raise ValueError(f"statistic={statistic!r}; choose 'estimate' or 't'.")
        ax = style.axes(ax, (6.5, 6))
        top = max(0.4, *(self._bounds[["r2dz_x", "r2yz_dx"]].to_numpy().ravel() * 1.1))
        grid = np.linspace(0, min(top, 0.99), 120)
        dz, yz = np.meshgrid(grid, grid)
        estimate, _, t = _adjusted(self.estimate, self.se, self.dof, dz, yz)
        surface = estimate if statistic == "estimate" else t
        critical = (
            0.0
            if statistic == "estimate"
            else float(np.sign(self.estimate) * stats.t.ppf(1 - self.alpha / 2, self.dof - 1))
        )
        lines = ax.contour(dz, yz, surface, levels=7, colors="#555555", linewidths=0.8)
        ax.clabel(lines, fontsize=8, fmt="%.3g")
        ax.contour(dz, yz, surface, levels=[critical], colors="C3", linestyles="--", linewidths=1.6)
        ax.plot([0], [0], "^", color="black", ms=8, clip_on=False)
        ax.annotate(
            f"Unadjusted ({self.estimate if statistic == 'estimate' else self.t_statistic:.3g})",
            (0, 0),
            xytext=(6, 6),
            textcoords="offset points",
            fontsize=9,
        )
        b = self._bounds
        column = "adjusted_estimate" if statistic == "estimate" else "adjusted_t"
        for i in range(len(b)):
            x, y = float(b["r2dz_x"].iloc[i]), float(b["r2yz_dx"].iloc[i])
            ax.plot([x], [y], "D", color="C3", ms=6)
            ax.annotate(
                f"{float(b['kd'].iloc[i]):g}x {b['benchmark'].iloc[i]} "
                f"({float(b[column].iloc[i]):.3g})",
                (x, y),
                xytext=(6, -10),
                textcoords="offset points",
                fontsize=8,
            )
        shown = "adjusted estimate" if statistic == "estimate" else "adjusted t-value"
        return style.finish(
            ax,
            title=f"Sensitivity contours: the {shown} a confounder would leave",
            xlabel="Partial R2 of confounder with the treatment (share)",
            ylabel="Partial R2 of confounder with the outcome (share)",
            source=style.DEFAULT_SOURCE,
        )


@dataclass(frozen=True)
class _Fit:
    """Weighted least squares after partialling out the fixed effects (Frisch-Waugh-Lovell)."""

    params: np.ndarray
    tvalues: np.ndarray
    bse: np.ndarray
    dof: int


def _wls(y: np.ndarray, x: np.ndarray, w: np.ndarray, absorbed: int) -> _Fit:
    """WLS of y on x with classical SEs; ``absorbed`` intercepts were partialled out before."""
    fit = sm.WLS(y, x, weights=w).fit()
    dof = int(fit.df_resid) - absorbed
    scale = np.sqrt(fit.df_resid / dof)
    bse = np.asarray(fit.bse) * scale
    return _Fit(np.asarray(fit.params), np.asarray(fit.params) / bse, bse, dof)


def _design(
    data: pd.DataFrame,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    fixed_effects: str | None,
    weights: str | None,
) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray, int]:
    """Outcome, design (treatment first) and weights, fixed effects partialled out."""
    if isinstance(covariates, str):
        raise ValueError("covariates must be a list of column names, not one string.")
    require_columns(
        data,
        {
            "outcome": outcome,
            "treatment": treatment,
            "fixed_effects": fixed_effects,
            "weights": weights,
            **{f"covariates[{i}]": c for i, c in enumerate(covariates)},
        },
    )
    if len({outcome, treatment, *covariates}) != 2 + len(covariates):
        raise ValueError("outcome, treatment and covariates must be different columns.")
    numeric = [outcome, treatment, *covariates] + ([weights] if weights else [])
    require_numeric(data, numeric)
    require_no_missing(data, numeric + ([fixed_effects] if fixed_effects else []))
    w = np.ones(len(data)) if weights is None else data[weights].to_numpy(float)
    if np.any(w < 0) or not np.any(w > 0):
        raise ValueError(f"weights={weights!r} must be non-negative, and not all zero.")
    keep = w > 0
    frame = data.loc[keep]
    w = w[keep]
    names = [treatment, *covariates]
    values = np.column_stack([frame[c].to_numpy(float) for c in [outcome, *names]])
    if fixed_effects is None:
        groups = np.zeros(len(frame), dtype=int)
    else:
        groups = pd.factorize(frame[fixed_effects])[0]
    n_groups = int(groups.max()) + 1
    totals = np.stack([np.bincount(groups, weights=w * v, minlength=n_groups) for v in values.T])
    means = totals / np.bincount(groups, weights=w, minlength=n_groups)
    within = values - means[:, groups].T
    require_full_rank(within[:, 1:], names, "sensitivity regression (after the intercepts)")
    if len(frame) - len(names) - n_groups < 2:
        raise ValueError("Too few rows for the regression's degrees of freedom (need 2 or more).")
    return within[:, 0], within[:, 1:], names, w, n_groups


def confounder_sensitivity(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    fixed_effects: str | None = None,
    weights: str | None = None,
    benchmarks: Sequence[str] = (),
    kd: Sequence[float] | float = (1.0, 2.0, 3.0),
    ky: Sequence[float] | float | None = None,
    q: float = 1.0,
    alpha: float = 0.05,
    level: float = 0.95,
) -> ConfounderSensitivityResult:
    """Sensitivity of a regression's treatment coefficient to an omitted confounder.

    Fits the outcome on a constant, the treatment, the covariates and (optionally)
    one intercept per value of ``fixed_effects`` by least squares (weighted with
    ``weights``), and reports Cinelli and Hazlett's (2020) partial R-squared of the
    treatment, robustness values and, for each covariate in ``benchmarks``, the
    estimate a confounder ``kd`` times as strongly related to treatment and ``ky``
    times as strongly related to the outcome would leave.

    Parameters
    ----------
    data
        One row per unit.
    outcome, treatment, covariates
        Column names (the treatment may be binary or continuous).
    fixed_effects
        Optional column whose values each get their own intercept.
    weights
        Optional column of non-negative weights (a weighted or matched regression).
    benchmarks
        Covariates to compare a confounder with (each must be in ``covariates``).
    kd, ky
        Multiples of each benchmark's strength with the treatment and with the
        outcome (``ky`` defaults to ``kd``).
    q
        Share of the estimate the confounder must explain away (1: all of it).
    alpha
        Size of the test for RV_{q,alpha}.
    level
        Confidence level of the intervals.

    Examples
    --------
    >>> from evaluation.simulate.matching import voluntary_programme
    >>> frame = voluntary_programme(n=2000, seed=3)
    >>> fit = confounder_sensitivity(frame, outcome="reoffended", treatment="took_part",
    ...                              covariates=["age", "prior_offences", "employed"],
    ...                              benchmarks=["prior_offences"], kd=[1, 2])
    >>> 0 < fit.robustness_value_alpha < fit.robustness_value < 1
    True
    >>> len(fit.bounds)
    2
    """
    level = require_level(level)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1; it was {alpha}.")
    if not q > 0:
        raise ValueError(f"q must be positive (1 to explain the whole estimate away); it was {q}.")
    y, design, names, w, n_groups = _design(
        data, outcome, treatment, covariates, fixed_effects, weights
    )
    missing = [b for b in benchmarks if b not in covariates]
    if isinstance(benchmarks, str) or missing:
        raise ValueError(f"benchmarks must be a list of covariates; not covariates: {missing}.")
    kd_arr = np.atleast_1d(np.asarray(kd, dtype=float))
    ky_arr = kd_arr if ky is None else np.broadcast_to(np.asarray(ky, dtype=float), kd_arr.shape)
    if np.any(kd_arr <= 0) or np.any(ky_arr <= 0):
        raise ValueError("kd and ky must be positive multiples.")
    fit = _wls(y, design, w, n_groups)
    estimate, se, dof = float(fit.params[0]), float(fit.bse[0]), fit.dof
    t_value = estimate / se
    treated_fit = _wls(design[:, 0], design[:, 1:], w, n_groups)
    frames = []
    for name in benchmarks:
        j = names.index(name)
        r2yxj_dx = float(_partial_r2(fit.tvalues[j], dof))
        r2dxj_x = float(_partial_r2(treated_fit.tvalues[j - 1], treated_fit.dof))
        frames.append(_benchmark_bounds(r2dxj_x, r2yxj_dx, kd_arr, ky_arr, name))
    bounds = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    critical = float(stats.t.ppf(0.5 + level / 2, dof))
    if not bounds.empty:
        adj, adj_se, adj_t = _adjusted(estimate, se, dof, bounds["r2dz_x"], bounds["r2yz_dx"])
        crit_adj = float(stats.t.ppf(0.5 + level / 2, dof - 1))
        bounds = bounds.assign(
            adjusted_estimate=adj,
            adjusted_se=adj_se,
            adjusted_t=adj_t,
            adjusted_low=adj - crit_adj * adj_se,
            adjusted_high=adj + crit_adj * adj_se,
        )
    label = "weighted least squares" if weights is not None else "OLS"
    return ConfounderSensitivityResult(
        estimate=estimate,
        se=se,
        ci_low=estimate - critical * se,
        ci_high=estimate + critical * se,
        p_value=float(2 * stats.t.sf(abs(t_value), dof)),
        n_obs=len(y),
        method=f"Omitted-variable sensitivity (Cinelli-Hazlett 2020) of an {label} coefficient",
        estimand=f"coefficient on {treatment}",
        level=level,
        outcome=outcome,
        treatment=treatment,
        covariates=tuple(covariates),
        dof=dof,
        t_statistic=float(t_value),
        partial_r2=float(_partial_r2(t_value, dof)),
        robustness_value=robustness_value(t_value, dof, q),
        robustness_value_alpha=robustness_value(t_value, dof, q, alpha),
        q=float(q),
        alpha=float(alpha),
        _bounds=bounds,
    )


def sensitivity_of(
    result: ObservationalResult,
    data: pd.DataFrame,
    *,
    benchmarks: Sequence[str] = (),
    kd: Sequence[float] | float = (1.0, 2.0, 3.0),
    q: float = 1.0,
    alpha: float = 0.05,
) -> ConfounderSensitivityResult:
    """The sensitivity of a matched or weighted estimate, through its weighted regression.

    Regresses the result's outcome on its treatment and covariates on the rows it
    used, weighted by the weights it gave them (matching counts, inverse-probability
    weights, or ones), and applies :func:`confounder_sensitivity`. The coefficient is
    the weighted-regression version of the estimate; it is usually close to it but
    need not be equal.

    The robustness value RV_q describes the weighted partial correlation and needs no
    standard error. RV_{q,alpha} uses the classical weighted-least-squares standard
    error on the rows with positive weight, which treats inverse-probability weights
    as precision and so overstates the precision of a weighted estimate: read RV_q
    for weighting, and RV_{q,alpha} for a regression or a matched sample.

    Examples
    --------
    >>> from evaluation import matching
    >>> from evaluation.simulate.matching import voluntary_programme
    >>> frame = voluntary_programme(n=2000, seed=3)
    >>> fit = matching.ipw(frame, outcome="reoffended", treatment="took_part",
    ...                    covariates=["age", "prior_offences", "employed"])
    >>> round(sensitivity_of(fit, frame).robustness_value, 3) > 0
    True
    """
    if not isinstance(result, ObservationalResult) or result.outcome is None:
        raise TypeError("result must be an estimate of evaluation.matching.")
    weights = result.weights
    if not weights.index.isin(data.index).all() or not data.index.is_unique:
        raise ValueError("data must hold the rows the estimate was fitted on (same index).")
    return confounder_sensitivity(
        data.loc[weights.index].assign(_weight=weights.to_numpy()),
        outcome=result.outcome,
        treatment=result.treatment,
        covariates=list(result.covariates),
        weights="_weight",
        benchmarks=benchmarks,
        kd=kd,
        q=q,
        alpha=alpha,
        level=result.level,
    )
