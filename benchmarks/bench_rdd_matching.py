"""Benchmark: evaluation.rdd against rdrobust, evaluation.matching against moderndid.

Tasks (median wall time of ``repeats`` runs, one process each):

* ``rdd: local linear at h = 17.754``: the US Senate incumbency estimate at
  rdrobust's published bandwidth (triangular kernel). ``max_abs_diff`` compares
  the conventional point estimates.
* ``rdd: bandwidth choice + estimate``: ours with the Imbens-Kalyanaraman (2012)
  bandwidth, rdrobust with its default MSE-optimal (mserd) bandwidth. The two
  selectors differ, so ``max_abs_diff`` is the gap between the two estimates, not
  an error.
* ``matching: IPW ATT`` and ``matching: doubly robust ATT``: LaLonde's NSW treated
  against CPS controls (Dehejia-Wahba terms), ours against Sant'Anna and Zhao's
  estimators in moderndid (``std_ipw_did_panel`` and ``drdid_panel`` with the
  outcome as the change), including the logit. ``max_abs_diff`` compares the ATT
  estimates (dollars).

* ``rdd: robust sharp, Senate``: :func:`evaluation.rdd.robust` against
  ``rdrobust(vote, margin)`` with its defaults (mserd bandwidth, NN variance).
  ``max_abs_diff`` is the largest gap over the conventional and bias-corrected
  estimates, the two standard errors, h and b.
* ``rdd: robust fuzzy, mortgages``: the same for Fetter's (2013) fuzzy design
  (causaldata ``mortgages``: home ownership, veteran status, quarter of birth
  relative to the Korean War cohort; 214,144 men, mass points).
* ``rdd: density test, Senate margins``: :func:`evaluation.rdd.local_density_test`
  against ``rddensity(margin)``; ``max_abs_diff`` over the T statistic, the two
  densities and the two bandwidths.
* ``power: rd_power, Senate``: :func:`evaluation.power.rd_power` against
  ``rdpower(all=True)``; ``max_abs_diff`` over both powers and the robust SE.

* ``sensitivity: Darfur RV and female bounds``: Cinelli and Hazlett's (2020) Darfur
  regression (village fixed effects) with the robustness values and the bounds for
  confounders 1, 2 and 3 times as strong as ``female``; ours
  (``matching.confounder_sensitivity``) against ``sensemakr`` (statsmodels OLS with
  village dummies, ``sensitivity_stats``, ``ovb_partial_r2_bound`` and the adjusted
  estimates), each from the data frame. ``max_abs_diff`` is the largest gap over the
  robustness values, the partial R2 and the adjusted estimates and t-values.

rdrobust, rddensity, rdpower (GPL), moderndid and sensemakr are used here and in the
tests only, never by the library.

Run: ``.venv/bin/python benchmarks/bench_rdd_matching.py [task substrings]`` (writes
benchmarks/results/rdd_matching.csv; with substrings only the tasks whose names
contain one are run, and the other rows are kept from the previous file).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import io
import os
import platform
import warnings
from collections.abc import Callable
from pathlib import Path

import cases
import numpy as np
import pandas as pd
from cases import DW_TERMS
from causaldata import mortgages
from moderndid import drdid_panel, std_ipw_did_panel
from rddensity import rddensity
from rdpower import rdpower
from rdrobust import rdrobust
from timing import median_time, save_results

from evaluation import matching, power, rdd

OUT = Path(__file__).resolve().parent / "results" / "rdd_matching.csv"
PUBLISHED_H = 17.754


def senate() -> pd.DataFrame:
    """rdrobust's US Senate data, rows without an outcome dropped."""
    spec = importlib.util.find_spec("rdrobust")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "rdrobust_RDsenate.csv"
    return pd.read_csv(path).dropna(subset=["vote"]).reset_index(drop=True)


def _robust_numbers(fit: rdd.RobustRDResult) -> np.ndarray:
    return np.array(
        [fit.estimate, fit.bias_corrected, fit.se_conventional, fit.se, fit.h_left, fit.b_left]
    )


def _rdrobust_numbers(fit: object) -> np.ndarray:
    coef, se, bws = fit.coef, fit.se, fit.bws  # type: ignore[attr-defined]
    return np.array(
        [coef.iloc[0, 0], coef.iloc[1, 0], se.iloc[0, 0], se.iloc[2, 0], bws.iloc[0, 0],
         bws.iloc[1, 0]]
    )  # fmt: skip


def _quiet(task: Callable[[], object]) -> object:
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        return task()


def robust_tasks(votes: pd.DataFrame) -> list[tuple[str, Callable[[], object], str,
                                                    Callable[[], object], int, int]]:  # fmt: skip
    """The rdrobust-standard tasks: sharp and fuzzy RD, the density test, power."""
    fetter = mortgages.load_pandas().data
    y_home, x_qob, t_vet = fetter["home_ownership"], fetter["qob_minus_kw"], fetter["vet_wwko"]
    margins = pd.read_csv(
        Path(str(importlib.util.find_spec("rdrobust").origin)).parent  # type: ignore[union-attr]
        / "data"
        / "rdrobust_RDsenate.csv"
    )[["margin"]]

    def density_numbers(test: object) -> np.ndarray:
        if isinstance(test, rdd.LocalDensityTest):
            return np.array([test.statistic, test.f_left, test.f_right, test.h_left, test.h_right])
        t = test
        return np.array(
            [t.test["t_jk"], t.hat["left"], t.hat["right"], t.h["left"], t.h["right"]]  # type: ignore[attr-defined]
        )

    return [
        (
            "rdd: robust sharp, Senate (mserd, NN)",
            lambda: _robust_numbers(rdd.robust(votes, outcome="vote", running="margin")),
            "rdrobust",
            lambda: _rdrobust_numbers(_quiet(lambda: rdrobust(votes["vote"], votes["margin"]))),
            len(votes),
            20,
        ),
        (
            "rdd: robust fuzzy, mortgages (mserd, NN, mass points)",
            lambda: _robust_numbers(
                rdd.robust(
                    fetter, outcome="home_ownership", running="qob_minus_kw", treatment="vet_wwko"
                )
            ),
            "rdrobust",
            lambda: _rdrobust_numbers(_quiet(lambda: rdrobust(y_home, x_qob, fuzzy=t_vet))),
            len(fetter),
            3,
        ),
        (
            "rdd: density test, Senate margins",
            lambda: density_numbers(rdd.local_density_test(margins, running="margin")),
            "rddensity",
            lambda: density_numbers(_quiet(lambda: rddensity(X=margins["margin"].to_numpy()))),
            len(margins),
            20,
        ),
        (
            "power: rd_power, Senate",
            lambda: np.array(
                [
                    (plan := power.rd_power(votes, outcome="vote", running="margin")).power_robust,
                    plan.power_conventional,
                    plan.se_robust,
                ]
            ),
            "rdpower",
            lambda: np.array(
                [
                    (out := _quiet(lambda: rdpower(data=votes[["vote", "margin"]], all=True)))[  # type: ignore[index]
                        "power_rbc"
                    ],
                    out["power_conv"],  # type: ignore[index]
                    out["se_rbc"],  # type: ignore[index]
                ]
            ),
            len(votes),
            20,
        ),
    ]


def sensitivity_tasks() -> list[
    tuple[str, Callable[[], np.ndarray], str, Callable[[], np.ndarray], int, int]
]:
    """Cinelli-Hazlett on Darfur: ours against sensemakr, each returning the same numbers."""
    import sensemakr

    darfur = sensemakr.load_darfur()

    def ours() -> np.ndarray:
        fit = cases.darfur_sensitivity(darfur)
        b = fit.bounds
        return np.r_[
            fit.robustness_value,
            fit.robustness_value_alpha,
            fit.partial_r2,
            b["adjusted_estimate"],
            b["adjusted_t"],
        ]

    def peer() -> np.ndarray:
        out = cases.sensemakr_darfur(darfur)
        return np.r_[
            out["rv_q"], out["rv_qa"], out["r2yd_x"], out["adjusted_estimate"], out["adjusted_t"]
        ]

    return [("sensitivity: Darfur RV and female bounds", ours, "sensemakr", peer, len(darfur), 5)]


def main(only: list[str] | None = None) -> pd.DataFrame:
    """Run every task, or those whose name contains one of ``only``, and update the CSV.

    Rows of tasks not run are kept from the previous results file.
    """
    votes = senate()
    y_vote, x_margin = votes["vote"], votes["margin"]
    data = cases.lalonde()
    y = data["re78"].to_numpy(float)
    d = data["treat"].to_numpy(float)
    x = data[DW_TERMS].to_numpy(float)
    x = np.column_stack([np.ones(len(x)), (x - x.mean(0)) / x.std(0)])
    design = {"outcome": "re78", "treatment": "treat", "covariates": DW_TERMS}

    def quiet(task: Callable[[], object]) -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return task()

    tasks = [
        (
            "rdd: local linear at h = 17.754",
            lambda: (
                rdd.local_linear(
                    votes, outcome="vote", running="margin", bandwidth=PUBLISHED_H
                ).estimate
            ),
            "rdrobust",
            lambda: float(rdrobust(y_vote, x_margin, h=PUBLISHED_H).coef.iloc[0, 0]),
            len(votes),
            20,
        ),
        (
            "rdd: bandwidth choice + estimate",
            lambda: rdd.local_linear(votes, outcome="vote", running="margin").estimate,
            "rdrobust",
            lambda: float(rdrobust(y_vote, x_margin).coef.iloc[0, 0]),
            len(votes),
            20,
        ),
        (
            "matching: IPW ATT",
            lambda: matching.ipw(data, **design).estimate,
            "moderndid",
            lambda: float(quiet(lambda: std_ipw_did_panel(y, np.zeros_like(y), d, x)).att),
            len(data),
            7,
        ),
        (
            "matching: doubly robust ATT",
            lambda: matching.doubly_robust(data, estimand="ATT", **design).estimate,
            "moderndid",
            lambda: float(quiet(lambda: drdid_panel(y, np.zeros_like(y), d, x)).att),
            len(data),
            7,
        ),
        *robust_tasks(votes),
        *sensitivity_tasks(),
    ]
    rows = []
    for name, ours, peer, peer_task, n_rows, repeats in tasks:
        if only and not any(part in name for part in only):
            continue
        peer_task()  # warm up (numba compiles rdrobust's nearest-neighbour loop once)
        ours_s, ours_out = median_time(ours, repeats, warm_up=False)
        peer_s, peer_out = median_time(peer_task, repeats, warm_up=False)
        rows.append(
            {
                "task": name,
                "ours_s": round(ours_s, 4),
                "peer": peer,
                "peer_s": round(peer_s, 4),
                "ratio": round(ours_s / peer_s, 4),
                "max_abs_diff": float(
                    f"{np.max(np.abs(np.asarray(ours_out) - np.asarray(peer_out))):.3g}"
                ),
                "n_rows": n_rows,
                "repeats": repeats,
                "machine": f"{platform.machine()} {os.cpu_count()} cores, Python "
                f"{platform.python_version()}",
                "date": dt.date.today().isoformat(),
            }
        )
    return save_results(pd.DataFrame(rows), OUT, keep_others=bool(only))


if __name__ == "__main__":
    import sys

    print(main(sys.argv[1:] or None).to_string(index=False))
