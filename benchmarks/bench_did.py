# ruff: noqa: E402  (imports follow the BLAS thread limits, which must precede numpy)
"""Benchmark evaluation.did against peer packages on the same data.

Times each task (median of several repeats, after one warm-up run) and records
how far our numbers are from the peer's. Writes ``benchmarks/results/did.csv``
with columns ``task, ours_s, peer, peer_s, ratio, max_abs_diff, n_rows,
repeats, machine, date``; ``ratio`` is ours over the peer (below 1 is faster).

BLAS runs single-threaded (for ours and the peers alike): on a shared two-core
machine, multi-threaded BLAS on small matrices makes timings swing by a factor
of three or more with whatever else is running.

Run from the repository root::

    .venv/bin/python benchmarks/bench_did.py

Tasks
-----
- staggered DiD (Callaway-Sant'Anna, outcome regression, never-treated
  controls, analytic SEs, simple aggregation) vs ``csdid`` on ``mpdta`` and on
  a simulated 100,000-unit x 10-period panel. A peer run longer than five
  minutes is stopped and recorded as not finished.
- Sun-Abraham event study vs ``pyfixest``'s saturated event study (with its
  period aggregation) on ``mpdta`` and on a simulated 20,000 x 10 panel.
- two-way fixed effects vs ``pyfixest.feols`` on ``mpdta``.
- Rambachan-Roth sensitivity (``did.sensitivity``, relative magnitudes, the
  default hybrid test, 1,000 grid points, Mbar 0, 0.5, 1) vs moderndid's
  HonestDiD port on the Sun-Abraham ``mpdta`` event study's coefficients and
  covariance. moderndid's ``didhonest`` imports cvxpy, which is not installed;
  its relative-magnitude code never calls it, so it runs behind an empty
  stand-in module. Its smoothness (FLCI) code needs cvxpy and is not timed.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import csv
import multiprocessing as mp
import platform
import statistics
import time
import warnings
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evaluation import did
from evaluation.simulate.did import staggered_adoption

RESULTS = Path(__file__).resolve().parent / "results" / "did.csv"
PEER_LIMIT_S = 300.0
MPDTA = {"outcome": "lemp", "unit": "countyreal", "time": "year", "cohort": "first.treat"}
SIM = {"outcome": "outcome", "unit": "unit", "time": "time", "cohort": "cohort"}

warnings.filterwarnings("ignore", message="The SaturatedEventStudyClass is currently in beta")
warnings.filterwarnings("ignore", message="The inplace keyword")
warnings.filterwarnings("ignore", message=r"\s*\d+ variables dropped due to multicollinearity")


def median_time(task: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median wall time of ``task`` over ``repeats`` runs after one warm-up; and its output."""
    output = task()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        output = task()
        times.append(time.perf_counter() - start)
    return statistics.median(times), output


# --- peers ---------------------------------------------------------------------------------


def csdid_run(frame: pd.DataFrame, names: dict[str, str]) -> np.ndarray:
    """csdid att_gt + simple aggregation, analytic SEs; returns the ATT(g, t)."""
    from csdid.att_gt import ATTgt

    fit = ATTgt(
        yname=names["outcome"],
        tname=names["time"],
        idname=names["unit"],
        gname=names["cohort"],
        data=frame,
        control_group="nevertreated",
    )
    fit.fit(est_method="reg", bstrap=False)
    fit.aggte(typec="simple", bstrap=False)
    return np.asarray(fit.results["att"], dtype=float)


def _timed_in_child(queue: Any, frame: pd.DataFrame, names: dict[str, str], repeats: int) -> None:
    queue.put(median_time(lambda: csdid_run(frame, names), repeats))


def csdid_with_limit(
    frame: pd.DataFrame, names: dict[str, str], repeats: int
) -> tuple[float, np.ndarray | None]:
    """Run the csdid timing in a child process, stopped after ``PEER_LIMIT_S`` seconds."""
    queue: Any = mp.get_context("fork").Queue()
    child = mp.get_context("fork").Process(
        target=_timed_in_child, args=(queue, frame, names, repeats)
    )
    child.start()
    child.join(PEER_LIMIT_S * (repeats + 1))
    if child.is_alive():
        child.terminate()
        child.join()
        return float("nan"), None
    return queue.get()


def pyfixest_event_study(frame: pd.DataFrame, names: dict[str, str]) -> np.ndarray:
    """pyfixest saturated (Sun-Abraham) event study aggregated by period."""
    import pyfixest as pf

    fit = pf.event_study(
        frame,
        yname=names["outcome"],
        idname=names["unit"],
        tname=names["time"],
        gname="g_peer",
        estimator="saturated",
    )
    return fit.aggregate()["Estimate"].to_numpy(dtype=float)


def pyfixest_twfe(frame: pd.DataFrame) -> float:
    import pyfixest as pf

    fit = pf.feols("lemp ~ D | countyreal + year", data=frame, vcov={"CRV1": "countyreal"})
    return float(fit.coef().iloc[0])


# --- tasks ---------------------------------------------------------------------------------


def staggered_task(frame: pd.DataFrame, names: dict[str, str], repeats: int) -> dict[str, Any]:
    ours_s, ours = median_time(lambda: did.staggered(frame, **names), repeats)
    peer_s, peer = csdid_with_limit(frame, names, repeats)
    diff = float("nan") if peer is None else float(np.max(np.abs(ours.group_time["att"] - peer)))
    return {"ours_s": ours_s, "peer": "csdid", "peer_s": peer_s, "max_abs_diff": diff}


def event_study_task(frame: pd.DataFrame, names: dict[str, str], repeats: int) -> dict[str, Any]:
    peer_frame = frame.assign(g_peer=frame[names["cohort"]].astype(int))
    ours_s, ours = median_time(lambda: did.event_study(frame, **names), repeats)
    peer_s, peer = median_time(lambda: pyfixest_event_study(peer_frame, names), repeats)
    diff = float(np.max(np.abs(ours.effects["estimate"].to_numpy() - peer)))
    return {"ours_s": ours_s, "peer": "pyfixest", "peer_s": peer_s, "max_abs_diff": diff}


def twfe_task(frame: pd.DataFrame, repeats: int) -> dict[str, Any]:
    frame = frame.assign(
        D=((frame["year"] >= frame["first.treat"]) & (frame["first.treat"] > 0)).astype(int)
    )
    names = {"outcome": "lemp", "unit": "countyreal", "time": "year", "treatment": "D"}
    ours_s, ours = median_time(lambda: did.twfe(frame, **names), repeats)
    peer_s, peer = median_time(lambda: pyfixest_twfe(frame), repeats)
    return {
        "ours_s": ours_s,
        "peer": "pyfixest",
        "peer_s": peer_s,
        "max_abs_diff": abs(ours.estimate - peer),
    }


HONEST_MBAR = [0.0, 0.5, 1.0]


def honest_task(frame: pd.DataFrame, repeats: int) -> dict[str, Any]:
    """did.sensitivity vs moderndid's create_sensitivity_results_rm, same inputs."""
    import sys
    import types

    sys.modules.setdefault("cvxpy", types.ModuleType("cvxpy"))  # see the module docstring
    from moderndid.didhonest import create_sensitivity_results_rm

    fit = did.event_study(frame, **MPDTA)
    effects = fit.effects.sort_values("event_time")
    times = effects["event_time"].to_numpy()
    beta = effects["estimate"].to_numpy()
    sigma = fit.covariance.loc[times, times].to_numpy()
    n_pre = int((times < -1).sum())
    ours_s, ours = median_time(lambda: did.sensitivity(fit, bounds=HONEST_MBAR), repeats)

    def peer_run() -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = create_sensitivity_results_rm(
                beta, sigma, n_pre, len(beta) - n_pre, m_bar_vec=HONEST_MBAR, grid_points=1000
            )
        return np.column_stack([table["lb"].to_numpy(), table["ub"].to_numpy()])

    peer_s, peer = median_time(peer_run, repeats)
    diff = float(np.max(np.abs(ours.intervals[["ci_low", "ci_high"]].to_numpy() - peer)))
    return {"ours_s": ours_s, "peer": "moderndid", "peer_s": peer_s, "max_abs_diff": diff}


def main(only: list[str] | None = None) -> pd.DataFrame:
    """Run every task, or those whose name contains one of ``only``, and update the CSV.

    Rows of tasks not run are kept from the previous results file.
    """
    import moderndid

    mpdta = moderndid.load_mpdta().to_pandas()
    big = staggered_adoption(n_units=100_000, n_periods=10, seed=1)
    medium = staggered_adoption(n_units=20_000, n_periods=10, seed=1)
    plan: list[tuple[str, pd.DataFrame, int, Callable[[pd.DataFrame, int], dict[str, Any]]]] = [
        ("staggered DiD, mpdta (500 x 5)", mpdta, 15, lambda f, r: staggered_task(f, MPDTA, r)),
        ("staggered DiD, simulated 100,000 x 10", big, 3, lambda f, r: staggered_task(f, SIM, r)),
        (
            "Sun-Abraham event study, mpdta (500 x 5)",
            mpdta,
            15,
            lambda f, r: event_study_task(f, MPDTA, r),
        ),
        (
            "Sun-Abraham event study, simulated 20,000 x 10",
            medium,
            3,
            lambda f, r: event_study_task(f, SIM, r),
        ),
        ("two-way fixed effects, mpdta (500 x 5)", mpdta, 15, twfe_task),
        ("honest DiD sensitivity, relative magnitudes, mpdta (500 x 5)", mpdta, 1, honest_task),
    ]
    machine = (
        f"{platform.machine()} {os.cpu_count()} cores, "
        f"BLAS threads {os.environ['OPENBLAS_NUM_THREADS']}, Python {platform.python_version()}"
    )
    rows = []
    for task, frame, repeats, run in plan:
        if only and not any(part in task for part in only):
            continue
        outcome = run(frame, repeats)
        rows.append(
            {
                "task": task,
                "ours_s": round(outcome["ours_s"], 4),
                "peer": outcome["peer"],
                "peer_s": round(outcome["peer_s"], 4),
                "ratio": round(outcome["ours_s"] / outcome["peer_s"], 3),
                "max_abs_diff": f"{outcome['max_abs_diff']:.2e}",
                "n_rows": len(frame),
                "repeats": repeats,
                "machine": machine,
                "date": date.today().isoformat(),
            }
        )
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    if only and RESULTS.exists():
        kept = pd.read_csv(RESULTS)
        table = pd.concat([kept[~kept["task"].isin(table["task"])], table], ignore_index=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(RESULTS, index=False, quoting=csv.QUOTE_MINIMAL)
    return table


if __name__ == "__main__":
    import sys

    print(main(sys.argv[1:] or None).to_string(index=False))
