"""Risk adjustment: observed against expected outcomes given each provider's case mix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from evaluation.results import (
    CopiedFrame,
    Result,
    require_columns,
    require_no_missing,
    require_numeric,
    tidy_columns,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
from evaluation.compare._counts import _show_rows
from evaluation.compare._risk_records import fit_records

__all__ = ["RiskAdjustedResult", "risk_adjust"]


_GLM_NAMES = {"binomial": "logistic", "poisson": "Poisson"}


# ============================================================ risk adjustment
@dataclass(frozen=True, kw_only=True, eq=False)
class RiskAdjustedResult(Result):
    """Observed and case-mix-expected outcomes per unit, with O/E ratios.

    Attributes
    ----------
    family
        ``"binomial"`` (logistic case-mix model) or ``"poisson"``.
    coefficients
        The case-mix model's coefficients with standard errors (a copy).
    table
        One row per unit (a copy); see :func:`risk_adjust`.
    cells
        For records in another engine, the table that left it (a copy, with the
        count ``n``): unit-by-covariate cells with ``events``, or, with a numeric
        covariate, one row per unit; ``None`` for a pandas frame.
    """

    family: str
    _coefficients: pd.DataFrame = field(repr=False)
    _table: pd.DataFrame = field(repr=False)
    _cells: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def cells(self) -> pd.DataFrame | None:
        """The cells that left the records' engine (a copy), or ``None``."""
        return None if self._cells is None else self._cells.copy()

    coefficients = CopiedFrame(
        "_coefficients", "Case-mix model coefficients, standard errors and p-values."
    )

    table = CopiedFrame(
        "_table", "One row per unit, with observed, expected, O/E and its exact interval."
    )

    def tidy(self) -> pd.DataFrame:
        """One row per unit: ``term`` (unit), ``estimate`` (O/E ratio), interval, p-value."""
        columns = {"term": "unit", "estimate": "oe_ratio", "n_obs": "n"}
        kept = ("ci_low", "ci_high", "p_value", "observed", "expected")
        return tidy_columns(self._table, columns, *kept)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """O/E ratio and exact interval of each unit, ordered by the ratio.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        from evaluation.report import style

        table = self._table.sort_values("oe_ratio").reset_index(drop=True)
        ax = style.axes(ax, (8, 0.25 * len(table) + 1.5))
        rows = np.arange(len(table))
        ax.hlines(rows, table["ci_low"], table["ci_high"], color="#444444", lw=1.2)
        ax.scatter(table["oe_ratio"], rows, color="#0072B2", zorder=3, s=20)
        ax.axvline(1.0, color="#D55E00", lw=1, ls="--")
        ax.set_yticks(rows, table["unit"].astype(str))
        return style.finish(
            ax,
            title="Observed over expected: each unit's ratio with its exact interval",
            xlabel="Observed / expected (ratio; 1 = as expected)",
            ylabel="Unit",
            source=style.DEFAULT_SOURCE,
        )


def _design(
    data: pd.DataFrame, covariates: Sequence[str], reference: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dummy-coded design matrices for ``data`` and the model-fitting ``reference`` data.

    Categories are taken from the reference data; the first is the baseline.
    """
    import statsmodels.api as sm

    frames = []
    for frame in (reference, data):
        parts: list[pd.DataFrame | pd.Series] = []
        for column in covariates:
            values = frame[column]
            if isinstance(values.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(
                values
            ):
                # Only categories the reference data holds: a declared but unused category
                # would give a dummy of zeros there and an unidentified coefficient.
                seen = pd.Categorical(reference[column]).remove_unused_categories()
                levels = seen.categories
                unseen = ~values.isin(levels)
                if unseen.any():
                    raise ValueError(
                        f"Column {column!r} has categories not in the reference data "
                        f"(rows {_show_rows(frame.index[unseen])})."
                    )
                coded = pd.get_dummies(
                    pd.Categorical(values.astype(object), categories=levels),
                    prefix=column,
                    drop_first=True,
                    dtype=float,
                )
                coded.index = frame.index
                parts.append(coded)
            else:
                parts.append(values.astype(float).rename(column))
        frames.append(sm.add_constant(pd.concat(parts, axis=1), has_constant="add"))
    return frames[1], frames[0]


def _check_risk_inputs(
    data: pd.DataFrame,
    outcome: str,
    unit: str | None,
    covariates: Sequence[str],
    family: str,
    denominator: str | None,
    person_time: str | None,
) -> None:
    """Refuse absent, missing or impossible outcome, unit, covariate, denominator or time values."""
    columns: dict[str, str | None] = {
        "outcome": outcome,
        "unit": unit,
        "denominator": denominator,
        "person_time": person_time,
    }
    columns.update({f"covariates[{i}]": c for i, c in enumerate(covariates)})
    require_columns(data, columns)
    numeric = [c for c in (outcome, denominator, person_time) if c is not None]
    require_numeric(data, numeric)
    require_no_missing(data, [c for c in (outcome, unit, *covariates, *numeric[1:]) if c])
    if family not in ("binomial", "poisson"):
        raise ValueError(f"family must be 'binomial' or 'poisson'; it was {family!r}.")
    y = data[outcome].to_numpy(dtype=float)
    if np.any(y < 0):
        raise ValueError(
            f"Column {outcome!r} has negative values (rows {_show_rows(data.index[y < 0])})."
        )
    if family == "binomial" and denominator is None and np.any((y != 0) & (y != 1)):
        bad = data.index[(y != 0) & (y != 1)]
        raise ValueError(
            f"Column {outcome!r} must be 0/1 for a binomial model without denominator= "
            f"(rows {_show_rows(bad)})."
        )
    if denominator is not None:
        bad = data.index[(data[denominator] <= 0) | (data[denominator] < data[outcome])]
        if len(bad):
            raise ValueError(
                f"Column {denominator!r} must be positive and at least {outcome!r} "
                f"(rows {_show_rows(bad)})."
            )
    if person_time is not None and (data[person_time] <= 0).any():
        raise ValueError(
            f"Column {person_time!r} must be positive "
            f"(rows {_show_rows(data.index[data[person_time] <= 0])})."
        )


def _fit_case_mix(
    data: pd.DataFrame,
    reference: pd.DataFrame,
    *,
    outcome: str,
    covariates: Sequence[str],
    family: str,
    denominator: str | None,
    person_time: str | None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Fit the GLM on ``reference``; return expected counts for ``data`` and coefficients."""
    import statsmodels.api as sm

    x_data, x_ref = _design(data, covariates, reference)
    if family == "binomial":
        glm_family = sm.families.Binomial()
        if denominator is None:
            endog = reference[outcome].astype(float)
            model = sm.GLM(endog, x_ref, family=glm_family)
        else:
            success = reference[outcome].astype(float)
            counts = pd.concat([success, reference[denominator] - success], axis=1)
            model = sm.GLM(counts, x_ref, family=glm_family)
        fit = model.fit()
        size = (
            np.ones(len(data)) if denominator is None else data[denominator].to_numpy(dtype=float)
        )
        expected = size * np.asarray(fit.predict(x_data))
    else:
        offset = (
            None if person_time is None else np.log(reference[person_time].to_numpy(dtype=float))
        )
        fit = sm.GLM(
            reference[outcome].astype(float), x_ref, family=sm.families.Poisson(), offset=offset
        ).fit()
        data_offset = (
            None if person_time is None else np.log(data[person_time].to_numpy(dtype=float))
        )
        expected = np.asarray(fit.predict(x_data, offset=data_offset))
    coefficients = pd.DataFrame({"coef": fit.params, "se": fit.bse, "p_value": fit.pvalues})
    return expected, coefficients


def _exact_poisson_ratio(
    observed: np.ndarray, expected: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact (Garwood) interval for O/E with E fixed, and the two-sided exact p-value of O/E = 1."""
    tail = (1 - level) / 2
    low = np.where(observed > 0, stats.chi2.ppf(tail, 2 * observed) / 2, 0.0) / expected
    high = stats.chi2.ppf(1 - tail, 2 * observed + 2) / 2 / expected
    lower_tail = stats.poisson.cdf(observed, expected)
    upper_tail = stats.poisson.sf(observed - 1, expected)
    p_value = np.minimum(1.0, 2 * np.minimum(lower_tail, upper_tail))
    return low, high, p_value


def risk_adjust(
    data: pd.DataFrame | Any,
    *,
    outcome: str,
    unit: str,
    covariates: Sequence[str],
    family: Literal["binomial", "poisson"] = "binomial",
    denominator: str | None = None,
    person_time: str | None = None,
    reference_data: pd.DataFrame | Any | None = None,
    level: float = 0.95,
) -> RiskAdjustedResult:
    """Observed/expected ratios per unit after adjusting for case mix.

    A case-mix model (statsmodels GLM: logistic for a binary outcome, Poisson
    for counts) predicts each record's outcome from the ``covariates`` alone,
    not from the unit. A unit's expected count ``E`` is the sum of its
    records' predictions: what an average unit would have achieved with the
    same people. The observed count ``O`` beside it gives ``O/E``; above 1
    means more outcomes than its case mix predicts.

    The interval for ``O/E`` is the exact Poisson (Garwood) interval for
    ``O`` divided by ``E``, treating ``E`` as fixed: this ignores the
    uncertainty in the case-mix model, which is small when the model is
    fitted on many more records than any one unit has. The p-value is the
    exact two-sided Poisson test of ``O/E = 1``.

    Input may be one row per person (``outcome`` 0/1 for ``"binomial"``) or
    one row per cell of people sharing covariates, with ``outcome`` the count
    of events and ``denominator`` the number of people (binomial) or ``person_time``
    the person-time (Poisson, used as a log offset). A binomial GLM on
    grouped data gives the same coefficients as on the individual records.

    Parameters
    ----------
    data
        Records (or cells) of the units to compare: a pandas frame, or person-level
        records in any engine :mod:`evaluation.cells` takes (polars, a DuckDB relation,
        a PySpark DataFrame). Records elsewhere than pandas stay where they are: with
        categorical covariates only they are counted into cells and the model fitted
        to the cells; with a numeric covariate each Newton-Raphson step is one
        aggregate query. Both give the person-level fit's coefficients and standard
        errors; only a binomial model of a 0/1 outcome is offered this way.
    outcome, unit
        Column names: the outcome (0/1 or a count) and the unit label.
    covariates
        Case-mix columns; text or categorical columns are dummy-coded, the
        first category the baseline.
    family
        ``"binomial"`` or ``"poisson"``.
    denominator, person_time
        Optional columns: the number of people behind each row's count (grouped binomial
        data), or the time at risk (a Poisson exposure, entered as a log offset).
    reference_data
        Data to fit the case-mix model on (e.g. all of England, or an earlier
        year); default ``data`` itself, in which case the total O/E is 1. With
        records in another engine, records in any engine.
    level
        Confidence level of the intervals.

    Returns
    -------
    RiskAdjustedResult
        Headline: the overall O/E (all units together) with its exact
        interval. ``table`` columns: ``unit, n, observed, expected, crude_rate,
        oe_ratio, ci_low, ci_high, p_value``.

    Examples
    --------
    >>> from evaluation.simulate.performance import people
    >>> records = people(n_people=5_000, n_providers=4, seed=3)
    >>> fit = risk_adjust(records, outcome="outcome", unit="provider",
    ...                   covariates=["age_band", "deprived"])
    >>> round(fit.estimate, 6)
    1.0

    The same records in DuckDB: only sums come back, with the same answer.

    >>> import duckdb
    >>> in_duckdb = risk_adjust(duckdb.from_df(records), outcome="outcome", unit="provider",
    ...                         covariates=["age_band", "deprived"])
    >>> bool((in_duckdb.table["expected"] - fit.table["expected"]).abs().max() < 1e-6)
    True
    """
    covariates = list(covariates)
    if not isinstance(data, pd.DataFrame):
        if family != "binomial" or denominator is not None or person_time is not None:
            raise ValueError(
                "Records in another engine take a binomial model of a 0/1 outcome: "
                "family='poisson', denominator= and person_time= need a pandas frame."
            )
        found = fit_records(
            data, outcome=outcome, unit=unit, covariates=covariates, reference=reference_data
        )
        return _result(
            found["grouped"],
            found["coefficients"],
            outcome=outcome,
            n_obs=found["n_obs"],
            family=family,
            level=level,
            own_data=reference_data is None,
            cells=found["cells"],
            how=f"case-mix model fitted in {found['engine']}: {found['how']}",
        )
    _check_risk_inputs(data, outcome, unit, covariates, family, denominator, person_time)
    fit_data = data if reference_data is None else reference_data
    if reference_data is not None:
        _check_risk_inputs(
            reference_data, outcome, None, covariates, family, denominator, person_time
        )
    expected, coefficients = _fit_case_mix(
        data,
        fit_data,
        outcome=outcome,
        covariates=covariates,
        family=family,
        denominator=denominator,
        person_time=person_time,
    )
    size = (
        pd.Series(1.0, index=data.index) if denominator is None else data[denominator].astype(float)
    )
    grouped = (
        pd.DataFrame(
            {
                "unit": data[unit].to_numpy(),
                "n": size.to_numpy(),
                "observed": data[outcome].to_numpy(dtype=float),
                "expected": expected,
            }
        )
        .groupby("unit", sort=True, observed=True)
        .sum()
    )
    return _result(
        grouped,
        coefficients,
        outcome=outcome,
        n_obs=len(data),
        family=family,
        level=level,
        own_data=reference_data is None,
    )


def _result(
    grouped: pd.DataFrame,
    coefficients: pd.DataFrame,
    *,
    outcome: str,
    n_obs: int,
    family: str,
    level: float,
    own_data: bool,
    cells: pd.DataFrame | None = None,
    how: str | None = None,
) -> RiskAdjustedResult:
    """The result from units' ``n``, ``observed`` and ``expected`` (indexed by unit)."""
    observed = grouped["observed"].to_numpy()
    low, high, p_value = _exact_poisson_ratio(observed, grouped["expected"].to_numpy(), level)
    table = grouped.reset_index().assign(
        crude_rate=lambda t: t["observed"] / t["n"],
        oe_ratio=lambda t: t["observed"] / t["expected"],
        ci_low=low,
        ci_high=high,
        p_value=p_value,
    )
    total_o, total_e = np.array([observed.sum()]), np.array([grouped["expected"].sum()])
    overall_low, overall_high, overall_p = _exact_poisson_ratio(total_o, total_e, level)
    return RiskAdjustedResult(
        outcome=outcome,
        estimate=float(total_o[0] / total_e[0]),
        se=float(np.sqrt(total_o[0]) / total_e[0]),
        ci_low=float(overall_low[0]),
        ci_high=float(overall_high[0]),
        p_value=float(overall_p[0]),
        n_obs=n_obs,
        method=f"Risk adjustment ({_GLM_NAMES[family]} case-mix GLM)",
        estimand="overall observed/expected ratio",
        level=level,
        notes=(
            "O/E intervals are exact Poisson with E treated as fixed",
            "case-mix model fitted on "
            + ("the same data (total O/E = 1)" if own_data else "the reference data"),
            *([how] if how else []),
        ),
        family=family,
        _coefficients=coefficients,
        _table=table,
        _cells=cells,
    )
