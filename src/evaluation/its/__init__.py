"""Interrupted time series: segmented regression and a structural time-series model.

An interrupted time series answers: *did the outcome change when a reform
started everywhere at once?* With no untreated group, the counterfactual is
the series' own past projected forward, so everything rests on modelling
that past well: its trend, its seasonality and its serial correlation
(Lopez Bernal et al. 2017).

Two estimators answer the same question:

* :func:`segmented` fits a linear trend, a *level change* at the interruption
  and a *slope change* after it by OLS, with Newey-West (HAC) standard errors
  that allow for autocorrelated errors. A comparison series that the reform did
  not touch can be added (controlled ITS): the model is then fitted to the gap
  between the two series, so shocks common to both cancel.
* :func:`structural` fits an unobserved-components model (statsmodels
  ``UnobservedComponents``): a stochastic level that may drift, a seasonal,
  regressors and a step at the interruption (Harvey and Durbin 1986).

Time must be regularly spaced (equally spaced numbers, or dates with a
frequency pandas can infer); the slope is per period.

Examples
--------
>>> from evaluation.simulate import its as sim
>>> series = sim.series(effect=-5.0, seed=1)
>>> fit = segmented(series, outcome="outcome", time="month",
...                 treatment_time=series.attrs["treatment_time"])
>>> fit.estimand
'level change'
"""

from evaluation.its._common import MIN_POST_PERIODS, MIN_PRE_PERIODS, newey_west_lags
from evaluation.its.segmented import SegmentedResult, placebo_interruptions, segmented
from evaluation.its.series_break import BreakStep, break_step, bridge
from evaluation.its.structural import StructuralResult, structural

__all__ = [
    "BreakStep",
    "break_step",
    "bridge",
    "MIN_POST_PERIODS",
    "MIN_PRE_PERIODS",
    "SegmentedResult",
    "StructuralResult",
    "newey_west_lags",
    "placebo_interruptions",
    "segmented",
    "structural",
]
