"""Records in other engines: the same 2x2 difference-in-differences from cell sums.

The person-level path (statsmodels WLS on every row) is the reference; the cell path
summarises the records inside polars, DuckDB or a local Spark session and finishes on
the cells. The
estimate and every standard error must agree to 1e-9 (relative), for classical,
robust (HC1) and clustered errors, weighted and not.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest

from evaluation import cells, did


def _records(n: int = 20_000, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    area = rng.integers(0, 24, n)
    treated = (area < 9).astype(int)
    post = rng.integers(0, 2, n)
    y = 1.0 + 0.3 * treated + 0.2 * post - 0.15 * treated * post + rng.normal(0, 1, n)
    y += rng.normal(0, 0.3, 24)[area]  # area effects make clustering matter
    weight = rng.uniform(0.5, 2.0, n)
    return pd.DataFrame({"area": area, "treated": treated, "post": post, "y": y, "w": weight})


RECORDS = _records()
ENGINES = {
    "polars": lambda f: pl.from_pandas(f),
    "duckdb": lambda f: duckdb.from_df(f),
}


OPTIONS = [
    {"cov_type": "HC1"},
    {"cov_type": "nonrobust"},
    {"cluster": "area"},
    {"weights": "w"},
    {"weights": "w", "cluster": "area"},
    {"weights": "w", "cov_type": "nonrobust"},
]


@pytest.mark.parametrize("engine", sorted(ENGINES))
@pytest.mark.parametrize(
    "options", OPTIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items())
)
def test_the_cell_path_equals_the_person_level_path(engine: str, options: dict) -> None:
    names = {"outcome": "y", "treated": "treated", "post": "post", **options}
    person = did.two_by_two(RECORDS, **names)
    from_cells = did.two_by_two(ENGINES[engine](RECORDS), **names)
    assert from_cells.estimate == pytest.approx(person.estimate, rel=1e-9)
    assert from_cells.se == pytest.approx(person.se, rel=1e-9)
    np.testing.assert_allclose(from_cells.coefficients["se"], person.coefficients["se"], rtol=1e-9)
    assert from_cells.n_obs == person.n_obs
    np.testing.assert_allclose(from_cells.cell_means["mean"], person.cell_means["mean"], rtol=1e-12)


@pytest.mark.parametrize("options", OPTIONS[2:5], ids=["cluster", "weights", "weights-cluster"])
def test_spark_gives_the_person_level_answer(spark: Any, options: dict) -> None:
    names = {"outcome": "y", "treated": "treated", "post": "post", **options}
    person = did.two_by_two(RECORDS, **names)
    in_spark = did.two_by_two(spark.createDataFrame(RECORDS), **names)
    assert cells.engine(spark.createDataFrame(RECORDS.head())) == "pyspark"
    assert in_spark.estimate == pytest.approx(person.estimate, rel=1e-9)
    np.testing.assert_allclose(in_spark.coefficients["se"], person.coefficients["se"], rtol=1e-9)
    assert in_spark.n_obs == person.n_obs


def test_summaries_are_the_same_in_every_engine() -> None:
    expected = cells.summarise(RECORDS, keys=["area", "post"], outcome="y", weights="w")
    for make in ENGINES.values():
        got = cells.summarise(make(RECORDS), keys=["area", "post"], outcome="y", weights="w")
        pd.testing.assert_frame_equal(
            got.reset_index(drop=True), expected, check_dtype=False, rtol=1e-12
        )


def test_the_engine_is_named() -> None:
    assert cells.engine(RECORDS) == "pandas"
    assert cells.engine(pl.from_pandas(RECORDS)) == "polars"
    assert cells.engine(duckdb.from_df(RECORDS)) == "duckdb"
    with pytest.raises(TypeError, match="narwhals"):
        cells.engine([1, 2, 3])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.assign(y=f["y"].astype(str)), "numeric"),
        (lambda f: f.assign(y=f["y"].where(f.index > 0)), "missing y"),
        (lambda f: f.assign(w=-f["w"]), "weights not positive"),
        (lambda f: f.drop(columns="post"), "not among the columns"),
        (lambda f: f.assign(post=f["post"] * 2), "0/1"),
        (lambda f: f[f["treated"] == 0], "four group-period cells"),
    ],
)
def test_bad_records_are_refused_in_the_engine(change, message: str) -> None:
    records = duckdb.from_df(change(RECORDS))
    with pytest.raises(ValueError, match=message):
        did.two_by_two(records, outcome="y", treated="treated", post="post", weights="w")


@pytest.mark.parametrize(
    "summary",
    [
        lambda r: cells.summarise(r, keys=[], outcome="y"),
        lambda r: cells.totals(r, keys=[]),
        lambda r: cells.moments(r, keys=[], columns=["y"]),
    ],
)
def test_cells_need_a_key(summary) -> None:
    with pytest.raises(ValueError, match="keys names no column"):
        summary(duckdb.from_df(RECORDS))


def test_one_key_may_be_named_as_a_string() -> None:
    as_text = cells.summarise(RECORDS, keys="treated", outcome="y")
    pd.testing.assert_frame_equal(as_text, cells.summarise(RECORDS, keys=["treated"], outcome="y"))


def test_covariates_need_a_pandas_frame() -> None:
    with pytest.raises(ValueError, match="covariates need a pandas frame"):
        did.two_by_two(
            pl.from_pandas(RECORDS), outcome="y", treated="treated", post="post", covariates=["w"]
        )


def test_funnel_from_records_in_duckdb_equals_the_pandas_summary() -> None:
    from evaluation import compare

    people = RECORDS.assign(reoffended=(RECORDS["y"] > 1.2).astype(int))
    by_hand = people.groupby("area", as_index=False).agg(
        events=("reoffended", "sum"), denominator=("reoffended", "size")
    )
    from_engine = cells.rates(duckdb.from_df(people), unit="area", outcome="reoffended")
    pd.testing.assert_frame_equal(from_engine, by_hand, check_dtype=False)
    a = compare.funnel(from_engine, unit="area", events="events", denominator="denominator")
    b = compare.funnel(by_hand, unit="area", events="events", denominator="denominator")
    pd.testing.assert_frame_equal(a.tidy(), b.tidy())
    with pytest.raises(ValueError, match="0/1"):
        cells.rates(duckdb.from_df(people), unit="area", outcome="y")


def test_rates_from_spark_equal_the_pandas_summary(spark: Any) -> None:
    people = RECORDS.assign(reoffended=(RECORDS["y"] > 1.2).astype(int))
    expected = cells.rates(people, unit="area", outcome="reoffended")
    got = cells.rates(spark.createDataFrame(people), unit="area", outcome="reoffended")
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
