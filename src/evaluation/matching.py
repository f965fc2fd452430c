"""Selection on observables: propensity scores, matching, weighting, doubly robust, balance.

A programme without a control group (a voluntary course, a charity's mentoring
service) can still be evaluated by comparing its participants with similar
non-participants. This is how the Ministry of Justice's Justice Data Lab compares
the reoffending of an organisation's participants with a matched comparison group.
Every estimator here rests on one assumption the data cannot check: given the
covariates, who took part is as good as random (selection on observables), and
everyone had some chance of either state (overlap).

* :func:`propensity_score` -- the probability of treatment given the covariates
  (a statsmodels logit).
* :func:`nearest_neighbour` -- match each treated unit to its nearest controls on
  the propensity score (Abadie-Imbens 2006 standard error).
* :func:`ipw` -- inverse probability weighting (normalised weights, influence-function
  standard error that accounts for the estimated score).
* :func:`doubly_robust` -- augmented IPW: consistent if either the propensity model
  or the outcome regression is right (influence-function standard error).
* :func:`balance` -- standardised mean differences before and after, with a Love plot.
* :func:`difference_in_means` and :func:`regression_adjustment` -- the experimental
  estimator and the naive regression, for comparison.

Examples
--------
>>> from evaluation.simulate.matching import voluntary_programme
>>> from evaluation import matching
>>> frame = voluntary_programme(n=3000, confounding=0.0, seed=2)
>>> fit = matching.ipw(frame, outcome="reoffended", treatment="took_part",
...                    covariates=["age", "prior_offences", "employed"])
>>> bool(fit.ci_low < frame.attrs["true_effect"] < fit.ci_high)
True
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import statsmodels.api as sm
from matplotlib.axes import Axes
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

from evaluation._results import (
    Result,
    normal_interval,
    require_columns,
    require_no_missing,
    require_numeric,
)

__all__ = [
    "Balance",
    "ObservationalResult",
    "MatchingResult",
    "propensity_score",
    "balance",
    "nearest_neighbour",
    "ipw",
    "doubly_robust",
    "difference_in_means",
    "regression_adjustment",
]

ESTIMANDS = ("ATT", "ATE")
#: Same-group neighbours used to estimate each unit's outcome variance (Abadie-Imbens).
VARIANCE_NEIGHBOURS = 2
_TIE = 1e-10  # scores closer than this count as tied


# --------------------------------------------------------------------------- checks


def _prepare(
    data: pd.DataFrame,
    *,
    treatment: str,
    covariates: Sequence[str],
    outcome: str | None = None,
) -> pd.DataFrame:
    """Validate columns and return a float copy of them, treatment coded 0/1."""
    if isinstance(covariates, str) or len(covariates) == 0:
        raise ValueError("covariates must be a non-empty list of column names.")
    if len(set(covariates)) != len(covariates):
        raise ValueError(f"covariates lists a column more than once: {list(covariates)}.")
    clash = {treatment, outcome} & set(covariates)
    if clash:
        raise ValueError(
            f"{sorted(c for c in clash if c)} cannot be both a covariate and "
            "the treatment or outcome."
        )
    named: dict[str, str | None] = {"treatment": treatment, "outcome": outcome}
    named.update({f"covariates[{i}]": c for i, c in enumerate(covariates)})
    require_columns(data, named)
    columns = [c for c in (outcome, treatment, *covariates) if c is not None]
    require_numeric(data, columns)
    require_no_missing(data, columns)
    _require_binary(data, treatment)
    for column in covariates:
        if data[column].nunique() < 2:
            raise ValueError(
                f"Covariate {column!r} takes a single value ({data[column].iloc[0]!r}); "
                "it cannot predict treatment. Remove it."
            )
    return data.loc[:, columns].astype(float)


def _require_binary(data: pd.DataFrame, treatment: str) -> None:
    values = data[treatment]
    bad = ~values.isin([0, 1])
    if bad.any():
        rows = ", ".join(str(i) for i in data.index[bad][:5])
        raise ValueError(
            f"treatment={treatment!r} must be 0/1 (or boolean); {int(bad.sum())} row(s) hold "
            f"other values, e.g. {sorted(values[bad].unique().tolist())[:5]} (rows {rows})."
        )
    n_treated = int((values == 1).sum())
    if n_treated == 0 or n_treated == len(values):
        group = "treated" if n_treated == 0 else "control"
        raise ValueError(f"treatment={treatment!r} has no {group} units; nothing to compare.")


def _check_estimand(estimand: str) -> str:
    if estimand not in ESTIMANDS:
        raise ValueError(f"estimand={estimand!r}; choose 'ATT' or 'ATE'.")
    return estimand


# --------------------------------------------------------------------------- propensity


@dataclass(frozen=True)
class _Propensity:
    """A fitted logit: scores, its design (constant + standardised covariates), the fit."""

    scores: np.ndarray
    design: np.ndarray
    fit: Any

    def influence(self, treated: np.ndarray) -> np.ndarray:
        """Each unit's influence on the logit coefficients (n x k): n (X'WX)^-1 x_i (d_i - p_i)."""
        score = self.design * (treated - self.scores)[:, None]
        return score @ (np.asarray(self.fit.cov_params()) * len(treated))


def _fit_propensity(frame: pd.DataFrame, treatment: str, covariates: Sequence[str]) -> _Propensity:
    raw = frame[list(covariates)].to_numpy()
    standardised = (raw - raw.mean(axis=0)) / raw.std(axis=0)
    design = np.column_stack([np.ones(len(frame)), standardised])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        raise ValueError(
            f"The covariates {list(covariates)} are collinear (one is a combination of the "
            "others, or of a constant); drop the redundant one(s)."
        )
    treated = frame[treatment].to_numpy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PerfectSeparationWarning)
        warnings.simplefilter("always", ConvergenceWarning)
        fit = sm.Logit(treated, design).fit(disp=0, maxiter=100)
    scores = np.asarray(fit.predict(design))
    separated = any(issubclass(w.category, PerfectSeparationWarning) for w in caught)
    extreme = int(((scores < 1e-8) | (scores > 1 - 1e-8)).sum())
    if separated or not fit.mle_retvals.get("converged", True):
        raise ValueError(
            f"The propensity model for treatment={treatment!r} did not converge: the covariates "
            f"{list(covariates)} (almost) perfectly separate treated from control units, and "
            f"{extreme} row(s) have a score within 1e-8 of 0 or 1. Overlap fails there; coarsen "
            "or drop the covariate that separates the groups, or restrict the sample."
        )
    return _Propensity(scores=scores, design=design, fit=fit)


def propensity_score(data: pd.DataFrame, *, treatment: str, covariates: Sequence[str]) -> pd.Series:
    """The probability of treatment given the covariates, from a logit (statsmodels).

    The covariates enter linearly as given; add squares, interactions or
    indicators as columns to make the model richer. They are standardised before
    fitting (the scores do not change) to keep the optimisation well conditioned.

    Parameters
    ----------
    data
        One row per unit.
    treatment
        A 0/1 (or boolean) column.
    covariates
        Columns measured before treatment.

    Returns
    -------
    pandas.Series
        Named ``"propensity_score"``, indexed like ``data``.

    Raises
    ------
    ValueError
        Absent, non-numeric or missing columns; a non-binary treatment; a constant
        or collinear covariate; perfect separation (no overlap).

    Examples
    --------
    >>> from evaluation.simulate.matching import voluntary_programme
    >>> frame = voluntary_programme(n=500, seed=1)
    >>> score = propensity_score(frame, treatment="took_part", covariates=["age", "employed"])
    >>> bool(score.between(0, 1).all()), score.name
    (True, 'propensity_score')
    """
    frame = _prepare(data, treatment=treatment, covariates=covariates)
    fitted = _fit_propensity(frame, treatment, covariates)
    return pd.Series(fitted.scores, index=data.index, name="propensity_score")


# --------------------------------------------------------------------------- balance


@dataclass(frozen=True)
class Balance:
    """Standardised mean differences (SMD) of covariates, before and after adjustment.

    SMD = (treated mean - control mean) / sqrt((treated variance + control variance) / 2),
    with the *unweighted* variances in the denominator both before and after, so a
    change in the SMD is a change in the means alone. |SMD| < 0.1 is the usual
    threshold for adequate balance; variance ratios between 0.5 and 2 are also
    expected (Rubin 2001).
    """

    treatment: str
    weighted: bool
    _table: pd.DataFrame = field(repr=False, compare=False)

    @property
    def table(self) -> pd.DataFrame:
        """One row per covariate: means, SMD and variance ratio before (and after)."""
        return self._table.copy()

    def tidy(self) -> pd.DataFrame:
        """The balance table (a copy)."""
        return self.table

    def max_abs_smd(self, *, after: bool = True) -> float:
        """The largest |SMD| after adjustment (or before, with ``after=False``)."""
        column = "smd_after" if after and self.weighted else "smd_before"
        return float(self._table[column].abs().max())

    def summary(self) -> str:
        """A text table of the SMDs."""
        columns = ["smd_before", "smd_after"] if self.weighted else ["smd_before"]
        shown = self._table.set_index("covariate")[columns].round(3).to_string()
        return f"Covariate balance (standardised mean differences) for {self.treatment!r}\n{shown}"

    def plot(self, ax: Axes | None = None, *, threshold: float = 0.1) -> Axes:
        """Love plot: |SMD| of each covariate before (and after) adjustment.

        Finish with :func:`evaluation.plots.finish`.
        """
        table = self._table.iloc[::-1]
        ax = ax if ax is not None else plt.subplots(figsize=(7, 0.35 * len(table) + 1.5))[1]
        rows = np.arange(len(table))
        ax.scatter(table["smd_before"].abs(), rows, color="C3", marker="o", label="Before")
        if self.weighted:
            ax.scatter(table["smd_after"].abs(), rows, color="C0", marker="D", label="After")
            for row, (a, b) in enumerate(zip(table["smd_before"], table["smd_after"], strict=True)):
                ax.plot([abs(a), abs(b)], [row, row], color="#bbbbbb", lw=1, zorder=0)
        ax.axvline(threshold, color="black", ls="--", lw=1, label=f"|SMD| = {threshold:g}")
        ax.set_yticks(rows, table["covariate"])
        ax.set_xlabel("Absolute standardised mean difference")
        ax.legend(loc="lower right", fontsize=9)
        return ax


def _weighted_moments(values: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    mean = float(np.average(values, weights=weights))
    return mean, float(np.average((values - mean) ** 2, weights=weights))


def _balance_table(
    frame: pd.DataFrame, treatment: str, covariates: Sequence[str], weights: np.ndarray | None
) -> pd.DataFrame:
    treated = frame[treatment].to_numpy() == 1
    rows = []
    for column in covariates:
        values = frame[column].to_numpy()
        t, c = values[treated], values[~treated]
        scale = np.sqrt((t.var(ddof=1) + c.var(ddof=1)) / 2)
        row: dict[str, Any] = {
            "covariate": column,
            "mean_treated": t.mean(),
            "mean_control": c.mean(),
            "smd_before": (t.mean() - c.mean()) / scale if scale > 0 else 0.0,
            "variance_ratio_before": t.var(ddof=1) / c.var(ddof=1) if c.var() > 0 else np.nan,
        }
        if weights is not None:
            mt, vt = _weighted_moments(t, weights[treated])
            mc, vc = _weighted_moments(c, weights[~treated])
            row |= {
                "mean_treated_after": mt,
                "mean_control_after": mc,
                "smd_after": (mt - mc) / scale if scale > 0 else 0.0,
                "variance_ratio_after": vt / vc if vc > 0 else np.nan,
            }
        rows.append(row)
    return pd.DataFrame(rows)


def _weights_array(data: pd.DataFrame, weights: str | Sequence[float] | pd.Series) -> np.ndarray:
    if isinstance(weights, str):
        require_columns(data, {"weights": weights})
        require_numeric(data, [weights])
        require_no_missing(data, [weights])
        values = data[weights].to_numpy(dtype=float)
    else:
        values = np.asarray(weights, dtype=float)
        if values.shape != (len(data),):
            raise ValueError(f"weights has {values.size} values for {len(data)} rows.")
        if np.isnan(values).any():
            raise ValueError(f"weights has {int(np.isnan(values).sum())} missing value(s).")
    if (values < 0).any() or not np.isfinite(values).all():
        raise ValueError("weights must be finite and non-negative.")
    return values


def balance(
    data: pd.DataFrame,
    *,
    treatment: str,
    covariates: Sequence[str],
    weights: str | Sequence[float] | pd.Series | None = None,
) -> Balance:
    """Standardised mean differences between treated and controls, before and after weighting.

    Parameters
    ----------
    data
        One row per unit.
    treatment
        A 0/1 column.
    covariates
        Columns to compare.
    weights
        A column name or one weight per row (e.g. ``result.weights`` from
        :func:`ipw` or :func:`nearest_neighbour`); ``None`` gives the raw comparison.
        Each group's weighted mean uses that group's weights.

    Examples
    --------
    >>> from evaluation.simulate.matching import voluntary_programme
    >>> frame = voluntary_programme(n=500, seed=1)
    >>> table = balance(frame, treatment="took_part", covariates=["age"]).table
    >>> list(table.columns[:4])
    ['covariate', 'mean_treated', 'mean_control', 'smd_before']
    """
    frame = _prepare(data, treatment=treatment, covariates=covariates)
    values = None if weights is None else _weights_array(data, weights)
    if values is not None:
        treated = frame[treatment].to_numpy() == 1
        for group, mask in (("treated", treated), ("control", ~treated)):
            if values[mask].sum() <= 0:
                raise ValueError(f"The weights of the {group} units sum to zero.")
    table = _balance_table(frame, treatment, covariates, values)
    return Balance(treatment=treatment, weighted=values is not None, _table=table)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ObservationalResult(Result):
    """An effect estimated under selection on observables.

    Attributes (beyond :class:`~evaluation._results.Result`)
    ------------------------------------------------------
    outcome, treatment, covariates
        The columns used.
    n_treated, n_control
        Units in each group that the estimate used.
    propensity
        Each row's estimated propensity score (a copy; empty if none was fitted).
    weights
        The weight each row carries in the comparison (a copy): matching counts,
        inverse-probability weights, or ones.
    balance
        The :class:`Balance` of the covariates before and after those weights.
    """

    outcome: str = ""
    treatment: str = ""
    covariates: tuple[str, ...] = ()
    n_treated: int = 0
    n_control: int = 0
    _propensity: pd.Series = field(default_factory=pd.Series, repr=False, compare=False)
    _weights: pd.Series = field(default_factory=pd.Series, repr=False, compare=False)
    _treated: pd.Series = field(default_factory=pd.Series, repr=False, compare=False)
    _balance: Balance | None = field(default=None, repr=False, compare=False)

    @property
    def propensity(self) -> pd.Series:
        """Estimated propensity scores, indexed like the data (a copy)."""
        return self._propensity.copy()

    @property
    def weights(self) -> pd.Series:
        """The weight each row carries, indexed like the data (a copy)."""
        return self._weights.copy()

    @property
    def balance(self) -> Balance:
        """Covariate balance before and after the estimator's weights."""
        if self._balance is None:
            raise ValueError("This estimate carries no balance table.")
        return self._balance

    def tidy(self) -> pd.DataFrame:
        """The headline row plus ``n_treated`` and ``n_control``."""
        return (
            super()
            .tidy()
            .assign(method=self.method, n_treated=self.n_treated, n_control=self.n_control)
        )

    def plot(self, ax: Axes | None = None, *, bins: int = 40) -> Axes:
        """Overlap: histograms of the propensity score for treated and control units.

        Treated units are filled; controls are drawn twice, as they are (dashed
        outline) and with the estimator's weights (solid outline), so the picture
        shows the comparison group the estimate actually uses. Finish with
        :func:`evaluation.plots.finish`.
        """
        if self._propensity.isna().all():
            raise ValueError("This estimate has no propensity score to plot.")
        ax = ax if ax is not None else plt.subplots(figsize=(8, 4.5))[1]
        edges = np.linspace(0, 1, bins + 1).tolist()
        treated = self._treated.to_numpy()
        score = self._propensity.to_numpy()
        weights = self._weights.to_numpy()
        ax.hist(score[treated], bins=edges, density=True, alpha=0.45, color="C1", label="Treated")
        ax.hist(
            score[~treated],
            bins=edges,
            density=True,
            histtype="step",
            lw=1.2,
            ls="--",
            color="#555555",
            label="Controls (unweighted)",
        )
        ax.hist(
            score[~treated],
            bins=edges,
            density=True,
            weights=weights[~treated],
            histtype="step",
            lw=2,
            color="C0",
            label="Controls (weighted)",
        )
        ax.set_xlabel("Propensity score (probability)")
        ax.set_ylabel("Density")
        ax.legend(loc="best", fontsize=9)
        return ax


@dataclass(frozen=True)
class MatchingResult(ObservationalResult):
    """A nearest-neighbour matching estimate, with the matches made.

    ``matches`` (a copy) has one row per (unit, match) pair: ``unit`` and ``match``
    are row labels of the data, ``weight`` is 1 / (number of matches of that unit).
    ``n_unmatched`` counts units with no match inside the caliper, left out of the
    estimate.
    """

    n_neighbours: int = 1
    caliper: float | None = None
    replace: bool = True
    n_unmatched: int = 0
    _matches: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    @property
    def matches(self) -> pd.DataFrame:
        """The matched pairs: ``unit``, ``match``, ``weight`` (a copy)."""
        return self._matches.copy()


def _series(index: pd.Index, values: np.ndarray, name: str) -> pd.Series:
    return pd.Series(np.array(values, copy=True), index=index, name=name)


def _finish(
    *,
    estimate: float,
    se: float,
    level: float,
    method: str,
    estimand: str,
    frame: pd.DataFrame,
    data_index: pd.Index,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    scores: np.ndarray | None,
    weights: np.ndarray,
    notes: Sequence[str] = (),
    result_class: type[ObservationalResult] = ObservationalResult,
    **extra: Any,
) -> Any:
    treated = frame[treatment].to_numpy() == 1
    low, high, p = normal_interval(estimate, se, level)
    table = _balance_table(frame, treatment, covariates, weights)
    used = weights > 0
    return result_class(
        estimate=float(estimate),
        se=float(se),
        ci_low=low,
        ci_high=high,
        p_value=p,
        n_obs=int(used.sum()),
        method=method,
        estimand=estimand,
        level=level,
        notes=tuple(notes),
        outcome=outcome,
        treatment=treatment,
        covariates=tuple(covariates),
        n_treated=int((used & treated).sum()),
        n_control=int((used & ~treated).sum()),
        _propensity=_series(
            data_index,
            scores if scores is not None else np.full(len(frame), np.nan),
            "propensity_score",
        ),
        _weights=_series(data_index, weights, "weight"),
        _treated=_series(data_index, treated, "treated"),
        _balance=Balance(treatment=treatment, weighted=True, _table=table),
        **extra,
    )


# --------------------------------------------------------------------------- matching


def _nearest_ranges(
    query: np.ndarray, pool: np.ndarray, m: int, caliper: float | None, skip_self: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """For each query, the range [lo, hi) of sorted ``pool`` holding its m nearest, ties included.

    With ``skip_self`` each query is itself in the pool and is counted in the
    range (the caller removes it). A caliper caps the distance; an empty range
    means no match within it.
    """
    need = m + int(skip_self)
    if pool.size < need:
        raise ValueError(f"Only {pool.size - int(skip_self)} unit(s) to match from; need {m}.")
    position = np.searchsorted(pool, query)
    candidates = position[:, None] + np.arange(-need, need)[None, :]
    valid = (candidates >= 0) & (candidates < pool.size)
    distance = np.where(
        valid, np.abs(pool[np.clip(candidates, 0, pool.size - 1)] - query[:, None]), np.inf
    )
    radius = np.partition(distance, need - 1, axis=1)[:, need - 1] + _TIE
    if caliper is not None:
        radius = np.minimum(radius, caliper)
    low = np.searchsorted(pool, query - radius, side="left")
    high = np.searchsorted(pool, query + radius, side="right")
    return low, high


def _match_with_replacement(
    query: np.ndarray, pool: np.ndarray, m: int, caliper: float | None
) -> pd.DataFrame:
    """Pairs (query position, sorted-pool position, weight) for matching with replacement."""
    low, high = _nearest_ranges(query, pool, m, caliper)
    count = high - low
    queries = np.repeat(np.arange(query.size), count)
    offsets = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    return pd.DataFrame(
        {
            "query": queries,
            "pool": np.repeat(low, count) + offsets,
            "weight": np.repeat(1.0 / np.maximum(count, 1), count),
        }
    )


def _match_without_replacement(
    query: np.ndarray, pool: np.ndarray, m: int, caliper: float | None
) -> pd.DataFrame:
    """Greedy matching without replacement, hardest-to-match (highest score) first."""
    if pool.size < m * query.size and caliper is None:
        raise ValueError(
            f"Matching without replacement needs {m * query.size} controls for {query.size} "
            f"treated units and {m} neighbour(s) each; there are {pool.size}."
        )
    available = np.ones(pool.size, dtype=bool)
    pairs: list[tuple[int, int, float]] = []
    for q in np.argsort(-query, kind="stable"):
        distance = np.where(available, np.abs(pool - query[q]), np.inf)
        chosen = np.argsort(distance, kind="stable")[:m]
        limit = np.inf if caliper is None else caliper
        chosen = chosen[distance[chosen] <= limit]
        available[chosen] = False
        pairs += [(int(q), int(c), 1.0 / len(chosen)) for c in chosen]
    return pd.DataFrame(pairs, columns=["query", "pool", "weight"]).astype(
        {"query": int, "pool": int, "weight": float}
    )


def _own_group_variance(score: np.ndarray, outcome: np.ndarray, j: int) -> np.ndarray:
    """Abadie-Imbens conditional variance: J/(J+1) (y_i - mean of its J nearest same-group)^2.

    ``score`` and ``outcome`` are sorted by score; returns variances in that order.
    """
    low, high = _nearest_ranges(score, score, j, None, skip_self=True)
    sums = np.concatenate([[0.0], np.cumsum(outcome)])
    others = high - low - 1
    neighbour_mean = (sums[high] - sums[low] - outcome) / others
    return others / (others + 1) * (outcome - neighbour_mean) ** 2


@dataclass(frozen=True)
class _Direction:
    """Matches of one group (queries) into the other (pool), in sorted-pool positions."""

    pairs: pd.DataFrame
    imputed: np.ndarray  # matched mean outcome per query (nan if unmatched)
    k: np.ndarray  # per pool unit: sum of match weights
    k2: np.ndarray  # per pool unit: sum of squared match weights
    matched: np.ndarray  # per query: has at least one match


def _direction(
    query: np.ndarray,
    pool: np.ndarray,
    pool_outcome: np.ndarray,
    m: int,
    caliper: float | None,
    replace: bool,
) -> _Direction:
    match = _match_with_replacement if replace else _match_without_replacement
    pairs = match(query, pool, m, caliper)
    q, p, w = pairs["query"].to_numpy(), pairs["pool"].to_numpy(), pairs["weight"].to_numpy()
    imputed = np.bincount(q, weights=w * pool_outcome[p], minlength=query.size)
    matched = np.bincount(q, minlength=query.size) > 0
    imputed[~matched] = np.nan
    return _Direction(
        pairs=pairs,
        imputed=imputed,
        k=np.bincount(p, weights=w, minlength=pool.size),
        k2=np.bincount(p, weights=w**2, minlength=pool.size),
        matched=matched,
    )


def _sorted_group(score: np.ndarray, outcome: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Positions of a group's rows, sorted by score then outcome (a row-order-free order)."""
    rows = np.flatnonzero(mask)
    return rows[np.lexsort((outcome[rows], score[rows]))]


def _matching_estimate(
    score: np.ndarray,
    outcome: np.ndarray,
    treated: np.ndarray,
    *,
    estimand: str,
    m: int,
    caliper: float | None,
    replace: bool,
) -> tuple[float, float, np.ndarray, np.ndarray, pd.DataFrame]:
    """Matching estimate and Abadie-Imbens (2006) variance on a given score.

    Returns the estimate, its standard error, each row's weight in the comparison,
    whether each row was used, and the matched pairs (row positions).
    """
    t_rows = _sorted_group(score, outcome, treated)
    c_rows = _sorted_group(score, outcome, ~treated)
    for name, rows in (("treated", t_rows), ("control", c_rows)):
        if rows.size <= VARIANCE_NEIGHBOURS:
            raise ValueError(
                f"Only {rows.size} {name} unit(s); matching and its variance need at least "
                f"{VARIANCE_NEIGHBOURS + 1}."
            )
    sigma2 = np.empty(score.size)
    for rows in (t_rows, c_rows):
        sigma2[rows] = _own_group_variance(score[rows], outcome[rows], VARIANCE_NEIGHBOURS)

    to_controls = _direction(score[t_rows], score[c_rows], outcome[c_rows], m, caliper, replace)
    k, k2 = np.zeros(score.size), np.zeros(score.size)
    k[c_rows], k2[c_rows] = to_controls.k, to_controls.k2
    pairs = [(t_rows, c_rows, to_controls)]
    y1, y0 = outcome.copy(), outcome.copy()
    used = np.zeros(score.size, dtype=bool)
    used[t_rows[to_controls.matched]] = True
    y0[t_rows] = to_controls.imputed

    if estimand == "ATT":
        n = int(used.sum())
        effect = y1[used] - y0[used]
        estimate = float(effect.mean())
        variance = (
            np.sum((effect - estimate) ** 2) + np.sum((k**2 - k2)[~treated] * sigma2[~treated])
        ) / n**2
        weights = np.where(treated, used.astype(float), k)
    else:
        to_treated = _direction(score[c_rows], score[t_rows], outcome[t_rows], m, caliper, replace)
        k[t_rows], k2[t_rows] = to_treated.k, to_treated.k2
        pairs.append((c_rows, t_rows, to_treated))
        used[c_rows[to_treated.matched]] = True
        y1[c_rows] = to_treated.imputed
        n = int(used.sum())
        effect = (y1 - y0)[used]
        estimate = float(effect.mean())
        variance = (
            np.sum((effect - estimate) ** 2) + np.sum(((2 * k + k**2 - k2) * sigma2)[used])
        ) / n**2
        weights = used + k
    table = pd.concat(
        [
            pd.DataFrame(
                {
                    "unit": queries[d.pairs["query"].to_numpy()],
                    "match": pool[d.pairs["pool"].to_numpy()],
                    "weight": d.pairs["weight"].to_numpy(),
                }
            )
            for queries, pool, d in pairs
        ],
        ignore_index=True,
    )
    return estimate, float(np.sqrt(variance)), weights, used, table


def nearest_neighbour(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    caliper: float | None = None,
    replace: bool = True,
    estimand: str = "ATT",
    n_neighbours: int = 1,
    level: float = 0.95,
) -> MatchingResult:
    """Nearest-neighbour matching on the estimated propensity score.

    Each treated unit is compared with the ``n_neighbours`` controls whose
    propensity scores are closest (for the ATE, each control is also compared with
    its nearest treated units). With replacement (the default) a control may serve
    several treated units, and units tied in distance are all used, each with an
    equal share of the weight, so the answer does not depend on row order. Without
    replacement (ATT only), treated units are matched greedily from the highest
    score down.

    **Standard error.** The Abadie and Imbens (2006) variance for matching
    estimators, which counts how often each control is reused and estimates each
    unit's outcome variance from its two nearest neighbours in its own group. It
    treats the propensity score as known; Abadie and Imbens (2016) show that
    accounting for its estimation lowers the ATE's variance and can move the ATT's
    either way, so read it as an approximation.

    Parameters
    ----------
    data
        One row per unit.
    outcome, treatment, covariates
        Column names; treatment is 0/1.
    caliper
        Largest allowed distance between matched scores (probability scale).
        Units with no match inside it are left out, with a warning that says how
        many; the estimate is then for the matched units only.
    replace
        Match with replacement (default).
    estimand
        ``"ATT"`` (default) or ``"ATE"``.
    n_neighbours
        Matches per unit (default 1).
    level
        Confidence level.

    Examples
    --------
    >>> from evaluation.simulate.matching import voluntary_programme
    >>> frame = voluntary_programme(n=3000, confounding=0.0, seed=2)
    >>> fit = nearest_neighbour(frame, outcome="reoffended", treatment="took_part",
    ...                         covariates=["age", "prior_offences", "employed"], n_neighbours=4)
    >>> bool(fit.ci_low < frame.attrs["true_effect"] < fit.ci_high)
    True
    """
    _check_estimand(estimand)
    if isinstance(n_neighbours, bool) or not isinstance(n_neighbours, int) or n_neighbours < 1:
        raise ValueError(f"n_neighbours must be a positive integer; it was {n_neighbours!r}.")
    if caliper is not None and not (np.isfinite(caliper) and caliper > 0):
        raise ValueError(f"caliper must be a positive number or None; it was {caliper}.")
    if not replace and estimand == "ATE":
        raise ValueError("Matching without replacement is offered for the ATT only.")
    frame = _prepare(data, outcome=outcome, treatment=treatment, covariates=covariates)
    scores = _fit_propensity(frame, treatment, covariates).scores
    treated = frame[treatment].to_numpy() == 1
    estimate, se, weights, used, pairs = _matching_estimate(
        scores,
        frame[outcome].to_numpy(),
        treated,
        estimand=estimand,
        m=n_neighbours,
        caliper=caliper,
        replace=replace,
    )
    queries = treated if estimand == "ATT" else np.ones_like(treated)
    unmatched = int((queries & ~used).sum())
    notes = [
        f"matched on the propensity score, {n_neighbours} neighbour(s), "
        f"{'with' if replace else 'without'} replacement; Abadie-Imbens (2006) SE "
        "treating the score as known"
    ]
    if unmatched:
        message = (
            f"{unmatched} unit(s) have no match within the caliper {caliper} and are left out; "
            f"the {estimand} is for the matched units only."
        )
        warnings.warn(message, UserWarning, stacklevel=2)
        notes.append(message)
    index = data.index
    pairs = pairs.assign(unit=index[pairs["unit"]], match=index[pairs["match"]])
    return _finish(
        estimate=estimate,
        se=se,
        level=level,
        method="Nearest-neighbour matching on the propensity score",
        estimand=estimand,
        frame=frame,
        data_index=index,
        outcome=outcome,
        treatment=treatment,
        covariates=covariates,
        scores=scores,
        weights=weights,
        notes=notes,
        result_class=MatchingResult,
        n_neighbours=n_neighbours,
        caliper=caliper,
        replace=replace,
        n_unmatched=unmatched,
        _matches=pairs,
    )


# --------------------------------------------------------------------------- weighting


def _trim(
    data: pd.DataFrame, frame: pd.DataFrame, scores: np.ndarray, trim: float, treatment: str
) -> tuple[pd.DataFrame, pd.Index]:
    if not 0 < trim < 0.5:
        raise ValueError(f"trim must lie strictly between 0 and 0.5; it was {trim}.")
    keep = (scores >= trim) & (scores <= 1 - trim)
    dropped = ~keep
    if dropped.any():
        treated = frame[treatment].to_numpy() == 1
        warnings.warn(
            f"Trimming drops {int(dropped.sum())} row(s) whose propensity score lies outside "
            f"[{trim:g}, {1 - trim:g}] ({int((dropped & treated).sum())} treated, "
            f"{int((dropped & ~treated).sum())} control); the propensity model is re-fitted on "
            "the rest and the estimate is for the units kept.",
            UserWarning,
            stacklevel=3,
        )
    kept = frame[keep]
    _require_binary(kept, treatment)
    return kept, data.index[keep]


def _weights_for(estimand: str, treated: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, ...]:
    """(w1, w0, dw1/dgamma factor, dw0/dgamma factor): derivative of w = factor * x."""
    if estimand == "ATT":
        w1, w0 = treated.astype(float), (1 - treated) * p / (1 - p)
        return w1, w0, np.zeros_like(p), w0
    w1, w0 = treated / p, (1 - treated) / (1 - p)
    return w1, w0, -w1 * (1 - p), w0 * p


def _normalised_mean(w: np.ndarray, values: np.ndarray) -> tuple[float, np.ndarray]:
    """Hajek mean sum(w y) / sum(w) and its influence function w (y - mean) / mean(w)."""
    mean = float(np.sum(w * values) / np.sum(w))
    return mean, w * (values - mean) / np.mean(w)


def _prepare_weighting(
    data: pd.DataFrame,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    estimand: str,
    trim: float | None,
) -> tuple[pd.DataFrame, pd.Index, _Propensity, list[str]]:
    _check_estimand(estimand)
    frame = _prepare(data, outcome=outcome, treatment=treatment, covariates=covariates)
    index = data.index
    propensity = _fit_propensity(frame, treatment, covariates)
    notes: list[str] = []
    if trim is not None:
        n_before = len(frame)
        frame, index = _trim(data, frame, propensity.scores, trim, treatment)
        propensity = _fit_propensity(frame, treatment, covariates)
        notes.append(f"trimmed at [{trim:g}, {1 - trim:g}]: {n_before - len(frame)} row(s) dropped")
    return frame, index, propensity, notes


def ipw(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    estimand: str = "ATT",
    trim: float | None = None,
    level: float = 0.95,
) -> ObservationalResult:
    """Inverse probability weighting with normalised (Hajek) weights.

    For the ATT, controls are weighted by p/(1-p) so that they resemble the treated;
    for the ATE, treated units get 1/p and controls 1/(1-p). Each group's weighted
    mean uses weights that sum to one.

    **Standard error.** From the estimator's influence function, including the
    effect of estimating the propensity score by logit (a two-step M-estimator; the
    same construction as Sant'Anna and Zhao's standardised IPW). It matches the
    DRDID/moderndid implementation for the ATT.

    Parameters
    ----------
    data
        One row per unit.
    outcome, treatment, covariates
        Column names; treatment is 0/1.
    estimand
        ``"ATT"`` (default) or ``"ATE"``.
    trim
        If given (e.g. 0.1, Crump et al. 2009), drop rows whose score lies outside
        [trim, 1 - trim] (with a warning saying how many), re-fit the propensity
        model on the rest and estimate for the units kept.
    level
        Confidence level.

    Examples
    --------
    >>> from evaluation.simulate.matching import voluntary_programme
    >>> frame = voluntary_programme(n=3000, confounding=0.0, seed=2)
    >>> fit = ipw(frame, outcome="reoffended", treatment="took_part",
    ...           covariates=["age", "prior_offences", "employed"], estimand="ATE")
    >>> fit.estimand
    'ATE'
    """
    frame, index, propensity, notes = _prepare_weighting(
        data, outcome, treatment, covariates, estimand, trim
    )
    d = frame[treatment].to_numpy()
    y = frame[outcome].to_numpy()
    p = propensity.scores
    w1, w0, dw1, dw0 = _weights_for(estimand, d, p)
    mean1, psi1 = _normalised_mean(w1, y)
    mean0, psi0 = _normalised_mean(w0, y)
    x = propensity.design
    gradient = np.mean((dw1 * (y - mean1))[:, None] * x, axis=0) / np.mean(w1) - np.mean(
        (dw0 * (y - mean0))[:, None] * x, axis=0
    ) / np.mean(w0)
    psi = psi1 - psi0 + propensity.influence(d) @ gradient
    se = float(np.sqrt(np.mean(psi**2) / len(y)))
    return _finish(
        estimate=mean1 - mean0,
        se=se,
        level=level,
        method="Inverse probability weighting (normalised weights)",
        estimand=estimand,
        frame=frame,
        data_index=index,
        outcome=outcome,
        treatment=treatment,
        covariates=covariates,
        scores=p,
        weights=w1 + w0,
        notes=[*notes, "influence-function SE accounting for the estimated propensity score"],
    )


def _outcome_model(
    frame: pd.DataFrame, outcome: str, design: np.ndarray, group: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """OLS of the outcome on the covariates within a group: fitted values and influence."""
    y = frame[outcome].to_numpy()
    if group.sum() <= design.shape[1]:
        raise ValueError(
            f"Only {int(group.sum())} units in a group for an outcome model with "
            f"{design.shape[1]} terms; use fewer covariates."
        )
    fit = sm.OLS(y[group], design[group]).fit()
    fitted = design @ fit.params
    residual = np.where(group, y - fitted, 0.0)
    influence = (design * residual[:, None]) @ (np.asarray(fit.normalized_cov_params) * len(y))
    return fitted, influence


def doubly_robust(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    estimand: str = "ATE",
    trim: float | None = None,
    level: float = 0.95,
) -> ObservationalResult:
    """Augmented inverse probability weighting (AIPW): doubly robust.

    Combines a logit propensity score with linear regressions of the outcome on
    the covariates (statsmodels OLS, fitted separately in each group). The
    estimate is consistent if *either* model is right.

    * ATE: mean of m1(X) - m0(X), plus the normalised-IPW means of the residuals
      in each group.
    * ATT: the treated mean of Y - m0(X) minus the p/(1-p)-weighted control mean
      of Y - m0(X) (Sant'Anna and Zhao 2020's doubly robust estimator, with the
      outcome in place of its change).

    **Standard error.** From the influence function, including the estimation of
    the logit and the regressions, so it stays valid when one of the two models is
    wrong. For the ATT it matches Sant'Anna and Zhao's DRDID (as implemented in
    moderndid).

    Parameters
    ----------
    data
        One row per unit.
    outcome, treatment, covariates
        Column names; treatment is 0/1.
    estimand
        ``"ATE"`` (default) or ``"ATT"``.
    trim
        As in :func:`ipw`.
    level
        Confidence level.

    Examples
    --------
    >>> from evaluation.simulate.matching import voluntary_programme
    >>> frame = voluntary_programme(n=3000, confounding=0.0, seed=2)
    >>> fit = doubly_robust(frame, outcome="reoffended", treatment="took_part",
    ...                     covariates=["age", "prior_offences", "employed"], estimand="ATT")
    >>> bool(fit.ci_low < frame.attrs["true_effect"] < fit.ci_high)
    True
    """
    frame, index, propensity, notes = _prepare_weighting(
        data, outcome, treatment, covariates, estimand, trim
    )
    d = frame[treatment].to_numpy()
    y = frame[outcome].to_numpy()
    p, x = propensity.scores, propensity.design
    mu0, infl_b0 = _outcome_model(frame, outcome, x, d == 0)
    w1, w0, dw1, dw0 = _weights_for(estimand, d, p)
    if estimand == "ATT":
        mu1, infl_b1 = np.zeros_like(y), np.zeros_like(infl_b0)
        regression, psi_reg = 0.0, np.zeros_like(y)
        residual1 = y - mu0
    else:
        mu1, infl_b1 = _outcome_model(frame, outcome, x, d == 1)
        regression = float(np.mean(mu1 - mu0))
        psi_reg = mu1 - mu0 - regression
        residual1 = y - mu1
    eta1, psi1 = _normalised_mean(w1, residual1)
    eta0, psi0 = _normalised_mean(w0, y - mu0)
    # Estimation effects: outcome models (beta1, beta0) and the logit (gamma).
    mean_x = x.mean(axis=0) if estimand == "ATE" else np.zeros(x.shape[1])
    grad_b1 = mean_x - np.mean(w1[:, None] * x, axis=0) / np.mean(w1)
    grad_b0 = -mean_x + np.mean(w0[:, None] * x, axis=0) / np.mean(w0)
    grad_g = np.mean((dw1 * (residual1 - eta1))[:, None] * x, axis=0) / np.mean(w1) - np.mean(
        (dw0 * (y - mu0 - eta0))[:, None] * x, axis=0
    ) / np.mean(w0)
    if estimand == "ATT":
        grad_b1 = np.zeros_like(grad_b1)
        grad_b0 = grad_b0 - np.mean(w1[:, None] * x, axis=0) / np.mean(w1)
    psi = (
        psi_reg
        + psi1
        - psi0
        + infl_b1 @ grad_b1
        + infl_b0 @ grad_b0
        + propensity.influence(d) @ grad_g
    )
    se = float(np.sqrt(np.mean(psi**2) / len(y)))
    return _finish(
        estimate=regression + eta1 - eta0,
        se=se,
        level=level,
        method="Doubly robust (augmented IPW)",
        estimand=estimand,
        frame=frame,
        data_index=index,
        outcome=outcome,
        treatment=treatment,
        covariates=covariates,
        scores=p,
        weights=w1 + w0,
        notes=[*notes, "influence-function SE including the estimated nuisance models"],
    )


# --------------------------------------------------------------------------- benchmarks


def difference_in_means(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    equal_variance: bool = True,
    level: float = 0.95,
) -> ObservationalResult:
    """Treated mean minus control mean: the estimator of a randomised experiment.

    The regression of the outcome on a constant and the treatment (statsmodels
    OLS). With ``equal_variance=True`` the standard error is the classical
    two-sample one with a pooled variance (OLS's non-robust SE); otherwise it is
    HC2, which for a binary regressor equals the unequal-variance (Welch/Neyman) SE.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"y": [1.0, 2.0, 3.0, 5.0], "d": [0, 0, 1, 1]})
    >>> round(difference_in_means(frame, outcome="y", treatment="d").estimate, 6)
    2.5
    """
    require_columns(data, {"outcome": outcome, "treatment": treatment})
    require_numeric(data, [outcome, treatment])
    require_no_missing(data, [outcome, treatment])
    _require_binary(data, treatment)
    frame = data.loc[:, [outcome, treatment]].astype(float)
    d = frame[treatment].to_numpy()
    design = np.column_stack([np.ones_like(d), d])
    fit = sm.OLS(frame[outcome].to_numpy(), design).fit(
        cov_type="nonrobust" if equal_variance else "HC2"
    )
    se_kind = "pooled-variance (classical) SE" if equal_variance else "HC2 (Welch) SE"
    low, high, p = normal_interval(float(fit.params[1]), float(fit.bse[1]), level)
    return ObservationalResult(
        estimate=float(fit.params[1]),
        se=float(fit.bse[1]),
        ci_low=low,
        ci_high=high,
        p_value=p,
        n_obs=len(frame),
        method=f"Difference in means, {se_kind}",
        estimand="difference in means",
        level=level,
        outcome=outcome,
        treatment=treatment,
        n_treated=int(d.sum()),
        n_control=int(len(d) - d.sum()),
        _propensity=_series(data.index, np.full(len(d), np.nan), "propensity_score"),
        _weights=_series(data.index, np.ones(len(d)), "weight"),
        _treated=_series(data.index, d == 1, "treated"),
    )


def regression_adjustment(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    level: float = 0.95,
) -> ObservationalResult:
    """The treatment coefficient in an OLS of the outcome on treatment and covariates (HC1 SE).

    The "naive regression" of the LaLonde comparison: it adjusts for the covariates
    linearly and extrapolates freely where treated and controls do not overlap.

    Examples
    --------
    >>> from evaluation.simulate.matching import voluntary_programme
    >>> frame = voluntary_programme(n=1000, seed=1)
    >>> regression_adjustment(frame, outcome="reoffended", treatment="took_part",
    ...                       covariates=["age"]).estimand
    'ATE'
    """
    frame = _prepare(data, outcome=outcome, treatment=treatment, covariates=covariates)
    d = frame[treatment].to_numpy()
    design = np.column_stack([np.ones_like(d), d, frame[list(covariates)].to_numpy()])
    fit = sm.OLS(frame[outcome].to_numpy(), design).fit(cov_type="HC1")
    low, high, p = normal_interval(float(fit.params[1]), float(fit.bse[1]), level)
    table = _balance_table(frame, treatment, covariates, None)
    return ObservationalResult(
        estimate=float(fit.params[1]),
        se=float(fit.bse[1]),
        ci_low=low,
        ci_high=high,
        p_value=p,
        n_obs=len(frame),
        method="Regression adjustment (OLS, HC1 SE)",
        estimand="ATE",
        level=level,
        notes=("a constant effect is assumed; covariates enter linearly",),
        outcome=outcome,
        treatment=treatment,
        covariates=tuple(covariates),
        n_treated=int(d.sum()),
        n_control=int(len(d) - d.sum()),
        _propensity=_series(data.index, np.full(len(d), np.nan), "propensity_score"),
        _weights=_series(data.index, np.ones(len(d)), "weight"),
        _treated=_series(data.index, d == 1, "treated"),
        _balance=Balance(treatment=treatment, weighted=False, _table=table),
    )
