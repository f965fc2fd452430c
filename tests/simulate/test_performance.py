"""Tests of evaluation.simulate.performance: seeded providers and people with their truth."""

from __future__ import annotations

import matplotlib

from evaluation.simulate import performance as sim

matplotlib.use("Agg")


# -------------------------------------------------------------------- simulator
def test_simulators_are_seeded_and_carry_the_truth():
    assert sim.providers(seed=3).equals(sim.providers(seed=3))
    assert sim.providers(true_sd=0.2, seed=3).attrs["true_effect"] == 0.2
    first = sim.people(n_people=2000, n_providers=4, bad_provider=0.5, seed=3)
    assert first.equals(sim.people(n_people=2000, n_providers=4, bad_provider=0.5, seed=3))
    assert first.attrs["true_effect"]["H01"] == 0.5
    assert set(first["true_provider_effect"].unique()) == {0.0, 0.5}
