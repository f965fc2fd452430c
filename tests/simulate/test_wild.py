"""The few-clusters simulation: shape, seed and the true effect of zero."""

from __future__ import annotations

import pandas as pd

from evaluation.simulate.wild import few_clusters, rejection_rates


def test_few_clusters_is_seeded_with_half_the_clusters_treated_and_no_effect() -> None:
    data = few_clusters(10, seed=3)
    pd.testing.assert_frame_equal(data, few_clusters(10, seed=3))
    assert data.attrs["true_effect"] == 0.0
    assert data.groupby("cluster")["treated"].first().sum() == 5
    assert set(data["post"]) == {0, 1}


def test_rejection_rates_smoke() -> None:
    """Smoke test only (a few replications); the DiD chapter shows the full simulation."""
    table = rejection_rates((6,), n_sims=4, n_boot=19, seed=0)
    assert table.attrs["true_effect"] == 0.0
    assert table.loc[0, "clusters"] == 6
    assert table.iloc[0, 1:4].between(0, 1).all()
