"""Staggered adoption: Callaway and Sant'Anna (2021) group-time effects and their aggregations."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, fields, replace
from functools import partial
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from evaluation.did import _group_time
from evaluation.did._cells_staggered import as_panel, as_records, group_time_records
from evaluation.did._checks import (
    check_cohort,
    check_panel,
    check_weights,
    drop_always_treated,
    unit_constant,
)
from evaluation.did._common import DEFAULT_SOURCE, WaldTest, _event_plot, _interval_columns
from evaluation.results import (
    CopiedFrame,
    Result,
    headline,
    require_level,
    require_no_missing,
    require_whole,
)

__all__ = ["StaggeredResult", "staggered"]


@dataclass(frozen=True, kw_only=True)
class StaggeredResult(Result):
    """Callaway and Sant'Anna (2021) staggered difference-in-differences.

    The headline (``estimate``...) is the simple aggregation: the average of
    the post-adoption ATT(g, t), weighted by cohort size, which is the average
    effect over all treated unit-periods (R ``did::aggte(type = "simple")``).

    ``cells`` holds, for a fit on person-level records in an engine, the
    unit-by-period sums that left the engine (``None`` for a panel).
    """

    control_group: str = ""
    n_units: int = 0
    n_clusters: int = 0
    anticipation: int = 0
    critical_value: float = float("nan")
    _group_time: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    _dynamic: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    _by_cohort: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    _pretrend: WaldTest = WaldTest(float("nan"), 0, float("nan"))
    _cells: pd.DataFrame | None = field(default=None, repr=False, compare=False)

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

    @property
    def cells(self) -> pd.DataFrame | None:
        """Unit-by-period sums a fit on records used, with the count ``n`` (a copy), or None."""
        return None if self._cells is None else self._cells.copy()

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

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Event-study figure of the dynamic aggregation with ``level`` intervals (the fit's).

        The effect (outcome units) by periods since adoption, titled, labelled and with a
        source line. To put other words on it (your own data source, say), call
        :func:`evaluation.report.style.finish` on the returned axes.
        """
        effects = self._dynamic.rename(columns={"att": "estimate"})
        return _event_plot(
            effects,
            ax,
            title="Event study: effect by time since adoption (Callaway-Sant'Anna)",
            xlabel="Periods since adoption (event time)",
            ylabel="Estimated effect (outcome units)",
            source=DEFAULT_SOURCE,
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


def _prepared(
    data: pd.DataFrame, first: pd.Series, *, unit: str, time: str, columns: list[str]
) -> tuple[np.ndarray, _group_time.Panel | _group_time.Rows]:
    """The periods and the data in the form the estimator needs: balanced panel or rows."""
    counts = data.groupby(unit)[time].size()
    if (counts == data[time].nunique()).all():  # balanced: panel estimators, as R's did
        periods, wide = _wide_panel(data, unit=unit, time=time, columns=columns)
        covariates = wide[:, :, 1:] if len(columns) > 1 else None
        return periods, _group_time.Panel(wide[:, :, 0].T, covariates)
    periods = np.sort(data[time].unique())
    values = data[columns].to_numpy(dtype=float)
    rows = _group_time.Rows(
        unit=first.index.get_indexer(pd.Index(data[unit])),
        period=np.searchsorted(periods, data[time].to_numpy()),
        outcome=values[:, 0],
        covariates=values[:, 1:] if len(columns) > 1 else None,
    )
    return periods, rows


def _no_never_treated(
    data: pd.DataFrame, first: pd.Series, *, time: str, control_group: str, anticipation: int
) -> tuple[pd.DataFrame, pd.Series]:
    """With no never-treated units, the last cohort becomes the control, as in R's ``did``.

    Periods from its adoption (less any anticipation) on are dropped (with a
    warning): nobody is left to compare.
    """
    if np.isinf(first).any():
        return data, first
    if control_group == "never_treated":
        raise ValueError(
            "No valid controls: every unit is eventually treated, so there is no "
            "never-treated group. Use control_group='not_yet_treated'."
        )
    last = first.max()
    late = data[time] >= last - anticipation
    warnings.warn(
        f"No never-treated units: dropped {int(late.sum())} rows in periods from "
        f"{last - anticipation:g} on, when the last cohort adopts"
        f"{f' (less {anticipation} of anticipation)' if anticipation else ''}; the "
        f"{int((first == last).sum())} units of that cohort serve as the comparison group.",
        UserWarning,
        stacklevel=3,
    )
    return data.loc[~late], first.where(first < last, np.inf)


def _check_options(
    control_group: str, method: str, base_period: str, anticipation: object, level: float
) -> int:
    """Refuse an unknown option; return ``anticipation`` as a whole number."""
    if control_group not in ("never_treated", "not_yet_treated"):
        raise ValueError(
            f"control_group must be 'never_treated' or 'not_yet_treated', not {control_group!r}."
        )
    if method not in _group_time.ESTIMATORS:
        raise ValueError(f"method must be one of {list(_group_time.ESTIMATORS)}, not {method!r}.")
    if base_period not in ("varying", "universal"):
        raise ValueError(f"base_period must be 'varying' or 'universal', not {base_period!r}.")
    require_level(level)
    return require_whole("anticipation", anticipation, minimum=0)


def _unit_columns(
    data: pd.DataFrame, *, unit: str, weights: str | None, cluster: str | None
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Each unit's sampling weight and cluster code (sorted by unit), or None if not asked."""
    unit_weights = cluster_codes = None
    if weights is not None:
        check_weights(data, weights)
        unit_weights = unit_constant(data, unit=unit, column=weights, role="weights").to_numpy(
            dtype=float
        )
    if cluster is not None:
        require_no_missing(data, [cluster])
        labels = unit_constant(data, unit=unit, column=cluster, role="cluster")
        cluster_codes = pd.factorize(labels, sort=True)[0]
        if cluster_codes.max() < 1:
            raise ValueError(f"Column {cluster!r} (cluster) has one value; two or more are needed.")
    return unit_weights, cluster_codes


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
    anticipation: int = 0,
    weights: str | None = None,
    cluster: str | None = None,
    allow_unbalanced: bool = False,
    replications: int | None = None,
    seed: int = 0,
    level: float = 0.95,
) -> StaggeredResult:
    """Staggered-adoption DiD of Callaway and Sant'Anna (2021).

    Estimates every group-time effect ATT(g, t), the effect in period ``t`` on
    the cohort first treated in period ``g``, by a 2x2 comparison of cohort
    ``g`` with clean controls between period ``t`` and a base period, then
    aggregates them. Standard errors come from unit-level influence functions
    (analytic, as R's ``did`` with ``bstrap = FALSE``), added up within
    clusters when ``cluster`` is given.

    Parameters
    ----------
    data
        Long panel: one row per unit and period (a pandas frame, or any frame
        with a ``to_pandas()`` method, such as polars). Or person-level records
        in another engine (a polars frame, a DuckDB relation, a PySpark
        DataFrame) with several people in some unit-period - people within
        areas, each seen once: they are summarised into unit-by-period cells
        where they live (:mod:`evaluation.cells`), and the estimate is R
        ``did``'s ``att_gt`` with ``panel = FALSE`` (repeated cross-sections,
        no covariates) on the person-level rows, with the influence added up
        by ``unit`` (or ``cluster``) and cohort shares counted in people,
        exact from the cells. ``cohort`` must then be 0, not missing, for
        never-treated units; ``method`` makes no difference without covariates.
    outcome, unit, time
        Outcome, unit identifier and period columns.
    cohort
        First period each unit is treated; 0 or missing for never treated.
    control_group
        ``"never_treated"`` or ``"not_yet_treated"`` (never treated plus units
        adopting after both periods compared, plus ``anticipation``).
    covariates
        Numeric columns. On a balanced panel each cell uses their values in the
        earlier of its two periods; on an unbalanced one each row's own values.
    method
        ``"reg"`` outcome regression, ``"ipw"`` inverse probability weighting
        or ``"dr"`` doubly robust (Sant'Anna and Zhao 2020).
    base_period
        ``"varying"`` (R's default: pre-period cells compare adjacent periods)
        or ``"universal"`` (every cell compares with the period before adoption).
    anticipation
        Periods before adoption in which units may already react (R ``did``'s
        ``anticipation``): post-adoption cells compare with the last period
        before ``cohort - anticipation``, not-yet-treated controls must adopt
        more than ``anticipation`` periods after the later period compared,
        and units adopting within ``anticipation`` periods of the first period
        are set aside (with a warning).
    weights
        Column of sampling weights (R ``did``'s ``weightsname``), positive and
        the same in every row of a unit. They weight each 2x2 comparison and
        the cohort shares of the aggregations.
    cluster
        Column of clusters coarser than the unit (e.g. the state of a county),
        the same in every row of a unit. Standard errors (and the bootstrap
        band, and the pre-trend test) then add the influence function up within
        clusters: ``se**2 = sum_c (sum_{i in c} psi_i)**2 / n**2``, with no
        small-sample correction (as R's ``did`` bootstrap).
    allow_unbalanced
        Accept a panel in which some units miss some periods, as R's ``did``
        with ``allow_unbalanced_panel = TRUE``: each 2x2 comparison then uses
        the repeated cross-section estimators on the rows observed in its two
        periods, and the influence function adds up each unit's rows. Without
        it an unbalanced panel is refused. A balanced panel gives the same
        answer either way.
    replications
        Number of multiplier-bootstrap draws for a simultaneous band around the
        event-study effects; ``None`` (the default) for no band.
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
        unbalanced panel (unless ``allow_unbalanced``), a cohort, weight or
        cluster that varies within a unit, weights that are not positive, a
        negative ``anticipation``, or no valid controls.

    Examples
    --------
    >>> from evaluation.simulate.did import staggered_adoption
    >>> panel = staggered_adoption(n_units=150, seed=2)
    >>> fit = staggered(panel, outcome="outcome", unit="unit", time="time", cohort="cohort")
    >>> list(fit.group_time.columns)
    ['cohort', 'time', 'att', 'se', 'ci_low', 'ci_high']
    >>> gappy = panel.sample(frac=0.9, random_state=1)
    >>> fit = staggered(gappy, outcome="outcome", unit="unit", time="time", cohort="cohort",
    ...                 anticipation=1, allow_unbalanced=True)
    >>> fit.n_obs == len(gappy)
    True

    People within areas, in a DuckDB relation (only the area-by-year cells leave it):

    >>> import duckdb
    >>> people = duckdb.sql(
    ...     "SELECT i % 8 AS area, 2018 + i // 8 % 4 AS year, "
    ...     "CASE WHEN i % 8 < 4 THEN 2020 ELSE 0 END AS adopted, "
    ...     "i % 8 + i // 8 % 4 + CASE WHEN i % 8 < 4 AND i // 8 % 4 >= 2 THEN 0.5 ELSE 0 END "
    ...     "+ 0.1 * sin(i) AS y FROM range(3200) t(i)")
    >>> fit = staggered(people, outcome="y", unit="area", time="year", cohort="adopted")
    >>> fit.n_obs, fit.n_units, len(fit.cells), round(fit.estimate, 2)
    (3200, 8, 32, 0.5)
    """
    anticipation = _check_options(control_group, method, base_period, anticipation, level)
    result = partial(
        _staggered_result,
        outcome=outcome,
        control_group=control_group,
        method=method,
        level=level,
        bootstrap=replications,
        seed=seed,
        anticipation=anticipation,
    )
    if as_records(data, unit=unit, time=time):
        if covariates:
            raise ValueError(
                "covariates need a panel: person-level records in another engine are summarised "
                "into unit-by-period cells, within which covariates are not constant."
            )
        gt, cells = group_time_records(
            data,
            outcome=outcome,
            unit=unit,
            time=time,
            cohort=cohort,
            control_group=control_group,
            base_period=base_period,
            anticipation=anticipation,
            weights=weights,
            cluster=cluster,
            no_never_treated=_no_never_treated,
        )
        fit = result(
            gt,
            gt.n_units,
            notes=(
                f"repeated cross-sections of people, from {len(cells)} {unit}-by-{time} cells",
                *([f"{anticipation} period(s) of anticipation"] if anticipation else []),
                *([f"weighted by {weights}"] if weights else []),
                f"clustered by {cluster or unit}",
            ),
        )
        return replace(fit, n_units=cells[unit].nunique(), _cells=cells)
    data = as_panel(data)
    covariates = list(covariates or [])
    check_panel(
        data,
        unit=unit,
        time=time,
        numeric=[outcome, *covariates],
        columns={"outcome": outcome, "unit": unit, "time": time, "cohort": cohort}
        | {f"covariates[{i}]": c for i, c in enumerate(covariates)}
        | {"weights": weights, "cluster": cluster},
        balanced=not allow_unbalanced,
        hint=", or pass allow_unbalanced=True",
    )
    first = check_cohort(data, unit=unit, time=time, cohort=cohort)
    data, first = drop_always_treated(
        data, first, unit=unit, time=time, cohort=cohort, anticipation=anticipation
    )
    data, first = _no_never_treated(
        data, first, time=time, control_group=control_group, anticipation=anticipation
    )
    if np.isinf(first).all():
        raise ValueError(f"No unit is ever treated: column {cohort!r} is 0 or missing throughout.")
    first = first.loc[first.index.isin(data[unit])].sort_index()
    unit_weights, cluster_codes = _unit_columns(data, unit=unit, weights=weights, cluster=cluster)
    periods, prepared = _prepared(data, first, unit=unit, time=time, columns=[outcome, *covariates])
    gt = _group_time.estimate_group_time(
        prepared,
        first.to_numpy(),
        periods,
        control_group=control_group,
        method=method,
        base_period=base_period,
        anticipation=anticipation,
        weights=unit_weights,
        cluster=cluster_codes,
    )
    return result(
        gt,
        len(data),
        notes=tuple(
            note
            for note, given in [
                (f"{anticipation} period(s) of anticipation", anticipation > 0),
                (f"weighted by {weights}", weights is not None),
                (f"clustered by {cluster}", cluster is not None),
                ("unbalanced panel", isinstance(prepared, _group_time.Rows)),
            ]
            if given
        ),
    )


def _staggered_result(
    gt: _group_time.GroupTime,
    n_obs: int,
    *,
    outcome: str,
    control_group: str,
    method: str,
    level: float,
    bootstrap: int | None,
    seed: int,
    anticipation: int = 0,
    notes: tuple[str, ...] = (),
) -> StaggeredResult:
    if gt.att.size == 0:
        raise ValueError("No valid controls: no group-time cell has a comparison group.")
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
            gt.cluster_sums(dynamic_influence),
            draws=bootstrap,
            level=level,
            seed=seed,
            n_units=gt.n_units,
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
        n_obs=n_obs,
        method="Callaway-Sant'Anna ("
        + ", ".join([names[method], f"{control_group.replace('_', '-')} controls", *notes])
        + ")",
        estimand="ATT (simple aggregation)",
        level=level,
        control_group=control_group,
        n_units=gt.n_units,
        n_clusters=gt.n_units if gt.cluster is None else int(gt.cluster.max()) + 1,
        anticipation=anticipation,
        critical_value=critical,
        _group_time=group_time,
        _dynamic=tables[1],
        _by_cohort=tables[2],
        _pretrend=WaldTest(*_group_time.pre_test(gt)),
    )
