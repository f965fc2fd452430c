"""Synthetic control for one treated unit, its placebo test and leave-one-out check.

Examples
--------
>>> from evaluation.simulate import synth as sim
>>> fit = synthetic_control(sim.panel(seed=2), outcome="outcome", unit="unit",
...                         time="period", treated_unit="treated", treatment_time=20)
>>> len(fit.paths) == fit.n_obs // (len(fit.weights) + 1)
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from evaluation.report import style
from evaluation.results import CopiedFrame, Result, no_interval
from evaluation.synth._common import (
    _SE_NOTE,
    Predictor,
    _fit_one,
    _predictor_label,
    _predictor_means,
    _rmspe,
    _validate,
    _warn_on_poor_support,
)

__all__ = ["PlaceboResult", "SyntheticControlResult", "synthetic_control"]


def synthetic_control(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated_unit: Any,
    treatment_time: Any,
    predictors: Sequence[Predictor] | None = None,
) -> SyntheticControlResult:
    """Estimate the effect of a reform in one unit with a synthetic control.

    Parameters
    ----------
    data
        A tidy, balanced panel: one row per unit and period.
    outcome
        Numeric outcome column.
    unit
        Column identifying units (areas, councils, states...).
    time
        Numeric or date column of periods.
    treated_unit
        The value of ``unit`` that was treated; every other unit is a donor.
    treatment_time
        First period under treatment; periods before it form the pre-period.
    predictors
        Optional predictors whose means the weights should match, with
        importances chosen to fit the pre-period outcomes (Abadie et al. 2010).
        Each is a numeric column name (averaged over the pre-period) or a
        ``(column, periods)`` pair averaged over those pre-treatment periods,
        e.g. ``("cigsale", [1975])`` for a lagged outcome. ``None`` (the
        default) matches every pre-period outcome.

    Returns
    -------
    SyntheticControlResult
        ``estimate`` is the average post-treatment gap (treated minus
        synthetic); ``se`` and the interval are NaN (see the module notes);
        call ``.placebo()`` for a permutation p-value.

    Raises
    ------
    ValueError
        For an absent or non-numeric column, missing values, duplicate
        unit-period rows, an unbalanced panel, a treated unit not in the data,
        fewer than ``MIN_PRE_PERIODS`` pre-periods, no post-period, or fewer
        than ``MIN_DONORS`` donors.

    Examples
    --------
    >>> from evaluation.simulate import synth as sim
    >>> panel = sim.panel(effect=-5.0, seed=3)
    >>> fit = synthetic_control(panel, outcome="outcome", unit="unit", time="period",
    ...                         treated_unit="treated", treatment_time=20)
    >>> fit.estimand
    'average post-treatment gap'
    """
    if isinstance(treated_unit, list):
        raise ValueError(
            "synthetic_control takes one treated_unit; use synthetic_control_several for a list."
        )
    predictor_list = list(predictors or [])
    columns = list(dict.fromkeys(p if isinstance(p, str) else p[0] for p in predictor_list))
    wide = _validate(
        data,
        outcome=outcome,
        unit=unit,
        time=time,
        treated_unit=treated_unit,
        treatment_time=treatment_time,
        predictors=columns,
    )
    means = (
        _predictor_means(
            data, unit=unit, time=time, predictors=predictor_list, before=treatment_time
        )
        if predictor_list
        else None
    )
    pre = np.asarray(wide.index < treatment_time)
    donors = [u for u in wide.columns if u != treated_unit]
    _warn_on_poor_support(wide, treated_unit, donors, pre, means)
    weights, importances = _fit_one(wide, treated_unit, donors, pre, means)
    synthetic = wide[donors].to_numpy() @ weights
    gap = wide[treated_unit].to_numpy() - synthetic
    notes = [_SE_NOTE]
    if pre.sum() <= len(donors):
        notes.append(
            f"{int(pre.sum())} pre-periods for {len(donors)} donors: a close pre-period fit "
            "may partly reflect fitting noise; check leave_one_out() and placebo()."
        )
    return SyntheticControlResult(
        estimate=float(gap[~pre].mean()),
        se=math.nan,
        ci_low=math.nan,
        ci_high=math.nan,
        p_value=math.nan,
        n_obs=int(wide.size),
        method="Synthetic control"
        + (" (outcome path)" if means is None else f" ({len(means)} predictors)"),
        estimand="average post-treatment gap",
        notes=tuple(notes),
        treated_unit=treated_unit,
        treatment_time=treatment_time,
        pre_rmspe=_rmspe(gap[pre]),
        post_rmspe=_rmspe(gap[~pre]),
        outcome=outcome,
        unit=unit,
        time=time,
        predictors=tuple(_predictor_label(p) for p in predictor_list),
        _weights=pd.Series(weights, index=pd.Index(donors, name=unit), name="weight"),
        _importances=None
        if importances is None or means is None
        else pd.Series(importances, index=pd.Index(means.index, name="predictor")),
        _wide=wide,
        _means=means,
    )


# --------------------------------------------------------------------------- results
@dataclass(frozen=True, kw_only=True, eq=False)
class SyntheticControlResult(Result):
    """A synthetic control fit: donor weights, the two paths and their gap.

    Attributes
    ----------
    treated_unit, treatment_time
        The unit and first treated period.
    pre_rmspe, post_rmspe
        Root mean squared gap before and after treatment, in outcome units.
    weights
        Donor weights (non-negative, summing to one), a copy.
    paths
        One row per period: ``treated``, ``synthetic``, ``gap``, ``post``, a copy.
    """

    treated_unit: Any
    treatment_time: Any
    pre_rmspe: float
    post_rmspe: float
    outcome: str
    unit: str
    time: str
    predictors: tuple[str, ...] = ()
    _weights: pd.Series = field(repr=False)
    _importances: pd.Series | None = field(default=None, repr=False)
    _wide: pd.DataFrame = field(repr=False)
    _means: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def weights(self) -> pd.Series:
        """Donor weights, largest first (a copy)."""
        return self._weights.sort_values(ascending=False).copy()

    @property
    def predictor_importance(self) -> pd.Series | None:
        """Importance given to each predictor (``None`` when matching the outcome path)."""
        return None if self._importances is None else self._importances.copy()

    @property
    def paths(self) -> pd.DataFrame:
        """Treated and synthetic outcome by period, their gap and a post-period flag."""
        donors = list(self._weights.index)
        frame = pd.DataFrame(
            {
                "treated": self._wide[self.treated_unit],
                "synthetic": self._wide[donors].to_numpy() @ self._weights.to_numpy(),
            }
        )
        frame["gap"] = frame["treated"] - frame["synthetic"]
        frame["post"] = frame.index >= self.treatment_time
        return frame

    @property
    def ratio(self) -> float:
        """Post-period RMSPE divided by pre-period RMSPE."""
        return self.post_rmspe / self.pre_rmspe if self.pre_rmspe > 0 else math.inf

    def tidy(self) -> pd.DataFrame:
        """Rows for the average gap, the pre-period RMSPE and the post/pre RMSPE ratio."""
        rows = super().tidy()
        extra = pd.DataFrame(
            {
                "term": ["pre-period RMSPE", "post/pre RMSPE ratio"],
                "estimate": [self.pre_rmspe, self.ratio],
                "se": math.nan,
                "ci_low": math.nan,
                "ci_high": math.nan,
                "p_value": math.nan,
                "n_obs": self.n_obs,
            }
        )
        return pd.concat([rows, extra], ignore_index=True)

    def summary(self) -> str:
        """Text report: the gap, the fit, the largest weights, how to get a p-value."""
        top = self.weights.head(5)
        lines = [
            self.method,
            f"  treated unit: {self.treated_unit!r} from {self.treatment_time!r}; "
            f"{len(self._weights)} donors",
            f"  {self.estimand}: {self.estimate:.4g} (no standard error: see note)",
            f"  pre-period RMSPE: {self.pre_rmspe:.4g}; post/pre RMSPE ratio: {self.ratio:.3g}",
            "  largest weights: " + ", ".join(f"{u} {w:.3f}" for u, w in top.items()),
            f"  observations: {self.n_obs:,}",
        ]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    # ------------------------------------------------------------------ inference
    def placebo(self, *, seed: int | None = None, n_placebos: int | None = None) -> PlaceboResult:
        """In-space placebos: refit with each donor in turn as the treated unit.

        The treated unit is left out of every placebo's donor pool. Each unit's
        post/pre RMSPE ratio is ranked, largest first; the p-value is the
        treated unit's rank divided by the number of units ranked (ties count
        against the treated unit).

        Parameters
        ----------
        seed
            Seed for choosing which donors serve as placebos when
            ``n_placebos`` is smaller than the number of donors. With every
            donor used (the default) the result does not depend on it.
        n_placebos
            How many donors to use as placebos; default all of them.

        Returns
        -------
        PlaceboResult
        """
        donors = list(self._weights.index)
        if n_placebos is not None and not 1 <= n_placebos <= len(donors):
            raise ValueError(
                f"n_placebos must be between 1 and {len(donors)}; it was {n_placebos}."
            )
        chosen = donors
        if n_placebos is not None and n_placebos < len(donors):
            rng = np.random.default_rng(seed)
            chosen = [donors[i] for i in np.sort(rng.choice(len(donors), n_placebos, False))]
        pre = np.asarray(self._wide.index < self.treatment_time)
        gaps = {self.treated_unit: self.paths["gap"].to_numpy()}
        for placebo in chosen:
            pool = [u for u in donors if u != placebo]
            weights, _ = _fit_one(self._wide, placebo, pool, pre, self._means)
            gaps[placebo] = self._wide[placebo].to_numpy() - self._wide[pool].to_numpy() @ weights
        return _placebo_result(self, pd.DataFrame(gaps, index=self._wide.index), pre)

    def leave_one_out(self) -> pd.DataFrame:
        """Refit without each donor that has a weight above 0.001, one at a time.

        Returns
        -------
        pandas.DataFrame
            One row per dropped donor: its weight, the new estimate and the new
            pre-period RMSPE; a robust result barely moves.
        """
        pre = np.asarray(self._wide.index < self.treatment_time)
        rows = []
        for dropped, weight in self.weights[self.weights > 1e-3].items():
            pool = [u for u in self._weights.index if u != dropped]
            new, _ = _fit_one(self._wide, self.treated_unit, pool, pre, self._means)
            gap = self._wide[self.treated_unit].to_numpy() - self._wide[pool].to_numpy() @ new
            rows.append(
                {
                    "dropped": dropped,
                    "weight": float(weight),
                    "estimate": float(gap[~pre].mean()),
                    "pre_rmspe": _rmspe(gap[pre]),
                }
            )
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ picture
    def plot_paths(self, *, ax: Axes | None = None) -> Axes:
        """The treated unit and its synthetic twin over time, the treatment date dotted.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        ax = style.axes(ax, (7, 4.2))
        paths = self.paths
        ax.plot(paths.index, paths["treated"], color="#0072B2", lw=2, label=str(self.treated_unit))
        ax.plot(paths.index, paths["synthetic"], color="#D55E00", lw=2, ls="--", label="Synthetic")
        ax.axvline(self.treatment_time, color="#444444", lw=1, ls=":")
        ax.legend(frameon=False)
        return style.finish(
            ax,
            title="The treated unit and its synthetic control",
            xlabel=f"{self.time} (time period)",
            ylabel=f"{self.outcome} (outcome units)",
            source=style.DEFAULT_SOURCE,
        )

    def plot(
        self, *, ax: Sequence[Axes] | None = None, placebo: PlaceboResult | None = None
    ) -> Sequence[Axes]:
        """Treated vs synthetic paths (left) and the gap, with placebo gaps if given (right).

        ``ax`` is a pair of axes (left, right); by default a new figure with two.
        Each panel comes titled and labelled, and the figure has one source line;
        ``style.finish(axes[i], title=..., source=...)`` re-words a panel.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
        else:
            left, right = ax[0], ax[1]
        self.plot_paths(ax=left)
        if placebo is not None:
            placebo.plot(ax=right)
        else:
            paths = self.paths
            right.plot(paths.index, paths["gap"], color="#0072B2", lw=2)
            right.axhline(0, color="#444444", lw=1)
            right.axvline(self.treatment_time, color="#444444", lw=1, ls=":")
            style.finish(
                right,
                title="Gap: the treated unit minus its synthetic control",
                xlabel=f"{self.time} (time period)",
                ylabel="Gap: treated minus synthetic (outcome units)",
                source=style.DEFAULT_SOURCE,
            )
        return [left, right]


@dataclass(frozen=True, kw_only=True, eq=False)
class PlaceboResult(Result):
    """In-space placebo test of a synthetic control.

    ``estimate`` is the treated unit's average post-treatment gap and
    ``p_value`` the permutation p-value from the rank of its post/pre RMSPE
    ratio; ``se`` and the interval are NaN.

    Attributes
    ----------
    rank
        The treated unit's rank (1 = most extreme) among ``n_units``.
    n_units
        Units ranked: the treated unit and its placebos.
    table
        One row per unit: pre and post RMSPE, their ratio, the average gap, the rank.
    gaps
        Gap paths by period (rows) and unit (columns).
    """

    treated_unit: Any
    treatment_time: Any
    rank: int
    n_units: int
    _table: pd.DataFrame = field(repr=False)
    _gaps: pd.DataFrame = field(repr=False)

    table = CopiedFrame(
        "_table", "Pre/post RMSPE, ratio, average post gap and rank per unit (a copy)."
    )

    gaps = CopiedFrame("_gaps", "Gap path of every unit (a copy).")

    def tidy(self) -> pd.DataFrame:
        """The average gap and the RMSPE ratio, both with the permutation p-value and rank."""
        treated = self._table.loc[self.treated_unit]
        rows = pd.DataFrame(
            {
                "term": ["average post-treatment gap", "post/pre RMSPE ratio"],
                "estimate": [self.estimate, float(treated["ratio"])],
                "se": math.nan,
                "ci_low": math.nan,
                "ci_high": math.nan,
                "p_value": self.p_value,
                "n_obs": self.n_obs,
                "rank": self.rank,
                "n_units": self.n_units,
            }
        )
        return rows

    def summary(self) -> str:
        """Text report of the permutation test."""
        lines = [
            self.method,
            f"  {self.estimand}: {self.estimate:.4g} (no standard error)",
            f"  {self.treated_unit!r} ranks {self.rank} of {self.n_units} on the post/pre "
            f"RMSPE ratio: permutation p = {self.rank}/{self.n_units} = {self.p_value:.3g}",
        ]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def plot(self, *, ax: Axes | None = None, max_pre_rmspe_multiple: float | None = None) -> Axes:
        """Gap paths: the treated unit in colour over the placebos in grey.

        ``max_pre_rmspe_multiple`` hides placebos whose pre-period RMSPE exceeds
        that multiple of the treated unit's (Abadie et al. 2010 use 5 and 2):
        their post-period gaps say little because they were never fitted well.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        ax = style.axes(ax, (7, 4.2))
        shown = self._table.index
        if max_pre_rmspe_multiple is not None:
            limit = max_pre_rmspe_multiple * self._table.loc[self.treated_unit, "pre_rmspe"]
            shown = self._table.index[self._table["pre_rmspe"] <= limit]
        for unit in shown:
            if unit != self.treated_unit:
                ax.plot(self._gaps.index, self._gaps[unit], color="#bbbbbb", lw=0.8)
        ax.plot(
            self._gaps.index,
            self._gaps[self.treated_unit],
            color="#0072B2",
            lw=2.2,
            label=str(self.treated_unit),
        )
        ax.plot([], [], color="#bbbbbb", lw=0.8, label=f"Placebos ({len(shown) - 1})")
        ax.axhline(0, color="#444444", lw=1)
        ax.axvline(self.treatment_time, color="#444444", lw=1, ls=":")
        ax.legend(frameon=False)
        return style.finish(
            ax,
            title="Placebo gaps: the treated unit against every donor",
            xlabel="Time period",
            ylabel="Gap: treated minus synthetic (outcome units)",
            source=style.DEFAULT_SOURCE,
        )


def _placebo_result(
    fit: SyntheticControlResult, gaps: pd.DataFrame, pre: np.ndarray
) -> PlaceboResult:
    """Rank the units' RMSPE ratios and package the permutation test."""
    values = gaps.to_numpy()
    pre_rmspe = np.sqrt(np.mean(np.square(values[pre]), axis=0))
    post_rmspe = np.sqrt(np.mean(np.square(values[~pre]), axis=0))
    with np.errstate(divide="ignore"):
        ratio = np.where(pre_rmspe > 0, post_rmspe / pre_rmspe, np.inf)
    table = pd.DataFrame(
        {
            "pre_rmspe": pre_rmspe,
            "post_rmspe": post_rmspe,
            "ratio": ratio,
            "average_gap": values[~pre].mean(axis=0),
        },
        index=pd.Index(gaps.columns, name=fit.unit),
    )
    table["rank"] = table["ratio"].rank(ascending=False, method="max").astype(int)
    table = table.sort_values("rank", kind="stable")
    rank = int(table.loc[fit.treated_unit, "rank"])
    n_units = len(table)
    fields = no_interval(fit.estimate)
    fields["p_value"] = rank / n_units
    return PlaceboResult(
        outcome=fit.outcome,
        **fields,
        n_obs=fit.n_obs,
        method=f"{fit.method}: in-space placebo test",
        estimand="average post-treatment gap",
        notes=(
            f"p-value = rank of the post/pre RMSPE ratio among {n_units} units "
            "(treated unit included); ties count against the treated unit.",
            "No standard error or confidence interval: inference is by permutation only.",
        ),
        treated_unit=fit.treated_unit,
        treatment_time=fit.treatment_time,
        rank=rank,
        n_units=n_units,
        _table=table,
        _gaps=gaps,
    )
