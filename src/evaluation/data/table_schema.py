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
