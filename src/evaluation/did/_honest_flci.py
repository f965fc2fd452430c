"""Fixed-length confidence intervals under smoothness bounds (Rambachan and Roth 2023, Delta^SD).

The interval is ``v'beta +/- chi`` for the affine estimator ``v`` (free weights on
the pre-period coefficients, the contrast on the post-period ones) that makes the
half-length ``chi`` shortest, where ``chi`` is the ``1 - alpha`` quantile of a
folded normal whose mean is the worst-case bias over Delta^SD(M). As in the R
package HonestDiD (and its moderndid port), the estimator is found by a
golden-section search over its standard deviation ``h``, each step solving the
worst-bias program for that ``h``; here the programs are solved with scipy in
place of a conic solver.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import optimize, stats

_GOLDEN = (1 + np.sqrt(5)) / 2


class _Problem:
    """The pieces of the variance and bias of the affine estimator, in weights ``w``."""

    def __init__(self, sigma: np.ndarray, n_pre: int, contrast: np.ndarray) -> None:
        n_post = len(contrast)
        self.n_pre = n_pre
        self.contrast = contrast
        diff = np.eye(n_pre) - np.eye(n_pre, k=-1)  # weights w to pre-period weights l_pre
        sigma_pre = sigma[:n_pre, :n_pre]
        self.quad = diff.T @ sigma_pre @ diff
        self.lin = 2 * diff.T @ sigma[:n_pre, n_pre:] @ contrast
        self.const = float(contrast @ sigma[n_pre:, n_pre:] @ contrast)
        steps = np.arange(1, n_post + 1)
        self.target = float(steps @ contrast)
        self.bias_constant = sum(
            abs(float(np.arange(1, s + 1) @ contrast[n_post - s : n_post]))
            for s in range(1, n_post + 1)
        ) - float(steps @ contrast)
        self.cumulate = np.tril(np.ones((n_pre, n_pre)))

    def variance(self, w: np.ndarray) -> float:
        return float(w @ self.quad @ w + self.lin @ w + self.const)

    def min_variance_weights(self) -> np.ndarray:
        """Weights of least variance among those summing to ``target`` (a linear system)."""
        n = self.n_pre
        kkt = np.zeros((n + 1, n + 1))
        kkt[:n, :n] = 2 * self.quad
        kkt[:n, n] = kkt[n, :n] = 1.0
        rhs = np.concatenate([-self.lin, [self.target]])
        return np.linalg.lstsq(kkt, rhs, rcond=None)[0][:n]

    def min_bias_sd(self) -> float:
        w = np.zeros(self.n_pre)
        w[-1] = self.target
        return float(np.sqrt(self.variance(w)))

    def worst_bias(self, h: float, start: np.ndarray) -> tuple[float, np.ndarray] | None:
        """Least worst-case bias (per unit of M) among estimators with sd at most ``h``."""
        n = self.n_pre
        x0 = np.concatenate([np.abs(self.cumulate @ start) + 1e-9, start])
        ones = np.concatenate([np.ones(n), np.zeros(n)])
        constraints: list[dict[str, Any]] = [
            {
                "type": "eq",
                "fun": lambda x: np.sum(x[n:]) - self.target,
                "jac": lambda x: np.concatenate([np.zeros(n), np.ones(n)]),
            },
            {
                "type": "ineq",
                "fun": lambda x: x[:n] - self.cumulate @ x[n:],
                "jac": lambda x: np.hstack([np.eye(n), -self.cumulate]),
            },
            {
                "type": "ineq",
                "fun": lambda x: x[:n] + self.cumulate @ x[n:],
                "jac": lambda x: np.hstack([np.eye(n), self.cumulate]),
            },
            {
                "type": "ineq",
                "fun": lambda x: h**2 - self.variance(x[n:]),
                "jac": lambda x: np.concatenate([np.zeros(n), -(2 * self.quad @ x[n:] + self.lin)]),
            },
        ]
        fit = optimize.minimize(  # type: ignore[call-overload]
            lambda x: float(ones @ x),
            x0,
            jac=lambda x: ones,
            constraints=constraints,
            method="SLSQP",
            options={"ftol": 1e-13, "maxiter": 1000},
        )
        # Mode 8 ("positive directional derivative") is SLSQP stopping at the precision it
        # can reach; its point is kept when it satisfies the constraints.
        x = np.asarray(fit.x)
        slack = min(float(np.min(c["fun"](x))) for c in constraints[1:])
        equal = abs(float(constraints[0]["fun"](x)))
        if not (fit.success or fit.status == 8) or slack < -1e-9 * max(h**2, 1.0) or equal > 1e-9:
            return None
        w = x[n:]
        return self.bias_constant + float(np.sum(np.abs(self.cumulate @ w))), w


def folded_normal_quantile(p: float, mu: float) -> float:
    """Quantile ``p`` of ``|N(mu, 1)|``."""
    mu = abs(mu)
    if mu == 0:
        return float(stats.halfnorm.ppf(p))

    def cdf(x: float) -> float:
        return float(stats.norm.cdf(x - mu) - stats.norm.cdf(-x - mu) - p)

    upper = mu + 8
    while cdf(upper) < 0:
        upper *= 2
    return float(optimize.brentq(cdf, 0, upper))


def flci(
    beta: np.ndarray,
    sigma: np.ndarray,
    contrast: np.ndarray,
    n_pre: int,
    m: float,
    alpha: float,
    num_points: int = 100,
) -> tuple[float, float]:
    """The fixed-length confidence interval for ``contrast' tau_post`` under Delta^SD(m)."""
    problem = _Problem(sigma, n_pre, contrast)
    start = problem.min_variance_weights()
    h_min = float(np.sqrt(max(problem.variance(start), 0.0)))
    h_max = problem.min_bias_sd()

    def half_length(h: float) -> tuple[float, np.ndarray]:
        solved = problem.worst_bias(h, start)
        if solved is None:
            return np.nan, start
        bias, w = solved
        return folded_normal_quantile(1 - alpha, m * bias / h) * h, w

    tolerance = min((h_max - h_min) / num_points, abs(h_max) * 1e-6)
    lower, upper = h_min, h_max
    mid_low = upper - (upper - lower) / _GOLDEN
    mid_high = lower + (upper - lower) / _GOLDEN
    at_low, at_high = half_length(mid_low)[0], half_length(mid_high)[0]
    while abs(upper - lower) > tolerance and np.isfinite(at_low) and np.isfinite(at_high):
        if at_low < at_high:
            upper, mid_high, at_high = mid_high, mid_low, at_low
            mid_low = upper - (upper - lower) / _GOLDEN
            at_low = half_length(mid_low)[0]
        else:
            lower, mid_low, at_low = mid_low, mid_high, at_high
            mid_high = lower + (upper - lower) / _GOLDEN
            at_high = half_length(mid_high)[0]
    if np.isfinite(at_low) and np.isfinite(at_high):
        chi, w = half_length((lower + upper) / 2)
    else:  # the reference's fallback: the best of a grid of h
        grid = [half_length(h) for h in np.linspace(h_min, h_max, num_points)]
        chi, w = min((g for g in grid if np.isfinite(g[0])), key=lambda g: g[0])
    l_pre = np.concatenate([[w[0]], np.diff(w)])
    centre = float(l_pre @ beta[:n_pre] + contrast @ beta[n_pre:])
    return centre - chi, centre + chi
