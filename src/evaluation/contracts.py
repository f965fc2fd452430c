"""Payment-by-results contracts: tariffs, provider incentives, creaming and parking.

Under payment by results a provider is paid mostly when a participant
reaches an outcome (a job, a spell off benefit). That gives it a reason to help,
and also a reason to choose whom to help. Two kinds of gaming follow:

* **creaming**: concentrating effort on participants who were likely to succeed
  anyway, whose outcomes are cheap to buy (and partly would have happened
  without any help, the *deadweight*);
* **parking**: giving minimal service to participants whose outcomes are too
  unlikely, or too costly to bring about, for the payment to cover the effort.

This module has three parts.

1. **Tariffs.** :class:`Tariff` holds the prices of one payment group
   (attachment fee, job outcome fee, sustainment payments);
   :func:`revenue_per_participant` turns a table of tariffs and outcome rates
   into expected revenue per participant.
2. **A model of provider effort.** Each :class:`ParticipantGroup` has a job
   probability without help (``baseline``) and a response to effort: spending
   ``e`` pounds raises the probability towards a ceiling,
   ``p(e) = baseline + uplift_max * (1 - exp(-e / effort_scale))``, where the
   ceiling is the baseline with its log-odds raised by ``max_log_odds_gain``.
   Because the same push in log-odds moves a probability near 0 much less than
   one near 0.5, the hardest-to-help gain least from each pound. The provider
   picks the effort that maximises expected payment minus cost
   (:func:`best_effort`, by scipy's bounded scalar minimiser);
   :func:`provider_response` does this for every group under a tariff and
   says which groups are *parked* (no effort pays).
3. **Diagnostics from outcome data.** :func:`gaming_diagnostic` compares each
   group's outcome rate with its expected (non-intervention) rate and with a
   minimum performance level, with Wilson intervals from statsmodels, and
   reports the *creaming gap*: the added outcome rate in the easiest group less
   that in the hardest.

Examples
--------
>>> hard = ParticipantGroup("hard", baseline=0.05, max_log_odds_gain=1.5, effort_scale=400)
>>> round(best_effort(hard, payment_per_outcome=2_000), 1)  # no effort pays: parked
0.0
>>> round(best_effort(hard, payment_per_outcome=12_000))  # a higher price makes it pay
576
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import optimize, special
from statsmodels.stats.proportion import proportion_confint

from evaluation.report import style
from evaluation.results import CopiedFrame, Result, headline, require_frame

__all__ = [
    "GamingDiagnostic",
    "ParticipantGroup",
    "ProviderResponse",
    "Tariff",
    "best_effort",
    "gaming_diagnostic",
    "provider_response",
    "revenue_per_participant",
]

#: Most a provider is assumed to spend on one participant when searching for its best effort.
MAX_EFFORT = 50_000.0


# --------------------------------------------------------------------------- tariffs
@dataclass(frozen=True)
class Tariff:
    """Prices a provider is paid for one participant in a payment group (pounds).

    Attributes
    ----------
    group
        The payment group's name.
    attachment_fee
        Paid when the participant starts, whatever happens next.
    job_outcome_fee
        Paid when the participant has been in work long enough (a *job outcome*).
    sustainment_max
        The most that can follow in sustainment payments while the job lasts.

    Examples
    --------
    >>> jsa = Tariff("JSA 25+", attachment_fee=400, job_outcome_fee=1_200, sustainment_max=2_795)
    >>> jsa.payment_per_outcome(sustainment_share=0.5)
    2597.5
    >>> round(jsa.expected_revenue(0.317, sustainment_share=0.5), 2)
    1223.41
    """

    group: str
    attachment_fee: float
    job_outcome_fee: float
    sustainment_max: float

    def __post_init__(self) -> None:
        for name in ("attachment_fee", "job_outcome_fee", "sustainment_max"):
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0:
                raise ValueError(
                    f"Tariff {self.group!r}: {name} must be a price >= 0, not {value}."
                )

    def payment_per_outcome(self, sustainment_share: float = 1.0) -> float:
        """Job outcome fee plus the share of the maximum sustainment payments earned."""
        _check_share(sustainment_share)
        return float(self.job_outcome_fee + sustainment_share * self.sustainment_max)

    def expected_revenue(self, outcome_rate: float, sustainment_share: float = 1.0) -> float:
        """Attachment fee plus the outcome rate times the payment per outcome."""
        _check_probability("outcome_rate", outcome_rate)
        return float(
            self.attachment_fee + outcome_rate * self.payment_per_outcome(sustainment_share)
        )


def _check_share(share: float) -> None:
    if not 0 <= share <= 1:
        raise ValueError(f"sustainment_share is a fraction between 0 and 1; it was {share}.")


def _check_probability(name: str, value: float) -> None:
    if not 0 <= value <= 1:
        raise ValueError(f"{name} is a probability between 0 and 1; it was {value}.")


def revenue_per_participant(
    data: pd.DataFrame,
    *,
    outcome_rate: str,
    attachment_fee: str,
    job_outcome_fee: str,
    sustainment_max: str,
    sustainment_share: float = 0.5,
) -> pd.DataFrame:
    """Expected revenue per participant from a table of tariffs and outcome rates.

    Parameters
    ----------
    data
        One row per payment group.
    outcome_rate
        Column of job outcome rates (0-1).
    attachment_fee, job_outcome_fee, sustainment_max
        Columns of prices (pounds).
    sustainment_share
        Assumed share (0-1) of the maximum sustainment payments that a job
        outcome earns on average. Jobs that end early earn less; the published
        tables do not give it, so vary it.

    Returns
    -------
    pandas.DataFrame
        ``data`` plus ``payment_per_outcome``, ``outcome_revenue`` (rate times
        payment per outcome), ``expected_revenue`` (plus the attachment fee)
        and ``attachment_share_pct`` (how much of the revenue does not depend
        on results at all).

    Examples
    --------
    >>> import pandas as pd
    >>> prices = pd.DataFrame({"rate": [0.3], "att": [400], "job": [1200], "sus": [2000]})
    >>> revenue_per_participant(prices, outcome_rate="rate", attachment_fee="att",
    ...     job_outcome_fee="job", sustainment_max="sus")["expected_revenue"].item()
    1060.0
    """
    columns: dict[str, str | None] = {
        "outcome_rate": outcome_rate,
        "attachment_fee": attachment_fee,
        "job_outcome_fee": job_outcome_fee,
        "sustainment_max": sustainment_max,
    }
    named = [outcome_rate, attachment_fee, job_outcome_fee, sustainment_max]
    require_frame(data, columns, numeric=named)
    _check_share(sustainment_share)
    rates = data[outcome_rate]
    if ((rates < 0) | (rates > 1)).any():
        raise ValueError(f"Column {outcome_rate!r} must hold rates between 0 and 1.")
    out = data.copy()
    out["payment_per_outcome"] = data[job_outcome_fee] + sustainment_share * data[sustainment_max]
    out["outcome_revenue"] = rates * out["payment_per_outcome"]
    out["expected_revenue"] = data[attachment_fee] + out["outcome_revenue"]
    out["attachment_share_pct"] = 100 * data[attachment_fee] / out["expected_revenue"]
    return out


# --------------------------------------------------------------------------- effort model
@dataclass(frozen=True)
class ParticipantGroup:
    """Participants alike in how likely they are to find work and how far help moves them.

    Attributes
    ----------
    name
        A label, e.g. the payment group.
    baseline
        Probability of a job outcome with no provider effort (the
        non-intervention rate), strictly between 0 and 1.
    max_log_odds_gain
        How far unlimited effort can raise the log-odds of a job outcome.
    effort_scale
        Pounds of effort that achieve 63% (1 - 1/e) of the attainable uplift.

    Examples
    --------
    >>> easy = ParticipantGroup("easy", baseline=0.3, max_log_odds_gain=1.0, effort_scale=500)
    >>> round(easy.max_uplift, 3)
    0.238
    """

    name: str
    baseline: float
    max_log_odds_gain: float
    effort_scale: float

    def __post_init__(self) -> None:
        if not 0 < self.baseline < 1:
            raise ValueError(f"Group {self.name!r}: baseline must lie strictly between 0 and 1.")
        if self.max_log_odds_gain < 0 or self.effort_scale <= 0:
            raise ValueError(
                f"Group {self.name!r}: max_log_odds_gain must be >= 0 and effort_scale > 0."
            )

    @property
    def max_rate(self) -> float:
        """The job probability that unlimited effort would approach."""
        return float(special.expit(special.logit(self.baseline) + self.max_log_odds_gain))

    @property
    def max_uplift(self) -> float:
        """Most that effort can add to the job probability."""
        return self.max_rate - self.baseline

    def job_probability(self, effort: float | np.ndarray) -> np.ndarray:
        """Probability of a job outcome after ``effort`` pounds of help (effort >= 0)."""
        spent = np.asarray(effort, dtype=float)
        if np.any(spent < 0):
            raise ValueError("Effort is spending in pounds and cannot be negative.")
        return self.baseline + self.max_uplift * -np.expm1(-spent / self.effort_scale)


def best_effort(
    group: ParticipantGroup, payment_per_outcome: float, *, max_effort: float = MAX_EFFORT
) -> float:
    """Effort (pounds) that maximises a provider's expected payment minus cost for one participant.

    The provider earns ``payment_per_outcome * p(e) - e``. If the first pound of
    effort returns less than a pound (``payment * uplift_max / effort_scale <= 1``)
    no effort pays and the answer is 0: the participant is *parked*. Otherwise
    scipy's bounded minimiser finds the optimum in ``[0, max_effort]``.

    The attachment fee does not appear: it is paid whatever the provider does,
    so it changes the provider's margin but not its effort.
    """
    if payment_per_outcome < 0 or not np.isfinite(payment_per_outcome):
        raise ValueError(f"payment_per_outcome must be a price >= 0; it was {payment_per_outcome}.")
    marginal_at_zero = payment_per_outcome * group.max_uplift / group.effort_scale
    if marginal_at_zero <= 1:
        return 0.0

    def loss(effort: float) -> float:
        return -(payment_per_outcome * float(group.job_probability(effort)) - effort)

    found = optimize.minimize_scalar(
        loss, bounds=(0.0, max_effort), method="bounded", options={"xatol": 1e-6}
    )
    if not found.success:
        raise RuntimeError(f"The effort search did not converge for group {group.name!r}.")
    return float(found.x)


@dataclass(frozen=True)
class ProviderResponse:
    """A provider's best effort for each participant group under a tariff.

    Attributes
    ----------
    tariff_name
        A label for the tariff (e.g. ``"flat"``).
    """

    tariff_name: str
    _table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    table = CopiedFrame("_table", "One row per group (a copy); see :func:`provider_response`.")

    def tidy(self) -> pd.DataFrame:
        """The table with the tariff's name in a column."""
        return self.table.assign(tariff=self.tariff_name)

    def summary(self) -> str:
        """One line per group: effort, job rate against baseline, and whether parked."""
        lines = [f"Provider response under the {self.tariff_name} tariff"]
        for row in self._table.itertuples():
            state = "PARKED" if row.parked else "served"
            lines.append(
                f"  {row.group}: effort £{row.effort:,.0f}, job rate {row.job_rate:.1%} "
                f"(baseline {row.baseline:.1%}), margin £{row.margin:,.0f} [{state}]"
            )
        return "\n".join(lines)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Bar chart of the provider's effort per participant by group.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        ax = style.axes(ax)
        table = self._table
        colours = ["C3" if parked else "C0" for parked in table["parked"]]
        ax.bar(table["group"], table["effort"], color=colours)
        return style.finish(
            ax,
            title="Provider effort per participant by payment group",
            xlabel="Payment group",
            ylabel="Effort per participant (model units)",
            source=style.DEFAULT_SOURCE,
        )


def provider_response(
    groups: Sequence[ParticipantGroup],
    tariffs: Mapping[str, Tariff],
    *,
    sustainment_share: float = 0.5,
    tariff_name: str = "tariff",
) -> ProviderResponse:
    """The provider's best effort, job rate and margin per participant in each group.

    Parameters
    ----------
    groups
        The participant groups.
    tariffs
        The tariff of each group, keyed by group name.
    sustainment_share
        Share of the maximum sustainment payments a job outcome earns (0-1).
    tariff_name
        A label for tables and plots.

    Returns
    -------
    ProviderResponse
        Its ``table`` has one row per group: ``group``, ``baseline``,
        ``payment_per_outcome``, ``effort`` (pounds), ``job_rate``, ``uplift``
        (job rate less baseline), ``parked`` (no effort), ``revenue`` (expected,
        with the attachment fee), ``margin`` (revenue less effort),
        ``deadweight_pct`` (share of outcome payments for jobs that would have
        happened anyway: baseline / job rate), ``cost_per_added_job``
        (effort / uplift; missing when parked).
    """
    missing = [g.name for g in groups if g.name not in tariffs]
    if missing:
        raise ValueError(f"No tariff for the group(s) {missing}; tariffs cover {list(tariffs)}.")
    rows = []
    for group in groups:
        tariff = tariffs[group.name]
        payment = tariff.payment_per_outcome(sustainment_share)
        effort = best_effort(group, payment)
        rate = float(group.job_probability(effort))
        uplift = rate - group.baseline
        revenue = tariff.attachment_fee + rate * payment
        rows.append(
            {
                "group": group.name,
                "baseline": group.baseline,
                "payment_per_outcome": payment,
                "effort": effort,
                "job_rate": rate,
                "uplift": uplift,
                "parked": effort == 0.0,
                "revenue": revenue,
                "margin": revenue - effort,
                "deadweight_pct": 100 * group.baseline / rate,
                "cost_per_added_job": effort / uplift if uplift > 0 else float("nan"),
            }
        )
    return ProviderResponse(tariff_name=tariff_name, _table=pd.DataFrame(rows))


# --------------------------------------------------------------------------- diagnostics
@dataclass(frozen=True)
class GamingDiagnostic(Result):
    """Outcome rates by difficulty group against expected rates and minimum levels.

    The headline ``estimate`` is the *creaming gap*: the added outcome rate
    (observed less expected) in the group with the highest expected rate, less
    that in the group with the lowest. A large positive gap with no detectable
    added value in the hardest group is the pattern parking leaves in outcome
    data.

    Attributes
    ----------
    easiest, hardest
        The groups with the highest and lowest expected rates.
    """

    easiest: str = ""
    hardest: str = ""
    _groups: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    groups = CopiedFrame("_groups", "One row per group (a copy); see :func:`gaming_diagnostic`.")

    def tidy(self) -> pd.DataFrame:
        """The creaming gap, then one row per group's added outcome rate."""
        per_group = pd.DataFrame(
            {
                "term": "added rate: " + self._groups["group"].astype(str),
                "estimate": self._groups["added"],
                "se": self._groups["se"],
                "ci_low": self._groups["ci_low"] - self._groups["expected"],
                "ci_high": self._groups["ci_high"] - self._groups["expected"],
                "p_value": np.nan,
                "n_obs": self._groups["participants"],
            }
        )
        return pd.concat([super().tidy(), per_group], ignore_index=True)

    def summary(self) -> str:
        """The creaming gap and each group's rate, expected rate and flags."""
        lines = [super().summary()]
        for row in self._groups.itertuples():
            flags = [
                name
                for name, on in (
                    ("no detectable added value", row.no_added_value),
                    ("below minimum", row.below_minimum),
                )
                if on
            ]
            lines.append(
                f"  {row.group}: {row.rate:.1%} [{row.ci_low:.1%}, {row.ci_high:.1%}] vs "
                f"expected {row.expected:.1%}" + (f" - {', '.join(flags)}" if flags else "")
            )
        return "\n".join(lines)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Observed rates with intervals beside expected rates and minimum levels, by group.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        ax = style.axes(ax)
        table = self._groups
        x = np.arange(len(table))
        ax.errorbar(
            x,
            100 * table["rate"],
            yerr=100
            * np.vstack([table["rate"] - table["ci_low"], table["ci_high"] - table["rate"]]),
            fmt="o",
            color="C0",
            capsize=4,
            label="Observed rate (95% CI)",
        )
        ax.scatter(x, 100 * table["expected"], marker="_", s=600, color="C1", label="Expected rate")
        if table["minimum"].notna().any():
            ax.scatter(
                x, 100 * table["minimum"], marker="_", s=600, color="black", label="Minimum level"
            )
        ax.set_xticks(x, table["group"])
        ax.legend(loc="best", fontsize=9)
        return style.finish(
            ax,
            title="Observed rate against expected rate and minimum level, by group",
            xlabel="Group",
            ylabel="Outcome rate (%)",
            source=style.DEFAULT_SOURCE,
        )


def gaming_diagnostic(
    data: pd.DataFrame,
    *,
    group: str,
    denominator: str,
    events: str,
    expected: str,
    minimum: str | None = None,
    level: float = 0.95,
) -> GamingDiagnostic:
    """Creaming and parking diagnostics from outcome counts by difficulty group.

    Parameters
    ----------
    data
        One row per group (e.g. payment group, or band of predicted job chances).
    group
        Column of group labels.
    denominator, events
        Columns of counts: participants referred (the denominator) and those with an
        outcome (the events).
    expected
        Column of the expected rate without the provider's help (0-1), e.g. the
        commissioner's non-intervention estimate. The diagnostic is only as good
        as this benchmark.
    minimum
        Optional column of minimum performance levels (0-1).
    level
        Confidence level of the Wilson intervals and the gap's interval.

    Returns
    -------
    GamingDiagnostic
        Its ``groups`` table has one row per group: ``participants``,
        ``outcomes``, ``rate``, ``ci_low``, ``ci_high`` (Wilson), ``expected``,
        ``added`` (rate less expected), ``se``, ``oe_ratio`` (rate / expected),
        ``minimum``, ``no_added_value`` (the interval reaches down to the
        expected rate) and ``below_minimum`` (the rate is under the minimum).

    Examples
    --------
    >>> import pandas as pd
    >>> counts = pd.DataFrame({"group": ["easy", "hard"], "n": [1000, 1000],
    ...                        "jobs": [350, 52], "exp": [0.28, 0.05]})
    >>> diag = gaming_diagnostic(counts, group="group", denominator="n", events="jobs",
    ...                          expected="exp")
    >>> round(diag.estimate, 3), diag.groups["no_added_value"].tolist()
    (0.068, [False, True])
    """
    columns: dict[str, str | None] = {
        "group": group,
        "denominator": denominator,
        "events": events,
        "expected": expected,
        "minimum": minimum,
    }
    counted = [denominator, events, expected, *([minimum] if minimum else [])]
    complete = [group, denominator, events, expected]
    require_frame(data, columns, complete=complete, numeric=counted, keys=[group])
    table = _group_table(data, columns, level)
    if len(table) < 2:
        raise ValueError(f"Column {group!r} has one group; creaming needs at least two to compare.")
    order = table.sort_values("expected", kind="stable")
    hardest, easiest = order.iloc[0], order.iloc[-1]
    gap = float(easiest["added"] - hardest["added"])
    se = float(np.hypot(easiest["se"], hardest["se"]))
    return GamingDiagnostic(
        **headline(gap, se, level),
        n_obs=int(table["participants"].sum()),
        method="Outcome rates against expected rates by difficulty group",
        estimand=f"creaming gap ({easiest['group']} minus {hardest['group']})",
        level=level,
        notes=("Expected rates are taken as known; an error in them moves every added rate.",),
        easiest=str(easiest["group"]),
        hardest=str(hardest["group"]),
        _groups=table,
    )


def _group_table(
    data: pd.DataFrame, columns: Mapping[str, str | None], level: float
) -> pd.DataFrame:
    """Per-group rates, Wilson intervals, added rates and flags."""
    n = data[str(columns["denominator"])].to_numpy(dtype=float)
    k = data[str(columns["events"])].to_numpy(dtype=float)
    bad = data.index[(n <= 0) | (k < 0) | (k > n) | (k != np.round(k)) | (n != np.round(n))]
    if len(bad):
        raise ValueError(
            f"Rows {list(bad[:5])} need whole counts with 0 <= {columns['events']} <= "
            f"{columns['denominator']} and at least one participant."
        )
    expected = data[str(columns["expected"])].to_numpy(dtype=float)
    if np.any((expected <= 0) | (expected >= 1)):
        raise ValueError(
            f"Column {columns['expected']!r} must hold rates strictly between 0 and 1."
        )
    rate = k / n
    low, high = proportion_confint(k, n, alpha=1 - level, method="wilson")
    minimum = (
        data[columns["minimum"]].to_numpy(dtype=float)
        if columns["minimum"]
        else np.full(len(n), np.nan)
    )
    return pd.DataFrame(
        {
            "group": data[str(columns["group"])].to_numpy(),
            "participants": n.astype(int),
            "outcomes": k.astype(int),
            "rate": rate,
            "ci_low": low,
            "ci_high": high,
            "expected": expected,
            "added": rate - expected,
            "se": np.sqrt(rate * (1 - rate) / n),
            "oe_ratio": rate / expected,
            "minimum": minimum,
            "no_added_value": np.asarray(low) <= expected,
            "below_minimum": rate < minimum,
        }
    )
