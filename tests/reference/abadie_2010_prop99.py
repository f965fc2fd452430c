"""Abadie, Diamond and Hainmueller (2010): California's Proposition 99, placebo inference.

Source: Abadie, A., Diamond, A. and Hainmueller, J. (2010), "Synthetic Control Methods
for Comparative Case Studies: Estimating the Effect of California's Tobacco Control
Program", Journal of the American Statistical Association 105(490), 493-505, p. 503 and
Figure 8: of the 39 states (California and 38 donors), California has the largest ratio
of post- to pre-1989 RMSPE, so the permutation p-value is 1/39. Their predictors that the
``scspill`` panel holds: retail price and cigarette sales in 1975, 1980 and 1988.

Checked in tests/test_synth.py: with those predictors the placebo rank is exactly 1 and
p = 1/39; matching the outcome path alone, California's rank is at most 3 of 39.
"""

from __future__ import annotations

#: Units in the placebo distribution (California and 38 donor states).
N_STATES = 39
#: California's rank by post/pre RMSPE ratio, and the p-value it gives.
RANK = 1
P_VALUE = RANK / N_STATES
