"""Synthetic control and synthetic difference-in-differences, with their inference.

* :func:`synthetic_control`: one treated unit, placebo (permutation) inference
  (below); :func:`conformal_intervals` adds an interval for each post period
  (Chernozhukov, Wuthrich and Zhu 2021).
* :func:`synthetic_control_several`: several units treated at once, each
  fitted, the average judged against placebo sets of donors.
* :func:`synthetic_did`: synthetic difference-in-differences (Arkhangelsky et
  al. 2021) with synthetic control and difference-in-differences as special
  cases, and placebo, bootstrap or jackknife standard errors.

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

from evaluation.synth._common import (
    MIN_DONORS,
    MIN_PRE_PERIODS,
    Predictor,
    simplex_least_squares,
)
from evaluation.synth.control import PlaceboResult, SyntheticControlResult, synthetic_control
from evaluation.synth.sdid import SyntheticDiDResult, synthetic_did
from evaluation.synth.several import (
    ConformalResult,
    SeveralTreatedResult,
    conformal_intervals,
    synthetic_control_several,
)

__all__ = [
    "ConformalResult",
    "SeveralTreatedResult",
    "conformal_intervals",
    "synthetic_control_several",
    "MIN_DONORS",
    "MIN_PRE_PERIODS",
    "PlaceboResult",
    "Predictor",
    "SyntheticControlResult",
    "SyntheticDiDResult",
    "simplex_least_squares",
    "synthetic_control",
    "synthetic_did",
]
