"""Stata's ``teffects psmatch`` on the maternal-smoking and birthweight data (cattaneo2).

Source: StataCorp, Stata ``teffects psmatch`` (propensity-score matching, one
neighbour, ties kept, logit treatment model, "AI robust" standard errors that allow
for the estimated score as in Abadie and Imbens 2016), run on ``cattaneo2`` (4,642
births; Cattaneo 2010, Journal of Econometrics 155, 138-154). The output used is the
Stata log published with Mendez's tutorial "Treatment effects in Stata: six
estimators" (2026, ``content/post/stata_matching/analysis.log`` in the
``cmg777/starter-academic-v501`` repository): a secondary source for Stata's numbers,
not StataCorp's own manual. The data are the copy statsmodels ships for its own
``teffects`` tests (``statsmodels/treatment/tests/results/cataneo2.csv``).

Published (as printed in the log): ATE -229.4492 (AI robust SE 25.88746); ATET -224.5927
(30.55147); matches per unit min 1, max 16 (ties kept).

Checked in tests/matching/test_estimated_score.py: both estimates to 5e-5 (half a
unit of the fourth printed decimal) and both standard errors to 5e-6 (half a unit of
the fifth printed decimal; measured differences: ATE 8e-7, ATET 2e-8). Matching
Stata this closely needs its conventions, which ``evaluation.matching`` follows:

- each unit's conditional variance is the sample variance (divisor n - 1) of the
  outcomes in its ``vce(robust, nn(2))`` set: the two units of its own group
  nearest in score, the unit itself counted among them, ties kept (the
  within-treatment matching set of Methods and formulas of [CAUSAL] teffects
  nnmatch; ``include_self = TRUE`` in the R port kylebutts/teffects-r,
  ``R/psmatch.R``);
- the 2006 variance weights each unit's conditional variance by K^2 + 2K - K'
  (ATE) or K^2 - K' (ATET, controls), K the unit's summed match weights and K'
  their sum of squares;
- the conditional covariances cov(X, Y | p, W = w) are sample covariances over the
  same set (own group) or the two nearest units of the other group;
- the ATE adjustment is - c' V c, c = mean[f (cov_1 / p + cov_0 / (1 - p))],
  f = p (1 - p), V the logit coefficients' covariance (Abadie and Imbens 2016,
  Theorem 1);
- the ATET adjustment is - c_t' V c_t + d' V d, with c_t = (1/N1) sum[f X (y1~ -
  y0~ - ATET)] + (1/N1) sum[f (cov_1 + p/(1-p) cov_0)] (y_w~ the mean outcome of
  the two units of group w nearest in score, the unit itself left out) and
  d = (1/N1) sum[f X ((2W - 1)(Y - Y^x) - ATET)], Y^x the mean outcome of the
  nearest other-group unit(s) in Euclidean distance on the raw covariates, ties
  kept. The structure of c_t and d follows the R port (``R/internal_matching_inference.R``,
  ``.teffects_psmatch_adjustment``); that port matches on the covariates with the
  Mahalanobis metric, which gives 30.5089 here, while the Euclidean metric
  reproduces Stata's 30.55147.
"""

from __future__ import annotations

#: Treatment model covariates (the outcome is bweight, the treatment mbsmoke).
COVARIATES = ("mmarried", "mage", "fage", "medu", "prenatal1")
ATE = -229.4492
ATE_SE = 25.88746
ATET = -224.5927
ATET_SE = 30.55147
MAX_MATCHES = 16

SCRIPT = """
use cattaneo2, clear
teffects psmatch (bweight) (mbsmoke mmarried mage fage medu prenatal1), nolog
teffects psmatch (bweight) (mbsmoke mmarried mage fage medu prenatal1), atet nolog
"""
