"""Rosenbaum (2002), Observational Studies, Section 4.3: lead in children's blood.

Source: Rosenbaum, P. R. (2002), Observational Studies, 2nd ed., Springer, Chapter 4
(sensitivity analysis for Wilcoxon's signed-rank statistic), using the matched pairs of
Morton, D. E., Saah, A. J., Silberg, S. L., Owens, W. L., Roberts, M. A. and Saah, M. D.
(1982), "Lead absorption in children of employees in a lead-related industry", American
Journal of Epidemiology 115(4), 549-555: 33 children whose fathers worked in a battery
factory, each matched to a control child of the same age from the same neighbourhood;
blood lead in micrograms per decilitre. The pairs are those printed in the book and in
the example of R's ``rbounds::psens`` (Keele 2010), reproduced below as published.

The p-value bounds are what ``psens(trt, ctrl, Gamma = 6, GammaInc = 1)`` prints
(rounded to 4 decimals). R is not available here: they were computed by a line-by-line
transcription of psens's published source (below, ``SCRIPT``) in numpy, independent of
the library, and are the normal-approximation bounds of Rosenbaum (2002, Section 4.3.3).
One pair has no difference and is dropped: 32 pairs, signed-rank statistic 499.

Checked in tests/matching/test_rosenbaum.py: the statistic exactly; the upper bounds to
5e-5 (psens's rounding); the critical Gamma between 4 and 5 (the bound crosses 0.05
there).
"""

from __future__ import annotations

#: Blood lead of the exposed children (fathers in the battery factory), pair order.
EXPOSED = (38, 23, 41, 18, 37, 36, 23, 62, 31, 34, 24, 14, 21, 17, 16, 20, 15,
           10, 45, 39, 22, 35, 49, 48, 44, 35, 43, 39, 34, 13, 73, 25, 27)  # fmt: skip
#: Blood lead of their matched controls.
CONTROL = (16, 18, 18, 24, 19, 11, 10, 15, 16, 18, 18, 13, 19, 10, 16, 16, 24,
           13, 9, 14, 21, 19, 7, 18, 19, 12, 11, 22, 25, 16, 13, 11, 13)  # fmt: skip
#: Pairs with a non-zero difference and Wilcoxon's signed-rank statistic.
N_PAIRS = 32
STATISTIC = 499.0
#: Upper bound on the one-sided p-value at each Gamma, as psens prints it.
UPPER_BOUND = {1: 0.0000, 2: 0.0018, 3: 0.0131, 4: 0.0367, 5: 0.0694, 6: 0.1073}

SCRIPT = """
# rbounds::psens (Keele), the part that computes the bounds
diff <- trt - ctrl
diff <- diff[diff != 0]
ranks <- rank(abs(diff), ties.method = "average")
psi <- as.numeric(diff > 0)
T <- sum(psi * ranks)
for (i in 1:m) {
  p.plus <- gamma[i] / (1 + gamma[i])
  E.T.plus <- sum(ranks * p.plus)
  V.T <- sum(ranks^2 * p.plus * (1 - p.plus))
  p.val.up <- 1 - pnorm((T - E.T.plus) / sqrt(V.T))
  pvals[i, 2] <- round(p.val.up, digits = 4)
}
"""
