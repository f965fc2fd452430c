"""How large a violation of parallel trends would overturn an event study's conclusion?

Rambachan and Roth (2023) replace the assumption that trends would have stayed
exactly parallel with a bound on how far they could have drifted apart, and
give confidence sets that are valid for every violation within the bound:

- **relative magnitudes** (``"relative_magnitude"``, Delta^RM): after adoption,
  the drift from one period to the next is at most ``Mbar`` times the largest
  period-to-period drift seen before adoption. ``Mbar = 1`` allows post-adoption
  violations as large as the worst pre-adoption one.
- **smoothness** (``"smoothness"``, Delta^SD): the drift may bend away from a
  straight-line extrapolation of the pre-trend by at most ``M`` (in outcome
  units) per period. ``M = 0`` allows only a linear trend.

:func:`~evaluation.did.trend_sensitivity` reports the robust confidence set for each
bound, the usual interval that assumes exact parallel trends, and the *breakdown value*: the
smallest bound on the grid at which the set includes zero. The algorithms are
those of the R package HonestDiD (the conditional least-favourable hybrid test
for relative magnitudes, the fixed-length interval for smoothness), checked
against its Python port in moderndid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

from evaluation.did import _honest_arp, _honest_flci
from evaluation.did._common import DEFAULT_SOURCE
from evaluation.did.event_time import EventStudyResult
from evaluation.report import style
from evaluation.results import CopiedFrame, Result, headline, require_level, require_whole

__all__ = ["TrendSensitivityResult", "trend_sensitivity"]

_NAMES = {"relative_magnitude": "Mbar", "smoothness": "M"}


@dataclass(frozen=True, kw_only=True)
class TrendSensitivityResult(Result):
    """Robust confidence sets for an event-study effect as parallel trends is relaxed.

    The headline (``estimate, se, ci_low, ci_high``) is the usual interval for
    the target effect, valid only if trends would have stayed exactly parallel.
    ``intervals`` has one row per bound: ``bound, ci_low, ci_high``, the robust
    confidence set when violations are limited by that bound. ``breakdown`` is
    the smallest bound on the grid whose set includes zero (NaN if none does):
    the conclusion that the effect is non-zero holds for violations below it.
    """

    restriction: str = "relative_magnitude"
    breakdown: float = float("nan")
    _intervals: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    intervals = CopiedFrame(
        "_intervals", "``bound, ci_low, ci_high``: the robust set for each bound (a copy)."
    )

    @property
    def bound_name(self) -> str:
        """``"Mbar"`` for relative magnitudes, ``"M"`` for smoothness."""
        return _NAMES[self.restriction]

    def tidy(self) -> pd.DataFrame:
        """The usual interval, then one row per bound with the robust set."""
        rows = self._intervals.assign(
            term=[f"robust set, {self.bound_name} = {b:g}" for b in self._intervals["bound"]],
            estimate=np.nan,
            se=np.nan,
            p_value=np.nan,
            n_obs=self.n_obs,
        )
        columns = ["term", "estimate", "se", "ci_low", "ci_high", "p_value", "n_obs", "bound"]
        return pd.concat([super().tidy().assign(bound=np.nan), rows[columns]], ignore_index=True)

    def summary(self) -> str:
        """The usual interval, the robust sets and the breakdown value, as text."""
        pct = round(self.level * 100)
        lines = [
            f"  {self.estimand}: {self.estimate:.4g}; {pct}% interval assuming exact "
            f"parallel trends [{self.ci_low:.4g}, {self.ci_high:.4g}]",
        ]
        lines += [
            f"  {self.bound_name} = {b:g}: robust {pct}% set [{lo:.4g}, {hi:.4g}]"
            for b, lo, hi in self._intervals[["bound", "ci_low", "ci_high"]].to_numpy()
        ]
        lines.append(
            f"  breakdown value: {self.bound_name} = {self.breakdown:g}"
            if np.isfinite(self.breakdown)
            else "  breakdown value: every set on the grid excludes zero"
        )
        return self._report(*lines, observations=False)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Robust sets against the bound, the usual interval at the left.

        The effect is in outcome units; the x-axis names the bound of the restriction used.
        The figure is titled and has a source line. To put other words on it (your own data
        source, say), call :func:`evaluation.report.style.finish` on the returned axes.
        """
        ax = style.axes(ax)
        table = self._intervals
        bounds = table["bound"].to_numpy(dtype=float)
        step = float(np.min(np.diff(bounds))) if len(bounds) > 1 else max(bounds[0], 1.0)
        left = bounds.min() - step
        pct = round(self.level * 100)
        ax.vlines(
            left,
            self.ci_low,
            self.ci_high,
            color=style.PALETTE[0],
            lw=3,
            label=f"{pct}% interval, exact parallel trends",
        )
        ax.vlines(
            bounds,
            table["ci_low"],
            table["ci_high"],
            color=style.PALETTE[3],
            lw=3,
            label=f"{pct}% robust set",
        )
        ax.axhline(0, color="#333333", linewidth=1)
        if np.isfinite(self.breakdown):
            ax.axvline(
                self.breakdown,
                color="#777777",
                linewidth=1,
                linestyle="--",
                label=f"breakdown value ({self.bound_name} = {self.breakdown:g})",
            )
        ax.set_xticks([left, *bounds], ["exact", *[f"{b:g}" for b in bounds]])
        ax.legend(frameon=False, loc="best")
        xlabel = {
            "relative_magnitude": "Mbar: post-adoption drift allowed, as a multiple of the "
            "largest pre-adoption drift",
            "smoothness": "M: bend allowed in the trend per period (outcome units)",
        }[self.restriction]
        return style.finish(
            ax,
            title="How robust is the effect to violations of parallel trends?",
            xlabel=xlabel,
            ylabel="Effect (outcome units)",
            source=DEFAULT_SOURCE,
        )


def _from_fit(fit: EventStudyResult) -> tuple[np.ndarray, np.ndarray, int, list[int]]:
    """Coefficients, covariance, number of pre-periods and post event times of a fit."""
    if fit.reference_period != -1:
        raise ValueError(
            "sensitivity needs an event study with reference period -1 (the period just "
            f"before adoption); this one has {fit.reference_period}."
        )
    effects = fit.effects.sort_values("event_time")
    times = effects["event_time"].to_numpy()
    cov = fit.covariance
    if cov.empty:
        raise ValueError("The event study holds no covariance matrix; refit it.")
    pre, post = times[times < -1], times[times >= 0]
    consecutive = np.all(np.diff(pre) == 1) and np.all(np.diff(post) == 1)
    if not consecutive or len(post) == 0 or post[0] != 0 or (len(pre) and pre[-1] != -2):
        raise ValueError("sensitivity needs consecutive event times before and after adoption.")
    order = [*pre, *post]
    sigma = cov.loc[order, order].to_numpy(dtype=float)
    beta = effects.set_index("event_time").loc[order, "estimate"].to_numpy(dtype=float)
    return beta, sigma, len(pre), [int(t) for t in post]


def _check_inputs(beta: np.ndarray, sigma: np.ndarray, n_pre: int, restriction: str) -> None:
    """Shapes, finiteness and a symmetric positive semi-definite covariance."""
    if beta.ndim != 1 or not np.all(np.isfinite(beta)):
        raise ValueError("coefficients must be a finite one-dimensional array.")
    if sigma.shape != (len(beta), len(beta)) or not np.all(np.isfinite(sigma)):
        raise ValueError(
            f"covariance must be a finite {len(beta)} x {len(beta)} matrix; "
            f"it has shape {sigma.shape}."
        )
    if not np.allclose(sigma, sigma.T, rtol=1e-8, atol=1e-12):
        raise ValueError("covariance must be symmetric.")
    eigen = np.linalg.eigvalsh(sigma)
    if eigen.min() < -1e-10 * max(1.0, abs(eigen.max())):
        raise ValueError("covariance must be positive semi-definite.")
    minimum = 2 if restriction == "relative_magnitude" else 1
    if not minimum <= n_pre < len(beta):
        raise ValueError(
            f"n_pre_coefficients must be at least {minimum} and leave a post-adoption coefficient; "
            f"it was {n_pre} of {len(beta)} coefficients."
        )


def _default_bounds(beta: np.ndarray, sigma: np.ndarray, n_pre: int, restriction: str) -> list:
    """Mbar from 0 to 2; M from 0 to the reference's data-driven upper bound."""
    if restriction == "relative_magnitude":
        return [0.0, 0.5, 1.0, 1.5, 2.0]
    if n_pre < 3:
        top = float(np.sqrt(sigma[0, 0]))
    else:
        second = np.zeros((n_pre - 2, n_pre))
        for r in range(n_pre - 2):
            second[r, r : r + 3] = [1.0, -2.0, 1.0]
        se = np.sqrt(np.diag(second @ sigma[:n_pre, :n_pre] @ second.T))
        top = float(np.max(second @ beta[:n_pre] + 1.6448536269514722 * se))
    return [float(v) for v in np.linspace(0, max(top, 0.0), 10)]


def trend_sensitivity(
    result: EventStudyResult | None = None,
    *,
    coefficients: ArrayLike | None = None,
    covariance: ArrayLike | None = None,
    n_pre_coefficients: int | None = None,
    restriction: Literal["relative_magnitude", "smoothness"] = "relative_magnitude",
    bounds: Sequence[float] | None = None,
    contrast: ArrayLike | None = None,
    method: Literal["hybrid", "conditional"] = "hybrid",
    grid_points: int = 1000,
    level: float = 0.95,
) -> TrendSensitivityResult:
    """Confidence sets robust to bounded violations of parallel trends (Rambachan-Roth).

    Give either an event study from :func:`evaluation.did.event_study` (reference
    period -1) or its pieces from elsewhere: ``coefficients`` (pre-adoption event
    times first, oldest first, then post-adoption from event time 0, the
    reference period left out), their ``covariance`` and ``n_pre_coefficients``.

    Parameters
    ----------
    result
        An event study fitted with reference period -1.
    coefficients, covariance, n_pre_coefficients
        The event-study coefficients, their covariance matrix and how many of
        them are before adoption; instead of ``result``.
    restriction
        ``"relative_magnitude"`` (bounds are Mbar, multiples of the largest
        pre-adoption period-to-period drift) or ``"smoothness"`` (bounds are M,
        the change in slope of the drift allowed per period, in outcome units).
    bounds
        The values of Mbar or M to report. Default: Mbar 0, 0.5, ..., 2; M ten
        values from 0 to an upper bound from the pre-adoption coefficients.
    contrast
        Weights on the post-adoption effects defining the target, e.g. equal
        weights for their average. Default: the effect at event time 0.
    method
        Relative magnitudes only: ``"hybrid"`` (the conditional least-favourable
        hybrid test, the reference's default) or ``"conditional"``. Smoothness
        bounds always use the fixed-length confidence interval.
    grid_points
        Values of the target tested when inverting the relative-magnitude test.
    level
        Confidence level.

    Returns
    -------
    TrendSensitivityResult

    Raises
    ------
    ValueError
        On a covariance that is not symmetric positive semi-definite, shapes that
        do not match, a negative bound, a zero contrast, or an event study
        without consecutive event times around reference period -1.

    Examples
    --------
    >>> import numpy as np
    >>> beta = np.array([0.01, -0.005, 0.05, 0.06])
    >>> sigma = np.diag([0.01, 0.01, 0.012, 0.014]) ** 2
    >>> honest = trend_sensitivity(coefficients=beta, covariance=sigma, n_pre_coefficients=2,
    ...                      bounds=[0, 1], grid_points=200)
    >>> bool(honest.ci_low > 0), bool(honest.intervals["ci_low"].iloc[-1] < honest.ci_low)
    (True, True)
    """
    level = require_level(level)
    grid_points = require_whole("grid_points", grid_points, minimum=10)
    if restriction not in _NAMES:
        raise ValueError(
            f"restriction must be 'relative_magnitude' or 'smoothness', not {restriction!r}."
        )
    if method not in ("hybrid", "conditional"):
        raise ValueError(f"method must be 'hybrid' or 'conditional', not {method!r}.")
    if result is not None:
        if not isinstance(result, EventStudyResult):
            raise TypeError("result must be an EventStudyResult from did.event_study.")
        if coefficients is not None or covariance is not None or n_pre_coefficients is not None:
            raise ValueError("Give either result or coefficients/covariance, not both.")
        beta, sigma, n_pre, post_times = _from_fit(result)
    else:
        if coefficients is None or covariance is None or n_pre_coefficients is None:
            raise ValueError(
                "Give result, or all of coefficients, covariance and n_pre_coefficients."
            )
        beta = np.asarray(coefficients, dtype=float)
        sigma = np.asarray(covariance, dtype=float)
        n_pre = require_whole("n_pre_coefficients", n_pre_coefficients, minimum=1)
        post_times = list(range(max(len(beta) - n_pre, 0))) if beta.ndim == 1 else []
    _check_inputs(beta, sigma, n_pre, restriction)
    n_post = len(beta) - n_pre
    if contrast is None:
        weights = np.zeros(n_post)
        weights[0] = 1.0
        estimand = f"effect at event time {post_times[0]}"
    else:
        weights = np.asarray(contrast, dtype=float).ravel()
        if weights.shape != (n_post,) or not np.all(np.isfinite(weights)) or not weights.any():
            raise ValueError(
                f"contrast must be {n_post} finite weights on the post-adoption effects, "
                "not all zero."
            )
        estimand = (
            "weighted post-adoption effect ("
            + ", ".join(f"{w:g} x event time {t}" for w, t in zip(weights, post_times, strict=True))
            + ")"
        )
    values = _default_bounds(beta, sigma, n_pre, restriction) if bounds is None else bounds
    grid = np.asarray(values, dtype=float).ravel()
    if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid < 0):
        raise ValueError(f"bounds must be finite and not negative; they were {list(values)}.")
    grid = np.unique(grid)
    alpha = 1 - level
    rows = []
    for bound in grid:
        if restriction == "relative_magnitude":
            low, high = _honest_arp.rm_confidence_set(
                beta, sigma, weights, n_pre, float(bound), alpha, method == "hybrid", grid_points
            )
        else:
            low, high = _honest_flci.flci(beta, sigma, weights, n_pre, float(bound), alpha)
        rows.append({"bound": float(bound), "ci_low": low, "ci_high": high})
    table = pd.DataFrame(rows)
    covers = (table["ci_low"] <= 0) & (table["ci_high"] >= 0)
    breakdown = float(table.loc[covers, "bound"].min()) if covers.any() else float("nan")
    estimate = float(weights @ beta[n_pre:])
    se = float(np.sqrt(weights @ sigma[n_pre:, n_pre:] @ weights))
    label = {
        "relative_magnitude": "relative magnitudes (Delta^RM, "
        + ("conditional least-favourable hybrid" if method == "hybrid" else "conditional")
        + " test)",
        "smoothness": "smoothness (Delta^SD, fixed-length interval)",
    }[restriction]
    notes: tuple[str, ...] = ()
    if result is not None:
        notes = result.notes
    return TrendSensitivityResult(
        outcome=None if result is None else result.outcome,
        **headline(estimate, se, level),
        n_obs=0 if result is None else result.n_obs,
        method=f"Rambachan-Roth sensitivity to parallel trends: {label}",
        estimand=estimand,
        level=level,
        notes=notes,
        restriction=restriction,
        breakdown=breakdown,
        _intervals=table,
    )
