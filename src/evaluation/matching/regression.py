"""The experimental difference in means and the naive regression adjustment, for comparison."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm

from evaluation.matching._common import _prepare, _require_binary, _require_variation
from evaluation.matching.balance import Balance, _balance_table
from evaluation.matching.result import ObservationalResult, _series
from evaluation.results import (
    headline,
    require_columns,
    require_full_rank,
    require_no_missing,
    require_numeric,
)

__all__ = ["difference_in_means", "regression_adjustment"]


def _ols_result(
    fit: Any, treated: pd.Series, index: pd.Index, *, level: float, **fields: Any
) -> ObservationalResult:
    """The treatment coefficient (second parameter) of an unweighted OLS fit as a result."""
    d = treated.to_numpy()
    return ObservationalResult(
        **headline(float(fit.params[1]), float(fit.bse[1]), level),
        n_obs=len(d),
        level=level,
        treatment=str(treated.name),
        n_treated=int(d.sum()),
        n_control=int(len(d) - d.sum()),
        _propensity=_series(index, np.full(len(d), np.nan), "propensity_score"),
        _weights=_series(index, np.ones(len(d)), "weight"),
        _treated=_series(index, d == 1, "treated"),
        **fields,
    )


def difference_in_means(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    equal_variance: bool = True,
    level: float = 0.95,
) -> ObservationalResult:
    """Treated mean minus control mean: the estimator of a randomised experiment.

    The regression of the outcome on a constant and the treatment (statsmodels
    OLS). With ``equal_variance=True`` the standard error is the classical
    two-sample one with a pooled variance (OLS's non-robust SE); otherwise it is
    HC2, which for a binary regressor equals the unequal-variance (Welch/Neyman) SE.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"y": [1.0, 2.0, 3.0, 5.0], "d": [0, 0, 1, 1]})
    >>> round(difference_in_means(frame, outcome="y", treatment="d").estimate, 6)
    2.5
    """
    require_columns(data, {"outcome": outcome, "treatment": treatment})
    require_numeric(data, [outcome, treatment])
    require_no_missing(data, [outcome, treatment])
    _require_binary(data, treatment)
    frame = data.loc[:, [outcome, treatment]].astype(float)
    _require_variation(frame, outcome=outcome, treatment=treatment)
    d = frame[treatment].to_numpy()
    design = np.column_stack([np.ones_like(d), d])
    fit = sm.OLS(frame[outcome].to_numpy(), design).fit(
        cov_type="nonrobust" if equal_variance else "HC2"
    )
    se_kind = "pooled-variance (classical) SE" if equal_variance else "HC2 (Welch) SE"
    return _ols_result(
        fit,
        frame[treatment],
        data.index,
        level=level,
        method=f"Difference in means, {se_kind}",
        estimand="difference in means",
        outcome=outcome,
    )


def regression_adjustment(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    level: float = 0.95,
) -> ObservationalResult:
    """The treatment coefficient in an OLS of the outcome on treatment and covariates (HC1 SE).

    The "naive regression" of the LaLonde comparison: it adjusts for the covariates
    linearly and extrapolates freely where treated and controls do not overlap.

    Examples
    --------
    >>> from evaluation.simulate.matching import voluntary_programme
    >>> frame = voluntary_programme(n=1000, seed=1)
    >>> regression_adjustment(frame, outcome="reoffended", treatment="took_part",
    ...                       covariates=["age"]).estimand
    'ATE'
    """
    frame = _prepare(data, outcome=outcome, treatment=treatment, covariates=covariates)
    _require_variation(frame, outcome=outcome, treatment=treatment)
    d = frame[treatment].to_numpy()
    design = np.column_stack([np.ones_like(d), d, frame[list(covariates)].to_numpy()])
    require_full_rank(design, ["const", treatment, *covariates], "regression adjustment")
    fit = sm.OLS(frame[outcome].to_numpy(), design).fit(cov_type="HC1")
    table = _balance_table(frame, treatment, covariates, None)
    return _ols_result(
        fit,
        frame[treatment],
        data.index,
        level=level,
        method="Regression adjustment (OLS, HC1 SE)",
        estimand="ATE",
        notes=("a constant effect is assumed; covariates enter linearly",),
        outcome=outcome,
        covariates=tuple(covariates),
        _balance=Balance(treatment=treatment, weighted=False, _table=table),
    )
