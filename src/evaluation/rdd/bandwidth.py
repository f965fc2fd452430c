"""The Imbens and Kalyanaraman (2012) MSE-optimal bandwidth."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import integrate

from evaluation.rdd._common import (
    _IK_CURVATURE,
    _IK_PILOT,
    _IK_REGULARISE,
    KERNELS,
    _check_kernel,
    _running_and_outcome,
)

__all__ = ["IKBandwidth", "ik_bandwidth"]


@dataclass(frozen=True)
class IKBandwidth:
    """The Imbens-Kalyanaraman (2012) bandwidth and every quantity on the way to it.

    Attributes
    ----------
    bandwidth
        The MSE-optimal bandwidth, in units of the running variable.
    pilot, density, variance_left, variance_right
        Step 1: the pilot bandwidth, the density of the running variable at the
        cutoff and the outcome variance just below and above it.
    third_derivative, curvature_bandwidth_left, curvature_bandwidth_right
        Step 2: the global cubic's third derivative and the pilot bandwidths of the
        local quadratic fits on each side.
    curvature_left, curvature_right
        Step 2: the second derivatives of the regression function at the cutoff.
    regularisation_left, regularisation_right
        Step 3: the terms that keep the bandwidth finite when the curvatures match.
    kernel_constant
        C_K for the kernel (3.4375 for the triangular kernel).
    n_obs
        Observations used.
    """

    bandwidth: float
    pilot: float
    density: float
    variance_left: float
    variance_right: float
    third_derivative: float
    curvature_bandwidth_left: float
    curvature_bandwidth_right: float
    curvature_left: float
    curvature_right: float
    regularisation_left: float
    regularisation_right: float
    kernel_constant: float
    n_obs: int

    def steps(self) -> pd.DataFrame:
        """The quantities of the three steps, one row each, in the order computed."""
        rows = [
            ("1", "pilot bandwidth h1", self.pilot),
            ("1", "density at the cutoff f(c)", self.density),
            ("1", "outcome variance below", self.variance_left),
            ("1", "outcome variance above", self.variance_right),
            ("2", "third derivative (global cubic)", self.third_derivative),
            ("2", "curvature pilot bandwidth below", self.curvature_bandwidth_left),
            ("2", "curvature pilot bandwidth above", self.curvature_bandwidth_right),
            ("2", "second derivative below", self.curvature_left),
            ("2", "second derivative above", self.curvature_right),
            ("3", "regularisation below", self.regularisation_left),
            ("3", "regularisation above", self.regularisation_right),
            ("3", "kernel constant C_K", self.kernel_constant),
            ("3", "optimal bandwidth", self.bandwidth),
        ]
        return pd.DataFrame(rows, columns=["step", "quantity", "value"])

    def tidy(self) -> pd.DataFrame:
        """The report as a table: the same rows as :meth:`steps`."""
        return self.steps()

    def summary(self) -> str:
        """The bandwidth in one line, with the pilot and the observations used."""
        return (
            f"Imbens-Kalyanaraman bandwidth: {self.bandwidth:.4g} (pilot {self.pilot:.4g}, "
            f"kernel constant {self.kernel_constant:.4g}), {self.n_obs:,} observations"
        )


@cache
def _ik_kernel_constant(kernel: str) -> float:
    """C_K = (C2 / (4 C1^2))^(1/5) from the kernel's one-sided moments (IK 2012, eq. 4-5)."""
    k = KERNELS[kernel]

    def moment(j: int, power: int) -> float:
        return float(integrate.quad(lambda u: u**j * float(k(np.asarray(u))) ** power, 0, 1)[0])

    nu = [moment(j, 1) for j in range(4)]
    pi = [moment(j, 2) for j in range(3)]
    det = nu[2] * nu[0] - nu[1] ** 2
    c1 = 0.5 * (nu[2] ** 2 - nu[1] * nu[3]) / det
    c2 = (nu[2] ** 2 * pi[0] - 2 * nu[1] * nu[2] * pi[1] + nu[1] ** 2 * pi[2]) / det**2
    return float((c2 / (4 * c1**2)) ** 0.2)


def _second_derivative(x: np.ndarray, y: np.ndarray, side: str) -> float:
    if x.size < 4 or np.unique(x).size < 3:
        raise ValueError(
            f"Only {x.size} observation(s) lie within the curvature pilot bandwidth {side} "
            "the cutoff; the Imbens-Kalyanaraman bandwidth cannot be computed. "
            "Pass a bandwidth explicitly."
        )
    design = np.column_stack([np.ones_like(x), x, x**2])
    return float(2 * sm.OLS(y, design).fit().params[2])


def ik_bandwidth(
    data: pd.DataFrame,
    *,
    outcome: str,
    running: str,
    cutoff: float = 0.0,
    kernel: str = "triangular",
) -> IKBandwidth:
    r"""The Imbens and Kalyanaraman (2012) MSE-optimal bandwidth for a sharp RD.

    The bandwidth minimises the asymptotic mean squared error of the local-linear
    estimate of the jump,

    .. math:: h = C_K \left( \frac{\sigma^2_-(c) + \sigma^2_+(c)}
              {f(c) \left[ (m''_+(c) - m''_-(c))^2 + r_+ + r_- \right]} \right)^{1/5} N^{-1/5},

    with its unknowns estimated in three steps (IK 2012, Section 4.2):

    1. **Density and variance.** Pilot bandwidth :math:`h_1 = 1.84\, S_X N^{-1/5}`
       (:math:`S_X` the sample standard deviation of the running variable). The
       density at the cutoff is :math:`f = (N_{h_1,-} + N_{h_1,+}) / (2 N h_1)`, and
       :math:`\sigma^2_\pm` are the sample variances of the outcome within
       :math:`h_1` below and above.
    2. **Curvature.** Fit a global cubic in :math:`x - c` with a jump at the
       cutoff and take :math:`m''' = 6\gamma_3`. Following the authors' own code
       (and rdrobust's implementation of IK) the cubic is fitted to the
       observations between the median of the running variable below the cutoff
       and the median above it, so that distant observations do not set the
       curvature near the cutoff. The pilot bandwidths
       :math:`h_{2,\pm} = 7200^{1/7} (\sigma^2_\pm / (f\, m'''^2))^{1/7} N_\pm^{-1/7}`
       (:math:`N_\pm` observations on each side) define local quadratic fits whose
       second derivatives are :math:`m''_\pm(c)`.
    3. **Regularisation.** :math:`r_\pm = 2160\, \sigma^2_\pm / (N_{2,\pm} h_{2,\pm}^4)`,
       with :math:`N_{2,\pm}` observations within :math:`h_{2,\pm}`, keeps the
       bandwidth finite when the two curvatures are equal. :math:`C_K` is
       computed from the kernel (3.4375 for the triangular kernel).

    Parameters
    ----------
    data
        One row per unit.
    outcome, running
        Column names of the outcome and the running variable.
    cutoff
        The threshold; units at or above it are treated.
    kernel
        ``"triangular"`` (default), ``"uniform"`` or ``"epanechnikov"``: sets C_K.

    Returns
    -------
    IKBandwidth
        ``.bandwidth`` and the intermediate quantities (``.steps()`` tabulates them).

    Examples
    --------
    >>> from evaluation.simulate.rdd import threshold_rule
    >>> frame = threshold_rule(n=4000, seed=1)
    >>> bw = ik_bandwidth(frame, outcome="reoffended", running="risk_score", cutoff=50)
    >>> 5 < bw.bandwidth < 50
    True
    """
    _check_kernel(kernel)
    kernel_constant = _ik_kernel_constant(kernel)
    frame = _running_and_outcome(data, outcome=outcome, running=running, cutoff=cutoff)
    x = frame[running].to_numpy() - cutoff
    y = frame[outcome].to_numpy()
    n = x.size
    below, above = x < 0, x >= 0

    # Step 1: density and conditional variances at the cutoff.
    pilot = _IK_PILOT * float(np.std(x, ddof=1)) * n ** (-1 / 5)
    near_below, near_above = below & (x >= -pilot), above & (x <= pilot)
    if near_below.sum() < 2 or near_above.sum() < 2:
        raise ValueError(
            f"Fewer than two observations of running={running!r} lie within the pilot "
            f"bandwidth {pilot:.4g} on one side of the cutoff {cutoff} "
            f"({int(near_below.sum())} below, {int(near_above.sum())} above)."
        )
    density = (near_below.sum() + near_above.sum()) / (2 * n * pilot)
    var_below = float(np.var(y[near_below], ddof=1))
    var_above = float(np.var(y[near_above], ddof=1))

    # Step 2: third derivative from a cubic between the medians, then local quadratics.
    window = (x >= np.median(x[below])) & (x <= np.median(x[above]))
    cubic = np.column_stack(
        [np.ones(window.sum()), x[window] >= 0, *(x[window] ** k for k in (1, 2, 3))]
    )
    third = float(6 * sm.OLS(y[window], cubic).fit().params[4])
    if third == 0 or not np.isfinite(third):
        raise ValueError("The global cubic has no third derivative; pass a bandwidth explicitly.")
    h2_below = (
        _IK_CURVATURE * (var_below / (density * third**2)) ** (1 / 7) * below.sum() ** (-1 / 7)
    )
    h2_above = (
        _IK_CURVATURE * (var_above / (density * third**2)) ** (1 / 7) * above.sum() ** (-1 / 7)
    )
    in_below, in_above = below & (x >= -h2_below), above & (x <= h2_above)
    curv_below = _second_derivative(x[in_below], y[in_below], "below")
    curv_above = _second_derivative(x[in_above], y[in_above], "at or above")

    # Step 3: regularised optimal bandwidth.
    reg_below = _IK_REGULARISE * var_below / (in_below.sum() * h2_below**4)
    reg_above = _IK_REGULARISE * var_above / (in_above.sum() * h2_above**4)
    ratio = (var_below + var_above) / (
        density * ((curv_above - curv_below) ** 2 + reg_below + reg_above)
    )
    bandwidth = kernel_constant * ratio ** (1 / 5) * n ** (-1 / 5)
    return IKBandwidth(
        bandwidth=float(bandwidth),
        pilot=float(pilot),
        density=float(density),
        variance_left=var_below,
        variance_right=var_above,
        third_derivative=third,
        curvature_bandwidth_left=float(h2_below),
        curvature_bandwidth_right=float(h2_above),
        curvature_left=curv_below,
        curvature_right=curv_above,
        regularisation_left=float(reg_below),
        regularisation_right=float(reg_above),
        kernel_constant=kernel_constant,
        n_obs=int(n),
    )
