"""Pieces the difference-in-differences estimators share.

Wald tests, headline numbers, the event-time plot.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from evaluation.report import style
from evaluation.results import normal_interval

__all__ = ["WaldTest"]


DEFAULT_SOURCE = "Source: evaluation.did estimates from the data supplied."


class WaldTest(NamedTuple):
    """A joint Wald test: chi-squared ``statistic`` on ``df`` degrees of freedom."""

    statistic: float
    df: int
    p_value: float


def _interval_columns(table: pd.DataFrame, level: float) -> pd.DataFrame:
    """Add ``ci_low, ci_high, p_value`` from the ``estimate`` and ``se`` columns."""
    bounds = [
        normal_interval(e, s, level) for e, s in zip(table["estimate"], table["se"], strict=True)
    ]
    table[["ci_low", "ci_high", "p_value"]] = np.array(bounds).reshape(-1, 3)
    return table


def _readable(value: float) -> str:
    """A number for a chart label: thousands separators when large, 3 significant digits else."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _bars(ax: Axes, x: np.ndarray, y: np.ndarray, bounds: tuple[Any, Any], **how: Any) -> None:
    """Error bars from ``y`` down to ``bounds[0]`` and up to ``bounds[1]``."""
    low, high = bounds
    ax.errorbar(x, y, yerr=[y - low, high - y], **how)


def _event_plot(
    effects: pd.DataFrame,
    ax: Axes | None,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    source: str,
    band: bool,
    level: float = 0.95,
) -> Axes:
    """Points and intervals by event time; pre-periods in one colour, post in another."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    groups = [
        (False, style.PALETTE[0], "Before adoption"),
        (True, style.PALETTE[3], "After adoption"),
    ]
    for is_post, colour, label in groups:
        part = effects.loc[(effects["event_time"] >= 0) == is_post]
        if part.empty:
            continue
        x, y = part["event_time"].to_numpy(), part["estimate"].to_numpy()
        if band and "band_low" in part:
            bounds = part["band_low"], part["band_high"]
            _bars(ax, x, y, bounds, fmt="none", ecolor=colour, elinewidth=1, capsize=5, alpha=0.8)
        bounds = part["ci_low"], part["ci_high"]
        _bars(ax, x, y, bounds, fmt="o", color=colour, elinewidth=3.5, capsize=0, label=label)
    if band and "band_low" in effects:
        ax.plot([], [], color="#555555", lw=3.5, label=f"{round(100 * level)}% pointwise interval")
        ax.errorbar(
            [],
            [],
            yerr=[],
            fmt="none",
            ecolor="#555555",
            elinewidth=1,
            capsize=5,
            label=f"{round(100 * level)}% simultaneous band",
        )
    ax.axhline(0, color="#333333", linewidth=1)
    ax.axvline(-0.5, color="#777777", linewidth=1, linestyle="--")
    ax.legend(frameon=False, loc="best")
    style.finish(ax, title=title, xlabel=xlabel, ylabel=ylabel, source=source)
    return ax
