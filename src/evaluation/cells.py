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

__all__ = ["SUMS", "engine", "moments", "rates", "summarise", "totals"]

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
    keys = _cell_keys(keys)
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


def totals(records: Any, *, keys: Sequence[str], size: str | None = None) -> pd.DataFrame:
    """Rows and the total of ``size`` by ``keys``, inside the records' own engine.

    The table :func:`evaluation.markets.shares` and :func:`~evaluation.markets.hhi`
    finish from: one row per provider in each market, with the people placed with
    it (its rows) and, when ``size`` is given, its capacity summed over its homes.

    Parameters
    ----------
    records
        Records in any engine :func:`summarise` takes: one row per person, home or
        contribution.
    keys
        Columns that define the cells (such as market and provider).
    size
        Numeric column to add up (beds, places); not negative. Only rows are
        counted when not given.

    Returns
    -------
    pandas.DataFrame
        One row per cell, sorted by ``keys``: the keys, ``n`` (rows) and, when
        given, ``size`` (its total).

    Raises
    ------
    ValueError
        If a column is absent, ``size`` is not numeric or has a negative,
        infinite or NaN value, or a used column has missing values.

    Examples
    --------
    >>> import pandas as pd
    >>> homes = pd.DataFrame({"la": ["A", "A", "A"], "owner": ["p", "p", "q"],
    ...                       "beds": [30, 10, 40]})
    >>> totals(homes, keys=["la", "owner"], size="beds")
      la owner  n  beds
    0  A     p  2    40
    1  A     q  1    40
    """
    keys = _cell_keys(keys)
    if size in keys:
        raise ValueError(f"'{size}' cannot be both a key and the size added up.")
    sized = [size] if size else []
    frame, _ = _checked(records, [*keys, *sized], sized, sized)
    aggregates = [nw.len().alias("n"), *[nw.col(s).sum() for s in sized]]
    table = _to_pandas(frame.group_by(keys).agg(*aggregates)).rename_axis(columns=None)
    if sized and not np.isfinite(table[size].to_numpy(dtype=float)).all():
        raise ValueError(f"'{size}' must hold finite numbers: a value is infinite or NaN.")
    return table[[*keys, "n", *sized]].sort_values(keys, ignore_index=True)


def moments(
    records: Any,
    *,
    keys: Sequence[str],
    columns: Sequence[str],
    weights: str | None = None,
) -> pd.DataFrame:
    """Counts, sums and sums of squares of columns by ``keys``, inside the records' engine.

    Means and variances of any group follow from these sums, so a balance table
    needs only them. The sums are taken about ``shift``, the column's mean over
    all the records, so that variances from sums lose no precision when a
    column's mean is large beside its spread: with ``d = value - shift``,
    ``x`` and ``xx`` are the sums of ``d`` and ``d**2``, and with weights ``w``
    is the sum of weights and ``wx`` and ``wxx`` the weighted sums. Then the mean
    is ``shift + x / n``, the variance (``ddof=1``) ``(xx - x**2 / n) / (n - 1)``,
    the weighted mean ``shift + wx / w`` and the weighted variance (``ddof=0``)
    ``wxx / w - (wx / w)**2``.

    Parameters
    ----------
    records
        Records in any engine :func:`summarise` takes.
    keys
        Columns that define the cells (such as the treatment).
    columns
        Numeric columns to summarise.
    weights
        Column of weights, not negative (zero drops a row from the weighted
        sums); the weighted sums are left out when not given.

    Returns
    -------
    pandas.DataFrame
        One row per cell and column, sorted by ``keys`` then the order of
        ``columns``: the keys, ``column``, ``n``, ``shift``, ``x``, ``xx``,
        ``constant`` (whether the column takes one value in the cell) and, with
        weights, ``w``, ``wx`` and ``wxx``.

    Raises
    ------
    ValueError
        If a column is absent, not numeric, missing or not finite somewhere, or a
        weight is negative.

    Examples
    --------
    >>> import pandas as pd
    >>> people = pd.DataFrame({"took_part": [0, 0, 1, 1], "age": [30.0, 40.0, 50.0, 50.0]})
    >>> table = moments(people, keys=["took_part"], columns=["age"])
    >>> table[["took_part", "n", "shift", "x", "xx", "constant"]]
       took_part  n  shift     x     xx  constant
    0          0  2   42.5 -15.0  162.5     False
    1          1  2   42.5  15.0  112.5      True
    """
    keys, columns = _cell_keys(keys), list(columns)
    if not columns or len(set(columns)) != len(columns) or set(columns) & set(keys):
        raise ValueError(
            f"columns must name numeric columns once each, none of them a key: {columns}."
        )
    numeric = [*columns, *([weights] if weights else [])]
    averages = [
        nw.col(c).cast(nw.Float64).mean().alias(f"__mean{i}") for i, c in enumerate(columns)
    ]
    frame, means = _checked(
        records, [*keys, *numeric], numeric, [weights] if weights else [], averages
    )
    shifts = [float(means[f"__mean{i}"]) for i in range(len(columns))]
    w = nw.col(weights).cast(nw.Float64) if weights else None
    derived: list[Any] = [nw.col(key) for key in keys]
    terms: list[Any] = [nw.len().alias("__n")]
    if w is not None:
        derived.append(w.alias("__w"))
        terms.append(nw.col("__w").sum())
    for i, column in enumerate(columns):
        d = nw.col(column).cast(nw.Float64) - shifts[i]
        derived += [d.alias(f"__x{i}"), (d * d).alias(f"__xx{i}"), nw.col(column).alias(f"__v{i}")]
        terms += [nw.col(f"__x{i}").sum(), nw.col(f"__xx{i}").sum()]
        terms += [nw.col(f"__v{i}").max().alias(f"__high{i}")]
        terms += [nw.col(f"__v{i}").min().alias(f"__low{i}")]
        if w is not None:
            derived += [(w * d).alias(f"__wx{i}"), (w * d * d).alias(f"__wxx{i}")]
            terms += [nw.col(f"__wx{i}").sum(), nw.col(f"__wxx{i}").sum()]
    # Only whether a column is constant in a cell leaves the engine, not its extremes.
    flags = [
        (nw.col(f"__high{i}") == nw.col(f"__low{i}")).alias(f"__constant{i}")
        for i in range(len(columns))
    ]
    sums = frame.select(*derived).group_by(keys).agg(*terms).with_columns(*flags)
    kept = [c for c in sums.collect_schema() if not c.startswith(("__high", "__low"))]
    wide = _to_pandas(sums.select(*kept)).sort_values(keys, ignore_index=True)
    names = ["x", "xx", "constant", *(["wx", "wxx"] if weights else [])]
    parts = []
    for i, column in enumerate(columns):
        part = wide[keys].assign(column=column, n=wide["__n"], shift=shifts[i])
        part = part.assign(**{name: wide[f"__{name}{i}"].to_numpy() for name in names})
        parts.append(part.assign(w=wide["__w"]) if weights else part)
    table = pd.concat(parts, ignore_index=True).sort_values(keys, kind="stable", ignore_index=True)
    order = ["x", "xx", "constant", *(["w", "wx", "wxx"] if weights else [])]
    table = table[[*keys, "column", "n", "shift", *order]]
    sums_only = table[[c for c in order if c != "constant"]].to_numpy(dtype=float)
    if not np.isfinite(sums_only).all() or not np.isfinite(shifts).all():
        raise ValueError(f"{numeric} must hold finite numbers: a value is infinite or NaN.")
    return table


def _cell_keys(keys: Sequence[str]) -> list[str]:
    """``keys`` as a list, refused when it names no column (cells need at least one key)."""
    if isinstance(keys, str):
        keys = [keys]
    keys = list(keys)
    if not keys:
        raise ValueError("keys names no column: give the column(s) that define the cells.")
    return keys


def _checked(
    records: Any,
    used: list[str],
    numeric: list[str],
    not_negative: list[str],
    extra: Sequence[Any] = (),
) -> tuple[Any, pd.Series]:
    """The records as a narwhals frame, refused if a column is absent, a ``numeric``
    one is not numeric, a value is missing, or a ``not_negative`` one is negative;
    with the values of the ``extra`` reductions, taken in the same pass."""
    engine(records)  # a clear TypeError for what is not a frame
    used, numeric = list(dict.fromkeys(used)), list(dict.fromkeys(numeric))
    frame = nw.from_native(records)
    schema = frame.collect_schema()
    absent = [column for column in used if column not in schema]
    if absent:
        raise ValueError(f"{absent} not among the columns of the records: {list(schema)}.")
    for column in numeric:
        flag = schema[column] == nw.Boolean and column not in not_negative
        if not (schema[column].is_numeric() or flag):
            raise ValueError(f"'{column}' must be numeric, not {schema[column]}.")
    problems = frame.select(
        *[nw.col(c).is_null().cast(nw.Int64).sum().alias(f"missing {c}") for c in used],
        *[(nw.col(c) < 0).cast(nw.Int64).sum().alias(f"negative {c}") for c in not_negative],
        *extra,
    )
    values = _to_pandas(problems).iloc[0]
    counts = values[[name for name in values.index if not name.startswith("__")]]
    if (counts > 0).any():
        found = {name: int(v) for name, v in counts.items() if v > 0}
        raise ValueError(f"The records have {found} rows: remove or fill them first.")
    return frame, values


def _to_pandas(frame: Any) -> pd.DataFrame:
    """A small narwhals frame, eager or lazy, as pandas."""
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    return frame.to_pandas()
