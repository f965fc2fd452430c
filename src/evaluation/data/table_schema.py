"""The provider-performance Table Schema.

The shipped descriptor, its fields, the parsing of a cell by its field, and the
descriptor's structural checks.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = [
    "Problem",
    "PROBLEMS",
    "SCHEMA_FILE",
    "TABLE_SCHEMA_METASCHEMA",
    "check_descriptor",
    "fields",
    "schema",
]


#: The descriptor's file name inside ``evaluation/schemas``.
SCHEMA_FILE = "provider_performance.schema.json"


#: Every problem :func:`~evaluation.data.validation.validate` can report, with what it means.
PROBLEMS: dict[str, str] = {
    "file not found": "The path does not name an existing file.",
    "unreadable file": "The file could not be opened or parsed as a CSV table.",
    "wrong encoding": "The file is not UTF-8 text (save it as UTF-8 CSV).",
    "empty file": "The file has no header row.",
    "missing column": "A column the standard requires is absent.",
    "unknown column": "A column the standard does not define (rename or drop it).",
    "missing value": "A required value is empty.",
    "wrong type": "The value cannot be read as the field's type (integer, number, date...).",
    "negative value": "A count, rate or expected value is below zero (or the field's minimum).",
    "above maximum": "A value is above the field's maximum.",
    "pattern mismatch": "The value does not have the form the field requires (e.g. an ONS code).",
    "unknown enum value": "The value is not one of the field's allowed values.",
    "too short": "The value is shorter than the field allows.",
    "numerator above denominator": "A proportion counts more people than its denominator holds.",
    "rate mismatch": "The rate is not numerator / denominator x rate_per, even allowing "
    "for rounding.",
    "rate with zero denominator": "A rate is given although the denominator is zero.",
    "period end before start": "period_end falls before period_start.",
    "duplicate row": "Another row has the same provider, area, measure and period.",
    "suppressed row carries numbers": "A row marked suppressed still shows a count or rate.",
    "missing count": "A row that is not suppressed lacks its numerator or denominator.",
    "expected without risk model": "Expected events are given without naming the risk model.",
    "NUL byte": "The file holds NUL (0x00) bytes, which text never does: it may be UTF-16 or "
    "not a CSV file.",
    "ragged row": "A row of the file has more or fewer fields than the header; it is left out "
    "of the other checks.",
}


#: A minimal JSON Schema (draft 2020-12) of a Frictionless Table Schema descriptor, for the
#: parts this library uses (field names, types, constraints, primary key, missing values).
TABLE_SCHEMA_METASCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Table Schema (minimal)",
    "type": "object",
    "required": ["fields"],
    "properties": {
        "name": {"type": "string"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "version": {"type": "string"},
        "fields": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/field"}},
        "primaryKey": {
            "oneOf": [
                {"type": "string"},
                {"type": "array", "minItems": 1, "items": {"type": "string"}},
            ]
        },
        "missingValues": {"type": "array", "items": {"type": "string"}},
    },
    "$defs": {
        "field": {
            "type": "object",
            "required": ["name", "type"],
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "title": {"type": "string"},
                "description": {"type": "string"},
                "type": {
                    "enum": [
                        "string",
                        "number",
                        "integer",
                        "boolean",
                        "object",
                        "array",
                        "date",
                        "time",
                        "datetime",
                        "year",
                        "yearmonth",
                        "duration",
                        "geopoint",
                        "geojson",
                        "any",
                    ]
                },
                "format": {"type": "string"},
                "trueValues": {"type": "array", "items": {"type": "string"}},
                "falseValues": {"type": "array", "items": {"type": "string"}},
                "constraints": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "required": {"type": "boolean"},
                        "unique": {"type": "boolean"},
                        "minLength": {"type": "integer", "minimum": 0},
                        "maxLength": {"type": "integer", "minimum": 0},
                        "minimum": {"type": ["number", "string"]},
                        "maximum": {"type": ["number", "string"]},
                        "pattern": {"type": "string"},
                        "enum": {"type": "array", "minItems": 1},
                    },
                },
            },
        }
    },
}


_TYPES_USED = ("string", "integer", "number", "boolean", "date")


_COUNTS = ("numerator", "denominator", "rate", "expected")


#: Text cells: pyarrow-backed strings with NaN for missing (pandas' ``str``), whatever the
#: pandas version's default string type.
_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)


# ASCII digits only (`\d` would also take other scripts' digits), so that the cell
# parser and the column parser (pandas string methods) read a text alike.
_INTEGER = re.compile(r"[+-]?[0-9]+")


_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Problem(NamedTuple):
    """One problem found in a table: where it is, what it is, the offending value."""

    row: int | None
    column: str | None
    problem: str
    value: str | None
    message: str


# --------------------------------------------------------------------------- the descriptor
@cache
def _schema_text() -> str:
    return (resources.files("evaluation.data") / "schemas" / SCHEMA_FILE).read_text(
        encoding="utf-8"
    )


def schema() -> dict[str, Any]:
    """The provider performance Table Schema descriptor, as a fresh dict.

    Examples
    --------
    >>> descriptor = schema()
    >>> descriptor["primaryKey"]
    ['provider_id', 'area_code', 'measure_id', 'period_start', 'period_end']
    """
    return dict(json.loads(_schema_text()))


def _field_map(descriptor: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    descriptor = schema() if descriptor is None else descriptor
    return {f["name"]: f for f in descriptor["fields"]}


def _constraint_text(field: Mapping[str, Any]) -> str:
    rules = field.get("constraints", {})
    parts = []
    if "minimum" in rules:
        parts.append(f"at least {rules['minimum']}")
    if "maximum" in rules:
        parts.append(f"at most {rules['maximum']}")
    if "minLength" in rules:
        parts.append(f"at least {rules['minLength']} character(s)")
    if "pattern" in rules:
        parts.append(f"matches {rules['pattern']}")
    if "enum" in rules:
        parts.append("one of " + ", ".join(str(v) for v in rules["enum"]))
    return "; ".join(parts)


def fields(descriptor: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The descriptor's fields as a table: ``name, type, required, constraints, description``.

    Examples
    --------
    >>> table = fields()
    >>> table.loc[table["name"] == "area_code", ["type", "required"]].to_dict("records")
    [{'type': 'string', 'required': True}]
    """
    rows = [
        {
            "name": f["name"],
            "type": f["type"],
            "required": bool(f.get("constraints", {}).get("required", False)),
            "constraints": _constraint_text(f),
            "description": f.get("description", ""),
        }
        for f in _field_map(descriptor).values()
    ]
    return pd.DataFrame(rows)


def _structural_problems(descriptor: Mapping[str, Any]) -> list[str]:
    """Rules JSON Schema cannot express: unique names, a valid key, typed constraints."""
    found = []
    names = [f["name"] for f in descriptor["fields"]]
    for name in sorted({n for n in names if names.count(n) > 1}):
        found.append(f"field {name!r} is defined more than once")
    key = descriptor.get("primaryKey", [])
    for name in [key] if isinstance(key, str) else key:
        if name not in names:
            found.append(f"primaryKey names {name!r}, which is not a field")
    for field in descriptor["fields"]:
        name, kind, rules = field["name"], field["type"], field.get("constraints", {})
        if not field.get("description"):
            found.append(f"field {name!r} has no description")
        if kind not in _TYPES_USED:
            found.append(f"field {name!r} has type {kind!r}, which validate() cannot check")
        if "pattern" in rules:
            if kind != "string":
                found.append(f"field {name!r}: a pattern applies only to strings")
            try:
                re.compile(rules["pattern"])
            except re.error as err:
                found.append(f"field {name!r}: pattern does not compile ({err})")
        if ("minimum" in rules or "maximum" in rules) and kind not in ("integer", "number"):
            found.append(f"field {name!r}: minimum/maximum need a numeric type")
        for value in rules.get("enum", []):
            if _parse(_as_text(value), field)[1] is not None:
                found.append(f"field {name!r}: enum value {value!r} is not of type {kind}")
    return found


def check_descriptor(descriptor: Mapping[str, Any] | None = None) -> None:
    """Check a Table Schema descriptor; raise ``ValueError`` listing every problem.

    The descriptor is checked against
    :data:`~evaluation.data.table_schema.TABLE_SCHEMA_METASCHEMA` with ``jsonschema``
    and then against rules a JSON Schema cannot state (unique
    field names, a primary key made of fields, patterns that compile, enum
    values of the field's type, a description for every field).

    Examples
    --------
    >>> check_descriptor()  # the shipped descriptor passes
    >>> check_descriptor({"fields": [{"name": "x", "type": "text"}]})
    Traceback (most recent call last):
    ...
    ValueError: The descriptor is not a valid Table Schema: fields/0/type: 'text' is not one of ...
    """
    import jsonschema  # type: ignore[import-untyped]

    descriptor = schema() if descriptor is None else descriptor
    checker = jsonschema.Draft202012Validator(TABLE_SCHEMA_METASCHEMA)
    found = [
        "/".join(str(p) for p in err.absolute_path) + f": {err.message}"
        for err in sorted(checker.iter_errors(descriptor), key=lambda e: list(e.absolute_path))
    ]
    if not found:
        found = _structural_problems(descriptor)
    if found:
        shown = "; ".join(found[:5]).replace(str(_TYPE_ENUM), "...")
        raise ValueError(f"The descriptor is not a valid Table Schema: {shown}")


_TYPE_ENUM = TABLE_SCHEMA_METASCHEMA["$defs"]["field"]["properties"]["type"]["enum"]


# --------------------------------------------------------------------------- reading cells
def _as_text(value: Any) -> str | None:
    """A cell as the text a CSV file would hold (``None`` for missing)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return repr(float(value))
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _decimals(text: str) -> int:
    """Decimal places a number is written with (``"57.70"`` -> 2, ``"5e-1"`` -> 1)."""
    mantissa, _, exponent = text.lower().partition("e")
    places = len(mantissa.partition(".")[2]) - (int(exponent) if exponent else 0)
    return max(places, 0)


def _parse(text: str | None, field: Mapping[str, Any]) -> tuple[Any, str | None]:
    """Read ``text`` as ``field``'s type: ``(value, None)`` or ``(None, problem message)``."""
    if text is None:
        return None, None
    kind = field["type"]
    if kind == "integer":
        if _INTEGER.fullmatch(text):
            return int(text), None
        hint = ""
        if re.fullmatch(r"[+-]?[0-9]+\.0+", text):
            hint = " (pandas writes counts as 12.0 when a column has gaps: use Int64)"
        return None, f"{text!r} is not a whole number{hint}"
    if kind == "number":
        if _NUMBER.fullmatch(text):
            return float(text), None
        return None, f"{text!r} is not a number"
    if kind == "boolean":
        if text in field.get("trueValues", ["true", "True", "TRUE", "1"]):
            return True, None
        if text in field.get("falseValues", ["false", "False", "FALSE", "0"]):
            return False, None
        return None, f"{text!r} is not true or false"
    if kind == "date":
        try:
            if not _DATE.fullmatch(text):
                raise ValueError
            return dt.date.fromisoformat(text), None
        except ValueError:
            return None, f"{text!r} is not a date written YYYY-MM-DD"
    return text, None


def _constraint_problems(value: Any, text: str, field: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(problem, message)`` for each constraint a parsed value breaks."""
    rules, name = field.get("constraints", {}), field["name"]
    found = []
    if "minimum" in rules and value < rules["minimum"]:
        found.append(("negative value", f"{name} is {text}; it cannot be below {rules['minimum']}"))
    if "maximum" in rules and value > rules["maximum"]:
        found.append(("above maximum", f"{name} is {text}; it cannot exceed {rules['maximum']}"))
    if "minLength" in rules and len(text) < rules["minLength"]:
        found.append(("too short", f"{name} must have at least {rules['minLength']} character(s)"))
    if "pattern" in rules and not re.fullmatch(rules["pattern"], text):
        found.append(("pattern mismatch", f"{name} {text!r} does not match {rules['pattern']}"))
    if "enum" in rules and value not in rules["enum"]:
        allowed = ", ".join(str(v) for v in rules["enum"])
        found.append(("unknown enum value", f"{name} {text!r} is not one of: {allowed}"))
    return found


# --------------------------------------------------------------------------- reading columns
def _arrow_text(values: Any) -> pd.Series:
    """Numbers or datetimes as text by pyarrow's cast; missing stays missing."""
    strings = pa.array(values, from_pandas=True).cast(pa.large_string())
    return pd.Series(strings.to_pandas(types_mapper={pa.large_string(): _TEXT}.get), dtype=_TEXT)


def _bool_texts(column: pd.Series) -> pd.Series:
    flags = column.astype("boolean")
    words = np.where(flags.fillna(False).to_numpy(bool), "true", "false")
    return pd.Series(words, dtype=_TEXT).where(flags.notna().to_numpy())


def _float_texts(column: pd.Series) -> pd.Series:
    """Floats as :func:`_as_text` writes them: whole numbers without ``.0``, others as repr()."""
    values = column.to_numpy(dtype="float64", na_value=np.nan)
    size, finite = np.abs(values), np.isfinite(values)
    whole = finite & (np.floor(values) == values) & (size < 2.0**63)
    texts = _arrow_text(values).where(
        ~whole, _arrow_text(np.where(whole, values, 0).astype(np.int64))
    )
    # pyarrow and repr() write the same shortest digits but switch to exponent notation at
    # other places (repr: below 1e-4 or from 1e16): those go through repr().
    exponent = (texts.str.find("e") >= 0).to_numpy(dtype=bool, na_value=False)
    odd = finite & ~whole & ((size < 1e-4) | (size >= 1e16) | exponent)
    texts[odd] = [_as_text(float(v)) for v in values[odd]]
    return texts


def _distinct_texts(column: pd.Series) -> pd.Series:
    """:func:`_as_text` once per distinct value (dates: a table holds few)."""
    codes, distinct = pd.factorize(column)
    words = np.array([*(_as_text(value) for value in distinct), None], dtype=object)
    return pd.Series(words[codes], dtype=_TEXT)


def _raw_texts(column: pd.Series) -> pd.Series:
    """A column's cells as text before stripping, by its dtype (on a fresh 0..n-1 index)."""
    kind = column.dtype
    if isinstance(kind, pd.CategoricalDtype) or kind is np.dtype(object):
        values = column.astype(object).reset_index(drop=True)
        inferred = pd.api.types.infer_dtype(values, skipna=True)
        if inferred in ("string", "empty"):
            return values.astype(_TEXT)
        if inferred == "boolean":
            return _bool_texts(values)
        return pd.Series([_as_text(v) for v in values], dtype=_TEXT)
    if pd.api.types.is_bool_dtype(kind):
        return _bool_texts(column)
    if pd.api.types.is_integer_dtype(kind):
        return _arrow_text(column)
    if pd.api.types.is_float_dtype(kind):
        return _float_texts(column)
    if pd.api.types.is_datetime64_any_dtype(kind):
        return _distinct_texts(column)
    if pd.api.types.is_string_dtype(kind):
        return column.astype(_TEXT).reset_index(drop=True)
    return pd.Series([_as_text(v) for v in column], dtype=_TEXT)


def _texts(column: pd.Series) -> pd.Series:
    """:func:`_as_text` for a whole column: stripped text, missing where the cell is empty.

    Examples
    --------
    >>> cells = pd.Series([" A1 ", "", None, 12.0, 57.7, True], dtype=object)
    >>> _texts(cells).tolist()
    ['A1', nan, nan, '12', '57.7', 'true']
    >>> _texts(pd.Series([112.0, 0.5, None])).tolist()
    ['112', '0.5', nan]
    """
    texts = _raw_texts(column)
    stripped = texts.str.strip()
    if ((stripped != texts) & texts.notna()).any():  # else keep the one copy
        texts = stripped
    del stripped
    empty = (texts == "").to_numpy(dtype=bool, na_value=False)
    return (texts.where(~empty) if empty.any() else texts).set_axis(column.index)


def _integers(texts: pd.Series) -> pd.Series:
    """Whole numbers written as ``[+-]digits`` (Int64; Float64 beyond 64 bits)."""
    digits = texts.str.removeprefix("+") if texts.str.startswith("+").any() else texts
    try:
        return digits.astype("int64[pyarrow]").astype("Int64")
    except (pa.ArrowInvalid, ValueError, OverflowError):
        return digits.astype("float64[pyarrow]").astype("Float64")


def _booleans(texts: pd.Series, field: Mapping[str, Any]) -> pd.Series:
    values = pd.Series(pd.NA, index=texts.index, dtype="boolean")
    values[texts.isin(field.get("falseValues", ["false", "False", "FALSE", "0"]))] = False
    values[texts.isin(field.get("trueValues", ["true", "True", "TRUE", "1"]))] = True
    return values


def _dates(texts: pd.Series) -> pd.Series:
    """Dates written YYYY-MM-DD (datetime64[s]); missing where not a calendar date.

    Each distinct text is read once (a table holds few distinct dates).
    """
    codes, uniques = pd.factorize(texts)
    distinct = pd.Series(uniques, dtype=_TEXT)
    written = distinct.str.fullmatch(_DATE.pattern) & (distinct.str.slice(0, 4) != "0000")
    dates = pd.to_datetime(distinct.where(written), format="%Y-%m-%d", errors="coerce")
    parsed = np.append(dates.to_numpy(dtype="datetime64[s]"), np.datetime64("NaT", "s"))
    return pd.Series(parsed[codes], index=texts.index)


def _written(texts: pd.Series, pattern: str) -> pd.Series:
    """The texts that match ``pattern`` in full; missing elsewhere (no copy if all do)."""
    written = texts.str.fullmatch(pattern) | texts.isna()
    return texts if written.all() else texts.where(written)


def _parse_texts(texts: pd.Series, field: Mapping[str, Any]) -> tuple[pd.Series, pd.Series]:
    """:func:`_parse` for a column of texts: ``(values, wrong)``.

    ``values`` is typed (the texts for a string; Int64, Float64, boolean or
    datetime64[s]) and missing where the text is missing or not of the type;
    ``wrong`` marks the texts that are not of the type.

    Examples
    --------
    >>> texts = pd.Series(["12", "+3", "12.0", None], dtype=_TEXT)
    >>> values, wrong = _parse_texts(texts, {"name": "n", "type": "integer"})
    >>> values.tolist(), wrong.tolist()
    ([12, 3, <NA>, <NA>], [False, False, True, False])
    """
    kind = field["type"]
    if kind == "integer":
        values = _integers(_written(texts, _INTEGER.pattern))
    elif kind == "number":
        values = _written(texts, _NUMBER.pattern).astype("float64[pyarrow]").astype("Float64")
    elif kind == "boolean":
        values = _booleans(texts, field)
    elif kind == "date":
        values = _dates(texts)
    else:
        values = texts
    return values, (texts.notna() & values.isna()).astype(bool)


def _fullmatch(texts: pd.Series, pattern: str) -> pd.Series:
    """Where each text matches ``pattern`` in full, by Python's ``re`` (once per distinct text)."""
    regex = re.compile(pattern)
    failing = [text for text in texts.dropna().unique() if not regex.fullmatch(text)]
    return texts.notna() & ~texts.isin(failing)


def _broken(values: pd.Series, texts: pd.Series, field: Mapping[str, Any]) -> pd.Series:
    """Where a value of the field's type breaks one of its constraints.

    The cells marked are those for which :func:`_constraint_problems` finds a problem.

    Examples
    --------
    >>> field = {"name": "n", "type": "integer", "constraints": {"minimum": 0}}
    >>> values, _ = _parse_texts(pd.Series(["3", "-1", None], dtype=_TEXT), field)
    >>> _broken(values, pd.Series(["3", "-1", None]), field).tolist()
    [False, True, False]
    """
    rules = field.get("constraints", {})
    present = values.notna()
    broken = pd.Series(False, index=values.index)
    if "minimum" in rules:
        broken |= (values < rules["minimum"]).fillna(False).astype(bool)
    if "maximum" in rules:
        broken |= (values > rules["maximum"]).fillna(False).astype(bool)
    if "minLength" in rules:
        broken |= (texts.str.len() < rules["minLength"]).fillna(False).astype(bool)
    if "pattern" in rules:
        broken |= ~_fullmatch(texts, rules["pattern"])
    if "enum" in rules:
        broken |= ~values.isin(rules["enum"])
    return present & broken
