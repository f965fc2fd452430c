"""Kernels, checks and the local-linear fit the regression discontinuity estimators share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm

from evaluation.results import require_columns, require_no_missing, require_numeric

__all__ = ["KERNELS"]


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
