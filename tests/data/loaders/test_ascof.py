"""Tests of evaluation.data.loaders.ascof on the real ASCOF file."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

from evaluation.data import registry

matplotlib.use("Agg")


# ---------------------------------------------------------------------- loaders
def test_ascof_loader_on_the_real_file(shared_data: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(shared_data))
    frame = registry.load("ascof_outcomes_by_council")
    assert frame.shape == (6376, 9)
    assert frame.attrs["suppressed"] == 298
    assert sorted(frame["measure_id"].unique()) == [f"ASC{i}" for i in range(1, 8)]
    assert frame["year"].min() == 2015 and frame["year"].max() == 2022
    row = frame[
        (frame["council"] == "Darlington")
        & (frame["period"] == "2016-17")
        & (frame["measure_id"] == "ASC1")
    ]
    assert row["value"].tolist() == [7.6]
    assert row["council_code"].tolist() == ["E06000005"]
    assert not frame.duplicated(["council_code", "period", "measure_id"]).any()
