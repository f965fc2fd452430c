"""Tests of evaluation.simulate.did: the staggered-adoption and switching simulators."""

from __future__ import annotations

import matplotlib
import pytest

from evaluation.simulate.did import staggered_adoption, switching_panel

matplotlib.use("Agg")


def test_simulation_is_byte_reproducible() -> None:
    a = staggered_adoption(n_units=40, seed=9)
    b = staggered_adoption(n_units=40, seed=9)
    assert a.to_csv().encode() == b.to_csv().encode()
    assert not a.equals(staggered_adoption(n_units=40, seed=10))
    treated = a.loc[a["treated"] == 1, "true_effect"]
    assert a.attrs["true_effect"] == pytest.approx(treated.mean())


def test_switching_panel_switches_both_ways_with_its_known_effect() -> None:
    sim = switching_panel(n_units=200, seed=3)
    assert sim.to_csv() == switching_panel(n_units=200, seed=3).to_csv()
    steps = sim.sort_values(["unit", "time"]).groupby("unit")["treated"].diff().dropna()
    assert (steps == 1).any() and (steps == -1).any()
    assert (sim["true_effect"] == sim.attrs["true_effect"] * sim["treated"]).all()
    stayers = switching_panel(n_units=50, never_share=1.0, seed=3)
    assert stayers.groupby("unit")["treated"].nunique().eq(1).all()
    with pytest.raises(ValueError, match="switch_on must lie in"):
        switching_panel(switch_on=1.5)
