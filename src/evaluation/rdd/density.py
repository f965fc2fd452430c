"""Tests for manipulation of the running variable at the cutoff.

:func:`~evaluation.rdd.density_test` is McCrary's (2008) histogram-smoothing test;
:func:`~evaluation.rdd.local_density_test` is Cattaneo, Jansson and Ma's (2020) local-polynomial
test, as the ``rddensity`` package computes it (no bins, mass points handled).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from matplotlib.axes import Axes
from scipy import stats

from evaluation.rdd import _lpdensity
from evaluation.rdd._common import (
    _check_kernel,
    _check_positive,
    _running_and_outcome,
    _triangular,
)
from evaluation.report import style
from evaluation.results import CopiedFrame, Result, headline

__all__ = ["DensityTest", "LocalDensityTest", "density_test", "local_density_test"]


def _finish_density(ax: Axes, title: str) -> Axes:
    """Title and label a density test's figure and add the source line."""
    return style.finish(
        ax,
        title=title,
        xlabel="Running variable (its own units)",
        ylabel="Density (share of observations per unit)",
        source=style.DEFAULT_SOURCE,
    )


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

    bins = CopiedFrame(
        "_bins",
        "The histogram, with columns ``midpoint``, ``count``, ``density``, ``side`` (a copy).",
    )

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Histogram heights as points, with the local-linear density fits either side.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        ax = style.axes(ax)
        bins = self._bins
        ax.scatter(bins["midpoint"], bins["density"], s=12, color="#7f7f7f", label="Histogram")
        for side, colour in (("below", "C0"), ("above", "C1")):
            part = bins[bins["side"] == side]
            grid = part["midpoint"].to_numpy()
            fitted = [_density_at(part, point, self.bandwidth) for point in grid]
            ax.plot(grid, fitted, color=colour, lw=2, label=f"Local-linear fit {side}")
        ax.axvline(self.cutoff, color="black", lw=1, ls="--")
        ax.legend(loc="best", fontsize=9)
        return _finish_density(ax, "Density test: the running variable either side of the cutoff")


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


def _refuse_bins_finer_than_mass_points(x: np.ndarray, bin_width: float, running: str) -> None:
    """Refuse bins narrower than the spacing of a discrete running variable.

    Whole-number scores sit on mass points. Bins narrower than their spacing
    alternate between full and empty, and the smoothed density then "jumps" at
    the cutoff in data with no manipulation at all (p < 0.01 almost every time).
    """
    values = np.unique(x)
    if values.size < 2:
        raise ValueError(f"running={running!r} takes a single value: there is no density.")
    spacing = float(np.min(np.diff(values)))
    if bin_width < spacing * (1 - 1e-9):
        raise ValueError(
            f"running={running!r} is discrete: its {values.size} distinct values are at "
            f"least {spacing:g} apart, wider than the bins ({bin_width:.4g}), so bins "
            "alternate between full and empty and the test finds manipulation that is not "
            f"there. Pass bin_width={spacing:g} (one bin per value, the cutoff on a bin "
            "edge), or use a test built for mass points (rddensity's local-polynomial "
            "density test with its mass-point adjustment)."
        )


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
    support. A discrete running variable (whole-number scores) is refused when the
    bins are narrower than the spacing of its values: pass ``bin_width`` equal to
    that spacing. A significant jump is evidence of sorting; no jump is not proof of its
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
    _refuse_bins_finer_than_mass_points(x, bin_width, running)
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
    return DensityTest(
        **headline(theta, se, level),
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


#: Bandwidth choices of :func:`local_density_test` (rddensity's bwselect).
DENSITY_SELECTORS = ("comb", "each", "diff", "sum")


@dataclass(frozen=True)
class LocalDensityTest(Result):
    """Cattaneo, Jansson and Ma (2020) local-polynomial density test at the cutoff.

    ``estimate`` is the density just above minus the density just below the cutoff
    (per unit of the running variable); ``se`` its jackknife standard error and
    ``p_value`` the test of no jump (rddensity's robust jackknife test). ``f_left``,
    ``f_right`` are the two densities, ``h_left``, ``h_right`` the bandwidths and
    ``n_left``, ``n_right`` the observations within them.
    """

    cutoff: float = 0.0
    order: int = 2
    h_left: float = float("nan")
    h_right: float = float("nan")
    f_left: float = float("nan")
    f_right: float = float("nan")
    se_left: float = float("nan")
    se_right: float = float("nan")
    statistic: float = float("nan")
    n_left: int = 0
    n_right: int = 0
    _running: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    running = CopiedFrame("_running", "The running variable tested (a copy).")

    def tidy(self) -> pd.DataFrame:
        """The headline row plus the two densities, the bandwidths and the T statistic."""
        return self._tidy_with("f_left", "f_right", "h_left", "h_right", "statistic")

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Histogram (40 bins) of the running variable within the bandwidths, and the densities.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        ax = style.axes(ax)
        x = self._running.iloc[:, 0].to_numpy()
        n = x.size
        shown = (x >= self.cutoff - self.h_left) & (x <= self.cutoff + self.h_right)
        weights = np.full(int(shown.sum()), 1 / n)
        bins = 40
        width = (self.h_left + self.h_right) / bins
        ax.hist(x[shown], bins=bins, weights=weights / width, color="#cccccc", label="Histogram")
        z = float(stats.norm.ppf(0.5 + self.level / 2))
        for f, se, colour, label in (
            (self.f_left, self.se_left, "C0", "Density just below"),
            (self.f_right, self.se_right, "C1", "Density just above"),
        ):
            ax.errorbar(
                [self.cutoff],
                [f],
                yerr=[[z * se], [z * se]],
                fmt="o",
                color=colour,
                capsize=4,
                label=label,
            )
        ax.axvline(self.cutoff, color="black", lw=1, ls="--")
        ax.legend(loc="best", fontsize=9)
        return _finish_density(ax, "Local density test: the running variable near the cutoff")


def local_density_test(
    data: pd.DataFrame,
    *,
    running: str,
    cutoff: float = 0.0,
    bandwidth: float | None = None,
    selector: str = "comb",
    order: int = 2,
    kernel: str = "triangular",
    level: float = 0.95,
) -> LocalDensityTest:
    r"""The rddensity manipulation test: local-polynomial densities either side of the cutoff.

    Cattaneo, Jansson and Ma (2020) regress the empirical distribution function of
    the running variable on a polynomial of order ``order`` + 1 on each side of the
    cutoff (kernel weighted); the slope at the cutoff is the density there, with no
    histogram and no bins to choose. The statistic is the difference of the two
    densities over its jackknife standard error; the bandwidths are rddensity's
    (``"comb"``: on each side the median of that side's, the difference's and the
    sum's MSE-optimal bandwidth, regularised to keep at least ``order`` + 21
    observations and distinct values a side). Repeated values of the running
    variable (mass points) are adjusted for as rddensity does. The numbers equal
    ``rddensity``'s default (unrestricted fit, jackknife variance) to 1e-8.

    Parameters
    ----------
    data
        One row per unit.
    running
        The running variable's column.
    cutoff
        The threshold.
    bandwidth
        One bandwidth for both sides; ``None`` (default) selects them by ``selector``.
    selector
        ``"comb"`` (default), ``"each"`` (one per side), ``"diff"`` or ``"sum"``.
    order
        p, the order of the density's polynomial (the distribution function gets p + 1).
    kernel
        ``"triangular"`` (default), ``"uniform"`` or ``"epanechnikov"``.
    level
        Confidence level of the interval for the difference in densities.

    Examples
    --------
    >>> from evaluation.simulate.rdd import threshold_rule
    >>> frame = threshold_rule(n=2000, seed=1)
    >>> test = local_density_test(frame, running="risk_score", cutoff=50)
    >>> bool(test.p_value > 0.05)
    True
    """
    _check_kernel(kernel)
    if selector not in DENSITY_SELECTORS:
        raise ValueError(
            f"selector={selector!r} is not offered; choose one of {DENSITY_SELECTORS}."
        )
    if isinstance(order, bool) or not isinstance(order, int | np.integer) or not 1 <= order <= 7:
        raise ValueError(f"order must be a whole number from 1 to 7; it was {order!r}.")
    frame = _running_and_outcome(data, outcome=None, running=running, cutoff=cutoff)
    x = np.sort(frame[running].to_numpy()) - cutoff
    n = x.size
    sides = (np.unique(x[x < 0]).size, np.unique(x[x >= 0]).size)
    if min(sides) < order + 4:
        raise ValueError(
            f"Only {min(sides)} distinct value(s) of running={running!r} lie on one side of the "
            f"cutoff; the density test of order {order} needs at least {order + 4}."
        )
    y, mass = _lpdensity.cdf_values(x)
    if bandwidth is None:
        bw = _lpdensity.bandwidths(x, y, order, kernel, mass)
        picks = {
            "comb": (
                float(np.median([bw["l"], bw["diff"], bw["sum"]])),
                float(np.median([bw["r"], bw["diff"], bw["sum"]])),
            ),
            "each": (bw["l"], bw["r"]),
            "diff": (bw["diff"], bw["diff"]),
            "sum": (bw["sum"], bw["sum"]),
        }
        h_left, h_right = picks[selector]
    else:
        h_left = h_right = _check_positive("bandwidth", bandwidth)
    inside = (x >= -h_left) & (x <= h_right)
    n_left = int((inside & (x < 0)).sum())
    if n_left < order + 2 or int(inside.sum()) - n_left < order + 2:
        raise ValueError(
            f"Too few observations within the bandwidths ({h_left:.4g}, {h_right:.4g}) for a "
            f"polynomial of order {order + 1}; widen the bandwidth."
        )
    fv = _lpdensity.fit(
        x[inside], y[inside], n, h_left, h_right, order + 1, 1, kernel, mass, variance=True
    )
    se = float(np.sqrt(fv["var"][2]))
    diff = float(fv["hat"][2])
    return LocalDensityTest(
        **headline(diff, se, level),
        n_obs=int(n),
        method="Local-polynomial density test (Cattaneo, Jansson and Ma 2020)",
        estimand="density jump",
        level=level,
        notes=(
            f"bandwidths {h_left:.4g} below and {h_right:.4g} above the cutoff "
            f"({selector if bandwidth is None else 'given'}), {kernel} kernel, jackknife SE"
            + ("; mass points adjusted" if mass else ""),
        ),
        cutoff=float(cutoff),
        order=int(order),
        h_left=float(h_left),
        h_right=float(h_right),
        f_left=float(fv["hat"][0]),
        f_right=float(fv["hat"][1]),
        se_left=float(np.sqrt(fv["var"][0])),
        se_right=float(np.sqrt(fv["var"][1])),
        statistic=diff / se,
        n_left=n_left,
        n_right=int(inside.sum()) - n_left,
        _running=frame[[running]],
    )
