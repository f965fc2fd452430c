"""Bloom (1995), Table 1: minimum detectable effect multipliers.

Source: Bloom, H. S. (1995), "Minimum Detectable Effects: A Simple Way to Report the
Statistical Power of Experimental Designs", Evaluation Review 19(5), 547-556, Table 1:
multipliers for an infinite number of degrees of freedom, alpha = 0.05, two decimals.

Checked in tests/test_power.py: ``power.bloom_multiplier`` and the exact MDE in standard
errors, to 0.005 (half the last printed digit).
"""

from __future__ import annotations

#: (two_sided, power) -> multiplier.
MULTIPLIERS: dict[tuple[bool, float], float] = {
    (True, 0.8): 2.80,
    (False, 0.8): 2.49,
    (True, 0.9): 3.24,
    (False, 0.9): 2.93,
}
