"""Tests of evaluation.compare.ranking: simulated rank intervals."""

from __future__ import annotations

import matplotlib
import pandas as pd

from evaluation import compare
from evaluation.simulate import performance as sim

matplotlib.use("Agg")


# ---------------------------------------------------------------- rank intervals
def test_rank_intervals_narrow_as_denominators_grow():
    units = sim.providers(n_units=40, true_sd=0.3, min_size=50, max_size=50, seed=6)
    rates = units["events"] / units["denominator"]
    widths = []
    for scale in (1, 10, 100):
        scaled = units.assign(
            denominator=units["denominator"] * scale,
            events=(rates * units["denominator"] * scale).round().astype(int),
        )
        fit = compare.rank_intervals(
            scaled,
            unit="provider",
            events="events",
            denominator="denominator",
            replications=400,
            method="bootstrap",
        )
        widths.append(fit.estimate)
    assert widths[0] > widths[1] > widths[2]


def test_rank_intervals_are_reproducible_to_the_byte():
    units = sim.providers(n_units=30, true_sd=0.3, seed=1)
    args = {
        "unit": "provider",
        "events": "events",
        "denominator": "denominator",
        "replications": 300,
    }
    first = compare.rank_intervals(units, **args, seed=3).table
    again = compare.rank_intervals(units, **args, seed=3).table
    other = compare.rank_intervals(units, **args, seed=4).table
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)


def test_rank_intervals_polarity_and_plot():
    data = pd.DataFrame({"unit": list("ABC"), "k": [10, 50, 90], "n": [1000, 1000, 1000]})
    low_best = compare.rank_intervals(
        data, unit="unit", events="k", denominator="n", higher_is_better=False, replications=100
    )
    assert low_best.table["unit"].tolist() == ["A", "B", "C"]
    assert low_best.table["rank_low"].tolist() == [1.0, 2.0, 3.0]
    assert low_best.plot().yaxis_inverted()
    matplotlib.pyplot.close("all")
