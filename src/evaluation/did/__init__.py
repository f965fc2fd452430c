"""Difference-in-differences: 2x2, two-way fixed effects, staggered, event studies, switching.

Nine functions, one shape. Each takes a tidy DataFrame and column names and
returns a frozen result with ``estimate, se, ci_low, ci_high, p_value, n_obs``,
``tidy()``, ``summary()`` and, where a picture is the natural answer, ``plot()``.

- :func:`two_by_two`: treated and comparison groups, before and after.
- :func:`twfe`: the two-way fixed-effects regression, with the implicit weight
  it gives each treated unit-period (some may be negative).
- :func:`staggered`: Callaway and Sant'Anna (2021) group-time effects and their
  aggregations, with analytic influence-function standard errors as R's ``did``;
  unbalanced panels, anticipation, clusters coarser than the unit and sampling
  weights as R's ``did`` options.
- :func:`event_study`: effects by time since adoption, Sun and Abraham (2021)
  interaction-weighted or the conventional dynamic TWFE, with a pre-trend test.
- :func:`imputation`: Borusyak, Jaravel and Spiess (2024) imputation estimator,
  with their conservative standard errors and pre-trend test.
- :func:`bacon_decomposition`: Goodman-Bacon (2021) decomposition of the TWFE
  coefficient into its 2x2 comparisons.
- :func:`switching`: de Chaisemartin and D'Haultfoeuille's ``DID_M`` and
  first-switch effect for a treatment that switches on and off.
- :func:`wild_bootstrap`: the restricted wild cluster bootstrap p-value and
  interval for the 2x2, TWFE or event-study coefficients, for few clusters.
- :func:`trend_sensitivity`: Rambachan and Roth (2023) confidence sets for an event
  study's effect when parallel trends may be violated by a bounded amount, and
  the breakdown value at which the conclusion is lost.

Examples
--------
>>> from evaluation import did
>>> from evaluation.simulate.did import staggered_adoption
>>> panel = staggered_adoption(n_units=200, seed=1)
>>> fit = did.staggered(panel, outcome="outcome", unit="unit", time="time", cohort="cohort")
>>> abs(fit.estimate - panel.attrs["true_effect"]) < 4 * fit.se
True
"""

from evaluation.did._common import WaldTest
from evaluation.did.bacon import BaconResult, bacon_decomposition
from evaluation.did.callaway_santanna import StaggeredResult, staggered
from evaluation.did.event_time import EventStudyResult, event_study
from evaluation.did.fixed_effects import TwfeResult, twfe
from evaluation.did.honest import TrendSensitivityResult, trend_sensitivity
from evaluation.did.imputation import ImputationResult, imputation
from evaluation.did.rates import TwoByTwoRatesResult, relative_change, two_by_two_rates
from evaluation.did.switching import SwitchingResult, switching
from evaluation.did.two_period import TwoByTwoResult, two_by_two
from evaluation.did.wild_bootstrap import WildBootstrapResult, wild_bootstrap

__all__ = [
    "BaconResult",
    "bacon_decomposition",
    "ImputationResult",
    "imputation",
    "TwoByTwoRatesResult",
    "two_by_two_rates",
    "relative_change",
    "EventStudyResult",
    "TrendSensitivityResult",
    "StaggeredResult",
    "SwitchingResult",
    "TwfeResult",
    "TwoByTwoResult",
    "WaldTest",
    "event_study",
    "trend_sensitivity",
    "staggered",
    "switching",
    "twfe",
    "two_by_two",
    "WildBootstrapResult",
    "wild_bootstrap",
]
