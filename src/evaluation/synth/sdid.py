"""Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens and Wager 2021).

Synthetic difference-in-differences (SDID) re-weights both dimensions of a
panel. *Unit weights* make the weighted controls move in parallel with the
treated units before treatment (like a synthetic control, but allowing a
constant gap, as difference-in-differences does); *time weights* pick the
pre-treatment periods that best predict the controls' post-treatment level.
The effect is the weighted difference-in-differences:

``tau = (treated post - treated pre_lambda) - (controls_omega post - controls_omega pre_lambda)``.

The weights are those of the R package ``synthdid`` (see
``evaluation.synth._frank_wolfe``), so Proposition 99 gives the published
-15.6 packs per capita. ``method="sc"`` and ``method="did"`` give synthetic
control and difference-in-differences as special cases of the same code, as
in the paper's Table 1.

Standard errors (Arkhangelsky et al. 2021, Section 5) are by *placebo*
(Algorithm 4: controls drawn at random to play the treated units; the only
choice with one treated unit), *bootstrap* (Algorithm 2: units resampled) or
*jackknife* (Algorithm 3: each unit left out, weights held fixed). The
bootstrap and jackknife need at least two treated units. Placebo and
bootstrap standard errors are Monte Carlo: the same ``seed`` gives the same
number, and more ``replications`` a steadier one.

Examples
--------
>>> from evaluation.simulate import synth as sim
>>> panel = sim.panel(effect=-5.0, seed=2, n_donors=10, n_pre=10, n_post=4)
>>> fit = synthetic_did(panel, outcome="outcome", unit="unit", time="period",
...                     treated_unit="treated", treatment_time=10, replications=20, seed=1)
>>> round(float(fit.unit_weights.sum()), 6), round(float(fit.time_weights.sum()), 6)
(1.0, 1.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from evaluation.report import style
from evaluation.results import (
    CopiedFrame,
    Result,
    headline,
    require_level,
    require_whole,
)
from evaluation.synth import _frank_wolfe as fw
from evaluation.synth._common import _validate

__all__ = ["INFERENCE", "SyntheticDiDResult", "synthetic_did"]

#: The standard errors on offer (Arkhangelsky et al. 2021, Algorithms 2 to 4).
INFERENCE = ("placebo", "bootstrap", "jackknife")

_NAMES = {
    "sdid": "Synthetic difference-in-differences",
    "sc": "Synthetic control (synthdid weights)",
    "did": "Difference-in-differences",
}


def _treated_list(treated_unit: Any) -> list[Any]:
    if isinstance(treated_unit, list | tuple | set | frozenset | pd.Index | np.ndarray):
        return list(dict.fromkeys(treated_unit))
    return [treated_unit]


def _wide_panel(
    data: pd.DataFrame, outcome: str, unit: str, time: str, treated: list[Any], start: Any
) -> tuple[pd.DataFrame, int, int]:
    """Checks; the outcome as ``unit x period`` with controls first; counts of controls and pre."""
    wide = _validate(
        data,
        outcome=outcome,
        unit=unit,
        time=time,
        treated_unit=treated,
        treatment_time=start,
        predictors=[],
        design="synthetic difference-in-differences",
    )
    controls = [u for u in wide.columns if u not in set(treated)]
    n_pre = int((wide.index < start).sum())
    return wide[controls + treated].T, len(controls), n_pre


def synthetic_did(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated_unit: Any,
    treatment_time: Any,
    method: Literal["sdid", "sc", "did"] = "sdid",
    inference: Literal["placebo", "bootstrap", "jackknife"] = "placebo",
    replications: int = 200,
    seed: int | None = None,
    level: float = 0.95,
) -> SyntheticDiDResult:
    """Synthetic difference-in-differences for units that all start treatment at once.

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
        The treated unit, or a list of units treated from the same period.
    treatment_time
        First period under treatment.
    method
        ``"sdid"`` (default), ``"sc"`` (synthetic control: no time weights, no
        intercept, an infinitesimal penalty) or ``"did"`` (uniform weights).
    inference
        ``"placebo"`` (default), ``"bootstrap"`` or ``"jackknife"``; the last
        two need two or more treated units.
    replications
        Placebo or bootstrap replications (200 as in synthdid); unused by the jackknife.
    seed
        Seed of the placebo or bootstrap draws.
    level
        Confidence level of the normal interval ``estimate +/- z * se``.

    Returns
    -------
    SyntheticDiDResult

    Raises
    ------
    ValueError
        For absent, non-numeric or missing columns, duplicate unit-periods, an
        unbalanced panel, a treated unit not in the data, fewer than three
        pre-periods or no post-period, fewer than two controls, an unknown
        ``method`` or ``inference``, a bootstrap or jackknife with one treated
        unit, or a placebo with no more controls than treated units.

    Examples
    --------
    >>> from evaluation.simulate import synth as sim
    >>> panel = sim.panel(effect=-5.0, seed=3, n_donors=10, n_pre=10, n_post=4)
    >>> did = synthetic_did(panel, outcome="outcome", unit="unit", time="period",
    ...                     treated_unit="treated", treatment_time=10, method="did",
    ...                     replications=20, seed=1)
    >>> did.method
    'Difference-in-differences'
    """
    if method not in fw.KINDS:
        raise ValueError(f"method must be one of {fw.KINDS}; it was {method!r}.")
    if inference not in INFERENCE:
        raise ValueError(f"inference must be one of {INFERENCE}; it was {inference!r}.")
    level = require_level(level)
    replications = require_whole("replications", replications, minimum=2)
    treated = _treated_list(treated_unit)
    wide, n_control, n_pre = _wide_panel(data, outcome, unit, time, treated, treatment_time)
    n_treated = len(treated)
    if inference in ("bootstrap", "jackknife") and n_treated < 2:
        raise ValueError(
            f"The {inference} standard error needs two or more treated units (synthdid returns "
            "NA with one); use inference='placebo'."
        )
    if inference == "placebo" and n_control <= n_treated:
        raise ValueError(
            f"The placebo standard error needs more controls ({n_control}) than treated units "
            f"({n_treated})."
        )
    y = wide.to_numpy(dtype=float)
    fit = fw.estimate(y, n_control=n_control, n_pre=n_pre, kind=method)
    rng = np.random.default_rng(seed)
    shape = {"n_control": n_control, "n_pre": n_pre}
    notes = []
    if inference != "jackknife":
        draws = fw.resampled_draws(
            y, fit, inference=inference, **shape, kind=method, replications=replications, rng=rng
        )
        se = float(np.std(draws))  # synthdid: sqrt((B-1)/B) * sd
    else:
        draws = fw.jackknife_draws(y, fit, **shape)
        n = len(draws)
        se = float(np.sqrt((n - 1) / n * (n - 1) * np.var(draws, ddof=1)))
        if int((fit.omega != 0).sum()) == 1:
            se = math.nan
            notes.append("Jackknife undefined: one control carries all the weight.")
        if method == "sc":
            notes.append("The jackknife is not recommended for synthetic control (Section 5).")
    notes.append(
        f"SE by {inference}"
        + (f" ({replications} replications, seed {seed})" if inference != "jackknife" else "")
        + "; interval estimate +/- z * SE."
    )
    fields = headline(fit.estimate, se, level) if se > 0 else headline(fit.estimate, math.nan)
    periods = wide.columns
    return SyntheticDiDResult(
        **fields,
        n_obs=int(y.size),
        method=_NAMES[method],
        estimand="ATT: average effect on the treated units after treatment",
        level=level,
        notes=tuple(notes),
        outcome=outcome,
        unit=unit,
        time=time,
        treated_units=tuple(treated),
        treatment_time=treatment_time,
        kind=method,
        inference=inference,
        replications=replications if inference != "jackknife" else len(draws),
        seed=seed,
        noise_level=fit.noise_level,
        zeta_omega=fit.zeta_omega,
        zeta_lambda=fit.zeta_lambda,
        _unit_weights=pd.Series(fit.omega, index=pd.Index(wide.index[:n_control], name=unit)),
        _time_weights=pd.Series(fit.lambda_, index=pd.Index(periods[:n_pre], name=time)),
        _wide=wide,
        _draws=draws,
    )


@dataclass(frozen=True, kw_only=True, eq=False)
class SyntheticDiDResult(Result):
    """A synthetic difference-in-differences fit (or its SC or DiD special case).

    Attributes
    ----------
    treated_units, treatment_time
        The treated units and the first treated period.
    kind
        ``"sdid"``, ``"sc"`` or ``"did"``.
    inference, replications, seed
        How the standard error was computed.
    noise_level, zeta_omega, zeta_lambda
        The noise level (standard deviation of the controls' pre-period first
        differences) and the two ridge penalties derived from it.
    unit_weights, time_weights
        Weights of the controls and of the pre-treatment periods (copies).
    draws
        The placebo, bootstrap or jackknife estimates behind the SE (a copy).
    """

    unit: str
    time: str
    treated_units: tuple[Any, ...]
    treatment_time: Any
    kind: str
    inference: str
    replications: int
    seed: int | None
    noise_level: float
    zeta_omega: float
    zeta_lambda: float
    _unit_weights: pd.Series = field(repr=False)
    _time_weights: pd.Series = field(repr=False)
    _wide: pd.DataFrame = field(repr=False)
    _draws: np.ndarray = field(repr=False)

    @property
    def unit_weights(self) -> pd.Series:
        """Control units' weights, largest first (a copy)."""
        return self._unit_weights.sort_values(ascending=False, kind="stable").rename("weight")

    @property
    def time_weights(self) -> pd.Series:
        """Pre-treatment periods' weights, in time order (a copy)."""
        return self._time_weights.rename("weight").copy()

    @property
    def draws(self) -> np.ndarray:
        """The replicated estimates behind the standard error (a copy)."""
        return self._draws.copy()

    @property
    def paths(self) -> pd.DataFrame:
        """Each period's treated mean, weighted control mean, their gap and a post flag."""
        n_control = len(self._unit_weights)
        treated = self._wide.iloc[n_control:].mean(axis=0)
        control = self._unit_weights.to_numpy() @ self._wide.iloc[:n_control].to_numpy()
        frame = pd.DataFrame({"treated": treated, "control": control}, index=self._wide.columns)
        frame["gap"] = frame["treated"] - frame["control"]
        frame["post"] = frame.index >= self.treatment_time
        return frame

    @property
    def effect_path(self) -> pd.Series:
        """The effect in each post period (the gap less its time-weighted pre-period level)."""
        paths = self.paths
        baseline = float(paths.loc[~paths["post"], "gap"].to_numpy() @ self._time_weights)
        return (paths.loc[paths["post"], "gap"] - baseline).rename("effect")

    table = CopiedFrame("_wide", "The outcome as units (controls first) by periods (a copy).")

    def tidy(self) -> pd.DataFrame:
        """The headline row, with the method, the SE's source and the treated count."""
        return self._tidy_with("kind", "inference").assign(
            n_treated=len(self.treated_units), n_controls=len(self._unit_weights)
        )

    def summary(self) -> str:
        """Text report: estimate, SE and its source, largest unit weights, the time weights."""
        pct = round(self.level * 100)
        units = self.unit_weights.head(5)
        periods = self.time_weights[self.time_weights > 0]
        lines = [
            f"{self.method} (outcome: {self.outcome})",
            f"  treated: {', '.join(map(str, self.treated_units))} from {self.treatment_time!r}; "
            f"{len(self._unit_weights)} controls",
            f"  {self.estimand}: {self.estimate:.4g} (SE {self.se:.3g} by {self.inference}), "
            f"{pct}% CI [{self.ci_low:.4g}, {self.ci_high:.4g}]",
            "  largest unit weights: " + ", ".join(f"{u} {w:.3f}" for u, w in units.items()),
            "  time weights: " + ", ".join(f"{t} {w:.3f}" for t, w in periods.items()),
            f"  observations: {self.n_obs:,}",
        ]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Treated mean and the weighted controls shifted to its time-weighted pre-period level.

        The shaded bars along the bottom show the time weights.
        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        ax = style.axes(ax, (7, 4.2))
        paths = self.paths
        pre = ~paths["post"].to_numpy()
        shift = float(paths["gap"].to_numpy()[pre] @ self._time_weights)
        label = "Treated" if len(self.treated_units) > 1 else str(self.treated_units[0])
        ax.plot(paths.index, paths["treated"], color="#0072B2", lw=2, label=label)
        ax.plot(
            paths.index,
            paths["control"] + shift,
            color="#D55E00",
            lw=2,
            ls="--",
            label="Weighted controls, shifted",
        )
        low = float(min(paths["treated"].min(), (paths["control"] + shift).min()))
        span = float(max(paths["treated"].max(), (paths["control"] + shift).max())) - low
        weights = self._time_weights.to_numpy()
        ax.bar(self._time_weights.index, weights * 0.3 * span, bottom=low, color="#999999",
               alpha=0.5, label="Time weights")  # fmt: skip
        ax.axvline(self.treatment_time, color="#444444", lw=1, ls=":")
        ax.legend(frameon=False)
        return style.finish(
            ax,
            title="Treated and weighted controls, shifted to the same pre-period level",
            xlabel=f"{self.time} (time period)",
            ylabel=f"{self.outcome} (outcome units)",
            source=style.DEFAULT_SOURCE,
        )
