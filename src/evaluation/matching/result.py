"""The result of a selection-on-observables estimator, with its balance table and overlap plot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from evaluation.matching.balance import Balance, _balance_table
from evaluation.report import style
from evaluation.results import Result, headline

__all__ = ["ObservationalResult"]


@dataclass(frozen=True)
class ObservationalResult(Result):
    """An effect estimated under selection on observables.

    Its attributes beyond those of :class:`~evaluation.results.Result` are:

    Attributes
    ----------
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
        return self._tidy_with("method", "n_treated", "n_control")

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Overlap: histograms (40 bins) of the propensity score for treated and control units.

        Treated units are filled; controls are drawn twice, as they are (dashed
        outline) and with the estimator's weights (solid outline), so the picture
        shows the comparison group the estimate actually uses.
        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        if self._propensity.isna().all():
            raise ValueError("This estimate has no propensity score to plot.")
        ax = style.axes(ax)
        edges = np.linspace(0, 1, 41).tolist()
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
        ax.legend(loc="best", fontsize=9)
        return style.finish(
            ax,
            title="Overlap: propensity scores of treated and control units",
            xlabel="Propensity score (probability)",
            ylabel="Density (per unit of score)",
            source=style.DEFAULT_SOURCE,
        )


def _series(index: pd.Index, values: np.ndarray, name: str) -> pd.Series:
    return pd.Series(np.array(values, copy=True), index=index, name=name)


@dataclass(frozen=True)
class _Inputs:
    """What every selection-on-observables estimator was asked and fitted on."""

    frame: pd.DataFrame
    data_index: pd.Index
    outcome: str
    treatment: str
    covariates: Sequence[str]
    estimand: str
    level: float


def _finish(
    inputs: _Inputs,
    *,
    estimate: float,
    se: float,
    method: str,
    scores: np.ndarray | None,
    weights: np.ndarray,
    notes: Sequence[str] = (),
    result_class: type[ObservationalResult] = ObservationalResult,
    **extra: Any,
) -> Any:
    frame, data_index, treatment = inputs.frame, inputs.data_index, inputs.treatment
    treated = frame[treatment].to_numpy() == 1
    table = _balance_table(frame, treatment, inputs.covariates, weights)
    used = weights > 0
    return result_class(
        **headline(float(estimate), float(se), inputs.level),
        n_obs=int(used.sum()),
        method=method,
        estimand=inputs.estimand,
        level=inputs.level,
        notes=tuple(notes),
        outcome=inputs.outcome,
        treatment=treatment,
        covariates=tuple(inputs.covariates),
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
