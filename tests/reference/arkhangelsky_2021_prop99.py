"""Arkhangelsky et al. (2021), Table 1: Proposition 99 by SDID, synthetic control and DiD.

Source: Arkhangelsky, D., Athey, S., Hirshberg, D. A., Imbens, G. W. and Wager, S.
(2021), "Synthetic Difference-in-Differences", American Economic Review 111(12),
4088-4118, Table 1 (California Proposition 99, packs per capita, standard errors by
the placebo method in parentheses): column SDID -15.6 (8.4), column SC -19.6 (9.9),
column DID -27.3 (17.7). Their software is the R package ``synthdid``.

Checked in tests/test_synth.py (our exact simplex synthetic control to 0.5 of the SC
column; a two-way fixed effects OLS to 0.5 of the DID column) and tests/test_sdid.py
(``synth.synthetic_did`` with method "sdid", "sc" and "did" to 0.05 of each estimate, and
each placebo SE within the central 99% of the distribution of a 200-replication placebo SE).
The standard errors are Monte Carlo draws (200 placebo replications with R's random
numbers) and cannot be reproduced digit for digit. With one treated unit a placebo
replication is fixed by which control plays the treated unit, so that distribution is
known exactly from the 38 placebo estimates, one per control state.
"""

from __future__ import annotations

#: Synthetic difference-in-differences (packs per capita).
SDID_ESTIMATE = -15.6
#: Its placebo standard error (200 placebo replications in synthdid; Monte Carlo).
SDID_SE = 8.4
#: Average post-1988 gap, synthetic control (packs per capita).
SC_ESTIMATE = -19.6
#: Its placebo standard error.
SC_SE = 9.9
#: Two-way fixed effects difference-in-differences (packs per capita).
DID_ESTIMATE = -27.3
#: Its placebo standard error.
DID_SE = 17.7

#: The synthdid calls that print these columns, reconstructed from the package's README
#: (not the authors' replication script).
SCRIPT = """
library(synthdid)
data("california_prop99")
setup <- panel.matrices(california_prop99)
estimates <- lapply(list(synthdid_estimate, sc_estimate, did_estimate),
                    function(estimator) estimator(setup$Y, setup$N0, setup$T0))
ses <- sapply(estimates, function(e) sqrt(vcov(e, method = "placebo")))
"""
