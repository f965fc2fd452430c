"""Checks and design matrices the interrupted time series estimators share."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from evaluation.results import (
    require_columns,
    require_full_rank,
    require_no_missing,
    require_numeric,
    require_time,
    require_unique,
    require_whole,
)

__all__ = ["MIN_POST_PERIODS", "MIN_PRE_PERIODS", "newey_west_lags"]


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
    n_obs = require_whole("n_obs", n_obs, minimum=1)
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
    treatment_time: Any,
    covariates: Sequence[str],
    seasonal: int | str | None,
    log: bool,
) -> pd.DataFrame:
    """Validate one series and return it sorted, with the model's outcome ``y``."""
    season_column = seasonal if isinstance(seasonal, str) else None
    require_columns(data, {"outcome": outcome, "time": time, "seasonal": season_column})
    require_columns(data, {f"covariates[{i}]": c for i, c in enumerate(covariates)})
    require_numeric(data, [outcome, *covariates])
    require_time(data, time)
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
    frame["post"] = (frame[time] >= treatment_time).astype(float)
    _check_periods(frame, time=time, treatment_time=treatment_time)
    return frame


def _check_periods(frame: pd.DataFrame, *, time: str, treatment_time: Any) -> None:
    n_post = int(frame["post"].sum())
    n_pre = len(frame) - n_post
    if n_pre < MIN_PRE_PERIODS or n_post < MIN_POST_PERIODS:
        raise ValueError(
            f"treatment_time={treatment_time!r} leaves {n_pre} period(s) of {time!r} before it and "
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
        seasonal = require_whole("seasonal", seasonal, minimum=2)
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
    full = pd.concat([design, _season_dummies(frame, seasonal), frame[list(covariates)]], axis=1)
    require_full_rank(full.to_numpy(dtype=float), list(full.columns), "segmented regression")
    return full


def _path_axes(
    ax: Axes | None, paths: pd.DataFrame, time: str
) -> tuple[Axes, pd.Series, np.ndarray]:
    """The axes to draw a series' paths on (a new figure if none), its time axis and post mask."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.2))
    return ax, paths[time], paths["post"].to_numpy()


def _counterfactual_line(
    ax: Axes, x: pd.Series, counterfactual: pd.Series, post: np.ndarray, start: Any, label: str
) -> Axes:
    """Draw the counterfactual after the start (dashed), the start (dotted) and the legend."""
    ax.plot(x[post], counterfactual[post], color="#D55E00", lw=2, ls="--", label=label)
    ax.axvline(start, color="#444444", lw=1, ls=":")
    ax.legend(frameon=False)
    return ax


def _finish(ax: Axes, result: Any, title: str) -> Axes:
    """Title ``ax``, label its axes with the result's time and outcome, add the source line."""
    from evaluation.report import style

    outcome = f"log({result.outcome})" if result.log else f"{result.outcome} (outcome units)"
    return style.finish(
        ax,
        title=title,
        xlabel=f"{result.time} (time period)",
        ylabel=outcome,
        source=style.DEFAULT_SOURCE,
    )
