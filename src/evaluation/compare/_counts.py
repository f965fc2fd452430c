"""Checks and small helpers shared by the provider comparisons.

Counts, rates and their sampling spread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from evaluation.results import require_columns, require_no_missing, require_numeric, require_unique

if TYPE_CHECKING:
    pass


Kind = Literal["binomial", "poisson"]


# ----------------------------------------------------------------- input checks
def _show_rows(index: pd.Index) -> str:
    """The first few row labels, for an error message."""
    return ", ".join(str(i) for i in index[:5]) + (" ..." if len(index) > 5 else "")


def _check_counts(
    data: pd.DataFrame, *, unit: str, events: str, denominator: str, family: Kind = "binomial"
) -> None:
    """Refuse absent, non-numeric, missing, negative or impossible counts and duplicate units."""
    require_columns(data, {"unit": unit, "events": events, "denominator": denominator})
    require_numeric(data, [events, denominator])
    require_no_missing(data, [unit, events, denominator])
    require_unique(data, [unit])
    if len(data) < 2:
        raise ValueError(f"Comparing units needs at least two rows; the data has {len(data)}.")
    _check_count_rows(data, events=events, denominator=denominator, family=family)


def _check_count_rows(
    data: pd.DataFrame, *, events: str, denominator: str, family: Kind = "binomial"
) -> None:
    """Row by row: events not negative, denominators positive, and (binomial) whole
    counts with events no more than their denominator."""
    checks = {
        f"negative values in {events!r}": data[events] < 0,
        f"zero or negative values in {denominator!r}": data[denominator] <= 0,
    }
    if family == "binomial":
        checks[f"{events!r} greater than {denominator!r}"] = data[events] > data[denominator]
        whole = data[[events, denominator]].to_numpy(dtype=float)
        checks[f"non-whole counts in {events!r} or {denominator!r}"] = pd.Series(
            (whole != np.round(whole)).any(axis=1), index=data.index
        )
    for problem, bad in checks.items():
        if bad.any():
            raise ValueError(
                f"{int(bad.sum())} row(s) have {problem} (rows {_show_rows(data.index[bad])})."
            )


def _pooled_rate(events: np.ndarray, denominator: np.ndarray) -> float:
    return float(events.sum() / denominator.sum())


def _sampling_sd(target: float, denominator: np.ndarray, family: Kind) -> np.ndarray:
    """Standard error of a unit's rate under the target: binomial or Poisson."""
    variance = target * (1 - target) if family == "binomial" else target
    return np.sqrt(variance / denominator)
