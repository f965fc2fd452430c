"""Nearest-neighbour matching on the propensity score.

With the Abadie-Imbens (2006) standard error and their (2016) correction for an estimated score.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import spatial

from evaluation.matching._common import _TIE, VARIANCE_NEIGHBOURS, _check_estimand, _prepare
from evaluation.matching.propensity import _fit_propensity
from evaluation.matching.result import ObservationalResult, _finish, _Inputs
from evaluation.results import CopiedFrame

__all__ = ["MatchingResult", "nearest_neighbour"]


@dataclass(frozen=True)
class MatchingResult(ObservationalResult):
    """A nearest-neighbour matching estimate, with the matches made.

    ``matches`` (a copy) has one row per (unit, match) pair: ``unit`` and ``match``
    are row labels of the data, ``weight`` is 1 / (number of matches of that unit).
    ``n_unmatched`` counts units with no match inside the caliper, left out of the
    estimate. ``se_estimated_score`` is the Abadie-Imbens (2016) standard error that
    allows for the propensity score having been estimated (matching with replacement
    and no caliper only; NaN otherwise); the headline ``se`` treats it as known.
    """

    n_neighbours: int = 1
    caliper: float | None = None
    replace: bool = True
    n_unmatched: int = 0
    se_estimated_score: float = float("nan")
    _matches: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    matches = CopiedFrame(
        "_matches", "The matched pairs, with columns ``unit``, ``match`` and ``weight`` (a copy)."
    )


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
    """Each unit's conditional outcome variance, as Stata's ``vce(robust, nn(j))``.

    The sample variance (divisor count - 1) of the outcomes of the ``j`` units of
    the same group nearest in score, the unit itself counted among them (so, with
    ``j = 2``, the unit and its nearest neighbour), ties kept. ``score`` and
    ``outcome`` are sorted by score; returns variances in that order.
    """
    low, high = _nearest_ranges(score, score, j, None)
    centred = outcome - outcome.mean()
    sums = np.concatenate([[0.0], np.cumsum(centred)])
    squares = np.concatenate([[0.0], np.cumsum(centred**2)])
    count = high - low
    total = sums[high] - sums[low]
    variance: np.ndarray = (squares[high] - squares[low] - total**2 / count) / (count - 1)
    return np.maximum(variance, 0.0)


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


def _local_covariance(
    score: np.ndarray, design: np.ndarray, outcome: np.ndarray, group: np.ndarray, size: int
) -> np.ndarray:
    """cov(X, Y | p = p_i, W = w) for every unit i, from the ``size`` units of the group nearest."""
    rows = _sorted_group(score, outcome, group)
    pool = score[rows]
    low, high = _nearest_ranges(score, pool, size, None)
    x, y = design[rows], outcome[rows]
    zero = np.zeros((1, x.shape[1]))
    sum_x = np.vstack([zero, np.cumsum(x, axis=0)])
    sum_y = np.concatenate([[0.0], np.cumsum(y)])
    sum_xy = np.vstack([zero, np.cumsum(x * y[:, None], axis=0)])
    count = (high - low)[:, None]
    sx, sy = sum_x[high] - sum_x[low], (sum_y[high] - sum_y[low])[:, None]
    sxy = sum_xy[high] - sum_xy[low]
    result: np.ndarray = (sxy - sx * sy / count) / np.maximum(count - 1, 1)
    return result


def _group_mean(score: np.ndarray, outcome: np.ndarray, group: np.ndarray, size: int) -> np.ndarray:
    """For every unit, the mean outcome of the ``size`` units of ``group`` nearest in score.

    A member of the group is left out of its own mean; ties are kept.
    """
    rows = _sorted_group(score, outcome, group)
    pool = score[rows]
    sums = np.concatenate([[0.0], np.cumsum(outcome[rows])])
    low, high = _nearest_ranges(score, pool, size, None)
    # A member's own range holds itself and the ``size`` others nearest.
    own_low, own_high = _nearest_ranges(score, pool, size + 1, None)
    others = (sums[own_high] - sums[own_low] - outcome) / (own_high - own_low - 1)
    mean: np.ndarray = np.where(group, others, (sums[high] - sums[low]) / (high - low))
    return mean


def _covariate_match(
    covariates: np.ndarray, outcome: np.ndarray, treated: np.ndarray, m: int
) -> np.ndarray:
    """Mean outcome of each unit's ``m`` nearest other-group units in Euclidean covariate distance.

    Ties are kept; this is the imputation Stata's ``teffects psmatch`` uses for the
    derivative of the ATET with respect to the propensity-score coefficients.
    """
    imputed = np.empty(outcome.size)
    for group in (treated, ~treated):
        pool = np.flatnonzero(~group)
        tree = spatial.cKDTree(covariates[pool])
        queries = np.flatnonzero(group)
        distance, _ = tree.query(covariates[queries], k=m)
        radius = np.asarray(distance).reshape(queries.size, -1)[:, -1]
        balls = tree.query_ball_point(covariates[queries], radius * (1 + 1e-12) + _TIE)
        imputed[queries] = [outcome[pool[ball]].mean() for ball in balls]
    return imputed


def adjusted_variance(
    variance: float,
    estimate: float,
    *,
    score: np.ndarray,
    design: np.ndarray,
    covariates: np.ndarray,
    logit_covariance: np.ndarray,
    outcome: np.ndarray,
    treated: np.ndarray,
    estimand: str,
    n_neighbours: int,
) -> float:
    """The Abadie-Imbens (2016) variance from the 2006 one, as Stata's ``teffects psmatch``.

    ``Sigma`` is the logit coefficients' estimated covariance and ``f = p (1 - p)``.
    ``cov_w(i)`` is the sample covariance of ``X`` and ``Y`` over units of group
    ``w`` near unit ``i`` in score: its own group's ``nn(2)`` set (itself and its
    nearest neighbour) or the other group's two nearest, ties kept.

    ATE: ``V - c' Sigma c`` with ``c = mean[f (cov_1 / p + cov_0 / (1 - p))]``.
    ATT: ``V - c_t' Sigma c_t + d' Sigma d`` with ``c_t = (1 / N1) sum[f X (y1~ -
    y0~ - ATT)] + (1 / N1) sum[f (cov_1 + p / (1 - p) cov_0)]``, where ``yw~`` is
    the mean outcome of the two units of group ``w`` nearest in score (the unit
    itself left out), and ``d = (1 / N1) sum[f X ((2 W - 1)(Y - Y^x) - ATT)]``,
    where ``Y^x`` is the mean outcome of the unit's ``n_neighbours`` nearest
    other-group units in Euclidean distance on the raw covariates. These choices
    reproduce Stata's published standard errors on cattaneo2 (see
    tests/reference/stata_teffects_psmatch_cattaneo2.py).
    """
    density = score * (1 - score)
    size = max(VARIANCE_NEIGHBOURS, 2)
    cov1 = _local_covariance(score, design, outcome, treated, size)
    cov0 = _local_covariance(score, design, outcome, ~treated, size)
    if estimand == "ATE":
        c = np.mean((cov1 / score[:, None] + cov0 / (1 - score[:, None])) * density[:, None], 0)
        return float(variance - c @ logit_covariance @ c)
    n1 = int(treated.sum())
    smoothed = _group_mean(score, outcome, treated, size) - _group_mean(
        score, outcome, ~treated, size
    )
    c_t = (
        design.T @ (density * (smoothed - estimate))
        + ((cov1 + (score / (1 - score))[:, None] * cov0) * density[:, None]).sum(0)
    ) / n1
    sign = np.where(treated, 1.0, -1.0)
    matched = _covariate_match(covariates, outcome, treated, n_neighbours)
    d = design.T @ (density * (sign * (outcome - matched) - estimate)) / n1
    return float(variance - c_t @ logit_covariance @ c_t + d @ logit_covariance @ d)


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
    unit's outcome variance as the sample variance of itself and its nearest
    neighbour in its own group (Stata's ``vce(robust, nn(2))``, which counts the
    unit itself). It treats the propensity score as known; Abadie and Imbens
    (2016) show that accounting for its estimation lowers the ATE's variance and
    can move the ATT's either way. Their corrected standard error is reported
    beside it as ``se_estimated_score`` (with replacement and no caliper),
    computed as Stata's ``teffects psmatch`` does: it reproduces Stata's
    published standard errors on cattaneo2 to the printed digits. Its ATT term
    matches on the covariates by Euclidean distance, as Stata does, so it depends
    on the covariates' units.

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
    fitted = _fit_propensity(frame, treatment, covariates)
    scores = fitted.scores
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
    se_estimated = float("nan")
    if replace and caliper is None:
        variance = adjusted_variance(
            se**2,
            estimate,
            score=scores,
            design=fitted.design,
            covariates=frame[list(covariates)].to_numpy(),
            logit_covariance=np.asarray(fitted.fit.cov_params()),
            outcome=frame[outcome].to_numpy(),
            treated=treated,
            estimand=estimand,
            n_neighbours=n_neighbours,
        )
        se_estimated = float(np.sqrt(max(variance, 0.0)))
    queries = treated if estimand == "ATT" else np.ones_like(treated)
    unmatched = int((queries & ~used).sum())
    notes = [
        f"matched on the propensity score, {n_neighbours} neighbour(s), "
        f"{'with' if replace else 'without'} replacement; Abadie-Imbens (2006) SE "
        "treating the score as known"
    ]
    if np.isfinite(se_estimated):
        notes.append(
            f"SE allowing for the estimated score (Abadie-Imbens 2016): {se_estimated:.4g}"
        )
    if unmatched:
        message = (
            f"{unmatched} unit(s) have no match within the caliper {caliper} and are left out; "
            f"the {estimand} is for the matched units only."
        )
        warnings.warn(message, UserWarning, stacklevel=2)
        notes.append(message)
    index = data.index
    pairs = pairs.assign(unit=index[pairs["unit"]], match=index[pairs["match"]])
    inputs = _Inputs(frame, index, outcome, treatment, covariates, estimand, level)
    return _finish(
        inputs,
        estimate=estimate,
        se=se,
        method="Nearest-neighbour matching on the propensity score",
        scores=scores,
        weights=weights,
        notes=notes,
        result_class=MatchingResult,
        n_neighbours=n_neighbours,
        caliper=caliper,
        replace=replace,
        n_unmatched=unmatched,
        se_estimated_score=se_estimated,
        _matches=pairs,
    )
