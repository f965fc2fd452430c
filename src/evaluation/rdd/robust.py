"""Regression discontinuity to the rdrobust standard: robust bias-corrected inference.

:func:`~evaluation.rdd.robust` estimates the jump at a threshold by local-polynomial
regression, with
the MSE- or CER-optimal bandwidths of Calonico, Cattaneo and Titiunik (2014),
Calonico, Cattaneo and Farrell (2020) and Calonico, Cattaneo, Farrell and Titiunik
(2019), and reports the three rows ``rdrobust`` prints: the conventional estimate
and interval, the bias-corrected estimate, and the robust bias-corrected interval
that allows for the variance of the bias correction. Fuzzy designs (a
``treatment`` column that the threshold changes but does not decide), covariates,
clustered standard errors and mass points in the running variable are handled as
rdrobust handles them. :func:`~evaluation.rdd.robust_bandwidth` gives the bandwidths alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import stats

from evaluation.rdd._common import _check_kernel, _check_positive
from evaluation.rdd._lpoly import (
    SELECTORS,
    Estimates,
    Sample,
    Settings,
    estimate,
    select_bandwidths,
)
from evaluation.report import style
from evaluation.results import (
    CopiedFrame,
    Result,
    headline,
    normal_interval,
    require_columns,
    require_level,
    require_no_missing,
    require_numeric,
)

__all__ = ["RobustBandwidth", "RobustRDResult", "robust", "robust_bandwidth"]

#: Variance estimators offered: nearest neighbours (rdrobust's default) and HC0-HC3.
VCE = ("nn", "hc0", "hc1", "hc2", "hc3")

#: How repeated values of the running variable are treated (rdrobust's masspoints).
MASSPOINTS = ("adjust", "off")


@dataclass(frozen=True)
class _Prepared:
    sample: Sample
    settings: Settings
    covariates: tuple[str, ...]


def _prepare(
    data: pd.DataFrame,
    *,
    outcome: str,
    running: str,
    cutoff: float,
    treatment: str | None,
    covariates: Sequence[str] | None,
    cluster: str | None,
    kernel: str,
    vce: str,
    masspoints: str,
    order: int,
) -> _Prepared:
    _check_kernel(kernel)
    if vce not in VCE:
        raise ValueError(f"vce={vce!r} is not offered; choose one of {list(VCE)}.")
    if masspoints not in MASSPOINTS:
        raise ValueError(f"masspoints={masspoints!r} is not offered; choose one of {MASSPOINTS}.")
    if isinstance(order, bool) or not isinstance(order, int | np.integer) or not 0 <= order <= 4:
        raise ValueError(f"order must be a whole number from 0 to 4; it was {order!r}.")
    if isinstance(covariates, str):
        raise ValueError("covariates must be a list of column names, not one string.")
    covs = tuple(covariates or ())
    require_columns(
        data, {"outcome": outcome, "running": running, "treatment": treatment, "cluster": cluster}
    )
    require_columns(data, {f"covariates[{i}]": c for i, c in enumerate(covs)})
    numeric = [running, outcome, *([treatment] if treatment else []), *covs]
    require_numeric(data, numeric)
    require_no_missing(data, numeric + ([cluster] if cluster else []))
    if not np.isfinite(cutoff):
        raise ValueError(f"cutoff must be a finite number; it was {cutoff}.")
    order_x = np.argsort(data[running].to_numpy(dtype=float), kind="stable")
    x = data[running].to_numpy(dtype=float)[order_x]
    if not x.min() < cutoff < x.max():
        raise ValueError(
            f"The cutoff {cutoff} must lie inside the range of running={running!r} "
            f"({x.min():.4g} to {x.max():.4g}); a discontinuity needs data on both sides."
        )
    below = x < cutoff
    for mask, side in ((below, "below"), (~below, "at or above")):
        if np.unique(x[mask]).size < order + 2:
            raise ValueError(
                f"Only {np.unique(x[mask]).size} distinct value(s) of running={running!r} lie "
                f"{side} the cutoff; the bias correction needs at least {order + 2}."
            )
    d = np.column_stack([data[c].to_numpy(dtype=float)[order_x] for c in numeric[1:]])
    if treatment is not None:
        t = d[:, 1]
        if np.var(t[below]) == 0 and np.var(t[~below]) == 0 and t[below][0] == t[~below][0]:
            raise ValueError(
                f"treatment={treatment!r} does not change at the cutoff: the fuzzy design "
                "has no first stage."
            )
    labels = None if cluster is None else pd.factorize(data[cluster])[0][order_x]
    settings = Settings(
        cutoff=float(cutoff),
        p=int(order),
        q=int(order) + 1,
        kernel=kernel,
        vce="hc1" if cluster is not None else vce,
        masspoints=masspoints,
    )
    if cluster is not None and vce not in ("nn", "hc1"):
        raise ValueError(
            f"With cluster={cluster!r} the standard errors are cluster-robust (CR1, rdrobust's "
            f"default with clusters); vce={vce!r} cannot be combined with clusters."
        )
    return _Prepared(
        sample=Sample(x=x, d=d, n_treat=int(treatment is not None), cluster=labels),
        settings=settings,
        covariates=covs,
    )


def _bandwidths(prep: _Prepared, selector: str) -> tuple[float, float, float, float]:
    if selector not in SELECTORS:
        raise ValueError(f"selector={selector!r} is not offered; choose one of {list(SELECTORS)}.")
    sample = prep.sample
    d, below = sample.d, sample.x < prep.settings.cutoff
    if sample.n_treat and (np.var(d[below, 1]) == 0 or np.var(d[~below, 1]) == 0):
        # one-sided compliance: sharp bandwidths
        sample = replace(sample, d=np.delete(d, 1, axis=1), n_treat=0)
    bws = select_bandwidths(sample, selector, prep.settings)
    if not all(np.isfinite(b) and b > 0 for b in bws):
        raise ValueError(
            "The bandwidth could not be computed: a pilot fit had too few distinct values "
            "of the running variable. Pass bandwidth= explicitly."
        )
    return bws


@dataclass(frozen=True)
class RobustBandwidth:
    """rdrobust's bandwidths for one selector: h for the estimate, b for its bias.

    Attributes
    ----------
    selector
        The selector (``"mserd"``, ``"cerrd"``, ...).
    h_left, h_right, b_left, b_right
        The main and bias bandwidths below and above the cutoff.
    n_obs
        Observations used.
    """

    selector: str
    h_left: float
    h_right: float
    b_left: float
    b_right: float
    n_obs: int

    def tidy(self) -> pd.DataFrame:
        """One row: the selector and the four bandwidths."""
        return pd.DataFrame(
            [
                {
                    "selector": self.selector,
                    "h_left": self.h_left,
                    "h_right": self.h_right,
                    "b_left": self.b_left,
                    "b_right": self.b_right,
                    "n_obs": self.n_obs,
                }
            ]
        )

    def summary(self) -> str:
        """The bandwidths in one line."""
        return (
            f"{self.selector} bandwidths: h = {self.h_left:.4g} / {self.h_right:.4g}, "
            f"b = {self.b_left:.4g} / {self.b_right:.4g} (below / above), "
            f"{self.n_obs:,} observations"
        )


def robust_bandwidth(
    data: pd.DataFrame,
    *,
    outcome: str,
    running: str,
    cutoff: float = 0.0,
    treatment: str | None = None,
    covariates: Sequence[str] | None = None,
    cluster: str | None = None,
    selector: str = "mserd",
    kernel: str = "triangular",
    vce: str = "nn",
    masspoints: str = "adjust",
    order: int = 1,
) -> RobustBandwidth:
    """MSE- or CER-optimal bandwidths as rdrobust's ``rdbwselect`` computes them.

    The selectors are rdrobust's: ``"mserd"`` (one MSE-optimal bandwidth for the
    jump), ``"msetwo"`` (one each side), ``"msesum"`` (for the sum), ``"msecomb1"``
    (the smaller of mserd and msesum), ``"msecomb2"`` (the median of the three), and
    their coverage-error-optimal versions ``"cer..."`` (the MSE bandwidth shrunk by
    :math:`N^{-p/((3+p)(3+2p))}`, by the number of clusters when clustered). The
    pilot bandwidth, the bias bandwidth b (from a fit of order ``order + 2``), the
    regularisation term, the standardisation of x and y and the mass-point floor of
    10 distinct values (``masspoints="adjust"``) follow ``rdbwselect``. Arguments are
    as in :func:`robust`.

    Examples
    --------
    >>> from evaluation.simulate.rdd import threshold_rule
    >>> frame = threshold_rule(n=2000, seed=1)
    >>> bw = robust_bandwidth(frame, outcome="reoffended", running="risk_score", cutoff=50)
    >>> bw.h_left == bw.h_right and bw.b_left > bw.h_left
    True
    """
    prep = _prepare(
        data,
        outcome=outcome,
        running=running,
        cutoff=cutoff,
        treatment=treatment,
        covariates=covariates,
        cluster=cluster,
        kernel=kernel,
        vce=vce,
        masspoints=masspoints,
        order=order,
    )
    h_l, h_r, b_l, b_r = _bandwidths(prep, selector)
    return RobustBandwidth(selector, h_l, h_r, b_l, b_r, int(prep.sample.x.size))


@dataclass(frozen=True)
class RobustRDResult(Result):
    """A local-polynomial RD estimate with rdrobust's three rows of inference.

    The headline ``estimate`` is the conventional estimate; ``se``, ``ci_low``,
    ``ci_high`` and ``p_value`` are the robust bias-corrected ones (the interval is
    centred on the bias-corrected estimate, so it need not be centred on
    ``estimate``). :meth:`tidy` has the conventional, bias-corrected and robust rows
    (and, for a fuzzy design, the same three for the first stage and the reduced
    form).

    Attributes
    ----------
    running, cutoff, treatment, covariates, cluster
        The columns and threshold used (``treatment`` is ``None`` for a sharp design).
    bias_corrected, se_conventional
        The bias-corrected estimate and the conventional standard error.
    h_left, h_right, b_left, b_right, selector
        Main and bias bandwidths below and above the cutoff, and how they were chosen.
    kernel, vce, order
        Kernel, variance estimator (``"cr1"`` when clustered) and polynomial order.
    n_left, n_right, n_clusters
        Observations within h below and at or above the cutoff; clusters used.
    first_stage, reduced_form
        Fuzzy designs: the conventional jumps in the treatment and the outcome.
    coef_left, coef_right
        The outcome's fitted polynomials below and above, in powers of (running - cutoff).
    """

    running: str = ""
    cutoff: float = 0.0
    treatment: str | None = None
    covariates: tuple[str, ...] = ()
    cluster: str | None = None
    bias_corrected: float = float("nan")
    se_conventional: float = float("nan")
    h_left: float = float("nan")
    h_right: float = float("nan")
    b_left: float = float("nan")
    b_right: float = float("nan")
    selector: str = ""
    kernel: str = "triangular"
    vce: str = "nn"
    order: int = 1
    n_left: int = 0
    n_right: int = 0
    n_clusters: int | None = None
    first_stage: float = float("nan")
    reduced_form: float = float("nan")
    coef_left: tuple[float, ...] = ()
    coef_right: tuple[float, ...] = ()
    _table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    _sample: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    table = CopiedFrame("_table", "The rows of :meth:`tidy` (a copy).")
    sample = CopiedFrame("_sample", "The running variable and outcome used (a copy).")

    def tidy(self) -> pd.DataFrame:
        """Conventional, bias-corrected and robust rows (and first stage, reduced form)."""
        return self._table.copy()

    def summary(self) -> str:
        """rdrobust's printout: bandwidths, effective observations and the three rows."""
        pct = round(self.level * 100)
        design = "Fuzzy" if self.treatment else "Sharp"
        lines = [
            f"{design} RD, local polynomial of order {self.order} (outcome: {self.outcome})",
            f"  bandwidth h = {self.h_left:.4g} / {self.h_right:.4g}, bias bandwidth b = "
            f"{self.b_left:.4g} / {self.b_right:.4g} ({self.selector}, {self.kernel} kernel, "
            f"{self.vce.upper()} SE)",
            f"  effective observations: {self.n_left:,} below, {self.n_right:,} at or above "
            f"the cutoff {self.cutoff:g}",
            f"  {'term':<30}{'estimate':>10}{'SE':>9}   {pct}% CI",
        ]
        for row in self._table.itertuples():
            lines.append(
                f"  {row.term:<30}{row.estimate:>10.4g}{row.se:>9.4g}   "
                f"[{row.ci_low:.4g}, {row.ci_high:.4g}]"
            )
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Binned means of the outcome (20 bins a side) with the local-polynomial fits within h.

        The fits are the outcome's, without covariate adjustment; for a fuzzy design they
        show the reduced form.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        from evaluation.rdd.local_linear import _binned_means

        ax = style.axes(ax)
        x = self._sample[self.running].to_numpy()
        y = self._sample[self.outcome].to_numpy()
        for below, colour in ((True, "C0"), (False, "C1")):
            side = x < self.cutoff if below else x >= self.cutoff
            low, high = (x[side].min(), self.cutoff) if below else (self.cutoff, x[side].max())
            centres, means = _binned_means(x[side], y[side], low, high, 20)
            ax.scatter(centres, means, s=18, color=colour, alpha=0.8)
            h = self.h_left if below else self.h_right
            coef = self.coef_left if below else self.coef_right
            edge = max(self.cutoff - h, low) if below else min(self.cutoff + h, high)
            grid = np.linspace(edge, self.cutoff, 50)
            fitted = np.polynomial.polynomial.polyval(grid - self.cutoff, coef)
            ax.plot(grid, fitted, color=colour, lw=2.5)
        ax.axvline(self.cutoff, color="black", lw=1, ls="--")
        return style.finish(
            ax,
            title="Regression discontinuity: binned means and local-polynomial fits",
            xlabel=f"{self.running} (running-variable units)",
            ylabel=f"{self.outcome} (outcome units)",
            source=style.DEFAULT_SOURCE,
        )


def _rows(
    label: str, tau_cl: float, tau_bc: float, se_cl: float, se_rb: float, level: float, n: int
) -> list[dict[str, object]]:
    rows = []
    for term, tau, se in (
        ("conventional", tau_cl, se_cl),
        ("bias-corrected", tau_bc, se_cl),
        ("robust", tau_bc, se_rb),
    ):
        low, high, p = normal_interval(tau, se, level)
        rows.append(
            {
                "term": f"{label}{term}",
                "estimate": tau,
                "se": se,
                "ci_low": low,
                "ci_high": high,
                "p_value": p,
                "n_obs": n,
            }
        )
    return rows


def robust(
    data: pd.DataFrame,
    *,
    outcome: str,
    running: str,
    cutoff: float = 0.0,
    treatment: str | None = None,
    covariates: Sequence[str] | None = None,
    cluster: str | None = None,
    bandwidth: float | None = None,
    bias_bandwidth: float | None = None,
    selector: str = "mserd",
    kernel: str = "triangular",
    vce: str = "nn",
    masspoints: str = "adjust",
    order: int = 1,
    level: float = 0.95,
) -> RobustRDResult:
    r"""Local-polynomial RD with robust bias-corrected inference, as rdrobust computes it.

    On each side of the cutoff a polynomial of order ``order`` (p, default 1: local
    linear) is fitted within the bandwidth h with kernel weights; the conventional
    estimate is the gap at the cutoff. Its leading bias is estimated from a fit of
    order p + 1 within the bias bandwidth b and subtracted (the bias-corrected
    estimate); the robust interval uses a standard error that includes the
    variability of that correction (Calonico, Cattaneo and Titiunik 2014). With
    ``treatment`` the design is fuzzy: the estimate is the ratio of the jump in the
    outcome (reduced form) to the jump in the treatment (first stage), with the
    delta-method variance, and both jumps are reported. Covariates enter linearly
    with common coefficients either side (Calonico, Cattaneo, Farrell and Titiunik
    2019); clusters give CR1 standard errors. Numbers equal ``rdrobust``'s
    (Python package) to 1e-8 on its Senate data; see the tests.

    Parameters
    ----------
    data
        One row per unit.
    outcome, running
        The outcome and running-variable columns.
    cutoff
        The threshold; units at or above it are on the treated side.
    treatment
        Fuzzy designs: the column of treatment received (0/1 or a dose).
    covariates
        Pre-determined columns to adjust for (they should not jump at the cutoff).
    cluster
        Column of cluster labels for cluster-robust (CR1) standard errors.
    bandwidth, bias_bandwidth
        h and b; ``None`` (default) selects them by ``selector``. A given h with no b
        uses b = h (rdrobust's rho = 1).
    selector
        ``"mserd"`` (default), ``"cerrd"`` and the others of :func:`robust_bandwidth`.
    kernel
        ``"triangular"`` (default), ``"epanechnikov"`` or ``"uniform"``.
    vce
        ``"nn"`` (nearest-neighbour residuals with 3 neighbours, the default),
        ``"hc0"``, ``"hc1"``, ``"hc2"`` or ``"hc3"``.
    masspoints
        ``"adjust"`` (default: count distinct values for the pilot bandwidth and keep
        at least 10 of them in each preliminary window when a fifth or more of the
        running values are repeats) or ``"off"``.
    order
        p, the order of the local polynomial (q = p + 1 for the bias).
    level
        Confidence level.

    Returns
    -------
    RobustRDResult

    Examples
    --------
    >>> from evaluation.simulate.rdd import threshold_rule
    >>> frame = threshold_rule(n=2000, seed=1)
    >>> fit = robust(frame, outcome="reoffended", running="risk_score", cutoff=50)
    >>> list(fit.tidy()["term"])
    ['conventional', 'bias-corrected', 'robust']
    >>> bool(fit.ci_low < frame.attrs["true_effect"] < fit.ci_high)
    True
    """
    level = require_level(level)
    prep = _prepare(
        data,
        outcome=outcome,
        running=running,
        cutoff=cutoff,
        treatment=treatment,
        covariates=covariates,
        cluster=cluster,
        kernel=kernel,
        vce=vce,
        masspoints=masspoints,
        order=order,
    )
    if bandwidth is None:
        if bias_bandwidth is not None:
            raise ValueError("bias_bandwidth needs bandwidth: pass both, or neither.")
        bws = _bandwidths(prep, selector)
        chosen = selector
    else:
        h = _check_positive("bandwidth", bandwidth)
        b = h if bias_bandwidth is None else _check_positive("bias_bandwidth", bias_bandwidth)
        bws, chosen = (h, h, b, b), "given"
    est: Estimates = estimate(prep.sample, bws, prep.settings)
    n_used = est.n_h[0] + est.n_h[1]
    rows = _rows("", est.tau_cl, est.tau_bc, est.se_cl, est.se_rb, level, n_used)
    for label, values in est.terms.items():
        rows += _rows(f"{label}: ", *values, level, n_used)
    head = headline(est.tau_bc, est.se_rb, level)
    head["estimate"] = est.tau_cl
    z = float(stats.norm.ppf(0.5 + level / 2))
    notes = [
        "The interval and p-value are robust bias-corrected: centred on the bias-corrected "
        f"estimate {est.tau_bc:.4g} with the robust SE (conventional SE {est.se_cl:.4g}, "
        f"interval half-width {z * est.se_cl:.4g})."
    ]
    if treatment:
        first = est.terms["first stage"]
        notes.append(f"First stage (jump in {treatment}): {first[0]:.4g} (SE {first[2]:.4g}).")
    vce_name = "cr1" if cluster is not None else vce
    columns = [running, outcome]
    sample = pd.DataFrame({running: prep.sample.x, outcome: prep.sample.d[:, 0]}, columns=columns)
    return RobustRDResult(
        **head,
        n_obs=n_used,
        method=f"{'Fuzzy' if treatment else 'Sharp'} RD, local polynomial (rdrobust)",
        estimand="ratio of jumps at cutoff" if treatment else "jump at cutoff",
        level=level,
        notes=tuple(notes),
        outcome=outcome,
        running=running,
        cutoff=float(cutoff),
        treatment=treatment,
        covariates=prep.covariates,
        cluster=cluster,
        bias_corrected=est.tau_bc,
        se_conventional=est.se_cl,
        h_left=bws[0],
        h_right=bws[1],
        b_left=bws[2],
        b_right=bws[3],
        selector=chosen,
        kernel=kernel,
        vce=vce_name,
        order=int(order),
        n_left=est.n_h[0],
        n_right=est.n_h[1],
        n_clusters=est.clusters,
        first_stage=est.terms["first stage"][0] if treatment else float("nan"),
        reduced_form=est.terms["reduced form"][0] if treatment else float("nan"),
        coef_left=tuple(float(v) for v in est.beta_left),
        coef_right=tuple(float(v) for v in est.beta_right),
        _table=pd.DataFrame(rows),
        _sample=sample,
    )
