"""power.rd_power side by side with rdpower and rdmde (run in the test).

Tolerance: 1e-6 on power, standard error, effect and minimum detectable effect;
the measured gaps are below 1e-11.
"""

from __future__ import annotations

import contextlib
import io
import warnings

import pandas as pd
import pytest
from rdpower import rdmde, rdpower

from evaluation.power import rd_power

TOL = 1e-6


@pytest.mark.parametrize(
    ("options", "peer_options"),
    [
        ({}, {}),
        ({"effect": 5.0, "n_window": (300, 400)}, {"tau": 5.0, "sampsi": [300, 400]}),
        ({"bandwidth": 15.0, "effect": 3.0, "alpha": 0.1}, {"h": 15.0, "tau": 3.0, "alpha": 0.1}),
    ],
)
def test_senate_equals_rdpower(
    senate: pd.DataFrame, options: dict[str, object], peer_options: dict[str, object]
) -> None:
    ours = rd_power(senate, outcome="vote", running="margin", **options)  # type: ignore[arg-type]
    mde_options = {k: v for k, v in peer_options.items() if k != "tau"}
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        peer = rdpower(data=senate[["vote", "margin"]], all=True, **peer_options)
        peer_mde = rdmde(data=senate[["vote", "margin"]], **mde_options)
    assert abs(ours.power_robust - peer["power_rbc"]) < TOL
    assert abs(ours.power_conventional - peer["power_conv"]) < TOL
    assert abs(ours.se_robust - peer["se_rbc"]) < TOL
    assert abs(ours.effect - peer["tau"]) < TOL
    assert abs(ours.mde - peer_mde["mde"]) < TOL


def test_more_data_more_power(senate: pd.DataFrame) -> None:
    small = rd_power(senate, outcome="vote", running="margin", effect=4.0)
    large = rd_power(senate, outcome="vote", running="margin", effect=4.0, n_window=2000)
    assert large.power_robust > small.power_robust and large.mde < small.mde
    assert "minimum detectable" in large.summary()
    assert large.plot().get_ylabel().startswith("Power")
    with pytest.raises(ValueError, match="pair"):
        rd_power(senate, outcome="vote", running="margin", n_window=(1, 2, 3))
