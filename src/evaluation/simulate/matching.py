"""A simulated voluntary programme: who takes part depends on what the data record, and more.

The story: a charity offers mentoring to people leaving prison; taking part is
voluntary. Who signs up depends on age, prior offences and employment, which the
data record, and on motivation, which they do not. Motivation also lowers
reoffending. ``confounding`` sets how strongly motivation drives both: at zero,
selection is on observables only and matching or weighting on the recorded
covariates recovers the truth; above zero, no method that sees only the recorded
covariates can.

The true average effect on the participants (ATT) is computed from the simulated
probabilities and stored in ``frame.attrs["true_effect"]``. All data are
simulated; the numbers are illustrative, not calibrated to a service.

Examples
--------
>>> frame = voluntary_programme(n=1000, seed=3)
>>> round(frame.attrs["true_effect"], 2)
-0.08
>>> frame.equals(voluntary_programme(n=1000, seed=3))
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["voluntary_programme"]


def voluntary_programme(
    n: int = 5000,
    *,
    effect: float = -0.08,
    confounding: float = 1.0,
    seed: int = 0,
) -> pd.DataFrame:
    """People leaving prison, whether they took up mentoring, and whether they reoffended.

    Parameters
    ----------
    n
        Number of people.
    effect
        Effect of mentoring on the probability of reoffending within a year, before
        the probability is kept inside [0.02, 0.98] (-0.08 = eight points fewer).
    confounding
        Strength of the unrecorded motivation's pull on both taking part and
        reoffending (0 = none).
    seed
        Seed of the random generator; the same arguments give the same frame.

    Returns
    -------
    pandas.DataFrame
        ``age`` (years), ``prior_offences`` (count), ``employed`` (0/1),
        ``motivation`` (standardised; unrecorded in a real evaluation),
        ``took_part`` (0/1), ``reoffended`` (0/1) and ``effect`` (each person's
        true effect on their probability of reoffending).
        ``attrs["true_effect"]`` is the average effect on those who took part.
    """
    if n < 20:
        raise ValueError(f"n must be at least 20; it was {n}.")
    rng = np.random.default_rng(seed)
    age = np.round(rng.uniform(18, 60, n))
    prior = rng.poisson(np.exp(1.2 - 0.02 * (age - 35)), n)
    employed = (rng.uniform(size=n) < 0.45 - 0.04 * np.minimum(prior, 6)).astype(int)
    motivation = rng.normal(0, 1, n)

    index = (
        -1.0 + 0.02 * (age - 35) - 0.15 * prior + 0.6 * employed + 1.2 * confounding * motivation
    )
    took_part = (rng.uniform(size=n) < 1 / (1 + np.exp(-index))).astype(int)

    base = (
        0.45 - 0.004 * (age - 35) + 0.05 * prior - 0.12 * employed - 0.08 * confounding * motivation
    )
    untreated = np.clip(base, 0.02, 0.98)
    treated = np.clip(base + effect, 0.02, 0.98)
    person_effect = treated - untreated
    reoffended = (rng.uniform(size=n) < np.where(took_part == 1, treated, untreated)).astype(int)

    frame = pd.DataFrame(
        {
            "age": age.astype(int),
            "prior_offences": prior,
            "employed": employed,
            "motivation": motivation,
            "took_part": took_part,
            "reoffended": reoffended,
            "effect": person_effect,
        }
    )
    frame.attrs["true_effect"] = float(person_effect[took_part == 1].mean())
    return frame
