"""Validating a provider-performance table against the standard.

Every problem is reported by row and column.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation.data.table_schema import (
    _COUNTS,
    Problem,
    _as_text,
    _constraint_problems,
    _decimals,
    _field_map,
    _parse,
    schema,
)

__all__ = ["ValidationReport", "validate"]


# --------------------------------------------------------------------------- the report
@dataclass(frozen=True)
class ValidationReport:
    """What :func:`~evaluation.data.validation.validate` found in a table: immutable.

    Attributes
    ----------
    source
        What was checked: a file path, or ``"DataFrame"``.
    n_rows
        Data rows read (0 if the file could not be read).
    problems
        One :class:`~evaluation.data.table_schema.Problem` per error, in row order
        (file-level and column problems first).
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
        """One row per problem, with ``row, column, problem, value, message`` (a new frame)."""
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
        with its row (from 0), column, name (see
        :data:`~evaluation.data.table_schema.PROBLEMS`), the value as written, and a
        message.

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
