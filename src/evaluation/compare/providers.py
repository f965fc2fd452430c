"""Comparing providers that share areas.

:func:`~evaluation.compare.within_area` measures each provider against the others in
the same area; :func:`~evaluation.compare.provider_effects` estimates provider effects
on the log odds net of area (a logistic regression with area and provider effects);
:func:`~evaluation.compare.versus_benchmark` compares a pooled rate with a fixed
benchmark.

Work Programme referrals were allocated at random between the two or three primes
in each contract package area (NAO 2014), so, within an area, a difference in job
outcome rates estimates a difference in provider effect; across areas it mixes
provider and local labour market.

Examples
--------
>>> import pandas as pd
>>> from evaluation.compare import within_area
>>> data = pd.DataFrame({"area": ["A", "A", "B", "B"], "provider": ["p", "q", "r", "s"],
...                      "events": [30, 20, 60, 40], "denominator": [100, 100, 200, 200]})
>>> result = within_area(data, area="area", provider="provider", events="events",
...                      denominator="denominator")
>>> float(round(result.table.loc[0, "effect_pp"], 1))
5.0
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar

import numpy as np
import pandas as pd
import statsmodels.api as sm
from matplotlib.axes import Axes
from scipy import stats

from evaluation.compare._counts import _check_count_rows
from evaluation.report import style
from evaluation.results import (
    CopiedFrame,
    Result,
    headline,
    no_interval,
    require_columns,
    require_frame,
    require_level,
    require_no_missing,
    require_numeric,
    tidy_columns,
    tidy_frame,
)

__all__ = [
    "ProviderEffectsResult",
    "WithinAreaResult",
    "provider_effects",
    "versus_benchmark",
    "within_area",
]


class _OwnsTable:
    """A result that keeps its own copy of the table it was given, and hands out copies."""

    _table: pd.DataFrame

    def __post_init__(self) -> None:
        object.__setattr__(self, "_table", self._table.copy())

    table = CopiedFrame("_table", "The full table (a copy).")


@dataclass(frozen=True)
class WithinAreaResult(_OwnsTable, Result):
    """Provider effects measured against the other providers in the same area.

    The headline is the standard deviation of the estimated within-area
    effects (percentage points): how much providers sharing an area differ.
    ``table`` has one row per provider-in-area contract.
    """

    _table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    _METHOD: ClassVar[str] = "Within-area provider comparison (binomial rates, area contrasts)"
    _ESTIMAND: ClassVar[str] = "SD of within-area provider effects (pp)"

    def tidy(self) -> pd.DataFrame:
        """One row per contract: the within-area effect (percentage points) with its interval."""
        table = self._table
        return tidy_frame(
            {
                "term": table["area"].astype(str) + " " + table["provider"].astype(str),
                "estimate": table["effect_pp"],
                "se": table["se_pp"],
                "ci_low": table["ci_low_pp"],
                "ci_high": table["ci_high_pp"],
                "p_value": table["p_value"],
                **{
                    c: table[c]
                    for c in ["area", "provider", "effect_pp", "se_pp", "ci_low_pp", "ci_high_pp"]
                },
            }
        )

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Each contract's within-area effect (percentage points) and its interval.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        ax = style.axes(ax, (7, 0.18 * len(self.table) + 1.5))
        ordered = self.table.sort_values("effect_pp").reset_index(drop=True)
        y = np.arange(len(ordered))
        ax.errorbar(
            ordered["effect_pp"],
            y,
            xerr=[
                ordered["effect_pp"] - ordered["ci_low_pp"],
                ordered["ci_high_pp"] - ordered["effect_pp"],
            ],
            fmt="o",
            ms=3,
            color="C0",
            label=f"estimate with {round(100 * self.level)}% interval",
        )
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_yticks(y, ordered["area"].astype(str) + " " + ordered["provider"].astype(str))
        ax.legend(loc="lower right")
        return style.finish(
            ax,
            title="Each contract's effect within its area, with its interval",
            xlabel="Within-area effect (percentage points)",
            ylabel="Area and provider",
            source=style.DEFAULT_SOURCE,
        )


def _check_within(
    data: pd.DataFrame, area: str, provider: str, events: str, denominator: str
) -> pd.DataFrame:
    columns = {"area": area, "provider": provider, "events": events, "denominator": denominator}
    require_frame(data, columns, numeric=[events, denominator], keys=[area, provider])
    bad = data.index[
        (data[denominator] <= 0) | (data[events] < 0) | (data[events] > data[denominator])
    ]
    if len(bad):
        raise ValueError(
            f"Columns {events!r} and {denominator!r} need 0 <= events <= denominator and a "
            f"positive denominator; rows {list(bad[:5])} break this."
        )
    sizes = data.groupby(area)[provider].transform("size")
    alone = data.loc[sizes < 2, area].unique()
    if len(alone):
        raise ValueError(
            f"Areas {list(alone)} (column {area!r}) have a single provider: "
            "no within-area comparison is possible. Remove them explicitly."
        )
    return data.sort_values([area, provider]).reset_index(drop=True)


def _contrast_matrix(areas: pd.Series) -> np.ndarray:
    """Rows: each contract's rate minus the unweighted mean rate of its area's contracts."""
    codes = areas.to_numpy()
    same = (codes[:, None] == codes[None, :]).astype(float)
    return np.eye(len(codes)) - same / same.sum(axis=1, keepdims=True)


def within_area(
    data: pd.DataFrame,
    *,
    area: str,
    provider: str,
    events: str,
    denominator: str,
    level: float = 0.95,
) -> WithinAreaResult:
    """Each provider's job outcome rate against the average of the providers in its area.

    One row per contract (provider in area). Contracts are independent
    binomial samples, so each rate ``k/n`` has variance ``p(1 - p)/n``; the
    effect of a contract is its rate minus the unweighted mean rate of the
    contracts in its area, in percentage points, and its standard error is
    the same contrast applied to the (diagonal) covariance of the rates.
    Under random allocation of referrals within areas this is an unbiased
    estimate of the provider's effect relative to its area's providers;
    across areas nothing is compared.

    Parameters
    ----------
    data
        One row per contract.
    area, provider, events, denominator
        Column names: the contract package area, the prime provider, the job
        outcomes, the referrals.
    level
        Confidence level of the intervals.

    Returns
    -------
    WithinAreaResult
        Headline: the standard deviation of the within-area effects (pp), with
        no interval (``se`` and bounds are NaN). ``table`` columns: ``area,
        provider, events, denominator, rate_pct, effect_pp, se_pp, ci_low_pp,
        ci_high_pp, p_value``.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"a": ["X", "X"], "p": ["u", "v"], "k": [10, 30], "n": [100, 100]})
    >>> within_area(data, area="a", provider="p", events="k", denominator="n").table[
    ...     "effect_pp"].round(1).tolist()
    [-10.0, 10.0]
    """
    frame = _check_within(data, area, provider, events, denominator)
    rate = (frame[events] / frame[denominator]).to_numpy(float)
    variance = rate * (1 - rate) / frame[denominator].to_numpy(float)
    contrast = _contrast_matrix(frame[area])
    effects = contrast @ rate
    se = np.sqrt(np.diag(contrast @ np.diag(variance) @ contrast.T))
    z = stats.norm.ppf(0.5 + level / 2)
    table = frame[[area, provider, events, denominator]].rename(
        columns={area: "area", provider: "provider", events: "events", denominator: "denominator"}
    )
    table["rate_pct"] = 100 * rate
    table["effect_pp"] = 100 * effects
    table["se_pp"] = 100 * se
    table["ci_low_pp"] = table["effect_pp"] - z * table["se_pp"]
    table["ci_high_pp"] = table["effect_pp"] + z * table["se_pp"]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["p_value"] = 2 * stats.norm.sf(np.abs(effects / se))
    note = f"{len(frame)} contracts in {frame[area].nunique()} areas."
    spread = float(table["effect_pp"].std(ddof=1))
    return _spread(WithinAreaResult, spread, frame[denominator], level, note, table)


@dataclass(frozen=True)
class ProviderEffectsResult(_OwnsTable, Result):
    """Provider effects on the log odds of a job outcome, net of area, centred on the average.

    The headline is the standard deviation of the centred effects. ``table``
    has one row per provider: ``provider, effect, se, ci_low, ci_high,
    p_value, contracts``.
    """

    _table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    _METHOD: ClassVar[str] = "Provider fixed effects within areas (binomial GLM, logit link)"
    _ESTIMAND: ClassVar[str] = "SD of provider effects (log odds)"

    def tidy(self) -> pd.DataFrame:
        """One row per provider: its effect on the log odds, net of area."""
        kept = ("se", "ci_low", "ci_high", "p_value", "contracts")
        return tidy_columns(self._table, {"term": "provider", "estimate": "effect"}, *kept)


_Spread = TypeVar("_Spread", WithinAreaResult, ProviderEffectsResult)


def _spread(
    result_class: type[_Spread],
    spread: float,
    denominator: pd.Series,
    level: float,
    note: str,
    table: pd.DataFrame,
) -> _Spread:
    """A result headed by the spread of provider effects: descriptive, so no interval or test."""
    return result_class(
        **no_interval(spread),
        n_obs=int(denominator.sum()),
        method=result_class._METHOD,
        estimand=result_class._ESTIMAND,
        level=level,
        notes=(note,),
        _table=table,
    )


def _unconnected(frame: pd.DataFrame, area: str, provider: str) -> list[str]:
    """Providers not linked to the first provider through shared areas."""
    reached = {frame[provider].iloc[0]}
    while True:
        areas = frame.loc[frame[provider].isin(reached), area]
        grown = set(frame.loc[frame[area].isin(areas), provider])
        if grown == reached:
            break
        reached = grown
    return sorted(set(frame[provider]) - reached)


def provider_effects(
    data: pd.DataFrame,
    *,
    area: str,
    provider: str,
    events: str,
    denominator: str,
    level: float = 0.95,
) -> ProviderEffectsResult:
    """Each provider's effect on the log odds of a job outcome, comparing within areas only.

    A binomial GLM (logit link, statsmodels) of the counts on area and
    provider fixed effects: the area effects absorb the local labour market,
    so a provider's effect is identified only from the areas it shares with
    other providers. Where referrals are randomised within areas (as in the
    Work Programme) this is a fair comparison. The effects are centred on the
    average provider, with standard errors from the same contrast of the
    covariance matrix. Providers must be linked through shared areas; if they
    fall into separate groups a ``ValueError`` names the unlinked providers.

    Parameters
    ----------
    data
        One row per contract (provider in area).
    area, provider, events, denominator
        Column names.
    level
        Confidence level of the intervals.

    Returns
    -------
    ProviderEffectsResult

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"a": ["X", "X", "Y", "Y"], "p": ["u", "v", "u", "v"],
    ...                      "k": [20, 10, 40, 20], "n": [100, 100, 100, 100]})
    >>> fit = provider_effects(data, area="a", provider="p", events="k", denominator="n")
    >>> fit.table["effect"].round(2).tolist()
    [0.46, -0.46]
    """
    frame = _check_within(data, area, provider, events, denominator)
    lost = _unconnected(frame, area, provider)
    if lost:
        raise ValueError(
            f"Providers {lost} (column {provider!r}) share no area, directly or through "
            "others, with the rest: their effects cannot be compared. Analyse the groups apart."
        )
    dummies = pd.get_dummies(frame[[area, provider]].astype(str), drop_first=False, dtype=float)
    providers = sorted(frame[provider].astype(str).unique())
    area_columns = [c for c in dummies.columns if c.startswith(f"{area}_")]
    provider_columns = [f"{provider}_{p}" for p in providers[1:]]
    exog = dummies[area_columns + provider_columns].to_numpy()
    endog = np.column_stack(
        [frame[events].to_numpy(float), (frame[denominator] - frame[events]).to_numpy(float)]
    )
    fit = sm.GLM(endog, exog, family=sm.families.Binomial()).fit()
    k = len(area_columns)
    raw = np.concatenate([[0.0], np.asarray(fit.params)[k:]])
    cov = np.zeros((len(providers), len(providers)))
    cov[1:, 1:] = np.asarray(fit.cov_params())[k:, k:]
    centre = np.eye(len(providers)) - 1 / len(providers)
    effect = centre @ raw
    se = np.sqrt(np.diag(centre @ cov @ centre.T))
    z = stats.norm.ppf(0.5 + level / 2)
    table = pd.DataFrame(
        {
            "provider": providers,
            "effect": effect,
            "se": se,
            "ci_low": effect - z * se,
            "ci_high": effect + z * se,
            "p_value": 2 * stats.norm.sf(np.abs(effect / se)),
            "contracts": frame[provider].astype(str).value_counts().reindex(providers).to_numpy(),
        }
    )
    note = f"{len(providers)} providers, {frame[area].nunique()} areas."
    spread = float(np.std(effect, ddof=1))
    return _spread(ProviderEffectsResult, spread, frame[denominator], level, note, table)


def _check_benchmark(benchmark_pct: float, level: float) -> None:
    """A benchmark in per cent: refuse one outside 0-100, warn on one that looks like 0-1."""
    require_level(level)
    if not np.isfinite(benchmark_pct) or not 0 <= benchmark_pct <= 100:
        raise ValueError(f"benchmark_pct is a rate in per cent (0-100); it was {benchmark_pct}.")
    if 0 < benchmark_pct <= 1:
        warnings.warn(
            f"benchmark_pct={benchmark_pct} is read as {benchmark_pct}%. If it is a "
            f"proportion, pass {100 * benchmark_pct:g} (per cent).",
            UserWarning,
            stacklevel=3,
        )


def versus_benchmark(
    data: pd.DataFrame,
    *,
    events: str,
    denominator: str,
    benchmark_pct: float,
    level: float = 0.95,
) -> Result:
    """The outcome rate of all rows pooled minus a fixed benchmark rate, in percentage points.

    This is the Work Programme's own yardstick: outcomes against a
    non-intervention rate or a predecessor programme's rate. The interval
    reflects only binomial sampling of the outcomes; it says nothing about
    whether the benchmark is the right counterfactual, which is
    usually the larger error.

    Parameters
    ----------
    data
        One row per cohort, area or contract.
    events, denominator
        Column names: job outcomes and referrals.
    benchmark_pct
        The benchmark rate, in per cent.
    level
        Confidence level of the interval.

    Returns
    -------
    Result
        ``estimate`` in percentage points, with a normal-approximation interval.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"k": [30, 20], "n": [100, 100]})
    >>> round(versus_benchmark(data, events="k", denominator="n", benchmark_pct=20).estimate, 6)
    5.0
    """
    require_columns(data, {"events": events, "denominator": denominator})
    require_no_missing(data, [events, denominator])
    require_numeric(data, [events, denominator])
    _check_count_rows(data, events=events, denominator=denominator)
    _check_benchmark(benchmark_pct, level)
    total, events_sum = float(data[denominator].sum()), float(data[events].sum())
    rate = events_sum / total
    estimate = 100 * rate - benchmark_pct
    se = 100 * float(np.sqrt(rate * (1 - rate) / total))
    return Result(
        **headline(estimate, se, level),
        n_obs=int(total),
        method="Outcome rate against a fixed benchmark",
        estimand="rate minus benchmark (pp)",
        level=level,
        notes=("The interval ignores any error in the benchmark itself.",),
    )
