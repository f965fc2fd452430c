"""Risk adjustment from person-level records in any engine, against statsmodels on the people.

The records path (:mod:`evaluation.compare._risk_records`) fits the logistic
case-mix model without bringing rows back: from covariate cells when every
covariate is categorical, by Newton-Raphson on aggregate sums otherwise. The
references run here, side by side: statsmodels ``Logit`` (Newton, tolerance
1e-12) and ``GLM(Binomial)`` on every person, and the grouped binomial GLM on
cells counted in pandas. Tolerances: engines against each other 1e-9 relative;
against statsmodels, coefficients 1e-8 absolute, standard errors 1e-6 relative,
expected counts 1e-8 relative.
"""

from __future__ import annotations

import datetime
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest
import statsmodels.api as sm

from evaluation import compare
from evaluation.compare._risk_records import fit_records
from evaluation.simulate.performance import people

NUMERIC = ["age_band", "deprived", "frailty"]  # frailty continuous: the Newton path
CATEGORICAL = ["age_band", "sex"]  # both text: the cells path


def _records() -> pd.DataFrame:
    frame = people(n_people=6_000, n_providers=8, frailty_effect=0.4, seed=5)
    sex = np.random.default_rng(5).choice(["female", "male"], len(frame))
    return frame.assign(
        provider=frame["provider"].astype(str),
        age_band=frame["age_band"].astype(str),
        frailty=frame["frailty"].astype(float),
        sex=sex,
    ).drop(columns="true_provider_effect")


RECORDS = _records()
ENGINES = {"polars": pl.from_pandas, "duckdb": duckdb.from_df}
NAMES = {"outcome": "outcome", "unit": "provider"}


def _design(frame: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    parts = [
        pd.get_dummies(frame[c], prefix=c, drop_first=True, dtype=float)
        if not pd.api.types.is_numeric_dtype(frame[c])
        else frame[c].astype(float)
        for c in covariates
    ]
    return sm.add_constant(pd.concat(parts, axis=1))


def _same(a: compare.RiskAdjustedResult, b: compare.RiskAdjustedResult, rtol: float) -> None:
    """Equal results; coefficient p-values (down to 1e-78) only to 1e-3 relative (z squared)."""
    both = a.coefficients.join(b.coefficients.add_suffix("_b"))
    np.testing.assert_allclose(both[["coef", "se"]], both[["coef_b", "se_b"]], rtol=rtol)
    np.testing.assert_allclose(both["p_value"], both["p_value_b"], rtol=max(rtol, 1e-3))
    assert list(a.coefficients.index) == list(b.coefficients.index)
    numbers = ["n", "observed", "expected", "oe_ratio", "ci_low", "ci_high", "p_value"]
    np.testing.assert_allclose(a.table[numbers], b.table[numbers], rtol=rtol)
    assert list(a.table["unit"]) == list(b.table["unit"])
    assert (a.n_obs, a.estimate) == (b.n_obs, pytest.approx(b.estimate, rel=rtol))


@pytest.mark.parametrize("covariates", [NUMERIC, CATEGORICAL], ids=["newton", "cells"])
def test_every_engine_gives_the_pandas_records_answer(covariates: list[str]) -> None:
    on_pandas = fit_records(RECORDS, **NAMES, covariates=covariates, reference=None)
    for engine, make in ENGINES.items():
        fit = compare.risk_adjust(make(RECORDS), **NAMES, covariates=covariates)
        assert engine in fit.notes[-1]
        np.testing.assert_allclose(fit.coefficients, on_pandas["coefficients"], rtol=1e-9)
        np.testing.assert_allclose(
            fit.table[["n", "observed", "expected"]], on_pandas["grouped"], rtol=1e-9
        )


def test_newton_equals_statsmodels_logit_on_the_people() -> None:
    fit = compare.risk_adjust(duckdb.from_df(RECORDS), **NAMES, covariates=NUMERIC)
    x = _design(RECORDS, NUMERIC)
    logit = sm.Logit(RECORDS["outcome"].astype(float), x).fit(method="newton", tol=1e-12, disp=0)
    assert list(fit.coefficients.index) == list(x.columns)
    np.testing.assert_allclose(fit.coefficients["coef"], logit.params, rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.coefficients["se"], logit.bse, rtol=1e-6)
    expected = pd.Series(logit.predict(x)).groupby(RECORDS["provider"]).sum()
    np.testing.assert_allclose(fit.table["expected"], expected, rtol=1e-8)
    # ... and the pandas path (statsmodels GLM on every person), table and all.
    on_pandas = compare.risk_adjust(RECORDS, **NAMES, covariates=NUMERIC)
    _same(fit, on_pandas, rtol=1e-6)
    # The O/E funnel (expected counts as exposure, target 1) from either table.
    oe = {"unit": "unit", "events": "observed", "denominator": "expected", "target": 1.0}
    funnels = [compare.funnel(r.table, family="poisson", **oe).table for r in (fit, on_pandas)]
    np.testing.assert_allclose(funnels[0]["z"], funnels[1]["z"], rtol=1e-6)
    assert list(funnels[0]["flag_998"]) == list(funnels[1]["flag_998"])
    cells = fit.cells
    assert cells is not None and int(cells["n"].sum()) == len(RECORDS)


def test_cells_equal_the_grouped_and_the_person_level_glm() -> None:
    fit = compare.risk_adjust(pl.from_pandas(RECORDS), **NAMES, covariates=CATEGORICAL)
    grouped = RECORDS.groupby(CATEGORICAL, as_index=False)["outcome"].agg(["sum", "size"])
    counts = np.column_stack([grouped["sum"], grouped["size"] - grouped["sum"]])
    on_cells = sm.GLM(counts, _design(grouped, CATEGORICAL), family=sm.families.Binomial()).fit()
    x = _design(RECORDS, CATEGORICAL)
    person = sm.GLM(RECORDS["outcome"], x, family=sm.families.Binomial()).fit(tol=1e-12)
    for reference in (on_cells, person):
        np.testing.assert_allclose(fit.coefficients["coef"], reference.params, rtol=0, atol=1e-8)
        np.testing.assert_allclose(fit.coefficients["se"], reference.bse, rtol=1e-6)
    expected = pd.Series(person.predict(x)).groupby(RECORDS["provider"]).sum()
    np.testing.assert_allclose(fit.table["expected"], expected, rtol=1e-8)
    _same(fit, compare.risk_adjust(RECORDS, **NAMES, covariates=CATEGORICAL), rtol=1e-6)
    cells = fit.cells
    assert cells is not None and list(cells.columns) == ["provider", *CATEGORICAL, "n", "events"]
    assert compare.risk_adjust(RECORDS, **NAMES, covariates=CATEGORICAL).cells is None


def test_a_reference_in_another_engine_fits_the_model() -> None:
    reference, data = RECORDS.iloc[:4_000], RECORDS.iloc[4_000:]
    for covariates in (NUMERIC, CATEGORICAL):
        on_pandas = compare.risk_adjust(
            data, **NAMES, covariates=covariates, reference_data=reference
        )
        in_duckdb = compare.risk_adjust(
            duckdb.from_df(data),
            **NAMES,
            covariates=covariates,
            reference_data=duckdb.from_df(reference),
        )
        _same(in_duckdb, on_pandas, rtol=1e-6)
        assert in_duckdb.estimate != pytest.approx(1.0, abs=1e-6)
    as_text = pl.from_pandas(data.assign(frailty=data["frailty"].astype(str)))
    with pytest.raises(ValueError, match="same kind"):
        compare.risk_adjust(
            as_text, **NAMES, covariates=NUMERIC, reference_data=pl.from_pandas(reference)
        )
    no_young = reference[reference["age_band"] != reference["age_band"].min()]
    with pytest.raises(ValueError, match="not in the reference data"):
        compare.risk_adjust(
            pl.from_pandas(data),
            **NAMES,
            covariates=NUMERIC,
            reference_data=pl.from_pandas(no_young),
        )


def test_categorical_columns_keep_the_pandas_order() -> None:
    typed = people(n_people=3_000, n_providers=5, seed=1)  # provider, age_band: category
    on_pandas = compare.risk_adjust(typed, **NAMES, covariates=["age_band", "deprived"])
    for make in ENGINES.values():
        for covariates in (["age_band", "deprived"], ["age_band"]):
            fit = compare.risk_adjust(make(typed), **NAMES, covariates=covariates)
            if len(covariates) == 2:
                _same(fit, on_pandas, rtol=1e-6)
            cells = fit.cells
            assert cells is not None and cells["n"].dtype == "int64"
            assert list(cells["provider"].cat.categories) == sorted(typed["provider"].unique())


# Spark spends a second or more on each query: the Newton case has fewer columns here.
@pytest.mark.parametrize("covariates", [CATEGORICAL, ["sex", "frailty"]], ids=["cells", "newton"])
def test_spark_gives_the_duckdb_answer(spark: Any, covariates: list[str]) -> None:
    in_spark = compare.risk_adjust(spark.createDataFrame(RECORDS), **NAMES, covariates=covariates)
    in_duckdb = compare.risk_adjust(duckdb.from_df(RECORDS), **NAMES, covariates=covariates)
    assert "pyspark" in in_spark.notes[-1]
    _same(in_spark, in_duckdb, rtol=1e-9)


@pytest.mark.parametrize(
    ("change", "covariates", "message"),
    [
        (lambda f: f.assign(frailty=f["frailty"].where(f.index > 2)), NUMERIC, "missing frailty"),
        (
            lambda f: f.assign(provider=f["provider"].where(f.index > 0)),
            NUMERIC,
            "missing provider",
        ),
        (lambda f: f.assign(outcome=f["outcome"] * 2), NUMERIC, "0/1"),
        (lambda f: f.assign(outcome=f["outcome"] * 0.5), CATEGORICAL, "0/1"),
        (lambda f: f.assign(outcome=f["outcome"].astype(str)), CATEGORICAL, "numeric 0/1"),
        (
            lambda f: f.assign(when=datetime.date(2024, 1, 1)),
            ["when"],
            "must be numeric .* or text/categorical",
        ),
        (lambda f: f.drop(columns="sex"), CATEGORICAL, "not among the columns"),
        (lambda f: f.assign(copy=f["frailty"] * 2), [*NUMERIC, "copy"], "collinear"),
    ],
)
def test_bad_records_are_refused(change: Any, covariates: list[str], message: str) -> None:
    records = duckdb.from_df(change(RECORDS))
    with pytest.raises(ValueError, match=message):
        compare.risk_adjust(records, **NAMES, covariates=covariates)


def test_nan_in_polars_and_other_models_are_refused() -> None:
    with_nan = RECORDS.assign(frailty=RECORDS["frailty"].where(RECORDS.index != 3, np.nan))
    nan = pl.from_pandas(with_nan, nan_to_null=False)
    with pytest.raises(ValueError, match="NaN frailty"):
        compare.risk_adjust(nan, **NAMES, covariates=NUMERIC)
    with pytest.raises(ValueError, match="binomial model of a 0/1 outcome"):
        compare.risk_adjust(pl.from_pandas(RECORDS), **NAMES, covariates=NUMERIC, family="poisson")
