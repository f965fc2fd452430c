"""Callaway and Sant'Anna (2021): group-time ATTs on ``mpdta`` from the R ``did`` package.

Source: Callaway, B. and Sant'Anna, P. H. C. (2021), "Difference-in-Differences with
multiple time periods", Journal of Econometrics 225(2), 200-230; the numbers are the
output of the authors' R package ``did`` (its "Getting Started" vignette) on the
``mpdta`` data (500 US counties, 2003-2007; ``moderndid`` ships the same file):
``att_gt`` printed to 4 decimals, analytic standard errors (``bstrap = FALSE``), and
``aggte(type = "simple")``.

Checked in tests/did/test_callaway_santanna.py: each ATT(g, t) to half a unit in the
4th decimal (5e-5); the simple aggregate to 5e-5 and its standard error within the
range printed by R ``did`` and ``moderndid`` (0.0118-0.0120; the test allows 0.0121).
"""

from __future__ import annotations

#: ATT(g, t) keyed by (cohort = first.treat, year), as printed by ``att_gt``.
ATT_GT: dict[tuple[int, int], float] = {
    (2004, 2004): -0.0105,
    (2004, 2005): -0.0704,
    (2004, 2006): -0.1373,
    (2004, 2007): -0.1008,
    (2006, 2004): 0.0065,
    (2006, 2005): -0.0028,
    (2006, 2006): -0.0046,
    (2006, 2007): -0.0412,
    (2007, 2004): 0.0305,
    (2007, 2005): -0.0027,
    (2007, 2006): -0.0311,
    (2007, 2007): -0.0261,
}
#: ``aggte(type = "simple")``: the overall ATT.
SIMPLE_ATT = -0.0400
#: Bounds the test puts on the simple ATT's analytic standard error.
SIMPLE_SE_RANGE = (0.0118, 0.0121)

#: The R calls, reconstructed from the call the test's comment gave and the vignette
#: (not a script kept from the original run).
SCRIPT = """
library(did)
data(mpdta)
out <- att_gt(yname = "lemp", tname = "year", idname = "countyreal",
              gname = "first.treat", data = mpdta, bstrap = FALSE)
summary(out)
summary(aggte(out, type = "simple", bstrap = FALSE))
"""
