# ruff: noqa: E402  (imports follow the BLAS thread limits, which must precede numpy)
"""Benchmark evaluation.compare on ten million simulated person-level records.

Ten million records of 500 providers (``evaluation.simulate.performance.people``)
are aggregated and passed to ``funnel``, ``shrink`` and ``risk_adjust``. The
aggregation is part of each timed task. Each task is timed (median of several
repeats after one warm-up run) and its peak traced memory measured in a
separate, untimed run with ``tracemalloc`` (numpy reports its arrays to it).
Writes ``benchmarks/results/performance.csv`` with columns ``task, ours_s,
peer, peer_s, ratio, max_abs_diff, n_rows, repeats, machine, date,
peak_mem_mb, peer_peak_mem_mb``; ``ratio`` is ours over the peer (below 1 is
faster).

Tasks and peers
---------------
- ``funnel``: pandas groupby to 500 providers, then exact Spiegelhalter limits
  with over-dispersion. Peer: the same groupby and the plain (step) binomial
  quantiles from ``scipy.stats.binom.ppf``; the difference is the
  interpolation, at most one event over the denominator.
- ``shrink`` (normal-normal): groupby, then empirical-Bayes shrinkage. Peer:
  the same groupby, ``statsmodels.stats.meta_analysis.combine_effects``
  (DerSimonian-Laird) for the prior and the shrinkage formula by hand.
- ``shrink`` (beta-binomial, maximum likelihood): no peer in statsmodels.
- ``risk_adjust``: a logistic case-mix model (age band, deprivation). Ours
  aggregates the records to cells of provider x age band x deprivation (4,000
  cells) and fits a grouped binomial GLM, which gives the same coefficients as
  the person-level fit. Peers: statsmodels GLM on the ten million person rows
  (one repeat: about half a minute and several GB), and statsmodels GLM on the
  same cells with pandas for O/E.

BLAS runs single-threaded, as in the other benchmarks. Run from the repository
root::

    .venv/bin/python benchmarks/bench_performance.py
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import gc
import platform
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects
from timing import median_time, write_rows

from evaluation import compare
from evaluation.simulate.performance import people

RESULTS = Path(__file__).resolve().parent / "results" / "performance.csv"
N_PEOPLE = 10_000_000
N_PROVIDERS = 500
COVARIATES = ["age_band", "deprived"]


def peak_memory_mb(task: Callable[[], Any]) -> float:
    """Peak memory traced while ``task`` runs, in MB (the input data excluded)."""
    gc.collect()
    tracemalloc.start()
    task()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def by_provider(records: pd.DataFrame) -> pd.DataFrame:
    """Events and people per provider: the aggregation both sides start with."""
    grouped = records.groupby("provider", observed=True)["outcome"].agg(["sum", "size"])
    return grouped.reset_index().rename(columns={"sum": "events", "size": "people"})


def by_cell(records: pd.DataFrame) -> pd.DataFrame:
    """Events and people per provider, age band and deprivation."""
    keys = ["provider", *COVARIATES]
    grouped = records.groupby(keys, observed=True)["outcome"].agg(["sum", "size"])
    return grouped.reset_index().rename(columns={"sum": "events", "size": "people"})


COUNTS = {"unit": "provider", "events": "events", "denominator": "people"}


# --- tasks: ours ---------------------------------------------------------------------------
def ours_funnel(records: pd.DataFrame) -> np.ndarray:
    fit = compare.funnel(by_provider(records), **COUNTS, overdispersion="additive")
    exact = compare.funnel_limits(fit.table["denominator"], target=fit.target)
    return exact["upper_95"].to_numpy()


def ours_shrink_normal(records: pd.DataFrame) -> np.ndarray:
    return (
        compare.shrink(by_provider(records), **COUNTS, method="normal")
        .table["shrunk_rate"]
        .to_numpy()
    )


def ours_shrink_beta(records: pd.DataFrame) -> np.ndarray:
    return compare.shrink(by_provider(records), **COUNTS).table["shrunk_rate"].to_numpy()


def ours_risk(records: pd.DataFrame) -> np.ndarray:
    fit = compare.risk_adjust(
        by_cell(records), outcome="events", trials="people", unit="provider", covariates=COVARIATES
    )
    return fit.table["oe_ratio"].to_numpy()


# --- tasks: peers --------------------------------------------------------------------------
def peer_funnel(records: pd.DataFrame) -> np.ndarray:
    counts = by_provider(records)
    target = counts["events"].sum() / counts["people"].sum()
    return stats.binom.ppf(0.975, counts["people"], target) / counts["people"].to_numpy()


def peer_shrink_normal(records: pd.DataFrame) -> np.ndarray:
    counts = by_provider(records)
    rate = (counts["events"] / counts["people"]).to_numpy()
    pooled = counts["events"].sum() / counts["people"].sum()
    variance = pooled * (1 - pooled) / counts["people"].to_numpy()
    fit = combine_effects(rate, variance, method_re="dl")
    mean = fit.summary_frame().loc["random effect", "eff"]
    weight = fit.tau2 / (fit.tau2 + variance)
    return mean + weight * (rate - mean)


def _design(frame: pd.DataFrame) -> pd.DataFrame:
    dummies = pd.get_dummies(frame["age_band"], prefix="age_band", drop_first=True, dtype=float)
    return sm.add_constant(dummies.assign(deprived=frame["deprived"].astype(float)))


def peer_risk_people(records: pd.DataFrame) -> np.ndarray:
    fit = sm.GLM(
        records["outcome"].astype(float), _design(records), family=sm.families.Binomial()
    ).fit()
    expected = pd.Series(np.asarray(fit.predict()), index=records.index)
    grouped = expected.groupby(records["provider"], observed=True).sum()
    observed = records.groupby("provider", observed=True)["outcome"].sum()
    return (observed / grouped).to_numpy()


def peer_risk_cells(records: pd.DataFrame) -> np.ndarray:
    cells = by_cell(records)
    endog = np.column_stack([cells["events"], cells["people"] - cells["events"]])
    fit = sm.GLM(endog, _design(cells), family=sm.families.Binomial()).fit()
    cells["expected"] = cells["people"] * np.asarray(fit.predict())
    totals = cells.groupby("provider", observed=True)[["events", "expected"]].sum()
    return (totals["events"] / totals["expected"]).to_numpy()


# --- run -----------------------------------------------------------------------------------
def machine() -> str:
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "?")
    return (
        f"{platform.machine()} {os.cpu_count()} cores, BLAS threads {threads}, "
        f"Python {platform.python_version()}"
    )


def row(
    task: str,
    ours: Callable[[], np.ndarray],
    peer_name: str,
    peer: Callable[[], np.ndarray] | None,
    repeats: int,
    peer_repeats: int | None = None,
) -> dict[str, Any]:
    """Time both sides, compare their outputs, measure peak memory."""
    ours_s, ours_out = median_time(ours, repeats)
    result: dict[str, Any] = {
        "task": task,
        "ours_s": round(ours_s, 4),
        "peer": peer_name,
        "peer_s": "",
        "ratio": "",
        "max_abs_diff": "",
        "n_rows": N_PEOPLE,
        "repeats": repeats,
        "machine": machine(),
        "date": date.today().isoformat(),
        "peak_mem_mb": round(peak_memory_mb(ours), 1),
        "peer_peak_mem_mb": "",
    }
    if peer is not None:
        peer_s, peer_out = median_time(peer, peer_repeats or repeats)
        result.update(
            peer_s=round(peer_s, 4),
            ratio=round(ours_s / peer_s, 3),
            max_abs_diff=f"{np.max(np.abs(ours_out - peer_out)):.2e}",
            peer_peak_mem_mb=round(peak_memory_mb(peer), 1),
        )
        if peer_repeats:
            result["repeats"] = f"{repeats} (peer {peer_repeats})"
    print(result, flush=True)
    return result


def main() -> None:
    records = people(n_people=N_PEOPLE, n_providers=N_PROVIDERS, provider_effect_sd=0.2, seed=2024)
    rows = [
        row(
            "funnel: aggregate 10M records to 500 providers, exact + additive limits",
            lambda: ours_funnel(records),
            "pandas groupby + scipy binom.ppf (step limits)",
            lambda: peer_funnel(records),
            repeats=3,
        ),
        row(
            "shrink (normal-normal): aggregate + empirical Bayes",
            lambda: ours_shrink_normal(records),
            "pandas groupby + statsmodels combine_effects (DL)",
            lambda: peer_shrink_normal(records),
            repeats=3,
        ),
        row(
            "shrink (beta-binomial ML): aggregate + empirical Bayes",
            lambda: ours_shrink_beta(records),
            "none",
            None,
            repeats=3,
        ),
        row(
            "risk_adjust: logistic case mix, grouped cells (4,000) vs person rows",
            lambda: ours_risk(records),
            "statsmodels GLM on 10M person rows + pandas O/E",
            lambda: peer_risk_people(records),
            repeats=3,
            peer_repeats=1,
        ),
        row(
            "risk_adjust: logistic case mix, grouped cells, same data both sides",
            lambda: ours_risk(records),
            "statsmodels GLM on the same cells + pandas O/E",
            lambda: peer_risk_cells(records),
            repeats=3,
        ),
    ]
    write_rows(RESULTS, rows)


if __name__ == "__main__":
    main()
