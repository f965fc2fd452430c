# ruff: noqa: E402  (imports follow the BLAS thread limits, which must precede numpy)
"""Benchmark the 2x2 difference-in-differences on person-level records at scale.

Writes simulated person-level records (pupils in schools, a reform in some areas,
a known effect of -0.15) as Parquet with DuckDB, then times the same estimate,
clustered by area, three ways on the same file:

- ``duckdb``: ``did.two_by_two`` on a DuckDB relation over the Parquet file (the
  records stay in DuckDB; only the cells come back);
- ``pandas``: the file read into pandas, then ``did.two_by_two`` on every row
  (statsmodels WLS);
- ``spark``: ``did.two_by_two`` on a DataFrame a local Spark session (two cores)
  reads from the file (peak memory is the Python driver's; the JVM's is not counted);
- ``pyfixest``: ``feols`` on the same pandas frame, the peer.

Each figure is the median of the repeats after one warm-up, with the peak
resident memory of a fresh child process per engine and size. Writes
``benchmarks/results/scale.csv``. Sizes are given in millions of rows::

    .venv/bin/python benchmarks/bench_scale.py 1 10          # the default
    .venv/bin/python benchmarks/bench_scale.py 1 10 100 --folder /big/disk

``--task twfe`` times two-way fixed effects instead (area and period effects,
the treatment ``treated * post``, clustered by area) on the same files:
``did.twfe`` on a DuckDB relation against pyfixest's ``feols`` with
``| area + post`` on the pandas frame, into ``benchmarks/results/scale_twfe.csv``
(with the standard errors, whose difference shows pyfixest's demeaning
tolerance)::

    .venv/bin/python benchmarks/bench_scale.py 10 --task twfe --repeats 1

The Parquet files are written to ``--folder`` (a temporary folder by default)
and deleted afterwards; a billion rows take about 15 GB. Rows for sizes not run
are kept from the previous results file.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse
import multiprocessing as mp
import platform
import resource
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation.simulate.records import write_pupils

RESULTS = Path(__file__).resolve().parent / "results" / "scale.csv"
NAMES = {"outcome": "score", "treated": "treated", "post": "post", "cluster": "area"}
TWFE_RESULTS = RESULTS.with_name("scale_twfe.csv")
TWFE = {"outcome": "score", "unit": "area", "time": "post", "treatment": "reform"}


def _twfe(engine: str, path: str) -> tuple[float, float]:
    """Two-way fixed effects on the records: ours in DuckDB, or pyfixest on pandas."""
    if engine == "duckdb":
        import duckdb

        from evaluation import did

        query = f"SELECT area, post, score, treated * post AS reform FROM read_parquet('{path}')"
        fit = did.twfe(duckdb.sql(query), **TWFE)
        return fit.estimate, fit.se
    import pyfixest as pf

    frame = pd.read_parquet(path, columns=["area", "post", "treated", "score"])
    frame["reform"] = frame["treated"] * frame["post"]
    peer = pf.feols("score ~ reform | area + post", data=frame, vcov={"CRV1": "area"})
    return float(peer.coef()["reform"]), float(peer.se()["reform"])


def _run(engine: str, path: str, repeats: int, task: str = "two_by_two") -> dict[str, Any]:
    from evaluation import did

    if task == "twfe":
        _twfe(engine, path)
        times, found = [], (0.0, 0.0)
        for _ in range(repeats):
            start = time.perf_counter()
            found = _twfe(engine, path)
            times.append(time.perf_counter() - start)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {"seconds": statistics.median(times), "estimate": found[0], "se": found[1],
                "peak_mb": peak}  # fmt: skip

    session = None
    if engine == "spark":
        from pyspark.sql import SparkSession

        session = (
            SparkSession.builder.master("local[2]")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")

    def once() -> float:
        if engine == "duckdb":
            import duckdb

            return did.two_by_two(duckdb.read_parquet(path), **NAMES).estimate
        if session is not None:
            return did.two_by_two(session.read.parquet(path), **NAMES).estimate
        frame = pd.read_parquet(path)
        if engine == "pandas":
            return did.two_by_two(frame, **NAMES).estimate
        import pyfixest as pf

        fit = pf.feols("score ~ treated * post", data=frame, vcov={"CRV1": "area"})
        return float(fit.coef()["treated:post"])

    once()
    times, estimate = [], 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        estimate = once()
        times.append(time.perf_counter() - start)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": statistics.median(times), "estimate": estimate, "peak_mb": peak_mb}


def _child(queue: Any, engine: str, path: str, repeats: int, task: str) -> None:
    queue.put(_run(engine, path, repeats, task))


def measure(engine: str, path: Path, repeats: int, task: str = "two_by_two") -> dict[str, Any]:
    """Time one engine in a fresh process, so peak memory is its own."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(queue, engine, str(path), repeats, task))
    process.start()
    outcome = queue.get()
    process.join()
    return outcome


def main(
    millions: list[float], folder: Path | None, repeats: int, task: str = "two_by_two"
) -> pd.DataFrame:
    rows = []
    results = TWFE_RESULTS if task == "twfe" else RESULTS
    machine = f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        for size in millions:
            n_rows = int(size * 1_000_000)
            path = Path(tmp) / f"records_{n_rows}.parquet"
            write_pupils(path, n_rows=n_rows)
            engines = (
                ["duckdb", "spark", "pandas", "pyfixest"] if size <= 10 else ["duckdb", "spark"]
            )
            if task == "twfe":
                engines = ["duckdb", "pyfixest"] if size <= 10 else ["duckdb"]
            found = {engine: measure(engine, path, repeats, task) for engine in engines}
            for engine, outcome in found.items():
                rows.append({"rows_millions": size, "engine": engine,
                             "seconds": round(outcome["seconds"], 3),
                             "peak_mb": round(outcome["peak_mb"]),
                             "estimate": outcome["estimate"],
                             "diff_from_duckdb": abs(outcome["estimate"]
                                                     - found["duckdb"]["estimate"]),
                             "repeats": repeats, "machine": machine,
                             "date": date.today().isoformat()})  # fmt: skip
                if task == "twfe":
                    rows[-1] |= {
                        "se": outcome["se"],
                        "se_diff_from_duckdb": abs(outcome["se"] - found["duckdb"]["se"]),
                    }
                print(rows[-1], flush=True)
            path.unlink()
    table = pd.DataFrame(rows)
    if results.exists():  # keep the rows of sizes not run this time
        kept = pd.read_csv(results)
        table = pd.concat([kept[~kept["rows_millions"].isin(table["rows_millions"])], table])
        table = table.sort_values(["rows_millions", "engine"], ignore_index=True)
    results.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(results, index=False)
    return table


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("millions", nargs="*", type=float, default=[1, 10])
    parser.add_argument("--folder", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--task", choices=["two_by_two", "twfe"], default="two_by_two")
    arguments = parser.parse_args()
    table = main(arguments.millions, arguments.folder, arguments.repeats, arguments.task)
    print(table.to_string(index=False))
