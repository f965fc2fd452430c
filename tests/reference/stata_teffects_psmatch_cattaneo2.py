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

Published (as printed): ATE -229.4492 (AI robust SE 25.88746); ATET -224.5927
(30.55147); matches per unit min 1, max 16 (ties kept).

Checked in tests/matching/test_estimated_score.py: both estimates to 5e-5 (half a
unit of the fourth printed decimal); the standard errors allowing for the estimated
score within 4%, because Stata's estimate of each unit's conditional variance (its
``nn(2)`` same-group neighbours) is not documented in enough detail to reproduce
with the many tied scores these discrete covariates give (ours, with every tied
neighbour kept, is 3.5% above Stata's for the ATE and 2.9% below for the ATET).
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
