"""Simulated monthly series for interrupted time series, with a known effect.

The outcome is a baseline with a linear trend, an optional curve (a quadratic
term that bends the trend), a fixed monthly seasonal pattern and
autocorrelated AR(1) noise; from the interruption on it shifts by ``effect``.
With ``comparison=True`` a second series, which the reform does not touch,
shares the same curve and seasonal pattern but has its own level and noise:
the comparison series of a controlled ITS.

A curved baseline and no effect is the failure mode the ITS chapter shows: a
straight-line counterfactual mistakes the bend for a reform.

Examples
--------
>>> frame = series(seed=0)
>>> frame.attrs["true_effect"], str(frame.attrs["treatment_time"].date())
(-5.0, '2015-01-01')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["series"]


def _ar1(rng: np.random.Generator, n: int, rho: float, sd: float) -> np.ndarray:
    """AR(1) noise with stationary standard deviation ``sd``."""
    shocks = rng.normal(0.0, sd * np.sqrt(1 - rho**2), n)
    noise = np.empty(n)
    noise[0] = rng.normal(0.0, sd)
    for t in range(1, n):
        noise[t] = rho * noise[t - 1] + shocks[t]
    return noise


def series(
    *,
    n_pre: int = 60,
    n_post: int = 24,
    effect: float = -5.0,
    trend: float = 0.2,
    curvature: float = 0.0,
    seasonal_amplitude: float = 3.0,
    rho: float = 0.5,
    noise: float = 1.5,
    comparison: bool = False,
    start: str = "2010-01-01",
    seed: int = 0,
) -> pd.DataFrame:
    """A monthly series with a reform after ``n_pre`` months.

    Parameters
    ----------
    n_pre, n_post
        Months before and from the interruption.
    effect
        True level change at the interruption (constant afterwards).
    trend
        Linear trend per month.
    curvature
        Quadratic term per month squared (0 for a straight trend): with a
        positive value the series rises more and more steeply.
    seasonal_amplitude
        Amplitude of the sine-shaped monthly pattern.
    rho, noise
        AR(1) coefficient and standard deviation of the noise.
    comparison
        Also return an unaffected comparison series (flag column ``comparison``).
    start
        First month.
    seed
        Seed for numpy's random generator; the same seed gives the same frame.

    Returns
    -------
    pandas.DataFrame
        Columns ``month, outcome, true_effect`` (and ``comparison``);
        ``attrs`` hold ``true_effect`` and ``treatment_time`` (a Timestamp).
    """
    rng = np.random.default_rng(seed)
    n = n_pre + n_post
    months = pd.date_range(start, periods=n, freq="MS")
    t = np.arange(n, dtype=float)
    season = seasonal_amplitude * np.sin(2 * np.pi * (t % 12) / 12)
    baseline = 100.0 + trend * t + curvature * t**2 + season
    truth = np.where(t >= n_pre, effect, 0.0)
    frame = pd.DataFrame(
        {
            "month": months,
            "outcome": baseline + truth + _ar1(rng, n, rho, noise),
            "true_effect": truth,
        }
    )
    if comparison:
        other = pd.DataFrame(
            {
                "month": months,
                "outcome": baseline - 20.0 + _ar1(rng, n, rho, noise),
                "true_effect": 0.0,
            }
        )
        frame = pd.concat(
            [frame.assign(comparison=False), other.assign(comparison=True)], ignore_index=True
        )
    frame.attrs["true_effect"] = float(effect)
    frame.attrs["treatment_time"] = months[n_pre]
    return frame
