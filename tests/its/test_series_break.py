"""Tests of evaluation.its.series_break: the step at a series break and the bridged series,
on made-up panels with a known step and on the real older people's care panel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.data import registry
from evaluation.data.loaders.care_costs import UNIT_COST_FILES, older_care_totals
from evaluation.its import BreakStep, break_step, bridge
from evaluation.services import care


def _panel(step: float, *, noise: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """40 councils with their own levels and trends, a known step from 2015 on."""
    rng = np.random.default_rng(seed)
    rows = []
    for unit in range(40):
        level, slope = rng.normal(80, 5), rng.normal(1, 0.5)
        for year in range(2009, 2018):
            value = level + slope * (year - 2009) + (step if year >= 2015 else 0.0)
            rows.append((unit, year, value + rng.normal(0, noise)))
    return pd.DataFrame(rows, columns=["council", "year", "share"])


def test_a_known_step_is_recovered_exactly_without_noise() -> None:
    fit = break_step(_panel(3.0), outcome="share", unit="council", time="year",
                     treatment_time=2015)  # fmt: skip
    assert fit.estimate == pytest.approx(3.0)
    assert fit.n_units == 40
    assert fit.ci_low == pytest.approx(3.0) and fit.ci_high == pytest.approx(3.0)


def test_a_steady_trend_is_not_mistaken_for_a_step() -> None:
    fit = break_step(_panel(0.0, noise=0.5, seed=3), outcome="share", unit="council",
                     time="year", treatment_time=2015)  # fmt: skip
    assert fit.ci_low < 0.0 < fit.ci_high
    naive = (fit.steps["after"] - fit.steps["before"]).mean()
    assert naive > 0.5  # the raw change across the break is the trend, not a step


def test_the_interval_covers_a_noisy_step() -> None:
    fit = break_step(_panel(-2.0, noise=1.0, seed=7), outcome="share", unit="council",
                     time="year", treatment_time=2015)  # fmt: skip
    assert fit.ci_low < -2.0 < fit.ci_high


def test_a_step_in_log_points_for_a_cost() -> None:
    panel = _panel(0.0).assign(cost=lambda d: np.exp(d["share"] / 100) * 500)
    panel.loc[panel["year"] >= 2015, "cost"] *= 1.10
    fit = break_step(panel, outcome="cost", unit="council", time="year", treatment_time=2015,
                     log=True)  # fmt: skip
    assert fit.log and fit.estimate == pytest.approx(np.log(1.10))


def test_a_gap_year_after_the_break_uses_the_slope_over_the_gap() -> None:
    panel = _panel(4.0)
    panel = panel.loc[panel["year"] != 2016]  # the first two new years are 2015 and 2017
    fit = break_step(panel, outcome="share", unit="council", time="year", treatment_time=2015)
    assert fit.estimate == pytest.approx(4.0)


def test_too_few_units_on_both_sides_is_refused() -> None:
    panel = _panel(1.0)
    panel = panel.loc[(panel["council"] == 0) | (panel["year"] < 2015)]
    with pytest.raises(ValueError, match="Fewer than two units"):
        break_step(panel, outcome="share", unit="council", time="year", treatment_time=2015)


def test_the_bridged_series_keeps_each_source_in_its_own_years() -> None:
    series = pd.DataFrame({"year": range(2009, 2018), "share": np.linspace(90, 99, 9)})
    step = BreakStep(1.5, 0.5, 2.5, 100, 1.0, False, pd.DataFrame())
    out = bridge(series, outcome="share", time="year", treatment_time=2015, result=step)
    new = out["year"] >= 2015
    assert (out.loc[new, "bridged"] == out.loc[new, "share"]).all()
    assert (out.loc[new, ["bridged_low", "bridged_high"]].to_numpy()
            == out.loc[new, ["share"]].to_numpy()).all()  # fmt: skip
    assert np.allclose(out.loc[~new, "bridged"], out.loc[~new, "share"] + 1.5)
    assert np.allclose(out.loc[~new, "bridged_low"], out.loc[~new, "share"] + 0.5)
    logged = BreakStep(np.log(0.9), np.log(0.8), np.log(1.0), 100, 0.1, True, pd.DataFrame())
    out = bridge(series, outcome="share", time="year", treatment_time=2015, result=logged)
    assert np.allclose(out.loc[~new, "bridged"], out.loc[~new, "share"] * 0.9)


# ------------------------------------------------------------------ the real panel
@pytest.fixture()
def panel(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    monkeypatch.setenv(registry.DATA_DIR_ENV, str(shared_data))
    old = pd.concat(
        [older_care_totals(registry.path(name), p) for name, p in UNIT_COST_FILES.items()]
    )
    names = ["ascfr_activity_2014_15", "ascfr_activity_2015_16", "ascfr_activity_2016_17"]
    activity = pd.concat([registry.load(name) for name in names])
    return care.older_care_panel({
        "pssex1": old, "activity": activity,
        "unit_costs": registry.load("ascfr_unit_costs_2014_15"),
        "totals": registry.load("ascfr_totals_2016_17"),
    })  # fmt: skip


def test_the_real_panel_keeps_each_return_apart(panel: pd.DataFrame) -> None:
    series = panel.groupby("fy_end")["series"].unique().map(list)
    assert series.loc[2009:2014].map(lambda s: s == ["PSS-EX1"]).all()
    assert series.loc[2015:2017].map(lambda s: s == ["ASC-FR"]).all()
    counts = panel.groupby("fy_end")["la_code"].nunique()
    assert counts.loc[2010:2017].between(150, 152).all()
    # 2015-16 has activity but no spend in this build
    assert panel.loc[panel["fy_end"] == 2016, "spend_per_week"].isna().all()
    assert panel.loc[panel["fy_end"] != 2016, "spend_per_week"].notna().mean() > 0.99


def test_the_real_2014_15_spend_is_the_published_unit_cost(panel: pd.DataFrame) -> None:
    """Cumbria, 2014-15: the sum over the five support reasons of the 65+ residential and
    nursing cells of the unit-cost file, divided by weeks."""
    costs = registry.load("ascfr_unit_costs_2014_15")
    keep = (costs["la_code"] == "102") & (costs["age"] == "65+")
    keep &= (costs["setting"] == "Residential and nursing") & (costs["provision"] == "all")
    cells = costs.loc[keep & (costs["care_type"] == "Long term")]
    assert len(cells) == 5
    row = panel.loc[(panel["la_code"] == "102") & (panel["fy_end"] == 2015)].iloc[0]
    assert row["weeks"] == pytest.approx(cells["weeks"].sum())
    assert row["spend_per_week"] == pytest.approx(1000 * cells["gross_cost"].sum()
                                                  / cells["weeks"].sum())  # fmt: skip


def test_the_real_step_is_what_the_councils_either_side_imply(panel: pd.DataFrame) -> None:
    """Recompute the share's step by hand for every council with 2013, 2014, 2015 and 2016
    (the trend is the mean of the 2013-14 and 2015-16 changes) and compare."""
    fit = break_step(panel, outcome="external_share", unit="la_code", time="fy_end",
                     treatment_time=2015)  # fmt: skip
    wide = panel.pivot(index="la_code", columns="fy_end", values="external_share")
    full = wide[[2013, 2014, 2015, 2016]].dropna()
    trend = ((full[2014] - full[2013]) + (full[2016] - full[2015])) / 2
    by_hand = full[2015] - full[2014] - trend
    assert fit.n_units == len(full) >= 150
    assert fit.estimate == pytest.approx(by_hand.mean())
    bridged = bridge(panel, outcome="external_share", time="fy_end", treatment_time=2015,
                     result=fit)  # fmt: skip
    old = bridged["fy_end"] < 2015
    assert (bridged.loc[~old, "bridged"] == bridged.loc[~old, "external_share"]).all()
    moved = bridged.loc[old, "external_share"] + fit.estimate
    assert np.allclose(bridged.loc[old, "bridged"], moved, equal_nan=True)


def test_the_real_2016_17_spend_is_gross_current_over_weeks(panel: pd.DataFrame) -> None:
    """Cumbria, 2016-17: decoded totals (65+, long term, residential and nursing, gross
    current expenditure) over decoded activity weeks (65+, long term, both provisions)."""
    totals = registry.load("ascfr_totals_2016_17")
    keep = (totals["la_code"] == "102") & (totals["age"] == "65+")
    keep &= (totals["care_type"] == "Long term") & totals["setting"].isin(
        ["Residential", "Nursing"]
    )
    assert keep.sum() == 10  # two settings x five support reasons
    activity = registry.load("ascfr_activity_2016_17")
    weeks = activity.loc[(activity["la_code"] == "102") & (activity["age"] == "65+")
                         & (activity["care_type"] == "Long term"), "weeks"]  # fmt: skip
    row = panel.loc[(panel["la_code"] == "102") & (panel["fy_end"] == 2017)].iloc[0]
    assert row["weeks"] == pytest.approx(weeks.sum())
    expected = 1000 * totals.loc[keep, "gross_current"].sum() / weeks.sum()
    assert row["spend_per_week"] == pytest.approx(expected)
    assert 300 < row["spend_per_week"] < 1000


def test_the_real_2014_15_councils_add_up_to_the_published_england_figure(
    panel: pd.DataFrame,
) -> None:
    """Councils' 2014-15 spend and weeks, summed, against the file's own England column."""
    costs = registry.load("ascfr_unit_costs_2014_15")
    keep = (costs["council"] == "England") & (costs["age"] == "65+")
    keep &= (costs["setting"] == "Residential and nursing") & (costs["provision"] == "all")
    england = costs.loc[keep & (costs["care_type"] == "Long term")]
    councils = panel.loc[panel["fy_end"] == 2015]
    assert councils["weeks"].sum() == pytest.approx(england["weeks"].sum(), rel=0.001)
    assert councils["gross_cost"].sum() == pytest.approx(england["gross_cost"].sum(), rel=0.001)
