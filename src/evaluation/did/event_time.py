"""Event studies.

Effects by time since adoption, Sun and Abraham (2021) or dynamic TWFE, with a pre-trend test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
from matplotlib.axes import Axes

from evaluation.did import _event_design
from evaluation.did._checks import cohort_panel
from evaluation.did._common import DEFAULT_SOURCE, WaldTest, _event_plot
from evaluation.did._within import fit_within
from evaluation.results import CopiedFrame, Result, headline

__all__ = ["EventStudyResult", "event_study"]


@dataclass(frozen=True, kw_only=True)
class EventStudyResult(Result):
    """Effects by time since adoption, relative to a reference period.

    The headline is the average of the post-adoption event-time effects.
    ``effects`` has one row per event time; for Sun-Abraham,
    ``cohort_effects`` holds the cohort-specific effects it averages;
    ``covariance`` the covariance matrix of the event-time effects (the input of
    :func:`evaluation.did.trend_sensitivity`).
    """

    reference_period: int = -1
    _effects: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    _cohort_effects: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    _pretrend: WaldTest = WaldTest(float("nan"), 0, float("nan"))
    _covariance: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    effects = CopiedFrame(
        "_effects", "``event_time, estimate, se, ci_low, ci_high, p_value`` (a copy)."
    )

    cohort_effects = CopiedFrame(
        "_cohort_effects",
        "Cohort-by-event-time effects and their weights (Sun-Abraham only; a copy).",
    )

    covariance = CopiedFrame(
        "_covariance",
        "Covariance matrix of the event-time effects, rows and columns labelled by event "
        "time (a copy); the reference period is left out.",
    )

    def pretrend_test(self) -> WaldTest:
        """Joint Wald test that every pre-adoption effect is zero."""
        return self._pretrend

    def tidy(self) -> pd.DataFrame:
        """The headline average, then one row per event time."""
        part = self._effects.assign(
            term=[f"event time {e:g}" for e in self._effects["event_time"]], n_obs=self.n_obs
        )
        columns = ["term", "estimate", "se", "ci_low", "ci_high", "p_value", "n_obs"]
        return pd.concat([super().tidy(), part[columns]], ignore_index=True)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Event-study figure with the fit's ``level`` intervals; the reference is drawn at 0.

        The effect (outcome units) by periods since adoption, titled, labelled and with a
        source line. To put other words on it (your own data source, say), call
        :func:`evaluation.report.style.finish` on the returned axes.
        """
        reference_period = pd.DataFrame(
            {
                "event_time": [self.reference_period],
                "estimate": [0.0],
                "ci_low": [0.0],
                "ci_high": [0.0],
            }
        )
        effects = pd.concat([self._effects, reference_period]).sort_values("event_time")
        return _event_plot(
            effects,
            ax,
            title="Event study: effect by time since adoption",
            xlabel="Periods since adoption (event time)",
            ylabel="Estimated effect (outcome units)",
            source=DEFAULT_SOURCE,
            band=False,
            level=self.level,
        )


def event_study(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    window: tuple[int, int] | None = None,
    reference_period: int = -1,
    method: Literal["sun_abraham", "twfe"] = "sun_abraham",
    cluster: str | None = None,
    level: float = 0.95,
) -> EventStudyResult:
    """Event study: effects for each period before and after adoption.

    ``"sun_abraham"`` (Sun and Abraham 2021) estimates a separate effect for
    each cohort and event time, with unit and time fixed effects and the
    never-treated (or, failing them, the last-treated) units as the
    comparison, then averages cohorts by their share of the units observed at
    each event time. ``"twfe"`` is the conventional regression on event-time
    dummies pooled over cohorts, which is biased when effects differ across
    cohorts. Standard errors are clustered by ``unit`` (or ``cluster``).

    Parameters
    ----------
    data
        Balanced long panel: one row per unit and period.
    outcome, unit, time
        Outcome, unit identifier and period columns.
    cohort
        First period each unit is treated; 0 or missing for never treated.
    window
        ``(first, last)`` event times to report; event times beyond are binned
        into the end points. ``None`` keeps every event time.
    reference_period
        The omitted event time, against which effects are measured.
    method
        ``"sun_abraham"`` or ``"twfe"``.
    cluster
        Column defining clusters; default ``unit``.
    level
        Confidence level.

    Returns
    -------
    EventStudyResult

    Raises
    ------
    ValueError
        On absent, non-numeric or missing columns, duplicate unit-periods, an
        unbalanced panel, a cohort that varies within a unit, a window that
        excludes the reference, or a cohort never observed at the reference.

    Examples
    --------
    >>> from evaluation.simulate.did import staggered_adoption
    >>> panel = staggered_adoption(n_units=150, seed=4)
    >>> es = event_study(panel, outcome="outcome", unit="unit", time="time", cohort="cohort")
    >>> es.pretrend_test().df > 0
    True
    """
    if method not in ("sun_abraham", "twfe"):
        raise ValueError(f"method must be 'sun_abraham' or 'twfe', not {method!r}.")
    data, first = cohort_panel(
        data, outcome=outcome, unit=unit, time=time, cohort=cohort, cluster=cluster
    )
    design = _event_design.build_design(
        data, first, unit=unit, time=time, window=window, reference=reference_period, method=method
    )
    fit = fit_within(
        design.data[outcome].to_numpy(dtype=float),
        design.regressors,
        design.names,
        unit_codes=pd.factorize(design.data[unit])[0],
        time=design.data[time],
        clusters=pd.factorize(design.data[cluster or unit])[0],
    )
    effects, cohort_effects, test, average, covariance = _event_design.summarise(
        fit.results, design, level=level
    )
    return EventStudyResult(
        outcome=outcome,
        **headline(average[0], average[1], level),
        n_obs=len(design.data),
        method=(
            "Sun-Abraham interaction-weighted event study"
            if method == "sun_abraham"
            else "Dynamic two-way fixed effects event study"
        )
        + f" (clustered by {cluster or unit})",
        estimand="average post-adoption effect",
        level=level,
        notes=design.notes,
        reference_period=reference_period,
        _effects=effects,
        _cohort_effects=cohort_effects,
        _pretrend=WaldTest(*test),
        _covariance=covariance,
    )
