"""The synthdid weight solver: Frank-Wolfe on the simplex, as in the R package ``synthdid``.

Arkhangelsky, Athey, Hirshberg, Imbens and Wager (2021) choose unit weights
``omega`` and time weights ``lambda`` by ridge-penalised least squares on the
unit simplex, each with an intercept, and solve both with Frank-Wolfe steps
using an exact line search. This module follows the R package ``synthdid``
(``R/solver.R``, ``R/synthdid.R``, ``R/vcov.R``) step by step so that its numbers
can be compared with the published ones:

* the problem is put in *collapsed form*: the control units' pre-period
  outcomes, their post-period means, the treated units' pre-period means and
  the treated block's mean;
* each weight vector starts uniform (or at a given start), takes at most
  ``MAX_ITER_PRE_SPARSIFY`` steps, is *sparsified* (weights at most a quarter of
  the largest set to zero, the rest rescaled) and is then solved again from
  there for at most ``MAX_ITER`` steps;
* the solver stops when a step lowers the penalised objective by less than
  ``min_decrease**2``, with ``min_decrease = 1e-5 * noise_level``;
* the noise level is the standard deviation of the control units' first
  differences before treatment; the unit-weight penalty is
  ``zeta_omega = (N_treated * T_post) ** 0.25 * noise_level`` and the
  time-weight penalty ``zeta_lambda = 1e-6 * noise_level``.

Synthetic control and difference-in-differences are special cases of the same
estimator (their Table 1): synthetic control has no time weights, no intercept
in the unit weights and an infinitesimal penalty (``eta_omega = 1e-6``);
difference-in-differences has uniform unit and time weights.

Examples
--------
>>> import numpy as np
>>> y = np.array([[1.0, 2.0, 3.0], [2.0, 3.0, 4.0], [1.5, 2.5, 3.5]])
>>> fit = estimate(y, n_control=2, n_pre=2, kind="did")
>>> round(fit.estimate, 6)
0.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = ["KINDS", "MAX_ITER", "MAX_ITER_PRE_SPARSIFY", "SdidFit", "estimate", "fw_weights"]

#: The three estimators of Arkhangelsky et al. (2021), Table 1.
KINDS = ("sdid", "sc", "did")
Kind = Literal["sdid", "sc", "did"]
#: Most Frank-Wolfe steps in the second (post-sparsification) round, as in synthdid.
MAX_ITER = 10_000
#: Most steps in the first round, before sparsification, as in synthdid.
MAX_ITER_PRE_SPARSIFY = 100


def _sparsify(weights: np.ndarray) -> np.ndarray:
    """Zero the weights at most a quarter of the largest, rescale the rest to sum to one."""
    out = np.where(weights <= weights.max() / 4, 0.0, weights)
    return np.asarray(out / out.sum())


def _sum_normalise(weights: np.ndarray) -> np.ndarray:
    """Rescale to sum to one, or uniform weights if they sum to zero (synthdid's rule)."""
    total = weights.sum()
    return weights / total if total != 0 else np.full(len(weights), 1.0 / len(weights))


def fw_weights(
    y: np.ndarray,
    zeta: float,
    *,
    intercept: bool,
    start: np.ndarray | None,
    min_decrease: float,
    max_iter: int,
) -> np.ndarray:
    """Simplex weights ``x`` minimising ``zeta**2 |x|^2 + |A x - b|^2 / rows`` by Frank-Wolfe.

    ``y`` holds ``A`` in its first columns and ``b`` in its last; with
    ``intercept`` each column is centred first. Each step moves towards the
    vertex with the smallest gradient by the exact line-search step, and the
    loop stops once a step lowers the objective by no more than
    ``min_decrease**2`` or after ``max_iter`` steps (synthdid's ``sc.weight.fw``).

    Parameters
    ----------
    y
        Array of shape ``(rows, k + 1)``: the ``k`` columns to weight, then the target.
    zeta
        Ridge penalty; its square weighs the squared weights against the mean squared error.
    intercept
        Whether to centre each column (allow a constant difference).
    start
        Starting weights (uniform if ``None``).
    min_decrease
        Stopping rule: stop when a step lowers the objective by at most its square.
    max_iter
        Most steps taken.

    Returns
    -------
    numpy.ndarray
        The ``k`` weights, non-negative and summing to one.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.column_stack([np.eye(2), [0.5, 0.5]])
    >>> np.round(fw_weights(y, 0.0, intercept=False, start=None, min_decrease=1e-8,
    ...                     max_iter=100), 3).tolist()
    [0.5, 0.5]
    """
    return fw_batch(
        [y],
        zeta,
        intercept=intercept,
        starts=[start],
        min_decrease=min_decrease,
        max_iter=max_iter,
    )[0]


def fw_batch(
    ys: list[np.ndarray],
    zeta: float,
    *,
    intercept: bool,
    starts: list[np.ndarray | None],
    min_decrease: float,
    max_iter: int,
) -> list[np.ndarray]:
    """:func:`fw_weights` for several problems at once, stepping them in lockstep.

    The problems may differ in rows and columns (a bootstrap draw's controls);
    they are padded with zeros and padded columns are never chosen. Each
    problem stops by its own rule; it is frozen while the others go on. The
    steps are those of :func:`fw_weights` problem by problem: only the speed
    differs (replications of a standard error share each step's array work).
    """
    n = len(ys)
    centred = [y - y.mean(axis=0) if intercept else y for y in ys]
    rows = np.array([y.shape[0] for y in centred], dtype=float)
    ks = [y.shape[1] - 1 for y in centred]
    n_max, k_max = int(rows.max()), max(ks)
    a = np.zeros((n, n_max, k_max))
    b = np.zeros((n, n_max))
    x = np.zeros((n, k_max))
    valid = np.zeros((n, k_max), dtype=bool)
    for r, (y, k, start) in enumerate(zip(centred, ks, starts, strict=True)):
        a[r, : y.shape[0], :k], b[r, : y.shape[0]] = y[:, :k], y[:, k]
        x[r, :k] = 1.0 / k if start is None else start
        valid[r, :k] = True
    # Work with Gram matrices: every quantity of a step is then a k-vector operation.
    gram = np.einsum("rni,rnj->rij", a, a)
    ab, bb = np.einsum("rni,rn->ri", a, b), np.einsum("rn,rn->r", b, b)
    diag = np.einsum("rii->ri", gram).copy()
    eta, zeta2, threshold = rows * zeta**2, zeta**2, min_decrease**2
    g = np.einsum("rij,rj->ri", gram, x)  # A'A x
    q, xx, cx = (g * x).sum(axis=1), (x * x).sum(axis=1), (ab * x).sum(axis=1)
    every = np.arange(n)
    active = np.ones(n, dtype=bool)
    previous = np.full(n, np.inf)
    for step in range(max_iter):
        half_grad = np.where(valid, g - ab + eta[:, None] * x, 1e300)
        i = np.argmin(half_grad, axis=1)
        xi, gi, di, hi = x[every, i], g[every, i], diag[every, i], half_grad[every, i]
        moving = active & ~((xi == 1.0) & (xx == 1.0))  # at vertex i already: no move
        slope = hi - (half_grad * x).sum(axis=1)  # padded columns: 1e300 * 0 = 0
        denominator = di - 2.0 * gi + q + eta * (1.0 - 2.0 * xi + xx)
        with np.errstate(divide="ignore", invalid="ignore"):
            length = np.clip(-slope / denominator, 0.0, 1.0)
        length = np.where(moving, length, 0.0)
        keep = 1.0 - length
        q = keep * keep * q + 2.0 * length * keep * gi + length * length * di
        xx = keep * keep * xx + 2.0 * length * keep * xi + length * length
        cx = keep * cx + length * ab[every, i]
        g = keep[:, None] * g + length[:, None] * gram[every, :, i]
        x = keep[:, None] * x
        x[every, i] += length
        value = zeta2 * xx + (q - 2.0 * cx + bb) / rows
        if step >= 1:
            active &= previous - value > threshold
            if not active.any():
                break
        previous = value
    return [x[r, :k].copy() for r, k in enumerate(ks)]


def collapsed(y: np.ndarray, n_control: int, n_pre: int) -> np.ndarray:
    """Controls' pre-period rows and post means; treated units' mean row (``N0+1 x T0+1``)."""
    top = np.column_stack([y[:n_control, :n_pre], y[:n_control, n_pre:].mean(axis=1)])
    bottom = np.append(y[n_control:, :n_pre].mean(axis=0), y[n_control:, n_pre:].mean())
    return np.vstack([top, bottom])


@dataclass(frozen=True)
class SdidFit:
    """Weights and estimate of one fit on a ``units x periods`` matrix (controls first)."""

    estimate: float
    omega: np.ndarray
    lambda_: np.ndarray
    zeta_omega: float
    zeta_lambda: float
    noise_level: float


@dataclass(frozen=True)
class _Options:
    kind: Kind
    zeta_omega: float
    zeta_lambda: float
    noise_level: float

    @property
    def min_decrease(self) -> float:
        return 1e-5 * self.noise_level


def _options(y: np.ndarray, n_control: int, n_pre: int, kind: Kind) -> _Options:
    """synthdid's defaults: noise level, penalties and stopping rule from the data."""
    noise = float(np.std(np.diff(y[:n_control, :n_pre], axis=1), ddof=1))
    n_treated, n_post = y.shape[0] - n_control, y.shape[1] - n_pre
    eta_omega = 1e-6 if kind == "sc" else (n_treated * n_post) ** 0.25
    return _Options(kind, eta_omega * noise, 1e-6 * noise, noise)


def _solve(
    ys: list[np.ndarray],
    n_controls: list[int],
    n_pre: int,
    options: _Options,
    omega_starts: list[np.ndarray | None] | None = None,
    lambda_start: np.ndarray | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Unit and time weights of one estimator on each matrix (solved together)."""
    if options.kind == "did":
        return [(np.full(n0, 1.0 / n0), np.full(n_pre, 1.0 / n_pre)) for n0 in n_controls]
    yc = [collapsed(y, n0, n_pre) for y, n0 in zip(ys, n_controls, strict=True)]
    if options.kind == "sc":
        lambdas = [np.zeros(n_pre) for _ in ys]
    else:
        problems = [c[:n0] for c, n0 in zip(yc, n_controls, strict=True)]
        lambdas = _two_rounds(
            problems, options.zeta_lambda, True, [lambda_start] * len(ys), options
        )
    starts = omega_starts or [None] * len(ys)
    centre = options.kind == "sdid"
    omegas = _two_rounds([c[:, :n_pre].T for c in yc], options.zeta_omega, centre, starts, options)
    return list(zip(omegas, lambdas, strict=True))


def _two_rounds(
    ys: list[np.ndarray],
    zeta: float,
    intercept: bool,
    starts: list[np.ndarray | None],
    options: _Options,
) -> list[np.ndarray]:
    """A short first round, sparsify, then the full second round (synthdid's default)."""
    decrease = options.min_decrease
    first = fw_batch(ys, zeta, intercept=intercept, starts=starts, min_decrease=decrease,
                     max_iter=MAX_ITER_PRE_SPARSIFY)  # fmt: skip
    sparse: list[np.ndarray | None] = [_sparsify(w) for w in first]
    return fw_batch(ys, zeta, intercept=intercept, starts=sparse, min_decrease=decrease,
                    max_iter=MAX_ITER)  # fmt: skip


def _tau(y: np.ndarray, n_control: int, n_pre: int, omega: np.ndarray, lam: np.ndarray) -> float:
    """``(-omega, 1/N1)' Y (-lambda, 1/T1)``: the weighted double difference."""
    n_treated, n_post = y.shape[0] - n_control, y.shape[1] - n_pre
    unit = np.concatenate([-omega, np.full(n_treated, 1.0 / n_treated)])
    time = np.concatenate([-lam, np.full(n_post, 1.0 / n_post)])
    return float(unit @ y @ time)


def estimate(y: np.ndarray, *, n_control: int, n_pre: int, kind: Kind = "sdid") -> SdidFit:
    """Fit SDID, SC or DiD on a ``units x periods`` matrix whose first rows are the controls.

    Parameters
    ----------
    y
        Outcomes, one row per unit (controls first) and one column per period
        (pre-period first).
    n_control
        Number of control units (the first rows).
    n_pre
        Number of pre-treatment periods (the first columns).
    kind
        ``"sdid"``, ``"sc"`` or ``"did"``.

    Returns
    -------
    SdidFit

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[1.0, 2.0, 3.0], [2.0, 3.0, 4.0], [1.5, 2.5, 6.5]])
    >>> round(estimate(y, n_control=2, n_pre=2, kind="did").estimate, 6)
    3.0
    """
    options = _options(y, n_control, n_pre, kind)
    ((omega, lam),) = _solve([y], [n_control], n_pre, options)
    return SdidFit(
        _tau(y, n_control, n_pre, omega, lam),
        omega,
        lam,
        options.zeta_omega,
        options.zeta_lambda,
        options.noise_level,
    )


def resampled_draws(
    y: np.ndarray,
    fit: SdidFit,
    *,
    inference: Literal["placebo", "bootstrap"],
    n_control: int,
    n_pre: int,
    kind: Kind,
    replications: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """The estimate on each drawn panel, its weights re-solved (synthdid's resampling SEs).

    ``"placebo"`` is Algorithm 4: controls reshuffled, the last ``N1`` of them
    treated as if treated. ``"bootstrap"`` is Algorithm 2: units resampled with
    replacement (draws lacking either group redrawn). Weights restart from the full
    fit's unit weights on the drawn controls (renormalised) and its time weights, and
    are re-solved with its penalties (synthdid's ``placebo_se`` and ``bootstrap_se``).
    """
    n = y.shape[0]
    draws: list[np.ndarray] = []
    if inference == "placebo":
        draws = [rng.permutation(n_control) for _ in range(replications)]
        n0s = [n_control - (n - n_control)] * replications
    else:
        while len(draws) < replications:
            rows = np.sort(rng.integers(0, n, n))
            if 0 < int((rows < n_control).sum()) < n:
                draws.append(rows)
        n0s = [int((rows < n_control).sum()) for rows in draws]
    ys = [y[rows] for rows in draws]
    starts: list[np.ndarray | None] = [
        _sum_normalise(fit.omega[rows[:n0]]) for rows, n0 in zip(draws, n0s, strict=True)
    ]
    weights = _solve(ys, n0s, n_pre, _fit_options(fit, kind), starts, _lambda_start(fit, kind))
    return np.array(
        [_tau(yr, n0, n_pre, w, lam) for yr, n0, (w, lam) in zip(ys, n0s, weights, strict=True)]
    )


def jackknife_draws(y: np.ndarray, fit: SdidFit, *, n_control: int, n_pre: int) -> np.ndarray:
    """Algorithm 3: each unit left out in turn, weights fixed (unit weights renormalised)."""
    draws = np.empty(y.shape[0])
    for left_out in range(y.shape[0]):
        keep = np.delete(np.arange(y.shape[0]), left_out)
        controls = keep[keep < n_control]
        omega = _sum_normalise(fit.omega[controls])
        draws[left_out] = _tau(y[keep], len(controls), n_pre, omega, fit.lambda_)
    return draws


def _fit_options(fit: SdidFit, kind: Kind) -> _Options:
    return _Options(kind, fit.zeta_omega, fit.zeta_lambda, fit.noise_level)


def _lambda_start(fit: SdidFit, kind: Kind) -> np.ndarray | None:
    return fit.lambda_ if kind == "sdid" else None
