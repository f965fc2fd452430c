"""Simulated panels for difference-in-differences, each with its known true effect.

:func:`staggered_adoption` draws areas that adopt a reform in different years
(cohorts), with an effect that can grow with time since adoption, and
optionally with treated areas on a different trend (a failure of parallel
trends). The true effect of every unit-period is in the ``true_effect``
column; ``frame.attrs["true_effect"]`` is its average over the treated
unit-periods, the quantity Callaway and Sant'Anna's simple aggregation
estimates. :func:`switching_panel` draws a treatment that switches on and off
(a service brought in house, then contracted out again), with a constant effect.

Examples
--------
>>> from evaluation.simulate.did import staggered_adoption
>>> panel = staggered_adoption(n_units=50, n_periods=6, cohorts=(3, 5), seed=0)
>>> panel.shape
(300, 6)
>>> bool(panel.equals(staggered_adoption(n_units=50, n_periods=6, cohorts=(3, 5), seed=0)))
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["staggered_adoption", "switching_panel"]


def _cohorts(
    rng: np.random.Generator, n_units: int, cohorts: Sequence[int], never_share: float
) -> np.ndarray:
    """First treated period of each unit (0 = never), in shuffled order."""
    n_never = round(n_units * never_share)
    treated = np.resize(np.asarray(cohorts, dtype=int), n_units - n_never)
    return rng.permutation(np.concatenate([np.zeros(n_never, dtype=int), np.sort(treated)]))


def _untreated_level(rng: np.random.Generator, n_units: int, n_periods: int) -> np.ndarray:
    """Each unit-period's untreated level, unit by unit, before noise.

    A unit effect (normal, sd 1) plus a period effect common to all units: a
    random walk drifting 0.1 a period, with steps of sd 0.3.
    """
    unit_effect = rng.normal(0.0, 1.0, n_units)
    period_effect = np.cumsum(rng.normal(0.1, 0.3, n_periods))
    return np.repeat(unit_effect, n_periods) + np.tile(period_effect, n_units)


def staggered_adoption(
    *,
    n_units: int = 500,
    n_periods: int = 10,
    cohorts: Sequence[int] = (3, 5, 7),
    never_share: float = 0.25,
    effect_start: float = 1.0,
    effect_growth: float = 0.5,
    trend_gap: float = 0.0,
    noise: float = 1.0,
    seed: int = 0,
) -> pd.DataFrame:
    """A balanced panel of units adopting a reform at staggered dates.

    The untreated outcome is a unit effect plus a common year effect plus
    noise; eventually-treated units may also drift by ``trend_gap`` a period
    (which breaks parallel trends). Once adopted, the effect is
    ``effect_start + effect_growth * (periods since adoption)``.

    Parameters
    ----------
    n_units, n_periods
        Panel size; periods are numbered 1 to ``n_periods``.
    cohorts
        Adoption periods; treated units are spread evenly over them.
    never_share
        Share of units never treated (0 gives none).
    effect_start, effect_growth
        Effect in the adoption period, and its growth per period after.
    trend_gap
        Extra trend per period of the units that will be treated.
    noise
        Standard deviation of the idiosyncratic error.
    seed
        Seed: the same arguments give the same frame to the byte.

    Returns
    -------
    pandas.DataFrame
        ``unit, time, cohort`` (0 = never treated), ``treated`` (0/1),
        ``outcome`` and ``true_effect``; ``attrs["true_effect"]`` is the mean
        effect over treated unit-periods. Simulated data.
    """
    if not 0 <= never_share < 1:
        raise ValueError(f"never_share must lie in [0, 1); it was {never_share}.")
    if any(not 1 < c <= n_periods for c in cohorts):
        raise ValueError(f"cohorts must lie between 2 and n_periods={n_periods}; got {cohorts}.")
    rng = np.random.default_rng(seed)
    first = _cohorts(rng, n_units, cohorts, never_share)
    level = _untreated_level(rng, n_units, n_periods)
    time = np.arange(1, n_periods + 1)
    unit_first = np.repeat(first, n_periods)
    unit_time = np.tile(time, n_units)
    treated = (unit_first > 0) & (unit_time >= unit_first)
    since = unit_time - unit_first
    effect = np.where(treated, effect_start + effect_growth * since, 0.0)
    drift = np.where(unit_first > 0, trend_gap * (unit_time - 1), 0.0)
    outcome = level + drift + effect + rng.normal(0.0, noise, n_units * n_periods)
    frame = pd.DataFrame(
        {
            "unit": np.repeat(np.arange(1, n_units + 1), n_periods),
            "time": unit_time,
            "cohort": unit_first,
            "treated": treated.astype(int),
            "outcome": outcome,
            "true_effect": effect,
        }
    )
    frame.attrs["true_effect"] = float(effect[treated].mean())
    frame.attrs["description"] = (
        "Simulated staggered adoption: effect "
        f"{effect_start:g} + {effect_growth:g} x periods since adoption; trend gap {trend_gap:g}."
    )
    return frame


def switching_panel(
    *,
    n_units: int = 400,
    n_periods: int = 6,
    start_share: float = 0.3,
    switch_on: float = 0.2,
    switch_off: float = 0.3,
    never_share: float = 0.3,
    effect: float = 1.0,
    noise: float = 1.0,
    seed: int = 0,
) -> pd.DataFrame:
    """A balanced panel whose 0/1 treatment switches on and off, with a known effect.

    Each unit starts treated with probability ``start_share``; afterwards an
    untreated unit switches on with probability ``switch_on`` each period and a
    treated one switches off with probability ``switch_off``. A share
    ``never_share`` of units keeps its starting state throughout (the
    comparisons for switchers). The outcome is a unit effect plus a common
    period effect plus ``effect`` whenever treated (no carry-over), so the
    instantaneous effect of switching on, or off, is ``effect``.

    Parameters
    ----------
    n_units, n_periods
        Panel size; periods are numbered 1 to ``n_periods``.
    start_share
        Share of units treated in period 1.
    switch_on, switch_off
        Per-period chances of switching on (if untreated) and off (if treated).
    never_share
        Share of units whose treatment never changes.
    effect
        The effect of being treated in a period.
    noise
        Standard deviation of the idiosyncratic error.
    seed
        Seed: the same arguments give the same frame to the byte.

    Returns
    -------
    pandas.DataFrame
        ``unit, time, treated`` (0/1), ``outcome``, ``true_effect``;
        ``attrs["true_effect"]`` is ``effect``. Simulated data.

    Examples
    --------
    >>> sim = switching_panel(n_units=100, seed=1)
    >>> sim.shape, sim.attrs["true_effect"]
    ((600, 5), 1.0)
    """
    for name, value in [("start_share", start_share), ("switch_on", switch_on),
                        ("switch_off", switch_off), ("never_share", never_share)]:  # fmt: skip
        if not 0 <= value <= 1:
            raise ValueError(f"{name} must lie in [0, 1]; it was {value}.")
    if n_periods < 2:
        raise ValueError(f"n_periods must be at least 2; it was {n_periods}.")
    rng = np.random.default_rng(seed)
    state = rng.random(n_units) < start_share
    movers = rng.random(n_units) >= never_share
    paths = [state.copy()]
    for _ in range(1, n_periods):
        draw = rng.random(n_units)
        flip = np.where(state, draw < switch_off, draw < switch_on) & movers
        state = np.where(flip, ~state, state)
        paths.append(state.copy())
    treated = np.column_stack(paths).ravel().astype(int)
    level = _untreated_level(rng, n_units, n_periods)
    true_effect = effect * treated
    outcome = level + true_effect + rng.normal(0.0, noise, len(treated))
    frame = pd.DataFrame(
        {
            "unit": np.repeat(np.arange(1, n_units + 1), n_periods),
            "time": np.tile(np.arange(1, n_periods + 1), n_units),
            "treated": treated,
            "outcome": outcome,
            "true_effect": true_effect.astype(float),
        }
    )
    frame.attrs["true_effect"] = float(effect)
    frame.attrs["description"] = (
        f"Simulated switching treatment: on with chance {switch_on:g}, off with chance "
        f"{switch_off:g} a period; effect {effect:g} whenever treated."
    )
    return frame
