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
* :func:`confounder_sensitivity` and :func:`sensitivity_of` -- how strong an omitted
  confounder would have to be to overturn a (weighted) regression estimate: Cinelli and
  Hazlett's (2020) robustness value and benchmark bounds.
* :func:`rosenbaum_bounds` -- Rosenbaum's bounds on Wilcoxon's signed-rank p-value for
  matched pairs (:func:`matched_pairs` builds them from a one-to-one matching).
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

from evaluation.matching.balance import Balance, balance
from evaluation.matching.neighbours import MatchingResult, nearest_neighbour
from evaluation.matching.propensity import propensity_score
from evaluation.matching.regression import difference_in_means, regression_adjustment
from evaluation.matching.result import ObservationalResult
from evaluation.matching.rosenbaum import RosenbaumBounds, matched_pairs, rosenbaum_bounds
from evaluation.matching.sensitivity import (
    ConfounderSensitivityResult,
    confounder_sensitivity,
    sensitivity_of,
)
from evaluation.matching.weighting import doubly_robust, ipw

__all__ = [
    "Balance",
    "MatchingResult",
    "ObservationalResult",
    "RosenbaumBounds",
    "ConfounderSensitivityResult",
    "balance",
    "confounder_sensitivity",
    "difference_in_means",
    "doubly_robust",
    "ipw",
    "matched_pairs",
    "nearest_neighbour",
    "propensity_score",
    "regression_adjustment",
    "rosenbaum_bounds",
    "sensitivity_of",
]
