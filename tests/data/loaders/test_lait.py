"""Tests of evaluation.data.loaders.lait on the real LAIT file."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

from evaluation.data import registry
from evaluation.data.loaders import lait

matplotlib.use("Agg")


def test_lait_loader_on_the_real_file(shared_data: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(shared_data))
    frame = registry.load("lait_la_indicators")
    assert len(frame) == 641_070
    assert frame.attrs["suppressed"] == 93_883
    assert frame.attrs["unparsed_periods"] == 170
    assert frame["indicator_id"].nunique() == 434
    assert set(frame["area_type"]) == {"la", "region", "england"}
    assert (frame["area_type"] == "england").sum() == frame.groupby("indicator_id")[
        "period"
    ].size().sum() / 170
    first = frame.iloc[0]
    assert (first["la_name"], first["period"], first["year"], first["years_covered"]) == (
        "Barking and Dagenham",
        "2014-16",
        2016,
        3,
    )
    assert first["value"] == pytest.approx(12.13)

    reoffending = lait.youth_reoffending(frame)
    barking = reoffending[(reoffending["la_name"] == "Barking and Dagenham")]
    assert barking.set_index("year").loc[2016, "rate_percent"] == pytest.approx(50.82)
    assert reoffending["year"].between(2016, 2024).all()
    assert reoffending.attrs["suppressed"] == reoffending["rate_percent"].isna().sum() > 0

    care = lait.indicator_pair(frame, numerator="CareLeaverEETNum", denominator="NoCareLeavers")
    birmingham = care[(care["la_name"] == "Birmingham") & (care["year"] == 2016)]
    assert birmingham[["events", "denominator"]].to_numpy().tolist() == [[290.0, 630.0]]
    assert (care["events"] <= care["denominator"]).all()
