"""Tests of evaluation.simulate.matching: the voluntary-programme simulator."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from evaluation.simulate.matching import voluntary_programme


def test_simulation_is_reproducible() -> None:
    a = voluntary_programme(n=300, seed=5)
    pd.testing.assert_frame_equal(a, voluntary_programme(n=300, seed=5))
    assert a.attrs["true_effect"] == pytest.approx(a.loc[a["took_part"] == 1, "effect"].mean())
