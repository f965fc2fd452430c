"""Canonical datasets typed in from their published sources, each with its citation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    pass

__all__ = ["bcg_trials"]


def bcg_trials() -> pd.DataFrame:
    """The 13 BCG vaccine trials of Colditz et al. (1994), with log risk ratios.

    The counts are the classic ``dat.bcg`` of R's metafor package (also
    ``BCG`` in HSAUR): ``tpos``/``tneg`` vaccinated people with and without
    tuberculosis, ``cpos``/``cneg`` the same for the unvaccinated. ``log_rr`` is
    the log risk ratio (vaccinated over unvaccinated) and ``se`` its standard
    error, computed by :func:`statsmodels.stats.meta_analysis.effectsize_2proportions`.
    """
    from statsmodels.stats.meta_analysis import effectsize_2proportions

    trials = pd.DataFrame(
        [
            (1, "Aronson", 1948, 44, 4, 119, 11, 128),
            (2, "Ferguson & Simes", 1949, 55, 6, 300, 29, 274),
            (3, "Rosenthal et al", 1960, 42, 3, 228, 11, 209),
            (4, "Hart & Sutherland", 1977, 52, 62, 13536, 248, 12619),
            (5, "Frimodt-Moller et al", 1973, 13, 33, 5036, 47, 5761),
            (6, "Stein & Aronson", 1953, 44, 180, 1361, 372, 1079),
            (7, "Vandiviere et al", 1973, 19, 8, 2537, 10, 619),
            (8, "TPT Madras", 1980, 13, 505, 87886, 499, 87892),
            (9, "Coetzee & Berjak", 1968, 27, 29, 7470, 45, 7232),
            (10, "Rosenthal et al", 1961, 42, 17, 1699, 65, 1600),
            (11, "Comstock et al", 1974, 18, 186, 50448, 141, 27197),
            (12, "Comstock & Webster", 1969, 33, 5, 2493, 3, 2338),
            (13, "Comstock et al", 1976, 33, 27, 16886, 29, 17825),
        ],
        columns=["trial", "author", "year", "latitude", "tpos", "tneg", "cpos", "cneg"],
    )
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
