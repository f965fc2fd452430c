"""The local-polynomial density estimator of Cattaneo, Jansson and Ma (2020), as rddensity has it.

The empirical distribution function is regressed on a polynomial in the running
variable on each side of the cutoff (kernel weighted, unrestricted fits); the
slope at the cutoff is the density there. The jackknife variance, the mass-point
adjustment and the bandwidth selector ("comb": the median of the one-side, the
difference and the sum MSE-optimal bandwidths) follow ``rddensity`` and
``rdbwdensity``; only the unrestricted fit with the jackknife variance is ported.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

# rdbwdensity's constants of the pilot bandwidths, by order p = 1, ..., 7.
_CB = (
    25884.444444494150957,
    3430865.4551236177795,
    845007948.04262602329,
    330631733667.03808594,
    187774809656037.3125,
    145729502641999264.0,
    146013502974449876992.0,
)
_CC = (
    4.8000000000000246914,
    548.57142857155463389,
    100800.00000020420703,
    29558225.458100609481,
    12896196859.612621307,
    7890871468221.609375,
    6467911284037581.0,
)


def _moment(m: int, kernel: str) -> float:
    """Integral over [0, 1] of K(u) u^m for rddensity's kernels."""
    if kernel == "uniform":
        return 0.5 / (m + 1)
    if kernel == "epanechnikov":
        return 0.75 * (1 / (m + 1) - 1 / (m + 3))
    return 1 / (m + 1) - 1 / (m + 2)


def _hermite(x: float, p: int) -> float:
    """The probabilists' Hermite polynomial He_p(x)."""
    return float(np.polynomial.hermite_e.hermeval(x, [0] * p + [1]))


def _weights(x: np.ndarray, hl: float, hr: float, kernel: str) -> np.ndarray:
    left = x < 0
    u = np.where(left, x / hl, x / hr)
    h = np.where(left, hl, hr)
    if kernel == "uniform":
        return 1 / (2 * h)
    if kernel == "epanechnikov":
        return 0.75 * (1 - u**2) / h
    return (1 - np.abs(u)) / h


def fit(
    x: np.ndarray,
    y: np.ndarray,
    n: int,
    hl: float,
    hr: float,
    p: int,
    s: int,
    kernel: str,
    mass_points: bool,
    variance: bool = True,
) -> dict[str, np.ndarray]:
    """rddensity's ``__rddensity_fv``: coefficients of order 1 and s, and their jackknife variances.

    ``x`` (centred at the cutoff, sorted) and ``y`` (the empirical distribution
    function) are the observations within [-hl, hr]. Returns ``hat`` (left, right,
    diff, sum of the slopes, the densities), ``s`` (the same for the order-s
    coefficients) and ``var`` (jackknife variances of ``hat``).
    """
    left = x < 0
    design = np.zeros((x.size, 2 * p + 2))
    scale = np.zeros(2 * p + 2)
    for k in range(p + 1):
        design[left, 2 * k] = (x[left] / hl) ** k
        design[~left, 2 * k + 1] = (x[~left] / hr) ** k
        scale[2 * k], scale[2 * k + 1] = hl**k, hr**k
    xw = design * _weights(x, hl, hr, kernel)[:, None]
    s_inv = np.linalg.inv(xw.T @ design)
    b = (xw.T @ y) @ s_inv / scale

    def four(a: float, c: float) -> np.ndarray:
        return np.array([a, c, c - a, c + a])

    out = {"hat": four(b[2], b[3]), "s": four(b[2 * s], b[2 * s + 1])}
    if variance:
        tail = np.vstack([np.cumsum(xw[::-1], axis=0)[::-1][1:], np.zeros((1, xw.shape[1]))])
        tail = tail / (n - 1)
        if mass_points:
            _, first, counts = np.unique(x, return_index=True, return_counts=True)
            tail = np.repeat(tail[first], counts, axis=0)
        v = (s_inv @ (tail.T @ tail) @ s_inv) / np.outer(scale, scale)
        var = np.array(
            [v[2, 2], v[3, 3], v[2, 2] + v[3, 3] - 2 * v[2, 3], v[2, 2] + v[3, 3] + 2 * v[2, 3]]
        )
        out["var"] = np.where(var < 0, np.nan, var)
    return out


def _floor(values: np.ndarray, count: int) -> float:
    """The count-th smallest value (or the largest if there are fewer)."""
    return float(np.sort(values)[min(count, values.size) - 1])


def bandwidths(
    x: np.ndarray, y: np.ndarray, p: int, kernel: str, mass_points: bool
) -> dict[str, float]:
    """rdbwdensity (regularised, unrestricted, jackknife): h for l, r, diff and sum."""
    n = x.size
    uniq = np.unique(x)
    mu, sd = float(np.mean(x)), float(np.std(x, ddof=1))
    z = mu / sd
    fhat_b = 1 / (_hermite(z, p + 2) ** 2 * stats.norm.pdf(z))
    fhat_c = 1 / (_hermite(z, p) ** 2 * stats.norm.pdf(z))
    bn = ((2 * p + 1) / 4 * fhat_b * _CB[p - 1] / n) ** (1 / (2 * p + 5)) * sd
    cn = (1 / (2 * p) * fhat_c * _CC[p - 1] / n) ** (1 / (2 * p + 1)) * sd
    reach = float(np.max(np.abs(uniq)))
    bn, cn = min(bn, reach), min(cn, reach)
    sides = (np.abs(x[x < 0]), x[x >= 0], np.abs(uniq[uniq < 0]), uniq[uniq >= 0])
    bn = max(bn, *(_floor(v, 20 + p + 3) for v in sides))
    cn = max(cn, *(_floor(v, 20 + p + 1) for v in sides))
    in_b, in_c = np.abs(x) <= bn, np.abs(x) <= cn
    fv_b = fit(x[in_b], y[in_b], n, bn, bn, p + 2, p + 1, kernel, mass_points, variance=False)
    fv_c = fit(x[in_c], y[in_c], n, cn, cn, p, 1, kernel, mass_points)
    variance = n * cn * fv_c["var"]
    moments = np.array([[_moment(i + j, kernel) for j in range(p + 1)] for i in range(p + 1)])
    c_vec = np.array([_moment(i + p + 1, kernel) for i in range(p + 1)])
    constant = float((np.linalg.inv(moments) @ c_vec)[1])
    bias_l = fv_b["s"][0] * constant * (-1) ** p
    bias_r = fv_b["s"][1] * constant
    bias_sq = np.array([bias_l, bias_r, bias_r - bias_l, bias_r + bias_l]) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        h = (1 / (2 * p) * variance / bias_sq / n) ** (1 / (2 * p + 1))
    h = np.where(np.isfinite(h), h, 0.0)
    left_range, right_range = abs(uniq[0]), uniq[-1]
    h = np.array(
        [
            min(h[0], left_range),
            min(h[1], right_range),
            min(h[2], max(left_range, right_range)),
            min(h[3], max(left_range, right_range)),
        ]
    )
    count = 20 + p + 1
    floors = [
        max(_floor(sides[0], count), _floor(sides[2], count)),
        max(_floor(sides[1], count), _floor(sides[3], count)),
    ]
    h = np.array(
        [
            max(h[0], floors[0]),
            max(h[1], floors[1]),
            max(h[2], *floors),
            max(h[3], *floors),
        ]
    )
    return {"l": float(h[0]), "r": float(h[1]), "diff": float(h[2]), "sum": float(h[3])}


def cdf_values(x: np.ndarray) -> tuple[np.ndarray, bool]:
    """The empirical distribution (i/(n-1)) of sorted x; tied values take the group's last."""
    n = x.size
    y = np.arange(n) / (n - 1)
    _, first, counts = np.unique(x, return_index=True, return_counts=True)
    mass = first.size != n
    if mass:
        y = np.repeat(y[first + counts - 1], counts)
    return y, mass
