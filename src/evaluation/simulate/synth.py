"""Simulated panels for synthetic control, with a known effect.

Outcomes follow a two-factor model: each unit has its own level, and loads on
a common upward trend and a common cycle,

``outcome = level + trend_loading * trend_t + cycle_loading * cycle_t + noise``.

One unit, ``"treated"``, is treated from period ``n_pre`` on, and its outcome
falls by ``effect`` from then. With ``outside_hull=True`` the treated unit's
trend loading is larger than every donor's, so no weighted average of donors
(weights non-negative, summing to one) can follow it: the failure mode the
synthetic control chapter shows.

Examples
--------
>>> frame = panel(seed=0)
>>> frame.attrs["true_effect"]
-10.0
>>> sorted(frame.columns)
['outcome', 'period', 'treated', 'true_effect', 'unit']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["panel"]


def panel(
    *,
    n_donors: int = 20,
    n_pre: int = 20,
    n_post: int = 10,
    effect: float = -10.0,
    noise: float = 1.0,
    outside_hull: bool = False,
    seed: int = 0,
) -> pd.DataFrame:
    """A balanced panel of one treated unit and ``n_donors`` donors.

    Parameters
    ----------
    n_donors
        Untreated units.
    n_pre, n_post
        Periods before and from treatment; treatment starts at period ``n_pre``.
    effect
        The true effect on the treated unit in every post period.
    noise
        Standard deviation of the idiosyncratic noise.
    outside_hull
        If true, the treated unit trends faster than any donor.
    seed
        Seed for numpy's random generator; the same seed gives the same frame.

    Returns
    -------
    pandas.DataFrame
        Columns ``unit, period, outcome, treated, true_effect``;
        ``attrs["true_effect"]`` holds ``effect`` and ``attrs["treatment_time"]``
        the first treated period.
    """
    rng = np.random.default_rng(seed)
    periods = np.arange(n_pre + n_post)
    trend = periods / 10.0
    cycle = np.sin(periods / 3.0) * 3.0
    levels = rng.normal(100.0, 10.0, n_donors + 1)
    trend_loadings = rng.uniform(1.0, 5.0, n_donors + 1)
    cycle_loadings = rng.uniform(0.0, 2.0, n_donors + 1)
    levels[0] = np.median(levels[1:])
    trend_loadings[0] = np.median(trend_loadings[1:])
    if outside_hull:
        trend_loadings[0] = trend_loadings[1:].max() + 1.0
    outcome = (
        levels[:, None]
        + trend_loadings[:, None] * trend * 10.0
        + cycle_loadings[:, None] * cycle
        + rng.normal(0.0, noise, (n_donors + 1, len(periods)))
    )
    is_post = periods >= n_pre
    truth = np.where(is_post, effect, 0.0)
    outcome[0] += truth
    names = ["treated", *[f"donor {i + 1:02d}" for i in range(n_donors)]]
    frame = pd.DataFrame(
        {
            "unit": np.repeat(names, len(periods)),
            "period": np.tile(periods, n_donors + 1),
            "outcome": outcome.ravel(),
            "treated": np.concatenate([is_post, np.zeros(n_donors * len(periods), bool)]),
            "true_effect": np.concatenate([truth, np.zeros(n_donors * len(periods))]),
        }
    )
    frame.attrs["true_effect"] = float(effect)
    frame.attrs["treatment_time"] = int(n_pre)
    return frame
