"""Stata ``bacondecomp`` on a three-unit toy panel, as printed by Naqvi's DiD guide.

Source: Naqvi, A. (2022, updated 2024), "Bacon decomposition", in *Difference-in-
Differences* (online guide), https://asjadnaqvi.github.io/DiD/docs/code/06_02_bacon/ .
The output is of the Stata command ``bacondecomp`` (Goodman-Bacon, Goldring and
Nichols 2019, SSC), which implements Goodman-Bacon (2021), Theorem 1.

The panel: units 1-3 observed in periods 1-10; unit 2 treated from period 5,
unit 3 from period 8, unit 1 never; the outcome is 0 untreated, 2 for unit 2 and
4 for unit 3 once treated. The guide prints the two-way fixed-effects estimate and,
for each comparison type, its total weight and weighted-average 2x2 estimate, to
three decimals.

Checked in tests/did/test_bacon.py: the TWFE estimate, the three weights and three
average estimates, each to 5e-4 (half a unit in the third decimal printed).
"""

from __future__ import annotations

#: "Diff-in-diff estimate" printed by bacondecomp.
TWFE = 2.909
#: Comparison type -> (weight, average 2x2 estimate), as printed.
BY_TYPE = {
    "Earlier vs Later Treated": (0.182, 2.000),  # "Earlier T vs. Later C"
    "Later vs Earlier Treated": (0.136, 4.000),  # "Later T vs. Earlier C"
    "Treated vs Untreated": (0.682, 2.933),  # "T vs. Never treated"
}

#: The guide's Stata program (abridged to the data step and the command).
SCRIPT = """
clear
set obs 30
egen id = seq(), b(10)
egen t  = seq(), f(1) t(10)
xtset id t
gen D = 0
replace D = 1 if id==2 & t>=5
replace D = 1 if id==3 & t>=8
gen Y = 0
replace Y = D * 2 if id==2 & t>=5
replace Y = D * 4 if id==3 & t>=8
bacondecomp Y D, ddetail
"""
