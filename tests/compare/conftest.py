"""Helpers shared by the tests of evaluation.compare: a small table of counts."""

from __future__ import annotations

import matplotlib
import pandas as pd

matplotlib.use("Agg")


def small_units() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit": ["A", "B", "C", "D", "E", "F"],
            "events": [3, 40, 410, 12, 95, 2],
            "n": [10, 100, 1000, 50, 200, 4],
        }
    )
