"""Interrupted time series: segmented regression and a structural time-series model.

An interrupted time series answers: *did the outcome change when a reform
started everywhere at once?* With no untreated group, the counterfactual is
the series' own past projected forward, so everything rests on modelling
that past well: its trend, its seasonality and its serial correlation
(Lopez Bernal et al. 2017).

Two estimators answer the same question:

* :func:`segmented` fits a linear trend, a *level change* at the interruption
  and a *slope change* after it by OLS, with Newey-West (HAC) standard errors
  that allow for autocorrelated errors. A comparison series that the reform did
  not touch can be added (controlled ITS): the model is then fitted to the gap
  between the two series, so shocks common to both cancel.
* :func:`structural` fits an unobserved-components model (statsmodels
  ``UnobservedComponents``): a stochastic level that may drift, a seasonal,
  regressors and a step at the interruption (Harvey and Durbin 1986).

Time must be regularly spaced (equally spaced numbers, or dates with a
frequency pandas can infer); the slope is per period.

Examples
--------
>>> from evaluation.simulate import its as sim
>>> series = sim.series(effect=-5.0, seed=1)
>>> fit = segmented(series, outcome="outcome", time="month",
...                 interruption=series.attrs["interruption"])
>>> fit.estimand
'level change'
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from matplotlib.axes import Axes
from statsmodels.stats.diagnostic import acorr_ljungbox
from statsmodels.stats.stattools import durbin_watson

from evaluation._results import (
    Result,
    normal_interval,
    require_columns,
    require_no_missing,
    require_numeric,
    require_unique,
)

__all__ = [
    "MIN_POST_PERIODS",
    "MIN_PRE_PERIODS",
    "SegmentedResult",
    "StructuralResult",
    "newey_west_lags",
    "placebo_interruptions",
    "segmented",
    "structural",
]

#: Fewest periods before the interruption: a trend needs several points to be a trend.
MIN_PRE_PERIODS = 6
#: Fewest periods from the interruption on: a level and a slope need at least two.
MIN_POST_PERIODS = 2

_TERMS = ["const", "trend", "level change", "slope change"]


def newey_west_lags(n_obs: int) -> int:
    """Newey and West's (1994) rule of thumb for HAC lags: ``floor(4 (n/100)^(2/9))``.

    Examples
    --------
    >>> newey_west_lags(192)
    4
    """
    return int(math.floor(4 * (n_obs / 100) ** (2 / 9)))


# --------------------------------------------------------------------------- preparing a series
def _regular_dates(dates: pd.DatetimeIndex) -> bool:
    """Equal steps in time, or in calendar months (same day, or every month end)."""
    if len(np.unique(np.diff(dates.asi8))) <= 1:
        return True
    months = np.diff(np.asarray(dates.year) * 12 + np.asarray(dates.month))
    same_day = len(np.unique(np.asarray(dates.day))) == 1 or bool(dates.is_month_end.all())
    return len(np.unique(months)) == 1 and months[0] > 0 and same_day


def _check_regular(times: pd.Series, time: str) -> None:
    """Refuse irregular spacing (a gap means a missing period), naming where it is."""
    if pd.api.types.is_datetime64_any_dtype(times):
        if not _regular_dates(pd.DatetimeIndex(times)):
            raise ValueError(
                f"The dates in {time!r} are not regularly spaced (a period may be missing "
                f"between {times.iloc[0]} and {times.iloc[-1]}). "
                "Add the missing periods (with their outcomes) or aggregate first."
            )
        return
    steps = np.diff(times.to_numpy(dtype=float))
    irregular = np.flatnonzero(~np.isclose(steps, steps[0]))
    if len(irregular):
        where = [(times.iloc[i], times.iloc[i + 1]) for i in irregular[:3]]
        raise ValueError(
            f"The values of {time!r} are not equally spaced: step {steps[0]:g} "
            f"but e.g. {where}. A gap means a missing period: add it or aggregate first."
        )


def _series_frame(
    data: pd.DataFrame,
    *,
    outcome: str,
    time: str,
    interruption: Any,
    covariates: Sequence[str],
    seasonal: int | str | None,
    log: bool,
) -> pd.DataFrame:
    """Validate one series and return it sorted, with the model's outcome ``y``."""
    season_column = seasonal if isinstance(seasonal, str) else None
    require_columns(data, {"outcome": outcome, "time": time, "seasonal": season_column})
    require_columns(data, {f"covariates[{i}]": c for i, c in enumerate(covariates)})
    require_numeric(data, [outcome, *covariates])
    if not (
        pd.api.types.is_numeric_dtype(data[time])
        or pd.api.types.is_datetime64_any_dtype(data[time])
    ):
        raise ValueError(
            f"Column {time!r} (time) must be numeric or dates; it is {data[time].dtype}."
        )
    needed = [time, outcome, *covariates] + ([season_column] if season_column else [])
    require_no_missing(data, needed)
    require_unique(data, [time])
    frame = data.sort_values(time, kind="stable").reset_index(drop=True)
    _check_regular(frame[time], time)
    if log:
        bad = frame.index[frame[outcome] <= 0]
        if len(bad):
            raise ValueError(
                f"log=True needs a positive {outcome!r}; {len(bad)} row(s) are zero or negative "
                f"(times {list(frame.loc[bad[:5], time])})."
            )
    frame["y"] = np.log(frame[outcome]) if log else frame[outcome].astype(float)
    frame["post"] = (frame[time] >= interruption).astype(float)
    _check_periods(frame, time=time, interruption=interruption)
    return frame


def _check_periods(frame: pd.DataFrame, *, time: str, interruption: Any) -> None:
    n_post = int(frame["post"].sum())
    n_pre = len(frame) - n_post
    if n_pre < MIN_PRE_PERIODS or n_post < MIN_POST_PERIODS:
        raise ValueError(
            f"interruption={interruption!r} leaves {n_pre} period(s) of {time!r} before it and "
            f"{n_post} from it; an interrupted time series needs at least {MIN_PRE_PERIODS} "
            f"before and {MIN_POST_PERIODS} after."
        )


def _season_dummies(frame: pd.DataFrame, seasonal: int | str | None) -> pd.DataFrame:
    """Indicator columns for all seasons but the first (none if ``seasonal`` is None)."""
    if seasonal is None:
        return pd.DataFrame(index=frame.index)
    if isinstance(seasonal, str):
        labels = frame[seasonal].astype(str)
    else:
        if seasonal < 2:
            raise ValueError(f"seasonal must be a period of at least 2; it was {seasonal}.")
        labels = pd.Series(np.arange(len(frame)) % seasonal, index=frame.index).astype(str)
    dummies = pd.get_dummies(labels, prefix="season", drop_first=True, dtype=float)
    return dummies


def _design(
    frame: pd.DataFrame, covariates: Sequence[str], seasonal: int | str | None
) -> pd.DataFrame:
    """Segmented-regression design: trend, level change, slope change, seasons, covariates."""
    trend = np.arange(len(frame), dtype=float)
    first_post = float(trend[frame["post"].to_numpy() == 1][0])
    design = pd.DataFrame(
        {
            "const": 1.0,
            "trend": trend,
            "level change": frame["post"],
            "slope change": (trend - first_post) * frame["post"],
        },
        index=frame.index,
    )
    return pd.concat([design, _season_dummies(frame, seasonal), frame[list(covariates)]], axis=1)


# --------------------------------------------------------------------------- segmented regression
def segmented(
    data: pd.DataFrame,
    *,
    outcome: str,
    time: str,
    interruption: Any,
    control: str | None = None,
    covariates: Sequence[str] | None = None,
    seasonal: int | str | None = None,
    hac_lags: int | None = None,
    log: bool = False,
    level: float = 0.95,
) -> SegmentedResult:
    """Segmented regression of an interrupted time series, with HAC standard errors.

    The model is ``y_t = b0 + b1 t + b2 post_t + b3 (t - t0) post_t + seasons +
    covariates + e_t``, where ``t0`` is the first period at or after
    ``interruption``: ``b2`` is the level change at the interruption (the
    headline estimate) and ``b3`` the change in slope per period. Standard
    errors are Newey-West (statsmodels ``cov_type="HAC"``) with the small-sample
    correction ``n / (n - k)`` and t-based intervals and p-values, as in
    Stata's ``newey``. Even so they are too small in short, autocorrelated
    series; the ITS chapter measures by how much.

    Parameters
    ----------
    data
        One row per period; with ``control``, one row per period and series.
    outcome
        Numeric outcome column.
    time
        Regularly spaced numeric or date column.
    interruption
        First period under the reform, in the units of ``time``.
    control
        Controlled ITS: the name of a boolean (or 0/1) column that is true on
        the rows of a *comparison series* the reform did not affect; the other
        rows are the reformed series, and both must cover the same periods.
        The model is then fitted to the reformed minus the comparison series
        (logs, if ``log``), so its level and slope changes are relative to the
        comparison; the comparison's own level change is reported as a check.
    covariates
        Numeric columns entered as regressors (with ``control``, as their
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
        interruption, a non-positive outcome with ``log=True``, or a
        comparison series that does not cover the same periods.

    Examples
    --------
    >>> from evaluation.simulate import its as sim
    >>> series = sim.series(effect=-5.0, seed=2)
    >>> fit = segmented(series, outcome="outcome", time="month",
    ...                 interruption=series.attrs["interruption"], seasonal=12)
    >>> fit.tidy()["term"].tolist()[:2]
    ['level change', 'slope change']
    """
    covariate_list = list(covariates or [])
    options = {
        "outcome": outcome,
        "time": time,
        "interruption": interruption,
        "covariates": covariate_list,
        "seasonal": seasonal,
        "log": log,
    }
    if control is None:
        frame = _series_frame(data, **options)
        comparison = None
    else:
        frame, comparison = _controlled_frames(data, control=control, **options)
    design = _design(frame, covariate_list, seasonal)
    lags = newey_west_lags(len(frame)) if hac_lags is None else int(hac_lags)
    if lags < 0:
        raise ValueError(f"hac_lags must be zero or more; it was {hac_lags}.")
    fitted = _hac_fit(sm.OLS(frame["y"], design), lags)
    return _segmented_result(
        fitted,
        frame=frame,
        design=design,
        comparison=comparison,
        covariates=covariate_list,
        seasonal=seasonal,
        time=time,
        outcome=outcome,
        interruption=interruption,
        lags=lags,
        log=log,
        level=level,
        controlled=control is not None,
    )


def _hac_fit(model: Any, lags: int) -> Any:
    """OLS with Newey-West errors, small-sample corrected, with t-based inference."""
    return model.fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}, use_t=True)


def _controlled_frames(
    data: pd.DataFrame, *, control: str, **options: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split reformed and comparison series, check they align, and difference them."""
    require_columns(data, {"control": control})
    flags = data[control]
    if not (pd.api.types.is_bool_dtype(flags) or set(pd.unique(flags)) <= {0, 1}):
        raise ValueError(
            f"control={control!r} must be a boolean (or 0/1) column marking the comparison "
            f"series; it holds {list(pd.unique(flags))[:5]}."
        )
    is_comparison = flags.astype(bool)
    if is_comparison.all() or not is_comparison.any():
        raise ValueError(
            f"control={control!r} must mark some rows as the comparison series and leave some "
            "as the reformed series; it marks "
            + ("all of them." if is_comparison.all() else "none of them.")
        )
    reformed = _series_frame(data.loc[~is_comparison], **options)
    comparison = _series_frame(data.loc[is_comparison], **options)
    time = options["time"]
    unmatched = set(reformed[time]).symmetric_difference(comparison[time])
    if unmatched:
        raise ValueError(
            f"The reformed and comparison series (control={control!r}) must cover the same "
            f"periods of {time!r}; {len(unmatched)} period(s) are in only one, "
            f"e.g. {sorted(unmatched)[:3]}."
        )
    difference = reformed.copy()
    columns = ["y", *options["covariates"]]
    difference[columns] = reformed[columns].to_numpy() - comparison[columns].to_numpy()
    difference["reformed"] = reformed["y"]
    difference["comparison"] = comparison["y"]
    return difference, comparison


def _segmented_result(
    fitted: Any,
    *,
    frame: pd.DataFrame,
    design: pd.DataFrame,
    comparison: pd.DataFrame | None,
    covariates: Sequence[str],
    seasonal: int | str | None,
    time: str,
    outcome: str,
    interruption: Any,
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
    if comparison is not None:
        rows.append(_comparison_row(comparison, covariates, seasonal, lags, alpha))
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
        interruption=interruption,
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
    interruption: Any
    log: bool
    hac_lags: int
    controlled: bool
    _rows: pd.DataFrame = field(repr=False)
    _paths: pd.DataFrame = field(repr=False)
    _fitted: Any = field(repr=False)

    @property
    def paths(self) -> pd.DataFrame:
        """Observed, fitted and counterfactual series (a copy)."""
        return self._paths.copy()

    @property
    def coefficients(self) -> pd.DataFrame:
        """Every coefficient of the regression (trend, seasons, covariates): estimate, se, p."""
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

        The caller finishes the figure with :func:`evaluation.plots.finish`.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(9, 4.2))
        paths = self._paths
        x = paths[self.time]
        post = paths["post"].to_numpy()
        if self.controlled:
            ax.plot(x, paths["reformed"], color="#0072B2", lw=1.2, label="Reformed series")
            ax.plot(x, paths["comparison"], color="#009E73", lw=1.2, label="Comparison series")
            cf = paths["comparison"] + paths["counterfactual"]
            ax.plot(x[post], cf[post], color="#D55E00", lw=2, ls="--", label="Counterfactual")
        else:
            ax.plot(x, paths["observed"], "o", color="#0072B2", ms=3, label="Observed")
            ax.plot(x[~post], paths["fitted"][~post], color="#0072B2", lw=2, label="Fitted")
            ax.plot(x[post], paths["fitted"][post], color="#0072B2", lw=2)
            ax.plot(
                x[post],
                paths["counterfactual"][post],
                color="#D55E00",
                lw=2,
                ls="--",
                label="Counterfactual",
            )
        ax.axvline(self.interruption, color="#444444", lw=1, ls=":")
        ax.legend(frameon=False)
        return ax


def placebo_interruptions(
    data: pd.DataFrame,
    *,
    outcome: str,
    time: str,
    interruption: Any,
    dates: Sequence[Any],
    **options: Any,
) -> pd.DataFrame:
    """Refit :func:`segmented` at made-up interruption dates before the real one.

    Only the periods before ``interruption`` are used, so the real reform
    cannot leak in. A method that finds "effects" at many placebo dates is
    picking up the series' own wiggles, not the reform.

    Parameters
    ----------
    data, outcome, time, interruption
        As for :func:`segmented`.
    dates
        Placebo interruption dates, each before ``interruption``.
    **options
        Passed to :func:`segmented` (``seasonal``, ``covariates``, ``log``...).

    Returns
    -------
    pandas.DataFrame
        One row per placebo date: the level change, its interval and p-value.
    """
    require_columns(data, {"time": time})
    before = data.loc[data[time] < interruption]
    late = [d for d in dates if not d < interruption]
    if late:
        raise ValueError(f"Placebo dates must precede interruption={interruption!r}; got {late}.")
    rows = []
    for date in dates:
        fit = segmented(before, outcome=outcome, time=time, interruption=date, **options)
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


# --------------------------------------------------------------------------- structural model
def structural(
    data: pd.DataFrame,
    *,
    outcome: str,
    time: str,
    interruption: Any,
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
    outcome, time, interruption
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
    ...                  interruption=series.attrs["interruption"], seasonal=12)
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
        interruption=interruption,
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
    return _structural_result(fitted, frame, exog, time, outcome, interruption, log, level)


def _structural_result(
    fitted: Any,
    frame: pd.DataFrame,
    exog: pd.DataFrame,
    time: str,
    outcome: str,
    interruption: Any,
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
        interruption=interruption,
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
    interruption: Any
    log: bool
    percent_change: float
    _rows: pd.DataFrame = field(repr=False)
    _paths: pd.DataFrame = field(repr=False)

    @property
    def paths(self) -> pd.DataFrame:
        """Observed, smoothed and counterfactual series (a copy)."""
        return self._paths.copy()

    def tidy(self) -> pd.DataFrame:
        """Rows: the step, its percentage (if ``log``), each regressor's coefficient."""
        return self._rows.assign(n_obs=self.n_obs)

    def summary(self) -> str:
        """Text report of every row of :meth:`tidy`."""
        return _rows_summary(self, self._rows)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Observed series, the smoothed signal and the counterfactual without the step."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(9, 4.2))
        paths = self._paths
        x = paths[self.time]
        post = paths["post"].to_numpy()
        ax.plot(x, paths["observed"], color="#999999", lw=1, label="Observed")
        ax.plot(x, paths["fitted"], color="#0072B2", lw=1.8, label="Smoothed signal")
        ax.plot(
            x[post],
            paths["counterfactual"][post],
            color="#D55E00",
            lw=2,
            ls="--",
            label="Counterfactual (no step)",
        )
        ax.axvline(self.interruption, color="#444444", lw=1, ls=":")
        ax.legend(frameon=False)
        return ax
