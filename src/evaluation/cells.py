"""Person-level records summarised into cells inside the engine that holds them.

An evaluation of a reform rolled out by area needs, from millions of person-level
records, only a small table: for each cell (an area in a period, a group before or
after) the number of people and the sums of the outcome and of its square. This
module computes that table where the records live - a pandas or polars frame, a
DuckDB relation, a PySpark DataFrame - through narwhals, which writes the one
``group_by().agg()`` in each engine's own terms, so that only the cells come back
to pandas. Estimators whose regressors are constant within cells (the 2x2
difference-in-differences, for one) are then exact from the cells, standard
errors included.

With weights ``w`` the sums are weighted: ``w`` (the count when unweighted),
``wy``, ``wyy`` and, for heteroskedasticity-robust variances, ``ww``, ``wwy`` and
``wwyy`` (sums of ``w**2``, ``w**2 * y`` and ``w**2 * y**2``).

Examples
--------
>>> import pandas as pd
>>> from evaluation import cells
>>> people = pd.DataFrame({"area": ["a", "a", "b"], "y": [1.0, 3.0, 2.0]})
>>> cells.summarise(people, keys=["area"], outcome="y")[["area", "n", "wy", "wyy"]]
  area  n   wy   wyy
0    a  2  4.0  10.0
1    b  1  2.0   4.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

__all__ = ["SUMS", "engine", "rates", "summarise"]

#: The sums each cell carries, besides its count ``n``.
SUMS = ("w", "wy", "wyy", "ww", "wwy", "wwyy")


def engine(records: Any) -> str:
    """The name of the library that holds ``records`` (``pandas``, ``polars``, ``duckdb``...).

    Examples
    --------
    >>> import pandas as pd
    >>> engine(pd.DataFrame({"y": [1.0]}))
    'pandas'
    """
    try:
        native = nw.from_native(records)
    except TypeError as error:
        raise TypeError(
            "records must be a data frame of pandas, polars, DuckDB, PySpark or another "
            f"library narwhals supports, not {type(records).__name__}."
        ) from error
    return str(nw.get_native_namespace(native).__name__).split(".")[0]


def summarise(
    records: Any,
    *,
    keys: Sequence[str],
    outcome: str,
    weights: str | None = None,
) -> pd.DataFrame:
    """Count and sum the outcome by ``keys`` inside the records' own engine.

    Parameters
    ----------
    records
        Person-level records: a pandas or polars frame, a DuckDB relation, a
        PySpark DataFrame, or any frame narwhals supports.
    keys
        Columns that define the cells.
    outcome
        Numeric outcome column.
    weights
        Column of positive weights (every row weighs 1 when not given).

    Returns
    -------
    pandas.DataFrame
        One row per cell, sorted by ``keys``: the keys, ``n`` (rows) and the sums
        :data:`SUMS`.

    Raises
    ------
    ValueError
        If a column is absent, the outcome or weights are not numeric, a used
        column has missing values, or a weight is not positive.
    """
    frame = nw.from_native(records)
    keys = list(keys)
    used = [*keys, outcome, *([weights] if weights else [])]
    schema = frame.collect_schema()
    absent = [column for column in used if column not in schema]
    if absent:
        raise ValueError(f"{absent} not among the columns of the records: {list(schema)}.")
    for column in [outcome, *([weights] if weights else [])]:
        if not schema[column].is_numeric():
            raise ValueError(f"'{column}' must be numeric, not {schema[column]}.")
    if weights is None:
        frame = frame.with_columns(nw.lit(1.0).alias("__weight"))
    y = nw.col(outcome).cast(nw.Float64)
    w = nw.col(weights or "__weight").cast(nw.Float64)
    problems = frame.select(
        *[nw.col(c).is_null().cast(nw.Int64).sum().alias(f"missing {c}") for c in used],
        *([(w <= 0).cast(nw.Int64).sum().alias("weights not positive")] if weights else []),
    )
    counts = _to_pandas(problems).iloc[0]
    if (counts > 0).any():
        found = {name: int(v) for name, v in counts.items() if v > 0}
        raise ValueError(f"The records have {found} rows: remove or fill them first.")
    terms = frame.select(
        *[nw.col(key) for key in keys],
        w.alias("w"),
        (w * y).alias("wy"),
        (w * y * y).alias("wyy"),
        (w * w).alias("ww"),
        (w * w * y).alias("wwy"),
        (w * w * y * y).alias("wwyy"),
    )
    sums = terms.group_by(keys).agg(nw.len().alias("n"), *[nw.col(s).sum() for s in SUMS])
    table = _to_pandas(sums).rename_axis(columns=None)
    return table[[*keys, "n", *SUMS]].sort_values(keys, ignore_index=True)


def rates(records: Any, *, unit: str, outcome: str) -> pd.DataFrame:
    """Events and denominators by unit from person-level 0/1 outcomes, in the records' engine.

    The table that :func:`evaluation.compare.funnel`, :func:`~evaluation.compare.shrink`
    and :func:`~evaluation.compare.rank_intervals` take: one row per unit with
    ``events`` (people with the outcome) and ``denominator`` (people).

    Parameters
    ----------
    records
        Person-level records in any engine :func:`summarise` takes.
    unit
        Column naming the provider, area or school each person belongs to.
    outcome
        Column of 0/1 outcomes (1 = the event, such as reoffending).

    Returns
    -------
    pandas.DataFrame
        ``unit``, ``events`` and ``denominator``, one row per unit.

    Examples
    --------
    >>> import pandas as pd
    >>> people = pd.DataFrame({"provider": ["a", "a", "b"], "reoffended": [1, 0, 1]})
    >>> rates(people, unit="provider", outcome="reoffended")
      provider  events  denominator
    0        a       1            2
    1        b       1            1
    """
    table = summarise(records, keys=[unit], outcome=outcome)
    frame = nw.from_native(records)
    y = nw.col(outcome).cast(nw.Float64)
    low, high = _to_pandas(frame.select(y.min().alias("low"), y.max().alias("high"))).iloc[0]
    # Between 0 and 1, y * (y - 1) is zero only at 0 and 1: sums of y and y**2 then agree.
    if low < 0 or high > 1 or not np.allclose(table["wyy"], table["wy"], rtol=0, atol=1e-9):
        raise ValueError(f"'{outcome}' must hold 0/1 outcomes to count events.")
    events = table["wy"].round().astype(int)
    return pd.DataFrame({unit: table[unit], "events": events, "denominator": table["n"]})


def _to_pandas(frame: Any) -> pd.DataFrame:
    """A small narwhals frame, eager or lazy, as pandas."""
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    return frame.to_pandas()
