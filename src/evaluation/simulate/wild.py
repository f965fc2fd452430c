"""Simulated 2x2 data with few clusters and no effect, and the rejection rates of tests on it.

:func:`few_clusters` draws a repeated cross-section of people in ``n_clusters``
areas, half of them treated, before and after, with a shock to each area in
each period (so the people of an area share their errors) and unequal area
sizes. The true effect is zero (``attrs["true_effect"]``). :func:`rejection_rates`
repeats it and counts how often a 5% test rejects that true null: the analytic
cluster-robust test, the same with a t distribution on ``G - 1`` degrees of
freedom, and the restricted wild cluster bootstrap.

Examples
--------
>>> data = few_clusters(n_clusters=10, seed=0)
>>> data["cluster"].nunique(), data.attrs["true_effect"]
(10, 0.0)
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from evaluation.did._wild import WildFit, draws, wild_restriction

__all__ = ["few_clusters", "rejection_rates"]


def few_clusters(
    n_clusters: int = 10,
    *,
    mean_size: int = 40,
    shock_sd: float = 0.5,
    noise_sd: float = 1.0,
    seed: int | None = None,
) -> pd.DataFrame:
    """A 2x2 repeated cross-section: ``cluster, treated, post, outcome``, no true effect.

    Clusters ``0 .. n_clusters // 2 - 1`` are treated. Each cluster has its own
    level, a shock in each period (sd ``shock_sd``) and between 5 and
    ``2 * mean_size`` people in each period, each with noise of sd ``noise_sd``.
    """
    rng = np.random.default_rng(seed)
    level = rng.normal(0, 1, n_clusters)
    shock = rng.normal(0, shock_sd, (n_clusters, 2))
    sizes = rng.integers(5, 2 * mean_size + 1, (n_clusters, 2))
    cluster = np.repeat(np.repeat(np.arange(n_clusters), 2), sizes.ravel())
    period = np.repeat(np.tile([0, 1], n_clusters), sizes.ravel())
    noise = rng.normal(0, noise_sd, len(cluster))
    out = pd.DataFrame(
        {
            "cluster": cluster,
            "treated": (cluster < n_clusters // 2).astype(int),
            "post": period,
            "outcome": level[cluster] + 0.3 * period + shock[cluster, period] + noise,
        }
    )
    out.attrs["true_effect"] = 0.0
    return out


def _test(data: pd.DataFrame, weight_type: str, n_boot: int, seed: int) -> WildFit:
    """The bootstrap test of :func:`evaluation.did.wild_bootstrap` for the 2x2, without
    its input checks or interval (the same numbers, fast enough to repeat)."""
    g, p = data["treated"].to_numpy(float), data["post"].to_numpy(float)
    X = np.column_stack([np.ones(len(data)), g, p, g * p])
    codes, labels = pd.factorize(data["cluster"], sort=True)
    V, _ = draws(weight_type, len(labels), n_boot, seed)
    R = np.array([0.0, 0.0, 0.0, 1.0])
    return wild_restriction(X, data["outcome"].to_numpy(float), codes, R, V, interval=False)


def rejection_rates(
    n_clusters: tuple[int, ...] = (10, 20, 50),
    *,
    n_sims: int = 200,
    n_boot: int = 199,
    weight_type: Literal["rademacher", "webb"] = "rademacher",
    alpha: float = 0.05,
    seed: int = 0,
) -> pd.DataFrame:
    """Share of ``n_sims`` simulated data sets in which each test rejects the true null.

    One row per number of clusters, with the rejection rate of the analytic
    cluster-robust test (normal, as the library reports it), the same with a
    t distribution on ``G - 1`` degrees of freedom, and the restricted wild
    cluster bootstrap (``n_boot`` draws), each with its Monte Carlo standard
    error. ``attrs["true_effect"]`` is 0. Each replication runs the regression
    and bootstrap of ``did.wild_bootstrap(estimator="two_by_two", ...)`` directly
    (the same numbers, without the input checks and interval search).

    Examples
    --------
    >>> table = rejection_rates((10,), n_sims=5, n_boot=19, seed=1)
    >>> table.columns.tolist()[:4]
    ['clusters', 'analytic (normal)', 'analytic (t, G-1 df)', 'wild bootstrap']
    """
    rng = np.random.default_rng(seed)
    rows = []
    for g in n_clusters:
        rejected = np.zeros((n_sims, 3), dtype=bool)
        for i in range(n_sims):
            data = few_clusters(g, seed=int(rng.integers(2**31)))
            fit = _test(data, weight_type, n_boot, seed=int(rng.integers(2**31)))
            t = abs(fit.estimate / fit.se)
            analytic = [2 * stats.norm.sf(t), 2 * stats.t.sf(t, df=g - 1)]
            rejected[i] = [analytic[0] <= alpha, analytic[1] <= alpha, fit.p_value <= alpha]
        rate = rejected.mean(axis=0)
        rows.append(
            {
                "clusters": g,
                "analytic (normal)": rate[0],
                "analytic (t, G-1 df)": rate[1],
                "wild bootstrap": rate[2],
                "Monte Carlo SE at 5%": np.sqrt(alpha * (1 - alpha) / n_sims),
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["true_effect"] = 0.0
    return out
