"""The two-way fixed-effects regression.

With the implicit weight it gives each treated unit-period (some may be negative).
The treatment may switch on and off (a firm given a grant for one year, a council
that brings a service back in house): the regression is then the plain panel
fixed-effects regression of textbook panel chapters (Wooldridge, Example 14.1),
with every coefficient in ``TwfeResult.coefficients``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from evaluation.did._cells_panel import cell_table, twfe_cells
from evaluation.did._checks import check_binary, check_panel, check_weights
from evaluation.did._within import WithinFit, coefficient_frame, fit_within, implicit_weights
from evaluation.results import (
    CopiedFrame,
    Result,
    headline,
    require_level,
    require_no_missing,
    tidy_frame,
)

__all__ = ["TwfeResult", "twfe"]


@dataclass(frozen=True, kw_only=True)
class TwfeResult(Result):
    """Two-way fixed effects: the coefficient on a 0/1 treatment with unit and time effects.

    ``cell_weights`` gives, for every treated unit-period, the weight the
    regression implicitly puts on its effect (de Chaisemartin and
    D'Haultfoeuille 2020). The weights sum to one; negative ones mean the
    estimate can take the wrong sign when effects vary over time or cohorts.

    ``coefficients`` holds every coefficient of the regression: the treatment,
    each covariate and each period effect (relative to the first period), with
    standard errors of the kind asked for (``cov_type``). ``tidy()`` gives the
    treatment and the covariates. ``switches_off`` counts the units whose
    treatment goes from 1 back to 0.

    ``cells`` holds, for a fit on person-level records in an engine, the
    unit-by-period sums that left the engine (``None`` for a pandas panel).
    """

    switches_off: int = 0
    negative_weight_share: float = float("nan")
    _cell_weights: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    _coefficients: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    _cells: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    cell_weights = CopiedFrame(
        "_cell_weights", "Implicit weight of each treated unit-period (a copy)."
    )
    coefficients = CopiedFrame(
        "_coefficients", "Every coefficient (treatment, covariates, period effects), as a copy."
    )

    @property
    def cells(self) -> pd.DataFrame | None:
        """Unit-by-period sums a fit on records used, with the count ``n`` (a copy), or None."""
        return None if self._cells is None else self._cells.copy()

    def tidy(self) -> pd.DataFrame:
        """The treatment, then one row per covariate (period effects: ``coefficients``)."""
        table = self._coefficients
        rows = table.loc[~table["term"].str.startswith("time=")]
        frame = tidy_frame({name: rows[name] for name in ["term", "estimate", "se", "ci_low",
                                                          "ci_high", "p_value"]})  # fmt: skip
        frame["n_obs"] = self.n_obs
        return frame


def _switches_off(data: pd.DataFrame, *, unit: str, time: str, treatment: str) -> int:
    """Number of units whose treatment goes from 1 back to 0."""
    ordered = data.sort_values([unit, time])
    drops = ordered.groupby(unit, sort=False)[treatment].diff() < 0
    return int(ordered.loc[drops, unit].nunique())


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
    cov_type: Literal["cluster", "classical"] = "cluster",
    level: float = 0.95,
) -> TwfeResult:
    """Two-way fixed-effects difference-in-differences, or a plain panel fixed-effects regression.

    Regresses the outcome on the 0/1 treatment with unit and time fixed effects
    (unit effects by the within transformation, time effects as dummies),
    fitted by statsmodels with standard errors clustered by ``unit`` unless
    ``cluster`` names another column. The treatment may switch on and off;
    with more than one switch per unit the coefficient is still a weighted
    average of unit-period effects, with the weights in ``cell_weights``
    (de Chaisemartin and D'Haultfoeuille 2020); :func:`evaluation.did.switching`
    gives their estimator, which needs no such weights.

    Parameters
    ----------
    data
        Balanced long panel: one row per unit and period (a pandas frame). Or
        person-level records in another engine (a polars frame, a DuckDB
        relation, a PySpark DataFrame), several people per unit and period:
        they are summarised into unit-by-period cells where they live
        (:mod:`evaluation.cells`) and the person-level regression
        ``y_i = a_unit + g_time + b D_(unit, time) + e_i`` is solved exactly
        from the cells, standard errors included (no covariates; ``treatment``
        and ``cluster`` constant within each cell). ``cell_weights`` and
        ``switches_off`` then refer to the cells. People in a pandas frame go
        the same way as ``duckdb.from_df(frame)``.
    outcome, unit, time
        Outcome, unit identifier and period columns.
    treatment
        0/1 column: treated in that period. It may switch on and off.
    covariates
        Time-varying numeric controls (a lagged treatment, say).
    cluster
        Column defining clusters; default ``unit``.
    weights
        Positive weights.
    cov_type
        ``"cluster"`` (default): cluster-robust standard errors with the
        small-sample factor of Stata's ``xtreg, fe`` and ``fixest``.
        ``"classical"``: the conventional fixed-effects standard errors of
        textbook tables (homoskedastic, residual degrees of freedom net of
        every unit effect); ``cluster`` must then be left out.
    level
        Confidence level.

    Returns
    -------
    TwfeResult

    Raises
    ------
    ValueError
        On absent, non-numeric or missing columns, duplicate unit-periods, an
        unbalanced panel, a non-binary or constant treatment, or an unknown
        ``cov_type``.

    Examples
    --------
    >>> from evaluation.simulate.did import staggered_adoption
    >>> panel = staggered_adoption(n_units=120, effect_growth=0.0, seed=3)
    >>> fit = twfe(panel, outcome="outcome", unit="unit", time="time", treatment="treated")
    >>> abs(fit.estimate - panel.attrs["true_effect"]) < 4 * fit.se
    True

    A treatment that switches on and off, with its lag as a covariate:

    >>> from evaluation.simulate.did import switching_panel
    >>> sim = switching_panel(n_units=300, seed=2)
    >>> fit = twfe(sim, outcome="outcome", unit="unit", time="time", treatment="treated")
    >>> fit.switches_off > 0, abs(fit.estimate - sim.attrs["true_effect"]) < 4 * fit.se
    (True, True)

    People in areas, in a DuckDB relation: only the area-by-year cells leave DuckDB.

    >>> import duckdb
    >>> people = duckdb.sql(
    ...     "SELECT i % 6 AS area, 2020 + i // 6 % 4 AS year, "
    ...     "CAST(i % 6 < 3 AND i // 6 % 4 >= 2 AS INTEGER) AS reform, "
    ...     "i % 6 + i // 6 % 4 + 0.5 * reform + 0.1 * sin(i) AS y FROM range(2400) t(i)")
    >>> fit = twfe(people, outcome="y", unit="area", time="year", treatment="reform")
    >>> len(fit.cells), fit.n_obs, round(fit.estimate, 2)
    (24, 2400, 0.5)
    """
    if cov_type not in ("cluster", "classical"):
        raise ValueError(f"cov_type must be 'cluster' or 'classical'; it was {cov_type!r}.")
    if cov_type == "classical" and cluster is not None:
        raise ValueError("cluster= has no use with cov_type='classical' (no clustering).")
    if not isinstance(data, pd.DataFrame):
        return _twfe_on_records(
            data,
            outcome=outcome,
            unit=unit,
            time=time,
            treatment=treatment,
            covariates=covariates,
            cluster=cluster,
            weights=weights,
            cov_type=cov_type,
            level=level,
        )
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
    switches_off = _switches_off(data, unit=unit, time=time, treatment=treatment)
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
        cov_type=cov_type,
    )
    cell_weights = implicit_weights(fit.design, fit.weights, d, data[[unit, time]])
    results = fit.results
    return TwfeResult(
        outcome=outcome,
        **headline(float(results.params[0]), float(results.bse[0]), level),
        n_obs=len(data),
        method=f"Two-way fixed effects ({_kind(cov_type, cluster or unit)})",
        **_weight_fields(cell_weights, switches_off, unit),
        level=level,
        _cell_weights=cell_weights,
        _coefficients=_coefficient_table(fit, "TWFE coefficient", level),
    )


def _twfe_on_records(
    records: object,
    *,
    outcome: str,
    unit: str,
    time: str,
    treatment: str,
    covariates: list[str] | None,
    cluster: str | None,
    weights: str | None,
    cov_type: str,
    level: float,
) -> TwfeResult:
    """:func:`twfe` on person-level records in any engine, from unit-by-period cell sums."""
    if covariates:
        raise ValueError(
            "covariates need a pandas panel: records in another engine are summarised into "
            "unit-by-period cells, within which covariates are not constant."
        )
    checked_level = require_level(level)
    table = cell_table(
        records,
        outcome=outcome,
        unit=unit,
        time=time,
        treatment=treatment,
        cluster=cluster,
        weights=weights,
    )
    fields = twfe_cells(
        table,
        unit=unit,
        time=time,
        treatment=treatment,
        cluster=cluster,
        cov_type=cov_type,
        level=checked_level,
    )
    switches_off = _switches_off(fields["_cells"], unit=unit, time=time, treatment=treatment)
    cells_note = f"From {len(fields['_cells'])} {unit}-by-{time} cells of person-level records."
    return TwfeResult(
        outcome=outcome,
        **fields,
        method=f"Two-way fixed effects on cell sums ({_kind(cov_type, cluster or unit)})",
        **_weight_fields(fields["_cell_weights"], switches_off, unit, cells_note),
        level=level,
    )


def _kind(cov_type: str, cluster: str) -> str:
    """The standard errors' kind, for the method's name."""
    return "classical SEs" if cov_type == "classical" else f"clustered by {cluster}"


def _weight_fields(
    cell_weights: pd.DataFrame, switches_off: int, unit: str, *notes: str
) -> dict[str, Any]:
    """The estimand, the negative-weight share and the notes on weights and switching off.

    ``notes`` stand between the note on negative weights and the one on
    switching off.
    """
    negative_weights = cell_weights["weight"] < 0
    negative = float(negative_weights.mean())
    said = [
        f"{negative:.0%} of treated unit-periods get a negative implicit weight "
        f"(sum {cell_weights.loc[negative_weights, 'weight'].sum():.3f}).",
        *notes,
    ]
    if switches_off:
        said.append(f"The treatment switches off in {switches_off} unit(s) of {unit!r}.")
    return {
        "estimand": "TWFE coefficient",
        "notes": tuple(said),
        "switches_off": switches_off,
        "negative_weight_share": negative,
    }


def _coefficient_table(fit: WithinFit, first: str, level: float) -> pd.DataFrame:
    """Every coefficient but the stand-in constant, the treatment's named ``first``."""
    params = np.asarray(fit.results.params, dtype=float)[:-1]
    ses = np.asarray(fit.results.bse, dtype=float)[:-1]
    return coefficient_frame([first, *fit.names[1:-1]], params, ses, level)
