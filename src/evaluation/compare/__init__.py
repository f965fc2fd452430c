"""Comparing providers and areas fairly: risk adjustment, funnels, shrinkage, ranks, variance.

A commissioner who asks *who is doing well, and who badly?* usually gets a
league table. A raw league table confuses three things: real differences in
performance, differences in the people each provider serves (case mix), and
plain chance, which is largest for the smallest providers. The functions here
separate them:

* :func:`risk_adjust` compares each provider's observed count of outcomes with
  the count expected from its case mix (a logistic or Poisson GLM fitted with
  statsmodels), giving observed/expected ratios with exact Poisson intervals.
* :func:`funnel` plots each rate against its denominator with control limits
  at 95% and 99.8% around a target (Spiegelhalter 2005), optionally widened
  for over-dispersion (multiplicative or additive random effects).
* :func:`shrink` pulls each raw rate towards the average by as much as its
  noise warrants (empirical Bayes: beta-binomial or normal-normal).
* :func:`rank_intervals` simulates how uncertain each league-table place is.
* :func:`variance_components` splits an area panel's variation into lasting
  differences between regions, between areas and year-to-year movement
  (statsmodels MixedLM, REML), with intervals for each share and shrunken area
  effects: how much of a "postcode lottery" there is.
* :func:`within_area`, :func:`provider_effects` and :func:`versus_benchmark`
  compare providers that share areas, or a rate with a benchmark;
  :func:`group_gaps` and :func:`rating_comparison` compare groups of providers
  (by ownership, say) on a binary outcome.

Pooling estimates from several sites or studies is :func:`evaluation.meta.pool`.

These are monitoring and description tools, not impact evaluation: they say
whether a provider's results are unusual given chance and the case mix that
was measured, not why.

Examples
--------
>>> from evaluation import compare
>>> from evaluation.simulate.performance import providers
>>> frame = providers(seed=1)
>>> fit = compare.funnel(frame, events="events", denominator="denominator", unit="provider")
>>> fit.n_obs > 0
True
"""

from evaluation.compare.funnels import (
    FUNNEL_LEVELS,
    WINSOR_SHARE,
    FunnelResult,
    funnel,
    funnel_limits,
    smallest_denominator,
)
from evaluation.compare.gaps import GroupGaps, group_gaps
from evaluation.compare.proportions import RatingComparison, rating_comparison
from evaluation.compare.providers import (
    ProviderEffectsResult,
    WithinAreaResult,
    provider_effects,
    versus_benchmark,
    within_area,
)
from evaluation.compare.ranking import RankResult, rank_intervals
from evaluation.compare.risk_adjustment import RiskAdjustedResult, risk_adjust
from evaluation.compare.shrinkage import ShrinkageResult, shrink
from evaluation.compare.variance import VarianceComponents, variance_components

__all__ = [
    "GroupGaps",
    "ProviderEffectsResult",
    "RatingComparison",
    "WithinAreaResult",
    "group_gaps",
    "provider_effects",
    "rating_comparison",
    "versus_benchmark",
    "within_area",
    "FUNNEL_LEVELS",
    "WINSOR_SHARE",
    "FUNNEL_LEVELS",
    "WINSOR_SHARE",
    "FunnelResult",
    "RankResult",
    "RiskAdjustedResult",
    "ShrinkageResult",
    "VarianceComponents",
    "funnel",
    "funnel_limits",
    "rank_intervals",
    "risk_adjust",
    "shrink",
    "smallest_denominator",
    "variance_components",
]
