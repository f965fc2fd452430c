"""Markets, balance and disclosure from records in any engine, and DuckDB reading of files.

The pandas path of :func:`evaluation.markets.hhi` and :func:`evaluation.matching.balance`
(as they were before records were taken) is the reference; the records path sums
inside polars, DuckDB or a local Spark session and must agree to 1e-9 (relative,
and 1e-12 absolute for values near zero). Independent checks: the HHI by hand
from provider sums with numpy, and the balance table from numpy's and
statsmodels' descriptive statistics (``DescrStatsW``) computed side by side.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest
from statsmodels.stats.weightstats import DescrStatsW

from evaluation import cells, did, disclosure, markets, matching
from evaluation.data import registry, scan

ENGINES = {"polars": pl.from_pandas, "duckdb": duckdb.from_df}
RTOL, ATOL = 1e-9, 1e-12  # relative; absolute for values near zero


def _homes(n: int = 3_000, seed: int = 11) -> pd.DataFrame:
    """Care homes (one row per home) with beds, in councils over two years."""
    rng = np.random.default_rng(seed)
    council = rng.choice([f"LA{i:02d}" for i in range(12)], n)
    provider = rng.choice(
        [f"P{i:03d}" for i in range(60)], n, p=np.r_[[0.2], np.full(59, 0.8 / 59)]
    )
    return pd.DataFrame(
        {
            "council": council,
            "provider": provider,
            "year": rng.choice([2023, 2024], n),
            "beds": rng.integers(5, 90, n).astype(float) + rng.uniform(0, 1, n),
        }
    )


HOMES = _homes()


def _people(n: int = 4_000, seed: int = 5) -> pd.DataFrame:
    """People, some treated, with covariates whose mean is large beside their spread."""
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 12, n)
    treated = (rng.uniform(size=n) < 1 / (1 + np.exp(-(age - 40) / 10))).astype(int)
    return pd.DataFrame(
        {
            "took_part": treated,
            "age": age,
            "income": 30_000 + rng.normal(0, 4_000, n) + 800 * treated,
            "year": 2_020 + rng.integers(0, 4, n).astype(float),
            "employed": rng.integers(0, 2, n),
            "weight": rng.uniform(0.2, 3.0, n) * (rng.uniform(size=n) > 0.05),
        }
    )


PEOPLE = _people()
COVARIATES = ["age", "income", "year", "employed"]


def _same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True),
        expected.reset_index(drop=True),
        check_dtype=False,
        check_categorical=False,
        rtol=RTOL,
        atol=ATOL,
    )


# --------------------------------------------------------------------------- markets
@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_hhi_and_shares_from_records_equal_the_pandas_path(engine: str) -> None:
    names = {"market": "council", "provider": "provider", "size": "beds", "time": "year"}
    records = ENGINES[engine](HOMES)
    _same(markets.hhi(records, **names), markets.hhi(HOMES, **names))
    _same(markets.shares(records, **names), markets.shares(HOMES, **names))
    _same(
        markets.concentration_ratio(records, **names, k=3),
        markets.concentration_ratio(HOMES, **names, k=3),
    )


def test_people_placed_count_as_a_column_of_ones() -> None:
    """One row per person placed, no size: the pandas path on a column of ones."""
    people = HOMES[["council", "provider"]]
    today = markets.hhi(people.assign(n=1.0), market="council", provider="provider", size="n")
    for records in [people, *[make(people) for make in ENGINES.values()]]:
        _same(markets.hhi(records, market="council", provider="provider"), today)


def test_hhi_by_hand_from_provider_sums() -> None:
    """Independent check: sum of squared per-cent shares from numpy, market by market."""
    table = markets.hhi(duckdb.from_df(HOMES), market="council", provider="provider", size="beds")
    for council, rows in HOMES.groupby("council"):
        _, provider = np.unique(rows["provider"], return_inverse=True)
        sums = np.bincount(provider, weights=rows["beds"].to_numpy())
        by_hand = float(np.sum((100 * sums / sums.sum()) ** 2))
        got = table.set_index("council").loc[council]
        assert got["hhi"] == pytest.approx(by_hand, rel=RTOL)
        assert got["cr1"] == pytest.approx(sums.max() / sums.sum(), rel=RTOL)
        assert got["n_providers"] == len(sums)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.assign(beds=-f["beds"]), "negative beds"),
        (lambda f: f.assign(beds=f["beds"].where(f.index > 0)), "missing beds"),
        (lambda f: f.assign(beds=f["beds"].astype(str)), "numeric"),
        (lambda f: f.drop(columns="provider"), "not among the columns"),
        (lambda f: f.assign(beds=0.0), "total 'beds' of zero"),
    ],
)
def test_bad_market_records_are_refused(change, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        markets.hhi(
            duckdb.from_df(change(HOMES)), market="council", provider="provider", size="beds"
        )


def test_nan_sizes_in_polars_are_refused() -> None:
    """polars keeps NaN apart from null: a NaN size must not become a NaN share."""
    first = pl.int_range(pl.len()) == 0
    beds = pl.from_pandas(HOMES).with_columns(
        pl.when(first).then(float("nan")).otherwise(pl.col("beds")).alias("beds")
    )
    with pytest.raises(ValueError, match="finite"):
        markets.hhi(beds, market="council", provider="provider", size="beds")


def test_what_is_not_records_is_refused() -> None:
    with pytest.raises(TypeError, match="narwhals"):
        markets.hhi([1, 2, 3], market="council", provider="provider")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'n' cannot be a key"):
        markets.hhi(HOMES.rename(columns={"provider": "n"}), market="council", provider="n")


def test_totals_in_every_engine() -> None:
    expected = HOMES.groupby(["council", "provider"], as_index=False).agg(
        n=("beds", "size"), beds=("beds", "sum")
    )
    for make in ENGINES.values():
        _same(cells.totals(make(HOMES), keys=["council", "provider"], size="beds"), expected)


# --------------------------------------------------------------------------- balance
@pytest.mark.parametrize("engine", sorted(ENGINES))
@pytest.mark.parametrize("weights", [None, "weight"])
def test_balance_from_records_equals_the_pandas_path(engine: str, weights: str | None) -> None:
    names = {"treatment": "took_part", "covariates": COVARIATES, "weights": weights}
    expected = matching.balance(PEOPLE, **names)
    got = matching.balance(ENGINES[engine](PEOPLE), **names)
    _same(got.table, expected.table)
    assert got.weighted == expected.weighted and expected.cells is None
    counts = PEOPLE["took_part"].value_counts().sort_index()
    assert got.cells["n"].tolist() == counts.tolist()


def test_balance_from_records_equals_numpy_and_statsmodels() -> None:
    """Peer: numpy's ddof=1 variances and statsmodels' weighted DescrStatsW (ddof=0)."""
    table = matching.balance(
        duckdb.from_df(PEOPLE), treatment="took_part", covariates=COVARIATES, weights="weight"
    ).table.set_index("covariate")
    treated = PEOPLE["took_part"] == 1
    for column in COVARIATES:
        t, c = PEOPLE.loc[treated, column], PEOPLE.loc[~treated, column]
        scale = np.sqrt((np.var(t, ddof=1) + np.var(c, ddof=1)) / 2)
        wt = DescrStatsW(t.to_numpy(float), weights=PEOPLE.loc[treated, "weight"].to_numpy())
        wc = DescrStatsW(c.to_numpy(float), weights=PEOPLE.loc[~treated, "weight"].to_numpy())
        peer = {
            "mean_treated": np.mean(t),
            "smd_before": (np.mean(t) - np.mean(c)) / scale,
            "variance_ratio_before": np.var(t, ddof=1) / np.var(c, ddof=1),
            "mean_control_after": wc.mean,
            "smd_after": (wt.mean - wc.mean) / scale,
            "variance_ratio_after": wt.var / wc.var,
        }
        for name, value in peer.items():
            assert table.loc[column, name] == pytest.approx(value, rel=RTOL), (column, name)


@pytest.mark.parametrize(
    ("change", "weights", "message"),
    [
        (lambda f: f.assign(took_part=2 * f["took_part"]), None, "0/1"),
        (lambda f: f.assign(took_part=1), None, "no control units"),
        (lambda f: f.assign(age=3.0), None, "single value"),
        (lambda f: f.assign(age=f["age"].where(f.index > 0)), None, "missing age"),
        (lambda f: f.assign(weight=-f["weight"]), "weight", "negative weight"),
        (lambda f: f.assign(weight=f["weight"] * (1 - f["took_part"])), "weight", "sum to zero"),
        (lambda f: f, PEOPLE["weight"], "name a column"),
        (lambda f: f.assign(age=np.where(f.index == 3, np.inf, f["age"])), None, "finite"),
    ],
)
def test_bad_balance_records_are_refused(change, weights: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        matching.balance(
            duckdb.from_df(change(PEOPLE)),
            treatment="took_part",
            covariates=COVARIATES,
            weights=weights,
        )


# --------------------------------------------------------------------------- Spark
def test_hhi_and_balance_from_spark(spark: Any) -> None:
    homes, people = HOMES.head(500), PEOPLE.head(500)  # small: Spark is slow to start jobs
    names = {"market": "council", "provider": "provider", "size": "beds", "time": "year"}
    _same(markets.hhi(spark.createDataFrame(homes), **names), markets.hhi(homes, **names))
    balance = {"treatment": "took_part", "covariates": COVARIATES, "weights": "weight"}
    got = matching.balance(spark.createDataFrame(people), **balance)
    _same(got.table, matching.balance(people, **balance).table)


def test_cells_of_a_spark_fit_are_checked(spark: Any) -> None:
    fit = did.two_by_two(
        spark.createDataFrame(_did_records(small=3)), outcome="y", treated="g", post="t"
    )
    check = disclosure.check_cells(fit)
    assert not check.passed
    assert (check.cells["status"] == "suppressed: fewer than 10").sum() == 1


# --------------------------------------------------------------------------- checked cells
def _did_records(small: int, n: int = 400, seed: int = 2) -> pd.DataFrame:
    """A 2x2 design whose treated-after cell holds ``small`` people."""
    rng = np.random.default_rng(seed)
    g, t = rng.integers(0, 2, n), rng.integers(0, 2, n)
    keep = np.flatnonzero((g == 1) & (t == 1))[:small]
    rows = np.r_[np.flatnonzero(~((g == 1) & (t == 1))), keep]
    frame = pd.DataFrame({"g": g[rows], "t": t[rows], "area": rows % 6})
    frame["y"] = 1 + 0.5 * frame["g"] + 0.2 * frame["t"] + rng.normal(0, 1, len(frame))
    return frame


def test_a_cell_of_three_people_is_suppressed_and_said_why() -> None:
    records = _did_records(small=3)
    fit = did.two_by_two(duckdb.from_df(records), outcome="y", treated="g", post="t")
    person = did.two_by_two(records, outcome="y", treated="g", post="t")
    assert person.cells is None and fit.estimate == pytest.approx(person.estimate, rel=RTOL)
    shown = fit.cells
    shown["n"] = 0  # a copy is handed out
    assert fit.cells["n"].sum() == len(records)
    check = disclosure.check_cells(fit)
    assert not check.passed
    table = check.cells.set_index(["g", "t"])
    assert table.loc[(1, 1), "status"] == "suppressed: fewer than 10"
    assert np.isnan(table.loc[(1, 1), "n"])
    assert (check.cells["status"] == "suppressed: secondary").sum() >= 1
    # Nothing released pins the small cell down to less than the minimum count.
    assert table.loc[(1, 1), "upper"] - table.loc[(1, 1), "lower"] >= 10
    text = check.summary()
    assert "suppressed: fewer than 10: 1" in text and "2x2 difference-in-differences" in text


def test_cells_that_pass_and_cells_of_three_keys() -> None:
    records = _did_records(small=60)
    fit = did.two_by_two(duckdb.from_df(records), outcome="y", treated="g", post="t")
    assert disclosure.check_cells(fit).passed
    clustered = did.two_by_two(
        duckdb.from_df(records), outcome="y", treated="g", post="t", cluster="area"
    )
    check = disclosure.check_cells(clustered, minimum_count=5)
    assert check.keys == ("g", "t / area")
    balance = matching.balance(duckdb.from_df(PEOPLE), treatment="took_part", covariates=["age"])
    assert disclosure.check_cells(balance).passed


def test_check_cells_leaves_out_a_key_the_others_determine() -> None:
    """A staggered fit's cells are keyed by unit, period and the unit's cohort."""
    rng = np.random.default_rng(4)
    schools = pd.DataFrame({"school": range(12), "cohort": [0, 0, 0, 0, 3, 3, 3, 3, 4, 4, 4, 4]})
    people = schools.loc[np.repeat(schools.index, 5 * 12)].assign(
        year=np.tile(np.repeat(range(1, 6), 12), 12)
    )
    people["y"] = rng.normal(size=len(people))
    fit = did.staggered(
        duckdb.from_df(people), outcome="y", unit="school", time="year", cohort="cohort"
    )
    check = disclosure.check_cells(fit)
    assert list(fit.cells.columns[:3]) == ["school", "year", "cohort"]
    assert check.keys == ("school", "year")  # the cohort adds no cells
    # the 60 school-year cells, 12 school totals, 5 year totals and the grand total
    assert len(check.cells) == 60 + 12 + 5 + 1 and check.passed


def test_check_cells_refuses_what_has_no_cells() -> None:
    fit = did.two_by_two(_did_records(small=60), outcome="y", treated="g", post="t")
    with pytest.raises(ValueError, match="check_result"):
        disclosure.check_cells(fit)
    with pytest.raises(TypeError, match="cells"):
        disclosure.check_cells(object())


# --------------------------------------------------------------------------- data.scan
def test_scan_reads_parquet_csv_globs_and_partitions(tmp_path: Path) -> None:
    records = _did_records(small=60)
    con = duckdb.connect()
    con.from_df(records).write_parquet(str(tmp_path / "people.parquet"))
    con.from_df(records).write_csv(str(tmp_path / "people.csv"))
    (tmp_path / "parts").mkdir()
    con.from_df(records).write_parquet(str(tmp_path / "parts" / "by_g"), partition_by=["g"])
    for source in ["people.parquet", "people.csv", "parts/by_g"]:
        relation = scan(tmp_path / source, connection=con)
        back = relation.order("t, area, y").df()[["g", "t", "area", "y"]]
        expected = records.sort_values(["t", "area", "y"])[["g", "t", "area", "y"]]
        _same(back.astype(float), expected.astype(float))
    glob = scan(str(tmp_path / "parts" / "**" / "*.parquet"), connection=con)
    assert glob.aggregate("count(*)").fetchall() == [(len(records),)]
    fit = did.two_by_two(scan(tmp_path / "people.parquet"), outcome="y", treated="g", post="t")
    assert fit.estimate == pytest.approx(
        did.two_by_two(records, outcome="y", treated="g", post="t").estimate, rel=RTOL
    )


def test_scan_by_registry_name_checks_the_sha256(
    tmp_path: Path, fixture_registry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    duckdb.sql("SELECT i AS id, i % 4 AS area FROM range(50) t(i)").write_parquet(
        str(folder / "ids.parquet")
    )
    digest = hashlib.sha256((folder / "ids.parquet").read_bytes()).hexdigest()
    size = str((folder / "ids.parquet").stat().st_size)
    fixture_registry(
        [
            {"name": "ids", "file": "ids.parquet", "format": "parquet", "bytes": size,
             "sha256": digest, "source_url": "http://127.0.0.1:9/ids.parquet"},
            {"name": "bad", "file": "ids.parquet", "format": "parquet", "bytes": size,
             "sha256": "0" * 64, "source_url": "http://127.0.0.1:9/ids.parquet"},
            {"name": "sheet", "file": "s.xlsx", "format": "xlsx", "bytes": "1",
             "sha256": "0" * 64, "source_url": "http://127.0.0.1:9/s.xlsx"},
            {"name": "old", "file": "o.csv", "format": "csv", "encoding": "latin-1",
             "bytes": "1", "sha256": "0" * 64, "source_url": "http://127.0.0.1:9/o.csv"},
        ]
    )  # fmt: skip
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(folder))
    assert scan("ids").aggregate("count(*), sum(area)").fetchall() == [(50, 73)]
    with pytest.raises(registry.ChecksumError, match="not the registered file"):
        scan("bad")
    with pytest.raises(registry.DataReadError, match="read_raw"):
        scan("sheet")
    with pytest.raises(registry.DataReadError, match="UTF-8"):
        scan("old")
    with pytest.raises(registry.UnknownDatasetError, match="Did you mean 'ids'"):
        scan("idz")


def test_scan_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(registry.DataNotFoundError, match="No file matches"):
        scan(tmp_path / "absent.parquet")
    (tmp_path / "notes.txt").write_text("a,b\n1,2\n")
    with pytest.raises(registry.DataReadError, match="neither Parquet"):
        scan(tmp_path / "notes.txt")
    (tmp_path / "broken.parquet").write_bytes(b"not parquet")
    with pytest.raises(registry.DataReadError, match="could not be read as parquet"):
        scan(tmp_path / "broken.parquet")
    with pytest.raises(TypeError, match="registry name or a path"):
        scan(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="DuckDB connection"):
        scan(tmp_path / "broken.parquet", connection="memory")


def test_boolean_treatment_and_covariates_as_pandas_takes_them() -> None:
    frame = PEOPLE.assign(took_part=PEOPLE["took_part"] == 1, employed=PEOPLE["employed"] == 1)
    names = {"treatment": "took_part", "covariates": ["age", "employed"]}
    expected = matching.balance(frame, **names).table
    _same(matching.balance(duckdb.from_df(frame), **names).table, expected)
