"""Simulated council panels for the care chapters, with a known truth.

Used only to show a failure mode: joining a series across a break in its
definition. Calibrated loosely to the residential external share of English
councils (about 73% in 2001, rising about a point a year).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def series_break_panel(
    seed: int,
    *,
    n_councils: int = 150,
    first_year: int = 2001,
    last_year: int = 2023,
    trend: float = 0.5,
    breaks: dict[int, float] | None = None,
) -> pd.DataFrame:
    """A council-year panel of a measure whose definition changes at series breaks.

    The true measure rises by ``trend`` points a year in every council. At
    each break year the published measure jumps by the break's shift (a change
    of definition, not of reality) and stays shifted.

    Parameters
    ----------
    seed
        Seed of numpy's default generator.
    n_councils, first_year, last_year
        Size of the panel.
    trend
        True change per year (the known truth, in ``attrs["true_effect"]``).
    breaks
        Break year -> shift in published level (default ``{2009: 4.0, 2015: 3.0}``).

    Returns
    -------
    pandas.DataFrame
        ``council, year, series`` (0, 1, 2, ... counting breaks passed),
        ``true_level`` and ``published`` (the measure as published).

    Examples
    --------
    >>> panel = series_break_panel(1)
    >>> panel.attrs["true_effect"], len(panel)
    (0.5, 3450)
    """
    breaks = {2009: 4.0, 2015: 3.0} if breaks is None else breaks
    rng = np.random.default_rng(seed)
    years = np.arange(first_year, last_year + 1)
    council = np.repeat(np.arange(n_councils), len(years))
    year = np.tile(years, n_councils)
    base = np.repeat(rng.normal(73.0, 10.0, n_councils), len(years))
    true_level = base + trend * (year - first_year)
    shift = sum(np.where(year >= y, s, 0.0) for y, s in breaks.items())
    series = sum(np.where(year >= y, 1, 0) for y in breaks)
    noise = rng.normal(0.0, 2.0, len(year))
    frame = pd.DataFrame(
        {
            "council": council,
            "year": year,
            "series": np.asarray(series, dtype=int),
            "true_level": true_level,
            "published": true_level + shift + noise,
        }
    )
    frame.attrs["true_effect"] = trend
    return frame


def confounded_panel(
    seed: int,
    *,
    n_councils: int = 150,
    n_years: int = 8,
    true_effect: float = 0.0,
    confounding: float = 1.5,
) -> pd.DataFrame:
    """A council panel where a time-varying shock drives both exposure and outcome.

    Each council has a fixed outcome level and a fixed exposure level (which
    council fixed effects remove) and a budget ``shock`` that drifts as a
    random walk: a council under pressure buys more care externally and its
    users' outcomes fall. The exposure's true effect on the outcome is
    ``true_effect`` (in ``attrs["true_effect"]``).

    Parameters
    ----------
    seed
        Seed of numpy's default generator.
    n_councils, n_years
        Size of the panel.
    true_effect
        True change in outcome per point of exposure.
    confounding
        Fall in outcome per unit of shock.

    Returns
    -------
    pandas.DataFrame
        ``council, year, shock, exposure`` (external share, points),
        ``outcome`` (percentage points).

    Examples
    --------
    >>> panel = confounded_panel(3)
    >>> panel.attrs["true_effect"], panel.shape
    (0.0, (1200, 5))
    """
    rng = np.random.default_rng(seed)
    size = n_councils * n_years
    council = np.repeat(np.arange(n_councils), n_years)
    year = np.tile(np.arange(2015, 2015 + n_years), n_councils)
    shock = rng.normal(0.0, 1.0, (n_councils, n_years)).cumsum(axis=1).ravel()
    exposure = np.repeat(rng.normal(90.0, 10.0, n_councils), n_years) + 2.0 * shock
    exposure = exposure + rng.normal(0.0, 1.0, size)
    outcome = (
        np.repeat(rng.normal(75.0, 8.0, n_councils), n_years)
        + true_effect * exposure
        - confounding * shock
        + rng.normal(0.0, 3.0, size)
    )
    frame = pd.DataFrame(
        {"council": council, "year": year, "shock": shock, "exposure": exposure, "outcome": outcome}
    )
    frame.attrs["true_effect"] = true_effect
    return frame
