"""What funnels, shrinkage and rank intervals share (compare._counts): invariances, checks."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation import compare
from tests.compare.conftest import small_units

matplotlib.use("Agg")


# ---------------------------------------------------------- invariances (hypothesis)
@settings(max_examples=8, deadline=None)
@given(st.permutations(list(range(6))))
def test_results_do_not_depend_on_row_order(order: list[int]):
    data = small_units()
    shuffled = data.iloc[order]
    args = {"unit": "unit", "events": "events", "denominator": "n"}
    for func, kwargs in [
        (compare.funnel, {"overdispersion": "additive"}),
        (compare.shrink, {}),
        (compare.rank_intervals, {"replications": 200}),
    ]:
        base = func(data, **args, **kwargs).table.sort_values("unit", ignore_index=True)
        moved = func(shuffled, **args, **kwargs).table.sort_values("unit", ignore_index=True)
        pd.testing.assert_frame_equal(base, moved)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=6), min_size=6, max_size=6, unique=True))
def test_results_do_not_depend_on_unit_labels(labels: list[str]):
    data = small_units()
    renamed = data.assign(unit=labels)
    args = {"unit": "unit", "events": "events", "denominator": "n"}
    for func, kwargs in [
        (compare.funnel, {}),
        (compare.shrink, {"method": "normal"}),
        (compare.rank_intervals, {"replications": 200}),
    ]:
        base = func(data, **args, **kwargs).table.drop(columns="unit")
        moved = func(renamed, **args, **kwargs).table.drop(columns="unit")
        pd.testing.assert_frame_equal(base, moved)


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.assign(events=[-1, 40, 410, 12, 95, 2]), "negative values in 'events'"),
        (lambda d: d.assign(events=[11, 40, 410, 12, 95, 2]), "'events' greater than 'n'"),
        (lambda d: d.assign(n=[10, 100, 0, 50, 200, 4]), "zero or negative values in 'n'"),
        (lambda d: d.assign(events=[3, np.nan, 410, 12, 95, 2]), "missing value"),
        (lambda d: d.assign(unit=list("AACDEF")), "share the same unit"),
        (lambda d: d.assign(events=[3.5, 40, 410, 12, 95, 2]), "non-whole counts"),
        (lambda d: d.assign(n=[str(x) for x in d["n"]]), "must be numeric"),
        (lambda d: d.drop(columns="n"), "is not a column"),
    ],
)
@pytest.mark.parametrize("func", [compare.funnel, compare.shrink, compare.rank_intervals])
def test_bad_counts_are_refused_with_rows_named(func, change, message: str):
    with pytest.raises(ValueError, match=message):
        func(change(small_units()), unit="unit", events="events", denominator="n")


def test_error_names_the_offending_rows():
    bad = small_units().assign(events=[3, 40, 410, 99, 95, 2])
    with pytest.raises(ValueError, match=r"rows 3\)"):
        compare.funnel(bad, unit="unit", events="events", denominator="n")
