"""Value for money: Green Book discounting, net present value, cost per outcome, break-even.

HM Treasury's Green Book compares costs and benefits that fall in different
years by discounting them to present values at the social time preference rate:
3.5% a year for the first 30 years, then a declining schedule (3.0% for years
31-75, 2.5% for 76-125, 2.0% for 126-200, 1.5% for 201-300 and 1.0% beyond).
The rate *in force in each year* applies to that year only, so the discount
factor is a product over the schedule, not one rate raised to the power t:

    DF_t = 1 / 1.035^t                       for t <= 30
    DF_t = DF_30 / 1.03^(t - 30)             for 31 <= t <= 75, and so on.

Year 0 is the present (DF = 1); amounts are in real terms (constant prices).

The Green Book of February 2026 keeps this standard schedule and sets two others
beside it: the lower health schedule (1.5% for the first 30 years) for effects on
health and life, and a new sensitivity test for horizons beyond 50 years (3.0% for
the first 30 years). The rates here are as the Department for Transport's guidance
of 16 April 2026 reports them (a secondary source: the Green Book's own text is not
in this build); :data:`GREEN_BOOK_HEALTH_SCHEDULE` and
:data:`GREEN_BOOK_LONG_HORIZON_SCHEDULE` hold them.

* :func:`discount_factors` gives DF_t for any years under the Green Book
  schedule or a constant rate (:func:`constant_schedule`).
* :func:`appraisal` gives present values of cost and benefit streams, the net
  present value (NPV) and the benefit-cost ratio.
* :func:`cost_per_outcome` gives discounted cost per outcome.
* :func:`break_even_effect` gives the smallest effect at which NPV >= 0 when
  benefits scale with the effect; :func:`break_even` does the same for any NPV
  function (a grid scan for the first crossing, refined by scipy's ``brentq``).

Examples
--------
>>> [round(float(f), 4) for f in discount_factors([1, 30, 31])]
[0.9662, 0.3563, 0.3459]
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import optimize

from evaluation.report import style
from evaluation.results import require_columns, require_no_missing, require_numeric

__all__ = [
    "GREEN_BOOK_HEALTH_SCHEDULE",
    "GREEN_BOOK_LONG_HORIZON_SCHEDULE",
    "GREEN_BOOK_SCHEDULE",
    "Appraisal",
    "appraisal",
    "break_even",
    "break_even_effect",
    "constant_schedule",
    "cost_per_outcome",
    "discount_factors",
]

#: The Green Book's declining long-term discount rates, as (last year the rate applies, rate).
#: HM Treasury, The Green Book (2022), the social time preference rate and its schedule.
GREEN_BOOK_SCHEDULE: tuple[tuple[float, float], ...] = (
    (30, 0.035),
    (75, 0.030),
    (125, 0.025),
    (200, 0.020),
    (300, 0.015),
    (math.inf, 0.010),
)

#: The Green Book's health schedule (February 2026, as reported by the Department for
#: Transport, 2026): for effects on health and life, 1.5% for years 0-30, then declining.
GREEN_BOOK_HEALTH_SCHEDULE: tuple[tuple[float, float], ...] = (
    (30, 0.015),
    (75, 0.0129),
    (125, 0.0107),
    (200, 0.0086),
    (300, 0.0064),
    (math.inf, 0.0043),
)

#: The sensitivity test the Green Book of February 2026 adds for horizons beyond 50
#: years (as reported by the Department for Transport, 2026): 3.0% for years 0-30.
GREEN_BOOK_LONG_HORIZON_SCHEDULE: tuple[tuple[float, float], ...] = (
    (30, 0.030),
    (75, 0.0257),
    (125, 0.0214),
    (200, 0.0171),
    (300, 0.0129),
    (math.inf, 0.0086),
)

Schedule = Sequence[tuple[float, float]]

#: Years from the present at or above this are taken to be calendar years, and refused.
CALENDAR_YEARS_FROM = 1_000


def constant_schedule(rate: float) -> tuple[tuple[float, float], ...]:
    """A schedule with one rate for every year (e.g. for a sensitivity test).

    Examples
    --------
    >>> round(float(discount_factors([10], schedule=constant_schedule(0.035))[0]), 4)
    0.7089
    """
    if not -1 < rate < 1:
        raise ValueError(f"A discount rate is a fraction such as 0.035; it was {rate}.")
    return ((math.inf, float(rate)),)


def _check_schedule(schedule: Schedule) -> None:
    ends = [end for end, _ in schedule]
    if not ends or ends != sorted(ends) or ends[-1] != math.inf:
        raise ValueError(
            "A schedule lists (last year, rate) pairs in increasing order of year and must "
            "end with math.inf, as GREEN_BOOK_SCHEDULE does."
        )
    rates = [rate for _, rate in schedule]
    if any(not 0 <= rate < 1 for rate in rates):
        raise ValueError(
            f"Discount rates are fractions from 0 to 1, such as 0.035 for 3.5%; the "
            f"schedule has {rates}. (Negative rates are not Green Book practice; rates "
            "in per cent must be divided by 100.)"
        )


def _rates_by_year(last_year: int, schedule: Schedule) -> np.ndarray:
    """The rate in force in each year 1..last_year."""
    years = np.arange(1, last_year + 1)
    ends = np.array([end for end, _ in schedule], dtype=float)
    rates = np.array([rate for _, rate in schedule], dtype=float)
    return rates[np.searchsorted(ends, years, side="left")]


def discount_factors(
    years: Sequence[float] | np.ndarray | pd.Series, *, schedule: Schedule = GREEN_BOOK_SCHEDULE
) -> np.ndarray:
    """Discount factor for each year (whole years from 0), the product over the schedule.

    Parameters
    ----------
    years
        Whole numbers of years from the present (0 = now).
    schedule
        ``(last year, rate)`` pairs; the default is the Green Book's.

    Returns
    -------
    numpy.ndarray
        ``DF_t = prod_{s=1..t} 1 / (1 + r_s)`` where ``r_s`` is the rate in force in year ``s``.

    Examples
    --------
    >>> round(float(discount_factors([76])[0]), 4)
    0.0919
    """
    _check_schedule(schedule)
    values = np.asarray(years, dtype=float)
    if values.size and (np.any(values < 0) or np.any(values != np.round(values))):
        raise ValueError("Years are whole numbers from 0 (the present); got others.")
    if values.size and values.min() >= CALENDAR_YEARS_FROM:
        raise ValueError(
            f"Years here start at {values.min():g}: these look like calendar years, which "
            f"would be discounted {values.min():g} years. Pass years from the present "
            "(the calendar year minus the base year, so the base year is 0)."
        )
    whole = values.astype(int)
    last = int(whole.max()) if whole.size else 0
    cumulative = np.concatenate([[1.0], np.cumprod(1 / (1 + _rates_by_year(last, schedule)))])
    return cumulative[whole]


# --------------------------------------------------------------------------- appraisal
@dataclass(frozen=True)
class Appraisal:
    """Present values of a programme's costs and benefits.

    Attributes
    ----------
    pv_costs, pv_benefits
        Present values (year-0 pounds).
    npv
        Net present value: ``pv_benefits - pv_costs``.
    bcr
        Benefit-cost ratio: ``pv_benefits / pv_costs`` (``nan`` with no costs).
    """

    pv_costs: float
    pv_benefits: float
    npv: float
    bcr: float
    _table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    @property
    def table(self) -> pd.DataFrame:
        """One row per year, with ``year``, ``discount_factor``, ``costs``, ``benefits``, their
        present values, and ``cumulative_npv`` (a copy)."""
        return self._table.copy()

    def tidy(self) -> pd.DataFrame:
        """One row per reported quantity: ``term`` and ``value``."""
        return pd.DataFrame(
            {
                "term": ["PV costs", "PV benefits", "NPV", "BCR"],
                "value": [self.pv_costs, self.pv_benefits, self.npv, self.bcr],
            }
        )

    def summary(self) -> str:
        """The present values, NPV and benefit-cost ratio in words."""
        return (
            f"Appraisal (Green Book discounting)\n"
            f"  PV costs £{self.pv_costs:,.0f}; PV benefits £{self.pv_benefits:,.0f}\n"
            f"  NPV £{self.npv:,.0f}; benefit-cost ratio {self.bcr:.2f}"
        )

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Cumulative discounted net benefit by year; it crosses zero when the outlay is repaid.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        ax = style.axes(ax)
        table = self._table
        ax.step(table["year"], table["cumulative_npv"], where="post", color="C0", lw=2)
        ax.axhline(0, color="black", lw=1)
        return style.finish(
            ax,
            title="Cumulative discounted net benefit by year",
            xlabel="Year of the appraisal (years)",
            ylabel="Cumulative net present value (money units)",
            source=style.DEFAULT_SOURCE,
        )


def _cash_flows(data: pd.DataFrame, *, time: str, columns: list[str]) -> pd.DataFrame:
    require_columns(data, {"time": time, **{c: c for c in columns}})
    require_no_missing(data, [time, *columns])
    require_numeric(data, [time, *columns])
    for column in columns:
        negative = data.index[data[column] < 0]
        if len(negative):
            raise ValueError(
                f"Column {column!r} has {len(negative)} negative value(s) (rows "
                f"{list(negative[:5])}): costs, benefits and outcomes are positive amounts. "
                "Enter a saving as a benefit, not as a negative cost."
            )
    return data.groupby(time, sort=True)[columns].sum().reset_index()


def appraisal(
    data: pd.DataFrame,
    *,
    time: str,
    costs: str,
    benefits: str,
    schedule: Schedule = GREEN_BOOK_SCHEDULE,
) -> Appraisal:
    """Net present value of cost and benefit streams under Green Book discounting.

    Parameters
    ----------
    data
        Cash flows in real pounds, one or more rows per year (rows for the same
        year are added).
    time
        Whole years from the present (0 = now).
    costs, benefits
        Columns of costs and benefits (positive numbers).
    schedule
        Discount schedule (default: the Green Book's).

    Returns
    -------
    Appraisal

    Examples
    --------
    >>> import pandas as pd
    >>> flows = pd.DataFrame({"year": [0, 1, 2], "cost": [1000.0, 0, 0],
    ...                       "benefit": [0.0, 600, 600]})
    >>> round(appraisal(flows, time="year", costs="cost", benefits="benefit").npv, 2)
    139.82
    """
    flows = _cash_flows(data, time=time, columns=[costs, benefits])
    factors = discount_factors(flows[time], schedule=schedule)
    table = pd.DataFrame(
        {
            "year": flows[time].to_numpy(),
            "discount_factor": factors,
            "costs": flows[costs].to_numpy(dtype=float),
            "benefits": flows[benefits].to_numpy(dtype=float),
        }
    )
    table["pv_costs"] = table["costs"] * factors
    table["pv_benefits"] = table["benefits"] * factors
    table["cumulative_npv"] = (table["pv_benefits"] - table["pv_costs"]).cumsum()
    pv_costs, pv_benefits = float(table["pv_costs"].sum()), float(table["pv_benefits"].sum())
    return Appraisal(
        pv_costs=pv_costs,
        pv_benefits=pv_benefits,
        npv=pv_benefits - pv_costs,
        bcr=pv_benefits / pv_costs if pv_costs else float("nan"),
        _table=table,
    )


def cost_per_outcome(
    data: pd.DataFrame,
    *,
    time: str,
    costs: str,
    outcomes: str,
    discount_outcomes: bool = True,
    schedule: Schedule = GREEN_BOOK_SCHEDULE,
) -> float:
    """Present value of costs divided by (discounted) outcomes.

    Outcomes are discounted at the same rates as costs by default, as
    cost-effectiveness analysis usually does; ``discount_outcomes=False``
    counts them undiscounted.

    Examples
    --------
    >>> import pandas as pd
    >>> flows = pd.DataFrame({"year": [0, 1], "cost": [10_000.0, 0], "jobs": [0.0, 5]})
    >>> round(cost_per_outcome(flows, time="year", costs="cost", outcomes="jobs"))
    2070
    """
    flows = _cash_flows(data, time=time, columns=[costs, outcomes])
    factors = discount_factors(flows[time], schedule=schedule)
    counted = flows[outcomes] * (factors if discount_outcomes else 1.0)
    if counted.sum() <= 0:
        raise ValueError(f"Column {outcomes!r} sums to zero: cost per outcome is undefined.")
    return float((flows[costs] * factors).sum() / counted.sum())


# --------------------------------------------------------------------------- break-even
def break_even(
    npv_at: Callable[[float], float],
    *,
    low: float = 0.0,
    high: float = 1.0,
    grid_points: int = 1_001,
) -> float:
    """Smallest effect in ``[low, high]`` at which ``npv_at(effect) >= 0``.

    The NPV is evaluated on an even grid of ``grid_points`` effects from
    ``low`` to ``high`` to find the first crossing from negative to
    non-negative, which scipy's ``brentq`` then refines. Works when the NPV
    jumps (e.g. a payment triggered at a threshold).

    Returns
    -------
    float
        The break-even effect; ``low`` if the NPV is already >= 0 there, and
        ``nan`` if it never reaches 0 in the range.

    Examples
    --------
    >>> round(break_even(lambda e: 100 * e - 7, high=1), 6)
    0.07
    """
    if not high > low or grid_points < 2:
        raise ValueError("Need high > low and at least two grid points.")
    grid = np.linspace(low, high, grid_points)
    values = np.array([npv_at(float(x)) for x in grid])
    reached = np.flatnonzero(values >= 0)
    if not len(reached):
        warnings.warn(
            f"The NPV stays below zero for every effect from {low} to {high}: there is "
            "no break-even effect in that range (nan returned). Widen the range or check "
            "the costs.",
            UserWarning,
            stacklevel=2,
        )
        return float("nan")
    first = int(reached[0])
    if first == 0:
        return float(low)
    a, b = float(grid[first - 1]), float(grid[first])
    if npv_at(b) == 0:
        return b
    try:
        root = optimize.brentq(npv_at, a, b, xtol=1e-12)
    except ValueError:  # a jump, not a crossing: the NPV turns positive at b
        return b
    return float(root) if npv_at(float(root)) >= -1e-9 else b


def break_even_effect(
    data: pd.DataFrame,
    *,
    time: str,
    costs: str,
    benefit_per_unit: str,
    schedule: Schedule = GREEN_BOOK_SCHEDULE,
) -> float:
    """Smallest effect at which a programme's NPV reaches zero, when benefits scale with it.

    Benefits in year ``t`` are ``effect * benefit_per_unit_t``: the benefit of
    one unit of effect (one percentage point fewer reconvictions, one more job
    per hundred participants...). The break-even effect is then
    ``PV(costs) / PV(benefit_per_unit)``, found with :func:`break_even`.

    Examples
    --------
    >>> import pandas as pd
    >>> flows = pd.DataFrame({"year": [0, 1], "cost": [50_000.0, 0], "per_point": [0.0, 10_000]})
    >>> round(break_even_effect(flows, time="year", costs="cost", benefit_per_unit="per_point"), 3)
    5.175
    """
    flows = _cash_flows(data, time=time, columns=[costs, benefit_per_unit])
    factors = discount_factors(flows[time], schedule=schedule)
    pv_costs = float((flows[costs] * factors).sum())
    pv_unit = float((flows[benefit_per_unit] * factors).sum())
    if pv_unit <= 0:
        raise ValueError(f"Column {benefit_per_unit!r} has no positive present value.")
    high = 2 * pv_costs / pv_unit + 1.0
    return break_even(lambda effect: effect * pv_unit - pv_costs, low=0.0, high=high)
