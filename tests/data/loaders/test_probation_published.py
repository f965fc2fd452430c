"""Tests of the tidy loaders of the transcribed Transforming Rehabilitation files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evaluation.data import registry


@pytest.mark.usefixtures("real")
def test_tr_contracts_loader() -> None:
    frame = registry.load("tr_crc_contracts_owners_ratings")
    assert len(frame) == 48
    volumes = frame[frame["measure"].str.startswith("volumes of paid activity")].iloc[0]
    assert (volumes["low"], volumes["high"]) == (16, 48)
    assert pd.isna(volumes["value"]) and volumes["secondary"]  # a copy of the NAO summary
    adjustment = frame[frame["value"].eq(342)].iloc[0]
    assert adjustment["source_title"].startswith("House of Commons Public Accounts Committee")
    assert not adjustment["secondary"]
    assert frame.loc[frame["value"].eq(467), "secondary"].item()  # a newspaper's report of NAO
    assert frame["kind"].value_counts().to_dict() == {
        "figure": 23,
        "owner": 17,
        "text": 6,
        "rating": 2,
    }


@pytest.mark.usefixtures("real")
def test_crc_lookup_loader() -> None:
    lookup = registry.load("probation_area_nps_crc_lookup")
    assert len(lookup) == 347
    assert lookup["body"].value_counts().to_dict() == {"PS": 168, "trust": 86, "NPS": 70, "CRC": 21}
    assert lookup["body"].isna().sum() == 2  # two administrative rows left unassigned
    crcs = lookup[lookup["body"] == "CRC"]
    assert crcs["crc"].is_unique and lookup["crc"].notna().sum() == 21
    assert not crcs["crc"].str.contains("Bedforshire").any()
    assert crcs.set_index("crc").loc["Wales", "nps_division"] == "Wales"
    assert not lookup["area"].str.endswith(" ").any()


def test_tr_loader_refuses_a_file_without_its_columns(tmp_path: Path) -> None:
    from evaluation.data.loaders import probation_published

    bad = tmp_path / "tr.csv"
    pd.DataFrame({"provider": ["x"], "value": [1]}).to_csv(bad, index=False)
    with pytest.raises(ValueError, match="lacks the columns"):
        probation_published.tr_crc_contracts_owners_ratings(bad)
