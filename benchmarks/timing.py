"""Timing and results files shared by the benchmark scripts.

The scripts run as ``python benchmarks/bench_*.py``, so this folder is on the import path
and they import this module as ``timing``.
"""

from __future__ import annotations

import csv
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd


def median_time(
    task: Callable[[], Any], repeats: int, *, warm_up: bool = True
) -> tuple[float, Any]:
    """Median wall time of ``task`` over ``repeats`` runs and the last run's output.

    With ``warm_up`` one untimed run comes first (caches, compilation, imports).
    """
    output = task() if warm_up else None
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        output = task()
        times.append(time.perf_counter() - start)
    return statistics.median(times), output


def write_rows(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Write ``rows`` (dictionaries with the same keys) as a CSV file, replacing ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {path}")


def save_results(
    table: pd.DataFrame, path: Path, *, keep_others: bool, **read_options: Any
) -> pd.DataFrame:
    """Write ``table`` to ``path``; with ``keep_others`` the rows of tasks not run are kept.

    The kept rows are read back from the previous file with ``read_options`` (for
    ``pandas.read_csv``) and go first, as before.
    """
    if keep_others and path.exists():
        kept = pd.read_csv(path, **read_options)
        table = pd.concat([kept[~kept["task"].isin(table["task"])], table], ignore_index=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False)
    return table
