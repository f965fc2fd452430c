"""Social Finance (2013): the Peterborough social impact bond's interim reconviction results.

Source: Social Finance, press release of 13 June 2013 on the Ministry of Justice's interim
re-conviction figures for the Peterborough pilot: "more than 6% decline" in reconviction
events per 100 offenders (Sep 2010-Mar 2012 against Sep 2008-Mar 2010) "compared to 16%
increase nationally". The rounded published rates give a national rise of 14.5%.

Checked in tests/services/test_probation.py against the registered file
``peterborough_interim_reconviction``: Peterborough's change between -7% and -6%; the
national change to 2 points of 16%.
"""

from __future__ import annotations

#: Peterborough's relative change lies in this interval ("more than 6% decline").
PETERBOROUGH_CHANGE_RANGE = (-0.07, -0.06)
#: The national relative change.
NATIONAL_CHANGE = 0.16
