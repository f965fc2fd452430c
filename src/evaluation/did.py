"""Difference-in-differences: 2x2, two-way fixed effects, staggered adoption, event studies.

Four estimators, one shape. Each takes a tidy DataFrame and column names and
returns a frozen result with ``estimate, se, ci_low, ci_high, p_value, n_obs``,
``tidy()``, ``summary()`` and, where a picture is the natural answer, ``plot()``.

- :func:`two_by_two`: treated and comparison groups, before and after.
- :func:`twfe`: the two-way fixed-effects regression, with the implicit weight
  it gives each treated unit-period (some may be negative).
- :func:`staggered`: Callaway and Sant'Anna (2021) group-time effects and their
  aggregations, with analytic influence-function standard errors as R's ``did``.
- :func:`event_study`: effects by time since adoption, Sun and Abraham (2021)
  interaction-weighted or the conventional dynamic TWFE, with a pre-trend test.

Examples
--------
>>> from evaluation import did
>>> from evaluation.simulate.did import staggered_adoption
>>> panel = staggered_adoption(n_units=200, seed=1)
>>> fit = did.staggered(panel, outcome="outcome", unit="unit", time="time", cohort="cohort")
>>> abs(fit.estimate - panel.attrs["true_effect"]) < 4 * fit.se
True
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, TypedDict

import numpy as np
import pandas as pd
import statsmodels.api as sm
from matplotlib.axes import Axes

from evaluation import _did_cs, _did_es, plots
from evaluation._did_checks import (
    check_binary,
    check_cohort,
    check_panel,
    check_weights,
    drop_always_treated,
    shown,
)
from evaluation._did_fe import fit_within
from evaluation._results import (
    Result,
    normal_interval,
    require_columns,
    require_no_missing,
    require_numeric,
)

__all__ = [
    "EventStudyResult",
    "StaggeredResult",
    "TwfeResult",
    "TwoByTwoResult",
    "WaldTest",
    "event_study",
    "staggered",
    "two_by_two",
    "twfe",
]

DEFAULT_SOURCE = "Source: evaluation.did estimates from the data supplied."


class WaldTest(NamedTuple):
    """A joint Wald test: chi-squared ``statistic`` on ``df`` degrees of freedom."""

    statistic: float
    df: int
    p_value: float


def _interval_columns(table: pd.DataFrame, level: float) -> pd.DataFrame:
    """Add ``ci_low, ci_high, p_value`` from the ``estimate`` and ``se`` columns."""
    bounds = [
        normal_interval(e, s, level) for e, s in zip(table["estimate"], table["se"], strict=True)
    ]
    table[["ci_low", "ci_high", "p_value"]] = np.array(bounds).reshape(-1, 3)
    return table


class Headline(TypedDict):
    """The headline fields of a :class:`Result`."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float


def _readable(value: float) -> str:
    """A number for a chart label: thousands separators when large, 3 significant digits else."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _headline(estimate: float, se: float, level: float) -> Headline:
    low, high, p = normal_interval(estimate, se, level)
    return {"estimate": estimate, "se": se, "ci_low": low, "ci_high": high, "p_value": p}


# --- 2x2 -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TwoByTwoResult(Result):
    """A 2x2 difference-in-differences: the interaction of group and period.

    ``cell_means`` holds the (weighted) mean outcome of each group in each
    period, ``coefficients`` the whole regression.
    """

    outcome: str = ""
    _cell_means: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    _coefficients: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    @property
    def cell_means(self) -> pd.DataFrame:
        """Mean outcome by ``treated`` and ``post`` (a copy)."""
        return self._cell_means.copy()

    @property
    def coefficients(self) -> pd.DataFrame:
        """Every coefficient of the regression with its SE (a copy)."""
        return self._coefficients.copy()

    def plot(
        self,
        ax: Axes | None = None,
        *,
        title: str = "Difference-in-differences: group means before and after",
        xlabel: str = "Period",
        ylabel: str | None = None,
        source: str = DEFAULT_SOURCE,
    ) -> Axes:
        """The classic picture: both groups' means, and the treated group's counterfactual.

        The arrow and its label are the difference of the (weighted) cell means,
        which equals the estimate unless covariates were adjusted for.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4.2))
        means = self._cell_means.set_index(["treated", "post"])["mean"]
        x = [0, 1]
        ax.plot(x, [means[(0, 0)], means[(0, 1)]], "o-", color=plots.PALETTE[0], label="Comparison")
        ax.plot(x, [means[(1, 0)], means[(1, 1)]], "o-", color=plots.PALETTE[3], label="Treated")
        counterfactual = means[(1, 0)] + means[(0, 1)] - means[(0, 0)]
        ax.plot(
            x,
            [means[(1, 0)], counterfactual],
            "o--",
            color=plots.PALETTE[3],
            alpha=0.55,
            label="Treated without the policy (parallel trends)",
        )
        observed = means[(1, 1)]
        ax.annotate(
            "",
            xy=(1.04, observed),
            xytext=(1.04, counterfactual),
            arrowprops={"arrowstyle": "<->", "color": "#444444"},
        )
        ax.text(
            1.07,
            (observed + counterfactual) / 2,
            f"DiD\n{_readable(observed - counterfactual)}",
            va="center",
            ha="left",
        )
        ax.set_xlim(-0.15, 1.45)
        ax.set_xticks(x, ["Before", "After"])
        ax.legend(frameon=False, loc="best")
        plots.finish(
            ax, title=title, xlabel=xlabel, ylabel=ylabel or f"Mean {self.outcome}", source=source
        )
        return ax


def two_by_two(
    data: pd.DataFrame,
    *,
    outcome: str,
    treated: str,
    post: str,
    covariates: list[str] | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    cov_type: Literal["HC1", "nonrobust"] = "HC1",
    level: float = 0.95,
) -> TwoByTwoResult:
    """Difference-in-differences with two groups and two periods.

    Fits ``outcome ~ treated + post + treated:post (+ covariates)`` by least
    squares (weighted if ``weights``); the estimate is the interaction.

    Parameters
    ----------
    data
        One row per observation (person, area, house...).
    outcome
        Numeric outcome column.
    treated, post
        0/1 (or boolean) columns: in the treated group; in the later period.
    covariates
        Numeric columns to adjust for.
    cluster
        Column whose values define clusters for cluster-robust SEs.
    weights
        Positive weights (e.g. population).
    cov_type
        ``"HC1"`` (heteroskedasticity-robust, the default) or ``"nonrobust"``
        (classical OLS, as textbooks print). Ignored when ``cluster`` is given.
    level
        Confidence level of the interval.

    Returns
    -------
    TwoByTwoResult

    Raises
    ------
    ValueError
        If a column is absent, non-numeric or incomplete, ``treated``/``post``
        are not 0/1, or one of the four group-period cells is empty.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 1.5, 4.0, 1.1, 2.1, 1.4, 3.9],
    ...                    "g": [0, 0, 1, 1, 0, 0, 1, 1], "t": [0, 1, 0, 1, 0, 1, 0, 1]})
    >>> round(two_by_two(df, outcome="y", treated="g", post="t").estimate, 2)
    1.5
    """
    covariates = list(covariates or [])
    require_columns(
        data,
        {
            "outcome": outcome,
            "treated": treated,
            "post": post,
            "cluster": cluster,
            "weights": weights,
        }
        | {f"covariates[{i}]": c for i, c in enumerate(covariates)},
    )
    require_numeric(data, [outcome, *covariates])
    require_no_missing(data, [outcome, treated, post, *covariates, *filter(None, [cluster])])
    check_weights(data, weights)
    group, period = check_binary(data, treated), check_binary(data, post)
    w = np.ones(len(data)) if weights is None else data[weights].to_numpy(dtype=float)
    cells = pd.DataFrame(
        {
            "treated": group.astype(int),
            "post": period.astype(int),
            "w": w,
            "wy": w * data[outcome].to_numpy(dtype=float),
        }
    )
    sums = cells.groupby(["treated", "post"]).agg(n=("w", "size"), w=("w", "sum"), wy=("wy", "sum"))
    missing = [c for c in [(0, 0), (0, 1), (1, 0), (1, 1)] if c not in sums.index]
    if missing:
        raise ValueError(
            f"No rows with ({treated}, {post}) = {missing}: all four group-period cells are "
            "needed for a 2x2 difference-in-differences."
        )
    means = sums.assign(mean=sums["wy"] / sums["w"]).reset_index()[["treated", "post", "mean", "n"]]
    names = ["const", treated, post, f"{treated}:{post}", *covariates]
    design = np.column_stack(
        [np.ones(len(data)), group, period, group * period, data[covariates].to_numpy(dtype=float)]
    )
    model = sm.WLS(data[outcome].to_numpy(dtype=float), design, weights=w)
    if cluster is not None:
        groups = pd.factorize(data[cluster])[0]
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups})
    else:
        fit = model.fit(cov_type=cov_type)
    coefficients = pd.DataFrame(
        {"term": names, "estimate": fit.params, "se": fit.bse, "p_value": fit.pvalues}
    )
    se_kind = f"clustered by {cluster}" if cluster else cov_type
    return TwoByTwoResult(
        **_headline(float(fit.params[3]), float(fit.bse[3]), level),
        n_obs=len(data),
        method=f"2x2 difference-in-differences (OLS, {se_kind} SE)",
        estimand="ATT",
        level=level,
        outcome=outcome,
        _cell_means=means,
        _coefficients=coefficients,
    )


# --- two-way fixed effects -------------------------------------------------------------


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

    @property
    def cell_weights(self) -> pd.DataFrame:
        """Implicit weight of each treated unit-period (a copy)."""
        return self._cell_weights.copy()


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
        **_headline(float(results.params[0]), float(results.bse[0]), level),
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


# --- staggered adoption (Callaway and Sant'Anna) ----------------------------------------


def _event_plot(
    effects: pd.DataFrame,
    ax: Axes | None,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    source: str,
    band: bool,
) -> Axes:
    """Points and intervals by event time; pre-periods in one colour, post in another."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    groups = [
        (False, plots.PALETTE[0], "Before adoption"),
        (True, plots.PALETTE[3], "After adoption"),
    ]
    for is_post, colour, label in groups:
        part = effects.loc[(effects["event_time"] >= 0) == is_post]
        if part.empty:
            continue
        x, y = part["event_time"].to_numpy(), part["estimate"].to_numpy()
        if band and "band_low" in part:
            ax.errorbar(
                x,
                y,
                yerr=[y - part["band_low"], part["band_high"] - y],
                fmt="none",
                ecolor=colour,
                elinewidth=1,
                capsize=5,
                alpha=0.8,
            )
        ax.errorbar(
            x,
            y,
            yerr=[y - part["ci_low"], part["ci_high"] - y],
            fmt="o",
            color=colour,
            elinewidth=3.5,
            capsize=0,
            label=label,
        )
    if band and "band_low" in effects:
        ax.plot([], [], color="#555555", lw=3.5, label="95% pointwise interval")
        ax.errorbar(
            [],
            [],
            yerr=[],
            fmt="none",
            ecolor="#555555",
            elinewidth=1,
            capsize=5,
            label="95% simultaneous band",
        )
    ax.axhline(0, color="#333333", linewidth=1)
    ax.axvline(-0.5, color="#777777", linewidth=1, linestyle="--")
    ax.legend(frameon=False, loc="best")
    plots.finish(ax, title=title, xlabel=xlabel, ylabel=ylabel, source=source)
    return ax


@dataclass(frozen=True, kw_only=True)
class StaggeredResult(Result):
    """Callaway and Sant'Anna (2021) staggered difference-in-differences.

    The headline (``estimate``...) is the simple aggregation: the average of
    the post-adoption ATT(g, t), weighted by cohort size, which is the average
    effect over all treated unit-periods (R ``did::aggte(type = "simple")``).
    """

    control: str = ""
    n_units: int = 0
    critical_value: float = float("nan")
    _group_time: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    _dynamic: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    _by_cohort: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    _pretrend: WaldTest = WaldTest(float("nan"), 0, float("nan"))

    @property
    def group_time(self) -> pd.DataFrame:
        """ATT(g, t): ``cohort, time, att, se, ci_low, ci_high`` (a copy)."""
        return self._group_time.copy()

    @property
    def dynamic(self) -> pd.DataFrame:
        """Effects by event time (periods since adoption), as ``aggte(type="dynamic")``."""
        return self._dynamic.copy()

    @property
    def by_cohort(self) -> pd.DataFrame:
        """Average post-adoption effect of each cohort, as ``aggte(type="group")``."""
        return self._by_cohort.copy()

    @property
    def overall(self) -> Result:
        """The headline simple aggregation as a plain :class:`Result`."""
        return Result(
            estimate=self.estimate,
            se=self.se,
            ci_low=self.ci_low,
            ci_high=self.ci_high,
            p_value=self.p_value,
            n_obs=self.n_obs,
            method=self.method,
            estimand=self.estimand,
            level=self.level,
            notes=self.notes,
        )

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
        ax: Axes | None = None,
        *,
        title: str = "Event study: effect by time since adoption (Callaway-Sant'Anna)",
        xlabel: str = "Periods since adoption (event time)",
        ylabel: str = "Estimated effect (outcome units)",
        source: str = DEFAULT_SOURCE,
    ) -> Axes:
        """Event-study figure of the dynamic aggregation with 95% intervals."""
        effects = self._dynamic.rename(columns={"att": "estimate"})
        return _event_plot(
            effects, ax, title=title, xlabel=xlabel, ylabel=ylabel, source=source, band=True
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
    data: pd.DataFrame, first: pd.Series, *, time: str, control: str
) -> tuple[pd.DataFrame, pd.Series]:
    """With no never-treated units, the last cohort becomes the control, as in R's ``did``.

    Periods from its adoption on are dropped (with a warning): nobody is left to compare.
    """
    if np.isinf(first).any():
        return data, first
    if control == "never_treated":
        raise ValueError(
            "No valid controls: every unit is eventually treated, so there is no "
            "never-treated group. Use control='not_yet_treated'."
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
    control: Literal["never_treated", "not_yet_treated"] = "never_treated",
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
    control
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
    if control not in ("never_treated", "not_yet_treated"):
        raise ValueError(f"control must be 'never_treated' or 'not_yet_treated', not {control!r}.")
    if method not in _did_cs.ESTIMATORS:
        raise ValueError(f"method must be one of {list(_did_cs.ESTIMATORS)}, not {method!r}.")
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
    data, first = _no_never_treated(data, first, time=time, control=control)
    if np.isinf(first).all():
        raise ValueError(f"No unit is ever treated: column {cohort!r} is 0 or missing throughout.")
    periods, wide = _wide_panel(data, unit=unit, time=time, columns=[outcome, *covariates])
    gt = _did_cs.estimate_group_time(
        wide[:, :, 0].T,
        first.sort_index().to_numpy(),
        periods,
        wide[:, :, 1:] if covariates else None,
        control=control,
        method=method,
        base_period=base_period,
    )
    if gt.att.size == 0:
        raise ValueError("No valid controls: no group-time cell has a comparison group.")
    return _staggered_result(
        gt, data, control=control, method=method, level=level, bootstrap=bootstrap, seed=seed
    )


def _staggered_result(
    gt: _did_cs.GroupTime,
    data: pd.DataFrame,
    *,
    control: str,
    method: str,
    level: float,
    bootstrap: int | None,
    seed: int,
) -> StaggeredResult:
    overall, dynamic, by_cohort, dynamic_influence = _did_cs.aggregate(gt)
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
        band_se, critical = _did_cs.multiplier_band(
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
        **_headline(overall["att"], overall["se"], level),
        n_obs=len(data),
        method=f"Callaway-Sant'Anna ({names[method]}, {control.replace('_', '-')} controls)",
        estimand="ATT (simple aggregation)",
        level=level,
        control=control,
        n_units=gt.n_units,
        critical_value=critical,
        _group_time=group_time,
        _dynamic=tables[1],
        _by_cohort=tables[2],
        _pretrend=WaldTest(*_did_cs.pre_test(gt)),
    )


# --- event study ----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class EventStudyResult(Result):
    """Effects by time since adoption, relative to a reference period.

    The headline is the average of the post-adoption event-time effects.
    ``effects`` has one row per event time; for Sun-Abraham,
    ``cohort_effects`` holds the cohort-specific effects it averages.
    """

    reference: int = -1
    _effects: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    _cohort_effects: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    _pretrend: WaldTest = WaldTest(float("nan"), 0, float("nan"))

    @property
    def effects(self) -> pd.DataFrame:
        """``event_time, estimate, se, ci_low, ci_high, p_value`` (a copy)."""
        return self._effects.copy()

    @property
    def cohort_effects(self) -> pd.DataFrame:
        """Cohort-by-event-time effects and their weights (Sun-Abraham only; a copy)."""
        return self._cohort_effects.copy()

    def pretrend_test(self) -> WaldTest:
        """Joint Wald test that every pre-adoption effect is zero."""
        return self._pretrend

    def tidy(self) -> pd.DataFrame:
        """The headline average, then one row per event time."""
        part = self._effects.assign(
            term=[f"event time {e:g}" for e in self._effects["event_time"]], n_obs=self.n_obs
        )
        columns = ["term", "estimate", "se", "ci_low", "ci_high", "p_value", "n_obs"]
        return pd.concat([super().tidy(), part[columns]], ignore_index=True)

    def plot(
        self,
        ax: Axes | None = None,
        *,
        title: str = "Event study: effect by time since adoption",
        xlabel: str = "Periods since adoption (event time)",
        ylabel: str = "Estimated effect (outcome units)",
        source: str = DEFAULT_SOURCE,
    ) -> Axes:
        """Event-study figure with 95% intervals; the reference period is drawn at zero."""
        reference = pd.DataFrame(
            {"event_time": [self.reference], "estimate": [0.0], "ci_low": [0.0], "ci_high": [0.0]}
        )
        effects = pd.concat([self._effects, reference]).sort_values("event_time")
        return _event_plot(
            effects, ax, title=title, xlabel=xlabel, ylabel=ylabel, source=source, band=False
        )


def event_study(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    window: tuple[int, int] | None = None,
    reference: int = -1,
    method: Literal["sun_abraham", "twfe"] = "sun_abraham",
    cluster: str | None = None,
    level: float = 0.95,
) -> EventStudyResult:
    """Event study: effects for each period before and after adoption.

    ``"sun_abraham"`` (Sun and Abraham 2021) estimates a separate effect for
    each cohort and event time, with unit and time fixed effects and the
    never-treated (or, failing them, the last-treated) units as the
    comparison, then averages cohorts by their share of the units observed at
    each event time. ``"twfe"`` is the conventional regression on event-time
    dummies pooled over cohorts, which is biased when effects differ across
    cohorts. Standard errors are clustered by ``unit`` (or ``cluster``).

    Parameters
    ----------
    data
        Balanced long panel: one row per unit and period.
    outcome, unit, time
        Outcome, unit identifier and period columns.
    cohort
        First period each unit is treated; 0 or missing for never treated.
    window
        ``(first, last)`` event times to report; event times beyond are binned
        into the end points. ``None`` keeps every event time.
    reference
        The omitted event time, against which effects are measured.
    method
        ``"sun_abraham"`` or ``"twfe"``.
    cluster
        Column defining clusters; default ``unit``.
    level
        Confidence level.

    Returns
    -------
    EventStudyResult

    Raises
    ------
    ValueError
        On absent, non-numeric or missing columns, duplicate unit-periods, an
        unbalanced panel, a cohort that varies within a unit, a window that
        excludes the reference, or a cohort never observed at the reference.

    Examples
    --------
    >>> from evaluation.simulate.did import staggered_adoption
    >>> panel = staggered_adoption(n_units=150, seed=4)
    >>> es = event_study(panel, outcome="outcome", unit="unit", time="time", cohort="cohort")
    >>> es.pretrend_test().df > 0
    True
    """
    if method not in ("sun_abraham", "twfe"):
        raise ValueError(f"method must be 'sun_abraham' or 'twfe', not {method!r}.")
    check_panel(
        data,
        unit=unit,
        time=time,
        numeric=[outcome],
        columns={
            "outcome": outcome,
            "unit": unit,
            "time": time,
            "cohort": cohort,
            "cluster": cluster,
        },
    )
    if cluster is not None:
        require_no_missing(data, [cluster])
    first = check_cohort(data, unit=unit, time=time, cohort=cohort)
    data, first = drop_always_treated(data, first, unit=unit, time=time, cohort=cohort)
    design = _did_es.build_design(
        data, first, unit=unit, time=time, window=window, reference=reference, method=method
    )
    fit = fit_within(
        design.data[outcome].to_numpy(dtype=float),
        design.regressors,
        design.names,
        unit_codes=pd.factorize(design.data[unit])[0],
        time=design.data[time],
        clusters=pd.factorize(design.data[cluster or unit])[0],
    )
    effects, cohort_effects, test, average = _did_es.summarise(fit.results, design, level=level)
    return EventStudyResult(
        **_headline(average[0], average[1], level),
        n_obs=len(design.data),
        method=(
            "Sun-Abraham interaction-weighted event study"
            if method == "sun_abraham"
            else "Dynamic two-way fixed effects event study"
        )
        + f" (clustered by {cluster or unit})",
        estimand="average post-adoption effect",
        level=level,
        notes=design.notes,
        reference=reference,
        _effects=effects,
        _cohort_effects=cohort_effects,
        _pretrend=WaldTest(*test),
    )
