"""Tests of evaluation.did input checks (did._checks): columns, missing values, panels."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from evaluation import did
from tests.did.conftest import SIM

matplotlib.use("Agg")


# --- validation ----------------------------------------------------------------------------


def test_absent_and_wrong_typed_columns_are_named(panel: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="outcome='y' is not a column"):
        did.staggered(panel, **{**SIM, "outcome": "y"})
    with pytest.raises(ValueError, match="Column 'outcome' must be numeric"):
        did.twfe(
            panel.assign(outcome="a"),
            outcome="outcome",
            unit="unit",
            time="time",
            treatment="treated",
        )
    with pytest.raises(ValueError, match="covariates\\[0\\]='nope'"):
        did.two_by_two(
            panel, outcome="outcome", treated="treated", post="treated", covariates=["nope"]
        )


def test_missing_values_duplicates_and_unbalanced_panels_are_refused(panel: pd.DataFrame) -> None:
    holed = panel.copy()
    holed.loc[7, "outcome"] = np.nan
    with pytest.raises(ValueError, match=r"'outcome' has 1 missing value\(s\) \(rows 7\)"):
        did.staggered(holed, **SIM)
    doubled = pd.concat([panel, panel.iloc[[3]]])
    with pytest.raises(ValueError, match="share the same unit and time"):
        did.event_study(doubled, **SIM)
    with pytest.raises(ValueError, match="unbalanced: 1 unit"):
        did.twfe(
            panel.drop(index=[5]), outcome="outcome", unit="unit", time="time", treatment="treated"
        )


def test_treatment_that_switches_off_is_counted_and_cohorts_must_be_constant(
    panel: pd.DataFrame,
) -> None:
    switching = panel.copy()
    row = switching.index[
        (switching["unit"] == switching.loc[switching["treated"] == 1, "unit"].iloc[0])
        & (switching["time"] == 6)
    ][0]
    switching.loc[row, "treated"] = 0
    fit = did.twfe(switching, outcome="outcome", unit="unit", time="time", treatment="treated")
    assert fit.switches_off == 1
    assert any("switches off in 1 unit" in note for note in fit.notes)
    varying = panel.copy()
    varying.loc[varying.index[0], "cohort"] = 5 if varying.loc[0, "cohort"] != 5 else 3
    with pytest.raises(ValueError, match="'cohort' must be constant within each unit"):
        did.staggered(varying, **SIM)
    with pytest.raises(ValueError, match="must be 0/1"):
        did.twfe(
            panel.assign(treated=panel["treated"] * 2),
            outcome="outcome",
            unit="unit",
            time="time",
            treatment="treated",
        )


def test_no_valid_controls_and_too_few_pre_periods(panel: pd.DataFrame) -> None:
    treated_only = panel.loc[panel["cohort"] > 0]
    with pytest.raises(ValueError, match="No valid controls"):
        did.staggered(treated_only, **SIM)
    with pytest.warns(UserWarning, match=r"Dropped \d+ unit\(s\) \(\d+ rows\) whose 'cohort'"):
        fit = did.staggered(panel.assign(cohort=panel["cohort"].replace(3, 1)), **SIM)
    assert set(fit.group_time["cohort"]) == {5.0}
    with pytest.raises(ValueError, match="Too few pre-periods: cohort\\(s\\) 3"):
        did.event_study(panel, **SIM, reference_period=-3)
    with pytest.warns(UserWarning, match="after the last period"):
        did.staggered(panel.assign(cohort=panel["cohort"].replace(5, 9)), **SIM)


def test_bad_options_are_refused(panel: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="control_group must be"):
        did.staggered(panel, **SIM, control_group="everyone")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="method must be"):
        did.event_study(panel, **SIM, method="ols")  # type: ignore[arg-type]
