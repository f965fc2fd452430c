"""Fixed-effects regressions for the DiD estimators: unit within-transformation plus time dummies.

Unit effects are removed by subtracting each unit's (weighted) mean, which gives
exactly the coefficients of a regression with a dummy for every unit (the
Frisch-Waugh-Lovell theorem); time effects enter as dummies. The regression
and its cluster-robust covariance are fitted by statsmodels. Because the unit
dummies are absorbed, the small-sample factor counts the remaining
regressors plus one for the constant, as Stata's ``xtreg, fe`` and ``fixest``
(``pyfixest``) do when the unit effects are nested in the clusters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from evaluation.results import normal_interval

__all__ = [
    "WithinFit",
    "coefficient_frame",
    "fit_within",
    "implicit_weights",
    "residualise",
    "time_dummies",
]


@dataclass(frozen=True)
class WithinFit:
    """A fitted within regression: statsmodels results and the regressor names."""

    results: sm.regression.linear_model.RegressionResultsWrapper
    names: list[str]
    design: np.ndarray
    weights: np.ndarray


def demean(values: np.ndarray, codes: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Subtract each group's weighted mean from every column of ``values``."""
    values = values.reshape(len(codes), -1)
    totals = np.bincount(codes, weights=weights)
    out = np.empty_like(values, dtype=float)
    for j in range(values.shape[1]):
        means = np.bincount(codes, weights=weights * values[:, j]) / totals
        out[:, j] = values[:, j] - means[codes]
    return out


def time_dummies(time: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Dummies for every period but the first, with their names."""
    codes, levels = pd.factorize(time, sort=True)
    dummies = np.zeros((len(codes), len(levels) - 1))
    later = codes > 0
    dummies[np.flatnonzero(later), codes[later] - 1] = 1.0
    return dummies, [f"time={level}" for level in levels[1:]]


def residualise(
    values: np.ndarray, unit_codes: np.ndarray, time: pd.Series, weights: np.ndarray | None = None
) -> np.ndarray:
    """What is left of ``values`` once unit and time fixed effects are removed (the residual)."""
    w = np.ones(len(unit_codes)) if weights is None else weights
    dummies, _ = time_dummies(time)
    target = demean(values, unit_codes, w)[:, 0]
    if dummies.shape[1] == 0:
        return target
    design = demean(dummies, unit_codes, w)
    return np.asarray(sm.WLS(target, design, weights=w).fit(method="qr").resid, dtype=float)


def fit_within(
    y: np.ndarray,
    regressors: np.ndarray,
    names: list[str],
    *,
    unit_codes: np.ndarray,
    time: pd.Series,
    clusters: np.ndarray,
    weights: np.ndarray | None = None,
    cov_type: str = "cluster",
) -> WithinFit:
    """Regress ``y`` on ``regressors`` with unit and time fixed effects, clustered SEs.

    ``cov_type="classical"`` gives the conventional fixed-effects standard errors
    instead (homoskedastic, no clustering), with the residual degrees of freedom
    counting every unit effect: ``n - units - regressors - (periods - 1)``, as
    Stata's ``xtreg, fe`` and textbook fixed-effects tables report.

    Raises
    ------
    ValueError
        If a regressor is collinear with the fixed effects (or with the others).
    """
    w = np.ones(len(y)) if weights is None else weights
    dummies, dummy_names = time_dummies(time)
    design = demean(np.column_stack([regressors, dummies]), unit_codes, w)
    # A constant, orthogonal to the demeaned columns and estimated as zero, stands for the
    # absorbed unit effects in the small-sample factor (as Stata's xtreg and fixest count it).
    design = np.column_stack([design, np.ones(len(y))])
    outcome = demean(y, unit_codes, w)[:, 0]
    if np.linalg.matrix_rank(design.T @ (w[:, None] * design)) < design.shape[1]:
        raise ValueError(
            "The regressors are collinear with the unit and time fixed effects (or with each "
            f"other), so not all of {names} can be estimated. With no never-treated units a "
            "fully dynamic specification is not identified: bin the end points (window=) or "
            "add a comparison group."
        )
    model = sm.WLS(outcome, design, weights=w)
    if cov_type == "classical":
        # statsmodels counts the regressors and the constant; the absorbed unit effects
        # (one per unit, the constant standing for one of them) also use up residual df.
        n_units = len(np.unique(unit_codes))
        model.df_resid = model.df_resid - (n_units - 1)
        results = model.fit(method="qr")
    else:
        results = model.fit(
            method="qr", cov_type="cluster", cov_kwds={"groups": clusters, "use_correction": True}
        )
    return WithinFit(
        results=results, names=[*names, *dummy_names, "const"], design=design, weights=w
    )


def coefficient_frame(
    terms: list[str], estimates: np.ndarray, ses: np.ndarray, level: float
) -> pd.DataFrame:
    """Coefficients as rows of ``term, estimate, se, ci_low, ci_high, p_value`` (normal)."""
    bounds = np.array([normal_interval(b, s, level) for b, s in zip(estimates, ses, strict=True)])
    return pd.DataFrame(
        {
            "term": terms,
            "estimate": estimates,
            "se": ses,
            "ci_low": bounds[:, 0],
            "ci_high": bounds[:, 1],
            "p_value": bounds[:, 2],
        }
    )


def implicit_weights(
    design: np.ndarray, w: np.ndarray, d: np.ndarray, keys: pd.DataFrame
) -> pd.DataFrame:
    """Weights on treated cells: the treatment residualised on the fixed effects and controls.

    ``design`` holds the within-transformed treatment first and the other
    regressors after it; each treated row's weight is its weight sum ``w``
    times its residual, scaled to add up to one.
    """
    residual = sm.WLS(design[:, 0], design[:, 1:], weights=w).fit(method="qr").resid
    treated = d == 1
    share = w[treated] * residual[treated]
    out = keys.loc[treated].copy()
    out["weight"] = share / share.sum()
    return out.reset_index(drop=True)
