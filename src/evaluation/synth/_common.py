"""Shared pieces of the synthetic control package: panel checks, simplex weights, fit helpers.

Examples
--------
>>> import numpy as np
>>> np.round(simplex_least_squares(np.eye(2), np.array([0.5, 0.5])), 3).tolist()
[0.5, 0.5]
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from evaluation.results import (
    require_columns,
    require_no_missing,
    require_numeric,
    require_time,
    require_unique,
)

__all__ = ["MIN_DONORS", "MIN_PRE_PERIODS", "PENALTY", "Predictor", "simplex_least_squares"]

#: A predictor is a column averaged over the pre-period, or ``(column, periods)``.
Predictor = str | tuple[str, Sequence[Any]]

#: Fewest pre-treatment periods accepted; fewer cannot show whether the fit is good.
MIN_PRE_PERIODS = 3
#: Weight of the adding-up row in the augmented non-negative least squares problem.
PENALTY = 1e4
#: Fewest donors accepted; with one donor there is no weighting and no placebo test.
MIN_DONORS = 2

_SE_NOTE = (
    "No standard error: synthetic control has one treated unit and no sampling model, "
    "so se and the confidence interval are NaN. Use placebo() for a permutation p-value."
)


# --------------------------------------------------------------------------- weights
def simplex_least_squares(donors: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Weights ``w >= 0`` with ``sum(w) = 1`` minimising ``||target - donors @ w||^2``.

    The problem is rescaled to unit root-mean-square and solved by scipy's
    non-negative least squares (an exact active-set method) on the system
    augmented with the row ``PENALTY * sum(w) = PENALTY``, which enforces the
    adding-up constraint to about ``1 / PENALTY**2``; the weights are then
    rescaled to sum to exactly one. Should the active-set method fail to
    finish, SLSQP with the analytic gradient solves the constrained problem.

    Parameters
    ----------
    donors
        Array of shape ``(rows, J)``: one column per donor.
    target
        Array of shape ``(rows,)``: the treated unit.

    Returns
    -------
    numpy.ndarray
        The ``J`` weights.

    Examples
    --------
    >>> import numpy as np
    >>> w = simplex_least_squares(np.array([[0.0, 2.0], [0.0, 2.0]]), np.array([1.0, 1.0]))
    >>> np.round(w, 4).tolist()
    [0.5, 0.5]
    """
    donors, target = np.asarray(donors, dtype=float), np.asarray(target, dtype=float)
    if donors.ndim != 2 or target.ndim != 1 or donors.shape[0] != target.shape[0]:
        raise ValueError(
            f"donors must be (rows, J) and target (rows,) with the same rows; got "
            f"{donors.shape} and {target.shape}."
        )
    if donors.shape[1] == 0 or donors.shape[0] == 0:
        raise ValueError(f"There is nothing to weight: donors has shape {donors.shape}.")
    if not (np.isfinite(donors).all() and np.isfinite(target).all()):
        raise ValueError("donors and target must be finite numbers (no missing or infinite).")
    scale = float(np.sqrt(np.mean(np.square(target)))) or 1.0
    a, b = donors / scale, target / scale
    augmented = np.vstack([a, np.full(a.shape[1], PENALTY)])
    try:
        weights, _ = optimize.nnls(augmented, np.append(b, PENALTY), maxiter=100 * a.shape[1])
    except RuntimeError:
        weights = _slsqp_weights(a, b)
    if weights.sum() <= 0:
        weights = _slsqp_weights(a, b)
    return np.asarray(weights / weights.sum())


def _slsqp_weights(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The same problem by SLSQP: slower, used only if the active-set method fails."""
    n_donors = a.shape[1]

    def loss(w: np.ndarray) -> float:
        return 0.5 * float(np.sum(np.square(a @ w - b)))

    def gradient(w: np.ndarray) -> np.ndarray:
        return np.asarray(a.T @ (a @ w - b))

    result = optimize.minimize(
        loss,
        np.full(n_donors, 1.0 / n_donors),
        jac=gradient,
        method="SLSQP",
        bounds=optimize.Bounds(0.0, 1.0),
        constraints=optimize.LinearConstraint(np.ones((1, n_donors)), 1.0, 1.0),
        options={"ftol": 1e-12, "maxiter": 2000},
    )
    if not result.success:
        warnings.warn(
            f"The weight optimiser did not converge ({result.message}); "
            "the weights may not be the best fit.",
            RuntimeWarning,
            stacklevel=3,
        )
    return np.clip(np.asarray(result.x), 0.0, None)


def _predictor_weights(
    x_treated: np.ndarray, x_donors: np.ndarray, y_treated: np.ndarray, y_donors: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Abadie et al.'s nested choice: predictor importances ``v`` that make outcomes fit best.

    For given importances the donor weights match the predictors; the
    importances (non-negative, summing to one, parametrised by a softmax) are
    chosen by Nelder-Mead to minimise the pre-period outcome MSPE.
    """
    spread = np.std(np.column_stack([x_donors, x_treated]), axis=1)
    spread[spread == 0] = 1.0
    xd, xt = x_donors / spread[:, None], x_treated / spread

    def weights_for(theta: np.ndarray) -> np.ndarray:
        v = np.exp(theta - theta.max())
        root = np.sqrt(v / v.sum())
        return simplex_least_squares(xd * root[:, None], xt * root)

    def outcome_loss(theta: np.ndarray) -> float:
        return float(np.mean(np.square(y_treated - y_donors @ weights_for(theta))))

    start = np.zeros(len(xt))
    if len(xt) == 1:
        return weights_for(start), np.ones(1)
    best = optimize.minimize(outcome_loss, start, method="Nelder-Mead", options={"maxiter": 400})
    v = np.exp(best.x - best.x.max())
    return weights_for(best.x), v / v.sum()


# --------------------------------------------------------------------------- validation
def _validate(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated_unit: Any,
    treatment_time: Any,
    predictors: Sequence[str],
    design: str = "synthetic control",
) -> pd.DataFrame:
    """Check the panel and return the outcome as a balanced ``time x unit`` table.

    ``treated_unit`` is one unit, or a list of them (every one must be in the
    data); ``design`` names the estimator in the messages.
    """
    require_columns(data, {"outcome": outcome, "unit": unit, "time": time})
    require_columns(data, {f"predictors[{i}]": p for i, p in enumerate(predictors)})
    require_numeric(data, [outcome, *predictors])
    require_time(data, time)
    require_no_missing(data, [unit, time, outcome, *predictors])
    require_unique(data, [unit, time])
    units = list(pd.unique(data[unit]))
    treated = treated_unit if isinstance(treated_unit, list) else [treated_unit]
    missing = [u for u in treated if u not in set(units)]
    if not treated or missing:
        named = (
            f"treated_unit names {missing or 'no unit'}"
            if isinstance(treated_unit, list)
            else f"treated_unit={treated_unit!r}"
        )
        raise ValueError(f"{named} not found in column {unit!r}; units include {units[:5]}.")
    wide = data.pivot(index=time, columns=unit, values=outcome).sort_index()
    _require_balanced(wide, unit=unit, time=time)
    n_pre = int((wide.index < treatment_time).sum())
    if n_pre < MIN_PRE_PERIODS:
        raise ValueError(
            f"Only {n_pre} period(s) of {time!r} fall before treatment_time={treatment_time!r}; "
            f"{design} needs at least {MIN_PRE_PERIODS} to judge the pre-period fit."
        )
    if n_pre == len(wide):
        raise ValueError(
            f"No period of {time!r} is at or after treatment_time={treatment_time!r}: "
            "there is nothing to estimate."
        )
    n_donors = wide.shape[1] - len(treated)
    if n_donors < MIN_DONORS:
        raise ValueError(
            f"Only {n_donors} donor unit(s) besides {treated_unit!r} in column {unit!r}; "
            f"{design} needs at least {MIN_DONORS}."
        )
    return wide


def _require_balanced(wide: pd.DataFrame, *, unit: str, time: str) -> None:
    """Refuse a panel in which some unit lacks some period, naming them."""
    gaps = wide.isna()
    if gaps.to_numpy().any():
        missing = gaps.sum()
        missing = missing[missing > 0]
        shown = ", ".join(f"{u!r} ({n} missing)" for u, n in missing.head(5).items())
        raise ValueError(
            f"The panel is unbalanced: {len(missing)} value(s) of {unit!r} lack some periods of "
            f"{time!r}: {shown}. Synthetic control needs every unit in every period."
        )


def _predictor_label(spec: Predictor) -> str:
    if isinstance(spec, str):
        return spec
    column, periods = spec
    return f"{column} ({', '.join(str(p) for p in periods)})"


def _predictor_means(
    data: pd.DataFrame, *, unit: str, time: str, predictors: Sequence[Predictor], before: Any
) -> pd.DataFrame:
    """Mean of each predictor over the pre-period or its own periods: ``predictor x unit``."""
    rows = {}
    for spec in predictors:
        column, periods = (spec, None) if isinstance(spec, str) else spec
        chosen = data[time] < before if periods is None else data[time].isin(list(periods))
        if periods is not None and not data.loc[chosen, time].lt(before).all():
            raise ValueError(f"Predictor {_predictor_label(spec)} uses periods after treatment.")
        if periods is not None and data.loc[chosen, time].nunique() != len(set(periods)):
            raise ValueError(f"Predictor {_predictor_label(spec)} names periods not in {time!r}.")
        rows[_predictor_label(spec)] = data.loc[chosen].groupby(unit)[column].mean()
    return pd.DataFrame(rows).T


# --------------------------------------------------------------------------- fitting
def _fit_one(
    wide: pd.DataFrame,
    treated: Any,
    donors: list[Any],
    pre: np.ndarray,
    means: pd.DataFrame | None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Donor weights (and predictor importances) for one treated unit."""
    y_treated = wide[treated].to_numpy()[pre]
    y_donors = wide[donors].to_numpy()[pre]
    if means is None:
        return simplex_least_squares(y_donors, y_treated), None
    return _predictor_weights(
        means[treated].to_numpy(), means[donors].to_numpy(), y_treated, y_donors
    )


def _warn_on_poor_support(
    wide: pd.DataFrame,
    treated: Any,
    donors: list[Any],
    pre: np.ndarray,
    means: pd.DataFrame | None,
) -> None:
    """Warn when no weighted average of donors can match the treated unit, or a
    predictor is the same for every unit (so it cannot guide the weights)."""
    y_treated, y_donors = wide[treated].to_numpy()[pre], wide[donors].to_numpy()[pre]
    above = y_treated > y_donors.max(axis=1)
    below = y_treated < y_donors.min(axis=1)
    outside = int((above | below).sum())
    if outside:
        warnings.warn(
            f"The treated unit lies outside the donors' range in {outside} of {int(pre.sum())} "
            "pre-treatment periods (above every donor or below every donor), so no "
            "weighted average of donors can match it there: the fit will be poor and the "
            "gap after treatment partly reflects that, not the policy. Consider donors "
            "on both sides, outcomes in changes, or a difference-in-differences design.",
            UserWarning,
            stacklevel=3,
        )
    if means is not None:
        constant = [str(p) for p in means.index if means.loc[p].nunique() < 2]
        if constant:
            warnings.warn(
                f"Predictor(s) {constant} take the same value for every unit, so they "
                "cannot guide the weights; drop them.",
                UserWarning,
                stacklevel=3,
            )


def _rmspe(gap: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(gap))))
