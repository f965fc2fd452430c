"""Tests of evaluation.services.stewardship.

The measure and contract tables, HHI bounds, denominators.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportions_ztest

from evaluation import compare, markets
from evaluation.data import registry
from evaluation.services import stewardship
from evaluation.services.stewardship import ContractCheck, Measure


# --------------------------------------------------------------------------- measure table
def test_every_measure_names_a_registered_dataset() -> None:
    names = registry.catalog()["name"]
    table = stewardship.measure_table(known_datasets=names)
    assert len(table) == len(stewardship.MEASURES)
    assert set(table["service"]) == {"employment", "care", "schools", "probation"}
    # every service has at least one outcome and one non-outcome
    kinds = table.groupby("service")["kind"].agg(set)
    assert all("outcome" in k and len(k) >= 2 for k in kinds)


def test_ascof_codes_in_the_table_exist_in_the_file(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(shared_data))
    codes = set(registry.load("ascof_outcomes_by_council")["measure_id"])
    named = stewardship.measure_table()["name"].str.extract(r"\((ASC\d)")[0].dropna()
    assert set(named) <= codes
    assert set(named) == codes  # all seven ASCOF measures in the file are classified


def test_measure_table_orders_outcomes_first() -> None:
    care = stewardship.measure_table().query("service == 'care'")["kind"].tolist()
    assert care == sorted(care, key=["outcome", "output", "input or process"].index)


@pytest.mark.parametrize(
    ("measure", "message"),
    [
        (Measure("care", "x", "care_homes_beds_by_ownership", "result", False, "ok"), "kind"),  # type: ignore[arg-type]
        (
            Measure("care", "x", "care_homes_beds_by_ownership", "output", False, "two\nlines"),
            "reason",
        ),
        (Measure("care", "x", "care_homes_beds_by_ownership", "output", False, ""), "reason"),
        (Measure("care", "x", "no_such_dataset", "output", False, "ok"), "registry"),
    ],
)
def test_measure_table_refuses_bad_rows(measure: Measure, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        stewardship.measure_table([measure], known_datasets=registry.catalog()["name"])


def test_measure_table_refuses_duplicates_and_empty() -> None:
    m = Measure("care", "x", "care_homes_beds_by_ownership", "output", False, "ok")
    with pytest.raises(ValueError, match="twice"):
        stewardship.measure_table([m, m])
    with pytest.raises(ValueError, match="No measures"):
        stewardship.measure_table([])


# --------------------------------------------------------------------------- checklist
def test_checklist_is_complete_and_wide_form_keeps_every_verdict() -> None:
    long = stewardship.checklist()
    assert len(long) == 3 * len(stewardship.CRITERIA)
    wide = stewardship.checklist(wide=True)
    assert wide["criterion"].tolist() == list(stewardship.CRITERIA)
    assert wide.shape == (4, 4)
    assert list(wide.columns) == [
        "criterion",
        "Work Programme",
        "Transforming Rehabilitation",
        "Peterborough bond",
    ]
    cells = wide.drop(columns="criterion").to_numpy().ravel()
    assert sorted(c.split(":")[0] for c in cells) == sorted(long["verdict"])
    # The one scheme with a concurrent comparison group is the only one that passes it.
    counter = long[long["criterion"] == "counterfactual"].set_index("scheme")["verdict"]
    assert counter.to_dict() == {
        "Peterborough bond": "yes",
        "Transforming Rehabilitation": "no",
        "Work Programme": "partly",
    }


def test_checklist_refuses_gaps_duplicates_and_bad_values() -> None:
    full = [ContractCheck("S", c, "yes", "ok") for c in stewardship.CRITERIA]
    with pytest.raises(ValueError, match="exactly one"):
        stewardship.checklist(full[:-1])
    with pytest.raises(ValueError, match="exactly one"):
        stewardship.checklist([*full, full[0]])
    with pytest.raises(ValueError, match="criterion"):
        stewardship.checklist([ContractCheck("S", "price", "yes", "ok")])
    with pytest.raises(ValueError, match="verdict"):
        stewardship.checklist([ContractCheck("S", "baseline", "maybe", "ok")])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- HHI bounds
def _brute_force(known: list[int], units: int, owners: int) -> tuple[float, float]:
    """Every split of the remaining units over the remaining owners, through markets.hhi."""
    rest_units, rest_owners = units - sum(known), owners - len(known)
    values = []
    for split in itertools.combinations_with_replacement(range(1, rest_units + 1), rest_owners):
        if sum(split) != rest_units:
            continue
        sizes = [*known, *split]
        frame = pd.DataFrame({"m": "A", "p": range(len(sizes)), "units": sizes})
        values.append(markets.hhi(frame, market="m", provider="p", size="units")["hhi"].item())
    return min(values), max(values)


@pytest.mark.parametrize(
    ("known", "units", "owners"),
    [([6, 5, 3], 21, 8), ([4], 10, 4), ([3, 3], 12, 5), ([1], 6, 6)],
)
def test_hhi_bounds_match_brute_force(known: list[int], units: int, owners: int) -> None:
    low, high = stewardship.hhi_bounds(
        {str(i): v for i, v in enumerate(known)}, total_units=units, total_owners=owners
    )
    expected_low, expected_high = _brute_force(known, units, owners)
    assert low == pytest.approx(expected_low, rel=1e-12)
    assert high == pytest.approx(expected_high, rel=1e-12)


def test_hhi_bounds_closed_form_for_the_crc_market() -> None:
    # 6, 5, 3 known; the other 7 over 5 owners: (2,2,1,1,1) or (3,1,1,1,1).
    low, high = stewardship.hhi_bounds({"a": 6, "b": 5, "c": 3}, total_units=21, total_owners=8)
    assert low == pytest.approx(10_000 * 81 / 441, rel=1e-12)
    assert high == pytest.approx(10_000 * 83 / 441, rel=1e-12)


@pytest.mark.parametrize(
    ("known", "units", "owners", "message"),
    [
        ({"a": 0}, 5, 2, "whole numbers"),
        ({"a": 6}, 5, 2, "exceed"),
        ({"a": 2}, 5, 1, "left over"),
        ({"a": 4}, 5, 3, "cannot each hold"),
    ],
)
def test_hhi_bounds_refuses_impossible_counts(
    known: dict[str, int], units: int, owners: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        stewardship.hhi_bounds(known, total_units=units, total_owners=owners)


# --------------------------------------------------------------------------- denominators
@pytest.mark.parametrize("level", [0.95, 0.998])
@pytest.mark.parametrize(("rate", "target"), [(75.0, 70.0), (61.7, 70.7), (52.0, 50.0)])
def test_required_denominator_is_where_the_z_test_first_rejects(
    rate: float, target: float, level: float
) -> None:
    n = int(stewardship.required_denominator([rate], target=target, level=level)[0])
    alpha = 1 - level

    def p_value(size: int) -> float:
        # statsmodels' one-sample z-test with the variance at the target, as a funnel uses.
        return float(
            proportions_ztest(rate / 100 * size, size, value=target / 100, prop_var=target / 100)[1]
        )

    assert p_value(n) < alpha + 1e-12
    assert p_value(n - 1) > alpha


def test_required_denominator_by_hand_and_edge_cases() -> None:
    # z(0.975)^2 * 0.25 / 0.01 = 96.04 -> 97
    assert stewardship.required_denominator([60.0], target=50.0, level=0.95)[0] == 97
    out = stewardship.required_denominator([50.0, np.nan], target=50.0)
    assert np.isinf(out[0]) and np.isnan(out[1])
    # agrees in order of magnitude with the exact funnel limit at that size
    n = stewardship.required_denominator([60.0], target=50.0, level=0.998)[0]
    exact = compare.funnel_limits([n], target=0.5)
    assert exact["upper_998"].item() == pytest.approx(0.60, abs=0.01)
    with pytest.raises(ValueError, match="target"):
        stewardship.required_denominator([60.0], target=100.0)
    with pytest.raises(ValueError, match="rates"):
        stewardship.required_denominator([160.0], target=50.0)
    with pytest.raises(ValueError, match="level"):
        stewardship.required_denominator([60.0], target=50.0, level=99.8)


# --------------------------------------------------------------------------- LAIT panels
def test_lait_panel_keeps_councils_of_one_indicator_and_joins_london() -> None:
    lait = pd.DataFrame(
        {
            "area_type": ["la", "la", "la", "region", "la"],
            "indicator_id": ["A8", "A8", "A8", "A8", "P8"],
            "la_name": ["Camden", "Bromley", "Leeds", "London", "Camden"],
            "region": ["Inner London", "Outer London", "Yorks", "Inner London", "Inner London"],
            "year": [2019] * 5,
            "value": [48.0, None, 45.0, 47.0, 0.3],
        }
    )
    with pytest.warns(UserWarning, match="1 rows"):
        panel = stewardship.lait_panel(lait, "A8")
    assert panel[["area", "region", "value"]].values.tolist() == [
        ["Camden", "London", 48.0],
        ["Leeds", "Yorks", 45.0],
    ]
    assert panel.attrs["dropped"] == {"no value for A8": 1}


def test_youth_panel_drops_suppressed_rates_and_joins_london() -> None:
    youth = pd.DataFrame(
        {
            "la_name": ["Camden", "Bromley", "Leeds"],
            "region": ["Inner London", "Outer London", "Yorks"],
            "year": [2019, 2019, 2019],
            "rate_percent": [35.0, 40.0, None],
        }
    )
    with pytest.warns(UserWarning, match="1 rows"):
        panel = stewardship.youth_panel(youth)
    assert panel[["area", "region", "value"]].values.tolist() == [
        ["Camden", "London", 35.0],
        ["Bromley", "London", 40.0],
    ]
    assert sum(panel.attrs["dropped"].values()) == 1
