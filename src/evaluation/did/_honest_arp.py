"""Confidence sets under relative-magnitude bounds (Rambachan and Roth 2023, Delta^RM).

The conditional and hybrid moment-inequality tests of Andrews, Roth and Pakes
(2023), inverted over a grid of values of the target parameter, for each
polyhedron of the union that makes up Delta^RM. The steps, tolerances, grids,
random draws and search order follow the R package HonestDiD as ported to
Python by moderndid (``moderndid.didhonest``), so the numbers agree with it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from math import comb

import numpy as np
from scipy import optimize, stats

_TOL_LAMBDA = 1e-6
_LF_DRAWS = 1000
_MAX_BASES = 20000

Vertices = np.ndarray | None


def rm_constraints(n_pre: int, n_post: int, mbar: float, s: int, positive: bool) -> np.ndarray:
    """Rows ``A`` with ``A delta <= 0`` for the piece of Delta^RM whose largest pre-period
    change is the one from ``s`` to ``s + 1`` (with sign ``positive``)."""
    total = n_pre + n_post + 1
    first = np.zeros((n_pre + n_post, total))
    rows = np.arange(n_pre + n_post)
    first[rows, rows], first[rows, rows + 1] = -1.0, 1.0
    largest = np.zeros(total)
    largest[n_pre + s : n_pre + s + 2] = [-1.0, 1.0]
    if not positive:
        largest = -largest
    bound = np.vstack([np.tile(largest, (n_pre, 1)), np.tile(mbar * largest, (n_post, 1))])
    a = np.vstack([first - bound, -first - bound])
    a = a[~np.all(np.abs(a) <= 1e-10, axis=1)]
    return np.delete(a, n_pre, axis=1)


def rm_identified_set(
    beta: np.ndarray, contrast: np.ndarray, n_pre: int, n_post: int, mbar: float
) -> tuple[float, float]:
    """The identified set of ``contrast' tau_post`` under Delta^RM(mbar), by linear programs."""
    target = np.concatenate([np.zeros(n_pre), contrast])
    observed = float(contrast @ beta[n_pre:])
    equality = np.hstack([np.eye(n_pre), np.zeros((n_pre, n_post))])
    lows, highs = [], []
    for s in range(-(n_pre - 1), 0):
        for positive in (True, False):
            a = rm_constraints(n_pre, n_post, mbar, s, positive)
            most, least = (
                optimize.linprog(
                    c=sign * target,
                    A_ub=a,
                    b_ub=np.zeros(len(a)),
                    A_eq=equality,
                    b_eq=beta[:n_pre],
                    bounds=[(None, None)] * (n_pre + n_post),
                    method="highs",
                )
                for sign in (-1.0, 1.0)
            )
            if not (most.success and least.success):
                lows.append(observed)
                highs.append(observed)
                continue
            lows.append(observed + float(np.asarray(most.fun)))
            highs.append(observed - float(np.asarray(least.fun)))
    return min(lows), max(highs)


def rm_grid_limits(
    beta: np.ndarray,
    sigma: np.ndarray,
    contrast: np.ndarray,
    n_pre: int,
    n_post: int,
    mbar: float,
) -> tuple[float, float]:
    """The identified set widened by 20 standard errors of the target either side."""
    low, high = rm_identified_set(beta, contrast, n_pre, n_post, mbar)
    post = slice(n_pre, n_pre + n_post)
    sd = float(np.sqrt(contrast @ sigma[post, post] @ contrast))
    return low - 20 * sd, high + 20 * sd


def truncated_normal_quantile(p: float, lower: float, upper: float, mu: float, sd: float) -> float:
    """Quantile ``p`` of a normal(``mu``, ``sd``) truncated to ``[lower, upper]``."""
    low = (lower - mu) / sd if not np.isinf(lower) else -np.inf
    up = (upper - mu) / sd if not np.isinf(upper) else np.inf
    if np.isinf(low) and np.isinf(up):
        return float(mu + sd * stats.norm.ppf(p))
    p_low = float(stats.norm.cdf(low)) if not np.isinf(low) else 0.0
    p_up = float(stats.norm.cdf(up)) if not np.isinf(up) else 1.0
    p_trunc = p_low + p * (p_up - p_low)
    if p_trunc <= p_low:
        return lower
    if p_trunc >= p_up:
        return upper
    return float(mu + sd * stats.norm.ppf(p_trunc))


def least_favorable_cv(
    x: np.ndarray | None,
    sigma: np.ndarray,
    kappa: float,
    seed: int,
    vertices: Vertices = None,
    draws: int = _LF_DRAWS,
) -> float:
    """The ``1 - kappa`` quantile of the test statistic under the least favourable null.

    Uses the same seeded normal draws as the reference (1,000 of them). With nuisance
    parameters the statistic of each draw is the value of a linear program; it is
    found here as the largest value over the vertices of the dual feasible set,
    which is the program's value, for all draws at once (or by one program per
    draw when there are too many vertices to list).
    """
    rng = np.random.default_rng(seed)
    xi = rng.multivariate_normal(mean=np.zeros(sigma.shape[0]), cov=sigma, size=draws)
    sd = np.sqrt(np.diag(sigma))
    if x is None:
        return float(np.quantile(np.max(xi / sd, axis=1), 1 - kappa))
    w = np.column_stack([sd, x])
    if vertices is None:
        vertices = dual_vertices(w)
    if vertices is not None:
        values = np.max(xi @ vertices.T, axis=1) if len(vertices) else np.array([])
    else:
        values = _program_values(w, xi)
    if len(values) == 0:
        raise RuntimeError("The least favourable critical value could not be computed.")
    return float(np.quantile(values, 1 - kappa))


def dual_vertices(w: np.ndarray) -> Vertices:
    """Vertices of ``{lambda >= 0, W'lambda = e1}``, or ``None`` when too many to list."""
    m, k = w.shape
    if np.linalg.matrix_rank(w) < k or comb(m, k) > _MAX_BASES:
        return None
    e1 = np.zeros(k)
    e1[0] = 1.0
    vertices = []
    for basis in itertools.combinations(range(m), k):
        block = w[list(basis)].T
        if abs(np.linalg.det(block)) < 1e-12:
            continue
        weights = np.linalg.solve(block, e1)
        if np.all(weights >= -1e-12):
            vertex = np.zeros(m)
            vertex[list(basis)] = np.maximum(weights, 0.0)
            vertices.append(vertex)
    return np.array(vertices).reshape(-1, m)


def _program_values(w: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """The statistic of each draw by its own linear program, as the reference computes it."""
    c = np.concatenate([[1.0], np.zeros(w.shape[1] - 1)])
    values = []
    for xi in draws:
        fit = optimize.linprog(
            c=c, A_ub=-w, b_ub=-xi, bounds=[(None, None)] * len(c), method="highs-ds"
        )
        if fit.success:
            values.append(float(np.asarray(fit.x)[0]))
    return np.array(values)


def _bounds_along(
    gamma: np.ndarray, sigma: np.ndarray, a: np.ndarray, b: np.ndarray, z: np.ndarray
) -> tuple[float, float]:
    """Truncation points of ``gamma'y`` given the rest of ``y``: ``a (z + c t) <= b``."""
    c = sigma @ gamma / float(gamma @ sigma @ gamma)
    az, ac = a @ z, a @ c
    lower, upper = -np.inf, np.inf
    for i, value in enumerate(ac):
        if abs(value) > 1e-10:
            point = (b[i] - az[i]) / value
            if value < 0:
                lower = max(lower, point)
            elif point < upper:
                upper = point
    return lower, upper


def no_nuisance_accepts(
    y: np.ndarray,
    sigma: np.ndarray,
    a: np.ndarray,
    alpha: float,
    hybrid: bool,
    kappa: float,
    lf_cv: float,
) -> bool:
    """The conditional (or least-favourable hybrid) test of ``a y <= 0`` with no nuisance."""
    scale = np.maximum(np.sqrt(np.diag(a @ sigma @ a.T)), 1e-10)
    a_tilde = a / scale[:, None]
    moments = a_tilde @ y
    where = int(np.argmax(moments))
    largest = moments[where]
    if hybrid:
        if largest > lf_cv:
            return False
        size = (alpha - kappa) / (1 - kappa)
    else:
        if largest <= 0:
            return True
        size = alpha
    gamma = a_tilde[where]
    a_bar = a_tilde - a_tilde[where]
    sigma_bar = float(np.sqrt(gamma @ sigma @ gamma))
    c = sigma @ gamma / float(gamma @ sigma @ gamma)
    z = y - c * float(gamma @ y)
    v_lo, v_up = _bounds_along(gamma, sigma, a_bar, np.zeros(len(a)), z)
    if not hybrid and largest < v_lo:
        return False
    critical = max(0.0, truncated_normal_quantile(1 - size, v_lo, v_up, 0.0, sigma_bar))
    return not largest > critical


def _primal(y: np.ndarray, x: np.ndarray, sigma: np.ndarray) -> tuple[bool, float, np.ndarray]:
    """``min eta`` with ``y - x delta <= eta sd``: success, ``eta`` and the dual weights."""
    sd = np.sqrt(np.diag(sigma))
    c = np.concatenate([[1.0], np.zeros(x.shape[1])])
    fit = optimize.linprog(
        c=c,
        A_ub=-np.column_stack([sd, x]),
        b_ub=-y,
        bounds=[(None, None)] * len(c),
        method="highs-ds",
    )
    if not fit.success:
        return False, float("nan"), np.zeros(len(y))
    return True, float(np.asarray(fit.x)[0]), -np.asarray(fit.ineqlin.marginals)


def _round_eps(x: float) -> float:
    return 0.0 if abs(x) < np.finfo(float).eps ** (3 / 4) else x


def _max_program(
    s: np.ndarray,
    gamma: np.ndarray,
    sigma: np.ndarray,
    w: np.ndarray,
    c: float,
    vertices: Vertices,
) -> tuple[np.ndarray | None, bool]:
    """The dual program at ``gamma'y = c``: its solution, and whether its value is ``c``."""
    f = s + sigma @ gamma * c / float(gamma @ sigma @ gamma)
    if vertices is not None:
        if len(vertices) == 0:
            return None, False
        values = vertices @ f
        best = int(np.argmax(values))
        return vertices[best], bool(abs(c - values[best]) <= 1e-6)
    b_eq = np.zeros(w.shape[1])
    b_eq[0] = 1.0
    fit = optimize.linprog(c=-f, A_eq=w.T, b_eq=b_eq, bounds=[(0, None)] * len(f), method="highs")
    if not fit.success:
        return None, False
    return np.asarray(fit.x), bool(abs(c + float(np.asarray(fit.fun))) <= 1e-6)


def _dual_limit(
    eta: float,
    start: float,
    problem: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Vertices],
    upward: bool,
) -> float:
    """One end of the truncation interval of the dual approach, by the reference's search."""
    s, gamma, sigma, w, vertices = problem
    found, solved = _max_program(s, gamma, sigma, w, start, vertices)
    if solved:
        return np.inf if upward else -np.inf
    b = sigma @ gamma / float(gamma @ sigma @ gamma)
    iters = 1
    mid = start if found is None else _round_eps(float(found @ s)) / (1 - float(found @ b))
    while iters < 10:
        found, solved = _max_program(s, gamma, sigma, w, mid, vertices)
        if solved:
            break
        iters += 1
        if found is None:
            break
        mid = _round_eps(float(found @ s)) / (1 - float(found @ b))
    low, high = (eta, mid) if upward else (mid, eta)
    while True:  # at least one step, as the reference
        iters += 1
        mid = (high + low) / 2
        solved = _max_program(s, gamma, sigma, w, mid, vertices)[1]
        if solved == upward:
            low = mid
        else:
            high = mid
        if high - low <= 1e-6 or iters >= 10000:
            return mid


def _dual_truncation(
    y: np.ndarray,
    x: np.ndarray,
    eta: float,
    gamma: np.ndarray,
    sigma: np.ndarray,
    vertices: Vertices,
) -> tuple[float, float]:
    """Truncation points of the statistic when the primal solution is degenerate."""
    w = np.column_stack([np.sqrt(np.diag(sigma)), x])
    spread = float(gamma @ sigma @ gamma)
    if spread <= np.finfo(float).eps:
        return -np.inf, np.inf
    s = y - sigma @ gamma * float(gamma @ y) / spread
    problem = (s, gamma, sigma, w, vertices)
    if not _max_program(s, gamma, sigma, w, eta, vertices)[1]:
        return eta, np.inf
    sd_b = np.sqrt(spread)
    high = _dual_limit(eta, max(100.0, eta + 20 * sd_b), problem, upward=True)
    low = _dual_limit(eta, min(-100.0, eta - 20 * sd_b), problem, upward=False)
    return low, high


def nuisance_accepts(
    y: np.ndarray,
    x: np.ndarray,
    sigma: np.ndarray,
    alpha: float,
    hybrid: bool,
    kappa: float,
    lf_cv: float,
    vertices: Vertices = None,
) -> bool:
    """The conditional (or hybrid) test of ``E[y] - x delta <= 0`` for some ``delta``."""
    ok, eta, lam = _primal(y, x, sigma)
    if not ok:
        return True
    if hybrid and eta > lf_cv:
        return False
    size = (alpha - kappa) / (1 - kappa) if hybrid else alpha
    k = x.shape[1]
    binding = lam > _TOL_LAMBDA
    degenerate = int(binding.sum()) != k + 1
    x_b = x[binding]
    full_rank = x_b.size > 0 and np.linalg.matrix_rank(x_b) == min(x_b.shape)
    cap = lf_cv if hybrid else np.inf
    if not full_rank or degenerate:
        spread = float(lam @ sigma @ lam)
        if abs(spread) < np.finfo(float).eps:
            return not eta > 0
        sd_b = np.sqrt(spread)
        low, high = _dual_truncation(y, x, eta, lam, sigma, vertices)
        z_lo, z_up = low / sd_b, min(high, cap) / sd_b
        stat = eta / sd_b
    else:
        sd = np.sqrt(np.diag(sigma))
        w_b = np.column_stack([sd[binding], x_b])
        w_bc = np.column_stack([sd[~binding], x[~binding]])
        select_b = np.eye(len(y))[binding]
        gamma_b = w_bc @ np.linalg.inv(w_b) @ select_b - np.eye(len(y))[~binding]
        v_b = select_b.T @ np.linalg.inv(w_b).T[:, 0]
        var_b = float(v_b @ sigma @ v_b)
        sd_b = np.sqrt(var_b)
        rho = gamma_b @ sigma @ v_b / var_b
        with np.errstate(divide="ignore", invalid="ignore"):
            points = -gamma_b @ y / rho + float(v_b @ y)
        low = np.max(points[rho > 0]) if np.any(rho > 0) else -np.inf
        high = np.min(points[rho < 0]) if np.any(rho < 0) else np.inf
        z_lo, z_up = low / sd_b, min(high, cap) / sd_b
        stat = eta / sd_b
    if not z_lo <= stat <= z_up:
        return True
    critical = max(0.0, truncated_normal_quantile(1 - size, z_lo, z_up, 0.0, 1.0))
    return not stat > critical


def interval_search(accepts: Callable[[int], bool], n: int) -> tuple[int, int] | None:
    """First and last accepted grid index, found as the reference does (an interval)."""
    mid = n // 2
    seed = mid if accepts(mid) else None
    offset = 1
    while seed is None and offset < n:
        left, right = mid - offset, mid + offset
        if left >= 0 and accepts(left):
            seed = left
        elif right < n and accepts(right):
            seed = right
        elif left < 0 and right >= n:
            break
        offset += 1
    if seed is None:
        return None
    first = 0
    if seed == 0 or not accepts(0):
        lo, hi = 0, seed
        while lo < hi:
            m = (lo + hi) // 2
            lo, hi = (lo, m) if accepts(m) else (m + 1, hi)
        first = lo
    last = n - 1
    if seed == n - 1 or not accepts(n - 1):
        lo, hi = seed, n - 1
        while lo < hi:
            m = (lo + hi + 1) // 2
            lo, hi = (m, hi) if accepts(m) else (lo, m - 1)
        last = lo
    return first, last


def _gamma_matrix(contrast: np.ndarray) -> np.ndarray:
    """An invertible matrix whose first row is ``contrast``."""
    n = len(contrast)
    drop = int(np.argmax(np.abs(contrast)))
    gamma = np.zeros((n, n))
    gamma[0] = contrast
    others = [i for i in range(n) if i != drop]
    gamma[np.arange(1, n), others] = 1.0
    return gamma


def rm_piece_accepts(
    beta: np.ndarray,
    sigma: np.ndarray,
    contrast: np.ndarray,
    n_pre: int,
    a: np.ndarray,
    grid: np.ndarray,
    alpha: float,
    hybrid: bool,
) -> np.ndarray:
    """Which grid values the test accepts for one polyhedron ``a delta <= 0``."""
    n_post = len(contrast)
    kappa = alpha / 10
    accept = np.zeros(len(grid), dtype=bool)
    if n_post == 1:
        lf = least_favorable_cv(None, a @ sigma @ a.T, kappa, 0) if hybrid else np.inf
        unit = np.zeros(len(beta))
        unit[n_pre] = 1.0
        for i, theta in enumerate(grid):
            accept[i] = no_nuisance_accepts(beta - unit * theta, sigma, a, alpha, hybrid, kappa, lf)
        return accept
    rows = np.flatnonzero(np.any(a[:, n_pre : n_pre + n_post] != 0, axis=1))
    a_gamma = a[:, n_pre : n_pre + n_post] @ np.linalg.inv(_gamma_matrix(contrast))
    y = a @ beta
    sigma_y = a @ sigma @ a.T
    x = a_gamma[rows, 1:]
    sigma_rows = sigma_y[np.ix_(rows, rows)]
    vertices = dual_vertices(np.column_stack([np.sqrt(np.diag(sigma_rows)), x]))
    lf = least_favorable_cv(x, sigma_rows, kappa, 0, vertices) if hybrid else np.inf

    def accepts(i: int) -> bool:
        y_t = (y - a_gamma[:, 0] * grid[i])[rows]
        return nuisance_accepts(y_t, x, sigma_rows, alpha, hybrid, kappa, lf, vertices)

    found = interval_search(accepts, len(grid))
    if found is not None:
        accept[found[0] : found[1] + 1] = True
    return accept


def rm_confidence_set(
    beta: np.ndarray,
    sigma: np.ndarray,
    contrast: np.ndarray,
    n_pre: int,
    mbar: float,
    alpha: float,
    hybrid: bool,
    grid_points: int,
) -> tuple[float, float]:
    """The robust confidence set under Delta^RM(mbar): union over the polyhedra."""
    n_post = len(contrast)
    low, high = rm_grid_limits(beta, sigma, contrast, n_pre, n_post, mbar)
    grid = np.linspace(low, high, grid_points)
    accept = np.zeros(grid_points, dtype=bool)
    for s in range(-(n_pre - 1), 0):
        for positive in (True, False):
            a = rm_constraints(n_pre, n_post, mbar, s, positive)
            accept |= rm_piece_accepts(beta, sigma, contrast, n_pre, a, grid, alpha, hybrid)
    where = np.flatnonzero(accept)
    if len(where) == 0:
        return float("nan"), float("nan")
    return float(grid[where[0]]), float(grid[where[-1]])
