"""The restricted wild cluster bootstrap, computed the "fast and wild" way.

Roodman, MacKinnon, Nielsen and Webb (2019) show that every bootstrap
t-statistic of a linear regression is a function of a few cluster-level sums,
so no bootstrap sample is ever built. For a hypothesis ``R beta = r`` with
``a = (X'X)^{-1} R'``, the restricted residuals are linear in ``r``:
``u(r) = u_hat + delta(r) X a`` with ``delta(r) = (R beta_hat - r) / (R a)``. A
draw ``v`` (one weight per cluster) then gives

- numerator ``(n_u + delta n_a) . v``, with ``n_u[g] = a' X_g' u_hat_g`` and
  ``n_a[g] = a' X_g' X_g a``;
- cluster scores of the bootstrap residuals ``(C_u + delta C_a) v``, with
  ``C = diag(n) - K S``, ``K = S_a' (X'X)^{-1}`` and ``S`` the ``k x G`` cluster
  sums of ``X_g' u_g``.

So the ``G x B`` matrices ``C_u V`` and ``C_a V`` are formed once and each
bootstrap t-statistic is, for any null value, a ratio of a linear and the root
of a quadratic function of ``delta``: the p-value at a new null costs ``O(B)``,
and the confidence interval is found by bisection on it (test inversion).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["WEIGHT_VALUES", "WildFit", "draws", "wild_restriction"]

#: The support of each weight distribution (equal probabilities), in the order
#: ``wildboottest`` draws from them, so that the same seed gives the same draws.
WEIGHT_VALUES: dict[str, np.ndarray] = {
    "rademacher": np.array([-1.0, 1.0]),
    "webb": np.concatenate([-np.sqrt(np.array([3.0, 2.0, 1.0]) / 2),
                            np.sqrt(np.array([1.0, 2.0, 3.0]) / 2)]),
}  # fmt: skip

_CHUNK = 2048  # bootstrap draws processed at a time (bounds memory at G x _CHUNK)


def draws(
    weight_type: str, n_clusters: int, n_boot: int, seed: int | None
) -> tuple[np.ndarray, bool]:
    """The ``G x B`` weights, and whether the Rademacher draws are a full enumeration.

    Rademacher weights on ``G`` clusters take only ``2^G`` values; when that is no
    more than ``n_boot`` every one is used once (the bootstrap is then exact, not
    random). Otherwise draws are made as ``numpy.random.default_rng(seed).choice``
    over the support, cluster by cluster in sorted order of the cluster labels.
    """
    values = WEIGHT_VALUES[weight_type]
    if weight_type == "rademacher" and 2**n_clusters <= n_boot:
        grid = np.array(list(itertools.product([-1.0, 1.0], repeat=n_clusters)))
        return grid.T.copy(), True
    rng = np.random.default_rng(seed)
    return rng.choice(values, size=(n_clusters, n_boot)), False


@dataclass(frozen=True)
class WildFit:
    """What the bootstrap gives for one hypothesis ``R beta = r``.

    ``estimate`` is ``R beta_hat``, ``se`` its cluster-robust (CR1) standard
    error, ``p_value`` the bootstrap p-value for ``r = null``, and
    ``ci_low, ci_high`` the bootstrap interval by test inversion (infinite when
    the p-value never falls to ``1 - level`` on that side).
    """

    estimate: float
    se: float
    p_value: float
    ci_low: float
    ci_high: float


def _cluster_sums(values: np.ndarray, codes: np.ndarray, n_clusters: int) -> np.ndarray:
    """Sum the rows of ``values`` (n x m) within each cluster: a ``G x m`` array."""
    out = np.zeros((n_clusters, values.shape[1]))
    np.add.at(out, codes, values)
    return out


def wild_restriction(
    X: np.ndarray,
    y: np.ndarray,
    codes: np.ndarray,
    R: np.ndarray,
    V: np.ndarray,
    *,
    null: float = 0.0,
    level: float = 0.95,
    interval: bool = True,
) -> WildFit:
    """The restricted (WCR) wild cluster bootstrap test and interval for ``R beta``.

    ``X`` (n x k) and ``y`` are already multiplied by the square root of any
    regression weights; ``codes`` numbers the clusters ``0..G-1``; ``V`` is the
    ``G x B`` matrix of weights. The t-statistic uses the CR1 variance with the
    factor ``G/(G-1) (n-1)/(n-k)``; the p-value, being a rank of t against its
    bootstrap draws, does not depend on that factor. Ties (a draw whose
    ``|t*|`` equals ``|t|``, such as the draw of all ones) count as at least as
    extreme, so the p-value never falls below ``1/B``. With ``interval=False``
    the interval is not searched for (NaN).
    """
    n, k = X.shape
    G = V.shape[0]
    xtx_inv = np.linalg.inv(X.T @ X)
    beta = xtx_inv @ (X.T @ y)
    resid = y - X @ beta
    a = xtx_inv @ R
    ra = float(R @ a)
    estimate = float(R @ beta)
    xa = X @ a
    # S_u, S_a: k x G cluster sums of X_g' u_hat_g and X_g' X_g a.
    s_u = _cluster_sums(X * resid[:, None], codes, G).T
    s_a = _cluster_sums(X * xa[:, None], codes, G).T
    n_u, n_a = a @ s_u, a @ s_a
    factor = G / (G - 1) * (n - 1) / (n - k)
    se = float(np.sqrt(factor * np.sum(n_u**2)))
    K = s_a.T @ xtx_inv
    c_u = np.diag(n_u) - K @ s_u
    c_a = np.diag(n_a) - K @ s_a
    num_u, num_a = n_u @ V, n_a @ V
    q0, q1, q2 = np.empty(V.shape[1]), np.empty(V.shape[1]), np.empty(V.shape[1])
    for start in range(0, V.shape[1], _CHUNK):
        part = slice(start, start + _CHUNK)
        z_u, z_a = c_u @ V[:, part], c_a @ V[:, part]
        q0[part] = np.sum(z_u**2, axis=0)
        q1[part] = np.sum(z_u * z_a, axis=0)
        q2[part] = np.sum(z_a**2, axis=0)

    def p_value(r: float) -> float:
        delta = (estimate - r) / ra
        t = abs(delta * ra) / se
        with np.errstate(divide="ignore", invalid="ignore"):
            t_boot = np.abs(num_u + delta * num_a) / np.sqrt(
                factor * np.maximum(q0 + 2 * delta * q1 + delta**2 * q2, 0.0)
            )
        # A draw with a zero numerator and denominator (0/0) is not more extreme.
        t_boot = np.where(np.isnan(t_boot), 0.0, t_boot)
        return float(np.mean(t_boot >= t * (1 - 1e-10)))

    alpha = 1 - level
    low = _bound(p_value, estimate, -1.0, se, alpha) if interval else float("nan")
    high = _bound(p_value, estimate, 1.0, se, alpha) if interval else float("nan")
    return WildFit(estimate=estimate, se=se, p_value=p_value(null), ci_low=low, ci_high=high)


def _bound(
    p_value: Callable[[float], float], estimate: float, side: float, se: float, alpha: float
) -> float:
    """The null value on one side of the estimate where the p-value falls to ``alpha``.

    Walks out from the estimate in steps that double from one standard error
    until the p-value is at or below ``alpha`` (infinite if it never is), then
    bisects between the last point not rejected and the first rejected.
    """
    scale = se if se > 0 and np.isfinite(se) else max(abs(estimate), 1.0)
    inside, step = estimate, scale
    outside = estimate + side * step
    for _ in range(60):
        if p_value(outside) <= alpha:
            break
        inside, step = outside, 2 * step
        outside = estimate + side * step
    else:
        return side * np.inf
    for _ in range(200):
        middle = (inside + outside) / 2
        if middle in (inside, outside) or abs(outside - inside) <= 1e-12 * scale:
            break
        if p_value(middle) <= alpha:
            outside = middle
        else:
            inside = middle
    return float((inside + outside) / 2)
