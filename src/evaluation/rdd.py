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

Diagnostics a reviewer should ask for are methods of the result and functions here:
the McCrary (2008) density test for manipulation of the running variable
(:func:`density_test`), sensitivity to the bandwidth, placebo cutoffs and the
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

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import statsmodels.api as sm
from matplotlib.axes import Axes
from scipy import integrate

from evaluation._results import (
    Result,
    normal_interval,
    require_columns,
    require_no_missing,
    require_numeric,
)

__all__ = [
    "KERNELS",
    "RDResult",
    "IKBandwidth",
    "DensityTest",
    "local_linear",
    "ik_bandwidth",
    "density_test",
    "covariate_continuity",
]

Kernel = Callable[[np.ndarray], np.ndarray]


def _triangular(u: np.ndarray) -> np.ndarray:
    return np.clip(1.0 - np.abs(u), 0.0, None)


def _uniform(u: np.ndarray) -> np.ndarray:
    return (np.abs(u) <= 1.0).astype(float)


def _epanechnikov(u: np.ndarray) -> np.ndarray:
    return np.clip(0.75 * (1.0 - u**2), 0.0, None)


#: Kernels offered, as functions of u = (running - cutoff) / bandwidth.
KERNELS: dict[str, Kernel] = {
    "triangular": _triangular,
    "uniform": _uniform,
    "epanechnikov": _epanechnikov,
}

# Constants of Imbens and Kalyanaraman (2012), Section 4.2: the pilot bandwidth for
# the density and variance (1.84 = Silverman's rule for a uniform kernel), the pilot
# bandwidth constant for the local quadratic curvature fits (7200^(1/7)) and the
# regularisation constant (2160).
_IK_PILOT = 1.84
_IK_CURVATURE = 7200 ** (1 / 7)
_IK_REGULARISE = 2160.0
_MIN_SIDE = 3  # a line plus a standard error needs at least three points a side


# --------------------------------------------------------------------------- checks


def _check_kernel(kernel: str) -> Kernel:
    if kernel not in KERNELS:
        raise ValueError(f"kernel={kernel!r} is not offered; choose one of {sorted(KERNELS)}.")
    return KERNELS[kernel]


def _check_positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise ValueError(f"{name} must be a number; it was {value!r}.")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive, finite number; it was {value}.")
    return float(value)


def _running_and_outcome(
    data: pd.DataFrame, *, outcome: str | None, running: str, cutoff: float
) -> pd.DataFrame:
    """Validate the columns and return a copy of them with both sides populated."""
    require_columns(data, {"outcome": outcome, "running": running})
    columns = [running] if outcome is None else [running, outcome]
    require_numeric(data, columns)
    require_no_missing(data, columns)
    if not np.isfinite(cutoff):
        raise ValueError(f"cutoff must be a finite number; it was {cutoff}.")
    x = data[running].to_numpy(dtype=float)
    n_below, n_above = int((x < cutoff).sum()), int((x >= cutoff).sum())
    if n_below == 0 or n_above == 0:
        side = "below" if n_below == 0 else "at or above"
        raise ValueError(
            f"No observation of running={running!r} lies {side} the cutoff {cutoff} "
            f"(range {x.min():.4g} to {x.max():.4g}); a discontinuity needs data on both sides."
        )
    return data.loc[:, columns].astype(float)


# --------------------------------------------------------------------------- fitting


def _local_linear_fit(x: np.ndarray, y: np.ndarray, cutoff: float, h: float, kernel: str) -> Any:
    """WLS of y on [1, D, x-c, D(x-c)] with kernel weights, HC1 covariance; rows weighted > 0."""
    weights = KERNELS[kernel]((x - cutoff) / h)
    inside = weights > 0
    below, above = inside & (x < cutoff), inside & (x >= cutoff)
    for side, mask in (("below", below), ("at or above", above)):
        if mask.sum() < _MIN_SIDE or np.unique(x[mask]).size < 2:
            raise ValueError(
                f"Only {int(mask.sum())} observation(s) with {np.unique(x[mask]).size} distinct "
                f"running values lie within the bandwidth {h:.4g} {side} the cutoff {cutoff}; "
                f"a local-linear fit needs at least {_MIN_SIDE} at two or more values. "
                "Widen the bandwidth."
            )
    centred = x[inside] - cutoff
    treated = (x[inside] >= cutoff).astype(float)
    design = np.column_stack([np.ones_like(centred), treated, centred, treated * centred])
    return sm.WLS(y[inside], design, weights=weights[inside]).fit(cov_type="HC1")


# --------------------------------------------------------------------------- bandwidth


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


# --------------------------------------------------------------------------- density test


@dataclass(frozen=True)
class DensityTest(Result):
    """McCrary (2008) test of a jump in the density of the running variable at the cutoff.

    ``estimate`` is the log difference of the density just above and just below the
    cutoff (0.1 means about 10% more units just above than just below); ``p_value``
    tests no jump. ``f_left`` and ``f_right`` are the two density estimates;
    ``bins`` (a copy) holds the histogram the test smooths.
    """

    cutoff: float = 0.0
    bin_width: float = float("nan")
    bandwidth: float = float("nan")
    f_left: float = float("nan")
    f_right: float = float("nan")
    _bins: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    @property
    def bins(self) -> pd.DataFrame:
        """The histogram: ``midpoint``, ``count``, ``density``, ``side`` (a copy)."""
        return self._bins.copy()

    def plot(self, ax: Axes | None = None) -> Axes:
        """Histogram heights as points, with the local-linear density fits either side."""
        ax = ax if ax is not None else plt.subplots(figsize=(8, 4.5))[1]
        bins = self._bins
        ax.scatter(bins["midpoint"], bins["density"], s=12, color="#7f7f7f", label="Histogram")
        for side, colour in (("below", "C0"), ("above", "C1")):
            part = bins[bins["side"] == side]
            grid = part["midpoint"].to_numpy()
            fitted = [_density_at(part, point, self.bandwidth) for point in grid]
            ax.plot(grid, fitted, color=colour, lw=2, label=f"Local-linear fit {side}")
        ax.axvline(self.cutoff, color="black", lw=1, ls="--")
        ax.set_xlabel("Running variable")
        ax.set_ylabel("Density")
        ax.legend(loc="best", fontsize=9)
        return ax


def _density_at(bins: pd.DataFrame, point: float, bandwidth: float) -> float:
    """Local-linear (triangular) fit of histogram heights, evaluated at ``point``."""
    mid = bins["midpoint"].to_numpy()
    weights = _triangular((mid - point) / bandwidth)
    used = weights > 0
    if used.sum() < 2:
        return float("nan")
    design = np.column_stack([np.ones(used.sum()), mid[used] - point])
    fit = sm.WLS(bins["density"].to_numpy()[used], design, weights=weights[used]).fit()
    return float(fit.params[0])


def _histogram(x: np.ndarray, cutoff: float, width: float) -> pd.DataFrame:
    """Equal-width bins with an edge at the cutoff, empty bins included (McCrary step 1)."""
    index = np.floor((x - cutoff) / width).astype(np.int64)
    low = int(index.min())
    counts = np.bincount(index - low)
    bins = np.arange(low, low + counts.size)
    midpoint = cutoff + (bins + 0.5) * width
    return pd.DataFrame(
        {
            "midpoint": midpoint,
            "count": counts,
            "density": counts / (x.size * width),
            "side": np.where(bins < 0, "below", "above"),
        }
    )


def _mccrary_bandwidth(bins: pd.DataFrame, cutoff: float) -> float:
    """McCrary's rule of thumb: a quartic on each side, h = 3.348 (s^2 L / sum f''^2)^(1/5)."""
    sides = []
    for side in ("below", "above"):
        part = bins[bins["side"] == side]
        mid = part["midpoint"].to_numpy()
        if mid.size < 6:
            raise ValueError(
                f"Only {mid.size} histogram bin(s) lie {side} the cutoff; the density test "
                "needs at least six on each side. Pass a smaller bin_width."
            )
        design = np.column_stack([mid**k for k in range(5)])
        fit = sm.OLS(part["density"].to_numpy(), design).fit()
        b = fit.params
        second = 2 * b[2] + 6 * b[3] * mid + 12 * b[4] * mid**2
        length = abs(cutoff - mid.min()) if side == "below" else abs(mid.max() - cutoff)
        sides.append(3.348 * (fit.mse_resid * length / np.sum(second**2)) ** (1 / 5))
    return float(np.mean(sides))


def density_test(
    data: pd.DataFrame,
    *,
    running: str,
    cutoff: float = 0.0,
    bin_width: float | None = None,
    bandwidth: float | None = None,
    level: float = 0.95,
) -> DensityTest:
    r"""McCrary (2008) test for manipulation: does the running variable's density jump?

    If people can push themselves over a threshold (an assessor nudging a risk
    score, a school entering pupils to cross a funding line), more units sit just
    above the cutoff than just below. The test, following McCrary (2008):

    1. Builds a histogram with bin width :math:`b = 2 S_X N^{-1/2}` and an edge at
       the cutoff (empty bins included), with heights count / (N b).
    2. Chooses a bandwidth by McCrary's rule of thumb: on each side a global
       quartic in the bin midpoints gives :math:`h_\pm = 3.348\,(\tilde\sigma^2
       L_\pm / \sum \tilde f''^2)^{1/5}`, with :math:`\tilde\sigma^2` the quartic's
       mean squared residual and :math:`L_\pm` the length of that side's support;
       the bandwidth is the average of the two.
    3. Smooths the heights on each side by local-linear regression with a
       triangular kernel (statsmodels WLS), giving :math:`\hat f_-` and :math:`\hat f_+`
       at the cutoff, and reports :math:`\hat\theta = \ln \hat f_+ - \ln \hat f_-`
       with standard error :math:`\sqrt{(24/5)(1/\hat f_+ + 1/\hat f_-)/(N h)}`.

    Unlike some implementations, no zero-height bins are padded beyond the observed
    support. A significant jump is evidence of sorting; no jump is not proof of its
    absence (two-way manipulation can cancel out).

    Parameters
    ----------
    data
        One row per unit.
    running
        The running variable's column.
    cutoff
        The threshold.
    bin_width, bandwidth
        Override the default bin width and bandwidth (units of the running variable).
    level
        Confidence level of the interval for the log difference.

    Examples
    --------
    >>> from evaluation.simulate.rdd import threshold_rule
    >>> frame = threshold_rule(n=4000, seed=1)
    >>> test = density_test(frame, running="risk_score", cutoff=50)
    >>> test.p_value > 0.05
    True
    """
    frame = _running_and_outcome(data, outcome=None, running=running, cutoff=cutoff)
    x = frame[running].to_numpy()
    n = x.size
    if bin_width is None:
        bin_width = 2 * float(np.std(x, ddof=1)) * n ** (-1 / 2)
    bin_width = _check_positive("bin_width", bin_width)
    bins = _histogram(x, cutoff, bin_width)
    if bandwidth is None:
        bandwidth = _mccrary_bandwidth(bins, cutoff)
    bandwidth = _check_positive("bandwidth", bandwidth)
    f_left = _density_at(bins[bins["side"] == "below"], cutoff, bandwidth)
    f_right = _density_at(bins[bins["side"] == "above"], cutoff, bandwidth)
    if not (f_left > 0 and f_right > 0):
        raise ValueError(
            f"The estimated density at the cutoff is not positive (below {f_left:.4g}, "
            f"above {f_right:.4g}) with bandwidth {bandwidth:.4g}; widen the bandwidth."
        )
    theta = float(np.log(f_right) - np.log(f_left))
    se = float(np.sqrt((24 / 5) * (1 / f_right + 1 / f_left) / (n * bandwidth)))
    low, high, p = normal_interval(theta, se, level)
    return DensityTest(
        estimate=theta,
        se=se,
        ci_low=low,
        ci_high=high,
        p_value=p,
        n_obs=int(n),
        method="McCrary (2008) density test",
        estimand="log density jump",
        level=level,
        notes=(f"bin width {bin_width:.4g}, bandwidth {bandwidth:.4g} (triangular kernel)",),
        cutoff=float(cutoff),
        bin_width=float(bin_width),
        bandwidth=float(bandwidth),
        f_left=f_left,
        f_right=f_right,
        _bins=bins,
    )


# --------------------------------------------------------------------------- the estimator


@dataclass(frozen=True)
class RDResult(Result):
    """A sharp RD estimate: the jump at the cutoff, with what is needed to check it.

    Attributes (beyond :class:`~evaluation._results.Result`)
    ------------------------------------------------------
    outcome, running, cutoff
        The columns and threshold used.
    bandwidth, bandwidth_method, kernel
        The window either side of the cutoff, how it was chosen, and the weights.
    n_left, n_right
        Observations carrying weight below and at or above the cutoff.
    intercept_left, slope_left, intercept_right, slope_right
        The two fitted lines, in terms of (running - cutoff).
    sample
        A copy of the running variable and outcome used (all rows, not just the window).
    """

    outcome: str = ""
    running: str = ""
    cutoff: float = 0.0
    bandwidth: float = float("nan")
    bandwidth_method: str = ""
    kernel: str = "triangular"
    n_left: int = 0
    n_right: int = 0
    intercept_left: float = float("nan")
    slope_left: float = float("nan")
    intercept_right: float = float("nan")
    slope_right: float = float("nan")
    _sample: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    @property
    def sample(self) -> pd.DataFrame:
        """The running variable and outcome the estimate came from (a copy)."""
        return self._sample.copy()

    def tidy(self) -> pd.DataFrame:
        """The headline row plus ``bandwidth``, ``kernel``, ``n_left`` and ``n_right``."""
        return (
            super()
            .tidy()
            .assign(
                bandwidth=self.bandwidth,
                kernel=self.kernel,
                n_left=self.n_left,
                n_right=self.n_right,
            )
        )

    def summary(self) -> str:
        """Text report: the jump, its interval, the bandwidth and the window's size."""
        extra = (
            f"  bandwidth: {self.bandwidth:.4g} ({self.bandwidth_method}), {self.kernel} kernel; "
            f"{self.n_left:,} below and {self.n_right:,} at or above the cutoff {self.cutoff:g}"
        )
        head, *rest = super().summary().split("\n")
        return "\n".join([head, rest[0], extra, *rest[1:]])

    def _refit(self, **changes: Any) -> RDResult:
        arguments: dict[str, Any] = {
            "outcome": self.outcome,
            "running": self.running,
            "cutoff": self.cutoff,
            "bandwidth": self.bandwidth,
            "kernel": self.kernel,
            "level": self.level,
        }
        arguments.update(changes)
        data = arguments.pop("data", self._sample)
        return local_linear(data, **arguments)

    def bandwidth_sensitivity(
        self, factors: Sequence[float] = (0.5, 0.75, 1.0, 1.5, 2.0)
    ) -> pd.DataFrame:
        """Re-estimate at multiples of the bandwidth: one row per factor.

        A credible jump changes little between half and double the bandwidth; a
        jump that appears only at wide bandwidths is often curvature, not effect.
        """
        rows = []
        for factor in factors:
            fit = self._refit(bandwidth=_check_positive("factor", factor) * self.bandwidth)
            rows.append({"factor": float(factor), **fit.tidy().iloc[0].to_dict()})
        return pd.DataFrame(rows).drop(columns=["term", "kernel"])

    def placebo_cutoffs(self, cutoffs: Sequence[float]) -> pd.DataFrame:
        """Estimate 'jumps' at fake thresholds, where the true answer is zero.

        Each placebo uses only the observations on its own side of the real cutoff
        (so the real jump cannot leak in) and the main estimate's bandwidth.
        """
        x = self._sample[self.running]
        rows = []
        for placebo in cutoffs:
            if placebo == self.cutoff:
                raise ValueError(f"A placebo cutoff must differ from the real one ({self.cutoff}).")
            side = x < self.cutoff if placebo < self.cutoff else x >= self.cutoff
            fit = self._refit(data=self._sample[side], cutoff=float(placebo))
            rows.append({"cutoff": float(placebo), **fit.tidy().iloc[0].to_dict()})
        return pd.DataFrame(rows).drop(columns=["term", "kernel"])

    def density_test(
        self, *, bin_width: float | None = None, bandwidth: float | None = None
    ) -> DensityTest:
        """McCrary (2008) test of this sample's running variable; see :func:`density_test`."""
        return density_test(
            self._sample,
            running=self.running,
            cutoff=self.cutoff,
            bin_width=bin_width,
            bandwidth=bandwidth,
            level=self.level,
        )

    def plot(self, ax: Axes | None = None, *, bins: int = 20, window: float | None = None) -> Axes:
        """Binned means of the outcome (``bins`` a side) with the two local-linear fits.

        The shaded band is the estimation window; the vertical gap between the two
        lines at the cutoff is the estimate. ``window`` limits the picture to the
        cutoff plus or minus that distance (default: all the data). Finish with
        :func:`evaluation.plots.finish`.
        """
        if bins < 1:
            raise ValueError(f"bins must be at least 1; it was {bins}.")
        ax = ax if ax is not None else plt.subplots(figsize=(8, 4.5))[1]
        x = self._sample[self.running].to_numpy()
        y = self._sample[self.outcome].to_numpy()
        if window is not None:
            shown = np.abs(x - self.cutoff) <= _check_positive("window", window)
            x, y = x[shown], y[shown]
        for below, colour in ((True, "C0"), (False, "C1")):
            side = x < self.cutoff if below else x >= self.cutoff
            low, high = (x[side].min(), self.cutoff) if below else (self.cutoff, x[side].max())
            centres, means = _binned_means(x[side], y[side], low, high, bins)
            ax.scatter(centres, means, s=18, color=colour, alpha=0.8)
            intercept, slope = (
                (self.intercept_left, self.slope_left)
                if below
                else (self.intercept_right, self.slope_right)
            )
            end = self.cutoff - self.bandwidth if below else self.cutoff + self.bandwidth
            edge = max(end, x[side].min()) if below else min(end, x[side].max())
            line_x = np.array([edge, self.cutoff])
            label = "Fit below the cutoff" if below else "Fit at or above the cutoff"
            ax.plot(
                line_x,
                intercept + slope * (line_x - self.cutoff),
                color=colour,
                lw=2.5,
                label=label,
            )
        ax.axvspan(
            self.cutoff - self.bandwidth,
            self.cutoff + self.bandwidth,
            color="#dddddd",
            alpha=0.5,
            zorder=0,
            label="Bandwidth window",
        )
        ax.axvline(self.cutoff, color="black", lw=1, ls="--")
        ax.set_xlabel(self.running)
        ax.set_ylabel(self.outcome)
        ax.legend(loc="best", fontsize=9)
        return ax


def _binned_means(
    x: np.ndarray, y: np.ndarray, low: float, high: float, bins: int
) -> tuple[np.ndarray, np.ndarray]:
    """Means of y in equal-width bins of x between low and high; empty bins are left out."""
    edges = np.linspace(low, high, bins + 1)
    index = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, bins - 1)
    counts = np.bincount(index, minlength=bins)
    sums = np.bincount(index, weights=y, minlength=bins)
    centres = (edges[:-1] + edges[1:]) / 2
    filled = counts > 0
    return centres[filled], sums[filled] / counts[filled]


def local_linear(
    data: pd.DataFrame,
    *,
    outcome: str,
    running: str,
    cutoff: float = 0.0,
    bandwidth: float | None = None,
    kernel: str = "triangular",
    level: float = 0.95,
) -> RDResult:
    """Sharp regression discontinuity by local-linear regression on each side of the cutoff.

    Units at or above ``cutoff`` are treated. Within ``bandwidth`` of the cutoff a
    line is fitted on each side, weighting each unit by the kernel of its distance
    from the cutoff; the estimate is the gap between the lines at the cutoff. This is
    one weighted least squares regression (statsmodels WLS) of the outcome on a
    constant, the treatment indicator, the centred running variable and their
    product, whose treatment coefficient is the jump; its standard error is the
    heteroskedasticity-robust HC1 sandwich. The point estimate equals rdrobust's
    conventional estimate at the same bandwidth and kernel; the standard error
    differs from rdrobust's default nearest-neighbour variance and carries no
    bias correction.

    Parameters
    ----------
    data
        One row per unit, no missing values in the two columns.
    outcome, running
        Column names of the outcome and the running (assignment) variable.
    cutoff
        The threshold.
    bandwidth
        Half-width of the estimation window, in units of the running variable;
        ``None`` (default) uses :func:`ik_bandwidth`.
    kernel
        ``"triangular"`` (default), ``"uniform"`` or ``"epanechnikov"``.
    level
        Confidence level.

    Returns
    -------
    RDResult
        The jump with ``.plot()``, ``.density_test()``, ``.bandwidth_sensitivity()``
        and ``.placebo_cutoffs()``.

    Raises
    ------
    ValueError
        A column is absent, not numeric or has missing values; no data lie on one
        side of the cutoff; the bandwidth is not positive; fewer than three
        observations a side lie within the bandwidth.

    Examples
    --------
    >>> from evaluation.simulate.rdd import threshold_rule
    >>> frame = threshold_rule(n=4000, seed=1)
    >>> fit = local_linear(frame, outcome="reoffended", running="risk_score", cutoff=50,
    ...                    bandwidth=10)
    >>> fit.n_left + fit.n_right == fit.n_obs
    True
    """
    _check_kernel(kernel)
    frame = _running_and_outcome(data, outcome=outcome, running=running, cutoff=cutoff)
    if bandwidth is None:
        bandwidth = ik_bandwidth(
            frame, outcome=outcome, running=running, cutoff=cutoff, kernel=kernel
        ).bandwidth
        method = "Imbens-Kalyanaraman (2012)"
    else:
        bandwidth = _check_positive("bandwidth", bandwidth)
        method = "given"
    x = frame[running].to_numpy()
    y = frame[outcome].to_numpy()
    fit = _local_linear_fit(x, y, cutoff, bandwidth, kernel)
    estimate, se = float(fit.params[1]), float(fit.bse[1])
    low, high, p = normal_interval(estimate, se, level)
    n_left = int(((fit.model.exog[:, 1]) == 0).sum())
    n_used = int(fit.nobs)
    return RDResult(
        estimate=estimate,
        se=se,
        ci_low=low,
        ci_high=high,
        p_value=p,
        n_obs=n_used,
        method=f"Sharp RD, local linear ({kernel} kernel, HC1 SE)",
        estimand="jump at cutoff",
        level=level,
        notes=(
            f"{n_used:,} of {len(frame):,} rows lie within the bandwidth and carry weight; "
            "the rest are outside the estimation window, not dropped for any fault.",
        ),
        outcome=outcome,
        running=running,
        cutoff=float(cutoff),
        bandwidth=float(bandwidth),
        bandwidth_method=method,
        kernel=kernel,
        n_left=n_left,
        n_right=n_used - n_left,
        intercept_left=float(fit.params[0]),
        slope_left=float(fit.params[2]),
        intercept_right=float(fit.params[0] + fit.params[1]),
        slope_right=float(fit.params[2] + fit.params[3]),
        _sample=frame,
    )


def covariate_continuity(
    data: pd.DataFrame,
    *,
    covariates: Sequence[str],
    running: str,
    cutoff: float = 0.0,
    bandwidth: float | None = None,
    kernel: str = "triangular",
) -> pd.DataFrame:
    """The 'jump' at the cutoff in characteristics fixed before treatment: all should be zero.

    Each covariate is treated as an outcome in :func:`local_linear` (with
    ``bandwidth``, or its own IK bandwidth when ``None``). A clear jump in, say,
    prior convictions at a risk-score threshold says the units either side differ
    in more than the service.

    Examples
    --------
    >>> from evaluation.simulate.rdd import threshold_rule
    >>> frame = threshold_rule(n=4000, seed=1)
    >>> table = covariate_continuity(frame, covariates=["age"], running="risk_score",
    ...                              cutoff=50, bandwidth=10)
    >>> list(table["covariate"])
    ['age']
    """
    if isinstance(covariates, str) or not len(covariates):
        raise ValueError("covariates must be a non-empty list of column names.")
    rows = []
    for covariate in covariates:
        fit = local_linear(
            data,
            outcome=covariate,
            running=running,
            cutoff=cutoff,
            bandwidth=bandwidth,
            kernel=kernel,
        )
        rows.append({"covariate": covariate, **fit.tidy().iloc[0].to_dict()})
    return pd.DataFrame(rows).drop(columns=["term", "kernel"])
