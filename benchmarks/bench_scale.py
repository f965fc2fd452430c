# ruff: noqa: E402  (imports follow the BLAS thread limits, which must precede numpy)
"""Benchmark estimators on person-level records at scale: 2x2 DiD, TWFE, funnel, risk adjustment.

Four tasks, each on a Parquet file of simulated person-level records written by
DuckDB (task names filter with ``--task``; each row of the results says its task).

**did_2x2** - pupils in schools, a reform in some areas and a known effect of
-0.15; the same estimate, clustered by area, four ways on the same file:

- ``duckdb``: ``did.two_by_two`` on a DuckDB relation over the Parquet file (the
  records stay in DuckDB; only the cells come back);
- ``pandas``: the file read into pandas, then ``did.two_by_two`` on every row
  (statsmodels WLS);
- ``spark``: ``did.two_by_two`` on a DataFrame a local Spark session (two cores)
  reads from the file (peak memory is the Python driver's; the JVM's is not counted);
- ``pyfixest``: ``feols`` on the same pandas frame, the peer.

**twfe** - the same pupils, two-way fixed effects (area and period effects, the
treatment ``treated * post``, clustered by area): ``did.twfe`` on a DuckDB
relation (``duckdb``) and on a local Spark session's DataFrame (``spark``),
against pyfixest's ``feols`` with ``| area + post`` on the pandas frame
(``pyfixest``); Spark and pyfixest ten million rows at most.

**funnel** - people served by 300 providers with a 0/1 outcome:
``cells.rates`` then ``compare.funnel`` on a DuckDB relation over the file
(``duckdb``), on a local Spark session's DataFrame (``spark``) and on the file
read into pandas (``pandas``); Spark and pandas ten million rows at most. The
estimate is the funnel's target (the overall rate).

**risk** - the same people with one continuous covariate (``age``) and a 0/1 one
(``deprived``): ``compare.risk_adjust`` on a DuckDB relation (``duckdb``: Newton
steps as aggregate queries), on a local Spark session's DataFrame (``spark``, the
same queries), on the file read into pandas (``pandas``: statsmodels
``GLM`` on every person) and statsmodels ``Logit`` on that frame with the expected
counts summed by provider (``statsmodels``), ten million rows at most for the
last two. The estimate is the coefficient of ``age``.

Each figure is the median of the repeats after one warm-up, with the peak
resident memory of a fresh child process per engine and size. Writes
``benchmarks/results/scale.csv``. Sizes are given in millions of rows::

    .venv/bin/python benchmarks/bench_scale.py 1 10          # the default: every task
    .venv/bin/python benchmarks/bench_scale.py 1 10 100 --folder /big/disk --task did
    .venv/bin/python benchmarks/bench_scale.py 10 100 --task funnel

The Parquet files are written to ``--folder`` (a temporary folder by default)
and deleted afterwards; a billion rows take about 15 GB. Rows of tasks and sizes
not run are kept from the previous results file.
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
PEOPLE = {"outcome": "outcome", "unit": "provider"}
COVARIATES = ["age", "deprived"]
#: Each task: its data writer and its engines at up to ten million rows, and above.
TASKS = {
    "did_2x2": ("pupils", ["duckdb", "spark", "pandas", "pyfixest"], ["duckdb", "spark"]),
    "funnel": ("people", ["duckdb", "spark", "pandas"], ["duckdb"]),
    "risk": ("people", ["duckdb", "spark", "pandas", "statsmodels"], ["duckdb"]),
    "twfe": ("pupils", ["duckdb", "spark", "pyfixest"], ["duckdb"]),
}
#: Two-way fixed effects on the pupils: area and period effects, treatment ``treated * post``.
TWFE = {"outcome": "score", "unit": "area", "time": "post", "treatment": "reform"}


def _records(engine: str, path: str, session: Any = None) -> Any:
    """The records as the engine holds them: a DuckDB relation, a Spark DataFrame or pandas."""
    if engine == "duckdb":
        import duckdb

        return duckdb.read_parquet(path)
    if engine == "spark":
        return session.read.parquet(path)
    return pd.read_parquet(path)


def _twfe(engine: str, path: str, session: Any = None) -> float:
    """Two-way fixed effects clustered by area: ours in DuckDB or Spark, or pyfixest on pandas."""
    if engine in ("duckdb", "spark"):
        from evaluation import did

        records = _records(engine, path, session)
        if engine == "duckdb":
            records = records.project("area, post, score, treated * post AS reform")
        else:
            records = records.withColumn("reform", records["treated"] * records["post"])
        return did.twfe(records, **TWFE).estimate
    import pyfixest as pf

    frame = pd.read_parquet(path, columns=["area", "post", "treated", "score"])
    frame["reform"] = frame["treated"] * frame["post"]
    peer = pf.feols("score ~ reform | area + post", data=frame, vcov={"CRV1": "area"})
    return float(peer.coef()["reform"])


def write_people(path: Path, *, n_rows: int, n_providers: int = 300, seed: int = 1) -> None:
    """People of ``n_providers`` providers: ``age`` (standardised), ``deprived``, 0/1 ``outcome``.

    The outcome's log odds are ``-1.2 + 0.5 age + 0.4 deprived + 0.3 sin(provider)``;
    written by DuckDB straight to Parquet.
    """
    import duckdb

    con = duckdb.connect()
    con.execute("SELECT setseed(?)", [seed / (seed + 1)])
    con.execute(
        f"""
        COPY (
          SELECT provider, age, deprived,
                 CAST(random() < 1 / (1 + exp(-(-1.2 + 0.5 * age + 0.4 * deprived
                      + 0.3 * sin(provider)))) AS TINYINT) AS outcome
          FROM (
            SELECT CAST(i % {int(n_providers)} AS INTEGER) AS provider,
                   sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS age,
                   CAST(random() < 0.3 AS TINYINT) AS deprived
            FROM range({int(n_rows)}) AS t(i)
          )
        ) TO '{path}' (FORMAT parquet)
        """
    )
    con.close()


def _people_task(task: str, engine: str, path: str, session: Any = None) -> float:
    """One run of the funnel or risk task; the figure compared between engines."""
    from evaluation import cells, compare

    if task == "funnel":
        records = _records(engine, path, session)
        table = cells.rates(records, unit="provider", outcome="outcome")
        fit = compare.funnel(table, unit="provider", events="events", denominator="denominator")
        return float(fit.estimate)
    if engine in ("duckdb", "spark", "pandas"):
        records = _records(engine, path, session)
        found = compare.risk_adjust(records, **PEOPLE, covariates=COVARIATES)
        return float(found.coefficients.loc["age", "coef"])
    import statsmodels.api as sm

    frame = pd.read_parquet(path)
    x = sm.add_constant(frame[COVARIATES].astype(float))
    logit = sm.Logit(frame["outcome"].astype(float), x).fit(disp=0)
    expected = pd.Series(logit.predict(x)).groupby(frame["provider"]).sum()
    assert len(expected) > 0
    return float(logit.params["age"])


def _run(task: str, engine: str, path: str, repeats: int) -> dict[str, Any]:
    from evaluation import did

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
        if task == "twfe":
            return _twfe(engine, path, session)
        if task != "did_2x2":
            return _people_task(task, engine, path, session)
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


def _child(queue: Any, task: str, engine: str, path: str, repeats: int) -> None:
    queue.put(_run(task, engine, path, repeats))


def measure(task: str, engine: str, path: Path, repeats: int) -> dict[str, Any]:
    """Time one engine in a fresh process, so peak memory is its own."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(queue, task, engine, str(path), repeats))
    process.start()
    outcome = queue.get()
    process.join()
    return outcome


def main(
    millions: list[float], folder: Path | None, repeats: int, tasks: list[str] | None = None
) -> pd.DataFrame:
    chosen = [t for t in TASKS if not tasks or any(part in t for part in tasks)]
    rows = []
    machine = f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        for size in millions:
            n_rows = int(size * 1_000_000)
            for data in sorted({TASKS[task][0] for task in chosen}):
                path = Path(tmp) / f"{data}_{n_rows}.parquet"
                if data == "pupils":
                    write_pupils(path, n_rows=n_rows)
                else:
                    write_people(path, n_rows=n_rows)
                for task in (t for t in chosen if TASKS[t][0] == data):
                    engines = TASKS[task][1] if size <= 10 else TASKS[task][2]
                    found = {engine: measure(task, engine, path, repeats) for engine in engines}
                    for engine, outcome in found.items():
                        rows.append({"task": task, "rows_millions": size, "engine": engine,
                                     "seconds": round(outcome["seconds"], 3),
                                     "peak_mb": round(outcome["peak_mb"]),
                                     "estimate": outcome["estimate"],
                                     "diff_from_duckdb": abs(outcome["estimate"]
                                                             - found["duckdb"]["estimate"]),
                                     "repeats": repeats, "machine": machine,
                                     "date": date.today().isoformat()})  # fmt: skip
                        print(rows[-1], flush=True)
                path.unlink()
    table = pd.DataFrame(rows)
    if RESULTS.exists():  # keep the rows of tasks and sizes not run this time
        kept = pd.read_csv(RESULTS)
        if "task" not in kept:  # results written before there were tasks
            kept.insert(0, "task", "did_2x2")
        run = set(zip(table["task"], table["rows_millions"], strict=True)) if rows else set()
        stay = [
            (task, size) not in run
            for task, size in zip(kept["task"], kept["rows_millions"], strict=True)
        ]
        table = pd.concat([kept[stay], table])
        table = table.sort_values(["task", "rows_millions", "engine"], ignore_index=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(RESULTS, index=False)
    return table


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("millions", nargs="*", type=float, default=[1, 10])
    parser.add_argument("--folder", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--task", action="append", default=None, help=f"substring of a task: {list(TASKS)}"
    )
    arguments = parser.parse_args()
    table = main(arguments.millions, arguments.folder, arguments.repeats, arguments.task)
    print(table.to_string(index=False))
