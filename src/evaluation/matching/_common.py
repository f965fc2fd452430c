"""Checks the selection-on-observables estimators share."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from evaluation.results import require_columns, require_no_missing, require_numeric

ESTIMANDS = ("ATT", "ATE")


#: Same-group neighbours used to estimate each unit's outcome variance (Abadie-Imbens).
VARIANCE_NEIGHBOURS = 2


_TIE = 1e-10  # scores closer than this count as tied


def _prepare(
    data: pd.DataFrame,
    *,
    treatment: str,
    covariates: Sequence[str],
    outcome: str | None = None,
) -> pd.DataFrame:
    """Validate columns and return a float copy of them, treatment coded 0/1."""
    if isinstance(covariates, str) or len(covariates) == 0:
        raise ValueError("covariates must be a non-empty list of column names.")
    if len(set(covariates)) != len(covariates):
        raise ValueError(f"covariates lists a column more than once: {list(covariates)}.")
    clash = {treatment, outcome} & set(covariates)
    if clash:
        raise ValueError(
            f"{sorted(c for c in clash if c)} cannot be both a covariate and "
            "the treatment or outcome."
        )
    named: dict[str, str | None] = {"treatment": treatment, "outcome": outcome}
    named.update({f"covariates[{i}]": c for i, c in enumerate(covariates)})
    require_columns(data, named)
    columns = [c for c in (outcome, treatment, *covariates) if c is not None]
    require_numeric(data, columns)
    require_no_missing(data, columns)
    _require_binary(data, treatment)
    for column in covariates:
        if data[column].nunique() < 2:
            raise ValueError(
                f"Covariate {column!r} takes a single value ({data[column].iloc[0]!r}); "
                "it cannot predict treatment. Remove it."
            )
    return data.loc[:, columns].astype(float)


def _require_binary(data: pd.DataFrame, treatment: str) -> None:
    values = data[treatment]
    bad = ~values.isin([0, 1])
    if bad.any():
        rows = ", ".join(str(i) for i in data.index[bad][:5])
        raise ValueError(
            f"treatment={treatment!r} must be 0/1 (or boolean); {int(bad.sum())} row(s) hold "
            f"other values, e.g. {sorted(values[bad].unique().tolist())[:5]} (rows {rows})."
        )
    n_treated = int((values == 1).sum())
    if n_treated == 0 or n_treated == len(values):
        group = "treated" if n_treated == 0 else "control"
        raise ValueError(f"treatment={treatment!r} has no {group} units; nothing to compare.")


def _check_estimand(estimand: str) -> str:
    if estimand not in ESTIMANDS:
        raise ValueError(f"estimand={estimand!r}; choose 'ATT' or 'ATE'.")
    return estimand


def _require_variation(frame: pd.DataFrame, *, outcome: str, treatment: str) -> None:
    """Refuse designs whose robust standard error would be a number from rounding noise.

    With one treated (or one control) unit its own residual is zero, so the
    heteroskedasticity-robust variance of the difference is near zero and the p-value
    absurdly small; a constant outcome has no variation at all.
    """
    counts = frame[treatment].value_counts()
    for value, group in ((1, "treated"), (0, "control")):
        if int(counts.get(value, 0)) < 2:
            raise ValueError(
                f"treatment={treatment!r} has {int(counts.get(value, 0))} {group} unit(s): "
                "a robust standard error needs at least two in each group (with one, its "
                "residual is zero and the p-value is meaningless). Compare that unit with "
                "a permutation or synthetic-control design instead."
            )
    if frame[outcome].nunique() < 2:
        raise ValueError(
            f"outcome={outcome!r} takes one value in every row: there is no variation to "
            "estimate an effect from."
        )
