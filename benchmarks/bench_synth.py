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

Run: ``.venv/bin/python benchmarks/bench_synth.py`` (writes benchmarks/results/synth.csv).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import time
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
from pysyncon import Dataprep, Synth

from evaluation.synth import synthetic_control

OUT = Path(__file__).resolve().parent / "results" / "synth.csv"
TREATED, START = "California", 1989
PRE_YEARS = list(range(1970, START))


def load() -> pd.DataFrame:
    """Abadie, Diamond and Hainmueller's (2010) panel, as shipped by scspill."""
    with files("scspill.data").joinpath("files", "california_panel.csv").open() as handle:
        return pd.read_csv(handle)


def timed(task: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Median wall time over ``repeats`` runs, and the last run's result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = task()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def peer_gap(
    data: pd.DataFrame, wide: pd.DataFrame, treated: str, controls: list[str]
) -> np.ndarray:
    """pysyncon's gap path for one treated unit, solving our exact problem."""
    prep = Dataprep(
        foo=data,
        predictors=[],
        predictors_op="mean",
        dependent="cigsale",
        unit_variable="state",
        time_variable="year",
        treatment_identifier=treated,
        controls_identifier=controls,
        time_predictors_prior=PRE_YEARS,
        time_optimize_ssr=PRE_YEARS,
        special_predictors=[("cigsale", [year], "mean") for year in PRE_YEARS],
    )
    x0, x1 = prep.make_covariate_mats()
    variance = pd.concat([x0, x1], axis=1).std(axis=1).to_numpy() ** 2
    model = Synth()
    # Normalised to sum to one, as pysyncon normalises V itself; the minimiser is unchanged.
    model.fit(prep, custom_V=variance / variance.sum())
    return np.asarray(wide[treated].to_numpy() - wide[controls].to_numpy() @ model.W)


def pre_rmspe(gaps: object, pre: np.ndarray) -> np.ndarray:
    """Pre-period root mean squared gap of each column (or of a single gap path)."""
    return np.atleast_1d(np.sqrt(np.mean(np.square(np.asarray(gaps)[pre]), axis=0)))


def main() -> pd.DataFrame:
    data = load()
    wide = data.pivot(index="year", columns="state", values="cigsale")
    donors = sorted(set(data["state"]) - {TREATED})
    spec = {"outcome": "cigsale", "unit": "state", "time": "year"}

    def ours_fit() -> np.ndarray:
        fit = synthetic_control(data, **spec, treated_unit=TREATED, treatment_time=START)
        return fit.paths["gap"].to_numpy()

    fitted = synthetic_control(data, **spec, treated_unit=TREATED, treatment_time=START)

    def ours_placebo() -> pd.DataFrame:
        return fitted.placebo().gaps[donors]

    def peer_placebo() -> pd.DataFrame:
        gaps = {d: peer_gap(data, wide, d, [u for u in donors if u != d]) for d in donors}
        return pd.DataFrame(gaps, index=wide.index)

    rows = []
    tasks = [
        ("fit (outcome path)", ours_fit, lambda: peer_gap(data, wide, TREATED, donors), 7),
        ("placebo (38 refits)", ours_placebo, peer_placebo, 3),
    ]
    for name, ours, peer, repeats in tasks:
        ours_s, ours_out = timed(ours, repeats)
        peer_s, peer_out = timed(peer, repeats)
        diff = np.max(np.abs(np.asarray(ours_out) - np.asarray(peer_out)))
        pre = np.asarray(wide.index < START)
        excess = pre_rmspe(peer_out, pre) - pre_rmspe(ours_out, pre)
        print(f"{name}: pre-RMSPE, pysyncon minus ours: {excess.min():.2g} to {excess.max():.2g}")
        rows.append(
            {
                "task": name,
                "ours_s": round(ours_s, 4),
                "peer": "pysyncon",
                "peer_s": round(peer_s, 4),
                "ratio": round(ours_s / peer_s, 4),
                "max_abs_diff": float(f"{diff:.3g}"),
                "n_rows": len(data),
                "repeats": repeats,
                "machine": f"{platform.machine()} {os.cpu_count()} cores, Python "
                f"{platform.python_version()}",
                "date": dt.date.today().isoformat(),
            }
        )
    table = pd.DataFrame(rows)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT, index=False)
    return table


if __name__ == "__main__":
    print(main().to_string(index=False))
