"""Simulated threshold rules: a risk score decides who gets intensive supervision.

The story: probation officers score each offender's risk of reoffending from 0 to
100; a score of 50 or more means intensive supervision. The generator knows the
true effect of supervision on reoffending within a year, so a page can print it
beside an estimate. Two ways to break the design are built in:

* ``manipulation``: assessors push some offenders scored just under 50 over the
  line, and they push the ones they judge riskiest (a hidden risk the data do not
  record). Units just above the cutoff are then riskier than those just below.
* ``curvature``: the reoffending rate bends with the score, so a straight line
  fitted over too wide a window mistakes the bend for a jump.

All data are simulated; the numbers are illustrative, not calibrated to a service.

Examples
--------
>>> frame = threshold_rule(n=1000, seed=3)
>>> frame.attrs["true_effect"], frame.attrs["cutoff"]
(-0.1, 50.0)
>>> frame.equals(threshold_rule(n=1000, seed=3))
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["threshold_rule"]


def threshold_rule(
    n: int = 4000,
    *,
    effect: float = -0.10,
    manipulation: float = 0.0,
    curvature: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Offenders, their risk scores, supervision at score >= 50, and reoffending.

    Parameters
    ----------
    n
        Number of offenders.
    effect
        True effect of intensive supervision on the probability of reoffending
        within a year (-0.10 = ten percentage points fewer).
    manipulation
        Probability that an offender scored in [45, 50) whose hidden risk is above
        average is re-scored into [50, 53) (0 = no manipulation).
    curvature
        Size of an S-shaped (cubic) bend in the baseline reoffending rate (0 = straight line).
    seed
        Seed of the random generator; the same arguments give the same frame.

    Returns
    -------
    pandas.DataFrame
        ``risk_score`` (0-100, as recorded), ``age`` (years), ``supervised``
        (1 if the recorded score is 50 or more), ``reoffended`` (0/1) and
        ``rescored`` (True if manipulated; an analyst would not see this).
        ``attrs["true_effect"]`` is ``effect``, ``attrs["cutoff"]`` is 50.
    """
    if n < 10:
        raise ValueError(f"n must be at least 10; it was {n}.")
    if not 0 <= manipulation <= 1:
        raise ValueError(f"manipulation is a probability; it was {manipulation}.")
    rng = np.random.default_rng(seed)
    true_score = np.clip(rng.normal(50, 15, n), 0, 100)
    hidden_risk = rng.normal(0, 1, n)
    age = np.clip(np.round(40 - 0.3 * (true_score - 50) + rng.normal(0, 8, n)), 18, 80)

    nudge = (
        (true_score >= 45)
        & (true_score < 50)
        & (hidden_risk > 0)
        & (rng.uniform(size=n) < manipulation)
    )
    recorded = np.where(nudge, 50 + 3 * rng.uniform(size=n), true_score)
    supervised = (recorded >= 50).astype(int)

    distance = (true_score - 50) / 25
    baseline = 0.40 + 0.15 * distance + curvature * distance**3 + 0.12 * hidden_risk
    probability = np.clip(baseline + effect * supervised, 0.01, 0.99)
    reoffended = (rng.uniform(size=n) < probability).astype(int)

    frame = pd.DataFrame(
        {
            "risk_score": np.round(recorded, 2),
            "age": age.astype(int),
            "supervised": supervised,
            "reoffended": reoffended,
            "rescored": nudge,
        }
    )
    frame.attrs["true_effect"] = float(effect)
    frame.attrs["cutoff"] = 50.0
    return frame
