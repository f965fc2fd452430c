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
- staggered DiD options (task names start "staggered options"): an unbalanced
  ``mpdta`` (a seeded 10% of rows dropped) with seeded county weights, vs
  ``csdid`` and vs ``moderndid``; ``mpdta`` clustered by state
  (``countyreal // 1000``) vs ``csdid``'s analytic cluster-robust errors; and a
  simulated unbalanced, weighted 10,000 x 10 panel vs ``csdid``. The difference
  is the largest over the ATT(g, t) and their standard errors.
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


def options_frame(frame: pd.DataFrame, unit: str, seed: int) -> pd.DataFrame:
    """``frame`` with a seeded weight per unit, its state (unit // 1000), 10% of rows dropped."""
    units = np.sort(frame[unit].unique())
    weight = dict(
        zip(units, np.random.default_rng(seed).uniform(0.5, 2.0, len(units)), strict=True)
    )
    frame = frame.assign(w=frame[unit].map(weight), state=frame[unit] // 1000)
    keep = np.random.default_rng(seed + 1).random(len(frame)) > 0.1
    return frame.loc[keep].reset_index(drop=True)


def csdid_options(frame: pd.DataFrame, names: dict[str, str], options: dict[str, Any]) -> Any:
    """csdid att_gt with the given options, reg, analytic SEs, its printing silenced."""
    import contextlib
    import io

    from csdid.att_gt import ATTgt

    with contextlib.redirect_stdout(io.StringIO()):
        fit = ATTgt(
            yname=names["outcome"],
            tname=names["time"],
            idname=names["unit"],
            gname=names["cohort"],
            data=frame,
            control_group="nevertreated",
            **options,
        )
        fit.fit(est_method="reg", bstrap=False)
    return np.asarray(fit.results["att"], dtype=float), np.asarray(fit.results["se"], dtype=float)


def moderndid_options(frame: pd.DataFrame, names: dict[str, str], options: dict[str, Any]) -> Any:
    """moderndid att_gt with the given options, reg, analytic SEs."""
    import moderndid

    fit = moderndid.att_gt(
        data=frame,
        yname=names["outcome"],
        tname=names["time"],
        idname=names["unit"],
        gname=names["cohort"],
        est_method="reg",
        boot=False,
        **options,
    )
    return np.asarray(fit.att_gt, dtype=float), np.asarray(fit.se_gt, dtype=float)


def options_task(
    frame: pd.DataFrame,
    names: dict[str, str],
    repeats: int,
    *,
    ours: dict[str, Any],
    peer: str,
    peer_options: dict[str, Any],
) -> dict[str, Any]:
    """Ours with ``ours`` options vs the peer with the same options (its own names)."""
    run_peer = csdid_options if peer == "csdid" else moderndid_options
    ours_s, fit = median_time(lambda: did.staggered(frame, **names, **ours), repeats)
    peer_s, (att, se) = median_time(lambda: run_peer(frame, names, peer_options), repeats)
    gt = fit.group_time
    diff = float(max(np.max(np.abs(gt["att"] - att)), np.nanmax(np.abs(gt["se"] - se))))
    return {"ours_s": ours_s, "peer": peer, "peer_s": peer_s, "max_abs_diff": diff}


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


def _option_tasks(
    mpdta: pd.DataFrame,
) -> list[tuple[str, pd.DataFrame, int, Callable[[pd.DataFrame, int], dict[str, Any]]]]:
    """The staggered-options tasks: gaps and weights, clusters, on mpdta and a larger panel."""
    gappy = options_frame(mpdta, "countyreal", seed=15)
    full = mpdta.assign(state=mpdta["countyreal"] // 1000)
    sim = options_frame(staggered_adoption(n_units=10_000, n_periods=10, seed=2), "unit", 3)
    ours = {"weights": "w", "allow_unbalanced": True}
    return [
        (
            "staggered options: unbalanced + weights, mpdta (vs csdid)",
            gappy,
            9,
            lambda f, r: options_task(
                f,
                MPDTA,
                r,
                ours=ours,
                peer="csdid",
                peer_options={"weights_name": "w", "allow_unbalanced_panel": True},
            ),
        ),
        (
            "staggered options: unbalanced + weights, mpdta (vs moderndid)",
            gappy,
            9,
            lambda f, r: options_task(
                f,
                MPDTA,
                r,
                ours=ours,
                peer="moderndid",
                peer_options={"weightsname": "w", "allow_unbalanced_panel": True, "panel": False},
            ),
        ),
        (
            "staggered options: clustered by state, mpdta (vs csdid)",
            full,
            9,
            lambda f, r: options_task(
                f,
                MPDTA,
                r,
                ours={"cluster": "state"},
                peer="csdid",
                peer_options={"clustervar": "state"},
            ),
        ),
        (
            "staggered options: unbalanced + weights, simulated 10,000 x 10 (vs csdid)",
            sim,
            3,
            lambda f, r: options_task(
                f,
                SIM,
                r,
                ours=ours,
                peer="csdid",
                peer_options={"weights_name": "w", "allow_unbalanced_panel": True},
            ),
        ),
    ]


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
        *_option_tasks(mpdta),
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
