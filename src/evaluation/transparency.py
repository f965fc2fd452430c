"""A standard, machine-readable form for the performance data providers publish.

A commissioner can only compare providers fairly if every table says what was
counted (the numerator), over whom (the denominator), when (the period), for
which provider and area, and what case mix it reflects. This module holds one
such standard, written as a Frictionless *Table Schema* (an open JSON format
for describing a CSV table), and the tools to use it:

* :func:`schema` returns the descriptor (shipped as
  ``evaluation/schemas/provider_performance.schema.json``); :func:`fields`
  lays it out as a table; :func:`check_descriptor` checks a descriptor against
  a minimal JSON Schema of Table Schema (:data:`TABLE_SCHEMA_METASCHEMA`, with
  ``jsonschema``) and against structural rules.
* :func:`validate` checks a DataFrame or a CSV file and returns an immutable
  :class:`ValidationReport`: ``ok``, ``errors`` (one row per problem: ``row,
  column, problem, value, message``), ``summary()`` and ``tidy()``. The
  problems it names are listed in :data:`PROBLEMS`.
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

import datetime as dt
import json
import math
import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from io import StringIO
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

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

#: The descriptor's file name inside ``evaluation/schemas``.
SCHEMA_FILE = "provider_performance.schema.json"

#: Every problem :func:`validate` can report, with what it means.
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
}

#: A minimal JSON Schema (draft 2020-12) of a Frictionless Table Schema descriptor: the
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
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


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
    return (resources.files("evaluation") / "schemas" / SCHEMA_FILE).read_text(encoding="utf-8")


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

    The descriptor is checked against :data:`TABLE_SCHEMA_METASCHEMA` with
    ``jsonschema`` and then against rules a JSON Schema cannot state (unique
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
        if re.fullmatch(r"[+-]?\d+\.0+", text):
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


# --------------------------------------------------------------------------- the report
@dataclass(frozen=True)
class ValidationReport:
    """What :func:`validate` found in a table: immutable.

    Attributes
    ----------
    source
        What was checked: a file path, or ``"DataFrame"``.
    n_rows
        Data rows read (0 if the file could not be read).
    problems
        One :class:`Problem` per error, in row order (file-level and column
        problems first).
    """

    source: str
    n_rows: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """True when the table meets the standard."""
        return not self.problems

    @property
    def errors(self) -> pd.DataFrame:
        """One row per problem: ``row, column, problem, value, message`` (a new frame)."""
        frame = pd.DataFrame(list(self.problems), columns=list(Problem._fields))
        frame["row"] = frame["row"].astype("Int64")
        return frame

    def tidy(self) -> pd.DataFrame:
        """Problems counted: ``problem, column, n, rows`` (the first rows affected)."""
        errors = self.errors
        if errors.empty:
            return pd.DataFrame(columns=["problem", "column", "n", "rows"])
        errors["column"] = errors["column"].fillna("(file)")
        grouped = errors.groupby(["problem", "column"], sort=False)["row"]
        out = grouped.agg(n="size", rows=_first_rows).reset_index()
        return out.sort_values("n", ascending=False, kind="stable", ignore_index=True)

    def summary(self) -> str:
        """A short text report: valid, or what is wrong and where."""
        head = f"Provider performance table ({self.source}): {_plural(self.n_rows, 'row')}"
        if self.ok:
            return head + "; meets the standard."
        unread = [p for p in self.problems if p.row is None and p.column is None]
        if unread:
            return "\n".join(
                [head + "; the file could not be read."]
                + [f"  {p.problem}: {p.message}" for p in unread]
            )
        rows = {p.row for p in self.problems if p.row is not None}
        where = f" in {_plural(len(rows), 'row')}" if rows else ""
        lines = [head + f"; {_plural(len(self.problems), 'problem')}{where}."]
        for rec in self.tidy().to_dict("records"):
            where = f" ({'rows' if rec['n'] > 1 else 'row'} {rec['rows']})" if rec["rows"] else ""
            lines.append(f"  {rec['problem']}: {rec['column']}, {rec['n']:,}{where}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _first_rows(rows: pd.Series, shown: int = 5) -> str:
    values = [int(r) for r in rows.dropna()]
    text = ", ".join(str(r) for r in values[:shown])
    return text + (", ..." if len(values) > shown else "")


# --------------------------------------------------------------------------- reading files
def _read_file(path: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a CSV file as text cells, or say why it cannot be read."""
    if not path.exists():
        return None, [Problem(None, None, "file not found", str(path), f"No file at {path}.")]
    try:
        raw = path.read_bytes()
    except OSError as err:
        return None, [Problem(None, None, "unreadable file", str(path), f"{path}: {err}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        bad = raw[err.start : err.start + 1].hex()
        msg = (
            f"{path.name} is not UTF-8: byte 0x{bad} on line {line} (position {err.start}); "
            "it may be Windows-1252 or Excel's format. Save it as 'CSV UTF-8'."
        )
        return None, [Problem(None, None, "wrong encoding", f"0x{bad}", msg)]
    if not text.strip():
        return None, [Problem(None, None, "empty file", None, f"{path.name} has no header row.")]
    try:
        frame = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, ValueError) as err:
        msg = f"{path.name} could not be read as CSV: {str(err).strip()}"
        return None, [Problem(None, None, "unreadable file", None, msg)]
    return frame, []


# --------------------------------------------------------------------------- validation
def _cells(frame: pd.DataFrame, name: str) -> list[str | None]:
    return [_as_text(v) for v in frame[name].tolist()]


def _check_columns(frame: pd.DataFrame, spec: dict[str, dict[str, Any]]) -> list[Problem]:
    found = []
    for name, field in spec.items():
        if field.get("constraints", {}).get("required") and name not in frame.columns:
            msg = f"The standard requires a column {name!r}: {field['description']}"
            found.append(Problem(None, name, "missing column", None, msg))
    for name in frame.columns:
        if str(name) not in spec:
            msg = f"Column {name!r} is not in the standard; rename it or drop it."
            found.append(Problem(None, str(name), "unknown column", None, msg))
    return found


def _read_fields(
    frame: pd.DataFrame, spec: dict[str, dict[str, Any]], *, keep_invalid: bool = False
) -> tuple[dict[str, list[Any]], dict[str, list[str | None]], list[Problem]]:
    """Parse every standard column: typed values, texts, problems.

    Values are None where missing or of the wrong type, and where they break a
    constraint unless ``keep_invalid`` (so later checks see valid values only).
    """
    values: dict[str, list[Any]] = {}
    texts: dict[str, list[str | None]] = {}
    found = []
    for name, field in spec.items():
        if name not in frame.columns:
            values[name] = texts[name] = [None] * len(frame)
            continue
        texts[name] = _cells(frame, name)
        values[name] = []
        required = field.get("constraints", {}).get("required", False)
        for row, text in enumerate(texts[name]):
            value, error = _parse(text, field)
            if text is None and required:
                found.append(Problem(row, name, "missing value", None, f"{name} is required."))
            elif error:
                found.append(Problem(row, name, "wrong type", text, f"{name}: {error}."))
            elif value is not None and text is not None:
                broken = _constraint_problems(value, text, field)
                found += [Problem(row, name, p, text, m + ".") for p, m in broken]
                value = None if broken and not keep_invalid else value
            values[name].append(value)
    return values, texts, found


def _check_period(
    values: dict[str, list[Any]], texts: dict[str, list[str | None]]
) -> list[Problem]:
    found = []
    for row, (start, end) in enumerate(
        zip(values["period_start"], values["period_end"], strict=True)
    ):
        if start is not None and end is not None and end < start:
            msg = f"period_end {end} is before period_start {start}."
            found.append(
                Problem(row, "period_end", "period end before start", texts["period_end"][row], msg)
            )
    return found


def _check_suppression(
    values: dict[str, list[Any]], texts: dict[str, list[str | None]]
) -> list[Problem]:
    found = []
    for row, suppressed in enumerate(values["suppressed"]):
        if suppressed is True:
            for name in _COUNTS:
                if texts[name][row] is not None:
                    msg = f"Row is marked suppressed but shows {name} {texts[name][row]}."
                    found.append(
                        Problem(row, name, "suppressed row carries numbers", texts[name][row], msg)
                    )
        elif suppressed is False:
            for name in ("numerator", "denominator"):
                if texts[name][row] is None:
                    msg = f"{name} is empty on a row that is not suppressed."
                    found.append(Problem(row, name, "missing count", None, msg))
    return found


def _rate_tolerance(text: str, rate_tolerance: float | None) -> float:
    if rate_tolerance is not None:
        return rate_tolerance
    return 0.5 * 10.0 ** -min(_decimals(text), 12)


def _check_arithmetic(
    values: dict[str, list[Any]], texts: dict[str, list[str | None]], rate_tolerance: float | None
) -> list[Problem]:
    found = []
    for row in range(len(values["numerator"])):
        num, den, rate = (values[n][row] for n in ("numerator", "denominator", "rate"))
        per = values["rate_per"][row]
        if num is None or den is None:
            continue
        if values["ratio_type"][row] == "proportion" and num > den:
            msg = f"numerator {num} is above denominator {den} in a proportion."
            found.append(Problem(row, "numerator", "numerator above denominator", str(num), msg))
        if rate is None or per is None:
            continue
        if den == 0:
            msg = f"rate {texts['rate'][row]} is given although the denominator is 0."
            found.append(
                Problem(row, "rate", "rate with zero denominator", texts["rate"][row], msg)
            )
            continue
        exact = num / den * per
        text = texts["rate"][row] or ""
        if abs(rate - exact) > _rate_tolerance(text, rate_tolerance) * (1 + 1e-9) + 1e-12 * per:
            msg = f"rate {text} but {num} / {den} x {per} = {exact:.6g}."
            found.append(Problem(row, "rate", "rate mismatch", text, msg))
    return found


def _check_duplicates(values: dict[str, list[Any]], key: list[str]) -> list[Problem]:
    found = []
    seen: dict[tuple[Any, ...], int] = {}
    for row in range(len(values[key[0]])):
        cells = tuple(values[n][row] for n in key)
        if any(c is None for c in cells):
            continue
        if cells in seen:
            shown = ", ".join(str(c) for c in cells)
            msg = f"Same {' + '.join(key)} ({shown}) as row {seen[cells]}."
            found.append(Problem(row, "+".join(key), "duplicate row", shown, msg))
        else:
            seen[cells] = row
    return found


def _check_risk_model(
    values: dict[str, list[Any]], texts: dict[str, list[str | None]]
) -> list[Problem]:
    found = []
    for row, expected in enumerate(values["expected"]):
        if expected is not None and texts["risk_model"][row] is None:
            msg = "expected events are given but risk_model does not say how they were predicted."
            found.append(Problem(row, "risk_model", "expected without risk model", None, msg))
    return found


def _problems(
    frame: pd.DataFrame, rate_tolerance: float | None
) -> tuple[list[Problem], dict[str, list[Any]]]:
    descriptor = schema()
    spec = _field_map(descriptor)
    found = _check_columns(frame, spec)
    values, texts, cell_problems = _read_fields(frame, spec)
    found += cell_problems
    found += _check_period(values, texts)
    found += _check_suppression(values, texts)
    found += _check_arithmetic(values, texts, rate_tolerance)
    found += _check_duplicates(values, list(descriptor["primaryKey"]))
    found += _check_risk_model(values, texts)
    order = {name: i for i, name in enumerate(spec)}
    found.sort(
        key=lambda p: (-1 if p.row is None else p.row, order.get(p.column or "", len(order)))
    )
    return found, values


def validate(
    table: pd.DataFrame | str | os.PathLike[str], *, rate_tolerance: float | None = None
) -> ValidationReport:
    """Check a table against the provider performance standard.

    Parameters
    ----------
    table
        A DataFrame with the standard's column names, or the path of a UTF-8
        CSV file.
    rate_tolerance
        Largest allowed gap between ``rate`` and ``numerator / denominator x
        rate_per``. By default half a unit in the last decimal place the rate
        is written with (0.5 for ``58``, 0.05 for ``57.7``), so a correctly
        rounded rate passes and any other does not.

    Returns
    -------
    ValidationReport
        ``ok`` is True when nothing is wrong; ``errors`` lists each problem
        with its row (from 0), column, name (see :data:`PROBLEMS`), the value
        as written, and a message.

    Examples
    --------
    >>> import pandas as pd
    >>> report = validate(pd.DataFrame({"provider_id": ["A1"]}))
    >>> report.ok, sorted(set(report.errors["problem"]))
    (False, ['missing column'])
    """
    if isinstance(table, pd.DataFrame):
        frame, source, found = table.reset_index(drop=True), "DataFrame", list[Problem]()
    elif isinstance(table, str | os.PathLike):
        path = Path(table)
        read, found = _read_file(path)
        if read is None:
            return ValidationReport(source=str(path), n_rows=0, problems=tuple(found))
        frame, source = read, str(path)
    else:
        raise TypeError(f"validate() takes a DataFrame or a file path, not {type(table).__name__}.")
    problems, _ = _problems(frame, rate_tolerance)
    return ValidationReport(source=source, n_rows=len(frame), problems=tuple(found + problems))


# --------------------------------------------------------------------------- standard form
def _typed(values: dict[str, list[Any]], columns: list[str]) -> pd.DataFrame:
    """Typed columns from parsed values: string, Int64, Float64, boolean, datetime64."""
    spec = _field_map()
    dtypes = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean"}
    out: dict[str, Any] = {}
    for name in columns:
        kind = spec[name]["type"]
        if kind == "date":
            out[name] = pd.to_datetime(pd.Series(values[name], dtype="object"))
        else:
            out[name] = pd.Series(values[name], dtype=dtypes[kind])
    return pd.DataFrame(out)


def to_standard(
    frame: pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    *,
    constants: Mapping[str, Any] | None = None,
    rate_decimals: int | None = None,
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
    rate_decimals
        If ``rate`` is neither mapped nor given, it is derived as numerator /
        denominator x rate_per (missing where the denominator is zero or a
        count is missing), rounded to this many places (``None``: unrounded).

    Returns
    -------
    pandas.DataFrame
        Every standard field in the standard's order, typed (string, Int64,
        Float64, boolean, datetime64). It is not validated: pass it to
        :func:`validate` or :func:`write_standard`.

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
    ...                   constants={"rate_per": 100}, rate_decimals=1)
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
        elif name in constants:
            raw[name] = pd.Series(
                [constants[name]] * len(source), index=source.index, dtype="object"
            )
        else:
            raw[name] = pd.Series([None] * len(source), index=source.index, dtype="object")
    values, _, found = _read_fields(raw, spec, keep_invalid=True)
    bad = [p for p in found if p.problem == "wrong type"]
    if bad:
        where = ", ".join(f"{p.column} row {p.row} ({p.value!r})" for p in bad[:5])
        raise ValueError(f"to_standard could not read {len(bad)} value(s): {where}.")
    if "rate" not in columns and "rate" not in constants:
        values["rate"] = [
            _derive_rate(*args, rate_decimals)
            for args in zip(
                values["numerator"], values["denominator"], values["rate_per"], strict=True
            )
        ]
    return _typed(values, list(spec))


def _derive_rate(
    num: int | None, den: int | None, per: int | None, decimals: int | None
) -> float | None:
    if num is None or den is None or per is None or den == 0:
        return None
    rate = num / den * per
    return rate if decimals is None else round(rate, decimals)


def write_standard(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a table in the standard form to a UTF-8 CSV file, only if it is valid.

    Cells are written as :func:`validate` reads them (dates as YYYY-MM-DD,
    booleans as true/false, whole-number floats without ``.0``), so the file
    passes exactly when the frame does.

    Raises
    ------
    ValueError
        If :func:`validate` finds any problem; the message is its summary.

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
    text = pd.DataFrame({name: _cells(frame.reset_index(drop=True), name) for name in order})
    out = Path(path)
    text.to_csv(out, index=False, encoding="utf-8", lineterminator="\n")
    return out


def read_standard(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a standard CSV file with typed columns; raise ``ValueError`` if it is not valid.

    Examples
    --------
    >>> read_standard("no/such/file.csv")
    Traceback (most recent call last):
    ...
    ValueError: Provider performance table (no/such/file.csv): 0 rows; the file could not be read...
    """
    report = validate(path)
    if not report.ok:
        raise ValueError(report.summary())
    frame, _ = _read_file(Path(path))
    assert frame is not None  # validate() read it
    _, values = _problems(frame, None)
    return _typed(values, [name for name in _field_map() if name in frame.columns])
