"""The wild cluster bootstrap for few clusters.

With few clusters (areas, councils, contract package areas) cluster-robust
standard errors are too small and tests reject a true null too often
(Cameron, Gelbach and Miller 2008). The restricted wild cluster bootstrap (WCR)
imposes the null, flips the sign (Rademacher) or rescales (Webb's six-point
weights) each cluster's restricted residuals together, and compares the
t-statistic with its bootstrap distribution. It is computed by the "fast and
wild" cluster-sum algebra of Roodman, MacKinnon, Nielsen and Webb (2019), and
the confidence interval is every null value the test does not reject.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from evaluation.did import _event_design
from evaluation.did._checks import check_binary, check_cohort, drop_always_treated, shown
from evaluation.did._wild import WEIGHT_VALUES, WildFit, draws, wild_restriction
from evaluation.did._within import demean, time_dummies
from evaluation.did.event_time import event_study
from evaluation.did.fixed_effects import twfe
from evaluation.did.two_period import two_by_two
from evaluation.results import (
    CopiedFrame,
    Result,
    normal_interval,
    require_columns,
    require_level,
    require_whole,
    tidy_frame,
)

__all__ = ["WildBootstrapResult", "wild_bootstrap"]

ESTIMATORS = ("two_by_two", "twfe", "event_study")


@dataclass(frozen=True, kw_only=True)
class WildBootstrapResult(Result):
    """A wild cluster bootstrap test and interval for a difference-in-differences estimate.

    ``estimate`` and ``se`` are the regression's coefficient and its analytic
    cluster-robust (CR1) standard error, as the estimator reports them;
    ``p_value`` (null of zero) and ``ci_low, ci_high`` are the bootstrap's, the
    interval by test inversion (every null value with a p-value above
    ``1 - level``; infinite on a side where no value is rejected).
    ``analytic_p_value, analytic_ci_low, analytic_ci_high`` are the
    estimator's normal-approximation ones, for comparison. For an event study
    ``effects`` gives the same for every event time.
    """

    n_clusters: int = 0
    weight_type: str = "rademacher"
    replications: int = 0
    enumerated: bool = False
    analytic_p_value: float = float("nan")
    analytic_ci_low: float = float("nan")
    analytic_ci_high: float = float("nan")
    _effects: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    effects = CopiedFrame(
        "_effects",
        "For an event study, ``event_time, estimate, se, ci_low, ci_high, p_value`` (bootstrap) "
        "and the analytic ones (a copy).",
    )

    def tidy(self) -> pd.DataFrame:
        """The headline row, then one row per event time (event study); analytic columns added."""
        rows: list[dict[Hashable, object]] = [
            {
                **self._headline_fields(),
                "analytic_ci_low": self.analytic_ci_low,
                "analytic_ci_high": self.analytic_ci_high,
                "analytic_p_value": self.analytic_p_value,
            }
        ]
        if not self._effects.empty:
            part = self._effects.assign(
                term=[f"event time {e:g}" for e in self._effects["event_time"]]
            )
            rows += part.drop(columns="event_time").to_dict("records")
        frame = pd.DataFrame(rows).assign(n_obs=self.n_obs)
        return tidy_frame({column: frame[column] for column in frame.columns})

    def summary(self) -> str:
        """The bootstrap and analytic inference side by side."""
        pct = round(self.level * 100)
        draws_text = (
            f"all {self.replications:,} Rademacher draws (exact)"
            if self.enumerated
            else f"{self.replications:,} {self.weight_type} draws"
        )
        return self._report(
            f"  {self.estimand}: {self.estimate:.4g} (cluster-robust SE {self.se:.4g})",
            f"  wild bootstrap: {pct}% CI [{self.ci_low:.4g}, {self.ci_high:.4g}], "
            f"p = {self.p_value:.3g} ({draws_text}, {self.n_clusters} clusters)",
            f"  analytic:       {pct}% CI [{self.analytic_ci_low:.4g}, "
            f"{self.analytic_ci_high:.4g}], p = {self.analytic_p_value:.3g}",
        )


@dataclass(frozen=True)
class _Spec:
    """The keywords of one call, as the estimators take them."""

    outcome: str
    cluster: str | None
    treated: str | None
    post: str | None
    unit: str | None
    time: str | None
    treatment: str | None
    cohort: str | None
    window: tuple[int, int] | None
    reference_period: int
    method: Literal["sun_abraham", "twfe"]
    covariates: list[str]
    weights: str | None
    level: float


@dataclass(frozen=True)
class _Regression:
    """A regression ready to bootstrap: rows already weighted, hypotheses as rows of ``R``."""

    X: np.ndarray
    y: np.ndarray
    clusters: pd.Series
    R: np.ndarray
    terms: list[float]  # event time of each row of R after the first (the headline)


def _weighted(X: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    if w is None:
        return X, y
    root = np.sqrt(w)
    return X * root[:, None], y * root


def _nested(data: pd.DataFrame, unit: str, cluster: str | None) -> None:
    """Unit effects are absorbed by demeaning, exact only when units sit inside clusters."""
    if cluster is None or cluster == unit:
        return
    spread = data.groupby(unit)[cluster].nunique()
    split = spread.index[spread > 1]
    if len(split):
        raise ValueError(
            f"{len(split)} unit(s) of {unit!r} fall in more than one cluster of {cluster!r} "
            f"(e.g. {shown(split)}); the wild bootstrap with unit fixed effects needs each "
            "unit inside one cluster."
        )


def _within(
    data: pd.DataFrame, regressors: np.ndarray, spec: _Spec, w: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """The design of :func:`evaluation.did._within.fit_within`: demeaned, plus a constant."""
    assert spec.unit is not None and spec.time is not None
    weights = np.ones(len(data)) if w is None else w
    codes = pd.factorize(data[spec.unit])[0]
    dummies, _ = time_dummies(data[spec.time])
    X = demean(np.column_stack([regressors, dummies]), codes, weights)
    X = np.column_stack([X, np.ones(len(data))])
    y = demean(data[spec.outcome].to_numpy(dtype=float), codes, weights)[:, 0]
    return _weighted(X, y, w)


def _unit_row(k: int, j: int) -> np.ndarray:
    out = np.zeros((1, k))
    out[0, j] = 1.0
    return out


def _design(data: pd.DataFrame, estimator: str, spec: _Spec) -> tuple[Result, _Regression]:
    """Fit the estimator (its checks, its analytic inference) and rebuild its regression."""
    s = spec
    w = None if s.weights is None else data[s.weights].to_numpy(dtype=float)
    if estimator == "two_by_two":
        assert s.treated is not None and s.post is not None and s.cluster is not None
        fit: Result = two_by_two(
            data, outcome=s.outcome, treated=s.treated, post=s.post, covariates=s.covariates,
            cluster=s.cluster, weights=s.weights, level=s.level,
        )  # fmt: skip
        g, p = check_binary(data, s.treated), check_binary(data, s.post)
        X = np.column_stack(
            [np.ones(len(data)), g, p, g * p, data[s.covariates].to_numpy(dtype=float)]
        )
        Xw, yw = _weighted(X, data[s.outcome].to_numpy(dtype=float), w)
        return fit, _Regression(Xw, yw, data[s.cluster], _unit_row(X.shape[1], 3), [])
    assert s.unit is not None and s.time is not None
    require_columns(data, {"unit": s.unit, "cluster": s.cluster})
    _nested(data, s.unit, s.cluster)
    if estimator == "twfe":
        assert s.treatment is not None
        fit = twfe(
            data, outcome=s.outcome, unit=s.unit, time=s.time, treatment=s.treatment,
            covariates=s.covariates, cluster=s.cluster, weights=s.weights, level=s.level,
        )  # fmt: skip
        regressors = data[[s.treatment, *s.covariates]].to_numpy(dtype=float)
        Xw, yw = _within(data, regressors, s, w)
        return fit, _Regression(Xw, yw, data[s.cluster or s.unit], _unit_row(Xw.shape[1], 0), [])
    return _event(data, s)


def _event(data: pd.DataFrame, s: _Spec) -> tuple[Result, _Regression]:
    """The event study's regression; hypotheses: the post average, then each event time."""
    assert s.unit is not None and s.time is not None and s.cohort is not None
    fit = event_study(
        data, outcome=s.outcome, unit=s.unit, time=s.time, cohort=s.cohort, window=s.window,
        reference_period=s.reference_period, method=s.method, cluster=s.cluster, level=s.level,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # event_study has given these warnings already
        first = check_cohort(data, unit=s.unit, time=s.time, cohort=s.cohort)
        kept, first = drop_always_treated(data, first, unit=s.unit, time=s.time, cohort=s.cohort)
        design = _event_design.build_design(
            kept, first, unit=s.unit, time=s.time, window=s.window,
            reference=s.reference_period, method=s.method,
        )  # fmt: skip
    Xw, yw = _within(design.data, design.regressors, s, None)
    event_times, contrasts = _event_design._contrasts(design.cells, Xw.shape[1])
    post = contrasts[event_times >= 0].mean(axis=0)
    clusters = design.data[s.cluster or s.unit]
    terms = [float(e) for e in event_times]
    return fit, _Regression(Xw, yw, clusters, np.vstack([post, contrasts]), terms)


def wild_bootstrap(
    data: pd.DataFrame,
    *,
    estimator: Literal["two_by_two", "twfe", "event_study"],
    outcome: str,
    cluster: str | None = None,
    treated: str | None = None,
    post: str | None = None,
    unit: str | None = None,
    time: str | None = None,
    treatment: str | None = None,
    cohort: str | None = None,
    window: tuple[int, int] | None = None,
    reference_period: int = -1,
    method: Literal["sun_abraham", "twfe"] = "sun_abraham",
    covariates: list[str] | None = None,
    weights: str | None = None,
    weight_type: Literal["rademacher", "webb"] = "rademacher",
    replications: int = 9999,
    seed: int | None = None,
    level: float = 0.95,
) -> WildBootstrapResult:
    """Restricted wild cluster bootstrap p-value and interval for a DiD estimate.

    Runs the regression of ``did.two_by_two``, ``did.twfe`` or ``did.event_study``
    (same keywords, same estimate and analytic standard error), then tests each
    coefficient with the null imposed (WCR, "fast and wild" algebra of Roodman
    et al. 2019) and inverts the test for a confidence interval. Rademacher
    weights on ``G`` clusters are fully enumerated when ``2^G <= replications``;
    the p-value counts ties as at least as extreme as the estimate.

    Parameters
    ----------
    data
        The estimator's data: rows for the 2x2, a balanced long panel otherwise.
    estimator
        ``"two_by_two"``, ``"twfe"`` or ``"event_study"``.
    outcome
        Outcome column.
    cluster
        Column of clusters: required for the 2x2; ``unit`` by default otherwise
        (then each unit must lie in one cluster).
    treated, post
        2x2 only: the 0/1 group and period columns.
    unit, time
        ``twfe`` and ``event_study``: unit and period columns.
    treatment
        ``twfe`` only: 0/1 column, treated in that period.
    cohort, window, reference_period
        ``event_study`` only, as in :func:`evaluation.did.event_study`.
    method
        ``event_study`` only, as there: ``"sun_abraham"`` (the default; each
        event time's effect is a weighted sum of cohort-by-event-time
        coefficients, tested as one linear restriction, the weights held
        fixed) or ``"twfe"`` (the dynamic two-way fixed-effects regression on
        event-time dummies, one coefficient each).
    covariates, weights
        ``two_by_two`` and ``twfe`` only, as there.
    weight_type
        ``"rademacher"`` (+1 or -1) or ``"webb"`` (six points, better with fewer
        than about 12 clusters).
    replications
        Number of bootstrap draws (at least 1; 9,999 by default).
    seed
        Seed of the draws.
    level
        Confidence level of the interval.

    Returns
    -------
    WildBootstrapResult

    Raises
    ------
    ValueError
        On an unknown ``estimator`` or ``weight_type``, keywords missing for (or
        foreign to) the estimator, fewer than two clusters, ``replications``
        below 1, units that span clusters, and every input the estimator itself
        refuses.

    Examples
    --------
    >>> from evaluation.simulate.wild import few_clusters
    >>> data = few_clusters(n_clusters=12, seed=1)
    >>> fit = wild_bootstrap(data, estimator="two_by_two", outcome="outcome", treated="treated",
    ...                      post="post", cluster="cluster", weight_type="webb",
    ...                      replications=999, seed=1)
    >>> fit.n_clusters, fit.ci_low < fit.estimate < fit.ci_high
    (12, True)
    """
    require_columns(data, {"outcome": outcome, "cluster": cluster})
    level = require_level(level)
    replications = require_whole("replications", replications, minimum=1)
    if weight_type not in WEIGHT_VALUES:
        raise ValueError(f"weight_type must be 'rademacher' or 'webb', not {weight_type!r}.")
    spec = _Spec(
        outcome=outcome, cluster=cluster, treated=treated, post=post, unit=unit, time=time,
        treatment=treatment, cohort=cohort, window=window, reference_period=reference_period,
        method=method, covariates=list(covariates or []), weights=weights, level=level,
    )  # fmt: skip
    _check_keywords(estimator, spec)
    require_columns(data, {"unit": unit})
    by = str(cluster or unit)  # _check_keywords: one of the two is given
    _at_least_two(data[by], by)
    fit, design = _design(data, estimator, spec)
    codes, labels = pd.factorize(design.clusters, sort=True)
    _at_least_two(design.clusters, by)
    V, enumerated = draws(weight_type, len(labels), replications, seed)
    fits = [wild_restriction(design.X, design.y, codes, r, V, level=level) for r in design.R]
    head = fits[0]
    notes = list(fit.notes)
    if weight_type == "rademacher" and len(labels) < 12:
        notes.append(
            f"Only {len(labels)} clusters: Rademacher weights take {2 ** len(labels):,} values; "
            "Webb weights are advised below about 12 clusters."
        )
    return WildBootstrapResult(
        estimate=head.estimate,
        se=head.se,
        ci_low=head.ci_low,
        ci_high=head.ci_high,
        p_value=head.p_value,
        n_obs=fit.n_obs,
        method=f"Wild cluster bootstrap (restricted, {weight_type}) of: {fit.method}",
        estimand=fit.estimand,
        level=level,
        notes=tuple(notes),
        outcome=outcome,
        n_clusters=len(labels),
        weight_type=weight_type,
        replications=V.shape[1],
        enumerated=enumerated,
        analytic_p_value=fit.p_value,
        analytic_ci_low=fit.ci_low,
        analytic_ci_high=fit.ci_high,
        _effects=_effects_table(fits[1:], design.terms, level),
    )


def _effects_table(fits: list[WildFit], terms: list[float], level: float) -> pd.DataFrame:
    """One row per event time: bootstrap and analytic inference."""
    rows = []
    for event_time, one in zip(terms, fits, strict=True):
        low, high, p = normal_interval(one.estimate, one.se, level)
        rows.append(
            {
                "event_time": event_time,
                "estimate": one.estimate,
                "se": one.se,
                "ci_low": one.ci_low,
                "ci_high": one.ci_high,
                "p_value": one.p_value,
                "analytic_ci_low": low,
                "analytic_ci_high": high,
                "analytic_p_value": p,
            }
        )
    return pd.DataFrame(rows)


def _at_least_two(clusters: pd.Series, name: str) -> None:
    count = clusters.nunique()
    if count < 2:
        raise ValueError(
            f"The wild cluster bootstrap needs at least two clusters; {name!r} has {count}."
        )


_NEEDS = {
    "two_by_two": ("treated", "post", "cluster"),
    "twfe": ("unit", "time", "treatment"),
    "event_study": ("unit", "time", "cohort"),
}
_FOREIGN = {
    "two_by_two": ("unit", "time", "treatment", "cohort", "window"),
    "twfe": ("treated", "post", "cohort", "window"),
    "event_study": ("treated", "post", "treatment", "covariates", "weights"),
}


def _check_keywords(estimator: str, spec: _Spec) -> None:
    """The keywords the chosen estimator needs are given, and none it does not take."""
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, not {estimator!r}.")
    missing = [name for name in _NEEDS[estimator] if getattr(spec, name) is None]
    if missing:
        raise ValueError(f"estimator={estimator!r} needs {', '.join(missing)}=.")
    foreign = [name for name in _FOREIGN[estimator] if getattr(spec, name) not in (None, [])]
    if foreign:
        raise ValueError(f"estimator={estimator!r} does not take {', '.join(foreign)}=.")
