"""rdrobust's US Senate example: incumbency advantage by local linear regression.

Sources: Calonico, S., Cattaneo, M. D. and Titiunik, R. (2014), "Robust Nonparametric
Confidence Intervals for Regression-Discontinuity Designs", Econometrica 82(6),
2295-2326, and (2015), "rdrobust: An R Package for Robust Nonparametric Inference in
Regression-Discontinuity Designs", The R Journal 7(1), 38-51; data: Cattaneo, Frandsen
and Titiunik (2015), ``rdrobust_RDsenate`` (shipped with the Python ``rdrobust``).
Output of ``rdrobust(vote, margin)``: local linear, triangular kernel, MSE-optimal
bandwidth h = 17.754, conventional estimate 7.414, effective observations 360 left and
323 right.

Checked in tests/rdd/: our estimate at h = 17.754 to 0.01 and the same effective
observations; with our own Imbens-Kalyanaraman bandwidth, within 0.6 of 7.414;
``rdd.robust``'s own MSE-optimal bandwidth and estimate to 1e-3 (the printed rounding)
and the same effective observations (tests/rdd/test_robust.py, which also runs
rdrobust side by side).
"""

from __future__ import annotations

#: rdrobust's MSE-optimal bandwidth (mserd).
BANDWIDTH = 17.754
#: Conventional local-linear estimate at that bandwidth.
ESTIMATE = 7.414
#: Effective observations within the bandwidth, left and right of zero.
N_LEFT = 360
N_RIGHT = 323

#: The call, reconstructed from the package documentation (not a kept log).
SCRIPT = """
library(rdrobust)
data <- read.csv("rdrobust_RDsenate.csv")
summary(rdrobust(y = data$vote, x = data$margin))
"""
