"""Benchmark: evaluation.synth against pysyncon on California's Proposition 99.

Both solve the same outcome-path synthetic control: donor weights on the
simplex minimising the squared pre-1989 gap. pysyncon scales each predictor
(here, each pre-period year) by its standard deviation across units; passing
``custom_V`` equal to those variances undoes the scaling, so the two solve the
same quadratic programme (pysyncon with SLSQP, ours with active-set NNLS).

Tasks (median wall time of ``repeats`` runs, one process each):

* ``fit``: weights and gap path for California;
* ``placebo``: the 38 in-space placebo refits (each donor as if treated, the
  other 37 as its donors). pysyncon's ``PlaceboTest`` runs the same refits in a
  process pool; here they run in one process, as ours do, with the per-placebo
  ``custom_V``.

``max_abs_diff`` is the largest absolute difference between the two packages'
gap paths (packs per capita) over all years and units fitted. The differences
come from pysyncon's SLSQP (numerical gradients, default tolerance) stopping
short of the optimum: in every fit its pre-period RMSPE is at least ours (the
script prints the range of the excess). ``custom_V`` is normalised to sum to
one, as pysyncon normalises V itself; without that its SLSQP fails outright
on some placebo states.

* ``several treated``: three simulated units treated at once, each fitted from
  the never-treated donors; pysyncon's Synth fitted unit by unit (no placebo
  sets: it has none for several units). ``max_abs_diff`` over the three gap paths.
* ``conformal interval``: the 90% interval for California's 1989 effect by
  test inversion (Chernozhukov et al. 2021); pysyncon refits with its own Synth
  (SLSQP) under each null, so its bounds carry its optimiser's slack.
* ``SDID, SC, DiD``: ``synth.synthetic_did`` with its three methods and 200
  placebo replications each. No SDID peer is installable (the R package
  ``synthdid`` and the ``synthdid`` Python port are not available here): the row
  records our time and the largest gap to the three published estimates.

Run: ``.venv/bin/python benchmarks/bench_synth.py [task substrings]`` (updates
benchmarks/results/synth.csv, keeping the rows of tasks not run).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
from pathlib import Path
from typing import Any

import cases
import numpy as np
import pandas as pd
from pysyncon import Synth
from pysyncon.inference import ConformalInference
from timing import median_time, save_results

from evaluation import synth
from evaluation.simulate import synth as sim
from evaluation.synth import synthetic_control

OUT = Path(__file__).resolve().parent / "results" / "synth.csv"
TREATED, START = "California", 1989
PRE_YEARS = list(range(1970, START))
SEVERAL = ["treated", "donor 01", "donor 02"]
#: Arkhangelsky et al. (2021), Table 1: SDID, SC and DiD estimates (packs per capita).
PUBLISHED = (-15.6, -19.6, -27.3)


def peer_gap(
    data: pd.DataFrame, wide: pd.DataFrame, treated: str, controls: list[str]
) -> np.ndarray:
    """pysyncon's gap path for one treated unit, solving our exact problem."""
    model = cases.pysyncon_outcome_path(data, treated, controls, PRE_YEARS, normalise_v=True)
    return np.asarray(wide[treated].to_numpy() - wide[controls].to_numpy() @ model.W)


def pre_rmspe(gaps: object, pre: np.ndarray) -> np.ndarray:
    """Pre-period root mean squared gap of each column (or of a single gap path)."""
    return np.atleast_1d(np.sqrt(np.mean(np.square(np.asarray(gaps)[pre]), axis=0)))


def several_panel() -> pd.DataFrame:
    """Simulated panel with three units treated at once (effect -10), as in the tests."""
    panel = sim.panel(effect=-10.0, seed=4, n_donors=12, n_pre=15, n_post=5)
    hit = panel["unit"].isin(["donor 01", "donor 02"]) & (panel["period"] >= 15)
    return panel.assign(outcome=panel["outcome"] + np.where(hit, -10.0, 0.0))


def peer_unit_gap(wide: pd.DataFrame, unit: str, donors: list[str], pre: list[Any]) -> np.ndarray:
    """pysyncon's outcome-path gap for one unit of a wide panel (custom V undoes its scaling)."""
    x0, x1 = wide.loc[pre, donors], wide.loc[pre, unit]
    variance = pd.concat([x0, x1], axis=1).std(axis=1).to_numpy() ** 2
    model = Synth()
    model.fit(X0=x0, X1=x1, Z0=x0, Z1=x1, custom_V=variance / variance.sum())
    return np.asarray(wide[unit].to_numpy() - wide[donors].to_numpy() @ model.W)


class PeerRefit(Synth):
    """pysyncon's Synth refitted on the outcome path, for its conformal intervals."""

    def fit(self, *args: Any, Z0: pd.DataFrame, Z1: pd.Series, **kwargs: Any) -> None:
        variance = pd.concat([Z0, Z1], axis=1).std(axis=1).to_numpy() ** 2
        super().fit(X0=Z0, X1=Z1, Z0=Z0, Z1=Z1, custom_V=variance / variance.sum())


def main(only: list[str] | None = None) -> pd.DataFrame:
    """Run every task, or those whose name contains one of ``only``; rows not run are kept."""
    data = cases.prop99()
    wide = data.pivot(index="year", columns="state", values="cigsale")
    donors = sorted(set(data["state"]) - {TREATED})
    spec = {"outcome": "cigsale", "unit": "state", "time": "year"}
    prop99 = {**spec, "treated_unit": TREATED, "treatment_time": START}

    def ours_fit() -> np.ndarray:
        fit = synthetic_control(data, **prop99)
        return fit.paths["gap"].to_numpy()

    fitted = synthetic_control(data, **prop99)

    def ours_placebo() -> pd.DataFrame:
        return fitted.placebo().gaps[donors]

    def peer_placebo() -> pd.DataFrame:
        gaps = {d: peer_gap(data, wide, d, [u for u in donors if u != d]) for d in donors}
        return pd.DataFrame(gaps, index=wide.index)

    several = several_panel()
    several_wide = several.pivot(index="period", columns="unit", values="outcome")
    several_donors = sorted(set(several["unit"]) - set(SEVERAL))

    def ours_several() -> np.ndarray:
        fit = synth.synthetic_control_several(
            several, outcome="outcome", unit="unit", time="period", treated_unit=SEVERAL,
            treatment_time=15, replications=200, seed=1,
        )  # fmt: skip
        return fit.gaps[SEVERAL].to_numpy()

    def peer_several() -> np.ndarray:
        pre = list(range(15))
        return np.column_stack([peer_unit_gap(several_wide, u, several_donors, pre)
                                for u in SEVERAL])  # fmt: skip

    def ours_conformal() -> np.ndarray:
        table = synth.conformal_intervals(fitted, level=0.9).table.loc[[START]]
        return table[["ci_low", "ci_high"]].to_numpy()

    def peer_conformal() -> np.ndarray:
        model = PeerRefit()
        model.fit(Z0=wide.loc[PRE_YEARS, donors], Z1=wide.loc[PRE_YEARS, TREATED])
        table = ConformalInference().confidence_intervals(
            alpha=0.1, scm=model, Z0=wide[donors], Z1=wide[TREATED], pre_periods=PRE_YEARS,
            post_periods=[START], tol=0.01, verbose=False,
        )  # fmt: skip
        return table[["lower_ci", "upper_ci"]].to_numpy()

    def ours_sdid() -> np.ndarray:
        fits = [synth.synthetic_did(data, **prop99, method=m, replications=200, seed=1)
                for m in ("sdid", "sc", "did")]  # fmt: skip
        return np.array([[f.estimate, f.se] for f in fits])

    tasks = [
        ("fit (outcome path)", ours_fit, lambda: peer_gap(data, wide, TREATED, donors), 7),
        ("placebo (38 refits)", ours_placebo, peer_placebo, 3),
        ("several treated (3 units, simulated)", ours_several, peer_several, 3),
        ("conformal interval (1989, 90%)", ours_conformal, peer_conformal, 1),
    ]
    rows = []
    for name, ours, peer, repeats in tasks:
        if only and not any(part in name for part in only):
            continue
        ours_s, ours_out = median_time(ours, repeats, warm_up=False)
        peer_s, peer_out = median_time(peer, repeats, warm_up=False)
        diff = np.max(np.abs(np.asarray(ours_out) - np.asarray(peer_out)))
        if name.startswith(("fit", "placebo")):
            pre = np.asarray(wide.index < START)
            excess = pre_rmspe(peer_out, pre) - pre_rmspe(ours_out, pre)
            print(
                f"{name}: pre-RMSPE, pysyncon minus ours: {excess.min():.2g} to {excess.max():.2g}"
            )
        n_rows = len(several) if name.startswith("several") else len(data)
        rows.append(_row(name, ours_s, "pysyncon", peer_s, diff, n_rows, repeats))
    sdid_task = "SDID, SC, DiD with placebo SEs (200 replications)"
    if not only or any(part in sdid_task for part in only):
        # No installable peer: the published Table 1 (R synthdid) is the comparison, and
        # max_abs_diff is the largest gap to its three estimates (the SEs are Monte Carlo).
        ours_s, out = median_time(ours_sdid, 1, warm_up=False)
        diff = np.max(np.abs(np.asarray(out)[:, 0] - np.array(PUBLISHED)))
        print("SDID, SC, DiD (estimate, placebo SE):", np.round(out, 2).tolist())
        rows.append(_row(sdid_task, ours_s, "published (synthdid, Table 1)", math.nan, diff,
                         len(data), 1))  # fmt: skip
    return save_results(pd.DataFrame(rows), OUT, keep_others=bool(only))


def _row(task: str, ours_s: float, peer: str, peer_s: float, diff: float, n_rows: int,
         repeats: int) -> dict[str, Any]:  # fmt: skip
    return {
        "task": task,
        "ours_s": round(ours_s, 4),
        "peer": peer,
        "peer_s": round(peer_s, 4),
        "ratio": round(ours_s / peer_s, 4) if peer_s == peer_s else math.nan,
        "max_abs_diff": float(f"{diff:.3g}"),
        "n_rows": n_rows,
        "repeats": repeats,
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "date": dt.date.today().isoformat(),
    }


if __name__ == "__main__":
    import sys

    print(main(sys.argv[1:] or None).to_string(index=False))
