"""De Chaisemartin and D'Haultfoeuille's estimators for a treatment that switches on and off.

A council brings a service back in house, then contracts it out again; a firm
gets a grant one year and not the next. The two-way fixed-effects coefficient
is then a weighted average of unit-period effects with weights that can be
negative (de Chaisemartin and D'Haultfoeuille 2020). Their estimators compare
only like with like, between consecutive periods:

- ``DID_M`` (de Chaisemartin and D'Haultfoeuille 2020): in each pair of
  consecutive periods, the outcome change of units that switch on, minus that of
  units untreated in both periods (``DID_+``), and the outcome change of units
  treated in both periods minus that of units that switch off (``DID_-``);
  averaged over every switch, weighted by the number of switchers. It is the
  average instantaneous effect of the treatment over the switching unit-periods.
- ``DID_1`` (de Chaisemartin and D'Haultfoeuille 2024, effect 1 of
  ``did_multiplegt_dyn``): the same comparison for each unit's *first* switch
  only, against units with the same period-1 treatment that have not switched
  yet. It is robust to effects of past treatment (dynamic effects), which
  ``DID_M`` is not.

Switching off enters with its sign reversed, so every number is the effect of
being treated rather than untreated. A switch with no comparison unit in its
cell (no stayer with the same treatment) is left out and counted in the notes.

Standard errors are analytic, from each unit's influence on the estimate
(clustered by unit), as in ``did_multiplegt_dyn`` (de Chaisemartin and
D'Haultfoeuille 2024, and its R and Stata programs): each unit-period's outcome
change is centred on the mean of its cell (the switchers, or the stayers, of
that period and prior treatment), with a small-sample factor ``n / (n - 1)``
for a cell of ``n`` units, and the cell pooled with its switchers or stayers
when it holds one unit. They are conditional on the treatment paths. For
``DID_M`` the same formula is applied to its cells; the 2020 paper and its
``did_multiplegt`` program used the bootstrap instead.

Differences from the moderndid port of ``did_multiplegt_dyn``: it drops the
units of a period-1 treatment level with no never-switching unit, and it can
handle unbalanced panels, covariates and non-binary treatments; this module
needs a balanced panel and a 0/1 treatment, and uses not-yet-switched units as
comparisons whether or not a never-switcher exists.

Examples
--------
>>> from evaluation import did
>>> from evaluation.simulate.did import switching_panel
>>> sim = switching_panel(n_units=300, seed=4)
>>> fit = did.switching(sim, outcome="outcome", unit="unit", time="time", treatment="treated")
>>> abs(fit.estimate - sim.attrs["true_effect"]) < 4 * fit.se
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from evaluation.did._checks import check_binary, check_panel
from evaluation.did._common import DEFAULT_SOURCE, _bars
from evaluation.report import style
from evaluation.results import (
    CopiedFrame,
    Result,
    headline,
    normal_interval,
    require_columns,
    tidy_columns,
)

__all__ = ["SwitchingResult", "switching"]

#: The rows of :attr:`SwitchingResult.effects`, in order.
TERMS = ("DID_M", "DID_+ (switching on)", "DID_- (switching off)", "DID_1 (first switch)")


@dataclass(frozen=True, kw_only=True)
class SwitchingResult(Result):
    """De Chaisemartin-D'Haultfoeuille effects of a treatment that switches on and off.

    The headline is ``DID_M``, the average instantaneous effect over all
    switches. ``effects`` has one row per estimator (``TERMS``): ``DID_M``,
    its parts for switching on (``DID_+``) and off (``DID_-``), and ``DID_1``,
    the effect of each unit's first switch (effect 1 of ``did_multiplegt_dyn``),
    with ``n_switches`` (the switching unit-periods it averages over).

    Attributes
    ----------
    n_switches_on, n_switches_off
        Unit-periods switching on and off that have a comparison (used by ``DID_M``).
    n_dropped
        Switching unit-periods left out for want of a comparison unit.
    n_units
        Units in the panel.
    """

    n_switches_on: int = 0
    n_switches_off: int = 0
    n_dropped: int = 0
    n_units: int = 0
    _effects: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    effects = CopiedFrame("_effects", "One row per estimator, with its switch count (a copy).")

    def tidy(self) -> pd.DataFrame:
        """One row per estimator: ``DID_M``, ``DID_+``, ``DID_-``, ``DID_1``."""
        columns = {k: k for k in ["term", "estimate", "se", "ci_low", "ci_high", "p_value"]}
        frame = tidy_columns(self._effects, columns, "n_switches")
        frame["n_obs"] = self.n_obs
        return frame

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Each estimate (outcome units) with its ``level`` interval; a line at zero.

        The figure is titled, labelled and has a source line. To put other words on it (your
        own data source, say), call :func:`evaluation.report.style.finish` on the returned
        axes.
        """
        ax = style.axes(ax)
        table = self._effects.dropna(subset=["estimate"])
        x = np.arange(len(table))
        y = table["estimate"].to_numpy()
        bounds = table["ci_low"].to_numpy(), table["ci_high"].to_numpy()
        _bars(ax, x, y, bounds, fmt="o", color=style.PALETTE[3], elinewidth=3.5, capsize=0)
        ax.axhline(0, color="#333333", linewidth=1)
        ax.set_xticks(x, table["term"].tolist())
        return style.finish(
            ax,
            title="Effect of the treatment, by estimator",
            xlabel="Estimator (switching unit-periods)",
            ylabel="Estimated effect (outcome units)",
            source=DEFAULT_SOURCE,
        )


class _Estimate(NamedTuple):
    """One estimator's number, its standard error and how many switches it averages."""

    estimate: float
    se: float
    n_switches: int
    n_dropped: int


def _cell_centres(
    change: np.ndarray, base: np.ndarray, role: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's cell mean and small-sample factor (``did_multiplegt_dyn``'s ``E_hat``).

    A cell is a period, a prior treatment (``base``) and a role (1 switcher, 2
    stayer; 0 rows are in no cell). A cell of one unit borrows the pooled cell
    of its period and prior treatment; a pooled cell of one gets no centring.
    """
    n_rows, n_cols = change.shape
    used = role > 0
    column = np.broadcast_to(np.arange(n_cols), (n_rows, n_cols))[used]
    pool = 2 * column + base[used].astype(int)
    cell = 2 * pool + role[used] - 1
    dy = change[used]

    def size_and_mean(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        size = np.bincount(key, minlength=4 * n_cols)
        total = np.bincount(key, weights=dy, minlength=4 * n_cols)
        return size[key], total[key] / size[key]

    n_cell, cell_mean = size_and_mean(cell)
    n_pool, pool_mean = size_and_mean(pool)
    centre = np.where(n_cell >= 2, cell_mean, np.where(n_pool >= 2, pool_mean, 0.0))
    n = np.where(n_cell >= 2, n_cell, np.where(n_pool >= 2, n_pool, 0))
    factor = np.where(n >= 2, np.sqrt(n / np.maximum(n - 1, 1)), 1.0)
    centres, factors = np.zeros((n_rows, n_cols)), np.ones((n_rows, n_cols))
    centres[used], factors[used] = centre, factor
    return centres, factors


def _aggregate(
    change: np.ndarray, base: np.ndarray, switcher: np.ndarray, control: np.ndarray
) -> _Estimate:
    """Average of switchers' changes minus their cell's comparison changes, with its SE.

    ``change`` (units x period pairs) holds outcome changes; ``base`` the
    treatment the comparison is matched on; ``switcher`` and ``control`` mark
    the rows in each role. Switching off (``base == 1``) counts with its sign
    reversed. Returns NaN when no switch has a comparison.
    """
    n_cols = change.shape[1]
    n_switch = np.zeros((2, n_cols))
    n_control = np.zeros((2, n_cols))
    for level in (0, 1):
        n_switch[level] = (switcher & (base == level)).sum(axis=0)
        n_control[level] = (control & (base == level)).sum(axis=0)
    base_index = base.astype(int)
    cols = np.arange(n_cols)
    has_control = n_control[base_index, cols] > 0
    kept = switcher & has_control
    total = int(kept.sum())
    dropped = int((switcher & ~has_control).sum())
    if total == 0:
        return _Estimate(float("nan"), float("nan"), 0, dropped)
    sign = np.where(base == 1, -1.0, 1.0)
    ratio = n_switch[base_index, cols] / np.where(has_control, n_control[base_index, cols], 1.0)
    weight = sign * (kept - np.where(control & has_control, ratio, 0.0)) / total
    estimate = float((weight * change).sum())
    role = np.where(kept, 1, np.where(control, 2, 0))
    centres, factors = _cell_centres(change, base, role)
    influence = (weight * factors * (change - centres)).sum(axis=1)
    return _Estimate(estimate, float(np.sqrt((influence**2).sum())), total, dropped)


def switching(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treatment: str,
    level: float = 0.95,
) -> SwitchingResult:
    """De Chaisemartin-D'Haultfoeuille ``DID_M`` and first-switch effect of a switching treatment.

    Parameters
    ----------
    data
        Balanced long panel: one row per unit and period.
    outcome, unit, time
        Outcome, unit identifier and (numeric) period columns.
    treatment
        0/1 column: treated in that period. It may switch on and off any
        number of times.
    level
        Confidence level.

    Returns
    -------
    SwitchingResult
        Headline ``DID_M``; ``effects`` adds ``DID_+``, ``DID_-`` and ``DID_1``.

    Raises
    ------
    ValueError
        On absent, non-numeric or missing columns, duplicate unit-periods, an
        unbalanced panel, a non-binary treatment, or no switch that has a
        comparison unit (a stayer with the same treatment in the same periods).

    Examples
    --------
    >>> from evaluation.simulate.did import switching_panel
    >>> sim = switching_panel(n_units=300, seed=4)
    >>> fit = switching(sim, outcome="outcome", unit="unit", time="time", treatment="treated")
    >>> fit.effects["term"].tolist()[:2]
    ['DID_M', 'DID_+ (switching on)']
    """
    columns = {"outcome": outcome, "unit": unit, "time": time, "treatment": treatment}
    require_columns(data, dict(columns))
    frame = data[list(dict.fromkeys(columns.values()))]
    check_panel(frame, unit=unit, time=time, numeric=[outcome], columns=columns)
    check_binary(frame, treatment)
    ordered = frame.sort_values([unit, time])
    n_units = int(ordered[unit].nunique())
    y = ordered[outcome].to_numpy(dtype=float).reshape(n_units, -1)
    d = ordered[treatment].to_numpy(dtype=float).reshape(n_units, -1).astype(int)
    change, before, after = np.diff(y, axis=1), d[:, :-1], d[:, 1:]
    switches = before != after
    pieces = {
        TERMS[0]: _aggregate(change, before, switches, ~switches),
        TERMS[1]: _aggregate(change, before, switches & (before == 0), ~switches),
        TERMS[2]: _aggregate(change, before, switches & (before == 1), ~switches),
    }
    # First switch: the comparison is every unit still at its period-1 treatment.
    still = np.cumprod(d[:, 1:] == d[:, [0]], axis=1).astype(bool)
    first = ~still & np.column_stack([np.ones(n_units, bool), still[:, :-1]])
    baseline = np.broadcast_to(d[:, [0]], change.shape)
    pieces[TERMS[3]] = _aggregate(change, baseline, first, still)
    headline_piece = pieces[TERMS[0]]
    if headline_piece.n_switches == 0:
        raise ValueError(
            f"No unit-period where {treatment!r} switches has a comparison unit with the same "
            f"treatment in both periods ({headline_piece.n_dropped} switch(es), none usable): "
            "DID_M cannot be estimated."
        )
    rows = []
    for term, piece in pieces.items():
        low, high, p = normal_interval(piece.estimate, piece.se, level)
        rows.append({"term": term, "estimate": piece.estimate, "se": piece.se, "ci_low": low,
                     "ci_high": high, "p_value": p, "n_switches": piece.n_switches})  # fmt: skip
    notes = [
        f"{headline_piece.n_dropped} switching unit-period(s) had no comparison unit and were "
        "left out.",
        "Analytic SEs clustered by unit, conditional on the treatment paths "
        "(did_multiplegt_dyn's formula).",
    ]
    return SwitchingResult(
        outcome=outcome,
        **headline(headline_piece.estimate, headline_piece.se, level),
        n_obs=len(data),
        method="de Chaisemartin-D'Haultfoeuille DID_M (treatment switching on and off)",
        estimand="DID_M",
        level=level,
        notes=tuple(notes),
        n_switches_on=pieces[TERMS[1]].n_switches,
        n_switches_off=pieces[TERMS[2]].n_switches,
        n_dropped=headline_piece.n_dropped,
        n_units=n_units,
        _effects=pd.DataFrame(rows),
    )
