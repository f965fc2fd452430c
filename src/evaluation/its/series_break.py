"""The step at a series break, estimated from units observed on both sides, and a bridged series.

When a statistical return changes its definitions, a series jumps at the break
whether or not anything real changed. With no overlap year (both definitions
measured in the same year), the jump can still be estimated from the units
(councils) observed on both sides: each unit's change across the break, less
the change its own trend would have brought in that time, is its step; the
break's step is the mean step, with a t interval over units. The trend is
each unit's slope between its last two years before the break and its first
two years after it (the mean of the two where both exist, else the one that
does), so a steady trend is not mistaken for a step.

What this cannot do: a real change that happened exactly at the break is
absorbed into the step, and units whose trend bends at the break bias it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from evaluation.results import require_columns


@dataclass(frozen=True)
class BreakStep:
    """The estimated step at a series break.

    Attributes
    ----------
    estimate, ci_low, ci_high
        Mean step across units and its confidence interval, in the outcome's
        units (or in log points if ``log``).
    n_units
        Units observed on both sides of the break with a trend.
    sd
        Standard deviation of the units' steps.
    log
        Whether the step is in log points (then ``100 * (exp(step) - 1)`` is a
        percentage).
    steps
        One row per unit: ``before``, ``after`` (the values either side),
        ``trend`` (per period) and ``step``.
    """

    estimate: float
    ci_low: float
    ci_high: float
    n_units: int
    sd: float
    log: bool
    steps: pd.DataFrame


def _slope(values: pd.Series) -> float:
    """Change per period between the two observations (or nan if fewer than two)."""
    values = values.dropna()
    if len(values) < 2:
        return float("nan")
    times = values.index.to_numpy(dtype=float)
    return float((values.iloc[1] - values.iloc[0]) / (times[1] - times[0]))


def break_step(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treatment_time: float,
    log: bool = False,
    level: float = 0.95,
) -> BreakStep:
    """Estimate the step in ``outcome`` where a series breaks, from units on both sides.

    Parameters
    ----------
    data
        Long panel, one row per unit and period.
    outcome, unit, time
        Columns of the value, the unit and the (numeric) period.
    treatment_time
        First period of the new series; earlier periods belong to the old one.
    log
        Estimate the step in log points (for costs and other positive amounts).
    level
        Confidence level of the interval.

    Returns
    -------
    BreakStep

    Examples
    --------
    >>> rows = [(u, t, 10 + u + t - 2010 + (5 if t >= 2015 else 0))
    ...         for u in range(4) for t in range(2012, 2018)]
    >>> panel = pd.DataFrame(rows, columns=["council", "year", "share"])
    >>> fit = break_step(panel, outcome="share", unit="council", time="year",
    ...                  treatment_time=2015)
    >>> round(fit.estimate, 6), fit.n_units
    (5.0, 4)
    """
    require_columns(data, {"outcome": outcome, "unit": unit, "time": time})
    rows = []
    for name, group in data.dropna(subset=[outcome]).groupby(unit):
        series = group.set_index(time)[outcome].sort_index().astype(float)
        if log:
            series = series[series > 0].apply(np.log)
        old, new = series[series.index < treatment_time], series[series.index >= treatment_time]
        if old.empty or new.empty:
            continue
        slopes = [_slope(old.iloc[-2:]), _slope(new.iloc[:2])]
        slopes = [s for s in slopes if np.isfinite(s)]
        if not slopes:
            continue
        trend = float(np.mean(slopes))
        gap = float(new.index[0] - old.index[-1])
        step = new.iloc[0] - old.iloc[-1] - trend * gap
        rows.append((name, old.iloc[-1], new.iloc[0], trend, step))
    steps = pd.DataFrame(rows, columns=[unit, "before", "after", "trend", "step"])
    if len(steps) < 2:
        raise ValueError("Fewer than two units are observed on both sides of the break.")
    n = len(steps)
    mean, sd = float(steps["step"].mean()), float(steps["step"].std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / np.sqrt(n)
    return BreakStep(mean, mean - half, mean + half, n, sd, log, steps)


def bridge(
    data: pd.DataFrame, *, outcome: str, time: str, treatment_time: float, result: BreakStep
) -> pd.DataFrame:
    """Put the old series on the new one's footing by adding the estimated step.

    Years from ``treatment_time`` on keep their published values exactly;
    earlier years get the step added (multiplied by ``exp(step)`` if the step
    is in log points), with the step's interval as ``bridged_low`` and
    ``bridged_high``. A bridged value is an estimate, not a measurement.

    Examples
    --------
    >>> series = pd.DataFrame({"year": [2013, 2014, 2015], "share": [90.0, 91.0, 95.0]})
    >>> step = BreakStep(3.0, 2.0, 4.0, 10, 1.0, False, pd.DataFrame())
    >>> bridge(series, outcome="share", time="year", treatment_time=2015,
    ...        result=step)["bridged"].tolist()
    [93.0, 94.0, 95.0]
    """
    require_columns(data, {"outcome": outcome, "time": time})
    out = data.copy()
    old = out[time] < treatment_time
    for column, shift in [("bridged", result.estimate), ("bridged_low", result.ci_low),
                          ("bridged_high", result.ci_high)]:  # fmt: skip
        moved = out[outcome] * np.exp(shift) if result.log else out[outcome] + shift
        out[column] = out[outcome].where(~old, moved)
    return out
