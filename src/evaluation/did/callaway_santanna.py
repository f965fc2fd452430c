"""Staggered adoption: Callaway and Sant'Anna (2021) group-time effects and their aggregations."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, fields
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from evaluation.did import _group_time
from evaluation.did._checks import check_cohort, check_panel, drop_always_treated
from evaluation.did._common import DEFAULT_SOURCE, WaldTest, _event_plot, _interval_columns
from evaluation.results import CopiedFrame, Result, headline

__all__ = ["StaggeredResult", "staggered"]


@dataclass(frozen=True, kw_only=True)
class StaggeredResult(Result):
    """Callaway and Sant'Anna (2021) staggered difference-in-differences.

    The headline (``estimate``...) is the simple aggregation: the average of
    the post-adoption ATT(g, t), weighted by cohort size, which is the average
    effect over all treated unit-periods (R ``did::aggte(type = "simple")``).
    """

    control_group: str = ""
    n_units: int = 0
    critical_value: float = float("nan")
    _group_time: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    _dynamic: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    _by_cohort: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    _pretrend: WaldTest = WaldTest(float("nan"), 0, float("nan"))

    group_time = CopiedFrame(
        "_group_time",
        "Every ATT(g, t), with columns ``cohort, time, att, se, ci_low, ci_high`` (a copy).",
    )

    dynamic = CopiedFrame(
        "_dynamic", 'Effects by event time (periods since adoption), as ``aggte(type="dynamic")``.'
    )
    by_cohort = CopiedFrame(
        "_by_cohort", 'Average post-adoption effect of each cohort, as ``aggte(type="group")``.'
    )

    @property
    def overall(self) -> Result:
        """The headline simple aggregation as a plain :class:`~evaluation.results.Result`."""
        shared = (f.name for f in fields(Result) if f.name != "outcome")
        return Result(**{name: getattr(self, name) for name in shared})

    def pretrend_test(self) -> WaldTest:
        """Joint Wald test that all pre-adoption ATT(g, t) are zero (R ``did``'s pre-test)."""
        return self._pretrend

    def tidy(self) -> pd.DataFrame:
        """The overall effect, then by cohort, then by event time: one row each."""
        rows = [super().tidy()]
        for table, prefix, key in [
            (self._by_cohort, "cohort", "cohort"),
            (self._dynamic, "event time", "event_time"),
        ]:
            part = table.rename(columns={"att": "estimate"})
            part = part.assign(term=[f"{prefix} {k:g}" for k in part[key]], n_obs=self.n_obs)
            rows.append(part[["term", "estimate", "se", "ci_low", "ci_high", "p_value", "n_obs"]])
        return pd.concat(rows, ignore_index=True)

    def plot(
        self,
        *,
        ax: Axes | None = None,
        title: str = "Event study: effect by time since adoption (Callaway-Sant'Anna)",
        xlabel: str = "Periods since adoption (event time)",
        ylabel: str = "Estimated effect (outcome units)",
        source: str = DEFAULT_SOURCE,
    ) -> Axes:
        """Event-study figure of the dynamic aggregation with ``level`` intervals (the fit's)."""
        effects = self._dynamic.rename(columns={"att": "estimate"})
        return _event_plot(
            effects,
            ax,
            title=title,
            xlabel=xlabel,
            ylabel=ylabel,
            source=source,
            band=True,
            level=self.level,
        )


def _wide_panel(
    data: pd.DataFrame, *, unit: str, time: str, columns: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Periods and a periods x units x columns array from a balanced long panel."""
    ordered = data.sort_values([unit, time])
    periods = np.sort(data[time].unique())
    values = ordered[columns].to_numpy(dtype=float)
    n_units = len(ordered) // len(periods)
    return periods, values.reshape(n_units, len(periods), len(columns)).transpose(1, 0, 2)


def _no_never_treated(
    data: pd.DataFrame, first: pd.Series, *, time: str, control_group: str
) -> tuple[pd.DataFrame, pd.Series]:
    """With no never-treated units, the last cohort becomes the control, as in R's ``did``.

    Periods from its adoption on are dropped (with a warning): nobody is left to compare.
    """
    if np.isinf(first).any():
        return data, first
    if control_group == "never_treated":
        raise ValueError(
            "No valid controls: every unit is eventually treated, so there is no "
            "never-treated group. Use control_group='not_yet_treated'."
        )
    last = first.max()
    late = data[time] >= last
    warnings.warn(
        f"No never-treated units: dropped {int(late.sum())} rows in periods from {last:g} on, "
        f"when the last cohort adopts; the {int((first == last).sum())} units of that cohort "
        "serve as the comparison group.",
        UserWarning,
        stacklevel=3,
    )
    return data.loc[~late], first.where(first < last, np.inf)


def staggered(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    control_group: Literal["never_treated", "not_yet_treated"] = "never_treated",
    covariates: list[str] | None = None,
    method: Literal["reg", "ipw", "dr"] = "reg",
    base_period: Literal["varying", "universal"] = "varying",
    bootstrap: int | None = None,
    seed: int = 0,
    level: float = 0.95,
) -> StaggeredResult:
    """Staggered-adoption DiD of Callaway and Sant'Anna (2021).

    Estimates every group-time effect ATT(g, t), the effect in period ``t`` on
    the cohort first treated in period ``g``, by a 2x2 comparison of cohort
    ``g`` with clean controls between period ``t`` and a base period, then
    aggregates them. Standard errors come from unit-level influence functions
    (analytic, as R's ``did`` with ``bstrap = FALSE``).

    Parameters
    ----------
    data
        Balanced long panel: one row per unit and period.
    outcome, unit, time
        Outcome, unit identifier and period columns.
    cohort
        First period each unit is treated; 0 or missing for never treated.
    control_group
        ``"never_treated"`` or ``"not_yet_treated"`` (never treated plus units
        adopting after both periods compared).
    covariates
        Numeric columns; each cell uses their base-period values.
    method
        ``"reg"`` outcome regression, ``"ipw"`` inverse probability weighting
        or ``"dr"`` doubly robust (Sant'Anna and Zhao 2020).
    base_period
        ``"varying"`` (R's default: pre-period cells compare adjacent periods)
        or ``"universal"`` (every cell compares with the period before adoption).
    bootstrap
        Number of multiplier-bootstrap draws for a simultaneous band around the
        event-study effects; ``None`` for none.
    seed
        Seed of the bootstrap.
    level
        Confidence level.

    Returns
    -------
    StaggeredResult

    Raises
    ------
    ValueError
        On absent, non-numeric or missing columns, duplicate unit-periods, an
        unbalanced panel, a cohort that varies within a unit, or no valid controls.

    Examples
    --------
    >>> from evaluation.simulate.did import staggered_adoption
    >>> panel = staggered_adoption(n_units=150, seed=2)
    >>> fit = staggered(panel, outcome="outcome", unit="unit", time="time", cohort="cohort")
    >>> list(fit.group_time.columns)
    ['cohort', 'time', 'att', 'se', 'ci_low', 'ci_high']
    """
    covariates = list(covariates or [])
    if control_group not in ("never_treated", "not_yet_treated"):
        raise ValueError(
            f"control_group must be 'never_treated' or 'not_yet_treated', not {control_group!r}."
        )
    if method not in _group_time.ESTIMATORS:
        raise ValueError(f"method must be one of {list(_group_time.ESTIMATORS)}, not {method!r}.")
    if base_period not in ("varying", "universal"):
        raise ValueError(f"base_period must be 'varying' or 'universal', not {base_period!r}.")
    check_panel(
        data,
        unit=unit,
        time=time,
        numeric=[outcome, *covariates],
        columns={"outcome": outcome, "unit": unit, "time": time, "cohort": cohort}
        | {f"covariates[{i}]": c for i, c in enumerate(covariates)},
    )
    first = check_cohort(data, unit=unit, time=time, cohort=cohort)
    data, first = drop_always_treated(data, first, unit=unit, time=time, cohort=cohort)
    data, first = _no_never_treated(data, first, time=time, control_group=control_group)
    if np.isinf(first).all():
        raise ValueError(f"No unit is ever treated: column {cohort!r} is 0 or missing throughout.")
    periods, wide = _wide_panel(data, unit=unit, time=time, columns=[outcome, *covariates])
    gt = _group_time.estimate_group_time(
        wide[:, :, 0].T,
        first.sort_index().to_numpy(),
        periods,
        wide[:, :, 1:] if covariates else None,
        control_group=control_group,
        method=method,
        base_period=base_period,
    )
    if gt.att.size == 0:
        raise ValueError("No valid controls: no group-time cell has a comparison group.")
    return _staggered_result(
        gt,
        data,
        outcome=outcome,
        control_group=control_group,
        method=method,
        level=level,
        bootstrap=bootstrap,
        seed=seed,
    )


def _staggered_result(
    gt: _group_time.GroupTime,
    data: pd.DataFrame,
    *,
    outcome: str,
    control_group: str,
    method: str,
    level: float,
    bootstrap: int | None,
    seed: int,
) -> StaggeredResult:
    overall, dynamic, by_cohort, dynamic_influence = _group_time.aggregate(gt)
    group_time = pd.DataFrame(
        {"cohort": gt.cohort, "time": gt.time, "att": gt.att, "se": gt.se(gt.influence)}
    )
    tables = []
    for table in (group_time, dynamic, by_cohort):
        tables.append(
            _interval_columns(table.rename(columns={"att": "estimate"}), level).rename(
                columns={"estimate": "att"}
            )
        )
    group_time = tables[0].drop(columns="p_value")
    critical = float("nan")
    if bootstrap:
        band_se, critical = _group_time.multiplier_band(
            dynamic_influence, draws=bootstrap, level=level, seed=seed
        )
        tables[1]["band_low"] = tables[1]["att"] - critical * band_se
        tables[1]["band_high"] = tables[1]["att"] + critical * band_se
    names = {
        "reg": "outcome regression",
        "ipw": "inverse probability weighting",
        "dr": "doubly robust",
    }
    return StaggeredResult(
        outcome=outcome,
        **headline(overall["att"], overall["se"], level),
        n_obs=len(data),
        method=f"Callaway-Sant'Anna ({names[method]}, {control_group.replace('_', '-')} controls)",
        estimand="ATT (simple aggregation)",
        level=level,
        control_group=control_group,
        n_units=gt.n_units,
        critical_value=critical,
        _group_time=group_time,
        _dynamic=tables[1],
        _by_cohort=tables[2],
        _pretrend=WaldTest(*_group_time.pre_test(gt)),
    )
