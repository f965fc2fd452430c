"""Cinelli and Hazlett (2020): sensitivity of the Darfur estimate to omitted confounders.

Source: Cinelli, C. and Hazlett, C. (2020), "Making Sense of Sensitivity: Extending
Omitted Variable Bias", Journal of the Royal Statistical Society Series B 82(1), 39-67,
Section 2 and Table 2 (the Darfur example: Hazlett 2020's survey of 1,276 Darfurian
refugees; ``peacefactor`` on ``directlyharmed`` with age, farmer, herder, past voting,
household size, female and village fixed effects). Data: ``sensemakr.load_darfur()``.

Published (rounded as printed): estimate 0.097 (SE 0.023, t 4.18, 783 degrees of
freedom); partial R2 of treatment with the outcome 2.2%; robustness value RV_1 = 13.9%;
RV_{1, 0.05} = 7.6%.

Checked in tests/matching/test_sensitivity.py: each to half a unit of its last printed
digit. The benchmark bounds (female, kd = 1, 2, 3) are checked side by side with the
``sensemakr`` package at test time (1e-8), not against typed numbers.
"""

from __future__ import annotations

#: Treatment coefficient and its classical standard error.
ESTIMATE = 0.097
SE = 0.023
T_STATISTIC = 4.18
DOF = 783
#: Partial R2 of treatment with the outcome, as a share.
PARTIAL_R2 = 0.022
#: Robustness value (q = 1) and at alpha = 0.05, as shares.
RV = 0.139
RV_ALPHA = 0.076
#: The regression the paper reports.
FORMULA = (
    "peacefactor ~ directlyharmed + age + farmer_dar + herder_dar + pastvoted + "
    "hhsize_darfur + female + village"
)

SCRIPT = """
library(sensemakr)
model <- lm(peacefactor ~ directlyharmed + age + farmer_dar + herder_dar +
            pastvoted + hhsize_darfur + female + village, data = darfur)
summary(sensemakr(model, treatment = "directlyharmed",
                  benchmark_covariates = "female", kd = 1:3))
"""
