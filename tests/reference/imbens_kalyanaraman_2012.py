"""Imbens and Kalyanaraman (2012): constants of the MSE-optimal RD bandwidth.

Source: Imbens, G. and Kalyanaraman, K. (2012), "Optimal Bandwidth Choice for the
Regression Discontinuity Estimator", Review of Economic Studies 79(3), 933-959:
Section 3 gives C_K = 3.4375 for the triangular (edge) kernel; Section 4.2 the pilot
bandwidth h1 = 1.84 S_X N^(-1/5). For the uniform kernel (C2 / 4 C1^2)^(1/5) = 144^(1/5).

Checked in tests/rdd/test_bandwidth.py: the kernel constants (3.4375 to 1e-3, the
uniform one to 1e-6 relative) and the pilot bandwidth of the Senate data.
"""

from __future__ import annotations

#: C_K for the triangular kernel, as printed.
TRIANGULAR_KERNEL_CONSTANT = 3.4375
#: C_K for the uniform kernel, from the paper's formula.
UNIFORM_KERNEL_CONSTANT = 144**0.2
#: Factor of the pilot bandwidth 1.84 S_X N^(-1/5).
PILOT_FACTOR = 1.84
