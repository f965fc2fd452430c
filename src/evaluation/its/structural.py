"""A structural (state-space) model of an interrupted time series.

The counterfactual path after the interruption.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import statsmodels.api as sm
from matplotlib.axes import Axes

from evaluation.its._common import _counterfactual_line, _finish, _path_axes, _series_frame
from evaluation.its.segmented import _percent_row, _row, _rows_summary
from evaluation.results import CopiedFrame, Result, normal_interval

__all__ = ["StructuralResult", "structural"]


# --------------------------------------------------------------------------- structural model
def structural(
    data: pd.DataFrame,
    *,
    outcome: str,
    time: str,
    treatment_time: Any,
    covariates: Sequence[str] | None = None,
    seasonal: int | None = None,
    log: bool = False,
    trend: bool = False,
    stochastic_seasonal: bool = True,
    level: float = 0.95,
) -> StructuralResult:
    """A structural time-series model with a step at the interruption.

    The outcome is the sum of a local level (a random walk, so the
    counterfactual may drift), an optional seasonal of period ``seasonal``,
    regressors, a step ``b * post_t`` and noise, fitted by maximum likelihood
    with statsmodels ``UnobservedComponents`` (Harvey and Durbin 1986). The
    headline estimate is ``b``, the permanent shift in the level.

    Parameters
    ----------
    data
        One row per period.
    outcome, time, treatment_time
        As for :func:`segmented`.
    covariates
        Numeric regressor columns (in logs if you want elasticities: take
        them yourself).
    seasonal
        Period of the seasonal component (e.g. 12), or ``None``.
    log
        Model ``log(outcome)``; the step is then also reported as a percentage.
    trend
        Add a stochastic slope (a local linear trend) to the level.
    stochastic_seasonal
        Let the seasonal pattern evolve (default) or hold it fixed.
    level
        Confidence level of the intervals.

    Returns
    -------
    StructuralResult

    Examples
    --------
    >>> from evaluation.simulate import its as sim
    >>> series = sim.series(effect=-5.0, seed=3)
    >>> fit = structural(series, outcome="outcome", time="month",
    ...                  treatment_time=series.attrs["treatment_time"], seasonal=12)
    >>> fit.estimand
    'step at the interruption'
    """
    if seasonal is not None and (isinstance(seasonal, str) or seasonal < 2):
        raise ValueError(f"seasonal must be an integer period of at least 2; it was {seasonal!r}.")
    covariate_list = list(covariates or [])
    frame = _series_frame(
        data,
        outcome=outcome,
        time=time,
        treatment_time=treatment_time,
        covariates=covariate_list,
        seasonal=None,
        log=log,
    )
    exog = frame[covariate_list].assign(step=frame["post"])
    model = sm.tsa.UnobservedComponents(
        frame["y"],
        exog=exog,
        level="local linear trend" if trend else "local level",
        seasonal=seasonal,
        stochastic_seasonal=stochastic_seasonal,
    )
    fitted = model.fit(disp=False, maxiter=500)
    if not fitted.mle_retvals.get("converged", True):
        warnings.warn(
            "The structural model's likelihood maximisation did not converge; "
            "treat the estimate with caution.",
            RuntimeWarning,
            stacklevel=2,
        )
    return _structural_result(fitted, frame, exog, time, outcome, treatment_time, log, level)


def _structural_result(
    fitted: Any,
    frame: pd.DataFrame,
    exog: pd.DataFrame,
    time: str,
    outcome: str,
    treatment_time: Any,
    log: bool,
    level: float,
) -> StructuralResult:
    estimate, se = float(fitted.params["beta.step"]), float(fitted.bse["beta.step"])
    low, high, p_value = normal_interval(estimate, se, level)
    rows = [_row("step at the interruption", estimate, se, (low, high), p_value)]
    if log:
        rows.append(_percent_row(rows[0], "step (%)"))
    for name in exog.columns.drop("step"):
        b, s = float(fitted.params[f"beta.{name}"]), float(fitted.bse[f"beta.{name}"])
        lo, hi, p = normal_interval(b, s, level)
        rows.append(_row(f"coefficient on {name}", b, s, (lo, hi), p))
    signal = (
        fitted.level["smoothed"] + exog.to_numpy() @ fitted.params.filter(like="beta.").to_numpy()
    )
    if fitted.seasonal is not None:
        signal = signal + fitted.seasonal["smoothed"]
    paths = pd.DataFrame(
        {
            time: frame[time],
            "observed": frame["y"],
            "fitted": signal,
            "counterfactual": signal - estimate * frame["post"].to_numpy(),
            "post": frame["post"].to_numpy() == 1,
        }
    )
    variances = fitted.params.filter(like="sigma2")
    return StructuralResult(
        estimate=estimate,
        se=se,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
        n_obs=int(fitted.nobs),
        method=f"Structural time-series model ({fitted.model.trend_specification})",
        estimand="step at the interruption",
        level=level,
        notes=(
            "Standard errors from the maximum-likelihood fit (statsmodels' default covariance).",
            "Variances: " + ", ".join(f"{k} {v:.3g}" for k, v in variances.items()) + ".",
        )
        + (("Outcome modelled in logs; the percentage row is 100 (exp(b) - 1).",) if log else ()),
        time=time,
        outcome=outcome,
        treatment_time=treatment_time,
        log=log,
        percent_change=100 * math.expm1(estimate) if log else math.nan,
        _rows=pd.DataFrame(rows),
        _paths=paths,
    )


@dataclass(frozen=True, kw_only=True, eq=False)
class StructuralResult(Result):
    """A structural time-series fit: the step (headline), regressors, the paths.

    Attributes
    ----------
    percent_change
        ``100 (exp(step) - 1)`` when ``log``; NaN otherwise.
    paths
        One row per period: ``observed`` (in logs if ``log``), the smoothed
        ``fitted`` signal, the ``counterfactual`` without the step, and ``post``.
    """

    time: str
    outcome: str
    treatment_time: Any
    log: bool
    percent_change: float
    _rows: pd.DataFrame = field(repr=False)
    _paths: pd.DataFrame = field(repr=False)

    paths = CopiedFrame("_paths", "Observed, smoothed and counterfactual series (a copy).")

    def tidy(self) -> pd.DataFrame:
        """Rows: the step, its percentage (if ``log``), each regressor's coefficient."""
        return self._rows.assign(n_obs=self.n_obs)

    def summary(self) -> str:
        """Text report of every row of :meth:`tidy`."""
        return _rows_summary(self, self._rows)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Observed series, the smoothed signal and the counterfactual without the step.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        paths = self._paths
        ax, x, post = _path_axes(ax, paths, self.time)
        ax.plot(x, paths["observed"], color="#999999", lw=1, label="Observed")
        ax.plot(x, paths["fitted"], color="#0072B2", lw=1.8, label="Smoothed signal")
        label = "Counterfactual (no step)"
        _counterfactual_line(ax, x, paths["counterfactual"], post, self.treatment_time, label)
        return _finish(
            ax, self, "Observed series, smoothed signal and the counterfactual without the step"
        )
