"""Disclosure control of outputs: the checks a table passes before it leaves a secure environment.

Person-level records (the National Pupil Database, the Justice Data Lab's
extracts, DWP's programme records) are analysed inside secure research
environments, and every output is checked before release. The rules applied here
are the rules of thumb of the Safe Data Access Professionals' *Handbook on
Statistical Disclosure Control for Outputs* (Griffiths et al. 2019), with the
default parameters of ACRO, the output checker written for UK trusted research
environments (Smith et al. 2023):

- **Minimum count.** A cell resting on fewer than ``minimum_count`` people or
  contributors (10 by default) is suppressed. A zero is released unless
  ``zeros_disclosive`` (an empty cell can tell you that everyone in a group shares
  an attribute).
- **Secondary suppression.** The margins of a table are published, so one hidden
  cell in a row could be recovered by subtraction. More cells are hidden until a
  linear program that knows every published number and that counts are not
  negative can only place each primary cell in a range at least ``protection``
  wide (by default the minimum count for counts, and the p-ratio times the cell's
  value for magnitudes).
- **Rounding.** Released counts can be rounded to a base (``rounding_base``, such
  as 5).
- **Dominance of magnitudes.** A cell total (spend, income) is suppressed when its
  ``dominance_n`` largest contributors make up more than ``dominance_k`` of it
  (the NK rule, 2 and 90%), or when what is left after the two largest is less
  than ``p_ratio`` of the largest (the p-ratio rule, 10%): the second largest
  contributor could then estimate the largest one's value closely.

Each check returns a :class:`DisclosureCheck` with the table as it may be
released, every cell's status and the reason, and ``passed``: whether the table as
given broke no rule. :func:`check_result` applies the minimum count to each row
of a fitted result, and :func:`check_cells` applies :func:`check_counts` (primary
and secondary suppression) to the cells a result computed from records in an
engine carries (its ``cells``: the only table that left the engine).

Examples
--------
>>> import pandas as pd
>>> from evaluation import disclosure
>>> table = pd.DataFrame({"area": ["A", "B", "C", "D"], "people": [120, 4, 57, 33]})
>>> check = disclosure.check_counts(table, count="people", keys=["area"])
>>> check.passed
False
>>> check.cells[["area", "people", "status"]].to_dict("records")[:4]
... # doctest: +NORMALIZE_WHITESPACE
[{'area': 'A', 'people': 120.0, 'status': 'released'},
 {'area': 'B', 'people': nan, 'status': 'suppressed: fewer than 10'},
 {'area': 'C', 'people': 57.0, 'status': 'released'},
 {'area': 'D', 'people': nan, 'status': 'suppressed: secondary'}]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from evaluation.results import (
    CopiedFrame,
    require_columns,
    require_frame,
    require_no_missing,
    require_whole,
)

__all__ = ["DisclosureCheck", "check_cells", "check_counts", "check_magnitudes", "check_result"]

#: The label given to a margin in the released table.
TOTAL = "Total"
_RELEASED = "released"
_SECONDARY = "suppressed: secondary"


@dataclass(frozen=True)
class DisclosureCheck:
    """A table checked for disclosure, as it may be released.

    Attributes
    ----------
    cells : pandas.DataFrame
        One row per cell and per margin (labelled ``"Total"``): the key columns,
        the released value (missing where suppressed, rounded where asked),
        ``status`` (``released`` or ``suppressed:`` and the reason), ``role``
        (``cell`` or ``total``), and for each suppressed primary cell the range
        ``lower``-``upper`` an intruder could place it in from what is released.
    value : str
        The column checked (a count or a magnitude).
    keys : tuple of str
        The columns that define the cells.
    rules : dict
        The parameters of the rules applied.
    """

    _cells: pd.DataFrame = field(repr=False)
    value: str
    keys: tuple[str, ...]
    rules: Mapping[str, Any]
    cells = CopiedFrame("_cells", "Every cell and margin with its released value and status.")

    @property
    def passed(self) -> bool:
        """Whether the table as given broke no rule (nothing had to be suppressed)."""
        return bool((self._cells["status"] == _RELEASED).all())

    @property
    def n_suppressed(self) -> int:
        """How many cells and margins are hidden, for any reason."""
        return int((self._cells["status"] != _RELEASED).sum())

    def tidy(self) -> pd.DataFrame:
        """Count of cells by status: what was suppressed, and why."""
        counts = self._cells.groupby("status", sort=True).size()
        return counts.rename("cells").reset_index()

    def summary(self) -> str:
        """The check in words, with each reason for suppression."""
        lines = [
            f"Disclosure check of '{self.value}' by {', '.join(self.keys) or 'nothing'}: "
            f"{len(self._cells)} cells and margins, {self.n_suppressed} suppressed."
        ]
        for row in self.tidy().itertuples(index=False):
            lines.append(f"  {row.status}: {row.cells}")
        lines.append("Rules:")
        lines.extend(f"  {name} = {value}" for name, value in self.rules.items())
        lines.append(
            "Passed as given." if self.passed else "Release the cells table, not the original."
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def check_counts(
    table: pd.DataFrame,
    *,
    count: str,
    keys: Sequence[str],
    minimum_count: int = 10,
    zeros_disclosive: bool = False,
    rounding_base: int | None = None,
    protection: float | None = None,
) -> DisclosureCheck:
    """Check a frequency table (one or two keys) and suppress what cannot be released.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per cell: the key columns and the count. Combinations of two keys
        that are absent are cells with a count of zero.
    count : str
        Column of counts of people (whole numbers, not negative).
    keys : sequence of str
        One or two columns that define the cells. Their margins (and the grand
        total) are taken to be published too and are checked as cells.
    minimum_count : int, default 10
        Smallest count a released cell may rest on.
    zeros_disclosive : bool, default False
        Whether a zero count is treated as a cell below the minimum.
    rounding_base : int, optional
        Round released counts to the nearest multiple of this base.
    protection : float, optional
        Width of the range an intruder must be left with for each suppressed
        cell; by default ``minimum_count``.

    Returns
    -------
    DisclosureCheck

    Examples
    --------
    >>> import pandas as pd
    >>> from evaluation import disclosure
    >>> cells = pd.DataFrame({"region": ["N", "N", "S", "S"], "sex": ["F", "M", "F", "M"],
    ...                       "pupils": [40, 35, 3, 52]})
    >>> check = disclosure.check_counts(cells, count="pupils", keys=["region", "sex"])
    >>> int(check.n_suppressed)
    4
    """
    keys = _require_table(table, keys, count, one_row_per_cell=True)
    values = table[count].to_numpy(dtype=float)
    if (values < 0).any() or not np.allclose(values, np.round(values)):
        raise ValueError(f"'{count}' must hold whole counts that are not negative.")
    minimum_count = require_whole("minimum_count", minimum_count, minimum=1)
    if rounding_base is not None:
        rounding_base = require_whole("rounding_base", rounding_base, minimum=1)
    cells = _with_margins(table[[*keys, count]], keys, count)
    small = cells[count] < minimum_count
    if not zeros_disclosive:
        small &= cells[count] > 0
    reasons = pd.Series(
        np.where(small, f"suppressed: fewer than {minimum_count}", ""), index=cells.index
    )
    width = float(minimum_count if protection is None else protection)
    checked = _suppress(cells, keys, count, reasons, np.full(len(cells), width))
    if rounding_base is not None:
        checked[count] = np.round(checked[count] / rounding_base) * rounding_base
    rules = {
        "minimum_count": minimum_count,
        "zeros_disclosive": zeros_disclosive,
        "rounding_base": rounding_base,
        "protection": width,
    }
    return DisclosureCheck(checked, count, tuple(keys), rules)


def check_magnitudes(
    records: pd.DataFrame,
    *,
    magnitude: str,
    keys: Sequence[str],
    unit: str | None = None,
    minimum_count: int = 10,
    dominance_n: int = 2,
    dominance_k: float = 0.9,
    p_ratio: float = 0.1,
) -> DisclosureCheck:
    """Check a table of totals built from records, for small cells and dominant contributors.

    Parameters
    ----------
    records : pandas.DataFrame
        One row per record: the key columns and the magnitude (not negative).
    magnitude : str
        Column of each record's amount (spend, income, hours).
    keys : sequence of str
        One or two columns that define the cells; their margins are checked too.
    unit : str, optional
        Column naming the contributor (a provider, a person). Records of the same
        contributor in a cell are added up first; by default each record is a
        contributor.
    minimum_count : int, default 10
        Fewest contributors a released total may rest on.
    dominance_n, dominance_k : int and float, default 2 and 0.9
        The NK rule: the ``dominance_n`` largest contributors may not make up more
        than ``dominance_k`` of a cell's total.
    p_ratio : float, default 0.1
        The p-ratio rule: what the contributors after the two largest add up to must
        be at least this share of the largest one.

    Returns
    -------
    DisclosureCheck

    Examples
    --------
    >>> import pandas as pd
    >>> from evaluation import disclosure
    >>> spend = pd.DataFrame({"council": ["A"] * 12 + ["B"] * 12,
    ...                       "spend": [900.0] + [5.0] * 11 + [50.0] * 12})
    >>> check = disclosure.check_magnitudes(spend, magnitude="spend", keys=["council"])
    >>> check.cells.set_index("council").loc["A", "status"]
    'suppressed: 2 largest over 90%'
    """
    keys = _require_table(records, keys, magnitude, one_row_per_cell=False)
    if (records[magnitude] < 0).any():
        raise ValueError(
            f"'{magnitude}' must not be negative: the dominance rules need "
            "contributions of one sign."
        )
    minimum_count = require_whole("minimum_count", minimum_count, minimum=1)
    dominance_n = require_whole("dominance_n", dominance_n, minimum=1)
    for name, share in {"dominance_k": dominance_k, "p_ratio": p_ratio}.items():
        if not 0 < share < 1:
            raise ValueError(f"{name} must be a share between 0 and 1, not {share!r}.")
    if unit is not None:
        require_columns(records, {"unit": unit})
        require_no_missing(records, [unit])
        records = records.groupby([*keys, unit], sort=False)[magnitude].sum().reset_index()
    cells = _with_margins(records[[*keys, magnitude]], keys, magnitude)
    reasons = _dominance_reasons(
        records, keys, magnitude, cells, (minimum_count, dominance_n, dominance_k, p_ratio)
    )
    widths = np.maximum(p_ratio * cells[magnitude].to_numpy(dtype=float), 1e-9)
    checked = _suppress(cells, keys, magnitude, reasons, widths)
    rules = {
        "minimum_count": minimum_count,
        "dominance_n": dominance_n,
        "dominance_k": dominance_k,
        "p_ratio": p_ratio,
    }
    return DisclosureCheck(checked, magnitude, tuple(keys), rules)


def check_result(result: Any, *, minimum_count: int = 10) -> DisclosureCheck:
    """Check that each row of a fitted result rests on at least ``minimum_count`` units.

    Parameters
    ----------
    result : Result or report
        Anything with ``tidy()`` giving ``term`` and ``n_obs`` columns.
    minimum_count : int, default 10
        Fewest observations an estimate may rest on.

    Returns
    -------
    DisclosureCheck
        Rows below the minimum are marked suppressed (their ``n_obs`` hidden).

    Examples
    --------
    >>> from evaluation.results import Result
    >>> from evaluation import disclosure
    >>> fit = Result(estimate=0.1, se=0.05, ci_low=0.0, ci_high=0.2, p_value=0.05, n_obs=8,
    ...              method="Example", estimand="ATT")
    >>> disclosure.check_result(fit).passed
    False
    """
    if not hasattr(result, "tidy"):
        raise TypeError(f"result must have a tidy() method, not {type(result).__name__}.")
    minimum_count = require_whole("minimum_count", minimum_count, minimum=1)
    table = result.tidy()
    require_columns(table, {"term": "term", "n_obs": "n_obs"})
    cells = table[["term", "n_obs"]].copy()
    small = ~(cells["n_obs"].astype(float) >= minimum_count)
    cells["status"] = np.where(small, f"suppressed: fewer than {minimum_count}", _RELEASED)
    cells["role"] = "cell"
    cells["n_obs"] = cells["n_obs"].astype(float).where(~small)
    return DisclosureCheck(
        cells.reset_index(drop=True), "n_obs", ("term",), {"minimum_count": minimum_count}
    )


def check_cells(
    result: Any,
    *,
    minimum_count: int = 10,
    zeros_disclosive: bool = False,
    rounding_base: int | None = None,
    protection: float | None = None,
) -> DisclosureCheck:
    """Check the cells a result computed from records left its engine with.

    An estimate computed from records in DuckDB, Spark or polars rests on a small
    table of cells (its ``cells``: the key columns, then the count ``n`` and the
    cell sums). That table is what left the secure engine, so it is what an
    output checker checks: each cell is held to :func:`check_counts`'s minimum
    count, and further cells are hidden where the margins would give a hidden
    one away. The key columns are those before ``n``. A third or later key that
    the others determine (a school's cohort, given the school) is left out, as it
    adds no cells; with three keys or more left, the second and later are joined
    into one label (``"a / b"``), making a two-way table of the first key by the
    rest.

    This is a separate check from :func:`check_result`, which holds each row of
    ``tidy()`` to a minimum ``n_obs`` and keeps its one-row-per-term table; the
    cells have keys, margins and secondary suppression of their own.

    Parameters
    ----------
    result
        A result with a ``cells`` table (from records in an engine).
    minimum_count, zeros_disclosive, rounding_base, protection
        As :func:`check_counts`.

    Returns
    -------
    DisclosureCheck
        The cells and their margins as they may be released, each with its status
        and the reason; ``rules`` names the result's method.

    Raises
    ------
    TypeError
        If ``result`` has no ``cells`` attribute.
    ValueError
        If its ``cells`` is ``None`` (a fit on a pandas frame of rows: check the
        rows with :func:`check_result`) or has no count column ``n``.

    Examples
    --------
    >>> import duckdb
    >>> from evaluation import did, disclosure
    >>> people = duckdb.sql(
    ...     "SELECT i % 2 AS treated, (i // 2) % 2 AS post, i % 7 + (i % 2) * (i // 2 % 2) AS y "
    ...     "FROM range(43) t(i)")
    >>> fit = did.two_by_two(people, outcome="y", treated="treated", post="post")
    >>> fit.cells[["treated", "post", "n"]].to_dict("list")
    {'treated': [0, 0, 1, 1], 'post': [0, 1, 0, 1], 'n': [11, 11, 11, 10]}
    >>> disclosure.check_cells(fit).passed
    True
    """
    if not hasattr(result, "cells"):
        raise TypeError(
            f"result must carry the cells it was computed from, as 'cells'; a "
            f"{type(result).__name__} does not."
        )
    table = result.cells
    if table is None:
        raise ValueError(
            "This result has no cells: it was fitted on a pandas frame of rows, not on "
            "records summarised in an engine. Check its rows with check_result."
        )
    if not isinstance(table, pd.DataFrame) or "n" not in table.columns:
        raise ValueError("The result's cells must be a frame with a count column 'n'.")
    keys = list(table.columns[: table.columns.get_loc("n")])
    if not keys:
        raise ValueError("The result's cells have no key columns before the count 'n'.")
    keys = _identifying(table, keys)
    if len(keys) > 2:
        joined = " / ".join(keys[1:])
        labels = table[keys[1:]].astype(str).agg(" / ".join, axis=1)
        table = table[[keys[0], "n"]].assign(**{joined: labels})
        keys = [keys[0], joined]
    check = check_counts(
        table[[*keys, "n"]],
        count="n",
        keys=keys,
        minimum_count=minimum_count,
        zeros_disclosive=zeros_disclosive,
        rounding_base=rounding_base,
        protection=protection,
    )
    method = str(getattr(result, "method", type(result).__name__))
    return DisclosureCheck(check.cells, "n", check.keys, {"cells of": method, **check.rules})


def _identifying(table: pd.DataFrame, keys: list[str]) -> list[str]:
    """``keys`` less any third or later key that the others determine.

    Such a key (a school's cohort, given the school) adds no cells, only an empty
    cross of labels: a staggered design's cells keyed by school, year and cohort
    are the school-by-year table. The first two keys, the table's two ways, stay.
    """
    kept = list(keys)
    for key in reversed(keys[2:]):
        others = [k for k in kept if k != key]
        if not table.duplicated(others).any():
            kept = others
    return kept


def _require_table(
    table: pd.DataFrame, keys: Sequence[str], value: str, *, one_row_per_cell: bool
) -> list[str]:
    keys = [keys] if isinstance(keys, str) else list(keys)
    if len(keys) not in (1, 2):
        raise ValueError(
            f"keys must name one or two columns (a one- or two-way table), not {len(keys)}."
        )
    if value in keys:
        raise ValueError(f"'{value}' cannot be both a key and the value checked.")
    roles = {f"keys[{i}]": key for i, key in enumerate(keys)}
    require_frame(
        table, {**roles, "value": value}, numeric=[value], keys=keys if one_row_per_cell else ()
    )
    if TOTAL in set(table[keys].astype(str).to_numpy().ravel()):
        raise ValueError(
            f"a key holds the label '{TOTAL}', which marks the margins; pass the cells only."
        )
    return keys


def _with_margins(table: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    """Cells (zero where a two-way combination is absent), then the margins and grand total."""
    if len(keys) == 1:
        sums = table.groupby(keys[0], sort=False)[value].sum()
        labels = [*sums.index.tolist(), TOTAL]
        return pd.DataFrame(
            {
                keys[0]: pd.Series(labels, dtype=object),
                value: [*sums.tolist(), float(sums.sum())],
                "role": ["cell"] * len(sums) + ["total"],
            }
        )
    wide = table.pivot_table(
        index=keys[0], columns=keys[1], values=value, aggfunc="sum", fill_value=0, sort=False
    )
    wide = wide.astype(float)
    wide.loc[TOTAL] = wide.sum(axis=0)
    wide[TOTAL] = wide.sum(axis=1)
    long = pd.DataFrame(wide.stack(future_stack=True)).reset_index()
    long.columns = pd.Index([*keys, value])
    total = (long[keys[0]] == TOTAL) | (long[keys[1]] == TOTAL)
    long["role"] = np.where(total, "total", "cell")
    return long


def _dominance_reasons(
    records: pd.DataFrame,
    keys: list[str],
    magnitude: str,
    cells: pd.DataFrame,
    rules: tuple[int, int, float, float],
) -> pd.Series:
    """The first rule each cell or margin breaks ('' if none), from its contributions."""
    minimum_count, n, k, p = rules
    reasons: list[str] = []
    for _, row in cells.iterrows():
        inside = np.ones(len(records), dtype=bool)
        for key in keys:
            if row[key] != TOTAL:
                inside &= (records[key] == row[key]).to_numpy()
        values = np.sort(records.loc[inside, magnitude].to_numpy(dtype=float))[::-1]
        total = values.sum()
        reason = ""
        if len(values) < minimum_count:
            reason = f"suppressed: fewer than {minimum_count} contributors"
        elif total > 0 and values[:n].sum() > k * total:
            reason = f"suppressed: {n} largest over {k:.0%}"
        elif total > 0 and total - values[:2].sum() < p * values[0]:
            reason = f"suppressed: p-ratio under {p:.0%}"
        reasons.append(reason)
    return pd.Series(reasons, index=cells.index)


def _constraints(cells: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Rows of A in A x = 0: each margin equals the sum of what it adds up."""
    rows = []
    levels = [cells[key].to_numpy() for key in keys]
    if len(keys) == 1:
        row = np.where(levels[0] == TOTAL, -1.0, 1.0)
        return row[None, :]
    for axis in (0, 1):
        other = levels[1 - axis]
        for label in pd.unique(levels[axis]):
            line = levels[axis] == label
            row = np.where(line & (other != TOTAL), 1.0, 0.0)
            row[line & (other == TOTAL)] = -1.0
            rows.append(row)
    return np.array(rows)


def _range(
    a: np.ndarray, values: np.ndarray, hidden: np.ndarray, target: int
) -> tuple[float, float]:
    """The least and greatest value of a hidden cell consistent with everything released."""
    free = np.flatnonzero(hidden)
    b = -a[:, ~hidden] @ values[~hidden]
    objective = (free == target).astype(float)
    bounds = [(0, None)] * len(free)
    low = linprog(objective, A_eq=a[:, free], b_eq=b, bounds=bounds, method="highs")
    high = linprog(-objective, A_eq=a[:, free], b_eq=b, bounds=bounds, method="highs")
    lower = float(np.asarray(low.fun)) if low.status == 0 else 0.0
    upper = -float(np.asarray(high.fun)) if high.status == 0 else np.inf
    return lower, upper


def _suppress(
    cells: pd.DataFrame, keys: list[str], value: str, reasons: pd.Series, widths: np.ndarray
) -> pd.DataFrame:
    """Hide primary cells, then further cells until no primary cell can be pinned down."""
    a = _constraints(cells, keys)
    values = cells[value].to_numpy(dtype=float)
    primary = (reasons != "").to_numpy()
    hidden = primary.copy()
    ranges: dict[int, tuple[float, float]] = {}
    while True:
        _close_lines(a, values, hidden)
        ranges = {int(i): _range(a, values, hidden, int(i)) for i in np.flatnonzero(primary)}
        exposed = [i for i, (low, high) in ranges.items() if high - low < widths[i] - 1e-9]
        if not exposed:
            break
        lines = a[:, exposed[0]] != 0
        candidates = np.flatnonzero((a[lines] != 0).any(axis=0) & ~hidden)
        if len(candidates) == 0:
            candidates = np.flatnonzero(~hidden)
        if len(candidates) == 0:
            break
        hidden[_smallest(candidates, values, cells["role"].to_numpy())] = True
    out = cells.copy()
    out[value] = pd.Series(values, index=cells.index).where(~hidden)
    out["status"] = np.where(primary, reasons, np.where(hidden, _SECONDARY, _RELEASED))
    out["lower"] = [ranges[i][0] if i in ranges else np.nan for i in range(len(out))]
    out["upper"] = [ranges[i][1] if i in ranges else np.nan for i in range(len(out))]
    return out


def _close_lines(a: np.ndarray, values: np.ndarray, hidden: np.ndarray) -> None:
    """While a line (a margin's equation) hides exactly one cell, hide its smallest other cell."""
    while True:
        alone = [row for row in a if ((row != 0) & hidden).sum() == 1]
        if not alone:
            return
        row = alone[0]
        candidates = np.flatnonzero((row != 0) & ~hidden)
        hidden[_smallest(candidates, values, np.where(row < 0, "total", "cell"))] = True


def _smallest(candidates: np.ndarray, values: np.ndarray, roles: np.ndarray) -> int:
    """The candidate to hide: an inner cell before a margin, the smallest positive first."""
    order = sorted(candidates, key=lambda i: (roles[i] == "total", values[i] <= 0, values[i]))
    return int(order[0])
