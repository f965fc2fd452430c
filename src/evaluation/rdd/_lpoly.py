"""Local-polynomial RD numerics to the rdrobust standard: kernels, variances, bandwidths.

A port of the algorithm of Calonico, Cattaneo and Titiunik (2014), Calonico, Cattaneo
and Farrell (2018, 2020) and Calonico, Cattaneo, Farrell and Titiunik (2017, 2019) as
the ``rdrobust`` package computes it (``rdbwselect`` and ``rdrobust``), written for
numpy and organised around one side of the cutoff at a time (:class:`Side`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

#: rdrobust's kernel names, and the constants of its pilot bandwidth for each.
PILOT_CONSTANT = {"triangular": 2.576, "epanechnikov": 2.34, "uniform": 1.843}

_SQRT_EPS = float(np.sqrt(np.finfo(float).eps))


def kernel_weights(x: np.ndarray, cutoff: float, h: float, kernel: str) -> np.ndarray:
    """rdrobust's kernel weights K((x - c)/h)/h (the 1/h cancels in every variance)."""
    u = (x - cutoff) / h
    inside = np.abs(u) <= 1
    if kernel == "epanechnikov":
        return 0.75 * (1 - u**2) * inside / h
    if kernel == "uniform":
        return 0.5 * inside / h
    return (1 - np.abs(u)) * inside / h


def vander(u: np.ndarray, order: int) -> np.ndarray:
    """Columns 1, u, ..., u^order (by successive products)."""
    out = np.empty((u.size, order + 1))
    out[:, 0] = 1.0
    for j in range(1, order + 1):
        out[:, j] = out[:, j - 1] * u
    return out


def inv_spd(matrix: np.ndarray) -> np.ndarray:
    """Inverse of a symmetric positive-definite matrix by Cholesky, pinv if that fails."""
    try:
        lower_inv = np.linalg.inv(np.linalg.cholesky(matrix))
    except np.linalg.LinAlgError:
        return np.asarray(np.linalg.pinv(matrix))
    return np.asarray(lower_inv.T @ lower_inv)


def nn_residuals(x: np.ndarray, d: np.ndarray, matches: int) -> np.ndarray:
    """Nearest-neighbour residuals of each column of ``d`` (x sorted ascending).

    Each unit is compared with at least ``matches`` neighbours: the units tied with
    it, then whole groups of tied values taken from the nearer side (both sides on a
    tie in distance), as in rdrobust's ``vce="nn"``. The residual is
    sqrt(J/(J+1)) (d_i - mean of the J neighbours).
    """
    n = x.size
    values, start, counts = np.unique(x, return_index=True, return_counts=True)
    groups = values.size
    lo = np.arange(groups)
    hi = np.arange(groups)
    have = counts - 1
    cap = min(matches, n - 1)
    for _ in range(cap):
        need = have < cap
        if not need.any():
            break
        can_left, can_right = lo > 0, hi < groups - 1
        d_left = np.where(can_left, values - values[np.maximum(lo - 1, 0)], np.inf)
        d_right = np.where(can_right, values[np.minimum(hi + 1, groups - 1)] - values, np.inf)
        tol = np.where(can_left & can_right, np.maximum(d_left, d_right) * _SQRT_EPS, 0.0)
        go_right = need & (~can_left | (can_right & (d_left - d_right > tol)))
        go_left = need & (~can_right | (can_left & (d_right - d_left > tol)))
        both = need & can_left & can_right & ~go_left & ~go_right
        go_right |= both
        go_left |= both
        have = have + np.where(go_right, counts[np.minimum(hi + 1, groups - 1)], 0)
        have = have + np.where(go_left, counts[np.maximum(lo - 1, 0)], 0)
        hi = hi + go_right
        lo = lo - go_left
    group = np.repeat(np.arange(groups), counts)
    first = start[lo][group]
    last = (start[hi] + counts[hi])[group]
    cumulative = np.vstack([np.zeros((1, d.shape[1])), np.cumsum(d, axis=0)])
    window = cumulative[last] - cumulative[first]
    j = (last - first - 1)[:, None].astype(float)
    if n == 0:
        return np.zeros_like(d)
    return np.sqrt(j / (j + 1)) * (d - (window - d) / j)


@dataclass
class Side:
    """One side of the cutoff, sorted by the running variable.

    ``d`` holds the outcome, then the treatment (fuzzy designs), then covariates.
    """

    x: np.ndarray
    d: np.ndarray
    n_treat: int
    cluster: np.ndarray | None = None
    cache: dict[tuple[int, int], tuple[float, float, np.ndarray]] = field(default_factory=dict)
    windows: dict[float, tuple[Side, np.ndarray]] = field(default_factory=dict)
    nn: np.ndarray | None = None

    @property
    def n_covs(self) -> int:
        return self.d.shape[1] - 1 - self.n_treat

    def kernel(self, cutoff: float, h: float, kernel: str) -> np.ndarray:
        return kernel_weights(self.x, cutoff, h, kernel)

    def window(self, cutoff: float, h: float, kernel: str) -> tuple[Side, np.ndarray]:
        """The rows with positive kernel weight at bandwidth h, and their weights (cached)."""
        if h not in self.windows:
            w = self.kernel(cutoff, h, kernel)
            keep = w > 0
            self.windows[h] = (self.subset(keep), w[keep])
        return self.windows[h]

    def subset(self, keep: np.ndarray) -> Side:
        return Side(
            x=self.x[keep],
            d=self.d[keep],
            n_treat=self.n_treat,
            cluster=None if self.cluster is None else self.cluster[keep],
        )


def residuals(
    side: Side,
    fitted: np.ndarray | None,
    hii: np.ndarray | None,
    vce: str,
    matches: int,
    n_params: int,
) -> np.ndarray:
    """Residuals entering the sandwich: nearest-neighbour, or HC0-HC3 scaled fit residuals."""
    if vce == "nn":
        if side.nn is None:
            side.nn = nn_residuals(side.x, side.d, matches)
        return side.nn
    assert fitted is not None
    n = side.x.size
    if vce == "hc0" or (vce == "hc1" and side.cluster is not None):
        scale: float | np.ndarray = 1.0
    elif vce == "hc1":
        scale = math.sqrt(n / (n - n_params))
    elif vce == "hc2":
        assert hii is not None
        scale = np.sqrt(1 / np.maximum(1 - hii, 1e-8))[:, None]
    else:
        assert hii is not None
        scale = (1 / np.maximum(1 - hii, 1e-8))[:, None]
    return scale * (side.d - fitted)


def meat(
    s: np.ndarray, rx: np.ndarray, res: np.ndarray, cluster: np.ndarray | None, k_df: int
) -> np.ndarray:
    """The middle of the sandwich: sum of (RX_i r_i)(RX_i r_i)', by cluster when given."""
    score = rx * (res @ s)[:, None]
    if cluster is None:
        return score.T @ score
    labels, index = np.unique(cluster, return_inverse=True)
    sums = np.zeros((labels.size, rx.shape[1]))
    np.add.at(sums, index, score)
    n, g = rx.shape[0], labels.size
    factor = ((n - 1) / (n - k_df)) * (g / (g - 1)) if g > 1 else float("nan")
    return factor * (sums.T @ sums)


def _hat(r: np.ndarray, inv_g: np.ndarray, rw: np.ndarray) -> np.ndarray:
    return np.sum((r @ inv_g) * rw, axis=1)


def _fit_parts(
    side: Side, d_use: np.ndarray, w: np.ndarray, r: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rw = r * w[:, None]
    inv_g = inv_spd(r.T @ rw)
    beta = inv_g @ (rw.T @ d_use)
    return rw, inv_g, beta


def _gamma(
    side: Side, rw: np.ndarray, inv_g: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Covariate adjustment pieces ZWZ and ZWY (partialled on the polynomial) of one side."""
    cols = np.arange(1 + side.n_treat, side.d.shape[1])
    u = rw.T @ side.d
    zwd = (side.d[:, cols] * w[:, None]).T @ side.d
    uigu = u[:, cols].T @ inv_g @ u
    zwz = zwd[:, cols] - uigu[:, cols]
    zwy = zwd[:, : 1 + side.n_treat] - uigu[:, : 1 + side.n_treat]
    return zwz, zwy


def _combination(
    beta_nu: np.ndarray, n_treat: int, gamma: np.ndarray | None, nu: int
) -> np.ndarray:
    """The linear combination s of the columns of d that the estimand is (rdrobust's s_Y)."""
    fac = math.factorial(nu)
    if n_treat == 0:
        return np.ones(1) if gamma is None else np.append(1.0, -gamma[:, 0])
    if gamma is None:
        tau_y, tau_t = fac * beta_nu[0], fac * beta_nu[1]
        return np.array([1 / tau_t, -tau_y / tau_t**2])
    cols = np.arange(2, 2 + gamma.shape[0])
    s_y = np.append(1.0, -gamma[:, 0])
    s_t = np.append(1.0, -gamma[:, 1])
    tau_y = fac * s_y @ np.append(beta_nu[0], beta_nu[cols])
    tau_t = fac * s_t @ np.append(beta_nu[1], beta_nu[cols])
    return np.hstack(
        [
            1 / tau_t,
            -tau_y / tau_t**2,
            -(1 / tau_t) * gamma[:, 0] + (tau_y / tau_t**2) * gamma[:, 1],
        ]
    )


def _pilot_variance(
    side: Side, cutoff: float, order: int, nu: int, h_v: float, vce: str, matches: int, kernel: str
) -> tuple[float, float, np.ndarray]:
    """Variance and bias constant of the order-``order`` fit at the pilot bandwidth."""
    key = (order, nu)
    if key in side.cache:
        return side.cache[key]
    part, w = side.window(cutoff, h_v, kernel)
    if np.unique(part.x).size < order + 1:
        out: tuple[float, float, np.ndarray] = (float("nan"), float("nan"), np.ones(1))
        side.cache[key] = out
        return out
    r = vander(part.x - cutoff, order)
    rw, inv_g, beta = _fit_parts(part, part.d, w, r)
    gamma = None
    if part.n_covs:
        zwz, zwy = _gamma(part, rw, inv_g, w)
        gamma = np.linalg.pinv(zwz) @ zwy
    s = _combination(beta[nu], part.n_treat, gamma, nu)
    fitted = r @ beta if vce != "nn" else None
    hii = _hat(r, inv_g, rw) if vce in ("hc2", "hc3") else None
    res = residuals(part, fitted, hii, vce, matches, order + 1)
    v_v = float((inv_g @ meat(s, rw, res, part.cluster, order + 1) @ inv_g)[nu, nu])
    v = rw.T @ (((part.x - cutoff) / h_v) ** (order + 1))
    b_const = float((h_v ** np.arange(order + 1) * (inv_g @ v))[nu])
    out = (v_v, b_const, s)
    side.cache[key] = out
    return out


def bw_constants(
    side: Side,
    cutoff: float,
    order: int,
    nu: int,
    order_b: int,
    h_v: float,
    h_b: float,
    scale: float,
    vce: str,
    matches: int,
    kernel: str,
) -> tuple[float, float, float, float]:
    """rdrobust's ``rdrobust_bw``: variance V, bias B, regularisation R and the rate."""
    nan_out = (float("nan"), float("nan"), float("nan"), 1 / (2 * order + 3))
    v_v, b_const, s = _pilot_variance(side, cutoff, order, nu, h_v, vce, matches, kernel)
    if not np.isfinite(v_v) or not (np.isfinite(h_b) and h_b > 0):
        return nan_out
    part, w = side.window(cutoff, h_b, kernel)
    if np.unique(part.x).size < order_b + 1:
        return nan_out
    r = vander(part.x - cutoff, order_b)
    rw, inv_g, beta = _fit_parts(part, part.d, w, r)
    reg = 0.0
    if scale > 0:
        fitted = r @ beta if vce != "nn" else None
        hii = _hat(r, inv_g, rw) if vce in ("hc2", "hc3") else None
        res = residuals(part, fitted, hii, vce, matches, order_b + 1)
        v_b = float((inv_g @ meat(s, rw, res, part.cluster, order_b + 1) @ inv_g)[-1, -1])
        reg = 3 * b_const**2 * v_b
    bias = math.sqrt(2 * (order + 1 - nu)) * b_const * float(s @ beta[-1])
    variance = (2 * nu + 1) * h_v ** (2 * nu + 1) * v_v
    return variance, bias, scale * 2 * (order + 1 - nu) * reg, 1 / (2 * order + 3)


#: Bandwidth selectors offered: rdrobust's bwselect names.
SELECTORS = ("mserd", "msetwo", "msesum", "msecomb1", "msecomb2") + (
    "cerrd",
    "certwo",
    "cersum",
    "cercomb1",
    "cercomb2",
)


def _quantile_type2(x: np.ndarray, prob: float) -> float:
    """R's quantile(type = 2): the inverse empirical distribution, averaged at jumps."""
    x = np.sort(x)
    h = x.size * prob
    j = int(np.floor(h))
    return float(0.5 * (x[j - 1] + x[j])) if h == j else float(x[j])


@dataclass(frozen=True)
class Sample:
    """The data of one fit, sorted by the running variable ``x``.

    ``d`` holds the outcome, then the treatment (``n_treat`` is 1 for a fuzzy
    design, else 0), then covariates; ``cluster`` each row's cluster code, or None.
    """

    x: np.ndarray
    d: np.ndarray
    n_treat: int
    cluster: np.ndarray | None = None

    def split(self, cutoff: float) -> tuple[Side, Side]:
        """The two sides of the cutoff: below it, and at or above it."""
        whole = Side(x=self.x, d=self.d, n_treat=self.n_treat, cluster=self.cluster)
        below = self.x < cutoff
        return whole.subset(below), whole.subset(~below)


@dataclass(frozen=True)
class Settings:
    """The choices shared by bandwidth selection and estimation (rdrobust's options)."""

    cutoff: float = 0.0
    p: int = 1
    q: int = 2
    nu: int = 0
    kernel: str = "triangular"
    vce: str = "nn"
    matches: int = 3
    masspoints: str = "adjust"
    scaleregul: float = 1.0
    bwrestrict: bool = True
    bwcheck: int | None = None


def select_bandwidths(
    sample: Sample, selector: str, settings: Settings
) -> tuple[float, float, float, float]:
    """rdbwselect as rdrobust calls it: (h_left, h_right, b_left, b_right).

    x and y are standardised by their standard deviations first (rdrobust's
    ``stdvars``); the sample's treatment column is there only when its variance on
    both sides is positive.
    """
    st = settings
    x = sample.x
    x_sd = float(np.std(x, ddof=1))
    y_sd = float(np.std(sample.d[:, 0], ddof=1))
    xs = x / x_sd
    ds = sample.d.copy()
    ds[:, 0] = ds[:, 0] / y_sd
    c = st.cutoff / x_sd
    left, right = replace(sample, x=xs, d=ds).split(c)
    n = xs.size
    iqr = _quantile_type2(x, 0.75) - _quantile_type2(x, 0.25)
    bwp = min(1.0, (iqr / x_sd) / 1.349)
    uniq_l = np.unique(left.x)[::-1]
    uniq_r = np.unique(right.x)
    m_l, m_r = uniq_l.size, uniq_r.size
    bwcheck = st.bwcheck
    heavy = 1 - m_l / left.x.size >= 0.2 or 1 - m_r / right.x.size >= 0.2
    if st.masspoints == "adjust" and bwcheck is None and heavy:
        bwcheck = 10
    count = m_l + m_r if st.masspoints in ("check", "adjust") else n
    c_bw = PILOT_CONSTANT[st.kernel] * bwp * count ** (-1 / 5)
    bw_max_l, bw_max_r = abs(c - xs.min()), abs(c - xs.max())
    bw_max = max(bw_max_l, bw_max_r)
    if st.bwrestrict:
        c_bw = min(c_bw, bw_max)
    bw_min_l = bw_min_r = 0.0
    if bwcheck is not None:
        bw_min_l = abs(uniq_l - c)[min(bwcheck, m_l) - 1] * (1 + _SQRT_EPS)
        bw_min_r = abs(uniq_r - c)[min(bwcheck, m_r) - 1] * (1 + _SQRT_EPS)
        c_bw = max(c_bw, bw_min_l, bw_min_r)
    p, q, nu, reg = st.p, st.q, st.nu, st.scaleregul
    range_l = abs(c - left.x.min()) * (1 + _SQRT_EPS)
    range_r = abs(c - right.x.max()) * (1 + _SQRT_EPS)

    def constants(
        side: Side, o: int, n_u: int, o_b: int, h_v: float, h_b: float, scale: float
    ) -> tuple[float, float, float, float]:
        return bw_constants(side, c, o, n_u, o_b, h_v, h_b, scale, st.vce, st.matches, st.kernel)

    d_l = constants(left, q + 1, q + 1, q + 2, c_bw, range_l, 0)
    d_r = constants(right, q + 1, q + 1, q + 2, c_bw, range_r, 0)
    out: dict[str, tuple[float, float, float, float]] = {}
    family = selector[3:]
    if family in ("two", "comb2"):
        hb = []
        for side, dd, cap, floor in (
            (left, d_l, bw_max_l, bw_min_l),
            (right, d_r, bw_max_r, bw_min_r),
        ):
            d_bw = (dd[0] / dd[1] ** 2) ** dd[3]
            d_bw = max(min(d_bw, cap) if st.bwrestrict else d_bw, floor)
            cb = constants(side, q, p + 1, q + 1, c_bw, d_bw, reg)
            b_bw = (cb[0] / (cb[1] ** 2 + reg * cb[2])) ** cb[3]
            b_bw = min(b_bw, cap) if st.bwrestrict else b_bw
            ch = constants(side, p, nu, q, c_bw, b_bw, reg)
            h_bw = (ch[0] / (ch[1] ** 2 + reg * ch[2])) ** ch[3]
            hb.append((min(h_bw, cap) if st.bwrestrict else h_bw, b_bw))
        out["two"] = (x_sd * hb[0][0], x_sd * hb[1][0], x_sd * hb[0][1], x_sd * hb[1][1])
    for how, name in (("sum", "sum"), ("rd", "rd")):
        if not (family == name or family in ("comb1", "comb2")):
            continue
        gap = d_r[1] - d_l[1] if how == "rd" else d_r[1] + d_l[1]
        d_bw = ((d_l[0] + d_r[0]) / gap**2) ** d_l[3]
        if st.bwrestrict:
            d_bw = min(d_bw, bw_max)
        if bwcheck is not None:
            d_bw = max(d_bw, bw_min_l, bw_min_r)
        cb_l = constants(left, q, p + 1, q + 1, c_bw, d_bw, reg)
        cb_r = constants(right, q, p + 1, q + 1, c_bw, d_bw, reg)
        b_bw = _scaled(cb_l, cb_r, how, reg)
        b_bw = min(b_bw, bw_max) if st.bwrestrict else b_bw
        ch_l = constants(left, p, nu, q, c_bw, b_bw, reg)
        ch_r = constants(right, p, nu, q, c_bw, b_bw, reg)
        h_bw = _scaled(ch_l, ch_r, how, reg)
        h_bw = min(h_bw, bw_max) if st.bwrestrict else h_bw
        out[name] = (x_sd * h_bw, x_sd * h_bw, x_sd * b_bw, x_sd * b_bw)
    if family == "comb1":
        out["comb1"] = tuple(min(a, b) for a, b in zip(out["rd"], out["sum"], strict=True))  # type: ignore[assignment]
    if family == "comb2":
        out["comb2"] = tuple(  # type: ignore[assignment]
            float(np.median([a, b, t]))
            for a, b, t in zip(out["rd"], out["sum"], out["two"], strict=True)
        )
    h_l, h_r, b_l, b_r = out[family]
    if selector.startswith("cer"):
        groups = None
        if sample.cluster is not None:
            groups = np.unique(left.cluster).size + np.unique(right.cluster).size  # type: ignore[arg-type]
        base = n if groups is None else groups
        factor = base ** (-(p / ((3 + p) * (3 + 2 * p))))
        h_l, h_r = h_l * factor, h_r * factor
    return float(h_l), float(h_r), float(b_l), float(b_r)


def _scaled(
    c_l: tuple[float, float, float, float],
    c_r: tuple[float, float, float, float],
    how: str,
    reg: float,
) -> float:
    bias = c_r[1] - c_l[1] if how == "rd" else c_r[1] + c_l[1]
    return float(((c_l[0] + c_r[0]) / (bias**2 + reg * (c_r[2] + c_l[2]))) ** c_l[3])


@dataclass(frozen=True)
class Estimates:
    """rdrobust's numbers: conventional and bias-corrected estimates, their variances.

    For a fuzzy design ``*_y`` and ``*_t`` are the reduced form and the first stage
    and ``tau_*`` their ratio; for a sharp design they are all the jump.
    """

    tau_cl: float
    tau_bc: float
    se_cl: float
    se_rb: float
    n_h: tuple[int, int]
    n_b: tuple[int, int]
    clusters: int | None
    terms: dict[str, tuple[float, float, float, float]]
    gamma: np.ndarray | None
    beta_left: np.ndarray
    beta_right: np.ndarray
    variances: tuple[float, float, float, float]
    bias: tuple[float, float]


@dataclass
class _Fit:
    side: Side
    r_q: np.ndarray
    rw_p: np.ndarray
    inv_g_p: np.ndarray
    inv_g_q: np.ndarray
    q_q: np.ndarray
    beta_p: np.ndarray
    beta_q: np.ndarray
    beta_bc: np.ndarray
    w_h: np.ndarray
    w_b: np.ndarray
    n_h: int
    n_b: int


def _side_fit(side: Side, h: float, b: float, st: Settings) -> _Fit:
    w_h_all = side.kernel(st.cutoff, h, st.kernel)
    w_b_all = side.kernel(st.cutoff, b, st.kernel)
    keep = w_h_all > 0 if h > b else w_b_all > 0
    part = side.subset(keep)
    w_h, w_b = w_h_all[keep], w_b_all[keep]
    p, q = st.p, st.q
    if np.unique(part.x[w_h > 0]).size < p + 1 or np.unique(part.x[w_b > 0]).size < q + 1:
        raise ValueError(
            "Not enough distinct running-variable values within the bandwidth "
            f"(h = {h:.4g}, b = {b:.4g}) to fit the polynomials on each side of the cutoff; "
            "widen the bandwidth."
        )
    u = (part.x - st.cutoff) / h
    r_q = vander(part.x - st.cutoff, q)
    r_p = r_q[:, : p + 1]
    rw_p = r_p * w_h[:, None]
    rw_q = r_q * w_b[:, None]
    inv_g_q = inv_spd(r_q.T @ rw_q)
    inv_g_p = inv_spd(r_p.T @ rw_p)
    lvec = rw_p.T @ u ** (p + 1)
    m = (r_q @ inv_g_q[p + 1]) * w_b
    q_q = rw_p - h ** (p + 1) * m[:, None] * lvec[None, :]
    return _Fit(
        side=part,
        r_q=r_q,
        rw_p=rw_p,
        inv_g_p=inv_g_p,
        inv_g_q=inv_g_q,
        q_q=q_q,
        beta_p=inv_g_p @ (rw_p.T @ part.d),
        beta_q=inv_g_q @ (rw_q.T @ part.d),
        beta_bc=inv_g_p @ (q_q.T @ part.d),
        w_h=w_h,
        w_b=w_b,
        n_h=int((w_h_all > 0).sum()),
        n_b=int((w_b_all > 0).sum()),
    )


def _variances(
    fit: _Fit, s: np.ndarray, res_h: np.ndarray, res_b: np.ndarray, hb_match: bool, st: Settings
) -> tuple[float, float]:
    """Conventional and robust variances of the combination s on one side."""
    p, q, nu, cl = st.p, st.q, st.nu, fit.side.cluster
    v_cl = fit.inv_g_p @ meat(s, fit.rw_p, res_h, cl, p + 1) @ fit.inv_g_p
    if hb_match and cl is not None:
        rx = fit.r_q * fit.w_h[:, None]
        v_rb = fit.inv_g_q @ meat(s, rx, res_b, cl, q + 1) @ fit.inv_g_q
    else:
        v_rb = fit.inv_g_p @ meat(s, fit.q_q, res_b, cl, q + 1) @ fit.inv_g_p
    return float(v_cl[nu, nu]), float(v_rb[nu, nu])


def estimate(
    sample: Sample, bandwidths: tuple[float, float, float, float], st: Settings
) -> Estimates:
    """rdrobust's point estimates and standard errors at bandwidths (h_l, h_r, b_l, b_r)."""
    h_l, h_r, b_l, b_r = bandwidths
    n_treat = sample.n_treat
    left, right = sample.split(st.cutoff)
    fits = [_side_fit(left, h_l, b_l, st), _side_fit(right, h_r, b_r, st)]
    nu, fac = st.nu, math.factorial(st.nu)
    gamma = None
    if left.n_covs:
        parts = [_gamma(f.side, f.rw_p, f.inv_g_p, f.w_h) for f in fits]
        gamma = np.linalg.pinv(parts[0][0] + parts[1][0]) @ (parts[0][1] + parts[1][1])
    n_d = sample.d.shape[1]

    def combo(column: int) -> np.ndarray:
        """Weights on d's columns giving the covariate-adjusted column (outcome or treatment)."""
        s = np.zeros(n_d)
        s[column] = 1.0
        if gamma is not None:
            s[1 + n_treat :] = -gamma[:, column]
        return s

    def jump(s: np.ndarray, which: str) -> tuple[float, float, float]:
        values = [fac * float(getattr(f, which)[nu] @ s) for f in fits]
        return values[1] - values[0], values[0], values[1]

    s_y = combo(0)
    (y_cl, *y_cl_sides), (y_bc, *y_bc_sides) = jump(s_y, "beta_p"), jump(s_y, "beta_bc")
    bias_sides = np.subtract(y_cl_sides, y_bc_sides)
    if n_treat:
        s_t = combo(1)
        (t_cl, *t_cl_sides), (t_bc, *t_bc_sides) = jump(s_t, "beta_p"), jump(s_t, "beta_bc")
        tau_cl = y_cl / t_cl
        grad = np.array([1 / t_cl, -y_cl / t_cl**2])
        tau_bc = tau_cl - grad @ np.array([y_cl - y_bc, t_cl - t_bc])
        s_tau = grad[0] * s_y + grad[1] * s_t
        bias_sides = grad[0] * bias_sides + grad[1] * np.subtract(t_cl_sides, t_bc_sides)
    else:
        tau_cl, tau_bc, s_tau = y_cl, y_bc, s_y
    hb_match = h_l == b_l and h_r == b_r
    res = []
    for f in fits:
        fitted_p = f.r_q[:, : st.p + 1] @ f.beta_p if st.vce != "nn" else None
        fitted_q = f.r_q @ f.beta_q if st.vce != "nn" else None
        hii_p = hii_q = None
        if st.vce in ("hc2", "hc3"):
            hii_p = _hat(f.r_q[:, : st.p + 1], f.inv_g_p, f.rw_p)
            hii_q = _hat(f.r_q, f.inv_g_q, f.r_q * f.w_b[:, None])
        res_h = residuals(f.side, fitted_p, hii_p, st.vce, st.matches, st.p + 1)
        res_b = (
            res_h
            if st.vce == "nn"
            else residuals(f.side, fitted_q, hii_q, st.vce, st.matches, st.q + 1)
        )
        res.append((res_h, res_b))

    def side_variances(s: np.ndarray) -> list[tuple[float, float]]:
        return [
            _variances(f, s, rh, rb, hb_match, st) for f, (rh, rb) in zip(fits, res, strict=True)
        ]

    def standard_errors(s: np.ndarray) -> tuple[float, float]:
        parts = side_variances(s)
        return (
            fac * math.sqrt(parts[0][0] + parts[1][0]),
            fac * math.sqrt(parts[0][1] + parts[1][1]),
        )

    sides = side_variances(s_tau)
    se_cl, se_rb = standard_errors(s_tau)
    terms: dict[str, tuple[float, float, float, float]] = {}
    if n_treat:
        terms["first stage"] = (t_cl, t_bc, *standard_errors(s_t))
        terms["reduced form"] = (y_cl, y_bc, *standard_errors(s_y))
    clusters = None
    if sample.cluster is not None:
        labels = np.concatenate([f.side.cluster for f in fits if f.side.cluster is not None])
        clusters = int(np.unique(labels).size)
    return Estimates(
        tau_cl=float(tau_cl),
        tau_bc=float(tau_bc),
        se_cl=se_cl,
        se_rb=se_rb,
        n_h=(fits[0].n_h, fits[1].n_h),
        n_b=(fits[0].n_b, fits[1].n_b),
        clusters=clusters,
        terms=terms,
        gamma=gamma,
        beta_left=fits[0].beta_p[:, 0].copy(),
        beta_right=fits[1].beta_p[:, 0].copy(),
        variances=(sides[0][0], sides[1][0], sides[0][1], sides[1][1]),
        bias=(float(bias_sides[0]), float(bias_sides[1])),
    )
