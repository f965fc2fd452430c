"""Canonical datasets typed in from their published sources, each with its citation.

Each is a small CSV file beside this module, read by the function that documents it.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

__all__ = ["bcg_trials"]


def bcg_trials() -> pd.DataFrame:
    """The 13 BCG vaccine trials of Colditz et al. (1994), with log risk ratios.

    The counts are the classic ``dat.bcg`` of R's metafor package (also
    ``BCG`` in HSAUR), kept in ``bcg_trials.csv`` beside this module:
    ``tpos``/``tneg`` vaccinated people with and without tuberculosis,
    ``cpos``/``cneg`` the same for the unvaccinated. ``log_rr`` is the log risk
    ratio (vaccinated over unvaccinated) and ``se`` its standard error, computed
    by :func:`statsmodels.stats.meta_analysis.effectsize_2proportions`.
    """
    from statsmodels.stats.meta_analysis import effectsize_2proportions

    source = resources.files("evaluation.data") / "bcg_trials.csv"
    with source.open(encoding="utf-8") as file:
        trials = pd.read_csv(file)
    log_rr, variance = effectsize_2proportions(
        trials["tpos"].to_numpy(),
        (trials["tpos"] + trials["tneg"]).to_numpy(),
        trials["cpos"].to_numpy(),
        (trials["cpos"] + trials["cneg"]).to_numpy(),
        statistic="risk-ratio",
    )
    trials["log_rr"] = log_rr
    trials["se"] = np.sqrt(variance)
    return trials
