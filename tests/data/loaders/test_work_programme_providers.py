"""Tests of the Work Programme prime-by-area and provider-performance loaders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from evaluation.data.loaders import employment


def test_prime_name_gives_one_spelling() -> None:
    names = pd.Series(["A4E", " A4e", "NCG", "Ingeus", "Rehab jobfit"])
    assert employment.prime_name(names).tolist() == [
        "A4e",
        "A4e",
        "Newcastle College Group",
        "Ingeus",
        "Rehab JobFit",
    ]


def test_prime_by_area_loader_on_a_small_file(tmp_path: Path) -> None:
    file = tmp_path / "primes.csv"
    pd.DataFrame(
        {
            "provider": ["A4E", "Ingeus"],
            "area": ["North West", "North East (CPA 5, Lot 9)"],
            "measure": ["prime provider in CPA", "tender submitted"],
            "period": ["2011-2017", "Apr 2011"],
            "value": ["prime", "tender"],
            "unit": ["role", "role"],
            "source_title": ["s1", "s2"],
            "source_address": ["a1", "a2"],
            "source_location": ["", ""],
            "note": ["", ""],
        }
    ).to_csv(file, index=False)
    frame = employment.wp_prime_providers_by_cpa_partial(file)
    assert frame["provider"].tolist() == ["A4e", "Ingeus"]
    assert frame["cpa"].tolist() == [
        "North West (Merseyside, Halton, Cumbria and Lancashire)",
        "North East",
    ]
    assert frame["confirmed"].tolist() == [True, False]
    assert set(frame["source_kind"]) == {"secondary"}


def test_prime_by_area_loader_rejects_an_unknown_role(tmp_path: Path) -> None:
    file = tmp_path / "primes.csv"
    pd.DataFrame(
        {
            c: ["x"]
            for c in [
                "provider",
                "area",
                "measure",
                "period",
                "unit",
                "source_title",
                "source_address",
                "note",
            ]
        }
        | {"value": ["winner"]}
    ).to_csv(file, index=False)
    with pytest.raises(ValueError, match="roles"):
        employment.wp_prime_providers_by_cpa_partial(file)


def test_prime_by_area_loader_on_the_real_file(real: Any) -> None:
    frame = real("wp_prime_providers_by_cpa_partial")
    assert len(frame) == 32
    confirmed = frame[frame["confirmed"]].drop_duplicates(["provider", "cpa"])
    # A4e's five areas, from its own evidence to the select committee.
    assert confirmed.loc[confirmed["provider"].eq("A4e"), "cpa"].nunique() == 5
    assert confirmed["cpa"].nunique() == 14
    assert len(confirmed) == 23


def test_provider_area_performance_on_the_real_file(real: Any) -> None:
    frame = real("wp_provider_area_performance")
    assert len(frame) == 80
    assert set(frame["source_kind"]) == {"secondary"}
    played = frame[frame["measure"].eq("regions (CPAs) played")]
    # Spend Matters' contracts per prime add up to the 40 contracts.
    assert played["number"].sum() == 40
    assert played["provider"].nunique() == 18
    indicator = frame[
        frame["measure"].str.contains("12 months support") & frame["period"].eq("data to Sep 2013")
    ]
    by_provider = indicator.set_index("provider")["number"]
    assert by_provider["Ingeus"] == pytest.approx(14.7)
    assert by_provider["Newcastle College Group"] == pytest.approx(7.4)
    assert by_provider["all primes"] == pytest.approx(10.7)
    # Text figures stay text, with no number.
    assert frame.loc[frame["value"].eq("100 of 4,500"), "number"].isna().all()
