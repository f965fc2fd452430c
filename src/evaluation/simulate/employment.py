"""Simulated Work Programme contracts: prime providers randomised within areas.

The Work Programme had 18 contract package areas and 40 prime contracts held
by 18 prime providers: two primes in most areas, three in a few, and several
primes in more than one area. Within an area referrals were allocated at
random between the primes (NAO 2014), so providers in the same area face the
same labour market and the same mix of claimants. Contract-level outcomes by
payment group are not public beyond fragments, so :func:`contracts` simulates
them, calibrated to a published job outcome rate and referral volume.

Each contract's true job outcome rate is
``expit(logit(base_rate) + area_effect + provider_effect)``: the area effect
is the local labour market, the provider effect the provider's true skill
(the same in every area it serves). ``frame.attrs["true_effect"]`` is a
``{provider: effect}`` dict (log odds); the columns ``true_rate_pct`` and
``true_within_pp`` (the contract's true rate minus the mean true rate of its
area's contracts, in percentage points) are what a fair comparison should
recover.

:func:`spread_sd` calibrates the spread of the area and provider effects to a
published range of contract rates (the best and worst of the 40 contracts):
the log-odds standard deviation whose expected range over the contracts
matches it, using :func:`expected_range`.

Examples
--------
>>> from evaluation.simulate.employment import contracts
>>> frame = contracts(seed=1)
>>> frame.shape[0], frame["area"].nunique(), frame["provider"].nunique() <= 18
(40, 18, True)
>>> bool(frame.equals(contracts(seed=1)))
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit, logit

__all__ = ["benchmark_drift", "contracts", "expected_range", "referrals", "spread_sd"]


def _areas_providers(
    rng: np.random.Generator, n_areas: int, n_providers: int, three_prime_areas: int
) -> tuple[np.ndarray, np.ndarray]:
    """Area and provider index of every contract: distinct primes within an area.

    Primes are placed in a shuffled ring (area ``a`` gets primes ``a`` and
    ``a + 1``), so every prime is linked to every other through shared areas,
    as a within-area comparison needs; chosen areas get a third, random prime.
    """
    order = rng.permutation(n_providers)
    third = set(rng.choice(n_areas, three_prime_areas, replace=False).tolist())
    area, provider = [], []
    for a in range(n_areas):
        primes = [order[a % n_providers], order[(a + 1) % n_providers]]
        if a in third:
            others = np.setdiff1d(np.arange(n_providers), primes)
            primes.append(rng.choice(others))
        area += [a] * len(primes)
        provider += primes
    return np.array(area), np.array(provider)


def expected_range(n: int) -> float:
    """Expected range (largest minus smallest) of ``n`` independent standard normal draws.

    ``E[max] = integral of x * n * phi(x) * Phi(x)**(n - 1)``, computed by
    quadrature; the range is twice that by symmetry.

    Examples
    --------
    >>> round(expected_range(2), 4)  # 2 / sqrt(pi)
    1.1284
    >>> round(expected_range(40), 2)
    4.32
    """
    if n < 2:
        raise ValueError(f"A range needs at least 2 draws; n was {n}.")
    x = np.linspace(-9.0, 9.0, 20_001)
    density = n * stats.norm.pdf(x) * stats.norm.cdf(x) ** (n - 1)
    return float(2 * np.trapezoid(x * density, x))


def spread_sd(*, low: float, high: float, n_contracts: int = 40) -> float:
    """Log-odds standard deviation of contract rates whose expected range is ``low``-``high``.

    Calibrates a simulation to a published spread: if contract rates are
    ``expit(centre + e)`` with ``e`` normal, the expected gap between the best
    and worst of ``n_contracts`` on the log-odds scale is ``sd *
    expected_range(n_contracts)``. Rates are proportions.

    Examples
    --------
    >>> round(spread_sd(low=0.074, high=0.147, n_contracts=40), 3)
    0.178
    """
    if not 0 < low < high < 1:
        raise ValueError(f"Need 0 < low < high < 1; got low={low}, high={high}.")
    return float((logit(high) - logit(low)) / expected_range(n_contracts))


def contracts(
    *,
    n_areas: int = 18,
    n_providers: int = 18,
    three_prime_areas: int = 4,
    mean_referrals: float = 21_500,
    base_rate: float = 0.036,
    area_sd: float = 0.2,
    provider_sd: float = 0.12,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per prime contract: referrals, job outcomes and the truth behind them.

    Parameters
    ----------
    n_areas, n_providers
        Contract package areas and prime providers (18 and 18 in the Work Programme).
    three_prime_areas
        Areas with three primes rather than two (4 gives the 40 contracts).
    mean_referrals
        Mean referrals per contract; area sizes are log-normal (SD 0.3 on the
        log scale) and each area's referrals are split at random, with equal
        probabilities, between its primes.
    base_rate
        Job outcome rate (a proportion) of an average provider in an average area.
    area_sd, provider_sd
        Standard deviations of the area and provider effects on the log-odds scale.
    seed
        Seed of numpy's generator.

    Returns
    -------
    pandas.DataFrame
        ``area`` (A01...), ``provider`` (P01...), ``referrals``,
        ``job_outcomes``, ``area_effect``, ``provider_effect`` (log odds),
        ``true_rate_pct``, ``true_within_pp``.
    """
    if not 0 < base_rate < 1:
        raise ValueError(f"base_rate must lie strictly between 0 and 1; it was {base_rate}.")
    if not 0 <= three_prime_areas <= n_areas:
        raise ValueError(f"three_prime_areas must lie in 0..{n_areas}; it was {three_prime_areas}.")
    if n_providers < 3:
        raise ValueError(f"n_providers must be at least 3; it was {n_providers}.")
    rng = np.random.default_rng(seed)
    area_effect = rng.normal(0.0, area_sd, n_areas)
    provider_effect = rng.normal(0.0, provider_sd, n_providers)
    area, provider = _areas_providers(rng, n_areas, n_providers, three_prime_areas)
    area_referrals = rng.lognormal(np.log(mean_referrals) - 0.045, 0.3, n_areas)
    primes = np.bincount(area, minlength=n_areas)
    referrals = np.concatenate(
        [
            rng.multinomial(round(area_referrals[a] * primes[a]), [1 / primes[a]] * primes[a])
            for a in range(n_areas)
        ]
    )
    true_rate = expit(logit(base_rate) + area_effect[area] + provider_effect[provider])
    frame = pd.DataFrame(
        {
            "area": [f"A{a + 1:02d}" for a in area],
            "provider": [f"P{p + 1:02d}" for p in provider],
            "referrals": referrals.astype("int64"),
            "job_outcomes": rng.binomial(referrals, true_rate).astype("int64"),
            "area_effect": area_effect[area],
            "provider_effect": provider_effect[provider],
            "true_rate_pct": 100 * true_rate,
        }
    )
    area_mean = frame.groupby("area")["true_rate_pct"].transform("mean")
    frame["true_within_pp"] = frame["true_rate_pct"] - area_mean
    used = sorted(set(provider))
    frame.attrs["true_effect"] = {f"P{p + 1:02d}": float(provider_effect[p]) for p in used}
    return frame


def referrals(
    *,
    months: int = 14,
    monthly_referrals: int = 4_000,
    eventual_rate: float = 0.278,
    trigger_weeks: int = 26,
    window_weeks: int = 104,
    seed: int = 0,
) -> pd.DataFrame:
    """Person-level referrals arriving monthly, each with the week of any job outcome.

    A referral gets a job outcome within its two years on the programme with
    probability ``eventual_rate`` (the truth, in ``attrs["true_effect"]``);
    the job starts at a uniform time in the weeks that still leave room for
    the ``trigger_weeks`` in work, and the outcome is paid ``trigger_weeks``
    after the start. The default calibrates the eventual rate to the
    Work Programme's published two-year job outcome performance (27.8%,
    Learning and Work Institute 2018) and the trigger to the 26 weeks of the
    JSA groups.

    Parameters
    ----------
    months
        Months of referrals (14: June 2011 to July 2012, contract year 1).
    monthly_referrals
        Referrals per month.
    eventual_rate
        Share of referrals with a job outcome within ``window_weeks``.
    trigger_weeks, window_weeks
        Weeks in work before an outcome is paid; weeks on the programme.
    seed
        Seed of numpy's generator.

    Returns
    -------
    pandas.DataFrame
        ``referral_week`` (weeks after the programme opened), ``outcome``
        (bool, within the window), ``outcome_week`` (weeks after the programme
        opened at which the outcome is paid; NaN without one).

    Examples
    --------
    >>> frame = referrals(months=2, monthly_referrals=100, seed=3)
    >>> len(frame), frame.attrs["true_effect"]
    (200, 0.278)
    """
    if not 0 < eventual_rate < 1:
        raise ValueError(
            f"eventual_rate must lie strictly between 0 and 1; it was {eventual_rate}."
        )
    if not 0 < trigger_weeks < window_weeks:
        raise ValueError("Need 0 < trigger_weeks < window_weeks.")
    rng = np.random.default_rng(seed)
    n = months * monthly_referrals
    month = np.repeat(np.arange(months), monthly_referrals)
    referral_week = month * 52 / 12 + rng.uniform(0, 52 / 12, n)
    outcome = rng.random(n) < eventual_rate
    start = rng.uniform(0, window_weeks - trigger_weeks, n)
    outcome_week = np.where(outcome, referral_week + start + trigger_weeks, np.nan)
    frame = pd.DataFrame(
        {"referral_week": referral_week, "outcome": outcome, "outcome_week": outcome_week}
    )
    frame.attrs["true_effect"] = float(eventual_rate)
    return frame


def benchmark_drift(
    *,
    n_cohorts: int = 12,
    referrals_per_cohort: int = 20_000,
    start_rate: float = 0.26,
    drift_pp: float = 0.5,
    true_effect_pp: float = 2.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Quarterly cohorts of a programme whose participants' prospects improve with the economy.

    Without the programme, cohort ``c`` would have a job outcome rate of
    ``start_rate + c * drift_pp / 100`` (a falling unemployment rate lifts
    everyone's chances); the programme adds ``true_effect_pp`` percentage
    points to every cohort (``attrs["true_effect"]``, in percentage points).
    The default start rate is the Flexible New Deal comparator of 26% that the
    Public Accounts Committee set beside the Work Programme's JSA 25+ results.

    Parameters
    ----------
    n_cohorts, referrals_per_cohort
        Cohorts and referrals in each.
    start_rate
        Counterfactual job outcome rate of the first cohort (a proportion).
    drift_pp
        Rise in the counterfactual rate from one cohort to the next (percentage points).
    true_effect_pp
        The programme's true effect on every cohort (percentage points).
    seed
        Seed of numpy's generator.

    Returns
    -------
    pandas.DataFrame
        ``cohort`` (0, 1, ...), ``referrals``, ``job_outcomes``,
        ``counterfactual_pct``, ``true_rate_pct``.

    Examples
    --------
    >>> frame = benchmark_drift(n_cohorts=3, seed=1)
    >>> frame["counterfactual_pct"].round(1).tolist(), frame.attrs["true_effect"]
    ([26.0, 26.5, 27.0], 2.0)
    """
    counterfactual = 100 * start_rate + drift_pp * np.arange(n_cohorts)
    true_rate = counterfactual + true_effect_pp
    if not (true_rate.min() > 0 and true_rate.max() < 100):
        raise ValueError("The parameters give rates outside 0-100%; reduce drift_pp or the effect.")
    rng = np.random.default_rng(seed)
    referrals = np.full(n_cohorts, referrals_per_cohort, dtype="int64")
    frame = pd.DataFrame(
        {
            "cohort": np.arange(n_cohorts),
            "referrals": referrals,
            "job_outcomes": rng.binomial(referrals, true_rate / 100).astype("int64"),
            "counterfactual_pct": counterfactual,
            "true_rate_pct": true_rate,
        }
    )
    frame.attrs["true_effect"] = float(true_effect_pp)
    return frame
