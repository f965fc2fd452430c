"""Tests of evaluation.simulate.its: the interrupted series generator."""

from __future__ import annotations

import matplotlib

from evaluation.simulate import its as sim

matplotlib.use("Agg")


def test_generators_are_reproducible_to_the_byte() -> None:
    a = sim.series(seed=5, comparison=True)
    b = sim.series(seed=5, comparison=True)
    assert a.to_csv().encode() == b.to_csv().encode()
    assert a["outcome"].to_numpy().tobytes() == b["outcome"].to_numpy().tobytes()
    assert not a.equals(sim.series(seed=6, comparison=True))
