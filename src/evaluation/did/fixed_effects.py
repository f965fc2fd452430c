"""The two-way fixed-effects regression.

With the implicit weight it gives each treated unit-period (some may be negative).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm

from evaluation.did._checks import check_binary, check_panel, check_weights, shown
from evaluation.did._within import fit_within
from evaluation.results import CopiedFrame, Result, headline, require_no_missing

__all__ = ["TwfeResult", "twfe"]


@dataclass(frozen=True, kw_only=True)
class TwfeResult(Result):
    """Two-way fixed effects: the coefficient on a 0/1 treatment with unit and time effects.

    ``cell_weights`` gives, for every treated unit-period, the weight the
    regression implicitly puts on its effect (de Chaisemartin and
    D'Haultfoeuille 2020). The weights sum to one; negative ones mean the
    estimate can take the wrong sign when effects vary over time or cohorts.
    """

    negative_weight_share: float = float("nan")
    _cell_weights: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    cell_weights = CopiedFrame(
        "_cell_weights", "Implicit weight of each treated unit-period (a copy)."
    )


def _absorbing(data: pd.DataFrame, *, unit: str, time: str, treatment: str) -> None:
    """Refuse a treatment that switches off within a unit."""
    ordered = data.sort_values([unit, time])
    drops = ordered.groupby(unit, sort=False)[treatment].diff() < 0
    if drops.any():
        units = ordered.loc[drops, unit].unique()
        raise ValueError(
            f"Column {treatment!r} switches from 1 back to 0 for {len(units)} unit(s) of "
            f"{unit!r} (e.g. {shown(units)}; rows {shown(ordered.index[drops])}). These "
            "estimators assume adoption is permanent (staggered adoption)."
        )


def twfe(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treatment: str,
    covariates: list[str] | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    level: float = 0.95,
) -> TwfeResult:
    """Two-way fixed-effects difference-in-differences.

    Regresses the outcome on the 0/1 treatment with unit and time fixed effects
    (unit effects by the within transformation, time effects as dummies),
    fitted by statsmodels with standard errors clustered by ``unit`` unless
    ``cluster`` names another column.

    Parameters
    ----------
    data
        Balanced long panel: one row per unit and period.
    outcome, unit, time
        Outcome, unit identifier and period columns.
    treatment
        0/1 column: treated in that period. Once on it must stay on.
    covariates
        Time-varying numeric controls.
    cluster
        Column defining clusters; default ``unit``.
    weights
        Positive weights.
    level
        Confidence level.

    Returns
    -------
    TwfeResult

    Raises
    ------
    ValueError
        On absent, non-numeric or missing columns, duplicate unit-periods, an
        unbalanced panel, a non-binary treatment or one that switches off.

    Examples
    --------
    >>> from evaluation.simulate.did import staggered_adoption
    >>> panel = staggered_adoption(n_units=120, effect_growth=0.0, seed=3)
    >>> fit = twfe(panel, outcome="outcome", unit="unit", time="time", treatment="treated")
    >>> abs(fit.estimate - panel.attrs["true_effect"]) < 4 * fit.se
    True
    """
    covariates = list(covariates or [])
    check_panel(
        data,
        unit=unit,
        time=time,
        numeric=[outcome, *covariates],
        columns={
            "outcome": outcome,
            "unit": unit,
            "time": time,
            "treatment": treatment,
            "cluster": cluster,
            "weights": weights,
        }
        | {f"covariates[{i}]": c for i, c in enumerate(covariates)},
    )
    require_no_missing(data, [treatment, *filter(None, [cluster])])
    check_weights(data, weights)
    d = check_binary(data, treatment)
    if d.min() == d.max():
        raise ValueError(f"Column {treatment!r} never varies; there is nothing to compare.")
    _absorbing(data, unit=unit, time=time, treatment=treatment)
    unit_codes = pd.factorize(data[unit])[0]
    clusters = pd.factorize(data[cluster])[0] if cluster else unit_codes
    w = None if weights is None else data[weights].to_numpy(dtype=float)
    fit = fit_within(
        data[outcome].to_numpy(dtype=float),
        np.column_stack([d, data[covariates].to_numpy(dtype=float)]),
        [treatment, *covariates],
        unit_codes=unit_codes,
        time=data[time],
        clusters=clusters,
        weights=w,
    )
    cell_weights = _implicit_weights(fit.design, fit.weights, d, data[[unit, time]])
    negative = float((cell_weights["weight"] < 0).mean())
    results = fit.results
    return TwfeResult(
        outcome=outcome,
        **headline(float(results.params[0]), float(results.bse[0]), level),
        n_obs=len(data),
        method=f"Two-way fixed effects (clustered by {cluster or unit})",
        estimand="TWFE coefficient",
        level=level,
        notes=(
            f"{negative:.0%} of treated unit-periods get a negative implicit weight "
            f"(sum {cell_weights.loc[cell_weights['weight'] < 0, 'weight'].sum():.3f}).",
        ),
        negative_weight_share=negative,
        _cell_weights=cell_weights,
    )


def _implicit_weights(
    design: np.ndarray, w: np.ndarray, d: np.ndarray, keys: pd.DataFrame
) -> pd.DataFrame:
    """Weights on treated cells: the treatment residualised on the fixed effects and controls."""
    residual = sm.WLS(design[:, 0], design[:, 1:], weights=w).fit(method="qr").resid
    treated = d == 1
    share = w[treated] * residual[treated]
    out = keys.loc[treated].copy()
    out["weight"] = share / share.sum()
    return out.reset_index(drop=True)
