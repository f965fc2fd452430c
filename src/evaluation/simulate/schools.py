"""Simulated schools, for showing two ways a naive academy comparison misleads.

* :func:`selective_conversion` -- schools with an unobserved quality that makes
  them both score higher and more likely to convert; the cross-sectional gap
  between academies and maintained schools is not the effect of converting.
* :func:`surviving_academies` -- academies opening each year, some closing
  later; counting conversions from a later snapshot undercounts the early years.
* :func:`equal_councils` -- councils that all give the same true share of
  families their first-preference school; only their sizes differ, yet their
  observed rates spread out and the smallest look best and worst.
* :func:`inspection_regression` -- schools with a stable true quality and noisy
  Ofsted inspections; a bad grade triggers conversion, the true effect is set
  by the caller (zero by default), yet grades "improve" at the next inspection.

Both are seeded and return the true effect in ``frame.attrs["true_effect"]``.
Calibration: Progress 8 is a pupil-level value-added score whose school means
have a standard deviation of about 0.5 (DfE 2019 performance tables; the
handbook's ``ks4_2019_schools_ofsted`` file), and about 1 in 5 inspections of
maintained schools in that file's era judged a school below good.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["equal_councils", "inspection_regression", "selective_conversion", "surviving_academies"]

#: Ofsted grade cut-points on the latent quality scale (outstanding, good, RI, inadequate).
_CUTS = np.array([-np.inf, -1.0, 1.0, 1.9, np.inf])


def selective_conversion(
    n_schools: int = 3_000,
    *,
    true_effect: float = 0.0,
    selection: float = 1.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Schools whose unobserved quality drives both conversion and Progress 8.

    Parameters
    ----------
    n_schools
        Number of schools.
    true_effect
        Effect of being an academy on Progress 8 (school-mean units).
    selection
        How strongly unobserved quality raises the chance of converting (logit
        coefficient per standard deviation of quality); 0 makes conversion
        random given the observed covariates.
    seed
        Random seed.

    Returns
    -------
    pandas.DataFrame
        ``school``, ``academy`` (0/1), ``religious`` and ``grammar`` (0/1,
        observed), ``quality`` (unobserved, standardised) and ``p8``. The true
        effect is in ``attrs["true_effect"]``.

    Examples
    --------
    >>> frame = selective_conversion(500, seed=1)
    >>> frame.attrs["true_effect"], len(frame)
    (0.0, 500)
    """
    rng = np.random.default_rng(seed)
    quality = rng.normal(size=n_schools)
    religious = (rng.uniform(size=n_schools) < 0.15).astype("int64")
    grammar = (rng.uniform(size=n_schools) < 0.03).astype("int64")
    logit = 0.7 + selection * quality + 0.5 * religious + 1.0 * grammar
    academy = (rng.uniform(size=n_schools) < 1 / (1 + np.exp(-logit))).astype("int64")
    noise = rng.normal(scale=0.35, size=n_schools)
    p8 = 0.3 * quality + 0.1 * religious + 0.5 * grammar + true_effect * academy + noise
    frame = pd.DataFrame(
        {
            "school": np.arange(n_schools),
            "academy": academy,
            "religious": religious,
            "grammar": grammar,
            "quality": quality,
            "p8": p8,
        }
    )
    frame.attrs["true_effect"] = float(true_effect)
    return frame


def _grade(latent: np.ndarray) -> np.ndarray:
    """Ofsted grade 1 (outstanding) to 4 (inadequate) from a latent score (high is worse)."""
    return np.searchsorted(_CUTS, latent, side="right").astype("int64")


def inspection_regression(
    n_schools: int = 5_000,
    *,
    true_effect: float = 0.0,
    noise: float = 0.6,
    take_up: float = 0.5,
    seed: int = 0,
) -> pd.DataFrame:
    """Schools inspected twice; a grade of 3 or 4 at the first can trigger conversion.

    Each school has a fixed true quality; each inspection adds independent
    noise (inspectors, the day, the framework). Of the schools graded requires
    improvement or inadequate, a random ``take_up`` share convert before the
    second inspection, which shifts their latent score by ``-true_effect`` (a
    positive effect improves the grade). The others are the comparison a
    before-and-after look at converters lacks.

    Parameters
    ----------
    n_schools
        Number of schools.
    true_effect
        Improvement from converting, in standard deviations of true quality.
    noise
        Standard deviation of an inspection's error, relative to true quality.
    take_up
        Chance that a school graded 3 or 4 converts (0-1).
    seed
        Random seed.

    Returns
    -------
    pandas.DataFrame
        ``school``, ``quality`` (true, standardised; high is better),
        ``grade_before``, ``grade_after`` (1-4, 1 outstanding), ``converted``
        (0/1). ``attrs["true_effect"]`` holds the true effect.

    Examples
    --------
    >>> frame = inspection_regression(1000, seed=2)
    >>> sorted(frame["grade_before"].unique().tolist())
    [1, 2, 3, 4]
    """
    rng = np.random.default_rng(seed)
    quality = rng.normal(size=n_schools)
    before = _grade(-quality + rng.normal(scale=noise, size=n_schools))
    if not 0 <= take_up <= 1:
        raise ValueError(f"take_up must lie between 0 and 1; it was {take_up}")
    chosen = rng.uniform(size=n_schools) < take_up
    converted = ((before >= 3) & chosen).astype("int64")
    latent_after = -quality - true_effect * converted + rng.normal(scale=noise, size=n_schools)
    frame = pd.DataFrame(
        {
            "school": np.arange(n_schools),
            "quality": quality,
            "grade_before": before,
            "grade_after": _grade(latent_after),
            "converted": converted,
        }
    )
    frame.attrs["true_effect"] = float(true_effect)
    return frame


def equal_councils(
    applications: np.ndarray | pd.Series,
    *,
    rate: float = 0.8,
    seed: int = 0,
) -> pd.DataFrame:
    """Councils with the given numbers of applicants and one true first-preference rate.

    Parameters
    ----------
    applications
        Applicants per council (e.g. the real councils' counts).
    rate
        The true share of applicants offered their first preference, the same
        everywhere (0-1).
    seed
        Random seed.

    Returns
    -------
    pandas.DataFrame
        ``council`` (``"C001"``...), ``applications``, ``first_offers``
        (binomial draws) and ``true_rate``. ``attrs["true_effect"]`` holds the
        true difference between any two councils: zero.

    Examples
    --------
    >>> frame = equal_councils([100, 2_000], rate=0.5, seed=1)
    >>> frame["true_rate"].tolist(), frame.attrs["true_effect"]
    ([0.5, 0.5], 0.0)
    """
    if not 0 <= rate <= 1:
        raise ValueError(f"rate must lie between 0 and 1; it was {rate}")
    sizes = np.asarray(applications, dtype=np.int64)
    if (sizes <= 0).any():
        raise ValueError("applications must all be positive")
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "council": [f"C{i + 1:03d}" for i in range(len(sizes))],
            "applications": sizes,
            "first_offers": rng.binomial(sizes, rate),
            "true_rate": float(rate),
        }
    )
    frame.attrs["true_effect"] = 0.0
    return frame


def surviving_academies(
    opened: dict[int, int],
    *,
    closure_rate: float = 0.02,
    snapshot: int = 2022,
    seed: int = 0,
) -> pd.DataFrame:
    """Academies opened each year, each closing with a constant yearly chance.

    Parameters
    ----------
    opened
        Academies opened in each school year, e.g. ``{2010: 900, 2011: 950}``.
    closure_rate
        Chance that an open academy closes (or merges away) in any year (0-1).
    snapshot
        The school year of the register: academies closed by then are not in it.
    seed
        Random seed.

    Returns
    -------
    pandas.DataFrame
        One row per academy: ``opened`` (school year), ``closed`` (school
        year, missing if still open at the snapshot) and ``in_snapshot``
        (bool). ``attrs["true_effect"]`` holds the true number opened in each
        year (a dict), which a count from the snapshot should reproduce.

    Examples
    --------
    >>> frame = surviving_academies({2010: 100}, closure_rate=0.0, seed=1)
    >>> int(frame["in_snapshot"].sum())
    100
    """
    if not 0 <= closure_rate < 1:
        raise ValueError(f"closure_rate must lie in [0, 1); it was {closure_rate}")
    rng = np.random.default_rng(seed)
    years = np.repeat(np.array(list(opened), dtype=np.int64), list(opened.values()))
    if closure_rate > 0:
        closed = years + rng.geometric(closure_rate, size=len(years))
    else:
        closed = np.full(len(years), snapshot + 1, dtype=np.int64)
    in_snapshot = closed > snapshot
    frame = pd.DataFrame(
        {
            "opened": years,
            "closed": pd.array(closed, dtype="Int64"),
            "in_snapshot": in_snapshot,
        }
    )
    frame.loc[frame["in_snapshot"], "closed"] = pd.NA
    frame.attrs["true_effect"] = {int(year): int(count) for year, count in opened.items()}
    return frame
