"""Dehejia and Wahba (1999, 2002): the NSW experiment and propensity scores with CPS controls.

Sources: Dehejia, R. H. and Wahba, S. (1999), "Causal Effects in Nonexperimental
Studies: Reevaluating the Evaluation of Training Programs", Journal of the American
Statistical Association 94(448), 1053-1062, Table 3; and (2002), "Propensity
Score-Matching Methods for Nonexperimental Causal Studies", Review of Economics and
Statistics 84(1), 151-161, Table 3. Data: LaLonde's (1986) NSW subsample as shipped by
``causaldata`` (``nsw_mixtape``, ``cps_mixtape``; Cunningham's Mixtape).

Checked in tests/matching/: the experimental difference in 1978 earnings to $0.01 and its
classical pooled-variance standard error to $0.05 (published rounded: 1,794 (633));
IPW, nearest-neighbour and doubly robust ATTs with CPS controls inside a range wider than
the published $1,360-$1,774 (specifications and software differ): $1,000-$2,300.
"""

from __future__ import annotations

#: NSW experimental estimate: treated minus control mean of re78, to the cent.
EXPERIMENTAL_ATT = 1794.34
#: Its classical two-sample standard error with a pooled variance (OLS's non-robust SE).
EXPERIMENTAL_SE = 632.9
#: NSW treated men.
N_TREATED = 185
#: The range the CPS-control ATTs must fall in (the published ones: about 1,360 to 1,774).
CPS_ATT_RANGE = (1000.0, 2300.0)

#: The experimental benchmark in R, reconstructed (not the authors' code).
SCRIPT = """
nsw <- haven::read_dta("nsw_mixtape.dta")
summary(lm(re78 ~ treat, data = nsw))  # 1794.34 (632.9)
"""
