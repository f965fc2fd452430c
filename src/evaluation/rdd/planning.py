"""Power of a regression discontinuity design, following rdpower's logic.

Cattaneo, Titiunik and Vazquez-Bare (2019) compute the power of the robust
bias-corrected test from a pilot (or earlier) sample: the variance of each side's
local-polynomial fit, scaled to a per-observation constant, and the estimated
leading bias are taken from the rdrobust fit, and the standard error at a new
sample size follows from them. :func:`~evaluation.power.rd_power` does the same with
:func:`evaluation.rdd.robust`'s numbers; it is re-exported as
:func:`evaluation.power.rd_power`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import optimize, stats

from evaluation.rdd._common import _check_positive
from evaluation.rdd._lpoly import estimate
from evaluation.rdd.robust import _bandwidths, _prepare
from evaluation.report import style

__all__ = ["RDPower", "rd_power"]


def _two_sided(effect: float | np.ndarray, se: float, z: float) -> float | np.ndarray:
    """Power of a two-sided z-test of size 2(1 - Phi(z)) when the truth is ``effect``."""
    out = (
        1
        - stats.norm.cdf(np.asarray(effect) / se + z)
        + stats.norm.cdf(np.asarray(effect) / se - z)
    )
    return float(out) if np.ndim(out) == 0 else out


@dataclass(frozen=True)
class RDPower:
    """Power of an RD design's robust bias-corrected test (rdpower's numbers).

    Attributes
    ----------
    effect
        The jump the design should detect (rdpower's default: half the standard
        deviation of the outcome just below the cutoff).
    power_robust, power_conventional
        Power of the robust bias-corrected test, and of the conventional test
        allowing for its bias.
    se_robust, se_conventional, bias
        The standard errors at the new sample size and the conventional test's bias.
    mde, power
        The smallest jump detected with probability ``power`` by the robust test.
    alpha
        Size of the two-sided test.
    h_left, h_right
        Bandwidths of the pilot fit.
    n_left, n_right
        Observations within the bandwidths in the pilot data.
    n_window_left, n_window_right
        Observations within the bandwidths in the design assessed.
    """

    effect: float
    power_robust: float
    power_conventional: float
    se_robust: float
    se_conventional: float
    bias: float
    mde: float
    power: float
    alpha: float
    h_left: float
    h_right: float
    n_left: int
    n_right: int
    n_window_left: float
    n_window_right: float

    def tidy(self) -> pd.DataFrame:
        """One row with every field."""
        return pd.DataFrame([self.__dict__])

    def summary(self) -> str:
        """The power, the MDE and the sample in words."""
        return (
            f"RD power (rdpower): a jump of {self.effect:.4g} is detected with probability "
            f"{self.power_robust:.3f} by the robust bias-corrected test at alpha = "
            f"{self.alpha:g} ({self.power_conventional:.3f} by the conventional test);\n"
            f"  minimum detectable jump at power {self.power:g}: {self.mde:.4g};\n"
            f"  {self.n_window_left:,.0f} below and {self.n_window_right:,.0f} above the cutoff "
            f"within h = {self.h_left:.4g} / {self.h_right:.4g}"
        )

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Power of the robust test against the size of the jump.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        ax = style.axes(ax)
        grid = np.linspace(-2 * self.mde, 2 * self.mde, 201)
        z = float(stats.norm.ppf(1 - self.alpha / 2))
        ax.plot(grid, _two_sided(grid, self.se_robust, z), lw=2, label="Robust bias-corrected")
        ax.axhline(self.power, color="grey", ls="--", lw=1)
        ax.axvline(self.mde, color="grey", ls=":", lw=1)
        ax.legend(loc="best", fontsize=9)
        return style.finish(
            ax,
            title="Power of the robust test against the true jump",
            xlabel="True jump at the cutoff (outcome units)",
            ylabel="Power (probability of rejecting no jump)",
            source=style.DEFAULT_SOURCE,
        )


def rd_power(
    data: pd.DataFrame,
    *,
    outcome: str,
    running: str,
    cutoff: float = 0.0,
    effect: float | None = None,
    n_window: float | Sequence[float] | None = None,
    bandwidth: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    kernel: str = "triangular",
    vce: str = "nn",
    order: int = 1,
) -> RDPower:
    r"""Power of a sharp RD's robust bias-corrected test, as rdpower computes it.

    From a local-polynomial fit to ``data`` (rdrobust's MSE-optimal bandwidth, or
    ``bandwidth``) each side's variance is scaled to a constant
    :math:`V_\pm = N h \hat V_\pm`, and its bias to :math:`B_\pm = \hat B_\pm /
    h^{p+1}`. A design with :math:`\tilde n_\pm` observations within the bandwidth
    has total size :math:`\tilde N = N_+ \tilde n_+ / n_+ + N_- \tilde n_- / n_-`
    (the same share of data near the cutoff) and robust standard error
    :math:`\sqrt{V_- / (\tilde N h) + V_+ / (\tilde N h)}`; the power of the
    two-sided test of size ``alpha`` at a true jump :math:`\tau` is
    :math:`1 - \Phi(\tau/se + z) + \Phi(\tau/se - z)`. The conventional test's power
    is evaluated at :math:`\tau` plus its bias :math:`B_+ h^{p+1} + B_- h^{p+1}`
    (rdpower's sign convention). The minimum detectable jump solves the robust power
    equation for ``power`` (rdpower's ``rdmde``). Numbers equal ``rdpower`` and
    ``rdmde`` to 1e-6.

    Parameters
    ----------
    data
        The pilot (or earlier) data.
    outcome, running, cutoff
        As in :func:`evaluation.rdd.robust`.
    effect
        The jump to detect; ``None`` uses half the outcome's standard deviation within
        the bandwidth below the cutoff (rdpower's default).
    n_window
        Observations within the bandwidth in the design assessed: one number for
        each side, or a pair (below, above); ``None`` keeps the pilot's.
    bandwidth
        h (and b) of the pilot fit; ``None`` selects them (mserd).
    alpha
        Size of the two-sided test.
    power
        Target power for the minimum detectable jump.
    kernel, vce, order
        As in :func:`evaluation.rdd.robust`.

    Examples
    --------
    >>> from evaluation.simulate.rdd import threshold_rule
    >>> frame = threshold_rule(n=2000, seed=1)
    >>> plan = rd_power(frame, outcome="reoffended", running="risk_score", cutoff=50,
    ...                 effect=0.1)
    >>> bigger = rd_power(frame, outcome="reoffended", running="risk_score", cutoff=50,
    ...                   effect=0.1, n_window=2000)
    >>> bool(bigger.power_robust > plan.power_robust)
    True
    """
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise ValueError(f"alpha and power must lie between 0 and 1; they were {alpha}, {power}.")
    prep = _prepare(
        data,
        outcome=outcome,
        running=running,
        cutoff=cutoff,
        treatment=None,
        covariates=None,
        cluster=None,
        kernel=kernel,
        vce=vce,
        masspoints="adjust",
        order=order,
    )
    if bandwidth is None:
        bws = _bandwidths(prep, "mserd")
    else:
        h = _check_positive("bandwidth", bandwidth)
        bws = (h, h, h, h)
    est = estimate(prep.sample, bws, prep.settings)
    h_l, h_r = bws[0], bws[1]
    x, y, c = prep.sample.x, prep.sample.d[:, 0], float(cutoff)
    n = x.size
    v_cl_l, v_cl_r = n * h_l * est.variances[0], n * h_r * est.variances[1]
    v_rb_l, v_rb_r = n * h_l * est.variances[2], n * h_r * est.variances[3]
    p = prep.settings.p
    bias_l, bias_r = est.bias[0] / h_l ** (1 + p), est.bias[1] / h_r ** (1 + p)
    if effect is None:
        effect = 0.5 * float(np.std(y[(x >= c - h_l) & (x < c)]))
    n_plus, n_minus = int((x >= c).sum()), int((x < c).sum())
    near_r, near_l = int(((x >= c) & (x <= c + h_r)).sum()), int(((x < c) & (x >= c - h_l)).sum())
    if n_window is None:
        new_l, new_r = float(near_l), float(near_r)
    elif isinstance(n_window, int | float | np.number):
        new_l = new_r = _check_positive("n_window", n_window)
    else:
        if len(n_window) != 2:
            raise ValueError("n_window must be one number or a pair (below, above).")
        new_l, new_r = (_check_positive("n_window", v) for v in n_window)
    n_tilde = n_plus * (new_r / near_r) + n_minus * (new_l / near_l)
    se_rb = float(np.sqrt(v_rb_l / (n_tilde * h_l) + v_rb_r / (n_tilde * h_r)))
    se_cl = float(np.sqrt(v_cl_l / (n_tilde * h_l) + v_cl_r / (n_tilde * h_r)))
    bias = bias_r * h_r ** (1 + p) + bias_l * h_l ** (1 + p)
    z = float(stats.norm.ppf(1 - alpha / 2))
    scale = abs(effect) if effect else se_rb

    def shortfall(jump: float) -> float:
        return float(_two_sided(jump, se_rb, z)) - power

    mde = float(optimize.brentq(shortfall, 0.0, 100 * (scale + se_rb)))
    return RDPower(
        effect=float(effect),
        power_robust=float(_two_sided(effect, se_rb, z)),
        power_conventional=float(_two_sided(effect + bias, se_cl, z)),
        se_robust=se_rb,
        se_conventional=se_cl,
        bias=float(bias),
        mde=mde,
        power=float(power),
        alpha=float(alpha),
        h_left=float(h_l),
        h_right=float(h_r),
        n_left=near_l,
        n_right=near_r,
        n_window_left=new_l,
        n_window_right=new_r,
    )
