"""Tests of evaluation.simulate.records: large simulated records written as partitioned Parquet.

The files are read back with DuckDB: columns, row counts and partitions as
documented, the same seed giving the same bytes, and the known truth recovered
by the analysis each design is for (a cohort-by-year difference-in-differences
in DuckDB SQL; a case-mix adjusted logistic regression of reoffending in
statsmodels). Tolerances are stated at each test.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from threadpoolctl import threadpool_limits

from evaluation.simulate.records import OFFENDER_RISK, write_offenders, write_pupils_staggered

PUPILS = {"n_rows": 200_000, "n_schools": 300, "n_areas": 15, "effect_growth": -0.02, "seed": 4}
OFFENDERS = {"n_rows": 150_000, "n_areas": 6, "providers_per_area": 3, "seed": 5}


def _records(path: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the partitioned files as the view ``records``."""
    con = duckdb.connect()
    con.execute(
        "CREATE VIEW records AS SELECT * FROM "
        f"read_parquet('{path}/*/*.parquet', hive_partitioning = true)"
    )
    return con


def _digests(path: Path) -> dict[str, str]:
    return {
        str(f.relative_to(path)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(path.rglob("*.parquet"))
    }


@pytest.fixture(scope="module")
def pupils(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    return write_pupils_staggered(tmp_path_factory.mktemp("pupils"), **PUPILS)


@pytest.fixture(scope="module")
def offenders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    return write_offenders(tmp_path_factory.mktemp("offenders"), **OFFENDERS)


def test_pupils_have_the_documented_columns_rows_and_partitions(
    pupils: tuple[Path, pd.DataFrame],
) -> None:
    path, truth = pupils
    assert path.name == "pupils" and truth.attrs["path"] == str(path)
    assert sorted(p.name for p in path.iterdir()) == sorted(f"year={t}" for t in range(1, 11))
    con = _records(path)
    columns = ["pupil", "area", "school", "cohort", "academy", "disadvantaged", "score",
               "true_effect", "year"]  # fmt: skip
    assert con.table("records").columns == columns
    n, distinct, schools = con.execute(
        "SELECT count(*), count(DISTINCT pupil), count(DISTINCT school) FROM records"
    ).fetchone() or (0, 0, 0)
    assert n == distinct == PUPILS["n_rows"] and schools == PUPILS["n_schools"]
    per_year = con.execute("SELECT DISTINCT count(*) FROM records GROUP BY year").fetchall()
    assert per_year == [(PUPILS["n_rows"] // 10,)]
    # A school sits in one area and converts once; academy and the true effect follow the rule.
    assert con.execute(
        "SELECT max(a), max(c) FROM (SELECT count(DISTINCT area) a, count(DISTINCT cohort) c "
        "FROM records GROUP BY school)"
    ).fetchone() == (1, 1)
    wrong = con.execute(
        "SELECT count(*) FROM records WHERE academy <> CAST(cohort > 0 AND year >= cohort AS INT)"
        " OR abs(true_effect - CASE WHEN academy = 1 THEN -0.15 - 0.02 * (year - cohort)"
        " ELSE 0 END) > 1e-12"
    ).fetchone()
    assert wrong == (0,)
    # The truth table counts exactly the pupils and schools in the files.
    cells = con.execute(
        "SELECT cohort, year, count(DISTINCT school) AS schools, count(*) AS pupils "
        "FROM records GROUP BY ALL ORDER BY cohort, year"
    ).df()
    pd.testing.assert_frame_equal(
        cells, truth[["cohort", "year", "schools", "pupils"]], check_dtype=False
    )
    never = truth.loc[truth["cohort"] == 0, "schools"].iloc[0]
    assert never == round(0.3 * PUPILS["n_schools"])
    assert sorted(truth["cohort"].unique()) == [0, 4, 6, 8]
    treated = truth[truth["academy"] == 1]
    assert truth.attrs["true_effect"] == pytest.approx(
        np.average(treated["true_effect"], weights=treated["pupils"]), abs=1e-12
    )


def test_pupils_same_seed_same_bytes(pupils: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    path, truth = pupils
    again, truth_again = write_pupils_staggered(tmp_path, **PUPILS)
    assert _digests(again) == _digests(path)
    pd.testing.assert_frame_equal(truth_again, truth)
    other, _ = write_pupils_staggered(tmp_path / "other", **{**PUPILS, "seed": 5})
    assert _digests(other) != _digests(path)


def test_cohort_by_year_did_in_duckdb_recovers_the_true_effects(
    pupils: tuple[Path, pd.DataFrame],
) -> None:
    """Unconditional ATT(g, t) against never-converting schools, from the Parquet in SQL.

    ATT(g, t) = (mean of cohort g in year t - in year g - 1) - (the same for never
    converters). Its standard error adds the four cell means' variances (within-cell
    variance / n): conservative, as the school effects it counts cancel. Tolerance:
    each ATT(g, t), and their pupil-weighted average (standard error at most the
    weighted sum of theirs), within 4 standard errors of the truth.
    """
    path, truth = pupils
    con = _records(path)
    att = con.execute(
        """
        WITH cells AS (SELECT cohort, year, avg(score) AS m, var_samp(score) / count(*) AS v,
                              count(*) AS n FROM records GROUP BY ALL),
             never AS (SELECT year, m, v FROM cells WHERE cohort = 0)
        SELECT g.cohort, g.year, g.n,
               (g.m - b.m) - (c.m - cb.m) AS att, sqrt(g.v + b.v + c.v + cb.v) AS se
        FROM cells g
        JOIN cells b ON b.cohort = g.cohort AND b.year = g.cohort - 1
        JOIN never c ON c.year = g.year
        JOIN never cb ON cb.year = g.cohort - 1
        WHERE g.cohort > 0 AND g.year >= g.cohort
        ORDER BY g.cohort, g.year
        """
    ).df()
    merged = att.merge(truth, on=["cohort", "year"])
    assert len(merged) == (10 - 4 + 1) + (10 - 6 + 1) + (10 - 8 + 1)
    error = merged["att"] - merged["true_effect"]
    assert (error.abs() < 4 * merged["se"]).all(), merged
    weights = merged["n"] / merged["n"].sum()
    overall = float((weights * merged["att"]).sum())
    overall_se = float((weights * merged["se"]).sum())
    assert abs(overall - truth.attrs["true_effect"]) < 4 * overall_se
    assert overall + 4 * overall_se < 0  # the (negative) effect is found, not just covered


def test_offenders_have_the_documented_columns_rows_and_partitions(
    offenders: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    path, truth = offenders
    assert sorted(p.name for p in path.iterdir()) == [f"area={a}" for a in range(1, 7)]
    con = _records(path)
    assert con.table("records").columns == ["offender", "provider", "age_band", "sex", "previous",
                               "reoffended", "area"]  # fmt: skip
    counts = con.execute(
        "SELECT area, provider, count(*) AS offenders FROM records GROUP BY ALL ORDER BY provider"
    ).df()
    pd.testing.assert_frame_equal(
        counts, truth[["area", "provider", "offenders"]], check_dtype=False
    )
    assert int(truth["offenders"].sum()) == OFFENDERS["n_rows"]
    assert len(truth) == 18 and truth.groupby("area").size().eq(3).all()
    assert truth.groupby("area")["true_effect"].sum().abs().max() < 1e-12
    assert truth.attrs["true_effect"] == dict(
        zip(truth["provider"], truth["true_effect"], strict=True)
    )
    values = con.execute(
        "SELECT list(DISTINCT age_band ORDER BY age_band), list(DISTINCT sex ORDER BY sex), "
        "min(previous), list(DISTINCT reoffended ORDER BY reoffended) FROM records"
    ).fetchone()
    assert values == (["18-24", "25-34", "35-49", "50+"], ["F", "M"], 0, [0, 1])
    # Case-mix differs across providers as documented: the higher case_mix, the more previous.
    mix = con.execute("SELECT provider, avg(previous) AS previous FROM records GROUP BY ALL").df()
    mix = mix.merge(truth, on="provider")
    assert np.corrcoef(mix["case_mix"], np.log(mix["previous"]))[0, 1] > 0.9
    again, truth_again = write_offenders(tmp_path, **OFFENDERS)
    assert _digests(again) == _digests(path)
    pd.testing.assert_frame_equal(truth_again, truth)


def test_case_mix_adjusted_logit_recovers_the_provider_effects(
    offenders: tuple[Path, pd.DataFrame],
) -> None:
    """statsmodels Logit on a 100,000-offender sample drawn in DuckDB.

    One dummy per provider plus the case-mix terms of the simulation. Provider
    effects are compared within area (each provider's coefficient minus its
    area's mean), which is what the truth is; the standard error of each
    contrast comes from the fit's covariance. Tolerance: every contrast and every
    case-mix coefficient within 4 standard errors of the truth. Without the
    case-mix terms the same contrasts miss the truth by far more.
    """
    path, truth = offenders
    sample = (
        _records(path)
        .execute("SELECT * FROM records USING SAMPLE reservoir(100000 ROWS) REPEATABLE (11)")
        .df()
    )
    assert len(sample) == 100_000
    providers = pd.get_dummies(sample["provider"], prefix="provider", dtype=float)
    case_mix = pd.DataFrame(
        {
            "age_band[18-24]": (sample["age_band"] == "18-24").astype(float),
            "age_band[25-34]": (sample["age_band"] == "25-34").astype(float),
            "age_band[50+]": (sample["age_band"] == "50+").astype(float),
            "sex[M]": (sample["sex"] == "M").astype(float),
            "log1p(previous)": np.log1p(sample["previous"]),
        }
    )
    y = sample["reoffended"].astype(float)
    with threadpool_limits(1):  # threads only contend on a shared machine
        fit = sm.Logit(y, pd.concat([providers, case_mix], axis=1)).fit(disp=0)
    k = OFFENDERS["providers_per_area"]
    within = np.kron(np.eye(OFFENDERS["n_areas"]), np.eye(k) - 1 / k)  # coefficient - area mean
    coef = fit.params.iloc[: len(truth)].to_numpy()
    cov = fit.cov_params().iloc[: len(truth), : len(truth)].to_numpy()
    contrast = within @ coef
    se = np.sqrt(np.diag(within @ cov @ within.T))
    error = contrast - truth["true_effect"].to_numpy()
    assert (np.abs(error) < 4 * se).all(), (error, se)
    for name in case_mix.columns:
        assert abs(fit.params[name] - OFFENDER_RISK[name]) < 4 * fit.bse[name], name
    # A logit on the provider dummies alone gives each provider's observed log-odds.
    rate = sample.groupby("provider")["reoffended"].mean().to_numpy()
    unadjusted = np.log(rate / (1 - rate))
    assert (
        np.abs(within @ unadjusted - truth["true_effect"].to_numpy()).max()
        > 3 * np.abs(error).max()
    )


def test_bad_sizes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="n_rows must be a whole number"):
        write_pupils_staggered(tmp_path, n_rows=0)
    with pytest.raises(ValueError, match="cohorts must be conversion years"):
        write_pupils_staggered(tmp_path, n_rows=1_000, cohorts=(1, 4))
    with pytest.raises(ValueError, match="never_share"):
        write_pupils_staggered(tmp_path, n_rows=1_000, never_share=1.0)
    with pytest.raises(ValueError, match="n_areas"):
        write_pupils_staggered(tmp_path, n_rows=1_000, n_schools=10, n_areas=20)
    with pytest.raises(ValueError, match="providers_per_area"):
        write_offenders(tmp_path, n_rows=1_000, providers_per_area=0)
    with pytest.raises(ValueError, match="spread"):
        write_offenders(tmp_path, n_rows=1_000, spread=-1.0)
