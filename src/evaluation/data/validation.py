"""Validating a provider-performance table against the standard.

Every problem is reported by row and column.
"""

from __future__ import annotations

import codecs
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv

from evaluation.data.table_schema import (
    _COUNTS,
    _TEXT,
    Problem,
    _broken,
    _constraint_problems,
    _decimals,
    _field_map,
    _parse,
    _parse_texts,
    _texts,
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
        whole_row = errors["row"].notna() & errors["column"].isna()  # a ragged row
        errors["column"] = errors["column"].mask(whole_row, "(row)").fillna("(file)")
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
_CHUNK = 1 << 24

_BLANK = re.compile(rb"\s*")

_SHOWN = 5


def _line(raw: bytes, position: int) -> int:
    """The line (from 1) of a byte position."""
    return raw.count(b"\n", 0, position) + 1


def _nul_problem(raw: bytes, path: Path) -> Problem:
    """A NUL byte, which no text file holds: name the lines it is on."""
    first = raw.find(b"\x00")
    lines = [_line(raw, first)]
    while len(lines) <= _SHOWN and (following := raw.find(b"\n", first)) >= 0:
        first = raw.find(b"\x00", following)
        if first < 0:
            break
        lines.append(_line(raw, first))
    shown = ", ".join(str(n) for n in lines[:_SHOWN]) + (", ..." if len(lines) > _SHOWN else "")
    msg = (
        f"{path.name} holds {raw.count(0):,} NUL byte(s) (0x00), first at position "
        f"{raw.find(0)}, on line(s) {shown}; a CSV file is text and holds none. It may be "
        "UTF-16 ('Unicode text') or not a CSV file: save it as 'CSV UTF-8'."
    )
    return Problem(None, None, "NUL byte", "0x00", msg)


def _bad_utf8(raw: bytes) -> int | None:
    """Position of the first byte that is not UTF-8, decoding in chunks (little memory)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(raw)
    for start in range(0, len(raw), _CHUNK):
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(view[start : start + _CHUNK], final=start + _CHUNK >= len(raw))
        except UnicodeDecodeError as err:
            return start - pending + err.start
    return None


def _encoding_problem(raw: bytes, path: Path) -> Problem | None:
    position = _bad_utf8(raw)
    if position is None:
        return None
    bad = raw[position : position + 1].hex()
    msg = (
        f"{path.name} is not UTF-8: byte 0x{bad} on line {_line(raw, position)} (position "
        f"{position}); it may be Windows-1252 or Excel's format. Save it as 'CSV UTF-8'."
    )
    return Problem(None, None, "wrong encoding", f"0x{bad}", msg)


def _header(path: Path) -> list[str]:
    """The header's field names, as pyarrow reads them from the file's first block."""
    options = pcsv.ParseOptions(newlines_in_values=True, invalid_row_handler=lambda row: "skip")
    with pcsv.open_csv(str(path), parse_options=options) as reader:
        return list(reader.schema.names)


def _names(header: list[str]) -> list[str]:
    """Column names as pandas gives them: ``Unnamed: i`` for blanks, ``name.1`` for repeats."""
    names: list[str] = []
    for i, name in enumerate(header):
        name = name or f"Unnamed: {i}"
        base, k = name, 0
        while name in names:
            k += 1
            name = f"{base}.{k}"
        names.append(name)
    return names


def _row_slots(lines: list[int], n_read: int) -> np.ndarray:
    """Rows (from 0) of the ragged lines: line - 2, kept within the table."""
    lines_after_header = np.asarray(sorted(lines), dtype=np.int64) - 2
    return np.minimum(lines_after_header, n_read + np.arange(len(lines)))


def _read_csv(
    path: Path, header: list[str], *, threads: bool
) -> tuple[pa.Table, list[pcsv.InvalidRow]]:
    """All cells as text; rows with the wrong number of fields set aside.

    pyarrow numbers the rows it sets aside only when it reads in one thread.
    """
    ragged: list[pcsv.InvalidRow] = []

    def set_aside(row: pcsv.InvalidRow) -> str:
        if (row.text or "").count('"') % 2:
            return "error"  # a quote never closed: the file cannot be split into rows
        ragged.append(row)
        return "skip"

    table = pcsv.read_csv(
        str(path),
        read_options=pcsv.ReadOptions(use_threads=threads),
        parse_options=pcsv.ParseOptions(newlines_in_values=True, invalid_row_handler=set_aside),
        convert_options=pcsv.ConvertOptions(
            column_types={name: pa.large_string() for name in header},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return table.rename_columns(_names(table.column_names)), ragged


def _read_table(path: Path) -> tuple[pa.Table, list[pcsv.InvalidRow]]:
    """Read in threads; again in one if some rows are ragged, to number them."""
    header = _header(path)
    table, ragged = _read_csv(path, header, threads=True)
    if ragged:
        table, ragged = _read_csv(path, header, threads=False)
    return table, ragged


def _ragged_problems(ragged: list[pcsv.InvalidRow], rows: np.ndarray) -> list[Problem]:
    found = []
    for row, bad in zip(rows.tolist(), sorted(ragged, key=lambda r: r.number), strict=True):
        msg = (
            f"Line {bad.number} has {bad.actual_columns} field(s) but the header has "
            f"{bad.expected_columns}; the row is left out of the other checks."
        )
        found.append(Problem(row, None, "ragged row", bad.text, msg))
    return found


def _frame(table: pa.Table, ragged: list[pcsv.InvalidRow]) -> tuple[pd.DataFrame, list[Problem]]:
    """The table as text columns indexed by row number, and its ragged rows."""
    frame = table.to_pandas(types_mapper={pa.large_string(): _TEXT}.get)
    rows = _row_slots([r.number for r in ragged], len(frame))
    frame.index = np.delete(np.arange(len(frame) + len(rows)), rows)
    return frame, _ragged_problems(ragged, rows)


def _scan(path: Path) -> tuple[bool, bool]:
    """Read the file in chunks: does it hold a NUL byte; is it blank."""
    nul, blank, first = False, True, True
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            start = len(codecs.BOM_UTF8) if first and chunk.startswith(codecs.BOM_UTF8) else 0
            nul = nul or b"\x00" in chunk
            blank = blank and _BLANK.fullmatch(chunk, start) is not None
            first = False
    return nul, blank


def _read_file(path: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a CSV file as text cells, or say why it cannot be read.

    The frame's index holds each row's number (rows set aside as ragged keep theirs).
    """
    if not path.exists():
        return None, [Problem(None, None, "file not found", str(path), f"No file at {path}.")]
    try:
        nul, blank = _scan(path)
        if nul:
            return None, [_nul_problem(path.read_bytes(), path)]
    except OSError as err:
        return None, [Problem(None, None, "unreadable file", str(path), f"{path}: {err}")]
    if blank:
        return None, [Problem(None, None, "empty file", None, f"{path.name} has no header row.")]
    try:  # pyarrow checks the text is UTF-8; where it is not, say where
        table, ragged = _read_table(path)
    except (pa.ArrowInvalid, ValueError) as err:
        msg = f"{path.name} could not be read as CSV: {str(err).strip()}"
        problem = _encoding_problem(path.read_bytes(), path)
        return None, [problem or Problem(None, None, "unreadable file", None, msg)]
    return _frame(table, ragged)


# --------------------------------------------------------------------------- validation
def _rows(mask: pd.Series) -> list[int]:
    """Row labels where ``mask`` is true."""
    return mask.index[mask.to_numpy(dtype=bool, na_value=False)].tolist()


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


def _read_field(
    texts: pd.Series, field: dict[str, Any], keep_invalid: bool
) -> tuple[pd.Series, list[Problem]]:
    """Typed values of one column and its cell problems (missing, wrong type, constraints)."""
    name = field["name"]
    values, wrong = _parse_texts(texts, field)
    found = []
    if field.get("constraints", {}).get("required"):
        msg = f"{name} is required."
        found += [Problem(r, name, "missing value", None, msg) for r in _rows(texts.isna())]
    for row, text in zip(_rows(wrong), texts[wrong], strict=True):
        found.append(Problem(row, name, "wrong type", text, f"{name}: {_parse(text, field)[1]}."))
    broken = _broken(values, texts, field)
    for row, value, text in zip(_rows(broken), values[broken], texts[broken], strict=True):
        for problem, msg in _constraint_problems(value, text, field):
            found.append(Problem(row, name, problem, text, msg + "."))
    return (values if keep_invalid else values.mask(broken)), found


def _read_fields(
    frame: pd.DataFrame, spec: dict[str, dict[str, Any]], *, keep_invalid: bool = False
) -> tuple[dict[str, pd.Series], dict[str, pd.Series], list[Problem]]:
    """Parse every standard column: typed values, texts, problems.

    Values are missing where the cell is missing or of the wrong type, and where
    it breaks a constraint unless ``keep_invalid`` (so later checks see valid
    values only).
    """
    values, texts, found = {}, {}, []
    for name, field in spec.items():
        if name in frame.columns:
            texts[name] = _texts(frame[name])
            values[name], problems = _read_field(texts[name], field, keep_invalid)
            found += problems
        else:  # reported once, as a missing column
            texts[name] = pd.Series(np.nan, index=frame.index, dtype=_TEXT)
            values[name] = _parse_texts(texts[name], field)[0]
    return values, texts, found


def _check_period(values: dict[str, pd.Series], texts: dict[str, pd.Series]) -> list[Problem]:
    before = values["period_end"] < values["period_start"]
    return [
        Problem(row, "period_end", "period end before start", end,
                f"period_end {end} is before period_start {start}.")
        for row, end, start in zip(
            _rows(before), texts["period_end"][before], texts["period_start"][before], strict=True
        )
    ]  # fmt: skip


def _check_suppression(values: dict[str, pd.Series], texts: dict[str, pd.Series]) -> list[Problem]:
    found = []
    suppressed = values["suppressed"]
    for name in _COUNTS:
        shown = ((suppressed == True) & texts[name].notna()).fillna(False).astype(bool)  # noqa: E712
        for row, text in zip(_rows(shown), texts[name][shown], strict=True):
            msg = f"Row is marked suppressed but shows {name} {text}."
            found.append(Problem(row, name, "suppressed row carries numbers", text, msg))
    for name in ("numerator", "denominator"):
        lacking = (suppressed == False) & texts[name].isna()  # noqa: E712
        msg = f"{name} is empty on a row that is not suppressed."
        found += [Problem(r, name, "missing count", None, msg) for r in _rows(lacking)]
    return found


_TOLERANCE = np.array([0.5 * 10.0**-places for places in range(13)])


def _decimal_places(texts: pd.Series) -> np.ndarray:
    """:func:`~evaluation.data.table_schema._decimals` of number texts, at most 12."""
    dot = texts.str.find(".").to_numpy(dtype=np.float64, na_value=-1)
    length = texts.str.len().to_numpy(dtype=np.float64, na_value=0)
    places = np.where(dot >= 0, length - dot - 1, 0)
    powers = ((texts.str.find("e") >= 0) | (texts.str.find("E") >= 0)).to_numpy(bool)
    places[powers] = [_decimals(text) for text in texts[powers]]  # few: one by one
    return np.clip(places, 0, 12).astype(np.int64)


def _rate_tolerance(texts: pd.Series, rate_tolerance: float | None) -> np.ndarray:
    if rate_tolerance is not None:
        return np.full(len(texts), rate_tolerance)
    return _TOLERANCE[_decimal_places(texts)]


def _check_proportion(values: dict[str, pd.Series]) -> list[Problem]:
    num, den = values["numerator"], values["denominator"]
    above = ((values["ratio_type"] == "proportion") & (num > den)).fillna(False).astype(bool)
    return [
        Problem(row, "numerator", "numerator above denominator", str(n),
                f"numerator {n} is above denominator {d} in a proportion.")
        for row, n, d in zip(_rows(above), num[above], den[above], strict=True)
    ]  # fmt: skip


def _check_rate(
    values: dict[str, pd.Series], texts: dict[str, pd.Series], rate_tolerance: float | None
) -> list[Problem]:
    names = ("numerator", "denominator", "rate_per", "rate")
    num, den, per, rate = (values[n].to_numpy(np.float64, na_value=np.nan) for n in names)
    given = ~(np.isnan(num) | np.isnan(den) | np.isnan(per) | np.isnan(rate))
    zero = given & (den == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.abs(rate - num / den * per)
    tolerance = _rate_tolerance(texts["rate"], rate_tolerance) * (1 + 1e-9) + 1e-12 * per
    off = given & ~zero & (gap > tolerance)
    found = [
        Problem(row, "rate", "rate with zero denominator", text,
                f"rate {text} is given although the denominator is 0.")
        for row, text in zip(texts["rate"].index[zero].tolist(), texts["rate"][zero], strict=True)
    ]  # fmt: skip
    counts = (values[n][off].tolist() for n in names[:3])
    for row, text, n, d, p in zip(_rows(pd.Series(off, index=texts["rate"].index)),
                                  texts["rate"][off], *counts, strict=True):  # fmt: skip
        msg = f"rate {text} but {n} / {d} x {p} = {n / d * p:.6g}."
        found.append(Problem(row, "rate", "rate mismatch", text, msg))
    return found


def _check_duplicates(
    values: dict[str, pd.Series], texts: dict[str, pd.Series], key: list[str]
) -> list[Problem]:
    keys = pd.DataFrame({name: values[name] for name in key}, copy=False)
    complete = keys.notna().all(axis=1)
    repeated = keys[keys.duplicated(keep=False) & complete]  # a missing key matches none
    if repeated.empty:
        return []
    first = repeated.index.to_series().groupby([repeated[n] for n in key], sort=False)
    seen = first.transform("min")[repeated.duplicated(keep="first")]
    found = []
    for row, earlier in zip(seen.index.tolist(), seen.tolist(), strict=True):
        shown = ", ".join(str(texts[name][row]) for name in key)
        msg = f"Same {' + '.join(key)} ({shown}) as row {earlier}."
        found.append(Problem(row, "+".join(key), "duplicate row", shown, msg))
    return found


def _check_risk_model(values: dict[str, pd.Series], texts: dict[str, pd.Series]) -> list[Problem]:
    unnamed = values["expected"].notna() & texts["risk_model"].isna()
    msg = "expected events are given but risk_model does not say how they were predicted."
    return [
        Problem(r, "risk_model", "expected without risk model", None, msg) for r in _rows(unnamed)
    ]


def _problems(
    frame: pd.DataFrame, rate_tolerance: float | None, ragged: list[Problem] | None = None
) -> tuple[list[Problem], dict[str, pd.Series]]:
    """Every problem in row order (then in the standard's column order), and typed values.

    ``ragged`` are the rows of a file set aside for their number of fields.
    """
    descriptor = schema()
    spec = _field_map(descriptor)
    found = _check_columns(frame, spec) + list(ragged or [])
    values, texts, cell_problems = _read_fields(frame, spec)
    found += cell_problems
    found += _check_period(values, texts)
    found += _check_suppression(values, texts)
    found += _check_proportion(values)
    found += _check_rate(values, texts, rate_tolerance)
    found += _check_duplicates(values, texts, list(descriptor["primaryKey"]))
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

    Notes
    -----
    A file is read whole as text (UTF-8, with or without a byte-order mark).
    A file that holds a NUL byte, is not UTF-8 or is empty is refused with one
    problem that says so. A row with more or fewer fields than the header is
    reported as a ``ragged row`` at its row, naming its line, and left out of
    the other checks; the rows after it keep their numbers. Lines are counted
    as rows are (the header is line 1): this is the line in an editor unless a
    blank line or a quoted value holding a line break comes before. The checks run a
    column at a time (pandas string methods and arithmetic); only the cells
    found wrong are looked at one by one, to word their messages.

    Examples
    --------
    >>> import pandas as pd
    >>> report = validate(pd.DataFrame({"provider_id": ["A1"]}))
    >>> report.ok, sorted(set(report.errors["problem"]))
    (False, ['missing column'])

    A row with one field too many is named for what it is, at its row:

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "ragged.csv")
    >>> with open(path, "w", encoding="utf-8") as out:
    ...     _ = out.write("provider_id,provider_name\\nA1,Camden\\nA2,Greenwich,extra\\n")
    >>> (ragged,) = [p for p in validate(path).problems if p.problem == "ragged row"]
    >>> ragged.row, ragged.message
    (1, 'Line 3 has 3 field(s) but the header has 2; the row is left out of the other checks.')
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
    problems, _ = _problems(frame, rate_tolerance, found)
    return ValidationReport(source=source, n_rows=len(frame) + len(found), problems=tuple(problems))
