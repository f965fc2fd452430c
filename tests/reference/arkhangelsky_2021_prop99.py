"""Arkhangelsky et al. (2021), Table 1: Proposition 99 by synthetic control and by DiD.

Source: Arkhangelsky, D., Athey, S., Hirshberg, D. A., Imbens, G. W. and Wager, S.
(2021), "Synthetic Difference-in-Differences", American Economic Review 111(12),
4088-4118, Table 1 (California Proposition 99, packs per capita): column SC -19.6,
column DID -27.3. Their software is the R package ``synthdid``.

Checked in tests/test_synth.py: our exact simplex synthetic control to 0.5 of the SC
column (their solver adds a tiny ridge penalty and stops early), a two-way fixed effects
OLS to 0.5 of the DID column.
"""

from __future__ import annotations

#: Average post-1988 gap, synthetic control (packs per capita).
SC_ESTIMATE = -19.6
#: Two-way fixed effects difference-in-differences (packs per capita).
DID_ESTIMATE = -27.3

#: The synthdid calls that print these columns, reconstructed from the package's README
#: (not the authors' replication script).
SCRIPT = """
library(synthdid)
data("california_prop99")
setup <- panel.matrices(california_prop99)
sc_estimate(setup$Y, setup$N0, setup$T0)
did_estimate(setup$Y, setup$N0, setup$T0)
"""
