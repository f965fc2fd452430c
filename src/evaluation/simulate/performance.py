"""Simulated providers and their users, for comparing performance with a known truth.

Two generators, both seeded and reproducible to the byte:

* :func:`providers` draws one row per provider (or council): a denominator
  (people served) and a count of events (e.g. people still at home after
  reablement) from each provider's *true* rate. With ``true_sd=0`` every
  provider has the same true rate, so every difference in the league table is
  noise. The true rate is in the ``true_rate`` column and
  ``frame.attrs["true_effect"]`` is the true between-provider standard
  deviation on the log-odds scale (zero: no provider is really better).
* :func:`people` draws person-level records (age band, deprivation, frailty
  and a binary outcome such as reoffending or readmission) for providers whose
  case mix differs. Each provider's true effect on the log odds of the outcome
  is in the ``true_provider_effect`` column; ``frame.attrs["true_effect"]``
  holds the same values as a ``{provider: effect}`` dict. The outcome depends
  on an optional *unmeasured* factor (``frailty``) that the analyst may leave
  out of the case-mix model, to show what risk adjustment cannot fix.

Examples
--------
>>> from evaluation.simulate.performance import providers, people
>>> units = providers(n_units=20, seed=1)
>>> units.shape
(20, 4)
>>> bool(units.equals(providers(n_units=20, seed=1)))
True
>>> records = people(n_people=1_000, n_providers=5, seed=2)
>>> sorted(records.columns)[:3]
['age_band', 'deprived', 'frailty']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit, logit

__all__ = ["people", "providers"]

#: Age bands of the simulated users and their effect on the log odds of the outcome.
AGE_BANDS = ("18-64", "65-74", "75-84", "85+")
AGE_EFFECTS = np.array([0.0, 0.3, 0.7, 1.2])


def providers(
    *,
    n_units: int = 150,
    base_rate: float = 0.8,
    true_sd: float = 0.0,
    min_size: int = 20,
    max_size: int = 3_000,
    seed: int = 0,
) -> pd.DataFrame:
    """Providers of very different sizes with a binary outcome counted per provider.

    Sizes are log-uniform between ``min_size`` and ``max_size``, as council
    caseloads are: many small, a few very large.

    Parameters
    ----------
    n_units
        Number of providers.
    base_rate
        The average true rate (a proportion).
    true_sd
        Standard deviation of the true provider effects on the log-odds scale;
        0 means every provider has the same true rate.
    min_size, max_size
        Smallest and largest denominator.
    seed
        Seed of the random generator.

    Returns
    -------
    pandas.DataFrame
        ``provider`` (label P001...), ``denominator``, ``events``, ``true_rate``.
    """
    if not 0 < base_rate < 1:
        raise ValueError(f"base_rate must lie strictly between 0 and 1; it was {base_rate}.")
    if not 1 <= min_size <= max_size:
        raise ValueError(f"Need 1 <= min_size <= max_size; got {min_size} and {max_size}.")
    rng = np.random.default_rng(seed)
    size = np.exp(rng.uniform(np.log(min_size), np.log(max_size), n_units)).round().astype(int)
    true_rate = expit(logit(base_rate) + rng.normal(0.0, true_sd, n_units))
    frame = pd.DataFrame(
        {
            "provider": [f"P{i:03d}" for i in range(1, n_units + 1)],
            "denominator": size,
            "events": rng.binomial(size, true_rate),
            "true_rate": true_rate,
        }
    )
    frame.attrs["true_effect"] = float(true_sd)
    return frame


def _provider_effects(
    rng: np.random.Generator, n_providers: int, effect_sd: float, bad_provider: float
) -> np.ndarray:
    """True log-odds effect of each provider; the first may be made worse on purpose."""
    effects = rng.normal(0.0, effect_sd, n_providers) if effect_sd > 0 else np.zeros(n_providers)
    effects[0] += bad_provider
    return effects


def people(
    *,
    n_people: int = 20_000,
    n_providers: int = 20,
    base_rate: float = 0.25,
    case_mix_spread: float = 1.0,
    frailty_effect: float = 0.0,
    provider_effect_sd: float = 0.0,
    bad_provider: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Person-level records of providers whose users differ in age and deprivation.

    Providers with a higher index serve older, more deprived and frailer users
    (how much is set by ``case_mix_spread``), so a crude comparison blames them
    for their case mix. The outcome (1 = the bad event, e.g. readmission or
    reoffending) has log odds ``logit(base_rate) + age effect + 0.5 * deprived
    + frailty_effect * frailty + provider effect``.

    Parameters
    ----------
    n_people, n_providers
        Records and providers (records are spread evenly, in random order).
    base_rate
        Rate of the outcome for the youngest, least deprived, least frail users
        of an average provider.
    case_mix_spread
        How much the case mix differs between the first and the last provider
        (0 = identical case mix everywhere).
    frailty_effect
        Effect on the log odds of one standard deviation of ``frailty``, a
        factor the analyst may not observe.
    provider_effect_sd
        Standard deviation of the true provider effects (log odds).
    bad_provider
        Extra true effect (log odds) of provider ``H01``: a known poor performer.
    seed
        Seed of the random generator.

    Returns
    -------
    pandas.DataFrame
        ``provider`` (category), ``age_band`` (category), ``deprived`` (0/1,
        int8), ``frailty`` (float32), ``outcome`` (0/1, int8) and
        ``true_provider_effect`` (float32). Small dtypes keep ten million rows
        in well under a gigabyte.
    """
    rng = np.random.default_rng(seed)
    labels = np.array(
        [f"H{i:02d}" if n_providers < 100 else f"H{i:03d}" for i in range(1, n_providers + 1)]
    )
    provider = rng.integers(0, n_providers, n_people, dtype=np.int32)
    position = (provider / max(n_providers - 1, 1) - 0.5) * case_mix_spread  # -0.5..0.5 scaled
    age_score = rng.normal(position * 1.5, 1.0, n_people).astype(np.float32)
    age_index = np.digitize(age_score, [-0.7, 0.0, 0.7]).astype(np.int8)
    deprived = (rng.random(n_people, dtype=np.float32) < expit(position * 2.0 - 0.5)).astype(
        np.int8
    )
    frailty = rng.normal(position * 1.5, 1.0, n_people).astype(np.float32)
    effects = _provider_effects(rng, n_providers, provider_effect_sd, bad_provider)
    log_odds = (
        logit(base_rate)
        + AGE_EFFECTS[age_index]
        + 0.5 * deprived
        + frailty_effect * frailty
        + effects[provider]
    )
    outcome = (rng.random(n_people, dtype=np.float32) < expit(log_odds)).astype(np.int8)
    frame = pd.DataFrame(
        {
            "provider": pd.Categorical.from_codes(provider, categories=pd.Index(labels)),
            "age_band": pd.Categorical.from_codes(age_index, categories=pd.Index(AGE_BANDS)),
            "deprived": deprived,
            "frailty": frailty,
            "outcome": outcome,
            "true_provider_effect": effects[provider].astype(np.float32),
        }
    )
    frame.attrs["true_effect"] = {
        str(label): float(e) for label, e in zip(labels, effects, strict=True)
    }
    return frame
