"""Tests of evaluation.compare.risk_adjustment: observed over expected, exact Poisson intervals."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from evaluation import compare
from evaluation.simulate import performance as sim

matplotlib.use("Agg")


# ------------------------------------------------------------- risk adjustment
def test_risk_adjustment_removes_case_mix_and_finds_the_bad_provider():
    records = sim.people(
        n_people=40_000, n_providers=10, case_mix_spread=2.0, bad_provider=0.6, seed=7
    )
    crude = records.groupby("provider", observed=True)["outcome"].mean()
    fit = compare.risk_adjust(
        records, outcome="outcome", unit="provider", covariates=["age_band", "deprived", "frailty"]
    )
    table = fit.table.set_index("unit")
    assert fit.estimate == pytest.approx(1.0)
    assert crude["H10"] > crude["H02"] + 0.1  # case mix makes H10 look worse than H02 crudely
    assert table.loc["H01", "ci_low"] > 1.0  # the truly bad provider stands out
    fair = table.drop(index="H01")
    assert (fair["oe_ratio"] - 1).abs().max() < 0.15
    assert fit.coefficients.loc["frailty", "coef"] == pytest.approx(0.0, abs=0.1)


def test_grouped_binomial_fit_equals_the_individual_fit():
    records = sim.people(n_people=20_000, n_providers=8, frailty_effect=0.0, seed=12)
    covariates = ["age_band", "deprived"]
    person = compare.risk_adjust(records, outcome="outcome", unit="provider", covariates=covariates)
    cells = (
        records.groupby(["provider", "age_band", "deprived"], observed=True)["outcome"]
        .agg(["sum", "size"])
        .reset_index()
    )
    grouped = compare.risk_adjust(
        cells, outcome="sum", denominator="size", unit="provider", covariates=covariates
    )
    np.testing.assert_allclose(person.coefficients["coef"], grouped.coefficients["coef"], rtol=1e-6)
    np.testing.assert_allclose(person.table["expected"], grouped.table["expected"], rtol=1e-6)
    np.testing.assert_allclose(person.table["ci_high"], grouped.table["ci_high"], rtol=1e-6)


def test_oe_interval_is_the_exact_poisson_interval():
    from statsmodels.stats.rates import confint_poisson

    records = sim.people(n_people=5_000, n_providers=5, seed=13)
    fit = compare.risk_adjust(records, outcome="outcome", unit="provider", covariates=["age_band"])
    table = fit.table
    low, high = confint_poisson(table["observed"], table["expected"], method="exact-c")
    np.testing.assert_allclose(table["ci_low"], low, rtol=1e-8)
    np.testing.assert_allclose(table["ci_high"], high, rtol=1e-8)


def test_poisson_risk_adjustment_with_exposure_and_reference():
    rng = np.random.default_rng(0)
    cells = pd.DataFrame(
        {
            "unit": np.repeat(list("abcd"), 3),
            "age": np.tile(["young", "mid", "old"], 4),
            "years": rng.integers(100, 1000, 12).astype(float),
        }
    )
    rate = cells["age"].map({"young": 0.01, "mid": 0.03, "old": 0.08})
    cells["deaths"] = rng.poisson(rate * cells["years"])
    fit = compare.risk_adjust(
        cells,
        outcome="deaths",
        unit="unit",
        covariates=["age"],
        family="poisson",
        person_time="years",
        reference_data=cells,
    )
    assert fit.table["expected"].sum() == pytest.approx(cells["deaths"].sum())
    assert fit.tidy()["term"].tolist() == list("abcd")


def test_risk_adjust_refuses_bad_input():
    records = sim.people(n_people=500, n_providers=3, seed=1)
    args = {"outcome": "outcome", "unit": "provider", "covariates": ["age_band"]}
    with pytest.raises(ValueError, match="must be 0/1"):
        compare.risk_adjust(records.assign(outcome=records["outcome"] * 2), **args)
    with pytest.raises(ValueError, match="missing"):
        compare.risk_adjust(
            records.assign(
                age_band=records["age_band"].cat.add_categories("x").where(records.index > 3)
            ),
            **args,
        )
    with pytest.raises(ValueError, match="is not a column"):
        compare.risk_adjust(records, outcome="outcome", unit="provider", covariates=["nope"])
    with pytest.raises(ValueError, match="family"):
        compare.risk_adjust(records, **args, family="gamma")  # type: ignore[arg-type]
