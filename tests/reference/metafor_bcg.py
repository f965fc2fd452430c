"""metafor on the BCG vaccine trials: random-effects pooling of log risk ratios.

Source: Viechtbauer, W. (2010), "Conducting Meta-Analyses in R with the metafor
Package", Journal of Statistical Software 36(3), 1-48, the ``dat.bcg`` examples (13
trials, Colditz et al. 1994): DerSimonian-Laird and REML fits of the log risk ratio.

Checked in tests/test_meta.py: estimate, standard error and tau^2 to 1e-4, Cochran's Q
to 1e-3 with 12 degrees of freedom; the REML estimate and tau^2 whatever the study order.
"""

from __future__ import annotations

#: (estimate, se, tau2) of ``rma(yi, vi, method = "DL")``.
DL = (-0.7141, 0.1787, 0.3088)
#: (estimate, se, tau2) of ``rma(yi, vi, method = "REML")``.
REML = (-0.7145, 0.1798, 0.3132)
#: Cochran's Q and its degrees of freedom.
Q = 152.2330
Q_DF = 12

#: The metafor calls, as in the paper and the package's help for dat.bcg (reconstructed).
SCRIPT = """
library(metafor)
dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
rma(yi, vi, data = dat, method = "DL")
rma(yi, vi, data = dat, method = "REML")
"""
