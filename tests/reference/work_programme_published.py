"""The Work Programme's published tariffs and job outcome rates.

Sources (each is also a registered data file the loaders read):

* Work and Pensions Committee (2013), report on the Work Programme, Table 3 (the
  report's title and HC number are not recorded in the project): contract-year-1 maximum
  prices for JSA 25+ (attachment fee 400, job outcome fee 1,200, sustainment payments up
  to 2,795; registry: ``wp_tariffs_by_payment_group``).
* Learning and Work Institute (2018), "Work Programme statistics - our analysis":
  two-year job outcome rates by payment group, June 2011 to December 2017: JSA 18-24
  36.4%, JSA 25+ 31.7%, new ESA claimants 15.1%, ESA ex-IB 5.4%; all groups 27.8%
  (registry: ``wp_headline_outcomes``).
* Public Accounts Committee, HC 936: 3.6% of referrals had a job outcome in contract year
  one (registry: ``wp_performance_vs_mpl``).

Checked in tests/test_contracts.py (tariff arithmetic; the calibrated best response hits
the two-year rates to 1e-6) and tests/services/test_employment.py (simulated contracts'
year-one rate within 0.1 pp of 3.6% on average over 30 seeds and 0.7 pp in each; a
programme whose true rate is 27.8% shows 3.6% after 14 months to within 1 pp).
"""

from __future__ import annotations

#: JSA 25+, contract year 1: (attachment fee, job outcome fee, maximum sustainment), pounds.
JSA_25_PLUS_TARIFF = {"attachment_fee": 400, "job_outcome_fee": 1_200, "sustainment_max": 2_795}
#: Two-year job outcome rates: JSA 18-24, JSA 25+, new ESA, ESA ex-IB.
TWO_YEAR_RATES = [0.364, 0.317, 0.151, 0.054]
#: Two-year job outcome performance, all groups.
TWO_YEAR_RATE_ALL = 0.278
#: Referrals with a job outcome in contract year one, per cent (PAC HC 936).
YEAR_ONE_PERCENT = 3.6
