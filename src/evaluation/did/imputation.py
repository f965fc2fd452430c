"""Borusyak, Jaravel and Spiess (2024) imputation estimator for staggered adoption.

Three steps (BJS, Theorem 2): fit unit and period fixed effects on the
untreated observations only (never treated, and not yet treated); impute each
treated unit-period's untreated outcome from them; average the differences
between the observed and imputed outcomes, over all treated unit-periods (the
headline) and by periods since adoption. With unit and period effects only, the
point estimates equal Gardner's two-stage estimator (``did2s``).

Standard errors are BJS's conservative clustered variance (Theorem 3): every
estimate is a weighted sum of outcomes, ``sum v_it Y_it``, and its variance is
estimated by ``sum over clusters of (sum v_it e_it)^2``, where ``e_it`` is the
untreated model's residual for untreated observations and, for treated ones,
the imputed effect minus the average imputed effect of its cohort in that
period (their auxiliary model). The pre-trend test is their Test 1: on the
untreated observations alone, regress the outcome on unit and period effects
and indicators for the ``leads`` periods before adoption; a Wald test that the
indicators are all zero, clustered as the estimates are.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import stats

from evaluation.did._checks import cohort_panel, shown
from evaluation.did._common import DEFAULT_SOURCE, WaldTest, _event_plot, _interval_columns
from evaluation.did._within import fit_within
from evaluation.results import (
    CopiedFrame,
    Result,
    headline,
    require_whole,
    tidy_columns,
)

__all__ = ["ImputationResult", "imputation"]


@dataclass(frozen=True, kw_only=True)
class ImputationResult(Result):
    """Borusyak-Jaravel-Spiess imputation estimates, their SEs and the pre-trend test.

    The headline is the average effect over all treated unit-periods. ``effects``
    has one row per period since adoption (``event_time`` 0, 1, ...) with the
    number of treated unit-periods averaged (``n_treated``); ``leads`` has the
    pre-adoption coefficients of the Test 1 regression on untreated observations.
    """

    n_treated: int = 0
    _effects: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    _leads: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    _pretrend: WaldTest = WaldTest(float("nan"), 0, float("nan"))

    effects = CopiedFrame(
        "_effects",
        "Effects by periods since adoption, with ``event_time, estimate, se``... (a copy).",
    )
    leads = CopiedFrame("_leads", "Pre-adoption coefficients of the Test 1 regression (a copy).")

    def pretrend_test(self) -> WaldTest:
        """BJS Test 1: joint Wald test that the pre-adoption indicators are all zero."""
        return self._pretrend

    def tidy(self) -> pd.DataFrame:
        """The overall effect, then one row per event time (leads, then horizons)."""
        table = pd.concat([self._leads, self._effects], ignore_index=True)
        table["term"] = [f"event time {e:g}" for e in table["event_time"]]
        table["n_obs"] = self.n_obs
        rows = tidy_columns(
            table,
            {c: c for c in ("term", "estimate", "se", "ci_low", "ci_high", "p_value", "n_obs")},
            "event_time",
            "n_treated",
        )
        return pd.concat([super().tidy(), rows], ignore_index=True)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Pre-adoption coefficients (Test 1) and post-adoption effects with ``level`` intervals.

        The effect (outcome units) by periods since adoption, titled, labelled and with a
        source line. To put other words on it (your own data source, say), call
        :func:`evaluation.report.style.finish` on the returned axes.
        """
        effects = pd.concat([self._leads, self._effects], ignore_index=True)
        return _event_plot(
            effects,
            ax,
            title="Event study: imputation estimates by time since adoption",
            xlabel="Periods since adoption (event time)",
            ylabel="Estimated effect (outcome units)",
            source=DEFAULT_SOURCE,
            band=False,
            level=self.level,
        )


class _TwoWay:
    """Least squares on unit and period dummies over the untreated cells, by a Schur complement.

    ``cells`` is the units x periods 0/1 matrix of untreated observations. The
    unit block of the normal equations is diagonal, so it is eliminated and only
    a (periods - 1)-square system is solved (the first period's effect is zero).
    """

    def __init__(self, cells: np.ndarray) -> None:
        self.cells = cells
        self.per_unit = cells.sum(axis=1)
        schur = np.diag(cells.sum(axis=0)) - cells.T @ (cells / self.per_unit[:, None])
        self.schur = schur[1:, 1:]
        if np.linalg.matrix_rank(self.schur) < self.schur.shape[0]:
            raise ValueError(
                "The untreated observations do not link every unit and period, so the unit "
                "and period effects of the untreated outcome cannot all be estimated."
            )

    def solve(self, by_unit: np.ndarray, by_period: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unit and period coefficients given the right-hand sides ``Z0'b`` split by block."""
        scaled = by_unit / self.per_unit[:, None]
        rhs = by_period - self.cells.T @ scaled
        periods = np.zeros_like(by_period)
        periods[1:] = np.linalg.solve(self.schur, rhs[1:])
        units = scaled - (self.cells @ periods) / self.per_unit[:, None]
        return units, periods


def _sums(codes: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Column sums of ``values`` within each code: a ``size`` x columns array."""
    return np.column_stack(
        [np.bincount(codes, weights=values[:, j], minlength=size) for j in range(values.shape[1])]
    )


def _pretrend(
    frame: pd.DataFrame, event: pd.Series, *, outcome: str, unit: str, time: str, cluster: str,
    leads: int | None, level: float,
) -> tuple[pd.DataFrame, WaldTest]:  # fmt: skip
    """Test 1 of BJS on untreated rows: outcome on unit and period effects and lead dummies."""
    available = np.sort(event.dropna().unique())[::-1]
    # The indicators of every pre-adoption period sum to the treated units' own effects,
    # so the most distant period is always left out as the reference.
    chosen = available[: len(available) - 1 if leads is None else leads]
    empty = pd.DataFrame(columns=["event_time", "estimate", "se", "ci_low", "ci_high", "p_value"])
    if len(chosen) == 0:
        return empty, WaldTest(float("nan"), 0, float("nan"))
    dummies = np.column_stack([(event == e).to_numpy(dtype=float) for e in chosen])
    try:
        fit = fit_within(
            frame[outcome].to_numpy(dtype=float), dummies, [f"lead {e:g}" for e in chosen],
            unit_codes=pd.factorize(frame[unit])[0], time=frame[time],
            clusters=pd.factorize(frame[cluster])[0],
        )  # fmt: skip
    except ValueError as error:
        raise ValueError(
            f"The pre-trend regression with leads at event times {shown(chosen)} is not "
            "identified on the untreated observations (all the periods before adoption "
            f"together are collinear with the unit effects); set leads= below {len(available)}."
        ) from error
    k = len(chosen)
    params, cov = np.asarray(fit.results.params)[:k], np.asarray(fit.results.cov_params())[:k, :k]
    table = pd.DataFrame(
        {"event_time": chosen, "estimate": params, "se": np.sqrt(np.diag(cov))}
    ).sort_values("event_time", ignore_index=True)
    _interval_columns(table, level)
    statistic = float(params @ np.linalg.solve(cov, params))
    return table, WaldTest(statistic, k, float(stats.chi2.sf(statistic, k)))


def imputation(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    leads: int | None = None,
    cluster: str | None = None,
    level: float = 0.95,
) -> ImputationResult:
    """Borusyak, Jaravel and Spiess (2024) imputation estimator of staggered effects.

    Fits unit and period fixed effects on untreated observations only (never
    treated and not yet treated), imputes the untreated outcome of every treated
    unit-period, and averages the differences: over all treated unit-periods
    (the headline) and by periods since adoption. Standard errors are BJS's
    conservative clustered ones (Theorem 3); the pre-trend test is their Test 1.

    Parameters
    ----------
    data
        Balanced long panel: one row per unit and period.
    outcome, unit, time
        Outcome, unit identifier and period columns.
    cohort
        First period each unit is treated; 0 or missing for never treated.
    leads
        Number of pre-adoption periods tested for pre-trends (the last ``leads``
        before adoption); ``None`` tests every pre-adoption period but the most
        distant one, which is the reference; 0 tests none.
    cluster
        Column defining clusters; default ``unit``.
    level
        Confidence level.

    Returns
    -------
    ImputationResult

    Raises
    ------
    ValueError
        On absent, non-numeric or missing columns, duplicate unit-periods, an
        unbalanced panel, a cohort that varies within a unit, no treated or no
        untreated observations, or leads the untreated rows cannot identify.

    Examples
    --------
    >>> from evaluation.simulate.did import staggered_adoption
    >>> panel = staggered_adoption(n_units=200, seed=1)
    >>> fit = imputation(panel, outcome="outcome", unit="unit", time="time", cohort="cohort")
    >>> abs(fit.estimate - panel.attrs["true_effect"]) < 4 * fit.se
    True
    >>> fit.pretrend_test().p_value > 0.01
    True
    """
    if leads is not None:
        leads = require_whole("leads", leads, minimum=0)
    data, first = cohort_panel(
        data, outcome=outcome, unit=unit, time=time, cohort=cohort, cluster=cluster
    )
    start = data[unit].map(first).astype(float)
    treated = (data[time] >= start).to_numpy()
    if not treated.any():
        raise ValueError(f"No unit is ever treated according to {cohort!r}; nothing to impute.")
    notes: list[str] = []
    untreated_periods = set(data.loc[~treated, time])
    lost = treated & ~data[time].isin(untreated_periods).to_numpy()
    if lost.any():
        note = (
            f"{int(lost.sum())} treated rows in periods with no untreated unit (e.g. "
            f"{shown(sorted(set(data.loc[lost, time])))}) cannot be imputed and were dropped."
        )
        warnings.warn(note, UserWarning, stacklevel=2)
        notes.append(note)
        keep = ~lost
        data, start, treated = data.loc[keep], start.loc[keep], treated[keep]
    unit_codes = pd.factorize(data[unit])[0]
    period_codes = pd.factorize(data[time], sort=True)[0]
    n_units, n_periods = int(unit_codes.max()) + 1, int(period_codes.max()) + 1
    cells = np.zeros((n_units, n_periods))
    cells[unit_codes[~treated], period_codes[~treated]] = 1.0
    model = _TwoWay(cells)
    y = data[outcome].to_numpy(dtype=float)

    # Step 1: the untreated model; step 2: impute and difference.
    y0 = np.where(treated, 0.0, y)[:, None]
    alpha, beta = model.solve(_sums(unit_codes, y0, n_units), _sums(period_codes, y0, n_periods))
    residual = y - alpha[unit_codes, 0] - beta[period_codes, 0]
    tau = residual[treated]

    # Step 3: weights of each estimand on the treated rows (overall, then each horizon).
    event = (data[time] - start).to_numpy()
    horizons = np.sort(np.unique(event[treated]))
    w1 = np.column_stack([np.ones(treated.sum()), *[event[treated] == h for h in horizons]])
    w1 = w1 / w1.sum(axis=0)
    estimates = w1.T @ tau

    # Implied weights on untreated rows: v0 = -Z0 (Z0'Z0)^-1 Z1' w1 (BJS, eq. 5).
    a, b = model.solve(
        _sums(unit_codes[treated], w1, n_units), _sums(period_codes[treated], w1, n_periods)
    )
    v = np.zeros((len(y), w1.shape[1]))
    v[treated] = w1
    v[~treated] = -(a[unit_codes[~treated]] + b[period_codes[~treated]])

    # Auxiliary model: treated residual = imputed effect minus its cohort-by-period mean.
    cell = pd.Series(tau).groupby([start.to_numpy()[treated], period_codes[treated]])
    aux = residual.copy()
    aux[treated] = tau - cell.transform("mean").to_numpy()
    clusters = pd.factorize(data[cluster or unit])[0]
    scores = _sums(clusters, v * aux[:, None], int(clusters.max()) + 1)
    ses = np.sqrt((scores**2).sum(axis=0))

    counts = np.array([(event[treated] == h).sum() for h in horizons])
    effects = pd.DataFrame(
        {"event_time": horizons, "estimate": estimates[1:], "se": ses[1:], "n_treated": counts}
    )
    _interval_columns(effects, level)
    leads_table, test = _pretrend(
        data.loc[~treated], pd.Series(event[~treated]).where(np.isfinite(event[~treated])),
        outcome=outcome, unit=unit, time=time, cluster=cluster or unit, leads=leads, level=level,
    )  # fmt: skip
    return ImputationResult(
        outcome=outcome,
        **headline(float(estimates[0]), float(ses[0]), level),
        n_obs=len(data),
        method=f"Borusyak-Jaravel-Spiess imputation (clustered by {cluster or unit})",
        estimand="ATT (all treated unit-periods)",
        level=level,
        notes=tuple(notes),
        n_treated=int(treated.sum()),
        _effects=effects,
        _leads=leads_table,
        _pretrend=test,
    )
