"""Simulated cluster-randomised pilots: offices randomised, reoffending measured per person.

The story: a probation pilot randomises whole offices, half to a new way of
supervising and half to carry on as before, and records for each person
whether they were reconvicted within a year. Offices differ in their
reconviction rates for reasons the pilot does not change (local crime, courts,
caseloads), so people in the same office are alike: the intra-cluster
correlation (ICC). Each office's rate is drawn from a beta distribution with
the given mean and ICC (``1 / (a + b + 1) = ICC``), so the ICC is exact by
construction, and the true effect of the pilot is known.

All data are simulated; the baseline rate is set to 45% to echo the one-year
proven reoffending rate of short-sentence adults, but nothing else is calibrated.

Examples
--------
>>> people = cluster_trial(n_clusters=10, cluster_size=50, seed=4)
>>> people.attrs["true_effect"], len(people)
(0.0, 500)
>>> trials = cluster_trials(reps=3, n_clusters=10, cluster_size=50, seed=4)
>>> sorted(trials.columns)
['cluster', 'events', 'people', 'rep', 'treated']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["cluster_rates", "cluster_trial", "cluster_trials"]


def _beta_parameters(mean: float, icc: float) -> tuple[float, float]:
    if not 0 < mean < 1:
        raise ValueError(f"A rate must lie strictly between 0 and 1; it was {mean}.")
    if not 0 < icc < 1:
        raise ValueError(f"icc must lie strictly between 0 and 1; it was {icc}.")
    total = 1 / icc - 1
    return mean * total, (1 - mean) * total


def cluster_rates(
    rng: np.random.Generator,
    shape: tuple[int, ...],
    treated: np.ndarray,
    *,
    baseline: float,
    effect: float,
    icc: float,
) -> np.ndarray:
    """Each cluster's true rate: beta draws with mean ``baseline`` (+ ``effect`` if treated)."""
    control = rng.beta(*_beta_parameters(baseline, icc), size=shape)
    treated_rates = rng.beta(*_beta_parameters(baseline + effect, icc), size=shape)
    return np.where(treated, treated_rates, control)


def cluster_trial(
    n_clusters: int = 40,
    cluster_size: int = 100,
    *,
    baseline: float = 0.45,
    effect: float = 0.0,
    icc: float = 0.05,
    seed: int = 0,
) -> pd.DataFrame:
    """One cluster-randomised trial, one row per person.

    Half the clusters (rounded down) are treated. Returns ``cluster``,
    ``treated`` (0/1), ``person`` and ``reconvicted`` (0/1);
    ``attrs["true_effect"]`` is ``effect`` (change in the reconviction
    probability, e.g. -0.02 for two points fewer).
    """
    if n_clusters < 2 or cluster_size < 1:
        raise ValueError("Need at least two clusters of at least one person.")
    rng = np.random.default_rng(seed)
    treated = np.arange(n_clusters) < n_clusters // 2
    rates = cluster_rates(rng, (n_clusters,), treated, baseline=baseline, effect=effect, icc=icc)
    outcome = rng.random((n_clusters, cluster_size)) < rates[:, None]
    frame = pd.DataFrame(
        {
            "cluster": np.repeat(np.arange(1, n_clusters + 1), cluster_size),
            "treated": np.repeat(treated.astype("int64"), cluster_size),
            "person": np.arange(1, n_clusters * cluster_size + 1),
            "reconvicted": outcome.ravel().astype("int64"),
        }
    )
    frame.attrs["true_effect"] = float(effect)
    frame.attrs["icc"] = float(icc)
    return frame


def cluster_trials(
    reps: int = 1_000,
    n_clusters: int = 40,
    cluster_size: int = 100,
    *,
    baseline: float = 0.45,
    effect: float = 0.0,
    icc: float = 0.05,
    seed: int = 0,
) -> pd.DataFrame:
    """Many replicate trials at once, as counts per cluster (vectorised).

    Returns one row per replicate and cluster: ``rep``, ``cluster``,
    ``treated`` (0/1), ``people`` and ``events`` (people reconvicted).
    ``attrs["true_effect"]`` is ``effect``.
    """
    if reps < 1 or n_clusters < 2 or cluster_size < 1:
        raise ValueError("Need at least one replicate and two clusters of at least one person.")
    rng = np.random.default_rng(seed)
    treated = np.broadcast_to(np.arange(n_clusters) < n_clusters // 2, (reps, n_clusters))
    rates = cluster_rates(
        rng, (reps, n_clusters), treated, baseline=baseline, effect=effect, icc=icc
    )
    events = rng.binomial(cluster_size, rates)
    frame = pd.DataFrame(
        {
            "rep": np.repeat(np.arange(1, reps + 1), n_clusters),
            "cluster": np.tile(np.arange(1, n_clusters + 1), reps),
            "treated": treated.ravel().astype("int64"),
            "people": cluster_size,
            "events": events.ravel().astype("int64"),
        }
    )
    frame.attrs["true_effect"] = float(effect)
    frame.attrs["icc"] = float(icc)
    return frame
