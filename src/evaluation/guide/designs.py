"""Choosing an evaluation design from the question and the data available.

A new commissioning review starts with two facts: what the commissioner wants
to know, and how the policy reached the people, providers or areas it reached.
This module turns those facts into the strongest design the data allow, the
ceiling that design reaches on the Maryland Scientific Methods Scale (as the
handbook's evidence standards place it), and the reasons, so that a review
states its design and its limits before any estimate is made.

* :data:`DESIGNS` describes the eight designs the handbook uses: when each
  applies, the data it needs, the assumption that makes it causal, its Maryland
  level, the diagnostics a reviewer should demand, the library functions and the
  chapters where it is used. They are recorded in ``designs.toml`` beside this
  module.
* :func:`choose_design` walks the decision tree and returns a
  :class:`Recommendation`: the design, the level this situation can reach, the
  reasons, the alternatives worth running beside it and the designs ruled out.
  It raises ``ValueError`` when the facts contradict each other or when no
  design in the handbook can answer the question with the data described.
* :func:`~evaluation.guide.tree.plot_decision_tree` draws the same tree as boxes and arrows.

The tree checks designs from the strongest down: random allocation, a
threshold, then the comparison group, the periods before the start, the number
of treated units and whether they started together.

Examples
--------
>>> rec = choose_design(randomised=False, threshold=False, n_treated_units=40,
...                     n_pre_periods=4, comparison_group=True, staggered=True)
>>> rec.design.key, rec.level
('staggered', 3)
>>> choose_design(randomised=True, threshold=False, n_treated_units=20,
...               n_pre_periods=0, comparison_group=True).design.key
'rct'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from evaluation import its, synth
from evaluation.guide import _read_register

__all__ = [
    "DESIGNS",
    "Design",
    "FEW_CLUSTERS",
    "MIN_PRE_FOR_TRENDS",
    "Recommendation",
    "choose_design",
    "design_table",
]


#: Treated units below which the guide warns that cluster-robust standard errors are
#: unreliable. A rule of thumb of this guide, not a published threshold: the problem grows
#: as clusters (and above all treated clusters) get fewer (Angrist and Pischke 2009, ch. 8).
FEW_CLUSTERS = 30


#: Periods before the start needed to see a trend, and so to check parallel trends at all.
MIN_PRE_FOR_TRENDS = 2


@dataclass(frozen=True)
class Design:
    """One evaluation design, as the handbook uses it.

    Attributes
    ----------
    key
        Short name; for observational designs, the ``--design`` of
        ``evaluation new-review`` (``None`` in ``cli`` where no template exists).
    name
        The design in words.
    when
        The situation it fits.
    data
        The data it needs: columns, and minimum periods or units.
    assumption
        What must be true for the estimate to be causal, in plain words.
    level
        The Maryland level the design reaches by default (the handbook's evidence
        standards).
    level_note
        When it reaches more, or less.
    diagnostics
        What a reviewer should demand.
    library
        The functions in :mod:`evaluation` that carry it out.
    chapters
        The handbook chapters that use it, as paths relative to ``chapters/``.
    cli
        The ``--design`` value for ``evaluation new-review``, if there is a template.
    """

    key: str
    name: str
    when: str
    data: str
    assumption: str
    level: int
    level_note: str
    diagnostics: tuple[str, ...]
    library: tuple[str, ...]
    chapters: tuple[str, ...]
    cli: str | None


#: The estimators' minimums, which the texts of designs.toml name in braces.
_MINIMUMS = {
    "synth_min_donors": synth.MIN_DONORS,
    "synth_min_pre_periods": synth.MIN_PRE_PERIODS,
    "its_min_pre_periods": its.MIN_PRE_PERIODS,
    "its_min_post_periods": its.MIN_POST_PERIODS,
    "min_pre_for_trends": MIN_PRE_FOR_TRENDS,
}


def _design_fields(table: dict[str, Any]) -> dict[str, Any]:
    """A table of designs.toml as :class:`Design` fields.

    The minimums are filled into the texts, lists become tuples and a design
    without ``cli`` has ``None``.
    """

    def fill(value: Any) -> Any:
        if isinstance(value, list):
            return tuple(map(fill, value))
        if not isinstance(value, str):
            return value
        try:
            return value.format(**_MINIMUMS)
        except KeyError as error:
            raise ValueError(f"no minimum {error}; there are {', '.join(_MINIMUMS)}") from None

    return {name: fill(value) for name, value in {"cli": None, **table}.items()}


#: The eight designs the handbook uses, by key (see :class:`Design`), as designs.toml
#: beside this module records them.
DESIGNS: dict[str, Design] = _read_register("designs.toml", Design, _design_fields)


@dataclass(frozen=True)
class Recommendation:
    """The design :func:`choose_design` recommends, and why.

    Attributes
    ----------
    design
        The recommended :class:`Design`.
    level
        The Maryland level this situation can reach with it (a ceiling, not a grade).
    reasons
        Each step of the decision tree taken, and each caveat, in plain words.
    alternatives
        Designs worth running beside it as checks.
    ruled_out
        Designs considered and rejected, with the reason.
    """

    design: Design
    level: int
    reasons: tuple[str, ...]
    alternatives: tuple[Design, ...] = ()
    ruled_out: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """The recommendation as a short text."""
        lines = [
            f"Design: {self.design.name} (Maryland level {self.level} at most).",
            *(f"- {reason}" for reason in self.reasons),
        ]
        if self.alternatives:
            names = "; ".join(d.name for d in self.alternatives)
            lines.append(f"Alongside: {names}.")
        for key, why in self.ruled_out.items():
            lines.append(f"Ruled out: {DESIGNS[key].name}: {why}")
        return "\n".join(lines)

    def tidy(self) -> pd.DataFrame:
        """One row per design considered: ``role, key, design, level, note``."""
        rows = [
            {
                "role": "recommended",
                "key": self.design.key,
                "design": self.design.name,
                "level": self.level,
                "note": " ".join(self.reasons),
            }
        ]
        rows += [
            {"role": "alongside", "key": d.key, "design": d.name, "level": d.level, "note": ""}
            for d in self.alternatives
        ]
        rows += [
            {"role": "ruled out", "key": k, "design": DESIGNS[k].name, "level": None, "note": v}
            for k, v in self.ruled_out.items()
        ]
        return pd.DataFrame(rows)


# --------------------------------------------------------------------------- checks
def _require_bool(**values: object) -> None:
    for name, value in values.items():
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be True or False; got {value!r}.")


def _require_count(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be a whole number; got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}; got {value}.")
    return int(value)


def _check_consistent(
    *,
    randomised: bool,
    n_treated_units: int,
    comparison_group: bool,
    staggered: bool,
    n_comparison_units: int | None,
    compare_providers: bool,
) -> None:
    """Refuse facts that contradict each other, naming both."""
    if n_comparison_units is not None:
        _require_count("n_comparison_units", n_comparison_units, 0)
        if comparison_group != (n_comparison_units > 0):
            raise ValueError(
                f"comparison_group={comparison_group} contradicts "
                f"n_comparison_units={n_comparison_units}: say whether untreated units exist "
                "once, consistently."
            )
    if compare_providers:
        if n_treated_units < 2:
            raise ValueError(
                f"compare_providers=True needs at least two providers; n_treated_units="
                f"{n_treated_units}. With one provider there is nobody to compare it with."
            )
        return
    if randomised and not comparison_group:
        raise ValueError(
            "randomised=True with comparison_group=False is impossible: a lottery that "
            "decides who is treated leaves a group that was not (or not yet) treated."
        )
    if randomised and n_treated_units < 2:
        raise ValueError(
            f"randomised=True with n_treated_units={n_treated_units}: a lottery over one "
            "treated unit is not a trial; count the units that were randomised (people, "
            "offices, areas), not the programme."
        )
    if staggered and n_treated_units < 2:
        raise ValueError(
            f"staggered=True with n_treated_units={n_treated_units}: staggered timing needs at "
            "least two treated units that started at different dates."
        )
    if staggered and not comparison_group:
        raise ValueError(
            "staggered=True with comparison_group=False is impossible: while the roll-out is "
            "under way, the units that have not yet adopted are a comparison group."
        )


# --------------------------------------------------------------------------- the tree
def _count(n: int, noun: str) -> str:
    """``"1 period"``, ``"4 periods"``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _few_units(n_treated_units: int) -> list[str]:
    if n_treated_units < FEW_CLUSTERS:
        return [
            f"Only {_count(n_treated_units, 'treated unit')}: standard errors clustered on so few "
            "are unreliable; prefer permutation (placebo) inference and say so."
        ]
    return []


def _short_pre(n_pre_periods: int) -> list[str]:
    if n_pre_periods < MIN_PRE_FOR_TRENDS:
        return [
            f"Only {_count(n_pre_periods, 'period')} before the start: trends before it cannot be "
            "checked, so parallel trends is an act of faith; weaker than level 3 in practice."
        ]
    return []


def _without_comparison(
    n_pre_periods: int, reasons: list[str], ruled: dict[str, str]
) -> Recommendation:
    if n_pre_periods >= its.MIN_PRE_PERIODS:
        reasons.append(
            f"{n_pre_periods} periods before the start (at least {its.MIN_PRE_PERIODS}): an "
            "interrupted time series can separate a break from the earlier trend."
        )
        reasons.append("Add a comparison series that the reform could not touch to reach level 3.")
        return Recommendation(DESIGNS["its"], 2, tuple(reasons), ruled_out=ruled)
    raise ValueError(
        "No design in this guide fits: no comparison group and only "
        f"{_count(n_pre_periods, 'period')} before the start (an interrupted time series "
        f"needs at least {its.MIN_PRE_PERIODS}). A before-after comparison would be level 1 "
        "at best; find untreated units or a longer series before commissioning an impact "
        "estimate."
    )


def _cross_section(covariates: bool, reasons: list[str], ruled: dict[str, str]) -> Recommendation:
    if covariates:
        reasons.append(
            "No periods before the start: compare treated with similar untreated units on "
            "the characteristics recorded (selection on observables)."
        )
        return Recommendation(DESIGNS["matching"], 2, tuple(reasons), ruled_out=ruled)
    raise ValueError(
        "No design in this guide fits: a comparison group but no periods before the start and "
        "no recorded characteristics to match on (covariates=False). A raw comparison would "
        "be level 1; obtain records of what drove selection, or outcomes before the start."
    )


def _one_treated(
    n_pre_periods: int,
    n_comparison_units: int | None,
    covariates: bool,
    reasons: list[str],
    ruled: dict[str, str],
) -> Recommendation:
    donors_ok = n_comparison_units is None or n_comparison_units >= synth.MIN_DONORS
    matched = (DESIGNS["matching"],) if covariates else ()
    if n_pre_periods >= synth.MIN_PRE_PERIODS and donors_ok:
        reasons.append("One treated unit: compare it with a weighted set of untreated units.")
        reasons.append(
            f"{_count(n_pre_periods, 'period')} before the reform: level 4 needs a close fit "
            "over a long pre-period and an extreme placebo rank; otherwise level 3."
        )
        also: tuple[Design, ...] = (DESIGNS["did"],)
        if n_pre_periods >= its.MIN_PRE_PERIODS:
            also += (DESIGNS["its"],)
        return Recommendation(DESIGNS["synth"], 3, tuple(reasons), also + matched, ruled)
    if not donors_ok:
        ruled["synth"] = (
            f"{_count(n_comparison_units or 0, 'untreated unit')}; a synthetic control needs "
            f"at least {synth.MIN_DONORS} donors."
        )
    else:
        ruled["synth"] = (
            f"{_count(n_pre_periods, 'period')} before the reform; a synthetic control needs "
            f"at least {synth.MIN_PRE_PERIODS}."
        )
    if n_pre_periods == 0:
        return _cross_section(covariates, reasons, ruled)
    reasons.append(
        "One treated unit, too little for a synthetic control: compare its change with the "
        "comparison group's change (difference-in-differences)."
    )
    reasons += _few_units(1) + _short_pre(n_pre_periods)
    return Recommendation(DESIGNS["did"], 3, tuple(reasons), matched, ruled)


def choose_design(
    *,
    randomised: bool,
    threshold: bool,
    n_treated_units: int,
    n_pre_periods: int,
    comparison_group: bool,
    staggered: bool = False,
    covariates: bool = False,
    n_comparison_units: int | None = None,
    compare_providers: bool = False,
) -> Recommendation:
    """The strongest evaluation design the question and data allow, with reasons and level.

    Parameters
    ----------
    randomised
        Was the policy (or the allocation between providers) decided by lot?
    threshold
        Did a score with a known cut-off decide who was eligible?
    n_treated_units
        Units that received the policy: people, offices, prisons, areas. With
        ``compare_providers=True``, the number of providers compared.
    n_pre_periods
        Periods of outcome data before the (first) start date.
    comparison_group
        Are outcomes recorded for units not (or not yet) treated at the same time?
    staggered
        Did treated units start at different dates?
    covariates
        Do records hold, for treated and untreated alike, the characteristics that
        drove who was treated?
    n_comparison_units
        Untreated units available, if known (``None``: several, number unknown).
    compare_providers
        Is the question which provider does better, rather than what a policy did?

    Returns
    -------
    Recommendation
        ``design``, ``level`` (the Maryland ceiling here), ``reasons``,
        ``alternatives`` and ``ruled_out``.

    Raises
    ------
    ValueError
        If an argument has the wrong type or range, if the facts contradict each
        other (a lottery without a comparison group, staggered timing with one
        treated unit...), or if no design in the guide can estimate an effect
        from the data described.

    Examples
    --------
    >>> rec = choose_design(randomised=False, threshold=False, n_treated_units=1,
    ...                     n_pre_periods=20, comparison_group=True)
    >>> rec.design.key, rec.level, [d.key for d in rec.alternatives]
    ('synth', 3, ['did', 'its'])
    >>> choose_design(randomised=False, threshold=False, n_treated_units=1,
    ...               n_pre_periods=2, comparison_group=False)
    Traceback (most recent call last):
    ...
    ValueError: No design in this guide fits: no comparison group and only 2 periods ...
    """
    _require_bool(
        randomised=randomised,
        threshold=threshold,
        comparison_group=comparison_group,
        staggered=staggered,
        covariates=covariates,
        compare_providers=compare_providers,
    )
    _require_count("n_treated_units", n_treated_units, 1)
    _require_count("n_pre_periods", n_pre_periods, 0)
    _check_consistent(
        randomised=randomised,
        n_treated_units=n_treated_units,
        comparison_group=comparison_group,
        staggered=staggered,
        n_comparison_units=n_comparison_units,
        compare_providers=compare_providers,
    )
    reasons: list[str] = []
    ruled: dict[str, str] = {}
    if compare_providers:
        if randomised:
            reasons.append(
                "People were allocated to providers at random: compare providers within the "
                "units where the lottery ran, as a trial."
            )
            return Recommendation(
                DESIGNS["rct"], 5, tuple(reasons), (DESIGNS["performance"],), ruled
            )
        reasons.append(
            "Providers served different people: adjust for case mix and chance, and treat "
            "the result as monitoring, not as each provider's effect."
        )
        return Recommendation(DESIGNS["performance"], 1, tuple(reasons), (), ruled)
    if randomised:
        reasons.append("Allocation was random: compare the randomised groups.")
        reasons += _few_units(n_treated_units)
        return Recommendation(DESIGNS["rct"], 5, tuple(reasons), (), ruled)
    if threshold:
        if comparison_group:
            reasons.append("A cut-off decided eligibility: compare units just either side of it.")
            return Recommendation(DESIGNS["rdd"], 4, tuple(reasons), (), ruled)
        ruled["rdd"] = "no records of units on the untreated side of the cut-off."
    if not comparison_group:
        return _without_comparison(n_pre_periods, reasons, ruled)
    if n_treated_units == 1:
        return _one_treated(n_pre_periods, n_comparison_units, covariates, reasons, ruled)
    if n_pre_periods == 0:
        return _cross_section(covariates, reasons, ruled)
    matched = (DESIGNS["matching"],) if covariates else ()
    key = "staggered" if staggered else "did"
    reasons.append(
        "Treated units started at different dates: estimate cohort by cohort, never with a "
        "single two-way fixed effects coefficient."
        if staggered
        else "Treated units started together: compare their change with the comparison "
        "group's change."
    )
    reasons += _few_units(n_treated_units) + _short_pre(n_pre_periods)
    return Recommendation(DESIGNS[key], 3, tuple(reasons), matched, ruled)


def design_table() -> pd.DataFrame:
    """One row per design: key, name, Maryland level and note, library, chapters, CLI value.

    Examples
    --------
    >>> design_table().set_index("key")["level"].to_dict()["rdd"]
    4
    """
    return pd.DataFrame(
        [
            {
                "key": d.key,
                "design": d.name,
                "level": d.level,
                "level_note": d.level_note,
                "library": ", ".join(d.library),
                "chapters": ", ".join(d.chapters),
                "cli": d.cli,
            }
            for d in DESIGNS.values()
        ]
    )
