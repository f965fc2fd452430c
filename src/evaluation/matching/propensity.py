"""The propensity score: the probability of treatment given the covariates (a statsmodels logit)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

from evaluation.matching._common import _prepare

__all__ = ["propensity_score"]


@dataclass(frozen=True)
class _Propensity:
    """A fitted logit: scores, its design (constant + standardised covariates), the fit."""

    scores: np.ndarray
    design: np.ndarray
    fit: Any

    def influence(self, treated: np.ndarray) -> np.ndarray:
        """Each unit's influence on the logit coefficients (n x k): n (X'WX)^-1 x_i (d_i - p_i)."""
        score = self.design * (treated - self.scores)[:, None]
        return score @ (np.asarray(self.fit.cov_params()) * len(treated))


def _fit_propensity(frame: pd.DataFrame, treatment: str, covariates: Sequence[str]) -> _Propensity:
    raw = frame[list(covariates)].to_numpy()
    standardised = (raw - raw.mean(axis=0)) / raw.std(axis=0)
    design = np.column_stack([np.ones(len(frame)), standardised])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        raise ValueError(
            f"The covariates {list(covariates)} are collinear (one is a combination of the "
            "others, or of a constant); drop the redundant one(s)."
        )
    treated = frame[treatment].to_numpy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PerfectSeparationWarning)
        warnings.simplefilter("always", ConvergenceWarning)
        fit = sm.Logit(treated, design).fit(disp=0, maxiter=100)
    scores = np.asarray(fit.predict(design))
    separated = any(issubclass(w.category, PerfectSeparationWarning) for w in caught)
    extreme = int(((scores < 1e-8) | (scores > 1 - 1e-8)).sum())
    if separated or not fit.mle_retvals.get("converged", True):
        raise ValueError(
            f"The propensity model for treatment={treatment!r} did not converge: the covariates "
            f"{list(covariates)} (almost) perfectly separate treated from control units, and "
            f"{extreme} row(s) have a score within 1e-8 of 0 or 1. Overlap fails there; coarsen "
            "or drop the covariate that separates the groups, or restrict the sample."
        )
    return _Propensity(scores=scores, design=design, fit=fit)


def propensity_score(data: pd.DataFrame, *, treatment: str, covariates: Sequence[str]) -> pd.Series:
    """The probability of treatment given the covariates, from a logit (statsmodels).

    The covariates enter linearly as given; add squares, interactions or
    indicators as columns to make the model richer. They are standardised before
    fitting (the scores do not change) to keep the optimisation well conditioned.

    Parameters
    ----------
    data
        One row per unit.
    treatment
        A 0/1 (or boolean) column.
    covariates
        Columns measured before treatment.

    Returns
    -------
    pandas.Series
        Named ``"propensity_score"``, indexed like ``data``.

    Raises
    ------
    ValueError
        Absent, non-numeric or missing columns; a non-binary treatment; a constant
        or collinear covariate; perfect separation (no overlap).

    Examples
    --------
    >>> from evaluation.simulate.matching import voluntary_programme
    >>> frame = voluntary_programme(n=500, seed=1)
    >>> score = propensity_score(frame, treatment="took_part", covariates=["age", "employed"])
    >>> bool(score.between(0, 1).all()), score.name
    (True, 'propensity_score')
    """
    frame = _prepare(data, treatment=treatment, covariates=covariates)
    fitted = _fit_propensity(frame, treatment, covariates)
    return pd.Series(fitted.scores, index=data.index, name="propensity_score")
