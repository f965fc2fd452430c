"""Disclosure control: each rule tried on tables built to break it, and on tables that pass.

The rules and their default parameters are those of the SDAP handbook (Griffiths et
al. 2019) as ACRO applies them: minimum count 10, NK rule n = 2 and k = 90%,
p-ratio 10%. Whether a hidden cell can be recovered from the released totals is
checked here as an intruder would, by integer programming on the released table
alone (not with the module's own linear program).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from evaluation import disclosure
from evaluation.results import Result

TOTAL = disclosure.TOTAL


def _two_way(rows: dict[str, list[int]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        [(r, c, v) for r, values in rows.items() for c, v in zip(columns, values, strict=True)],
        columns=["region", "group", "people"],
    )


def _consistent_range(check: disclosure.DisclosureCheck, cell: tuple[str, str]) -> float:
    """How widely a hidden inner cell can vary over all tables of whole, non-negative counts
    that agree with the released cells and margins.

    Built here from the released table alone, as an intruder would: the hidden inner cells
    are integer unknowns, each released margin an equation, solved by mixed-integer
    programming (not the module's own linear program).
    """
    cells = check.cells
    inner = cells[cells["role"] == "cell"].set_index(["region", "group"])["people"]
    hidden = list(inner[inner.isna()].index)
    equations, targets = [], []
    lines = [("region", r) for r in inner.index.unique(0)] + [
        ("group", g) for g in inner.index.unique(1)
    ]
    for key, label in lines + [("grand", TOTAL)]:
        if key == "grand":
            margin = cells[(cells["region"] == TOTAL) & (cells["group"] == TOTAL)]["people"]
            members = inner.index
        else:
            other = "group" if key == "region" else "region"
            margin = cells[(cells[key] == label) & (cells[other] == TOTAL)]["people"]
            members = inner.index[inner.index.get_level_values(key) == label]
        if np.isnan(margin.iloc[0]):
            continue
        known = inner[members].sum(skipna=True)
        equations.append([1.0 if h in members else 0.0 for h in hidden])
        targets.append(margin.iloc[0] - known)
    target = np.array([1.0 if h == cell else 0.0 for h in hidden])
    rows = LinearConstraint(np.array(equations), targets, targets)
    ends = [
        milp(
            sign * target,
            constraints=rows,
            integrality=np.ones(len(hidden)),
            bounds=Bounds(0, np.inf),
        )
        for sign in (1.0, -1.0)
    ]
    if ends[1].status != 0:
        return np.inf  # unbounded above
    return -ends[1].fun - ends[0].fun


# Minimum count ----------------------------------------------------------------------


def test_a_table_with_no_small_cell_passes_unchanged() -> None:
    table = pd.DataFrame({"area": ["A", "B", "C"], "people": [12, 40, 10]})
    check = disclosure.check_counts(table, count="people", keys=["area"])
    assert check.passed and check.n_suppressed == 0
    assert check.cells["people"].tolist() == [12, 40, 10, 62]


def test_a_cell_under_the_minimum_is_suppressed_with_its_reason() -> None:
    table = pd.DataFrame({"area": ["A", "B", "C"], "people": [12, 9, 40]})
    check = disclosure.check_counts(table, count="people", keys=["area"])
    row = check.cells.set_index("area").loc["B"]
    assert not check.passed
    assert np.isnan(row["people"]) and row["status"] == "suppressed: fewer than 10"


def test_the_minimum_is_configurable() -> None:
    table = pd.DataFrame({"area": ["A", "B", "C"], "people": [12, 9, 40]})
    assert disclosure.check_counts(table, count="people", keys=["area"], minimum_count=5).passed
    assert not disclosure.check_counts(
        table, count="people", keys=["area"], minimum_count=13
    ).passed


def test_zeros_are_released_unless_declared_disclosive() -> None:
    table = pd.DataFrame({"area": ["A", "B", "C"], "people": [12, 0, 40]})
    assert disclosure.check_counts(table, count="people", keys=["area"]).passed
    check = disclosure.check_counts(table, count="people", keys=["area"], zeros_disclosive=True)
    assert check.cells.set_index("area").loc["B", "status"].startswith("suppressed: fewer")


def test_a_small_margin_is_itself_suppressed() -> None:
    table = _two_way({"N": [30, 25], "S": [4, 3]}, ["F", "M"])
    check = disclosure.check_counts(table, count="people", keys=["region", "group"])
    margin = check.cells.set_index(["region", "group"]).loc[("S", TOTAL)]
    assert margin["status"] == "suppressed: fewer than 10"


# Secondary suppression --------------------------------------------------------------


def test_one_hidden_cell_of_a_one_way_table_is_not_left_recoverable_from_the_total() -> None:
    table = pd.DataFrame({"area": ["A", "B", "C", "D"], "people": [120, 4, 57, 33]})
    check = disclosure.check_counts(table, count="people", keys=["area"])
    hidden = check.cells[check.cells["people"].isna()]
    assert len(hidden) == 2
    released = check.cells[check.cells["people"].notna()]
    inner = released[released["role"] == "cell"]["people"].sum()
    total = released.loc[released["area"] == TOTAL, "people"].iloc[0]
    assert total - inner >= 10  # the two hidden cells share at least the minimum


@pytest.mark.parametrize(
    "rows",
    [
        {"N": [40, 35], "S": [3, 52]},
        {"N": [40, 35, 22], "S": [3, 52, 18], "W": [25, 14, 30]},
        {"N": [2, 35, 22], "S": [31, 5, 18], "W": [25, 14, 30]},
    ],
)
def test_no_suppressed_cell_of_a_two_way_table_can_be_pinned_down(rows: dict) -> None:
    columns = ["F", "M", "X"][: len(next(iter(rows.values())))]
    table = _two_way(rows, columns)
    check = disclosure.check_counts(table, count="people", keys=["region", "group"])
    primary = check.cells[check.cells["status"].str.startswith("suppressed: fewer")]
    assert len(primary) >= 1
    for region, group in zip(primary["region"], primary["group"], strict=True):
        assert _consistent_range(check, (region, group)) >= 10, (region, group)


def test_secondary_suppression_is_labelled_as_such() -> None:
    table = _two_way({"N": [40, 35], "S": [3, 52]}, ["F", "M"])
    statuses = disclosure.check_counts(table, count="people", keys=["region", "group"]).cells
    assert set(statuses["status"]) == {
        "released",
        "suppressed: fewer than 10",
        "suppressed: secondary",
    }


def test_the_range_left_to_an_intruder_is_reported() -> None:
    table = _two_way({"N": [40, 35], "S": [3, 52]}, ["F", "M"])
    check = disclosure.check_counts(table, count="people", keys=["region", "group"])
    cell = check.cells.set_index(["region", "group"]).loc[("S", "F")]
    assert (cell["lower"], cell["upper"]) == (0.0, 43.0)  # S-F can be anything from 0 to F's 43


# Rounding ---------------------------------------------------------------------------


def test_released_counts_are_rounded_to_the_base() -> None:
    table = pd.DataFrame({"area": ["A", "B", "C"], "people": [12, 47, 33]})
    check = disclosure.check_counts(table, count="people", keys=["area"], rounding_base=5)
    assert check.cells["people"].tolist() == [10, 45, 35, 90]
    assert check.rules["rounding_base"] == 5


# Dominance --------------------------------------------------------------------------


def _spend(first: list[float], second: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {"council": ["A"] * len(first) + ["B"] * len(second), "spend": first + second}
    )


def test_a_total_dominated_by_two_contributors_is_suppressed() -> None:
    records = _spend([500.0, 450.0] + [5.0] * 10, [50.0] * 12)
    check = disclosure.check_magnitudes(records, magnitude="spend", keys=["council"])
    assert check.cells.set_index("council").loc["A", "status"] == "suppressed: 2 largest over 90%"


def test_the_p_ratio_catches_what_the_nk_rule_lets_through() -> None:
    # With the defaults (2 largest over 90%, p-ratio 10%) the NK rule catches every cell the
    # p-ratio would. Under a looser NK rule (95%) a cell whose two largest make up 93% passes
    # it, yet the rest add up to 8% of the largest: the second largest could estimate it.
    records = _spend([1_000.0, 100.0] + [8.0] * 10, [50.0] * 12)
    shares = records[records["council"] == "A"]["spend"]
    assert 0.9 < shares.nlargest(2).sum() / shares.sum() < 0.95
    check = disclosure.check_magnitudes(
        records, magnitude="spend", keys=["council"], dominance_k=0.95
    )
    assert check.cells.set_index("council").loc["A", "status"] == "suppressed: p-ratio under 10%"


def test_too_few_contributors_to_a_magnitude_are_suppressed() -> None:
    records = _spend([50.0] * 6, [50.0] * 12)
    check = disclosure.check_magnitudes(records, magnitude="spend", keys=["council"])
    assert check.cells.set_index("council").loc["A", "status"].endswith("10 contributors")


def test_records_of_one_contributor_are_added_up_before_the_rules() -> None:
    records = _spend([50.0] * 12, [50.0] * 12).assign(provider=["p1"] * 12 + list("abcdefghijkl"))
    assert disclosure.check_magnitudes(records, magnitude="spend", keys=["council"]).passed
    by_provider = disclosure.check_magnitudes(
        records, magnitude="spend", keys=["council"], unit="provider"
    )
    assert not by_provider.passed


def test_a_table_of_evenly_spread_contributions_passes() -> None:
    rng = np.random.default_rng(1)
    records = _spend(list(rng.uniform(40, 60, 15)), list(rng.uniform(40, 60, 20)))
    assert disclosure.check_magnitudes(records, magnitude="spend", keys=["council"]).passed


# Results and bad input ----------------------------------------------------------------


def test_a_result_resting_on_too_few_observations_is_refused() -> None:
    example = {"estimate": 1.0, "se": 0.5, "ci_low": 0.0, "ci_high": 2.0, "p_value": 0.05}
    small = Result(**example, n_obs=7, method="Example", estimand="ATT")
    large = Result(**example, n_obs=700, method="Example", estimand="ATT")
    assert not disclosure.check_result(small).passed
    assert disclosure.check_result(large).passed
    with pytest.raises(TypeError, match="tidy"):
        disclosure.check_result(3.0)


@pytest.mark.parametrize(
    ("table", "kwargs", "message"),
    [
        (pd.DataFrame({"a": ["x"], "n": [-1]}), {}, "not negative"),
        (pd.DataFrame({"a": ["x"], "n": [2.5]}), {}, "whole counts"),
        (pd.DataFrame({"a": ["x", "x"], "n": [2, 3]}), {}, "share the same"),
        (pd.DataFrame({"a": ["Total"], "n": [20]}), {}, "Total"),
        (pd.DataFrame({"a": ["x"], "n": [20]}), {"minimum_count": 0}, "minimum_count"),
        (
            pd.DataFrame({"a": ["x"], "b": ["y"], "c": ["z"], "n": [20]}),
            {"keys": ["a", "b", "c"]},
            "one or two",
        ),
    ],
)
def test_bad_tables_are_refused(table: pd.DataFrame, kwargs: dict, message: str) -> None:
    arguments = {"count": "n", "keys": ["a"], **kwargs}
    with pytest.raises(ValueError, match=message):
        disclosure.check_counts(table, **arguments)


def test_negative_magnitudes_and_bad_shares_are_refused() -> None:
    records = _spend([50.0] * 12, [-5.0] + [50.0] * 11)
    with pytest.raises(ValueError, match="negative"):
        disclosure.check_magnitudes(records, magnitude="spend", keys=["council"])
    with pytest.raises(ValueError, match="dominance_k"):
        disclosure.check_magnitudes(
            _spend([1.0] * 12, [1.0] * 12), magnitude="spend", keys=["council"], dominance_k=1.5
        )


def test_the_report_says_what_was_suppressed_and_why() -> None:
    table = _two_way({"N": [40, 35], "S": [3, 52]}, ["F", "M"])
    check = disclosure.check_counts(table, count="people", keys=["region", "group"])
    text = check.summary()
    assert "suppressed: fewer than 10: 1" in text and "suppressed: secondary: 3" in text
    assert check.tidy()["cells"].sum() == len(check.cells)
