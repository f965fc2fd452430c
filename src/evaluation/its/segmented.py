"""Segmented regression of an interrupted time series.

With HAC (Newey-West) standard errors, a comparison series and placebo interruptions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from matplotlib.axes import Axes
from statsmodels.stats.diagnostic import acorr_ljungbox
from statsmodels.stats.stattools import durbin_watson

from evaluation.its._common import (
    _counterfactual_line,
    _design,
    _finish,
    _path_axes,
    _series_frame,
    newey_west_lags,
)
from evaluation.results import CopiedFrame, Result, require_columns, require_level, require_whole

__all__ = ["SegmentedResult", "placebo_interruptions", "segmented"]


# --------------------------------------------------------------------------- segmented regression
def segmented(
    data: pd.DataFrame,
    *,
    outcome: str,
    time: str,
    treatment_time: Any,
    comparison: str | None = None,
    covariates: Sequence[str] | None = None,
    seasonal: int | str | None = None,
    hac_lags: int | None = None,
    log: bool = False,
    level: float = 0.95,
) -> SegmentedResult:
    """Segmented regression of an interrupted time series, with HAC standard errors.

    The model is ``y_t = b0 + b1 t + b2 post_t + b3 (t - t0) post_t + seasons +
    covariates + e_t``, where ``t0`` is the first period at or after
    ``treatment_time``: ``b2`` is the level change at the interruption (the
    headline estimate) and ``b3`` the change in slope per period. Standard
    errors are Newey-West (statsmodels ``cov_type="HAC"``) with the small-sample
    correction ``n / (n - k)`` and t-based intervals and p-values, as in
    Stata's ``newey``. Even so they are too small in short, autocorrelated
    series; the ITS chapter measures by how much.

    Parameters
    ----------
    data
        One row per period; with ``comparison``, one row per period and series.
    outcome
        Numeric outcome column.
    time
        Regularly spaced numeric or date column.
    treatment_time
        First period under the reform, in the units of ``time``.
    comparison
        Controlled ITS: the name of a boolean (or 0/1) column that is true on
        the rows of a *comparison series* the reform did not affect; the other
        rows are the reformed series, and both must cover the same periods.
        The model is then fitted to the reformed minus the comparison series
        (logs, if ``log``), so its level and slope changes are relative to the
        comparison; the comparison's own level change is reported as a check.
    covariates
        Numeric columns entered as regressors (with ``comparison``, as their
        differences between the two series).
    seasonal
        ``None``; an integer period (e.g. 12 for months) for a fixed seasonal
        pattern; or the name of a column of season labels.
    hac_lags
        Lags of the Newey-West covariance; default :func:`newey_west_lags`.
    log
        Model ``log(outcome)``; the level change is then also reported as a
        percentage, ``100 (exp(b) - 1)``.
    level
        Confidence level of the intervals.

    Returns
    -------
    SegmentedResult

    Raises
    ------
    ValueError
        For an absent or non-numeric column, missing values, repeated
        periods, irregular spacing, too few periods either side of the
        treatment_time, a non-positive outcome with ``log=True``, or a
        comparison series that does not cover the same periods.

    Examples
    --------
    >>> from evaluation.simulate import its as sim
    >>> series = sim.series(effect=-5.0, seed=2)
    >>> fit = segmented(series, outcome="outcome", time="month",
    ...                 treatment_time=series.attrs["treatment_time"], seasonal=12)
    >>> fit.tidy()["term"].tolist()[:2]
    ['level change', 'slope change']
    """
    level = require_level(level)
    covariate_list = list(covariates or [])
    options = {
        "outcome": outcome,
        "time": time,
        "treatment_time": treatment_time,
        "covariates": covariate_list,
        "seasonal": seasonal,
        "log": log,
    }
    if comparison is None:
        frame = _series_frame(data, **options)
        comparison_series = None
    else:
        frame, comparison_series = _controlled_frames(data, comparison=comparison, **options)
    design = _design(frame, covariate_list, seasonal)
    lags = newey_west_lags(len(frame)) if hac_lags is None else require_whole("hac_lags", hac_lags)
    if lags > len(frame) // 4:
        raise ValueError(
            f"hac_lags={lags} on {len(frame)} periods: above a quarter of the series "
            f"(here {len(frame) // 4}) the Newey-West variance rests on a handful of "
            "autocovariances and is unreliable; the usual rule gives "
            f"{newey_west_lags(len(frame))}."
        )
    fitted = _hac_fit(sm.OLS(frame["y"], design), lags)
    return _segmented_result(
        fitted,
        frame=frame,
        design=design,
        comparison_series=comparison_series,
        covariates=covariate_list,
        seasonal=seasonal,
        time=time,
        outcome=outcome,
        treatment_time=treatment_time,
        lags=lags,
        log=log,
        level=level,
        controlled=comparison is not None,
    )


def _hac_fit(model: Any, lags: int) -> Any:
    """OLS with Newey-West errors, small-sample corrected, with t-based inference.

    Refuses a series the model fits exactly (a constant or a straight line): with no
    residual variation there is nothing to estimate the uncertainty from.
    """
    y = np.asarray(model.endog, dtype=float)
    residuals = y - model.exog @ np.linalg.lstsq(model.exog, y, rcond=None)[0]
    if float(residuals @ residuals) <= 1e-20 * max(float(y @ y), 1.0):
        raise ValueError(
            "The segmented model fits every period exactly (the outcome is constant or "
            "follows the model's lines with no noise): there is no residual variation to "
            "estimate the uncertainty from. Check the outcome column."
        )
    return model.fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}, use_t=True)


def _controlled_frames(
    data: pd.DataFrame, *, comparison: str, **options: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split reformed and comparison series, check they align, and difference them."""
    require_columns(data, {"comparison": comparison})
    flags = data[comparison]
    if not (pd.api.types.is_bool_dtype(flags) or set(pd.unique(flags)) <= {0, 1}):
        raise ValueError(
            f"comparison={comparison!r} must be a boolean (or 0/1) column marking the comparison "
            f"series; it holds {list(pd.unique(flags))[:5]}."
        )
    is_comparison = flags.astype(bool)
    if is_comparison.all() or not is_comparison.any():
        raise ValueError(
            f"comparison={comparison!r} must mark some rows as the comparison series and leave "
            "some as the reformed series; it marks "
            + ("all of them." if is_comparison.all() else "none of them.")
        )
    reformed = _series_frame(data.loc[~is_comparison], **options)
    series = _series_frame(data.loc[is_comparison], **options)
    time = options["time"]
    unmatched = set(reformed[time]).symmetric_difference(series[time])
    if unmatched:
        raise ValueError(
            f"The reformed and comparison series (comparison={comparison!r}) must cover the same "
            f"periods of {time!r}; {len(unmatched)} period(s) are in only one, "
            f"e.g. {sorted(unmatched)[:3]}."
        )
    difference = reformed.copy()
    columns = ["y", *options["covariates"]]
    difference[columns] = reformed[columns].to_numpy() - series[columns].to_numpy()
    difference["reformed"] = reformed["y"]
    difference["comparison"] = series["y"]
    return difference, series


def _segmented_result(
    fitted: Any,
    *,
    frame: pd.DataFrame,
    design: pd.DataFrame,
    comparison_series: pd.DataFrame | None,
    covariates: Sequence[str],
    seasonal: int | str | None,
    time: str,
    outcome: str,
    treatment_time: Any,
    lags: int,
    log: bool,
    level: float,
    controlled: bool,
) -> SegmentedResult:
    """Package the OLS fit: the rows of tidy(), the paths and the notes."""
    alpha = 1 - level
    post = frame["post"].to_numpy() == 1
    effect_part = design[["level change", "slope change"]].to_numpy()
    average_row = np.zeros(design.shape[1])
    average_row[2:4] = effect_part[post].mean(axis=0)
    contrast = fitted.t_test(average_row)
    rows = [_coefficient_row(fitted, term, alpha) for term in ["level change", "slope change"]]
    rows.append(
        _row(
            "average post-period effect",
            float(np.squeeze(contrast.effect)),
            float(np.squeeze(contrast.sd)),
            np.squeeze(contrast.conf_int(alpha=alpha)),
            float(np.squeeze(contrast.pvalue)),
        )
    )
    if log:
        rows += [_percent_row(rows[0], "level change (%)"), _percent_row(rows[2], "average (%)")]
    if comparison_series is not None:
        rows.append(_comparison_row(comparison_series, covariates, seasonal, lags, alpha))
    counterfactual = design.copy()
    counterfactual[["level change", "slope change"]] = 0.0
    paths = pd.DataFrame(
        {
            time: frame[time],
            "observed": frame["y"],
            "fitted": fitted.fittedvalues,
            "counterfactual": fitted.predict(counterfactual),
            "post": post,
        }
    )
    if controlled:
        paths["reformed"] = frame["reformed"]
        paths["comparison"] = frame["comparison"]
    head = rows[0]
    residuals = fitted.resid.to_numpy()
    return SegmentedResult(
        estimate=head["estimate"],
        se=head["se"],
        ci_low=head["ci_low"],
        ci_high=head["ci_high"],
        p_value=head["p_value"],
        n_obs=int(fitted.nobs) * (2 if controlled else 1),
        method="Segmented regression"
        + (" with a comparison series" if controlled else "")
        + f", Newey-West SE ({lags} lags)",
        estimand="level change",
        level=level,
        notes=_segmented_notes(log, controlled, residuals, lags),
        time=time,
        outcome=outcome,
        treatment_time=treatment_time,
        log=log,
        hac_lags=lags,
        controlled=controlled,
        _rows=pd.DataFrame(rows),
        _paths=paths,
        _fitted=fitted,
    )


def _segmented_notes(
    log: bool, controlled: bool, residuals: np.ndarray, lags: int
) -> tuple[str, ...]:
    notes = [f"Durbin-Watson statistic of the residuals: {durbin_watson(residuals):.2f}."]
    if log:
        notes.append("Outcome modelled in logs; the percentage rows are 100 (exp(b) - 1).")
    if controlled:
        notes.append(
            "Estimated on the reformed minus the comparison series: effects are relative to "
            "the comparison; its own level change is a separate row."
        )
    if lags == 0:
        notes.append(
            "hac_lags=0: heteroskedasticity-robust only, no allowance for autocorrelation."
        )
    return tuple(notes)


def _rows_summary(result: Result, rows: pd.DataFrame) -> str:
    """One line per reported quantity, then the observations and the notes."""
    pct = round(result.level * 100)
    lines = [result.method]
    for row in rows.to_dict("records"):
        se = "" if math.isnan(row["se"]) else f" (SE {row['se']:.4g})"
        lines.append(
            f"  {row['term']}: {row['estimate']:.4g}{se}, {pct}% CI "
            f"[{row['ci_low']:.4g}, {row['ci_high']:.4g}], p = {row['p_value']:.3g}"
        )
    lines.append(f"  observations: {result.n_obs:,}")
    lines += [f"  note: {note}" for note in result.notes]
    return "\n".join(lines)


def _row(term: str, estimate: float, se: float, bounds: Any, p_value: float) -> dict[str, Any]:
    return {
        "term": term,
        "estimate": estimate,
        "se": se,
        "ci_low": float(bounds[0]),
        "ci_high": float(bounds[1]),
        "p_value": p_value,
    }


def _coefficient_row(fitted: Any, term: str, alpha: float) -> dict[str, Any]:
    bounds = fitted.conf_int(alpha=alpha).loc[term]
    return _row(
        term,
        float(fitted.params[term]),
        float(fitted.bse[term]),
        bounds.to_numpy(),
        float(fitted.pvalues[term]),
    )


def _percent_row(row: dict[str, Any], term: str) -> dict[str, Any]:
    """A log-scale row as a percentage change; the interval is transformed, the SE is not."""
    return {
        "term": term,
        "estimate": 100 * math.expm1(row["estimate"]),
        "se": math.nan,
        "ci_low": 100 * math.expm1(row["ci_low"]),
        "ci_high": 100 * math.expm1(row["ci_high"]),
        "p_value": row["p_value"],
    }


def _comparison_row(
    comparison: pd.DataFrame,
    covariates: Sequence[str],
    seasonal: int | str | None,
    lags: int,
    alpha: float,
) -> dict[str, Any]:
    """Level change in the comparison series on its own (it should be near zero)."""
    design = _design(comparison, covariates, seasonal)
    own = _hac_fit(sm.OLS(comparison["y"], design), lags)
    row = _coefficient_row(own, "level change", alpha)
    row["term"] = "comparison level change"
    return row


@dataclass(frozen=True, kw_only=True, eq=False)
class SegmentedResult(Result):
    """A segmented regression: level change (headline), slope change, the paths.

    Attributes
    ----------
    hac_lags
        Lags of the Newey-West covariance used.
    paths
        One row per period: the modelled outcome ``observed`` (in logs if
        ``log``), ``fitted``, the ``counterfactual`` without the reform, and a
        ``post`` flag; with a comparison series, the two series too. A copy.
    """

    time: str
    outcome: str
    treatment_time: Any
    log: bool
    hac_lags: int
    controlled: bool
    _rows: pd.DataFrame = field(repr=False)
    _paths: pd.DataFrame = field(repr=False)
    _fitted: Any = field(repr=False)

    paths = CopiedFrame("_paths", "Observed, fitted and counterfactual series (a copy).")

    @property
    def coefficients(self) -> pd.DataFrame:
        """Every regression coefficient (trend, seasons, covariates), with estimate, se and p."""
        return pd.DataFrame(
            {
                "estimate": self._fitted.params,
                "se": self._fitted.bse,
                "p_value": self._fitted.pvalues,
            }
        )

    @property
    def slope_change(self) -> float:
        """Change in the slope per period after the interruption."""
        return float(self._rows["estimate"].to_numpy()[self._rows["term"] == "slope change"][0])

    def tidy(self) -> pd.DataFrame:
        """Rows: level change, slope change, average post-period effect (and % and comparison)."""
        return self._rows.assign(n_obs=self.n_obs)

    def summary(self) -> str:
        """Text report of every row of :meth:`tidy`."""
        return _rows_summary(self, self._rows)

    def diagnostics(self, lags: Sequence[int] = (1, 12)) -> pd.DataFrame:
        """Residual autocorrelation: Durbin-Watson and Ljung-Box tests at ``lags``.

        Small Ljung-Box p-values mean the residuals are autocorrelated, so
        plain OLS standard errors would be too small; the HAC errors allow for
        it, but a model of the dynamics (see :func:`structural`) may be better.
        """
        residuals = self._fitted.resid
        box = acorr_ljungbox(residuals, lags=list(lags))
        table = pd.DataFrame(
            {
                "test": [f"Ljung-Box, {lag} lag(s)" for lag in lags],
                "statistic": box["lb_stat"].to_numpy(),
                "p_value": box["lb_pvalue"].to_numpy(),
            }
        )
        first = pd.DataFrame(
            {
                "test": ["Durbin-Watson"],
                "statistic": [durbin_watson(residuals)],
                "p_value": [math.nan],
            }
        )
        return pd.concat([first, table], ignore_index=True)

    def hac_sensitivity(self, lags: Sequence[int] = (0, 1, 2, 4, 6, 12)) -> pd.DataFrame:
        """The level change's standard error under each number of HAC lags."""
        rows = []
        for lag in lags:
            refit = _hac_fit(self._fitted.model, int(lag))
            rows.append(
                {
                    "hac_lags": int(lag),
                    "se": float(refit.bse["level change"]),
                    "p_value": float(refit.pvalues["level change"]),
                }
            )
        return pd.DataFrame(rows)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Observed points, the fitted segments and the counterfactual after the reform.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        paths = self._paths
        ax, x, post = _path_axes(ax, paths, self.time)
        if self.controlled:
            ax.plot(x, paths["reformed"], color="#0072B2", lw=1.2, label="Reformed series")
            ax.plot(x, paths["comparison"], color="#009E73", lw=1.2, label="Comparison series")
            counterfactual = paths["comparison"] + paths["counterfactual"]
        else:
            ax.plot(x, paths["observed"], "o", color="#0072B2", ms=3, label="Observed")
            ax.plot(x[~post], paths["fitted"][~post], color="#0072B2", lw=2, label="Fitted")
            ax.plot(x[post], paths["fitted"][post], color="#0072B2", lw=2)
            counterfactual = paths["counterfactual"]
        _counterfactual_line(ax, x, counterfactual, post, self.treatment_time, "Counterfactual")
        return _finish(ax, self, "Interrupted time series: fitted segments and the counterfactual")


def placebo_interruptions(
    data: pd.DataFrame,
    *,
    outcome: str,
    time: str,
    treatment_time: Any,
    dates: Sequence[Any],
    **options: Any,
) -> pd.DataFrame:
    """Refit :func:`segmented` at made-up interruption dates before the real one.

    Only the periods before ``treatment_time`` are used, so the real reform
    cannot leak in. A method that finds "effects" at many placebo dates is
    picking up the series' own wiggles, not the reform.

    Parameters
    ----------
    data, outcome, time, treatment_time
        As for :func:`segmented`.
    dates
        Placebo interruption dates, each before ``treatment_time``.
    **options
        Passed to :func:`segmented` (``seasonal``, ``covariates``, ``log``...).

    Returns
    -------
    pandas.DataFrame
        One row per placebo date: the level change, its interval and p-value.
    """
    require_columns(data, {"time": time})
    before = data.loc[data[time] < treatment_time]
    late = [d for d in dates if not d < treatment_time]
    if late:
        raise ValueError(
            f"Placebo dates must precede treatment_time={treatment_time!r}; got {late}."
        )
    rows = []
    for date in dates:
        fit = segmented(before, outcome=outcome, time=time, treatment_time=date, **options)
        rows.append(
            {
                "placebo_date": date,
                "estimate": fit.estimate,
                "ci_low": fit.ci_low,
                "ci_high": fit.ci_high,
                "p_value": fit.p_value,
            }
        )
    return pd.DataFrame(rows)
