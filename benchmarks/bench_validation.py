"""Benchmark evaluation.data.validation on a one-million-row provider table.

A provider performance table in the standard form is simulated: 20,000
providers x 10 measures x 5 years (one million rows, every one of the 22
fields filled as a publisher would fill them), with one row in a thousand
made wrong in one of five ways (a rate that does not match its counts, a
numerator above its denominator, a bad area code, an unknown licence, a
duplicated key). It is validated twice: as a UTF-8 CSV file (read and checked)
and as a typed DataFrame (strings, Int64, Float64, boolean and datetime64
columns, as ``to_standard`` makes). Each task runs in a fresh process: its
peak resident memory is measured over one untimed run (the kernel's peak,
reset just before the call, less the memory in use before it, so the input
does not count; ``tracemalloc`` would miss pyarrow's buffers), then it is
timed (median of several repeats after one warm-up run). Writes
``benchmarks/results/validation.csv`` with the columns of the other results
files (``task, ours_s, peer, peer_s, ratio, max_abs_diff, n_rows, repeats,
machine, date, peak_mem_mb, peer_peak_mem_mb``) and ``n_problems``,
``max_rss_mb`` (the process's peak in all, input included), ``cpu_s`` (median
CPU time of the process, all threads) and ``load_1min`` (the machine's load
average as the timing began: the machine is shared, and wall time grows with
it). There is no peer library. The cell-by-cell validator this one replaced
took 91 s (the file) and 97 s (the frame) on the same table and machine, under
a similar load, with a peak of 2.6 GB resident.

Linux only (it reads ``/proc/self``). Run from the repository root::

    .venv/bin/python benchmarks/bench_validation.py
"""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from timing import write_rows

from evaluation.data.validation import validate

RESULTS = Path(__file__).resolve().parent / "results" / "validation.csv"
N_PROVIDERS, N_MEASURES, N_YEARS = 20_000, 10, 5
N_ROWS = N_PROVIDERS * N_MEASURES * N_YEARS
ERROR_EVERY = 1_000


def provider_table(seed: int = 2024) -> pd.DataFrame:
    """One million rows in the standard form, as text, with one row in a thousand wrong."""
    rng = np.random.default_rng(seed)
    provider = np.repeat(np.arange(N_PROVIDERS), N_MEASURES * N_YEARS)
    measure = np.tile(np.repeat(np.arange(N_MEASURES), N_YEARS), N_PROVIDERS)
    year = np.tile(np.arange(2020, 2020 + N_YEARS), N_PROVIDERS * N_MEASURES)
    den = rng.integers(0, 5_000, N_ROWS)
    num = rng.binomial(den, 0.6)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = pd.Series(np.round(100 * num / den, 1)).astype(str).where(den > 0, "")
    ids = pd.Series(provider).map("P{:06d}".format)
    codes = pd.Series(provider % 400).map("E{:08d}".format)
    frame = pd.DataFrame(
        {
            "provider_id": ids,
            "provider_name": "Provider " + ids,
            "provider_type": np.array(["public", "private", "voluntary"])[provider % 3],
            "area_code": codes,
            "area_name": "Area " + codes,
            "measure_id": pd.Series(measure).map("M{:02d}".format),
            "measure_name": "Measure " + pd.Series(measure).astype(str),
            "measure_type": "outcome",
            "ratio_type": "proportion",
            "period_start": pd.Series(year).astype(str) + "-04-01",
            "period_end": pd.Series(year + 1).astype(str) + "-03-31",
            "numerator": num.astype(str),
            "denominator": den.astype(str),
            "rate": rate,
            "rate_per": "100",
            "expected": "",
            "risk_model": "",
            "adjustment_variables": "",
            "suppressed": "false",
            "publisher": "Department for Education",
            "licence": "OGL-UK-3.0",
            "source_url": "https://www.gov.uk/government/statistics",
        }
    )
    return plant_errors(frame)


def plant_errors(frame: pd.DataFrame) -> pd.DataFrame:
    """Make one row in ``ERROR_EVERY`` wrong, cycling through five kinds of error."""
    rows = np.arange(7, len(frame), ERROR_EVERY)
    kinds = np.arange(len(rows)) % 5
    frame.loc[rows[kinds == 0], "rate"] = "99.9"
    frame.loc[rows[kinds == 1], ["numerator", "denominator", "rate"]] = ["12", "10", ""]
    frame.loc[rows[kinds == 2], "area_code"] = "E0900011"
    frame.loc[rows[kinds == 3], "licence"] = "MIT"
    duplicated = rows[kinds == 4]
    frame.loc[duplicated, ["provider_id", "period_start", "period_end"]] = frame.loc[
        duplicated - 1, ["provider_id", "period_start", "period_end"]
    ].to_numpy()
    return frame


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with the dtypes ``to_standard`` gives."""
    out = frame.replace("", None)
    for name in ("numerator", "denominator", "rate_per"):
        out[name] = pd.to_numeric(out[name]).astype("Int64")
    for name in ("rate", "expected"):
        out[name] = pd.to_numeric(out[name]).astype("Float64")
    for name in ("period_start", "period_end"):
        out[name] = pd.to_datetime(out[name], format="%Y-%m-%d")
    out["suppressed"] = (out["suppressed"] == "true").astype("boolean")
    return out


def median_time(task: Callable[[], Any], repeats: int) -> tuple[float, float, Any]:
    """Median wall and CPU time of ``task`` over ``repeats`` runs after a warm-up; its output.

    The CPU time (all threads of the process) is the steadier figure on a shared machine.
    """
    output = task()
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        output = task()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu), output


def resident_mb(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process from /proc, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1e3
    raise RuntimeError(f"no {field} in /proc/self/status")


def peak_memory_mb(task: Callable[[], Any]) -> tuple[float, float]:
    """Peak resident memory while ``task`` runs: above the memory before it, and in all (MB).

    The kernel's peak (``VmHWM``) is reset before the task (``/proc/self/clear_refs``), so the
    input built beforehand does not count. Resident memory, not ``tracemalloc``: pyarrow's
    buffers are not traced.
    """
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")
    before = resident_mb("VmRSS")
    task()
    peak = resident_mb("VmHWM")
    return peak - before, peak


def machine() -> str:
    return f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"


def measure(task: str, run: Callable[[], Any], repeats: int) -> dict[str, Any]:
    """Peak memory (first, in a fresh process), then time; count the problems reported."""
    peak_mb, max_rss_mb = peak_memory_mb(run)
    load = os.getloadavg()[0]
    seconds, cpu_seconds, report = median_time(run, repeats)
    return {
        "task": task,
        "ours_s": round(seconds, 4),
        "peer": "none",
        "peer_s": "",
        "ratio": "",
        "max_abs_diff": "",
        "n_rows": report.n_rows,
        "repeats": repeats,
        "machine": machine(),
        "date": date.today().isoformat(),
        "peak_mem_mb": round(peak_mb, 1),
        "peer_peak_mem_mb": "",
        "n_problems": len(report.problems),
        "max_rss_mb": round(max_rss_mb, 1),
        "cpu_s": round(cpu_seconds, 4),
        "load_1min": round(load, 2),
    }


def run_task(kind: str, path: Path) -> None:
    """In a fresh process: validate the file, or the typed frame built from it; print JSON."""
    if kind == "file":
        result = measure("validate a 1M-row CSV file (read + check)", lambda: validate(path), 3)
    else:
        frame = typed(pd.read_csv(path, dtype=str, keep_default_na=False))
        result = measure("validate a 1M-row typed DataFrame", lambda: validate(frame), 3)
    print(json.dumps(result), flush=True)


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "providers.csv"
        provider_table().to_csv(path, index=False, lineterminator="\n")
        for kind in ("file", "frame"):
            child = [sys.executable, __file__, "--task", kind, str(path)]
            done = subprocess.run(child, check=True, capture_output=True, text=True)
            rows.append(json.loads(done.stdout.splitlines()[-1]))
            print(rows[-1], flush=True)
    write_rows(RESULTS, rows)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--task"]:
        run_task(sys.argv[2], Path(sys.argv[3]))
    else:
        main()
