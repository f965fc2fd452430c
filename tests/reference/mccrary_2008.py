"""McCrary (2008): the density test's bin width and standard error.

Source: McCrary, J. (2008), "Manipulation of the running variable in the regression
discontinuity design: A density test", Journal of Econometrics 142(2), 698-714,
Section 3: default bin size b = 2 S_X n^(-1/2); the log difference of the two density
estimates has standard error sqrt((1 / (n h)) (24 / 5) (1 / f+ + 1 / f-)) with a
triangular kernel.

Checked in tests/rdd/test_density.py: the test's bin width and standard error on the
Senate data follow these formulas.
"""

from __future__ import annotations

#: b = BIN_WIDTH_FACTOR * S_X * n^(-1/2).
BIN_WIDTH_FACTOR = 2
#: The kernel constant in the variance of the log density difference.
VARIANCE_CONSTANT = 24 / 5
