"""Tests of evaluation.simulate.did: the staggered-adoption simulator."""

from __future__ import annotations

import matplotlib
import pytest

from evaluation.simulate.did import staggered_adoption

matplotlib.use("Agg")


def test_simulation_is_byte_reproducible() -> None:
    a = staggered_adoption(n_units=40, seed=9)
    b = staggered_adoption(n_units=40, seed=9)
    assert a.to_csv().encode() == b.to_csv().encode()
    assert not a.equals(staggered_adoption(n_units=40, seed=10))
    treated = a.loc[a["treated"] == 1, "true_effect"]
    assert a.attrs["true_effect"] == pytest.approx(treated.mean())
