"""Input checks shared by the difference-in-differences estimators.

Each check raises a ``ValueError`` that names the column and the offending rows
or units, or warns saying how many rows were set aside and why. Nothing is
dropped silently.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from evaluation.results import require_columns, require_no_missing, require_numeric, require_unique

__all__ = [
    "as_pandas",
    "check_binary",
    "check_cohort",
    "check_panel",
    "check_weights",
    "drop_always_treated",
    "unit_constant",
    "shown",
]


def shown(values: Iterable[object], limit: int = 5) -> str:
    """The first few values as text, with an ellipsis when there are more."""
    items = list(values)
    text = ", ".join(str(v) for v in items[:limit])
    return text + (" ..." if len(items) > limit else "")


def as_pandas(data: object) -> pd.DataFrame:
    """A pandas frame from ``data``: itself, or ``data.to_pandas()`` (polars, pyarrow...).

    Anything else is refused with a ``TypeError`` naming its library and type.
    """
    if isinstance(data, pd.DataFrame):
        return data
    convert = getattr(data, "to_pandas", None)
    if callable(convert):
        converted = convert()
        if isinstance(converted, pd.DataFrame):
            return converted
    kind = type(data)
    raise TypeError(
        f"data must be a pandas DataFrame (or have a to_pandas() method, as polars and pyarrow "
        f"frames do), not {kind.__module__.split('.')[0]}.{kind.__name__}."
    )


def _changing_units(data: pd.DataFrame, *, unit: str, column: str) -> pd.Index:
    """Units (sorted) in which ``column`` takes more than one value, a missing one counted."""
    spread = data.groupby(unit, sort=True)[column].nunique(dropna=False)
    return spread.index[spread > 1]


def unit_constant(data: pd.DataFrame, *, unit: str, column: str, role: str) -> pd.Series:
    """The value of ``column`` for each unit (sorted), refusing one that changes within a unit."""
    changing = _changing_units(data, unit=unit, column=column)
    if len(changing):
        raise ValueError(
            f"Column {column!r} ({role}) must be constant within each unit of {unit!r}; it "
            f"changes for {len(changing)} unit(s) (e.g. {shown(changing)})."
        )
    return data.groupby(unit, sort=True)[column].first()


def check_panel(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    numeric: Sequence[str],
    columns: Mapping[str, str | None],
    balanced: bool = True,
    hint: str = "",
) -> None:
    """Check a long panel: columns present, numeric, complete, unique and (if asked) balanced.

    Parameters
    ----------
    data
        The long panel, one row per unit and period.
    unit, time
        The unit identifier and period columns.
    numeric
        Columns that must be numeric and complete (outcome, covariates...).
    columns
        Argument name to column name, for the "is not a column" message.
    balanced
        Whether every unit must be observed in every period.
    hint
        Text added to the message refusing an unbalanced panel.
    """
    require_columns(data, dict(columns))
    require_numeric(data, [time, *numeric])
    require_no_missing(data, [unit, time, *numeric])
    require_unique(data, [unit, time])
    periods = data[time].nunique()
    counts = data.groupby(unit, sort=True)[time].size()
    short = counts.index[counts < periods]
    if balanced and len(short):
        raise ValueError(
            f"The panel is unbalanced: {len(short)} unit(s) of {unit!r} are not observed in all "
            f"{periods} periods of {time!r} (e.g. {shown(short)}). Balance the panel explicitly "
            f"(drop those units or fill the gaps) before estimating{hint}."
        )
    if periods < 2:
        raise ValueError(f"Column {time!r} has {periods} period(s); at least two are needed.")


def check_binary(data: pd.DataFrame, column: str) -> np.ndarray:
    """Return ``column`` as 0/1 floats, refusing any other value."""
    values = data[column]
    if pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=float)
    bad = data.index[~values.isin([0, 1])]
    if len(bad):
        raise ValueError(
            f"Column {column!r} must be 0/1 (or boolean); {len(bad)} row(s) hold other values "
            f"(rows {shown(bad)}; values {shown(values.loc[bad].unique())})."
        )
    return values.to_numpy(dtype=float)


def check_weights(data: pd.DataFrame, column: str | None) -> None:
    """Weights must be numeric, complete and positive."""
    if column is None:
        return
    require_numeric(data, [column])
    require_no_missing(data, [column])
    bad = data.index[(data[column] <= 0) | np.isinf(data[column])]
    if len(bad):
        raise ValueError(
            f"Column {column!r} holds {len(bad)} weight(s) that are zero or negative (or infinite) "
            f"(rows {shown(bad)}); weights must be positive and finite."
        )


def check_cohort(data: pd.DataFrame, *, unit: str, time: str, cohort: str) -> pd.Series:
    """The first treated period of each unit, with never-treated units coded ``inf``.

    ``cohort`` is 0 or missing for a unit never treated. It must be the same in
    every row of a unit; a unit whose cohort changes is refused, because that is
    either a coding error or a treatment that switches off. A cohort later than
    the last period is treated as never treated in the window, with a warning.
    """
    require_numeric(data, [cohort])
    changing = _changing_units(data, unit=unit, column=cohort)
    if len(changing):
        raise ValueError(
            f"Column {cohort!r} must be constant within each unit (the first period the unit "
            f"is treated); it changes for {len(changing)} unit(s) of {unit!r} "
            f"(e.g. {shown(changing)}). A treatment that switches off, or a cohort coded "
            "per row, cannot be used by this estimator."
        )
    first = data.groupby(unit, sort=True)[cohort].first().astype(float)
    never = first.isna() | (first == 0)
    first = first.where(~never, np.inf)
    late = first.index[np.isfinite(first) & (first > data[time].max())]
    if len(late):
        warnings.warn(
            f"{len(late)} unit(s) have a {cohort!r} after the last period "
            f"({data[time].max()}); they are used as never treated (e.g. {shown(late)}).",
            UserWarning,
            stacklevel=3,
        )
        first.loc[late] = np.inf
    return first


def drop_always_treated(
    data: pd.DataFrame,
    first: pd.Series,
    *,
    unit: str,
    time: str,
    cohort: str,
    anticipation: int = 0,
) -> tuple[pd.DataFrame, pd.Series]:
    """Set aside units treated in the first period: they have no pre-period to compare.

    With ``anticipation`` periods, a unit adopting within that many periods
    after the first is set aside too (as R's ``did``). Warns with the number
    of units and rows dropped.
    """
    early = first.index[first <= data[time].min() + anticipation]
    if len(early) == 0:
        return data, first
    rows = data[unit].isin(early)
    limit = data[time].min() + anticipation
    warnings.warn(
        f"Dropped {len(early)} unit(s) ({int(rows.sum())} rows) whose {cohort!r} is at or "
        f"before {'the first period ' if anticipation == 0 else ''}{limit}"
        f"{f' (the first period plus {anticipation} of anticipation)' if anticipation else ''}: "
        "they were already treated, so there "
        f"is no pre-period to compare (e.g. {shown(early)}).",
        UserWarning,
        stacklevel=3,
    )
    return data.loc[~rows], first.drop(early)


def cohort_panel(
    data: pd.DataFrame, *, outcome: str, unit: str, time: str, cohort: str, cluster: str | None
) -> tuple[pd.DataFrame, pd.Series]:
    """The checks an event-time estimator starts with, and the panel without always-treated units.

    A balanced panel with a numeric ``outcome``, a complete ``cluster`` if given, and a
    cohort constant within unit; returns the rows kept and each unit's first treated
    period (units treated from the first period are set aside, with a warning).
    """
    check_panel(
        data,
        unit=unit,
        time=time,
        numeric=[outcome],
        columns={"outcome": outcome, "unit": unit, "time": time, "cohort": cohort,
                 "cluster": cluster},
    )  # fmt: skip
    if cluster is not None:
        require_no_missing(data, [cluster])
    first = check_cohort(data, unit=unit, time=time, cohort=cohort)
    return drop_always_treated(data, first, unit=unit, time=time, cohort=cohort)
