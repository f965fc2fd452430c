"""The one result contract every estimator keeps, and the input checks they share.

An estimator returns a frozen dataclass that subclasses :class:`Result`: its
headline number is in ``estimate, se, ci_low, ci_high, p_value, n_obs``; it
records the ``outcome`` column and the ``estimand`` in words; ``tidy()`` gives a
new DataFrame with one row per reported quantity and at least the columns
:data:`TIDY_COLUMNS`; ``summary()`` gives text. Designs add their own fields
(group-time effects, donor weights, the counterfactual path...) and a
``plot(*, ax=None)`` where a picture is the natural answer.

Reports that are not an estimate (a power calculation, an appraisal, a balance
table, a bandwidth, a recommendation, a validation report) keep the smaller
:class:`Report` protocol: ``tidy()`` and ``summary()``.

Examples
--------
>>> from evaluation.results import Result
>>> r = Result(estimate=-0.04, se=0.012, ci_low=-0.0635, ci_high=-0.0165,
...            p_value=0.0009, n_obs=2500, method="Example", estimand="ATT")
>>> r.tidy()[["term", "estimate", "se"]].to_dict("records")
[{'term': 'ATT', 'estimate': -0.04, 'se': 0.012}]
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypedDict, overload, runtime_checkable

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "CopiedFrame",
    "carry_dropped",
    "drop_rows",
    "dropped_text",
    "finite",
    "TIDY_COLUMNS",
    "Report",
    "Result",
    "normal_interval",
    "require_columns",
    "require_numeric",
    "require_time",
    "require_no_missing",
    "require_frame",
    "require_full_rank",
    "require_level",
    "require_whole",
    "require_unique",
    "tidy_columns",
    "tidy_frame",
    "Headline",
    "headline",
    "interval_only",
    "no_interval",
]


#: The columns every estimate's ``tidy()`` has, in this order (designs may add more).
TIDY_COLUMNS = ("term", "estimate", "se", "ci_low", "ci_high", "p_value", "n_obs")


@runtime_checkable
class Report(Protocol):
    """What every result of the library offers, estimate or not.

    ``tidy()`` returns a new DataFrame (changing it changes nothing in the
    report) and ``summary()`` returns text. Where a picture is natural the report
    also has ``plot(*, ax=None)``, which draws on ``ax`` or on a new figure.
    """

    def tidy(self) -> pd.DataFrame:
        """The report as a table, one row per reported quantity."""
        ...

    def summary(self) -> str:
        """The report as short text."""
        ...


@dataclass(frozen=True)
class Result:
    """Headline estimate of a design, with its uncertainty.

    Attributes
    ----------
    estimate, se
        The point estimate and its standard error.
    ci_low, ci_high
        The bounds of the ``level`` confidence interval.
    p_value
        Two-sided p-value for a null of zero.
    n_obs
        Observations (rows) the estimate used.
    method
        A short name of the design and estimator.
    estimand
        What is estimated, e.g. ``"ATT"`` or ``"level change"``.
    level
        Confidence level of the interval.
    notes
        Plain-language notes: dropped rows, choices made, warnings.
    outcome
        The outcome column the estimate is of (``None`` where the design has none,
        e.g. a test of the running variable's density).
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    n_obs: int
    method: str
    estimand: str
    level: float = 0.95
    notes: tuple[str, ...] = field(default=())
    outcome: str | None = None

    def tidy(self) -> pd.DataFrame:
        """One row per reported quantity: ``term, estimate, se, ci_low, ci_high, p_value``."""
        return pd.DataFrame([self._headline_fields()])

    def _headline_fields(self) -> dict[Hashable, object]:
        """The headline as one ``tidy()`` row (a dict of :data:`TIDY_COLUMNS`)."""
        return {
            "term": self.estimand,
            "estimate": self.estimate,
            "se": self.se,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
            "n_obs": self.n_obs,
        }

    def _tidy_with(self, *names: str) -> pd.DataFrame:
        """The headline row of :meth:`Result.tidy` plus the named attributes as columns."""
        return Result.tidy(self).assign(**{name: getattr(self, name) for name in names})

    def summary(self) -> str:
        """A short text report of the headline estimate."""
        pct = round(self.level * 100)
        return self._report(
            f"  {self.estimand}: {self.estimate:.4g} (SE {self.se:.4g}), "
            f"{pct}% CI [{self.ci_low:.4g}, {self.ci_high:.4g}], p = {self.p_value:.3g}",
        )

    def _report(self, *lines: str, observations: bool = True) -> str:
        """Text report: the method (and outcome), ``lines``, the observations, then the notes."""
        head = f"{self.method}" + (f" (outcome: {self.outcome})" if self.outcome else "")
        count = [f"  observations: {self.n_obs:,}"] if observations else []
        return "\n".join([head, *lines, *count, *(f"  note: {note}" for note in self.notes)])

    def __str__(self) -> str:
        return self.summary()


def tidy_frame(columns: dict[str, object]) -> pd.DataFrame:
    """A new ``tidy()`` frame: :data:`TIDY_COLUMNS` first (missing ones as NaN), then extras.

    ``columns`` maps a column name to its values (a Series, array or scalar), in
    the order the extras should appear.

    Examples
    --------
    >>> tidy_frame({"term": ["a"], "estimate": [1.0], "share": [0.5]}).columns.tolist()
    ['term', 'estimate', 'se', 'ci_low', 'ci_high', 'p_value', 'n_obs', 'share']
    """
    frame = pd.DataFrame({k: (v.to_numpy() if isinstance(v, pd.Series) else v)
                          for k, v in columns.items()})  # fmt: skip
    for name in TIDY_COLUMNS:
        if name not in frame:
            frame[name] = np.nan
    extras = [c for c in frame.columns if c not in TIDY_COLUMNS]
    return frame[[*TIDY_COLUMNS, *extras]].copy()


def tidy_columns(table: pd.DataFrame, columns: dict[str, str], *kept: str) -> pd.DataFrame:
    """A new ``tidy()`` frame from the columns of a result's table.

    ``columns`` maps a tidy column (``term``, ``estimate``...) to the table's
    column holding it; ``kept`` are table columns carried under their own
    names, in that order (after :data:`TIDY_COLUMNS`, as :func:`tidy_frame` does).

    Examples
    --------
    >>> table = pd.DataFrame({"unit": ["a"], "rate": [0.2], "ci_low": [0.1], "z": [1.5]})
    >>> tidy_columns(table, {"term": "unit", "estimate": "rate"}, "ci_low", "z").iloc[0].to_dict()
    ... # doctest: +NORMALIZE_WHITESPACE
    {'term': 'a', 'estimate': 0.2, 'se': nan, 'ci_low': 0.1, 'ci_high': nan, 'p_value': nan,
     'n_obs': nan, 'z': 1.5}
    """
    named = {name: table[column] for name, column in columns.items()}
    return tidy_frame({**named, **{column: table[column] for column in kept}})


class Headline(TypedDict):
    """The headline fields of a :class:`Result`: ``estimate, se, ci_low, ci_high, p_value``."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float


def headline(estimate: float, se: float, level: float = 0.95) -> Headline:
    """The headline fields from an estimate and its standard error (normal interval).

    Examples
    --------
    >>> {k: round(v, 4) for k, v in headline(1.0, 0.5).items()}
    {'estimate': 1.0, 'se': 0.5, 'ci_low': 0.02, 'ci_high': 1.98, 'p_value': 0.0455}
    """
    low, high, p = normal_interval(estimate, se, level)
    return {"estimate": estimate, "se": se, "ci_low": low, "ci_high": high, "p_value": p}


def interval_only(estimate: float, se: float, level: float = 0.95) -> Headline:
    """The headline fields with a normal interval but no test (``p_value`` NaN).

    For a summary quantity (a target rate, a prior mean) whose null of zero means nothing.

    Examples
    --------
    >>> {k: round(v, 4) for k, v in interval_only(1.0, 0.5).items()}
    {'estimate': 1.0, 'se': 0.5, 'ci_low': 0.02, 'ci_high': 1.98, 'p_value': nan}
    """
    return {**headline(estimate, se, level), "p_value": float("nan")}


def no_interval(estimate: float) -> Headline:
    """The headline fields of an estimate with no standard error, interval or test (NaN).

    For a spread of estimated effects, or a design whose inference is by permutation.

    Examples
    --------
    >>> no_interval(0.3)["estimate"], no_interval(0.3)["ci_low"]
    (0.3, nan)
    """
    nan = float("nan")
    return {"estimate": estimate, "se": nan, "ci_low": nan, "ci_high": nan, "p_value": nan}


class CopiedFrame:
    """A read-only attribute that hands out a copy of a result's private frame.

    Results keep their tables in private fields (``_table``) so that no caller can
    change them; ``table = CopiedFrame("_table", "The full table.")`` in the class
    body gives callers a fresh copy each time.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Report:
    ...     _table: pd.DataFrame
    ...     table = CopiedFrame("_table", "The table (a copy).")
    >>> report = Report(pd.DataFrame({"x": [1]}))
    >>> report.table["x"] = 2
    >>> int(report.table.loc[0, "x"])
    1
    """

    def __init__(self, field_name: str, doc: str) -> None:
        self.field_name = field_name
        self.__doc__ = doc

    @overload
    def __get__(self, instance: None, owner: type) -> CopiedFrame: ...

    @overload
    def __get__(self, instance: object, owner: type) -> pd.DataFrame: ...

    def __get__(self, instance: object | None, owner: type) -> Any:
        if instance is None:
            return self
        frame: pd.DataFrame = getattr(instance, self.field_name)
        return frame.copy()


def drop_rows(frame: pd.DataFrame, drop: pd.Series, reason: str) -> pd.DataFrame:
    """Drop the rows where ``drop`` is true, saying how many and why.

    The count and reason are added to ``frame.attrs["dropped"]`` (a dict of reason to
    rows, in the order the drops happened), which is the one place a chapter or a
    caller reads them from, and a ``UserWarning`` says the same to an interactive user.
    A function that builds a new frame from the kept rows passes the record on with
    :func:`carry_dropped`.

    Examples
    --------
    >>> import warnings
    >>> frame = pd.DataFrame({"x": [1.0, None, 3.0]})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     kept = drop_rows(frame, frame["x"].isna(), "x missing")
    >>> len(kept), kept.attrs["dropped"]
    (2, {'x missing': 1})
    """
    dropped = dict(frame.attrs.get("dropped", {}))
    n = int(drop.sum())
    if n:
        warnings.warn(f"Dropped {n} rows: {reason}.", UserWarning, stacklevel=3)
        dropped[reason] = dropped.get(reason, 0) + n
    kept = frame.loc[~drop].copy()
    kept.attrs["dropped"] = dropped
    return kept


def carry_dropped(target: pd.DataFrame, *sources: pd.DataFrame) -> pd.DataFrame:
    """Give ``target`` the rows-dropped record of ``sources`` (and its own), in order."""
    dropped: dict[str, int] = {}
    for frame in (*sources, target):
        for reason, n in frame.attrs.get("dropped", {}).items():
            dropped[reason] = dropped.get(reason, 0) + n
    target.attrs["dropped"] = dropped
    return target


def dropped_text(frame: pd.DataFrame) -> str:
    """The rows-dropped record as text: ``"3 rows: x missing; 1 rows: ..."``, or ``"none"``."""
    dropped = frame.attrs.get("dropped", {})
    return "; ".join(f"{n} rows: {reason}" for reason, n in dropped.items()) or "none"


def require_level(level: object) -> float:
    """Check a confidence level is a proportion strictly between 0 and 1 (0.95, not 95).

    Examples
    --------
    >>> require_level(0.9)
    0.9
    >>> require_level(95)
    Traceback (most recent call last):
    ...
    ValueError: level must lie strictly between 0 and 1 (0.95 for a 95% interval); it was 95.
    """
    if isinstance(level, bool) or not isinstance(level, int | float | np.number):
        raise TypeError(f"level must be a number such as 0.95; it was {level!r}.")
    if not 0 < float(level) < 1:
        raise ValueError(
            f"level must lie strictly between 0 and 1 (0.95 for a 95% interval); it was {level}."
        )
    return float(level)


def require_whole(name: str, value: object, minimum: int = 0) -> int:
    """Check a setting is a whole number at least ``minimum`` (12, or 12.0, but not 12.5).

    Examples
    --------
    >>> require_whole("seasonal", 12.0, minimum=2)
    12
    >>> require_whole("seasonal", 12.5, minimum=2)
    Traceback (most recent call last):
    ...
    ValueError: seasonal must be a whole number of at least 2; it was 12.5.
    """
    number = value if isinstance(value, int | float | np.number) else None
    if isinstance(value, bool) or number is None or not float(number).is_integer():
        raise ValueError(f"{name} must be a whole number of at least {minimum}; it was {value!r}.")
    if int(number) < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}; it was {value}.")
    return int(number)


def normal_interval(estimate: float, se: float, level: float = 0.95) -> tuple[float, float, float]:
    """Normal-approximation interval and two-sided p-value: ``(ci_low, ci_high, p)``.

    Examples
    --------
    >>> [round(x, 4) for x in normal_interval(1.0, 0.5)]
    [0.02, 1.98, 0.0455]
    """
    level = require_level(level)
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = 2 * stats.norm.sf(abs(estimate / se)) if se > 0 else float("nan")
    return float(estimate - z * se), float(estimate + z * se), float(p)


def require_columns(data: pd.DataFrame, columns: dict[str, str | None]) -> None:
    """Check ``data`` is a DataFrame holding each named column.

    ``columns`` maps the argument name to the column name given (``None`` is
    skipped), so the error names both: ``outcome='lemp' is not a column``.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}.")
    for argument, column in columns.items():
        if column is not None and column not in data.columns:
            raise ValueError(
                f"{argument}={column!r} is not a column of the data; "
                f"the columns are {list(data.columns)}."
            )


def require_frame(
    data: pd.DataFrame,
    columns: Mapping[str, str | None],
    *,
    complete: Sequence[str] | None = None,
    numeric: Sequence[str] = (),
    keys: Sequence[str] = (),
) -> None:
    """The usual checks in one order: columns present, complete, numeric, rows unique.

    ``columns`` maps a role to its column, as :func:`require_columns` takes it
    (``None`` for an unused role). Then no missing values in ``complete`` (every
    named column when not given), numbers in ``numeric``, and ``keys`` columns
    that identify each row once. The first failing check raises ``ValueError``.

    Examples
    --------
    >>> frame = pd.DataFrame({"unit": ["a", "b"], "y": [1.0, 2.0]})
    >>> require_frame(frame, {"unit": "unit", "outcome": "y"}, numeric=["y"], keys=["unit"])
    >>> require_frame(frame, {"outcome": "z"})
    Traceback (most recent call last):
    ...
    ValueError: outcome='z' is not a column of the data; the columns are ['unit', 'y'].
    """
    require_columns(data, dict(columns))
    named = [column for column in columns.values() if column is not None]
    require_no_missing(data, named if complete is None else complete)
    if numeric:
        require_numeric(data, numeric)
    if keys:
        require_unique(data, keys)


def require_numeric(data: pd.DataFrame, columns: Iterable[str]) -> None:
    """Check each column is numeric (or boolean)."""
    for column in columns:
        if not (
            pd.api.types.is_numeric_dtype(data[column]) or pd.api.types.is_bool_dtype(data[column])
        ):
            raise ValueError(
                f"Column {column!r} must be numeric; it has dtype {data[column].dtype}."
            )


def require_time(data: pd.DataFrame, time: str) -> None:
    """Raise ``ValueError`` unless column ``time`` holds numbers or dates.

    Examples
    --------
    >>> require_time(pd.DataFrame({"year": [2020, 2021]}), "year")
    >>> require_time(pd.DataFrame({"year": pd.Categorical(["2020"])}), "year")
    Traceback (most recent call last):
    ...
    ValueError: Column 'year' (time) must be numeric or dates; it is category.
    """
    column = data[time]
    if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column)):
        raise ValueError(f"Column {time!r} (time) must be numeric or dates; it is {column.dtype}.")


def _rows(index: pd.Index) -> str:
    return ", ".join(str(i) for i in index[:5]) + (" ..." if len(index) > 5 else "")


def require_no_missing(data: pd.DataFrame, columns: Sequence[str]) -> None:
    """Refuse missing or infinite values in ``columns``, naming the column and the rows.

    Infinity is refused with missing values: it passes ``isna()`` but not arithmetic.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> require_no_missing(pd.DataFrame({"y": [1.0, np.inf]}), ["y"])
    Traceback (most recent call last):
    ...
    ValueError: Column 'y' has 1 infinite value(s) (rows 1). Infinity is not a number ...
    """
    for column in columns:
        missing = data.index[data[column].isna()]
        if len(missing):
            raise ValueError(
                f"Column {column!r} has {len(missing)} missing value(s) (rows {_rows(missing)}). "
                "Drop or impute them explicitly before estimating."
            )
        values = data[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            infinite = data.index[np.isinf(values.to_numpy(dtype=float))]
            if len(infinite):
                raise ValueError(
                    f"Column {column!r} has {len(infinite)} infinite value(s) "
                    f"(rows {_rows(infinite)}). Infinity is not a number any estimator can "
                    "use: correct or drop those rows before estimating."
                )


def require_full_rank(design: np.ndarray, names: Sequence[str], what: str = "model") -> None:
    """Refuse a design matrix whose columns are not linearly independent.

    A least-squares fit by pseudo-inverse returns an arbitrary split of the effect
    between collinear columns (a covariate that repeats the treatment term halves the
    estimate). This finds, from a QR decomposition of the column-scaled matrix, the
    first column that the columns before it already explain, and names it.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1, 0, 0], [1, 1, 1], [1, 0, 0], [1, 1, 1.0]])
    >>> require_full_rank(x, ["const", "post", "in_force"])
    Traceback (most recent call last):
    ...
    ValueError: The model cannot be estimated: column 'in_force' is a linear combination ...
    """
    x = np.asarray(design, dtype=float)
    if x.ndim != 2 or x.shape[1] != len(names):
        raise ValueError(f"design has shape {x.shape} but {len(names)} column names.")
    if x.shape[0] < x.shape[1]:
        raise ValueError(
            f"The {what} has {x.shape[1]} terms ({', '.join(names)}) but only {x.shape[0]} "
            "rows: it cannot be estimated."
        )
    norms = np.linalg.norm(x, axis=0)
    scaled = x / np.where(norms > 0, norms, 1.0)
    diagonal = np.abs(np.diag(np.linalg.qr(scaled, mode="r")))
    tolerance = max(x.shape) * np.finfo(float).eps * 1e3
    for j, (norm, r) in enumerate(zip(norms, diagonal, strict=True)):
        if norm == 0 or r <= tolerance:
            before = ", ".join(names[:j]) or "none"
            reason = (
                "all zero"
                if norm == 0
                else f"a linear combination of the columns before it ({before})"
            )
            raise ValueError(
                f"The {what} cannot be estimated: column {names[j]!r} is {reason}, so its "
                "coefficient, and any effect it shares, is not identified. Drop it or the "
                "column it repeats."
            )


def require_unique(data: pd.DataFrame, keys: Sequence[str]) -> None:
    """Refuse duplicate rows for the same key (e.g. unit and time)."""
    duplicated = data.duplicated(subset=list(keys), keep=False)
    if duplicated.any():
        rows = data.loc[duplicated, list(keys)].head(5).to_dict("records")
        raise ValueError(
            f"{int(duplicated.sum())} rows share the same {' and '.join(keys)}, e.g. {rows}. "
            "Each combination must appear once."
        )


def finite(values: Iterable[float]) -> bool:
    """True when every value is a finite number."""
    return bool(np.all(np.isfinite(np.asarray(list(values), dtype=float))))
