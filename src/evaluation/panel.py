"""Panel association: one two-way fixed-effects regression of an outcome on an exposure.

Councils, schools or areas observed over several years, with an exposure that
varies within each of them (the share of care bought from independent homes, the
share of a council's pupils in academies). :func:`association` fits

``outcome ~ exposure + C(unit) + C(time)``

by OLS with standard errors clustered by unit. It is the library's one plain panel
fixed-effects regression, shared with :func:`evaluation.did.twfe` (which takes a 0/1
treatment, covariates, weights and other clusters): unit effects removed by the
within transformation, period effects as dummies, statsmodels for the fit, and the
cluster-robust small-sample factor of Stata's ``xtreg, fe`` and ``fixest`` (the unit
effects, nested in the clusters, are not counted as regressors). It compares each
unit with itself over time, net of the shocks every unit shares in a year, so
fixed differences between units cannot explain the slope; anything that changes
within a unit and moves both the exposure and the outcome still can. Read it as
an association, not an effect: for a reform switched on at a date, use
:mod:`evaluation.did`.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from evaluation import panel
>>> rng = np.random.default_rng(0)
>>> df = pd.DataFrame({"la": np.repeat(np.arange(30), 4), "yr": np.tile(range(4), 30)})
>>> df["x"] = rng.normal(size=120)
>>> df["y"] = 2 * df["x"] + np.repeat(rng.normal(size=30), 4) + rng.normal(0, .1, 120)
>>> round(panel.association(df, outcome="y", exposure="x", unit="la", time="yr").estimate, 1)
2.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.did._within import fit_within, residualise
from evaluation.results import Result, headline, require_frame

__all__ = ["PanelAssociation", "association"]

#: Within-unit variation of the exposure below this share of its overall spread
#: counts as none: the fixed effects absorb the exposure.
ABSORBED_SHARE = 1e-8


@dataclass(frozen=True, kw_only=True, eq=False)
class PanelAssociation(Result):
    """Within-unit association of an outcome with an exposure (two-way fixed effects).

    Attributes
    ----------
    exposure
        The exposure column.
    n_units, n_periods
        Units and periods contributing.
    within_sd
        Standard deviation of the exposure after removing unit and period
        means: the variation the slope is identified from.
    """

    exposure: str
    n_units: int
    n_periods: int
    within_sd: float


def association(
    data: pd.DataFrame,
    *,
    outcome: str,
    exposure: str,
    unit: str,
    time: str,
    level: float = 0.95,
) -> PanelAssociation:
    """Slope of ``outcome`` on ``exposure`` with unit and time fixed effects, clustered by unit.

    Parameters
    ----------
    data
        Long panel, one row per unit and period (unbalanced allowed).
    outcome, exposure
        Numeric columns: the outcome and the exposure whose slope is estimated.
    unit, time
        The unit and period columns (each becomes a set of fixed effects).
    level
        Confidence level of the interval.

    Returns
    -------
    PanelAssociation
        Headline: the slope (outcome units per exposure unit), with a
        unit-clustered standard error and a normal interval.

    Raises
    ------
    ValueError
        On an absent, non-numeric or missing column, duplicate unit-period rows,
        no unit with two periods, or an exposure that never changes within a
        unit (the fixed effects absorb it, so no slope can be estimated).
    """
    columns = {"outcome": outcome, "exposure": exposure, "unit": unit, "time": time}
    require_frame(data, columns, numeric=[outcome, exposure], keys=[unit, time])
    frame = data[[outcome, exposure, unit, time]].reset_index(drop=True)
    counts = frame.groupby(unit)[time].transform("size")
    if (counts < 2).all():
        raise ValueError(f"Every unit of {unit!r} has one period: no within-unit variation.")
    unit_codes = pd.factorize(frame[unit])[0]
    x = frame[exposure].to_numpy(dtype=float)
    residual = residualise(x, unit_codes, frame[time])
    within_sd = float(np.std(residual, ddof=1))
    if within_sd <= ABSORBED_SHARE * max(float(frame[exposure].std(ddof=1)), 1e-300):
        raise ValueError(
            f"exposure={exposure!r} does not change within any unit of {unit!r} once period "
            "effects are removed: the fixed effects absorb it and no slope can be estimated."
        )
    fit = fit_within(
        frame[outcome].to_numpy(dtype=float),
        x[:, None],
        [exposure],
        unit_codes=unit_codes,
        time=frame[time],
        clusters=unit_codes,
    ).results
    return PanelAssociation(
        **headline(float(fit.params[0]), float(fit.bse[0]), level),
        n_obs=len(frame),
        method=f"Panel regression, {unit} and {time} fixed effects, {unit}-clustered SE",
        estimand=f"within-{unit} slope of {outcome} on {exposure}",
        level=level,
        notes=(f"{int((counts < 2).sum())} single-period rows add nothing to the slope",),
        outcome=outcome,
        exposure=exposure,
        n_units=int(frame[unit].nunique()),
        n_periods=int(frame[time].nunique()),
        within_sd=within_sd,
    )
