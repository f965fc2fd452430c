"""``did.twfe`` and ``did.staggered`` on person-level records in any engine, from cell sums.

Simulated people in 24 areas over six years, a reform adopted by area (three
cohorts and never-treated areas). The records path summarises them into
area-by-year cells in their engine (polars, DuckDB, Spark) and finishes in pandas.

- ``twfe`` against the person-level fit on the pandas rows (the within
  regression :func:`evaluation.did._within.fit_within` that ``did.twfe`` runs, with
  ``unit`` = area: ``did.twfe`` itself takes one row per unit-period) and against
  pyfixest ``feols`` with area and year fixed effects run here on the same rows.
- ``staggered`` against ``did.staggered`` on the pandas rows with each person a
  unit (``allow_unbalanced=True``: the repeated cross-section estimators,
  clustered by area) and against csdid's ``ATTgt`` with ``panel=False`` and
  ``clustervar`` = area (R ``did``'s analytic cluster-robust errors) run here.

Tolerances: ``REL`` (1e-9 relative, with ``ABS`` 1e-12 for values near zero)
between engines and against our person-level fits; ``PEER`` (1e-8 relative)
against pyfixest (run with its demeaning tolerance at 1e-12) and csdid.
"""

from __future__ import annotations

import warnings
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest

from evaluation import did
from evaluation.did._within import fit_within
from tests.did.conftest import assert_matches_csdid, csdid_fit

REL, ABS, PEER = 1e-9, 1e-12, 1e-8
TWFE = {"outcome": "y", "unit": "area", "time": "year", "treatment": "reform"}
STAG = {"outcome": "y", "unit": "area", "time": "year", "cohort": "cohort"}


def _people(n: int = 6000, seed: int = 2) -> pd.DataFrame:
    """People in 24 areas, 2015-2020; areas adopt in 2017, 2018, 2019 or never."""
    rng = np.random.default_rng(seed)
    area = rng.integers(0, 24, n)
    year = rng.integers(2015, 2021, n)
    cohort = np.select([area < 6, area < 12, area < 16], [2017, 2018, 2019], 0)
    reform = (cohort > 0) & (year >= cohort)
    effect = reform * (1.0 + 0.3 * (year - cohort))
    y = 0.2 * area + 0.3 * (year - 2015) + effect + rng.normal(size=n)
    y += 0.5 * rng.normal(size=24)[area]
    return pd.DataFrame(
        {
            "person": np.arange(n),
            "area": area,
            "region": area // 3,
            "year": year,
            "cohort": cohort,
            "reform": reform.astype(int),
            "y": y,
            "w": rng.uniform(0.5, 2.0, n),
        }
    )


PEOPLE = _people()
SPARK_COLUMNS = ["area", "region", "year", "cohort", "reform", "y", "w"]
ENGINES = {"polars": pl.from_pandas, "duckdb": duckdb.from_df}


def _person_level_twfe(options: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and SEs of the person-level within fit, unit = area (did.twfe's engine)."""
    codes = pd.factorize(PEOPLE["area"])[0]
    cluster = options.get("cluster")
    fit = fit_within(
        PEOPLE["y"].to_numpy(float),
        PEOPLE[["reform"]].to_numpy(float),
        ["reform"],
        unit_codes=codes,
        time=PEOPLE["year"],
        clusters=pd.factorize(PEOPLE[cluster])[0] if cluster else codes,
        weights=PEOPLE["w"].to_numpy(float) if options.get("weights") else None,
        cov_type=options.get("cov_type", "cluster"),
    )
    return np.asarray(fit.results.params)[:-1], np.asarray(fit.results.bse)[:-1]


TWFE_OPTIONS = [
    {},
    {"cov_type": "classical"},
    {"cluster": "region"},
    {"weights": "w"},
    {"weights": "w", "cov_type": "classical"},
]


@pytest.mark.parametrize("engine", list(ENGINES))
@pytest.mark.parametrize("options", TWFE_OPTIONS)
def test_twfe_on_records_is_the_person_level_fit(engine: str, options: dict[str, Any]) -> None:
    fit = did.twfe(ENGINES[engine](PEOPLE), **TWFE, **options)
    estimate, se = _person_level_twfe(options)
    np.testing.assert_allclose(fit.coefficients["estimate"], estimate, rtol=REL, atol=ABS)
    np.testing.assert_allclose(fit.coefficients["se"], se, rtol=REL)
    assert fit.estimate == pytest.approx(estimate[0], rel=REL)
    assert fit.n_obs == len(PEOPLE) and fit.cells is not None
    assert int(fit.cells["n"].sum()) == len(PEOPLE) and len(fit.cells) == 24 * 6


@pytest.mark.parametrize(
    ("vcov", "options"), [({"CRV1": "area"}, {}), ("iid", {"cov_type": "classical"})]
)
def test_twfe_on_records_matches_pyfixest(vcov: Any, options: dict[str, Any]) -> None:
    pf = pytest.importorskip("pyfixest")
    # Its alternating projections stop at fixef_tol (1e-6 by default, 1e-8 off in the SE here).
    demeaner = pytest.importorskip("pyfixest.demeaners").MapDemeaner(fixef_tol=1e-12)
    peer = pf.feols("y ~ reform | area + year", data=PEOPLE, vcov=vcov, demeaner=demeaner)
    fit = did.twfe(duckdb.from_df(PEOPLE), **TWFE, **options)
    assert fit.estimate == pytest.approx(float(peer.coef()["reform"]), rel=PEER)
    assert fit.se == pytest.approx(float(peer.se()["reform"]), rel=PEER)


def test_twfe_on_a_panel_in_an_engine_is_the_pandas_panel_fit() -> None:
    # One person per area-year: the cells are the panel, and the fits agree.
    panel = PEOPLE.drop_duplicates(["area", "year"]).sort_values(["area", "year"])
    on_pandas = did.twfe(panel, **TWFE)
    on_duckdb = did.twfe(duckdb.from_df(panel), **TWFE)
    assert on_pandas.cells is None
    np.testing.assert_allclose(
        on_duckdb.coefficients[["estimate", "se"]],
        on_pandas.coefficients[["estimate", "se"]],
        rtol=REL,
        atol=ABS,
    )
    np.testing.assert_allclose(
        on_duckdb.cell_weights["weight"], on_pandas.cell_weights["weight"], rtol=REL
    )


def _bad(change: str) -> Any:
    people = pl.from_pandas(PEOPLE)
    if change == "missing outcome":
        return people.with_columns(
            pl.when(pl.col("person") == 5).then(None).otherwise(pl.col("y")).alias("y")
        )
    if change == "text outcome":
        return people.with_columns(pl.col("y").cast(pl.String))
    if change == "treatment varies in a cell":
        return people.with_columns(
            pl.when(pl.col("person") == 5)
            .then(1 - pl.col("reform"))
            .otherwise(pl.col("reform"))
            .alias("reform")
        )
    return people.with_columns((2 * pl.col("reform")).alias("reform"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("missing outcome", r"'missing y': 1"),
        ("text outcome", "'y' must be numeric"),
        ("treatment varies in a cell", r"'reform' must be constant within each \(area, year\)"),
        ("treatment not 0/1", "'reform' must be 0/1"),
    ],
)
def test_twfe_refuses_bad_records(change: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        did.twfe(_bad(change), **TWFE)


def test_twfe_on_records_refuses_covariates() -> None:
    with pytest.raises(ValueError, match="covariates need a pandas panel"):
        did.twfe(pl.from_pandas(PEOPLE), **TWFE, covariates=["w"])


# --- staggered ----------------------------------------------------------------------------


def _person_level_staggered(**options: Any) -> did.StaggeredResult:
    """did.staggered on the pandas rows, each person a unit seen once, clustered by area."""
    cluster = options.pop("cluster", "area")
    return did.staggered(
        PEOPLE, **{**STAG, "unit": "person"}, allow_unbalanced=True, cluster=cluster, **options
    )


def _same(ours: did.StaggeredResult, reference: did.StaggeredResult, rtol: float) -> None:
    for name in ("group_time", "dynamic", "by_cohort"):
        mine, theirs = getattr(ours, name), getattr(reference, name)
        np.testing.assert_allclose(mine[["att", "se"]], theirs[["att", "se"]], rtol=rtol, atol=ABS)
    assert ours.estimate == pytest.approx(reference.estimate, rel=rtol)
    assert ours.se == pytest.approx(reference.se, rel=rtol)


STAGGERED_OPTIONS = [
    {},
    {"control_group": "not_yet_treated"},
    {"base_period": "universal"},
    {"anticipation": 1},
    {"weights": "w"},
    {"cluster": "region"},
    {"replications": 99, "seed": 4},
]


@pytest.mark.parametrize("options", STAGGERED_OPTIONS)
def test_staggered_on_records_is_the_person_level_estimator(options: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the person-level path warns of its gaps
        reference = _person_level_staggered(**options)
    polars_fit = did.staggered(pl.from_pandas(PEOPLE), **STAG, **options)
    duckdb_fit = did.staggered(duckdb.from_df(PEOPLE), **STAG, **options)
    _same(polars_fit, reference, REL)
    _same(duckdb_fit, polars_fit, REL)
    assert polars_fit.n_obs == len(PEOPLE) and polars_fit.n_units == 24
    assert polars_fit.n_clusters == (8 if "cluster" in options else 24)
    assert polars_fit.cells is not None and int(polars_fit.cells["n"].sum()) == len(PEOPLE)
    # The multiplier bootstrap draws one multiplier per area in both (the same draws).
    assert polars_fit.critical_value == pytest.approx(
        reference.critical_value, rel=REL, nan_ok=True
    )
    if "cluster" not in options:  # with 8 clusters the pre-test covariance is singular
        assert polars_fit.pretrend_test().statistic == pytest.approx(
            reference.pretrend_test().statistic, rel=REL
        )


@pytest.mark.parametrize(
    ("control_group", "ours"),
    [("nevertreated", "never_treated"), ("notyettreated", "not_yet_treated")],
)
def test_staggered_on_records_matches_csdid_on_the_people(control_group: str, ours: str) -> None:
    fit, aggregated = csdid_fit(
        PEOPLE,
        "reg",
        yname="y",
        tname="year",
        idname="person",
        gname="cohort",
        panel=False,
        clustervar="area",
        control_group=control_group,
    )
    ours_fit = did.staggered(duckdb.from_df(PEOPLE), **STAG, control_group=ours)  # type: ignore[arg-type]
    assert_matches_csdid(ours_fit, fit, aggregated, rtol=PEER)


def test_twfe_and_staggered_in_spark_equal_polars(spark: Any) -> None:
    records = spark.createDataFrame(PEOPLE[SPARK_COLUMNS])
    in_spark = did.twfe(records, **TWFE, cluster="region", weights="w")
    in_polars = did.twfe(pl.from_pandas(PEOPLE), **TWFE, cluster="region", weights="w")
    np.testing.assert_allclose(
        in_spark.coefficients[["estimate", "se"]],
        in_polars.coefficients[["estimate", "se"]],
        rtol=REL,
        atol=ABS,
    )
    pd.testing.assert_frame_equal(in_spark.cell_weights, in_polars.cell_weights, rtol=REL)
    staggered_spark = did.staggered(records, **STAG, weights="w")
    _same(staggered_spark, did.staggered(pl.from_pandas(PEOPLE), **STAG, weights="w"), REL)


def test_staggered_on_records_refuses_bad_records() -> None:
    people = pl.from_pandas(PEOPLE)
    moving = people.with_columns(
        pl.when(pl.col("person") == 5).then(2019).otherwise(pl.col("cohort")).alias("cohort")
    )
    with pytest.raises(ValueError, match="'cohort' must be constant within each unit"):
        did.staggered(moving, **STAG)
    with pytest.raises(ValueError, match="'y' must be numeric"):
        did.staggered(people.with_columns(pl.col("y").cast(pl.String)), **STAG)
    with pytest.raises(ValueError, match="covariates need a panel"):
        did.staggered(people, **STAG, covariates=["w"])
    gap = pl.when(pl.col("person") == 5).then(None).otherwise(pl.col("cohort")).alias("cohort")
    with pytest.raises(ValueError, match=r"'missing cohort': 1"):
        did.staggered(people.with_columns(gap), **STAG)


def test_staggered_on_a_panel_in_an_engine_is_the_panel_fit() -> None:
    # One row per area-year is a panel, in DuckDB as in pandas: the panel estimator.
    panel = PEOPLE.drop_duplicates(["area", "year"])
    on_pandas = did.staggered(panel, **STAG)
    on_duckdb = did.staggered(duckdb.from_df(panel), **STAG)
    assert on_pandas.cells is None and on_duckdb.cells is None
    _same(on_duckdb, on_pandas, REL)
