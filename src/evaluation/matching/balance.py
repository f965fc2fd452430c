"""Covariate balance before and after matching or weighting.

Standardised mean differences, with a Love plot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from evaluation.matching._cells import balance_records, balance_row
from evaluation.matching._common import _prepare
from evaluation.report import style
from evaluation.results import CopiedFrame, require_columns, require_no_missing, require_numeric

__all__ = ["Balance", "balance"]


@dataclass(frozen=True)
class Balance:
    """Standardised mean differences (SMD) of covariates, before and after adjustment.

    SMD = (treated mean - control mean) / sqrt((treated variance + control variance) / 2),
    with the *unweighted* variances in the denominator both before and after, so a
    change in the SMD is a change in the means alone. ``|SMD|`` < 0.1 is the usual
    threshold for adequate balance; variance ratios between 0.5 and 2 are also
    expected (Rubin 2001).
    """

    treatment: str
    weighted: bool
    _table: pd.DataFrame = field(repr=False, compare=False)
    _cells: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    table = CopiedFrame(
        "_table", "One row per covariate, with means, SMD and variance ratio before (and after)."
    )

    @property
    def cells(self) -> pd.DataFrame | None:
        """The cells that left the engine (count ``n`` by treatment), a copy; ``None`` for
        a pandas frame."""
        return None if self._cells is None else self._cells.copy()

    def tidy(self) -> pd.DataFrame:
        """The balance table (a copy)."""
        return self.table

    def max_abs_smd(self, *, after: bool = True) -> float:
        """The largest ``|SMD|`` after adjustment (or before, with ``after=False``)."""
        column = "smd_after" if after and self.weighted else "smd_before"
        return float(self._table[column].abs().max())

    def summary(self) -> str:
        """A text table of the SMDs."""
        columns = ["smd_before", "smd_after"] if self.weighted else ["smd_before"]
        shown = self._table.set_index("covariate")[columns].round(3).to_string()
        return f"Covariate balance (standardised mean differences) for {self.treatment!r}\n{shown}"

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Love plot: ``|SMD|`` of each covariate before (and after) adjustment.

        A dashed line marks the usual balance threshold, ``|SMD| = 0.1``.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        table = self._table.iloc[::-1]
        ax = style.axes(ax, (7, 0.35 * len(table) + 1.5))
        rows = np.arange(len(table))
        ax.scatter(table["smd_before"].abs(), rows, color="C3", marker="o", label="Before")
        if self.weighted:
            ax.scatter(table["smd_after"].abs(), rows, color="C0", marker="D", label="After")
            for row, (a, b) in enumerate(zip(table["smd_before"], table["smd_after"], strict=True)):
                ax.plot([abs(a), abs(b)], [row, row], color="#bbbbbb", lw=1, zorder=0)
        ax.axvline(0.1, color="black", ls="--", lw=1, label="|SMD| = 0.1")
        ax.set_yticks(rows, table["covariate"])
        ax.legend(loc="lower right", fontsize=9)
        return style.finish(
            ax,
            title="Love plot: covariate balance before and after adjustment",
            xlabel="Absolute standardised mean difference (standard deviations)",
            ylabel="Covariate",
            source=style.DEFAULT_SOURCE,
        )


def _weighted_moments(values: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    mean = float(np.average(values, weights=weights))
    return mean, float(np.average((values - mean) ** 2, weights=weights))


def _balance_table(
    frame: pd.DataFrame, treatment: str, covariates: Sequence[str], weights: np.ndarray | None
) -> pd.DataFrame:
    treated = frame[treatment].to_numpy() == 1
    rows = []
    for column in covariates:
        values = frame[column].to_numpy()
        t, c = values[treated], values[~treated]
        after = None
        if weights is not None:
            after = _weighted_moments(t, weights[treated]), _weighted_moments(c, weights[~treated])
        before = (t.mean(), t.var(ddof=1)), (c.mean(), c.var(ddof=1))
        rows.append(balance_row(column, *before, after=after))
    return pd.DataFrame(rows)


def _weights_array(data: pd.DataFrame, weights: str | Sequence[float] | pd.Series) -> np.ndarray:
    if isinstance(weights, str):
        require_columns(data, {"weights": weights})
        require_numeric(data, [weights])
        require_no_missing(data, [weights])
        values = data[weights].to_numpy(dtype=float)
    elif isinstance(weights, pd.Series):
        if not weights.index.is_unique or set(weights.index) != set(data.index):
            raise ValueError(
                "weights is a Series whose index does not match the data's rows: weights "
                "are matched to rows by index label, so give one weight for each row label "
                "(e.g. result.weights from an estimate on this same data)."
            )
        values = weights.reindex(data.index).to_numpy(dtype=float)
        if np.isnan(values).any():
            raise ValueError(f"weights has {int(np.isnan(values).sum())} missing value(s).")
    else:
        values = np.asarray(weights, dtype=float)
        if values.shape != (len(data),):
            raise ValueError(f"weights has {values.size} values for {len(data)} rows.")
        if np.isnan(values).any():
            raise ValueError(f"weights has {int(np.isnan(values).sum())} missing value(s).")
    if (values < 0).any() or not np.isfinite(values).all():
        raise ValueError("weights must be finite and non-negative.")
    return values


def balance(
    data: pd.DataFrame,
    *,
    treatment: str,
    covariates: Sequence[str],
    weights: str | Sequence[float] | pd.Series | None = None,
) -> Balance:
    """Standardised mean differences between treated and controls, before and after weighting.

    Parameters
    ----------
    data
        One row per unit: a pandas frame, or records in another engine (a polars
        frame, a DuckDB relation, a PySpark DataFrame), summarised by group where
        they live (:func:`evaluation.cells.moments`) into the same table; ``weights``
        must then name a column.
    treatment
        A 0/1 column.
    covariates
        Columns to compare.
    weights
        A column name, a Series aligned to the data by index label, or one weight
        per row in row order (e.g. ``result.weights`` from
        :func:`ipw` or :func:`nearest_neighbour`); ``None`` gives the raw comparison.
        Each group's weighted mean uses that group's weights.

    Examples
    --------
    >>> from evaluation.simulate.matching import voluntary_programme
    >>> frame = voluntary_programme(n=500, seed=1)
    >>> table = balance(frame, treatment="took_part", covariates=["age"]).table
    >>> list(table.columns[:4])
    ['covariate', 'mean_treated', 'mean_control', 'smd_before']
    """
    if not isinstance(data, pd.DataFrame):
        table, cells = balance_records(
            data, treatment=treatment, covariates=covariates, weights=weights
        )
        return Balance(
            treatment=treatment, weighted=weights is not None, _table=table, _cells=cells
        )
    frame = _prepare(data, treatment=treatment, covariates=covariates)
    values = None if weights is None else _weights_array(data, weights)
    if values is not None:
        treated = frame[treatment].to_numpy() == 1
        for group, mask in (("treated", treated), ("control", ~treated)):
            if values[mask].sum() <= 0:
                raise ValueError(f"The weights of the {group} units sum to zero.")
    table = _balance_table(frame, treatment, covariates, values)
    return Balance(treatment=treatment, weighted=values is not None, _table=table)
