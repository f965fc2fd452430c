"""Synthetic control for one treated unit, with placebo (permutation) inference.

A synthetic control answers: *what would have happened to the one area that
reformed, had it not?* It weights untreated areas (the *donors*) so that their
weighted average tracks the treated area before the reform; the gap between
the treated area and its synthetic twin afterwards estimates the effect
(Abadie, Diamond and Hainmueller 2010; Abadie 2021).

The weights are non-negative and sum to one, so the synthetic unit is an
interpolation of real donors, never an extrapolation. With ``predictors=None``
the weights make the synthetic unit's pre-period outcomes as close as possible
to the treated unit's in mean squared error (the specification used as "SC" by
Arkhangelsky et al. 2021). With ``predictors`` the weights match the
pre-period means of those columns, and the importance given to each predictor
is chosen, as in Abadie et al. (2010), to make the pre-period outcomes fit best.

Uncertainty
-----------
Synthetic control has no standard error in the usual sense: there is one
treated unit and no sampling model. The result therefore reports ``se``,
``ci_low`` and ``ci_high`` as NaN. Inference is by permutation:
:meth:`SyntheticControlResult.placebo` refits the method with each donor in
turn as if it had been treated and ranks the treated unit's ratio of
post-period to pre-period root mean squared prediction error (RMSPE) among
them; the p-value is ``rank / (J + 1)`` with ``J`` placebos, the share of
units at least as extreme as the treated one.

Examples
--------
>>> from evaluation.simulate import synth as sim
>>> panel = sim.panel(seed=1)
>>> fit = synthetic_control(panel, outcome="outcome", unit="unit", time="period",
...                         treated_unit="treated", treatment_time=20)
>>> round(float(fit.weights.sum()), 6)
1.0
>>> fit.placebo().rank
1
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import optimize

from evaluation.results import (
    CopiedFrame,
    Result,
    no_interval,
    require_columns,
    require_no_missing,
    require_numeric,
    require_time,
    require_unique,
)

__all__ = [
    "MIN_DONORS",
    "MIN_PRE_PERIODS",
    "PlaceboResult",
    "Predictor",
    "SyntheticControlResult",
    "simplex_least_squares",
    "synthetic_control",
]

#: A predictor is a column averaged over the pre-period, or ``(column, periods)``.
Predictor = str | tuple[str, Sequence[Any]]

#: Fewest pre-treatment periods accepted; fewer cannot show whether the fit is good.
MIN_PRE_PERIODS = 3
#: Weight of the adding-up row in the augmented non-negative least squares problem.
PENALTY = 1e4
#: Fewest donors accepted; with one donor there is no weighting and no placebo test.
MIN_DONORS = 2

_SE_NOTE = (
    "No standard error: synthetic control has one treated unit and no sampling model, "
    "so se and the confidence interval are NaN. Use placebo() for a permutation p-value."
)


# --------------------------------------------------------------------------- weights
def simplex_least_squares(donors: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Weights ``w >= 0`` with ``sum(w) = 1`` minimising ``||target - donors @ w||^2``.

    The problem is rescaled to unit root-mean-square and solved by scipy's
    non-negative least squares (an exact active-set method) on the system
    augmented with the row ``PENALTY * sum(w) = PENALTY``, which enforces the
    adding-up constraint to about ``1 / PENALTY**2``; the weights are then
    rescaled to sum to exactly one. Should the active-set method fail to
    finish, SLSQP with the analytic gradient solves the constrained problem.

    Parameters
    ----------
    donors
        Array of shape ``(rows, J)``: one column per donor.
    target
        Array of shape ``(rows,)``: the treated unit.

    Returns
    -------
    numpy.ndarray
        The ``J`` weights.

    Examples
    --------
    >>> import numpy as np
    >>> w = simplex_least_squares(np.array([[0.0, 2.0], [0.0, 2.0]]), np.array([1.0, 1.0]))
    >>> np.round(w, 4).tolist()
    [0.5, 0.5]
    """
    donors, target = np.asarray(donors, dtype=float), np.asarray(target, dtype=float)
    if donors.ndim != 2 or target.ndim != 1 or donors.shape[0] != target.shape[0]:
        raise ValueError(
            f"donors must be (rows, J) and target (rows,) with the same rows; got "
            f"{donors.shape} and {target.shape}."
        )
    if donors.shape[1] == 0 or donors.shape[0] == 0:
        raise ValueError(f"There is nothing to weight: donors has shape {donors.shape}.")
    if not (np.isfinite(donors).all() and np.isfinite(target).all()):
        raise ValueError("donors and target must be finite numbers (no missing or infinite).")
    scale = float(np.sqrt(np.mean(np.square(target)))) or 1.0
    a, b = donors / scale, target / scale
    augmented = np.vstack([a, np.full(a.shape[1], PENALTY)])
    try:
        weights, _ = optimize.nnls(augmented, np.append(b, PENALTY), maxiter=100 * a.shape[1])
    except RuntimeError:
        weights = _slsqp_weights(a, b)
    if weights.sum() <= 0:
        weights = _slsqp_weights(a, b)
    return np.asarray(weights / weights.sum())


def _slsqp_weights(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The same problem by SLSQP: slower, used only if the active-set method fails."""
    n_donors = a.shape[1]

    def loss(w: np.ndarray) -> float:
        return 0.5 * float(np.sum(np.square(a @ w - b)))

    def gradient(w: np.ndarray) -> np.ndarray:
        return np.asarray(a.T @ (a @ w - b))

    result = optimize.minimize(
        loss,
        np.full(n_donors, 1.0 / n_donors),
        jac=gradient,
        method="SLSQP",
        bounds=optimize.Bounds(0.0, 1.0),
        constraints=optimize.LinearConstraint(np.ones((1, n_donors)), 1.0, 1.0),
        options={"ftol": 1e-12, "maxiter": 2000},
    )
    if not result.success:
        warnings.warn(
            f"The weight optimiser did not converge ({result.message}); "
            "the weights may not be the best fit.",
            RuntimeWarning,
            stacklevel=3,
        )
    return np.clip(np.asarray(result.x), 0.0, None)


def _predictor_weights(
    x_treated: np.ndarray, x_donors: np.ndarray, y_treated: np.ndarray, y_donors: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Abadie et al.'s nested choice: predictor importances ``v`` that make outcomes fit best.

    For given importances the donor weights match the predictors; the
    importances (non-negative, summing to one, parametrised by a softmax) are
    chosen by Nelder-Mead to minimise the pre-period outcome MSPE.
    """
    spread = np.std(np.column_stack([x_donors, x_treated]), axis=1)
    spread[spread == 0] = 1.0
    xd, xt = x_donors / spread[:, None], x_treated / spread

    def weights_for(theta: np.ndarray) -> np.ndarray:
        v = np.exp(theta - theta.max())
        root = np.sqrt(v / v.sum())
        return simplex_least_squares(xd * root[:, None], xt * root)

    def outcome_loss(theta: np.ndarray) -> float:
        return float(np.mean(np.square(y_treated - y_donors @ weights_for(theta))))

    start = np.zeros(len(xt))
    if len(xt) == 1:
        return weights_for(start), np.ones(1)
    best = optimize.minimize(outcome_loss, start, method="Nelder-Mead", options={"maxiter": 400})
    v = np.exp(best.x - best.x.max())
    return weights_for(best.x), v / v.sum()


# --------------------------------------------------------------------------- validation
def _validate(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated_unit: Any,
    treatment_time: Any,
    predictors: Sequence[str],
) -> pd.DataFrame:
    """Check the panel and return the outcome as a balanced ``time x unit`` table."""
    require_columns(data, {"outcome": outcome, "unit": unit, "time": time})
    require_columns(data, {f"predictors[{i}]": p for i, p in enumerate(predictors)})
    require_numeric(data, [outcome, *predictors])
    require_time(data, time)
    require_no_missing(data, [unit, time, outcome, *predictors])
    require_unique(data, [unit, time])
    units = pd.unique(data[unit])
    if treated_unit not in set(units):
        raise ValueError(
            f"treated_unit={treated_unit!r} does not appear in column {unit!r}; "
            f"units include {list(units[:5])}."
        )
    wide = data.pivot(index=time, columns=unit, values=outcome).sort_index()
    _require_balanced(wide, unit=unit, time=time)
    n_pre = int((wide.index < treatment_time).sum())
    if n_pre < MIN_PRE_PERIODS:
        raise ValueError(
            f"Only {n_pre} period(s) of {time!r} fall before treatment_time={treatment_time!r}; "
            f"synthetic control needs at least {MIN_PRE_PERIODS} to judge the pre-period fit."
        )
    if n_pre == len(wide):
        raise ValueError(
            f"No period of {time!r} is at or after treatment_time={treatment_time!r}: "
            "there is nothing to estimate."
        )
    n_donors = wide.shape[1] - 1
    if n_donors < MIN_DONORS:
        raise ValueError(
            f"Only {n_donors} donor unit(s) besides {treated_unit!r} in column {unit!r}; "
            f"synthetic control needs at least {MIN_DONORS}."
        )
    return wide


def _require_balanced(wide: pd.DataFrame, *, unit: str, time: str) -> None:
    """Refuse a panel in which some unit lacks some period, naming them."""
    gaps = wide.isna()
    if gaps.to_numpy().any():
        missing = gaps.sum()
        missing = missing[missing > 0]
        shown = ", ".join(f"{u!r} ({n} missing)" for u, n in missing.head(5).items())
        raise ValueError(
            f"The panel is unbalanced: {len(missing)} value(s) of {unit!r} lack some periods of "
            f"{time!r}: {shown}. Synthetic control needs every unit in every period."
        )


def _predictor_label(spec: Predictor) -> str:
    if isinstance(spec, str):
        return spec
    column, periods = spec
    return f"{column} ({', '.join(str(p) for p in periods)})"


def _predictor_means(
    data: pd.DataFrame, *, unit: str, time: str, predictors: Sequence[Predictor], before: Any
) -> pd.DataFrame:
    """Mean of each predictor over the pre-period or its own periods: ``predictor x unit``."""
    rows = {}
    for spec in predictors:
        column, periods = (spec, None) if isinstance(spec, str) else spec
        chosen = data[time] < before if periods is None else data[time].isin(list(periods))
        if periods is not None and not data.loc[chosen, time].lt(before).all():
            raise ValueError(f"Predictor {_predictor_label(spec)} uses periods after treatment.")
        if periods is not None and data.loc[chosen, time].nunique() != len(set(periods)):
            raise ValueError(f"Predictor {_predictor_label(spec)} names periods not in {time!r}.")
        rows[_predictor_label(spec)] = data.loc[chosen].groupby(unit)[column].mean()
    return pd.DataFrame(rows).T


# --------------------------------------------------------------------------- fitting
def _fit_one(
    wide: pd.DataFrame,
    treated: Any,
    donors: list[Any],
    pre: np.ndarray,
    means: pd.DataFrame | None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Donor weights (and predictor importances) for one treated unit."""
    y_treated = wide[treated].to_numpy()[pre]
    y_donors = wide[donors].to_numpy()[pre]
    if means is None:
        return simplex_least_squares(y_donors, y_treated), None
    return _predictor_weights(
        means[treated].to_numpy(), means[donors].to_numpy(), y_treated, y_donors
    )


def _warn_on_poor_support(
    wide: pd.DataFrame,
    treated: Any,
    donors: list[Any],
    pre: np.ndarray,
    means: pd.DataFrame | None,
) -> None:
    """Warn when no weighted average of donors can match the treated unit, or a
    predictor is the same for every unit (so it cannot guide the weights)."""
    y_treated, y_donors = wide[treated].to_numpy()[pre], wide[donors].to_numpy()[pre]
    above = y_treated > y_donors.max(axis=1)
    below = y_treated < y_donors.min(axis=1)
    outside = int((above | below).sum())
    if outside:
        warnings.warn(
            f"The treated unit lies outside the donors' range in {outside} of {int(pre.sum())} "
            "pre-treatment periods (above every donor or below every donor), so no "
            "weighted average of donors can match it there: the fit will be poor and the "
            "gap after treatment partly reflects that, not the policy. Consider donors "
            "on both sides, outcomes in changes, or a difference-in-differences design.",
            UserWarning,
            stacklevel=3,
        )
    if means is not None:
        constant = [str(p) for p in means.index if means.loc[p].nunique() < 2]
        if constant:
            warnings.warn(
                f"Predictor(s) {constant} take the same value for every unit, so they "
                "cannot guide the weights; drop them.",
                UserWarning,
                stacklevel=3,
            )


def _rmspe(gap: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(gap))))


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
        """The treated unit and its synthetic twin over time, the treatment date dotted."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4.2))
        paths = self.paths
        ax.plot(paths.index, paths["treated"], color="#0072B2", lw=2, label=str(self.treated_unit))
        ax.plot(paths.index, paths["synthetic"], color="#D55E00", lw=2, ls="--", label="Synthetic")
        ax.axvline(self.treatment_time, color="#444444", lw=1, ls=":")
        ax.legend(frameon=False)
        return ax

    def plot(
        self, *, ax: Sequence[Axes] | None = None, placebo: PlaceboResult | None = None
    ) -> Sequence[Axes]:
        """Treated vs synthetic paths (left) and the gap, with placebo gaps if given (right).

        ``ax`` is a pair of axes (left, right); by default a new figure with two.
        The caller finishes each axes, e.g. with :func:`evaluation.report.style.finish`.
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
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4.2))
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
        return ax


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
