"""Sharp regression discontinuity: local-linear estimation with a data-driven bandwidth.

A rule with a threshold decides who gets a service: offenders scoring 50 or more on
a risk tool get intensive supervision, areas above a deprivation score get extra
funding. People just either side of the threshold are alike in everything except
the service, so the jump in the outcome at the threshold estimates the effect of
the service *for people at the threshold*.

:func:`local_linear` fits a straight line on each side of the cutoff, weighting
observations by a kernel that falls to zero at the bandwidth, and reports the gap
between the two lines at the cutoff. The regression and its robust (HC1)
covariance come from statsmodels' WLS. With ``bandwidth=None`` the bandwidth is
the Imbens and Kalyanaraman (2012) MSE-optimal choice (:func:`ik_bandwidth`).

:func:`robust` is the estimator to the ``rdrobust`` standard: MSE- or CER-optimal
bandwidths (:func:`robust_bandwidth`), robust bias-corrected intervals, fuzzy designs
(``treatment=``), covariates, clustered standard errors and mass points.

Diagnostics a reviewer should ask for are methods of the result and functions here:
the McCrary (2008) density test for manipulation of the running variable
(:func:`density_test`; :func:`local_density_test` is rddensity's local-polynomial
test), sensitivity to the bandwidth, placebo cutoffs and the
continuity of pre-determined covariates at the cutoff (:func:`covariate_continuity`).

Examples
--------
>>> from evaluation.simulate.rdd import threshold_rule
>>> from evaluation import rdd
>>> frame = threshold_rule(n=4000, seed=1)
>>> fit = rdd.local_linear(frame, outcome="reoffended", running="risk_score", cutoff=50)
>>> truth = frame.attrs["true_effect"]
>>> truth, bool(fit.ci_low < truth < fit.ci_high)
(-0.1, True)
"""

from evaluation.rdd._common import KERNELS
from evaluation.rdd.bandwidth import IKBandwidth, ik_bandwidth
from evaluation.rdd.density import (
    DensityTest,
    LocalDensityTest,
    density_test,
    local_density_test,
)
from evaluation.rdd.local_linear import RDResult, covariate_continuity, local_linear
from evaluation.rdd.robust import RobustBandwidth, RobustRDResult, robust, robust_bandwidth

__all__ = [
    "DensityTest",
    "IKBandwidth",
    "LocalDensityTest",
    "KERNELS",
    "RDResult",
    "RobustBandwidth",
    "RobustRDResult",
    "covariate_continuity",
    "density_test",
    "ik_bandwidth",
    "local_density_test",
    "local_linear",
    "robust",
    "robust_bandwidth",
]
