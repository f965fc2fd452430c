"""Simulated Work Programme caseloads: a provider choosing effort under a tariff.

The story: a prime provider is referred participants from four payment groups
that differ in how likely they are to find work. It chooses how much to spend on
each (the model of :mod:`evaluation.contracts`) to maximise expected payments
less costs, and participants then find work or not. Because the simulation
knows each group's job chance *without* help and the effort the provider chose,
it knows the truth a diagnostic tries to recover: which groups were parked, and
how many jobs the provider added.

Calibration. Under the calibration tariff (every group priced like JSA 25+ in
contract year 1: a £1,200 job outcome fee plus half of the £2,795 maximum
sustainment payments), each group's non-intervention rate is solved so that the
provider's best response reproduces the published two-year job outcome rates by
payment group (Learning and Work Institute analysis of DWP statistics to
December 2017, in the registry as ``wp_headline_outcomes``):
JSA 18-24 36.4%, JSA 25+ 31.7%, new ESA claimants 15.1%, ESA ex-IB 5.4%.
How strongly effort moves job chances (``max_log_odds_gain``, ``effort_scale``)
is an assumption, not an estimate. All data are simulated.

Examples
--------
>>> groups = calibrated_groups()
>>> frame = caseload(flat_tariffs(groups), groups=groups, n_per_group=500, seed=2)
>>> sorted(frame.attrs["parked"])
['ESA ex-IB']
>>> frame.equals(caseload(flat_tariffs(groups), groups=groups, n_per_group=500, seed=2))
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import optimize

from evaluation.contracts import ParticipantGroup, Tariff, best_effort

__all__ = [
    "JSA_25_PLUS",
    "PUBLISHED_TWO_YEAR_RATES",
    "calibrated_groups",
    "caseload",
    "differential_tariffs",
    "flat_tariffs",
]

#: Two-year job outcome rates by payment group, June 2011 to December 2017 (Learning and Work
#: Institute, 'Work Programme statistics - our analysis', 2018; registry: wp_headline_outcomes).
PUBLISHED_TWO_YEAR_RATES = {
    "JSA 18-24": 0.364,
    "JSA 25+": 0.317,
    "New ESA": 0.151,
    "ESA ex-IB": 0.054,
}

#: Contract-year-1 maximum prices for JSA 25+ (Work and Pensions Committee 2013, Table 3;
#: registry: wp_tariffs_by_payment_group).
JSA_25_PLUS = Tariff("JSA 25+", attachment_fee=400, job_outcome_fee=1_200, sustainment_max=2_795)


def calibrated_groups(
    rates: Mapping[str, float] | None = None,
    *,
    tariff: Tariff = JSA_25_PLUS,
    sustainment_share: float = 0.5,
    max_log_odds_gain: float = 1.5,
    effort_scale: float = 600.0,
) -> tuple[ParticipantGroup, ...]:
    """Participant groups whose best response under ``tariff`` reproduces ``rates``.

    For each group the non-intervention rate (``baseline``) is found by scipy's
    ``brentq`` so that the job rate at the provider's best effort equals the
    target. A group for which no effort pays is parked, and its baseline is
    then the target itself.
    """
    targets = dict(PUBLISHED_TWO_YEAR_RATES if rates is None else rates)
    payment = tariff.payment_per_outcome(sustainment_share)

    def group(name: str, baseline: float) -> ParticipantGroup:
        return ParticipantGroup(name, baseline, max_log_odds_gain, effort_scale)

    def gap(baseline: float, name: str, target: float) -> float:
        candidate = group(name, baseline)
        return float(candidate.job_probability(best_effort(candidate, payment))) - target

    out = []
    for name, target in targets.items():
        if not 0 < target < 1:
            raise ValueError(f"The target rate of {name!r} must lie between 0 and 1.")
        baseline = optimize.brentq(gap, 1e-9, target, args=(name, target), xtol=1e-12)
        out.append(group(name, float(baseline)))
    return tuple(out)


def flat_tariffs(
    groups: Sequence[ParticipantGroup], tariff: Tariff = JSA_25_PLUS
) -> dict[str, Tariff]:
    """The same prices for every group."""
    return {
        g.name: Tariff(
            g.name, tariff.attachment_fee, tariff.job_outcome_fee, tariff.sustainment_max
        )
        for g in groups
    }


def differential_tariffs(
    groups: Sequence[ParticipantGroup], *, reference: str = "JSA 25+", tariff: Tariff = JSA_25_PLUS
) -> dict[str, Tariff]:
    """Outcome prices scaled up for groups less likely to find work without help.

    Each group's job outcome fee and sustainment payments are the reference
    tariff's times ``reference baseline / group baseline``, so every group is
    worth the same in outcome payments at its non-intervention rate. The
    attachment fee is unchanged.
    """
    baselines = {g.name: g.baseline for g in groups}
    if reference not in baselines:
        raise ValueError(f"The reference group {reference!r} is not among {list(baselines)}.")
    out = {}
    for name, baseline in baselines.items():
        factor = baselines[reference] / baseline
        out[name] = Tariff(
            name,
            tariff.attachment_fee,
            tariff.job_outcome_fee * factor,
            tariff.sustainment_max * factor,
        )
    return out


def caseload(
    tariffs: Mapping[str, Tariff],
    *,
    groups: Sequence[ParticipantGroup] | None = None,
    n_per_group: int = 2_000,
    sustainment_share: float = 0.5,
    benchmark_bias: Mapping[str, float] | float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Participants, the provider's effort on each, and whether each found work.

    Parameters
    ----------
    tariffs
        Prices by group name (see :func:`flat_tariffs`, :func:`differential_tariffs`).
    groups
        Participant groups (default :func:`calibrated_groups`).
    n_per_group
        Participants referred in each group.
    sustainment_share
        Share of maximum sustainment payments a job outcome earns (0-1).
    benchmark_bias
        Error in the commissioner's expected (non-intervention) rate, by group
        or for all: the ``benchmark`` column is the true baseline plus this.
    seed
        Seed of the random generator; the same arguments give the same frame.

    Returns
    -------
    pandas.DataFrame
        One row per participant: ``participant``, ``group``, ``baseline`` (true
        job chance without help), ``benchmark`` (the commissioner's expected
        rate), ``effort`` (pounds), ``job_probability``, ``job`` (0/1) and
        ``true_effect`` (job probability less baseline). ``attrs`` holds
        ``true_effect`` (mean over participants), ``true_uplift`` and
        ``effort`` by group, and ``parked`` (groups given no effort).
    """
    if n_per_group < 1:
        raise ValueError(f"n_per_group must be at least 1; it was {n_per_group}.")
    groups = tuple(calibrated_groups() if groups is None else groups)
    bias = (
        dict(benchmark_bias)
        if isinstance(benchmark_bias, Mapping)
        else {g.name: float(benchmark_bias) for g in groups}
    )
    rng = np.random.default_rng(seed)
    parts = []
    for group in groups:
        payment = tariffs[group.name].payment_per_outcome(sustainment_share)
        effort = best_effort(group, payment)
        probability = float(group.job_probability(effort))
        parts.append(
            pd.DataFrame(
                {
                    "group": group.name,
                    "baseline": group.baseline,
                    "benchmark": group.baseline + bias.get(group.name, 0.0),
                    "effort": effort,
                    "job_probability": probability,
                    "job": (rng.random(n_per_group) < probability).astype("int64"),
                    "true_effect": probability - group.baseline,
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    frame.insert(0, "participant", np.arange(1, len(frame) + 1))
    by_group = frame.groupby("group", sort=False)
    frame.attrs["true_effect"] = float(frame["true_effect"].mean())
    frame.attrs["true_uplift"] = by_group["true_effect"].first().to_dict()
    frame.attrs["effort"] = by_group["effort"].first().to_dict()
    frame.attrs["parked"] = [name for name, e in frame.attrs["effort"].items() if e == 0.0]
    return frame
