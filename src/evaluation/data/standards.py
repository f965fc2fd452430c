"""A standard, machine-readable form for the performance data providers publish.

A commissioner can only compare providers fairly if every table says what was
counted (the numerator), over whom (the denominator), when (the period), for
which provider and area, and what case mix it reflects. This module holds one
such standard, written as a Frictionless *Table Schema* (an open JSON format
for describing a CSV table), and the tools to use it:

* :func:`~evaluation.data.table_schema.schema` returns the descriptor (shipped as
  ``evaluation/schemas/provider_performance.schema.json``);
  :func:`~evaluation.data.table_schema.fields` lays it out as a table;
  :func:`~evaluation.data.table_schema.check_descriptor` checks a descriptor against a
  minimal JSON Schema of Table Schema
  (:data:`~evaluation.data.table_schema.TABLE_SCHEMA_METASCHEMA`, with ``jsonschema``)
  and against structural rules.
* :func:`~evaluation.data.validation.validate` checks a DataFrame or a CSV file and returns
  an immutable :class:`~evaluation.data.validation.ValidationReport`: ``ok``, ``errors``
  (one row per problem: ``row, column, problem, value, message``), ``summary()`` and
  ``tidy()``. The problems it names are listed in
  :data:`~evaluation.data.table_schema.PROBLEMS`.
* :func:`to_standard` maps a table with the analyst's own column names into
  the standard form; :func:`write_standard` writes a table only if it is valid;
  :func:`read_standard` reads a valid file back with typed columns.

Rows in a report are counted from 0 in the order of the table (for a file, the
first data row under the header is row 0, which is line 2 of the file).

Examples
--------
>>> import pandas as pd
>>> row = {"provider_id": "E09000007", "provider_name": "Camden", "area_code": "E09000007",
...        "measure_id": "CL_EET", "measure_name": "Care leavers aged 19-21 in EET",
...        "measure_type": "outcome", "ratio_type": "proportion",
...        "period_start": "2024-04-01", "period_end": "2025-03-31", "numerator": 112,
...        "denominator": 194, "rate": 57.7, "rate_per": 100, "suppressed": False,
...        "publisher": "Department for Education", "licence": "OGL-UK-3.0"}
>>> validate(pd.DataFrame([row])).ok
True
>>> bad = validate(pd.DataFrame([row | {"numerator": 200, "rate": 103.1}]))
>>> bad.errors[["row", "column", "problem"]].to_dict("records")
[{'row': 0, 'column': 'numerator', 'problem': 'numerator above denominator'}]
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evaluation.data.table_schema import (
    _TEXT,
    PROBLEMS,
    SCHEMA_FILE,
    TABLE_SCHEMA_METASCHEMA,
    _as_text,
    _field_map,
    _texts,
    check_descriptor,
    fields,
    schema,
)
from evaluation.data.validation import (
    ValidationReport,
    _problems,
    _read_fields,
    _read_file,
    validate,
)

__all__ = [
    "PROBLEMS",
    "SCHEMA_FILE",
    "TABLE_SCHEMA_METASCHEMA",
    "ValidationReport",
    "check_descriptor",
    "fields",
    "read_standard",
    "schema",
    "to_standard",
    "validate",
    "write_standard",
]


# --------------------------------------------------------------------------- standard form
def _typed(values: dict[str, pd.Series], columns: list[str]) -> pd.DataFrame:
    """Typed columns from parsed values: string, Int64, Float64, boolean, datetime64[s]."""
    spec = _field_map()
    out = {}
    for name in columns:
        column = values[name].reset_index(drop=True)
        out[name] = column.astype("string") if spec[name]["type"] == "string" else column
    return pd.DataFrame(out)


def to_standard(
    frame: pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    *,
    constants: Mapping[str, Any] | None = None,
    decimals: int | None = None,
) -> pd.DataFrame:
    """Put a table with the analyst's own column names into the standard form.

    Parameters
    ----------
    frame
        The analyst's table.
    columns
        Standard field name -> the analyst's column, e.g.
        ``{"provider_name": "la_name", "numerator": "events"}``. Columns of
        ``frame`` not named here are left out (with a warning naming them).
    constants
        Standard field name -> one value for every row, e.g.
        ``{"licence": "OGL-UK-3.0", "rate_per": 100}``.
    decimals
        If ``rate`` is neither mapped nor given, it is derived as numerator /
        denominator x rate_per (missing where the denominator is zero or a
        count is missing), rounded to this many places (``None``: unrounded).

    Returns
    -------
    pandas.DataFrame
        Every standard field in the standard's order, typed (string, Int64,
        Float64, boolean, datetime64). It is not validated: pass it to
        :func:`~evaluation.data.validation.validate` or :func:`write_standard`.

    Raises
    ------
    ValueError
        If a name in ``columns`` or ``constants`` is not a standard field, an
        analyst's column is absent, or a value cannot be read as its field's
        type (naming the column and the first rows).

    Examples
    --------
    >>> import pandas as pd
    >>> mine = pd.DataFrame({"la": ["E09000007"], "name": ["Camden"], "eet": [112], "n": [194]})
    >>> std = to_standard(mine, {"provider_id": "la", "area_code": "la", "provider_name": "name",
    ...                          "numerator": "eet", "denominator": "n"},
    ...                   constants={"rate_per": 100}, decimals=1)
    >>> float(std.loc[0, "rate"])
    57.7
    """
    columns, constants = dict(columns or {}), dict(constants or {})
    spec = _field_map()
    for name in [*columns, *constants]:
        if name not in spec:
            raise ValueError(f"{name!r} is not a field of the standard; fields: {', '.join(spec)}.")
    absent = sorted(set(columns.values()) - {str(c) for c in frame.columns})
    if absent:
        raise ValueError(f"The table has no column(s) {absent}; it has {list(frame.columns)}.")
    unused = [str(c) for c in frame.columns if c not in set(columns.values())]
    if unused:
        warnings.warn(
            f"to_standard left out {len(unused)} column(s): {', '.join(unused)}.",
            UserWarning,
            stacklevel=2,
        )
    source = frame.reset_index(drop=True)
    raw = pd.DataFrame(index=source.index)
    for name in spec:
        if name in columns:
            raw[name] = source[columns[name]]
        else:  # a constant, or missing: the same text on every row
            text = _as_text(constants[name]) if name in constants else None
            raw[name] = pd.Series(np.nan if text is None else text, index=source.index, dtype=_TEXT)
    values, _, found = _read_fields(raw, spec, keep_invalid=True)
    bad = [p for p in found if p.problem == "wrong type"]
    if bad:
        where = ", ".join(f"{p.column} row {p.row} ({p.value!r})" for p in bad[:5])
        raise ValueError(f"to_standard could not read {len(bad)} value(s): {where}.")
    if "rate" not in columns and "rate" not in constants:
        values["rate"] = _derive_rate(
            values["numerator"], values["denominator"], values["rate_per"], decimals
        )
    return _typed(values, list(spec))


def _derive_rate(num: pd.Series, den: pd.Series, per: pd.Series, decimals: int | None) -> pd.Series:
    """numerator / denominator x rate_per (missing where a count is or the denominator is 0).

    Rounded as Python's ``round`` does (to the nearest, ties to even, of the binary value).
    """
    rate = (num.astype("Float64") / den.astype("Float64") * per.astype("Float64")).mask(den == 0)
    if decimals is None:
        return rate
    return rate.map(lambda value: round(float(value), decimals), na_action="ignore").astype(
        "Float64"
    )


def write_standard(frame: pd.DataFrame, file: str | os.PathLike[str]) -> Path:
    """Write a table in the standard form to a UTF-8 CSV file, only if it is valid.

    Cells are written as :func:`~evaluation.data.validation.validate` reads them (dates
    as YYYY-MM-DD, booleans as true/false, whole-number floats without ``.0``), so the
    file passes exactly when the frame does.

    Raises
    ------
    ValueError
        If :func:`~evaluation.data.validation.validate` finds any problem; the message is
        its summary.

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> out = os.path.join(tempfile.mkdtemp(), "bad.csv")
    >>> write_standard(pd.DataFrame({"provider_id": ["A"]}), out)
    Traceback (most recent call last):
    ...
    ValueError: Not written: Provider performance table (DataFrame): 1 row; 12 problems...
    """
    report = validate(frame)
    if not report.ok:
        raise ValueError(f"Not written: {report.summary()}")
    order = [name for name in _field_map() if name in frame.columns]
    text = pd.DataFrame({name: _texts(frame[name]).reset_index(drop=True) for name in order})
    out = Path(file)
    text.to_csv(out, index=False, encoding="utf-8", lineterminator="\n")
    return out


def read_standard(file: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a standard CSV file with typed columns; raise ``ValueError`` if it is not valid.

    Examples
    --------
    >>> read_standard("no/such/file.csv")
    Traceback (most recent call last):
    ...
    ValueError: Provider performance table (no/such/file.csv): 0 rows; the file could not be read...
    """
    report = validate(file)
    if not report.ok:
        raise ValueError(report.summary())
    frame, _ = _read_file(Path(file))
    assert frame is not None  # validate() read it
    _, values = _problems(frame, None)
    return _typed(values, [name for name in _field_map() if name in frame.columns])
