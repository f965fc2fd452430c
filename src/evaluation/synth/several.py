"""Synthetic control for several treated areas, and conformal intervals for an effect path.

:func:`~evaluation.synth.synthetic_control_several` fits a synthetic control to each treated
unit from the same donor pool (the units never treated), averages the gaps,
and judges the average by placebos: sets of donors, as many as there are
treated units, are fitted in the same way as if they had been treated, and
the average post-treatment gap of the treated units is ranked among theirs
(Cavallo, Galiani, Noy and Pantano 2013; Abadie 2021, Section 7).

:func:`~evaluation.synth.conformal_intervals` gives an interval for the effect in each
post-treatment period of a one-unit synthetic control by test inversion
(Chernozhukov, Wuthrich and Zhu 2021). For a period ``t`` and a candidate
effect ``a``, the treated outcome in ``t`` is lowered by ``a``, the weights
are refitted on the pre-period plus ``t`` (the null is imposed), and the
residual in ``t`` is ranked among all ``T0 + 1`` residuals; with one period
tested, the moving-block permutations are the ``T0 + 1`` cyclic shifts, so
the p-value is the share of residuals at least as large in absolute value.
The interval is the set of ``a`` with ``p > 1 - level``, found by bisection
outwards from the estimated gap (the connected set around it). Its coverage
rests on the residuals being exchangeable over time, not on a sampling model.

Examples
--------
>>> from evaluation.simulate import synth as sim
>>> panel = sim.panel(seed=1, n_donors=10, n_pre=12, n_post=3)
>>> fit = synthetic_control_several(panel, outcome="outcome", unit="unit", time="period",
...                                 treated_unit=["treated", "donor 01"], treatment_time=12,
...                                 replications=50, seed=1)
>>> fit.n_treated, fit.placebo_table.shape[0]
(2, 36)
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from evaluation.report import style
from evaluation.results import CopiedFrame, Result, no_interval, require_level, require_whole
from evaluation.synth._common import _validate, simplex_least_squares
from evaluation.synth.control import SyntheticControlResult

#: Most outward steps of the interval search before a bound is taken as infinite.
MAX_STEPS = 2000

__all__ = [
    "ConformalResult",
    "SeveralTreatedResult",
    "conformal_intervals",
    "synthetic_control_several",
]


def _gaps(wide: pd.DataFrame, units: list[Any], donors: list[Any], pre: np.ndarray) -> np.ndarray:
    """Gap paths (periods x units) of each unit against its simplex fit on ``donors``."""
    y0 = wide[donors].to_numpy()
    out = np.empty((len(wide), len(units)))
    for j, u in enumerate(units):
        pool = [d for d in donors if d != u]
        cols = [donors.index(d) for d in pool]
        weights = simplex_least_squares(y0[pre][:, cols], wide[u].to_numpy()[pre])
        out[:, j] = wide[u].to_numpy() - y0[:, cols] @ weights
    return out


def synthetic_control_several(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated_unit: list[Any],
    treatment_time: Any,
    replications: int = 1000,
    seed: int | None = None,
) -> SeveralTreatedResult:
    """Synthetic controls for several units treated at once; placebo test of the average.

    Parameters
    ----------
    data
        A tidy, balanced panel: one row per unit and period.
    outcome
        Numeric outcome column.
    unit
        Column identifying units.
    time
        Numeric or date column of periods.
    treated_unit
        The treated units (a list); every other unit is a donor to each.
    treatment_time
        First period under treatment, the same for every treated unit.
    replications
        Placebo sets drawn; when there are fewer possible sets, all are used.
    seed
        Seed of the placebo draws.

    Returns
    -------
    SeveralTreatedResult
        ``estimate`` is the average over treated units of their average
        post-treatment gap; ``p_value`` the placebo p-value (no SE).

    Raises
    ------
    ValueError
        As :func:`evaluation.synth.synthetic_control`, and for fewer than two
        treated units or fewer donors than treated units.

    Examples
    --------
    >>> from evaluation.simulate import synth as sim
    >>> panel = sim.panel(seed=2, n_donors=8, n_pre=12, n_post=3)
    >>> fit = synthetic_control_several(panel, outcome="outcome", unit="unit", time="period",
    ...                                 treated_unit=["treated", "donor 02"], treatment_time=12,
    ...                                 replications=20, seed=1)
    >>> fit.estimand
    'average post-treatment gap over treated units'
    """
    treated = list(dict.fromkeys(treated_unit)) if not isinstance(treated_unit, str) else []
    if len(treated) < 2:
        raise ValueError(
            "synthetic_control_several needs a list of two or more treated units; "
            "use synthetic_control for one."
        )
    replications = require_whole("replications", replications, minimum=1)
    spec = {"outcome": outcome, "unit": unit, "time": time, "treatment_time": treatment_time}
    wide = _validate(data, **spec, treated_unit=treated, predictors=[])
    donors = [u for u in wide.columns if u not in set(treated)]
    if len(donors) <= len(treated):
        raise ValueError(
            f"{len(donors)} donors for {len(treated)} treated units: the placebo test needs more."
        )
    pre = np.asarray(wide.index < treatment_time)
    treated_gaps = pd.DataFrame(_gaps(wide, treated, donors, pre), index=wide.index,
                                columns=treated)  # fmt: skip
    placebo_gaps = _gaps(wide, donors, donors, pre)
    effects = placebo_gaps[~pre].mean(axis=0)
    n_sets = math.comb(len(donors), len(treated))
    if n_sets <= replications:
        sets = [list(c) for c in itertools.combinations(range(len(donors)), len(treated))]
    else:
        rng = np.random.default_rng(seed)
        sets = [list(rng.choice(len(donors), len(treated), replace=False))
                for _ in range(replications)]  # fmt: skip
    averages = np.array([effects[s].mean() for s in sets])
    estimate = float(treated_gaps.to_numpy()[~pre].mean())
    extreme = int((np.abs(averages) >= abs(estimate) - 1e-12).sum())
    fields = no_interval(estimate)
    fields["p_value"] = (extreme + 1) / (len(sets) + 1)
    table = pd.DataFrame(
        {"units": [", ".join(str(donors[i]) for i in s) for s in sets], "average_gap": averages}
    )
    return SeveralTreatedResult(
        **fields,
        n_obs=int(wide.size),
        method="Synthetic control, several treated units",
        estimand="average post-treatment gap over treated units",
        notes=(
            f"p = (1 + placebo sets at least as extreme) / (1 + {len(sets)} sets of "
            f"{len(treated)} donors)"
            + (
                ", all possible sets." if n_sets <= replications else f", drawn with seed {seed}."
            ),  # fmt: skip
            "No standard error: inference is by placebo sets only.",
        ),
        outcome=outcome,
        unit=unit,
        treatment_time=treatment_time,
        n_treated=len(treated),
        _gaps=treated_gaps,
        _placebos=table,
    )


@dataclass(frozen=True, kw_only=True, eq=False)
class SeveralTreatedResult(Result):
    """Synthetic controls for several treated units and the placebo test of their average.

    Attributes
    ----------
    n_treated, treatment_time
        How many units were treated, and from when.
    gaps
        Gap path of each treated unit (periods by units), a copy.
    unit_effects
        Each treated unit's average post-treatment gap.
    placebo_table
        Each placebo set of donors and its average post-treatment gap, a copy.
    """

    unit: str
    treatment_time: Any
    n_treated: int
    _gaps: pd.DataFrame = field(repr=False)
    _placebos: pd.DataFrame = field(repr=False)

    gaps = CopiedFrame("_gaps", "Gap path of each treated unit (a copy).")
    placebo_table = CopiedFrame("_placebos", "Placebo sets and their average gaps (a copy).")

    @property
    def unit_effects(self) -> pd.Series:
        """Average post-treatment gap of each treated unit."""
        post = self._gaps.index >= self.treatment_time
        return self._gaps.loc[post].mean().rename("average_gap")

    @property
    def average_path(self) -> pd.Series:
        """Average gap over treated units, by period."""
        return self._gaps.mean(axis=1).rename("average_gap")

    def tidy(self) -> pd.DataFrame:
        """The average gap (with the placebo p-value), then one row per treated unit."""
        units = self.unit_effects
        rows = pd.DataFrame(
            {
                "term": [f"gap: {u}" for u in units.index],
                "estimate": units.to_numpy(),
                "se": math.nan,
                "ci_low": math.nan,
                "ci_high": math.nan,
                "p_value": math.nan,
                "n_obs": self.n_obs,
            }
        )
        return pd.concat([super().tidy(), rows], ignore_index=True)

    def summary(self) -> str:
        """Text report: the average gap, each unit's, the placebo p-value."""
        lines = [
            self.method,
            f"  {self.estimand}: {self.estimate:.4g} (placebo p = {self.p_value:.3g})",
            "  by unit: " + ", ".join(f"{u} {g:.3g}" for u, g in self.unit_effects.items()),
            f"  observations: {self.n_obs:,}",
        ]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Each treated unit's gap (thin) and their average (thick), treatment date dotted.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        ax = style.axes(ax, (7, 4.2))
        for u in self._gaps.columns:
            ax.plot(self._gaps.index, self._gaps[u], color="#9ecae1", lw=1)
        ax.plot(self._gaps.index, self.average_path, color="#0072B2", lw=2.4, label="Average")
        ax.axhline(0, color="#444444", lw=1)
        ax.axvline(self.treatment_time, color="#444444", lw=1, ls=":")
        ax.legend(frameon=False)
        return style.finish(
            ax,
            title="Each treated unit's gap and their average",
            xlabel="Time period",
            ylabel="Gap: treated minus synthetic (outcome units)",
            source=style.DEFAULT_SOURCE,
        )


# --------------------------------------------------------------------------- conformal
def _conformal_p(y1: np.ndarray, y0: np.ndarray, null: float) -> float:
    """p-value of ``effect = null`` in the last row: residual rank after refitting with it."""
    target = y1.copy()
    target[-1] -= null
    residuals = np.abs(target - y0 @ simplex_least_squares(y0, target))
    return float(np.mean(residuals >= residuals[-1] - 1e-12 * (1 + residuals[-1])))


def _bound(y1: np.ndarray, y0: np.ndarray, start: float, step: float, alpha: float,
           direction: float, tol: float) -> float:  # fmt: skip
    """Last accepted value outwards from ``start``: walk out in small steps, then bisect.

    The steps (a quarter of the pre-period RMSPE) are small so that the walk
    stops at the first rejected value rather than jumping over a dip in the
    p-value; after ``MAX_STEPS`` accepted steps the bound is taken as infinite.
    """
    inside = start
    for _ in range(MAX_STEPS):
        outside = inside + direction * step
        if not _accepts(y1, y0, outside, alpha):
            break
        inside = outside
    else:
        return math.inf * direction
    while abs(outside - inside) > tol:
        middle = (inside + outside) / 2
        if _accepts(y1, y0, middle, alpha):
            inside = middle
        else:
            outside = middle
    return (inside + outside) / 2


def _accepts(y1: np.ndarray, y0: np.ndarray, null: float, alpha: float) -> bool:
    """Whether the null is kept: ``p > alpha`` (with slack for ``1 - level`` rounding)."""
    return _conformal_p(y1, y0, null) > alpha + 1e-9


def conformal_intervals(result: SyntheticControlResult, *, level: float = 0.95) -> ConformalResult:
    """Conformal intervals for each post-period effect of a synthetic control.

    Parameters
    ----------
    result
        A one-unit fit from :func:`evaluation.synth.synthetic_control` matched
        on the outcome path (``predictors=None``); its weights are refitted
        under each null.
    level
        Confidence level; needs ``1 - level >= 1 / (T0 + 1)``. Each bound is
        found to within ``1e-4`` times the pre-period RMSPE.

    Returns
    -------
    ConformalResult

    Raises
    ------
    ValueError
        For a fit matched on predictors, or a level the pre-period cannot reach
        (``1 - level < 1 / (T0 + 1)``, when every candidate would be kept).

    Examples
    --------
    >>> from evaluation.simulate import synth as sim
    >>> from evaluation.synth import synthetic_control
    >>> panel = sim.panel(effect=-10.0, seed=1, n_donors=8, n_pre=19, n_post=2)
    >>> fit = synthetic_control(panel, outcome="outcome", unit="unit", time="period",
    ...                         treated_unit="treated", treatment_time=19)
    >>> table = conformal_intervals(fit, level=0.9).table
    >>> bool((table["ci_low"] < table["gap"]).all() and (table["gap"] < table["ci_high"]).all())
    True
    """
    level = require_level(level)
    alpha = 1 - level
    fit = result
    if fit.predictors:
        raise ValueError(
            "conformal_intervals refits the weights on the outcome path; the fit matched "
            f"predictors {list(fit.predictors)}: refit with predictors=None first."
        )
    wide = fit._wide
    donors = list(fit._weights.index)
    pre = np.asarray(wide.index < fit.treatment_time)
    if alpha < 1 / (pre.sum() + 1):
        raise ValueError(
            f"level={level} needs 1 - level >= 1/(T0 + 1) = 1/{pre.sum() + 1}: with "
            f"{pre.sum()} pre-periods the interval would be the whole line."
        )
    step = max(fit.pre_rmspe, 1e-9) / 4
    tol = step * 4e-4
    rows = []
    gaps = fit.paths["gap"]
    for period in wide.index[~pre]:
        mask = pre | (wide.index == period)
        y1, y0 = wide[fit.treated_unit].to_numpy()[mask], wide[donors].to_numpy()[mask]
        centre = float(gaps.loc[period])
        low = _bound(y1, y0, centre, step, alpha, -1.0, tol)
        high = _bound(y1, y0, centre, step, alpha, 1.0, tol)
        rows.append({"period": period, "gap": centre, "ci_low": low, "ci_high": high,
                     "p_zero": _conformal_p(y1, y0, 0.0)})  # fmt: skip
    table = pd.DataFrame(rows).set_index("period")
    return ConformalResult(
        **no_interval(float(table["gap"].mean())),
        n_obs=fit.n_obs,
        method="Synthetic control: conformal intervals by period (Chernozhukov et al. 2021)",
        estimand="average post-treatment gap",
        level=level,
        notes=(
            "Intervals are per period, by test inversion with the null imposed and the "
            f"weights refitted; bounds to within {tol:.2g}.",
        ),
        outcome=fit.outcome,
        treatment_time=fit.treatment_time,
        _table=table,
    )


@dataclass(frozen=True, kw_only=True, eq=False)
class ConformalResult(Result):
    """Conformal intervals for the effect in each post-treatment period.

    ``estimate`` is the average post-treatment gap (no interval: the intervals
    are per period, in ``table`` with the p-value of a zero effect).
    """

    treatment_time: Any
    _table: pd.DataFrame = field(repr=False)

    table = CopiedFrame("_table", "Gap, interval and p-value of no effect by period (a copy).")

    def tidy(self) -> pd.DataFrame:
        """The average gap, then one row per post-treatment period with its interval."""
        rows = self._table.reset_index()
        periods = pd.DataFrame(
            {
                "term": [f"gap {p}" for p in rows["period"]],
                "estimate": rows["gap"],
                "se": math.nan,
                "ci_low": rows["ci_low"],
                "ci_high": rows["ci_high"],
                "p_value": rows["p_zero"],
                "n_obs": self.n_obs,
            }
        )
        return pd.concat([super().tidy(), periods], ignore_index=True)

    def summary(self) -> str:
        """Text report: one line per period."""
        pct = round(self.level * 100)
        lines = [self.method, f"  {self.estimand}: {self.estimate:.4g}"]
        lines += [
            f"  {p}: {r.gap:.3g}, {pct}% interval [{r.ci_low:.3g}, {r.ci_high:.3g}], "
            f"p(no effect) = {r.p_zero:.2g}"
            for p, r in self._table.iterrows()
        ]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """The gap by period with its conformal interval as a band.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        ax = style.axes(ax, (7, 4.2))
        t = self._table
        ax.fill_between(t.index, t["ci_low"], t["ci_high"], color="#0072B2", alpha=0.2,
                        label=f"{round(self.level * 100)}% conformal interval")  # fmt: skip
        ax.plot(t.index, t["gap"], color="#0072B2", lw=2, marker="o", label="Gap")
        ax.axhline(0, color="#444444", lw=1)
        ax.legend(frameon=False)
        return style.finish(
            ax,
            title="The gap by period with its conformal interval",
            xlabel="Time period",
            ylabel="Gap: treated minus synthetic (outcome units)",
            source=style.DEFAULT_SOURCE,
        )
