"""Market stewardship across services: what is measured, what a contract needs, who owns what.

The cross-service chapters of the handbook compare employment support, care,
schools and probation side by side. Three small, reusable pieces sit here:

* :data:`MEASURES` and :func:`measure_table` classify the published measures
  the handbook uses into *outcomes* that matter to users, *outputs* (what a
  service delivers) and *inputs or process* (what it spends, how it works),
  each with a one-line reason and whether users report it themselves.
* :data:`CONTRACT_CHECKS` and :func:`checklist` apply four tests an
  outcome-based contract has to pass (a baseline, a counterfactual, risk
  adjustment, a measure that is hard to game cheaply) to three English
  schemes: the Work Programme, Transforming Rehabilitation payment by results
  and the Peterborough social impact bond.
* :func:`hhi_bounds` gives the lowest and highest HHI consistent with a
  market in which only some owners' sizes are known (for example, how many of
  the 21 probation companies each of the largest owners held), and
  :func:`required_denominator` how many people a unit's rate must rest on
  before its gap from a target lies outside a funnel-plot limit: the question
  to ask of a published percentage that comes without its denominator.
* :func:`lait_panel` and :func:`youth_panel` turn DfE's Local Authority
  Interactive Tool (schools' results, youth reoffending) into council panels
  with London's two LAIT regions joined into one, the regions other sources use.

The classifications are judgements, written down so that they can be argued
with; the functions check that they are complete and consistent.

Examples
--------
>>> table = measure_table()
>>> sorted(table["kind"].unique())
['input or process', 'outcome', 'output']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import pandas as pd
from scipy import stats

from evaluation.markets import HHI_SCALE
from evaluation.results import drop_rows, require_columns

__all__ = [
    "CONTRACT_CHECKS",
    "CRITERIA",
    "MEASURES",
    "ContractCheck",
    "Measure",
    "checklist",
    "hhi_bounds",
    "lait_panel",
    "measure_table",
    "required_denominator",
    "youth_panel",
]

Kind = Literal["outcome", "output", "input or process"]
Verdict = Literal["yes", "partly", "no"]
#: Longest reason allowed: one line of a table.
MAX_REASON = 150


@dataclass(frozen=True)
class Measure:
    """One published measure the handbook uses, and what kind of measure it is.

    Attributes
    ----------
    service
        ``"employment"``, ``"care"``, ``"schools"`` or ``"probation"``.
    name
        The measure, as a reader would name it.
    dataset
        The registry name of the dataset it comes from.
    kind
        ``"outcome"`` (a change in users' lives), ``"output"`` (what the service
        delivers) or ``"input or process"`` (what it uses, how it works).
    user_reported
        True when users (or their families or carers) report it themselves.
    reason
        One line saying why.
    """

    service: str
    name: str
    dataset: str
    kind: Kind
    user_reported: bool
    reason: str


#: The measures the handbook uses, classified, in order of service, then kind.
MEASURES: tuple[Measure, ...] = (
    Measure(
        "employment",
        "Job outcome (13 or 26 weeks in work)",
        "wp_headline_outcomes",
        "outcome",
        False,
        "Sustained work is what participants and the state want; a gross count, not the "
        "programme's effect.",
    ),
    Measure(
        "employment",
        "Sustainment payments after a job outcome",
        "wp_sustainment_payments_median",
        "outcome",
        False,
        "Longer spells in work, from payment records.",
    ),
    Measure(
        "employment",
        "Benefit claimants by council",
        "benefits_panel_by_council",
        "outcome",
        False,
        "A population outcome: cannot be attributed to any one provider.",
    ),
    Measure(
        "employment",
        "Referrals to the programme",
        "wp_headline_outcomes",
        "input or process",
        False,
        "Volume of people sent by Jobcentre Plus; says nothing about what happened to them.",
    ),
    Measure(
        "employment",
        "Job outcome payments to primes",
        "wp_job_outcome_payments_by_group",
        "input or process",
        False,
        "Money paid: a cost to the state.",
    ),
    Measure(
        "care",
        "Users' social-care-related quality of life (ASC2)",
        "ascof_outcomes_by_council",
        "outcome",
        True,
        "Users' own rating of their daily life, the thing care exists to support.",
    ),
    Measure(
        "care",
        "Carers' quality of life (ASC1, ASCOF 1D)",
        "ascof_outcomes_by_council",
        "outcome",
        True,
        "Carers' own rating of their life; carers are users too.",
    ),
    Measure(
        "care",
        "No further support needed after short-term care (ASC5, ASCOF 2D)",
        "ascof_outcomes_by_council",
        "outcome",
        False,
        "Independence regained after reablement, from councils' records.",
    ),
    Measure(
        "care",
        "Users finding information easy to get (ASC3, ASCOF 3D)",
        "ascof_outcomes_by_council",
        "input or process",
        True,
        "Experience of the system, not a change in life; still the user's own voice.",
    ),
    Measure(
        "care",
        "Carers finding information easy to get (ASC4, ASCOF 3D)",
        "ascof_outcomes_by_council",
        "input or process",
        True,
        "Carers' experience of the system, not a change in their lives.",
    ),
    Measure(
        "care",
        "Requests resulting in a service (ASC6)",
        "ascof_outcomes_by_council",
        "output",
        False,
        "Services started; more is not better in itself.",
    ),
    Measure(
        "care",
        "Weeks of residential care bought or provided",
        "asc_activity_inhouse_external_by_council",
        "output",
        False,
        "Volume of care delivered, whoever provides it.",
    ),
    Measure(
        "care",
        "CQC overall rating of a care home",
        "care_home_ratings_by_ownership",
        "input or process",
        False,
        "Inspectors' judgement of how care is run; users' views inform it but do not decide.",
    ),
    Measure(
        "care",
        "Workforce turnover (ASC7)",
        "ascof_outcomes_by_council",
        "input or process",
        False,
        "Staff continuity: a condition of good care, not a result.",
    ),
    Measure(
        "care",
        "Care-home beds by ownership",
        "care_homes_beds_by_ownership",
        "input or process",
        False,
        "Capacity in the market.",
    ),
    Measure(
        "care",
        "Gross weekly unit cost of residential care",
        "pssex1_unit_costs_2013_14",
        "input or process",
        False,
        "Price paid per week: an input.",
    ),
    Measure(
        "schools",
        "Progress 8",
        "ks4_2019_schools_ofsted",
        "outcome",
        False,
        "Results compared with pupils of similar prior attainment: nearer the school's part.",
    ),
    Measure(
        "schools",
        "Attainment 8",
        "ks4_2019_schools_ofsted",
        "outcome",
        False,
        "The grades pupils leave with; mixes intake with the school's contribution.",
    ),
    Measure(
        "schools",
        "Offer of a first-preference school",
        "school_applications_offers_by_la",
        "outcome",
        True,
        "Families' stated choice met: parents' own preferences are the measure.",
    ),
    Measure(
        "schools",
        "Ofsted grade",
        "ks4_2019_schools_ofsted",
        "input or process",
        False,
        "Inspectors' judgement of teaching and leadership.",
    ),
    Measure(
        "schools",
        "School places offered",
        "school_applications_offers_by_la",
        "input or process",
        False,
        "Capacity, not what pupils get from it.",
    ),
    Measure(
        "probation",
        "Proven reoffending: share who reoffend",
        "proven_reoffending_national",
        "outcome",
        False,
        "Whether further crime follows, for the person and the public.",
    ),
    Measure(
        "probation",
        "Proven reoffending: reoffences per reoffender",
        "proven_reoffending_national",
        "outcome",
        False,
        "How much crime follows; guards against giving up after a first reoffence.",
    ),
    Measure(
        "probation",
        "Peterborough reconviction events per 100",
        "peterborough_sib_results",
        "outcome",
        False,
        "Convictions of the whole released cohort against a matched group.",
    ),
    Measure(
        "probation",
        "Engagement with the Peterborough service",
        "peterborough_sib_results",
        "output",
        False,
        "Share who took up support: delivery, not result.",
    ),
    Measure(
        "probation",
        "HM Inspectorate of Probation rating",
        "hmip_probation_ratings_counts",
        "input or process",
        False,
        "Inspectors' judgement of supervision quality.",
    ),
)

#: The four tests of an outcome-based contract, in the order the checklist shows them.
CRITERIA = ("baseline", "counterfactual", "risk adjustment", "hard to game cheaply")


@dataclass(frozen=True)
class ContractCheck:
    """One scheme's verdict on one test of an outcome-based contract."""

    scheme: str
    criterion: str
    verdict: Verdict
    reason: str


#: Three English outcome-based schemes against the four tests.
CONTRACT_CHECKS: tuple[ContractCheck, ...] = (
    ContractCheck(
        "Work Programme",
        "baseline",
        "partly",
        "Minimum levels set a margin above DWP's modelled non-intervention rates, not "
        "measured ones.",
    ),
    ContractCheck(
        "Work Programme",
        "counterfactual",
        "partly",
        "A non-intervention rate inside the minimum level; no untreated group "
        "(randomisation was between primes).",
    ),
    ContractCheck(
        "Work Programme",
        "risk adjustment",
        "partly",
        "Prices differ by payment group (benefit type); nothing adjusts within a group, "
        "so the hardest to help could be parked.",
    ),
    ContractCheck(
        "Work Programme",
        "hard to game cheaply",
        "partly",
        "Jobs checked against tax and benefit records, but creaming and parking "
        "inside a payment group cost a prime little.",
    ),
    ContractCheck(
        "Transforming Rehabilitation",
        "baseline",
        "yes",
        "Each company's own 2011 reoffending rate.",
    ),
    ContractCheck(
        "Transforming Rehabilitation",
        "counterfactual",
        "no",
        "A fixed 2011 line, not a concurrent comparison: a national fall counts as success.",
    ),
    ContractCheck(
        "Transforming Rehabilitation",
        "risk adjustment",
        "partly",
        "Rates adjusted for offender mix against the baseline; not for changes "
        "in policing or prosecution.",
    ),
    ContractCheck(
        "Transforming Rehabilitation",
        "hard to game cheaply",
        "partly",
        "The binary rate rewards giving up after a first reoffence; the frequency "
        "payment was added to blunt that.",
    ),
    ContractCheck(
        "Peterborough bond",
        "baseline",
        "yes",
        "Reconviction events of a matched group released over the same period.",
    ),
    ContractCheck(
        "Peterborough bond",
        "counterfactual",
        "yes",
        "A propensity-score matched national comparison group, measured at the same time.",
    ),
    ContractCheck(
        "Peterborough bond",
        "risk adjustment",
        "yes",
        "Matching on offenders' records and characteristics.",
    ),
    ContractCheck(
        "Peterborough bond",
        "hard to game cheaply",
        "yes",
        "Every eligible prisoner released counts, engaged or not; the small "
        "cohorts make the result noisy instead.",
    ),
)


# --------------------------------------------------------------------------- checks
def _check_reasons(reasons: Sequence[str], labels: Sequence[str]) -> None:
    bad = [
        label
        for label, reason in zip(labels, reasons, strict=True)
        if not reason.strip() or "\n" in reason or len(reason) > MAX_REASON
    ]
    if bad:
        raise ValueError(
            f"Column 'reason' must be one non-empty line of at most {MAX_REASON} characters; "
            f"it is not for {bad[:5]}."
        )


def measure_table(
    measures: Iterable[Measure] = MEASURES, *, known_datasets: Iterable[str] | None = None
) -> pd.DataFrame:
    """The measures as a table, checked for a valid kind, a one-line reason and a known source.

    Parameters
    ----------
    measures
        The classified measures (default :data:`MEASURES`).
    known_datasets
        Registry names (e.g. ``datasets.catalog()["name"]``); when given, every
        measure's ``dataset`` must be one of them.

    Returns
    -------
    pandas.DataFrame
        One row per measure: ``service, name, dataset, kind, user_reported, reason``,
        ordered by service, then outcome, output, input or process.

    Raises
    ------
    ValueError
        An unknown kind, an empty or multi-line reason, a dataset not in
        ``known_datasets``, or the same measure listed twice (rows named).

    Examples
    --------
    >>> m = Measure("care", "Beds", "care_homes_beds_by_ownership", "input or process", False,
    ...             "Capacity.")
    >>> measure_table([m])[["name", "kind"]].to_dict("records")
    [{'name': 'Beds', 'kind': 'input or process'}]
    """
    frame = pd.DataFrame([vars(m) for m in measures])
    if frame.empty:
        raise ValueError("No measures were given.")
    kinds = get_args(Kind)
    odd = frame.index[~frame["kind"].isin(kinds)]
    if len(odd):
        raise ValueError(
            f"Column 'kind' must be one of {kinds}; rows {list(odd)} are "
            f"{frame.loc[odd, 'kind'].tolist()}."
        )
    _check_reasons(frame["reason"].tolist(), frame["name"].tolist())
    twice = frame.duplicated(["service", "name"], keep=False)
    if twice.any():
        raise ValueError(f"Column 'name': listed twice: {frame.loc[twice, 'name'].tolist()}.")
    if known_datasets is not None:
        unknown = frame.index[~frame["dataset"].isin(set(known_datasets))]
        if len(unknown):
            raise ValueError(
                f"Column 'dataset': not in the registry: "
                f"{frame.loc[unknown, 'dataset'].unique().tolist()} (rows {list(unknown)})."
            )
    order = pd.Categorical(frame["kind"], categories=kinds, ordered=True)
    frame = frame.assign(_order=order).sort_values(["service", "_order"], kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True)


def checklist(
    checks: Iterable[ContractCheck] = CONTRACT_CHECKS, *, wide: bool = False
) -> pd.DataFrame:
    """The contract checklist, with every scheme judged once on every criterion.

    Schemes keep the order in which they first appear; criteria follow :data:`CRITERIA`.

    Parameters
    ----------
    checks
        Verdicts (default :data:`CONTRACT_CHECKS`).
    wide
        False: one row per scheme and criterion (``scheme, criterion, verdict,
        reason``). True: one row per criterion, one column per scheme, each
        cell ``"verdict: reason"``.

    Raises
    ------
    ValueError
        A criterion outside :data:`CRITERIA`, a verdict other than yes, partly
        or no, a scheme missing a criterion or judged twice on one.

    Examples
    --------
    >>> checks = [ContractCheck("S", c, "yes", "Because.") for c in CRITERIA]
    >>> checklist(checks)["verdict"].tolist()
    ['yes', 'yes', 'yes', 'yes']
    """
    frame = pd.DataFrame([vars(c) for c in checks])
    if frame.empty:
        raise ValueError("No checks were given.")
    bad = frame.index[~frame["criterion"].isin(CRITERIA)]
    if len(bad):
        raise ValueError(f"Column 'criterion': rows {list(bad)} are not among {CRITERIA}.")
    verdicts = get_args(Verdict)
    bad = frame.index[~frame["verdict"].isin(verdicts)]
    if len(bad):
        raise ValueError(f"Column 'verdict': rows {list(bad)} are not among {verdicts}.")
    _check_reasons(frame["reason"].tolist(), (frame["scheme"] + "/" + frame["criterion"]).tolist())
    counts = frame.groupby(["scheme", "criterion"]).size()
    full = pd.MultiIndex.from_product([frame["scheme"].unique(), CRITERIA])
    counts = counts.reindex(full, fill_value=0)
    wrong = counts[counts != 1]
    if len(wrong):
        raise ValueError(
            "Each scheme needs exactly one verdict per criterion; "
            f"these have {wrong.tolist()}: {list(wrong.index)}."
        )
    schemes = list(dict.fromkeys(frame["scheme"]))
    frame = frame.assign(
        scheme=pd.Categorical(frame["scheme"], categories=schemes, ordered=True),
        criterion=pd.Categorical(frame["criterion"], categories=CRITERIA, ordered=True),
    ).sort_values(["scheme", "criterion"], kind="stable")
    frame["scheme"] = frame["scheme"].astype(str)
    frame["criterion"] = frame["criterion"].astype(str)
    frame = frame.reset_index(drop=True)
    if not wide:
        return frame
    cells = frame.assign(cell=frame["verdict"] + ": " + frame["reason"])
    table = cells.pivot(index="criterion", columns="scheme", values="cell")
    table = table.reindex(index=list(CRITERIA), columns=list(dict.fromkeys(frame["scheme"])))
    table.columns.name = None
    return table.rename_axis("criterion").reset_index()


# --------------------------------------------------------------------------- concentration
def _square_sum(units: int, owners: int, *, even: bool) -> int:
    """Sum of squares of ``units`` split over ``owners`` (each at least one)."""
    if even:
        base, extra = divmod(units, owners)
        return extra * (base + 1) ** 2 + (owners - extra) * base**2
    return (units - owners + 1) ** 2 + (owners - 1)


def hhi_bounds(
    known: Mapping[str, int], *, total_units: int, total_owners: int
) -> tuple[float, float]:
    """Lowest and highest HHI (0-10,000) when only some owners' unit counts are known.

    Shares are of *units* (contracts, areas, homes), each counted once. The
    owners not in ``known`` hold the remaining units, at least one each: the
    HHI is lowest when those are spread as evenly as possible and highest when
    all but one of the unknown owners hold a single unit.

    Parameters
    ----------
    known
        Units held by each owner whose holding is known.
    total_units, total_owners
        All units and all owners in the market.

    Raises
    ------
    ValueError
        Counts that cannot add up (negative, more known units than units, fewer
        units left than unknown owners, more known owners than owners).

    Examples
    --------
    >>> hhi_bounds({"a": 2}, total_units=4, total_owners=2)
    (5000.0, 5000.0)
    >>> [round(x) for x in hhi_bounds({"a": 6, "b": 5, "c": 3}, total_units=21, total_owners=8)]
    [1837, 1882]
    """
    held = list(known.values())
    if any(int(v) != v or v < 1 for v in held):
        raise ValueError(f"Known holdings must be whole numbers of one or more; got {held}.")
    rest_units = total_units - sum(held)
    rest_owners = total_owners - len(held)
    if rest_owners < 0 or rest_units < 0:
        raise ValueError(
            f"{len(held)} known owners with {sum(held)} units exceed the market's "
            f"{total_owners} owners and {total_units} units."
        )
    if rest_owners == 0 and rest_units > 0:
        raise ValueError(f"{rest_units} units are left over but no owners remain to hold them.")
    if rest_owners > rest_units:
        raise ValueError(
            f"{rest_owners} unknown owners cannot each hold a unit of the {rest_units} left."
        )
    known_sq = sum(v**2 for v in held)
    if rest_owners == 0:
        low = high = known_sq
    else:
        low = known_sq + _square_sum(rest_units, rest_owners, even=True)
        high = known_sq + _square_sum(rest_units, rest_owners, even=False)
    scale = HHI_SCALE / total_units**2
    return float(low * scale), float(high * scale)


# --------------------------------------------------------------------------- user surveys
def required_denominator(
    rates: Sequence[float] | np.ndarray | pd.Series,
    *,
    target: float,
    level: float = 0.998,
    scale: float = 100.0,
) -> np.ndarray:
    """Smallest number of people behind a rate for its gap from ``target`` to pass a funnel limit.

    A published percentage without its denominator cannot be put on a funnel
    plot, but one can ask the reverse question: how many respondents would the
    council's figure need to rest on before its distance from the target lies
    outside the two-sided ``level`` limit? With the normal approximation to the
    binomial the answer is ``n = z**2 * p * (1 - p) / (r - p)**2``, rounded up,
    with ``p`` the target, ``r`` the rate and ``z`` the normal quantile. A rate
    equal to the target never passes (infinity).

    Parameters
    ----------
    rates
        Published rates (e.g. percentages).
    target
        The comparison rate on the same scale.
    level
        Two-sided limit: 0.998 (about three standard errors) or 0.95.
    scale
        100 for percentages, 1 for proportions.

    Returns
    -------
    numpy.ndarray
        One denominator per rate (float: ``inf`` where the rate equals the
        target, NaN where it is missing).

    Examples
    --------
    >>> required_denominator([60.0, 50.0], target=50.0, level=0.95).tolist()
    [97.0, inf]
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie between 0 and 1; it was {level}.")
    p = float(target) / scale
    if not 0 < p < 1:
        raise ValueError(f"target must lie strictly between 0 and {scale:g}; it was {target}.")
    r = np.asarray(rates, dtype=float) / scale
    if np.any((r < 0) | (r > 1)):
        raise ValueError(f"rates must lie between 0 and {scale:g}.")
    z = stats.norm.ppf(1 - (1 - level) / 2)
    with np.errstate(divide="ignore"):
        n = z**2 * p * (1 - p) / (r - p) ** 2
    return np.ceil(n - 1e-9)


#: LAIT splits London in two; the other sources' regions do not.
LONDON = {"Inner London": "London", "Outer London": "London"}


def lait_panel(frame: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """One LAIT indicator as a council panel: one row per council and year with a value.

    Parameters
    ----------
    frame
        The long LAIT frame (``registry.load("lait_la_indicators")``): at least
        ``area_type, indicator_id, la_name, region, value``.
    indicator
        The indicator to keep, e.g. ``"AVG_Attain8_Score"``.

    Returns
    -------
    pandas.DataFrame
        The indicator's council rows (``area_type == "la"``) with ``area`` (the
        council's name) and ``region`` (Inner and Outer London joined as
        ``London``). Rows without a value are dropped, with a warning; their
        count is in ``attrs["dropped"]``.

    Examples
    --------
    >>> lait = pd.DataFrame({"area_type": ["la", "la", "region"],
    ...     "indicator_id": ["AVG_Attain8_Score"] * 3, "la_name": ["Camden", "Leeds", "London"],
    ...     "region": ["Inner London", "Yorkshire and the Humber", "Inner London"],
    ...     "year": [2019] * 3, "value": [48.0, 45.0, 47.0]})
    >>> lait_panel(lait, "AVG_Attain8_Score")[["area", "region"]].values.tolist()
    [['Camden', 'London'], ['Leeds', 'Yorkshire and the Humber']]
    """
    needed = ("area_type", "indicator_id", "la_name", "region", "value")
    require_columns(frame, {name: name for name in needed})
    rows = frame[(frame["area_type"] == "la") & (frame["indicator_id"] == indicator)]
    kept = drop_rows(rows, rows["value"].isna(), f"no value for {indicator}")
    return kept.assign(area=kept["la_name"], region=kept["region"].replace(LONDON))


def youth_panel(frame: pd.DataFrame) -> pd.DataFrame:
    """Youth proven reoffending as a council panel, with London's regions joined.

    Parameters
    ----------
    frame
        The output of :func:`evaluation.data.loaders.lait.youth_reoffending`: at
        least ``la_name, region, year, rate_percent``.

    Returns
    -------
    pandas.DataFrame
        The rows with a rate, with ``area`` (the council's name), ``value`` (the
        rate, per cent) and ``region`` (Inner and Outer London joined as
        ``London``). Rows without a rate (suppressed) are dropped, with a
        warning; their count is in ``attrs["dropped"]``.

    Examples
    --------
    >>> youth = pd.DataFrame({"la_name": ["Camden", "Leeds"],
    ...     "region": ["Inner London", "Yorkshire and the Humber"], "year": [2019, 2019],
    ...     "rate_percent": [35.0, 38.5]})
    >>> youth_panel(youth)[["area", "region", "value"]].values.tolist()
    [['Camden', 'London', 35.0], ['Leeds', 'Yorkshire and the Humber', 38.5]]
    """
    require_columns(frame, {name: name for name in ("la_name", "region", "rate_percent")})
    kept = drop_rows(frame, frame["rate_percent"].isna(), "no reoffending rate (suppressed)")
    return kept.assign(
        area=kept["la_name"], value=kept["rate_percent"], region=kept["region"].replace(LONDON)
    )
