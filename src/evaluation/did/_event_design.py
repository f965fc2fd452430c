"""Event-study designs: event-time dummies, Sun-Abraham cohort interactions and their averages.

:func:`build_design` turns a panel into the regressors of an event-study
regression; :func:`summarise` turns the fitted regression (statsmodels, with
unit and time fixed effects) into effects by event time, using linear
combinations of the coefficients and their clustered covariance.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import RegressionResultsWrapper

from evaluation.did._checks import shown
from evaluation.results import normal_interval

__all__ = ["EventDesign", "build_design", "summarise"]


@dataclass(frozen=True)
class EventDesign:
    """Regressors of an event study and what each column means.

    ``cells`` has one row per regressor: ``cohort`` (NaN for pooled event-time
    dummies), ``event_time`` and ``count`` (rows in that cell), in column order.
    """

    data: pd.DataFrame
    regressors: np.ndarray
    names: list[str]
    cells: pd.DataFrame
    notes: tuple[str, ...]


def _last_cohort_as_control(
    data: pd.DataFrame, cohort_of_row: pd.Series, *, time: str
) -> tuple[pd.DataFrame, pd.Series, str]:
    """With no never-treated units, the last cohort is the comparison (Sun and Abraham 2021)."""
    last = cohort_of_row.max()
    late = data[time] >= last
    note = (
        f"No never-treated units: the last cohort (adopting in {last:g}) is the comparison "
        f"group; {int(late.sum())} rows from that period on were dropped."
    )
    warnings.warn(note, UserWarning, stacklevel=4)
    kept = cohort_of_row.loc[~late]
    return data.loc[~late], kept.where(kept < last, np.inf), note


def _event_time(
    data: pd.DataFrame,
    cohort_of_row: pd.Series,
    *,
    time: str,
    window: tuple[int, int] | None,
    reference: int,
) -> tuple[pd.Series, list[str]]:
    """Event time of each treated row (NaN for comparison units), binned at the window ends."""
    relative = (data[time] - cohort_of_row).where(np.isfinite(cohort_of_row))
    notes = []
    if window is not None:
        low, high = window
        if not low <= reference <= high or low >= high:
            raise ValueError(
                f"window={window} must run from a lower to a higher event time and include "
                f"the reference period {reference}."
            )
        outside = relative.notna() & ((relative < low) | (relative > high))
        if outside.any():
            notes.append(
                f"{int(outside.sum())} treated rows outside the window {window} were binned "
                "into its end points."
            )
        relative = relative.clip(low, high)
    return relative, notes


def _require_reference(relative: pd.Series, cohort_of_row: pd.Series, reference: int) -> None:
    """Every treated cohort must be observed at the reference event time."""
    treated = relative.notna()
    seen = set(cohort_of_row[treated & (relative == reference)])
    lacking = sorted(set(cohort_of_row[treated]) - seen)
    if lacking:
        raise ValueError(
            f"Too few pre-periods: cohort(s) {shown(lacking)} are never observed at the "
            f"reference event time {reference}, so their effects cannot be measured against "
            "it. Choose another reference or drop those cohorts."
        )


def build_design(
    data: pd.DataFrame,
    first: pd.Series,
    *,
    unit: str,
    time: str,
    window: tuple[int, int] | None,
    reference: int,
    method: str,
) -> EventDesign:
    """Event-time (``twfe``) or cohort-by-event-time (``sun_abraham``) dummies."""
    cohort_of_row = data[unit].map(first).astype(float)
    notes: list[str] = []
    if method == "sun_abraham" and not np.isinf(cohort_of_row).any():
        data, cohort_of_row, note = _last_cohort_as_control(data, cohort_of_row, time=time)
        notes.append(note)
    relative, binned = _event_time(
        data, cohort_of_row, time=time, window=window, reference=reference
    )
    notes += binned
    _require_reference(relative, cohort_of_row, reference)
    keys = pd.DataFrame({"cohort": cohort_of_row, "event_time": relative})
    if method == "twfe":
        keys["cohort"] = np.nan
    active = relative.notna() & (relative != reference)
    cells = (
        keys.loc[active]
        .groupby(["cohort", "event_time"], dropna=False)
        .size()
        .rename("count")
        .reset_index()
    )
    # Cell of each active row, numbered in the same (sorted) order as ``cells``.
    codes = keys.loc[active].groupby(["cohort", "event_time"], dropna=False).ngroup()
    regressors = np.zeros((len(data), len(cells)))
    regressors[np.flatnonzero(active.to_numpy()), codes.to_numpy()] = 1.0
    names = [
        (f"event {e:g}" if np.isnan(g) else f"cohort {g:g} x event {e:g}")
        for g, e in zip(cells["cohort"], cells["event_time"], strict=True)
    ]
    return EventDesign(
        data=data, regressors=regressors, names=names, cells=cells, notes=tuple(notes)
    )


def _contrasts(cells: pd.DataFrame, n_params: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows averaging the cell coefficients of each event time by cell counts."""
    event_times = np.sort(cells["event_time"].unique())
    contrasts = np.zeros((len(event_times), n_params))
    for row, e in enumerate(event_times):
        members = np.flatnonzero(cells["event_time"].to_numpy() == e)
        counts = cells["count"].to_numpy(dtype=float)[members]
        contrasts[row, members] = counts / counts.sum()
    return event_times, contrasts


def summarise(
    results: RegressionResultsWrapper, design: EventDesign, *, level: float
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[float, int, float], tuple[float, float], pd.DataFrame]:
    """Effects by event time, cohort effects, the pre-trend Wald test, the post average and
    the covariance matrix of the event-time effects."""
    params, cov = np.asarray(results.params), np.asarray(results.cov_params())
    event_times, contrasts = _contrasts(design.cells, len(params))
    estimates = contrasts @ params
    ses = np.sqrt(np.diag(contrasts @ cov @ contrasts.T))
    effects = pd.DataFrame({"event_time": event_times, "estimate": estimates, "se": ses})
    bounds = [normal_interval(e, s, level) for e, s in zip(estimates, ses, strict=True)]
    effects[["ci_low", "ci_high", "p_value"]] = np.array(bounds).reshape(-1, 3)
    pre = event_times < 0
    if pre.any():
        wald = results.wald_test(contrasts[pre], use_f=False, scalar=True)
        test = (float(wald.statistic), int(pre.sum()), float(wald.pvalue))
    else:
        test = (float("nan"), 0, float("nan"))
    average = (float("nan"), float("nan"))
    if (~pre).any():
        post = contrasts[~pre].mean(axis=0)
        average = (float(post @ params), float(np.sqrt(post @ cov @ post)))
    cohort_effects = pd.DataFrame(
        {
            "cohort": design.cells["cohort"],
            "event_time": design.cells["event_time"],
            "estimate": params[: len(design.cells)],
            "se": np.sqrt(np.diag(cov))[: len(design.cells)],
            "weight": contrasts[:, : len(design.cells)].sum(axis=0),
        }
    )
    if cohort_effects["cohort"].isna().all():
        cohort_effects = cohort_effects.iloc[0:0]
    covariance = pd.DataFrame(contrasts @ cov @ contrasts.T, index=event_times, columns=event_times)
    covariance.index.name = covariance.columns.name = "event_time"
    return effects, cohort_effects, test, average, covariance
