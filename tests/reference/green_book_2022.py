"""HM Treasury, The Green Book (2022): discount factors under the declining schedule.

Source: HM Treasury (2022), The Green Book: Central Government Guidance on Appraisal
and Evaluation, the social time preference rate (3.5% a year to year 30, then 3.0% for
years 31-75, 2.5% for 76-125) and its table of discount factors, 4 decimal places.
Years 30 and 31 are those the table gives (0.3563, 0.3459); a single 3.0% rate from year
0 would give 0.4120 for year 30 and a single 3.5% rate 0.3442 for year 31.

Checked in tests/test_vfm.py: ``vfm.discount_factors`` rounded to 4 decimals equals them.
"""

from __future__ import annotations

#: year -> discount factor, as printed.
DISCOUNT_FACTORS: dict[int, float] = {
    0: 1.0,
    1: 0.9662,
    2: 0.9335,
    3: 0.9019,
    4: 0.8714,
    5: 0.8420,
    10: 0.7089,
    30: 0.3563,
    31: 0.3459,
}
