"""The logistic case-mix model fitted on person-level records where they live.

:func:`evaluation.compare.risk_adjust` on a polars frame, a DuckDB relation or a
PySpark DataFrame comes here. No row comes back to pandas; the engine (through
narwhals, :mod:`evaluation.cells`) returns only sums:

- **categorical covariates only**: the records are counted into cells of unit by
  covariates (people ``n`` and events per cell). A binomial GLM on the cells,
  summed over units, has the same likelihood as the logistic regression on the
  people, so the same coefficients and standard errors; a unit's expected count
  is the sum over its cells of ``n`` times the fitted probability.
- **any numeric covariate**: Newton-Raphson, which for the logistic link is
  iteratively reweighted least squares. Given ``b``, one aggregate query returns
  the information ``sum_i w_i x_i x_i'`` (``w_i = mu_i (1 - mu_i)``), the score
  ``sum_i x_i (y_i - mu_i)`` and the deviance: ``p (p + 1) / 2 + p + 1`` sums for
  ``p`` columns. ``b`` moves by ``information^{-1} score`` (solved in numpy)
  until the largest change is below ``1e-12 (1 + max |b|)``, or the deviance stops
  falling; the standard errors come from the inverse of the final information
  matrix. A last query sums each unit's fitted probabilities: its expected count.

Both are statsmodels' ``GLM(..., Binomial())`` on the person-level rows, to
rounding.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from evaluation.cells import _to_pandas

__all__: list[str] = []

#: Newton-Raphson stops when no coefficient moves more than this, relative to ``1 + max |b|``.
TOLERANCE = 1e-12
#: At most this many aggregate queries to fit the model.
MAX_ITERATIONS = 50


def fit_records(
    records: Any,
    *,
    outcome: str,
    unit: str,
    covariates: Sequence[str],
    reference: Any | None,
) -> dict[str, Any]:
    """Per-unit observed and expected counts and the case-mix coefficients, from records.

    Returns a dict with ``grouped`` (indexed by unit: ``n``, ``observed``,
    ``expected``), ``coefficients`` (``coef``, ``se``, ``p_value`` by term),
    ``cells`` (the table that left the engine), ``n_obs`` and ``engine``.
    """
    covariates = list(covariates)
    if not covariates:
        raise ValueError("covariates must name at least one case-mix column.")
    frame, share = _checked(records, outcome, unit, covariates)
    if reference is not None:
        fit_frame, share = _checked(reference, outcome, None, covariates)
    else:
        fit_frame = frame
    kinds = _kinds(fit_frame, covariates)
    levels = {c: _levels(fit_frame, c) for c, kind in kinds.items() if kind == "categorical"}
    if reference is not None:
        if _kinds(frame, covariates) != kinds:
            raise ValueError("Each covariate must be of the same kind in the data and reference.")
        _refuse_unseen(frame, levels)
    if all(kind == "categorical" for kind in kinds.values()):
        found = _from_cells(frame, fit_frame, outcome, unit, covariates, levels, reference)
    else:
        start = np.log(share / (1 - share))  # the intercept-only fit
        found = _from_newton(frame, fit_frame, outcome, unit, covariates, kinds, levels, start)
    name = str(nw.get_native_namespace(frame).__name__).split(".")[0]
    return {**found, "engine": name}


# ------------------------------------------------------------------ checks
def _checked(
    records: Any, outcome: str, unit: str | None, covariates: list[str]
) -> tuple[Any, float]:
    """The records as a narwhals frame and the share of events, from one query of checks."""
    try:
        frame = nw.from_native(records)
    except TypeError as error:
        raise TypeError(
            "records must be a data frame of pandas, polars, DuckDB, PySpark or another "
            f"library narwhals supports, not {type(records).__name__}."
        ) from error
    schema = frame.collect_schema()
    used = [*([unit] if unit else []), outcome, *covariates]
    absent = [column for column in used if column not in schema]
    if absent:
        raise ValueError(f"{absent} not among the columns of the records: {list(schema)}.")
    if not (schema[outcome].is_numeric() or schema[outcome] == nw.Boolean):
        raise ValueError(f"'{outcome}' must be numeric 0/1, not {schema[outcome]}.")
    y = nw.col(outcome).cast(nw.Float64)
    checks = [nw.col(c).is_null().cast(nw.Int64).sum().alias(f"missing {c}") for c in used]
    checks += [
        nw.col(c).is_nan().cast(nw.Int64).sum().alias(f"NaN {c}")
        for c in used
        if schema[c].is_float()
    ]
    checks += [
        y.min().alias("__low"),
        y.max().alias("__high"),
        (y * (1.0 - y)).abs().sum().alias("__between"),
        nw.len().alias("__rows"),
        y.mean().alias("__share"),
    ]
    found = _to_pandas(frame.select(*checks)).iloc[0]
    rows = int(found["__rows"])
    if rows == 0:
        raise ValueError("The records have no rows.")
    problems = {
        k: int(v)
        for k, v in found.drop(["__low", "__high", "__between", "__rows", "__share"]).items()
    }
    if any(problems.values()):
        bad = {k: v for k, v in problems.items() if v}
        raise ValueError(f"The records have {bad} rows: remove or fill them first.")
    if found["__low"] < 0 or found["__high"] > 1 or found["__between"] > 0:
        raise ValueError(
            f"Column '{outcome}' must be 0/1 for a binomial model without denominator=."
        )
    share = float(found["__share"])
    if share in (0.0, 1.0):
        raise ValueError(f"Column '{outcome}' is {share:g} for everyone: nothing to model.")
    return frame, share


def _kinds(frame: Any, covariates: list[str]) -> dict[str, str]:
    """Each covariate as ``numeric`` (booleans too) or ``categorical`` (text, category, enum)."""
    schema = frame.collect_schema()
    kinds = {}
    for column in covariates:
        dtype = schema[column]
        if dtype.is_numeric() or dtype == nw.Boolean:
            kinds[column] = "numeric"
        elif dtype in (nw.String, nw.Categorical) or isinstance(dtype, nw.Enum):
            kinds[column] = "categorical"
        else:
            raise ValueError(
                f"Covariate '{column}' is {dtype}: a case-mix covariate must be numeric "
                "(entered as it is) or text/categorical (dummy-coded)."
            )
    return kinds


def _levels(frame: Any, column: str) -> list[Any]:
    """The categories of ``column`` in the records, first the baseline.

    Declared order for an enum or a pandas categorical, sorted otherwise; as in
    the pandas path, only the categories the records hold.
    """
    seen = set(_to_pandas(frame.select(nw.col(column)).unique())[column].tolist())
    declared = _declared(frame, column)
    if declared:
        return [level for level in declared if level in seen]
    return sorted(seen)


def _declared(frame: Any, column: str) -> list[Any]:
    """The declared categories of an enum or a pandas categorical column; else none."""
    dtype = frame.collect_schema()[column]
    if isinstance(dtype, nw.Enum):
        return list(dtype.categories)
    if dtype == nw.Categorical and isinstance(frame.to_native(), pd.DataFrame):
        return list(frame.to_native()[column].cat.categories)
    return []


def _sorted(table: pd.DataFrame, keys: list[str], frame: Any) -> pd.DataFrame:
    """Rows sorted by ``keys`` as the pandas path sorts them: declared order, else by value.

    A categorical column from polars comes back with its categories in the order
    first met; these are put in sorted order.
    """
    for key in keys:
        values = table[key]
        declared = _declared(frame, key)
        if declared:
            held = set(values.tolist())
            order = [level for level in declared if level in held]
        elif isinstance(values.dtype, pd.CategoricalDtype):
            order = sorted(values.unique().tolist())
        else:
            continue
        table[key] = pd.Categorical(values.astype(object), categories=order)
    return table.astype({"n": "int64"}).sort_values(keys, ignore_index=True)


def _refuse_unseen(frame: Any, levels: dict[str, list[Any]]) -> None:
    """Refuse categories of the records that the reference data never holds."""
    for column, known in levels.items():
        seen = set(_to_pandas(frame.select(nw.col(column)).unique())[column].tolist())
        unseen = sorted(map(str, seen - set(known)))
        if unseen:
            raise ValueError(
                f"Column {column!r} has categories not in the reference data: {unseen}."
            )


def _terms(
    covariates: list[str], kinds: dict[str, str], levels: dict[str, list[Any]]
) -> list[tuple[str, nw.Expr]]:
    """The design's columns as (statsmodels name, narwhals expression), constant first."""
    terms: list[tuple[str, nw.Expr]] = [("const", nw.lit(1.0))]
    for column in covariates:
        if kinds[column] == "numeric":
            terms.append((column, nw.col(column).cast(nw.Float64)))
            continue
        for level in levels[column][1:]:
            dummy = (nw.col(column) == level).cast(nw.Float64)
            terms.append((f"{column}_{level}", dummy))
    return terms


# ------------------------------------------------------ categorical covariates: cells
def _from_cells(
    frame: Any,
    fit_frame: Any,
    outcome: str,
    unit: str,
    covariates: list[str],
    levels: dict[str, list[Any]],
    reference: Any | None,
) -> dict[str, Any]:
    """Grouped binomial GLM on covariate cells; expected counts from unit-by-cell counts."""
    import statsmodels.api as sm

    def count(source: Any, keys: list[str]) -> pd.DataFrame:
        events = source.with_columns(nw.col(outcome).cast(nw.Float64).alias("events"))
        if not keys:  # a reference without covariates: one cell
            return _to_pandas(events.select(nw.len().alias("n"), nw.col("events").sum()))
        sums = events.group_by(keys).agg(nw.len().alias("n"), nw.col("events").sum())
        return _sorted(_to_pandas(sums), keys, source)

    table = count(frame, [unit, *covariates])  # without covariates the cells are the units
    fitted_on = table if reference is None else count(fit_frame, covariates)
    if covariates:
        pooled = fitted_on.groupby(covariates, sort=True, observed=True)[["n", "events"]].sum()
        pooled = pooled.reset_index()
    else:
        pooled = pd.DataFrame(fitted_on[["n", "events"]].sum()).T
    x_fit = _dummies(pooled, covariates, levels)
    counts = np.column_stack([pooled["events"], pooled["n"] - pooled["events"]]).astype(float)
    with warnings.catch_warnings():
        # A model saturated in the cells fits their proportions exactly, which statsmodels
        # takes for perfect separation (and its residual degrees of freedom are zero).
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = sm.GLM(counts, x_fit, family=sm.families.Binomial()).fit()
    if np.any((fit.mu < 1e-10) | (fit.mu > 1 - 1e-10)):
        warnings.warn(
            "A covariate cell has no events, or only events: perfect separation, and the "
            "case-mix coefficients of that cell are not identified.",
            PerfectSeparationWarning,
            stacklevel=4,
        )
    probability = np.asarray(fit.predict(_dummies(table, covariates, levels)))
    table["expected"] = table["n"] * probability
    grouped = table.groupby(unit, sort=True, observed=True)[["n", "events", "expected"]].sum()
    grouped = grouped.rename(columns={"events": "observed"}).rename_axis("unit")
    coefficients = pd.DataFrame({"coef": fit.params, "se": fit.bse, "p_value": fit.pvalues})
    return {
        "grouped": grouped.astype(float),
        "coefficients": coefficients,
        "cells": table.drop(columns="expected"),
        "n_obs": int(table["n"].sum()),
        "how": "grouped binomial GLM on covariate cells",
    }


def _dummies(table: pd.DataFrame, covariates: list[str], levels: dict[str, list[Any]]) -> Any:
    """Design matrix of cells, named as the pandas path names it."""
    columns: dict[str, Any] = {"const": np.ones(len(table))}
    for column in covariates:
        for level in levels[column][1:]:
            columns[f"{column}_{level}"] = (table[column] == level).to_numpy(dtype=float)
    return pd.DataFrame(columns, index=table.index)


# ----------------------------------------------- numeric covariates: Newton-Raphson
def _from_newton(
    frame: Any,
    fit_frame: Any,
    outcome: str,
    unit: str,
    covariates: list[str],
    kinds: dict[str, str],
    levels: dict[str, list[Any]],
    start: float,
) -> dict[str, Any]:
    """Logistic regression by Newton-Raphson, one aggregate query per step."""
    terms = _terms(covariates, kinds, levels)
    names = [name for name, _ in terms]
    p = len(terms)
    design = fit_frame.select(
        nw.col(outcome).cast(nw.Float64).alias("__y"),
        *[expr.alias(f"__x{j}") for j, (_, expr) in enumerate(terms)],
    )
    beta = np.zeros(p)
    beta[0] = start
    deviance = np.inf
    information = np.eye(p)
    for _ in range(MAX_ITERATIONS):
        information, score, new_deviance = _step_sums(design, beta, p)
        if not np.isfinite(information).all() or np.linalg.cond(information) > 1e12:
            raise ValueError(
                "The case-mix model cannot be fitted: its covariates are collinear "
                "(a covariate constant, or one a multiple of another)."
            )
        step = np.linalg.solve(information, score)
        beta = beta + step
        small = np.max(np.abs(step)) < TOLERANCE * (1 + np.max(np.abs(beta)))
        # Near the optimum the deviance may rise by a rounding error: stop there too.
        stalled = new_deviance >= deviance and np.max(np.abs(step)) < 1e-6 * (
            1 + np.max(np.abs(beta))
        )
        deviance = new_deviance
        if small or stalled:
            break
    else:
        raise ValueError(
            f"The case-mix model did not converge in {MAX_ITERATIONS} steps "
            "(perfect separation, or a covariate on a huge scale?)."
        )
    if not np.all(np.isfinite(beta)):
        raise ValueError("The case-mix model did not converge (perfect separation?).")
    se = np.sqrt(np.diag(np.linalg.inv(information)))
    coefficients = pd.DataFrame(
        {"coef": beta, "se": se, "p_value": 2 * stats.norm.sf(np.abs(beta / se))}, index=names
    )
    probability = _probability(
        sum((float(b) * expr for b, (_, expr) in zip(beta, terms, strict=True)), nw.lit(0.0))
    )
    per_unit = (
        frame.with_columns(
            nw.col(outcome).cast(nw.Float64).alias("observed"), probability.alias("expected")
        )
        .group_by(unit)
        .agg(nw.len().alias("n"), nw.col("observed").sum(), nw.col("expected").sum())
    )
    table = _sorted(_to_pandas(per_unit), [unit], frame)
    grouped = table.set_index(unit).rename_axis("unit").astype(float)
    return {
        "grouped": grouped[["n", "observed", "expected"]],
        "coefficients": coefficients,
        "cells": table,
        "n_obs": int(table["n"].sum()),
        "how": "logistic regression by Newton-Raphson on aggregate sums",
    }


def _probability(eta: nw.Expr) -> nw.Expr:
    """``1 / (1 + exp(-eta))`` without overflow, from ``exp(-|eta|)``."""
    small = (-eta.abs()).exp()
    return nw.when(eta >= 0).then(1 / (1 + small)).otherwise(small / (1 + small))


def _step_sums(design: Any, beta: np.ndarray, p: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Information, score and deviance at ``beta``: one aggregate query in the engine.

    With ``e = exp(-|eta|)`` (one exponential a row): ``mu = 1 / (1 + e)`` or
    ``e / (1 + e)``, the weight ``mu (1 - mu) = e / (1 + e)**2`` and
    ``log(1 + exp(eta)) = log(1 + e) + max(eta, 0)`` for the deviance.
    """
    eta = sum((float(b) * nw.col(f"__x{j}") for j, b in enumerate(beta)), nw.lit(0.0))
    e, y = nw.col("__e"), nw.col("__y")
    positive = nw.col("__eta") >= 0
    rows = (
        design.with_columns(eta.alias("__eta"))
        .with_columns((-nw.col("__eta").abs()).exp().alias("__e"))
        .with_columns(
            (e / ((1 + e) * (1 + e))).alias("__w"),
            (y - nw.when(positive).then(1 / (1 + e)).otherwise(e / (1 + e))).alias("__r"),
            ((1 + e).log() + nw.when(positive).then(nw.col("__eta")).otherwise(0.0)).alias(
                "__soft"
            ),
        )
    )
    x = [nw.col(f"__x{j}") for j in range(p)]
    weight, residual = nw.col("__w"), nw.col("__r")
    pairs = [(j, k) for j in range(p) for k in range(j, p)]
    # x_0 is the constant: its products are the sums themselves.
    sums = rows.select(
        *[
            (weight if j == k == 0 else weight * x[k] if j == 0 else weight * x[j] * x[k])
            .sum()
            .alias(f"i{j}_{k}")
            for j, k in pairs
        ],
        *[(residual if j == 0 else x[j] * residual).sum().alias(f"s{j}") for j in range(p)],
        # Deviance: -2 sum [y eta - log(1 + exp(eta))].
        (2 * (nw.col("__soft") - y * nw.col("__eta"))).sum().alias("deviance"),
    )
    found = _to_pandas(sums).iloc[0]
    information = np.empty((p, p))
    for j, k in pairs:
        information[j, k] = information[k, j] = float(found[f"i{j}_{k}"])
    score = np.array([float(found[f"s{j}"]) for j in range(p)])
    return information, score, float(found["deviance"])
