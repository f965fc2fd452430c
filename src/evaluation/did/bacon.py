"""The Goodman-Bacon (2021) decomposition of a two-way fixed-effects estimate.

With staggered adoption and no covariates, the two-way fixed-effects
coefficient on a 0/1 treatment is a weighted average of every 2x2
difference-in-differences that compares one timing group with another
(Goodman-Bacon 2021, Theorem 1):

- *treated vs untreated*: a timing group against the never-treated units, over
  the whole panel;
- *earlier vs later treated*: the earlier group against the later group, before
  the later one adopts (a clean comparison);
- *later vs earlier treated*: the later group against the earlier group, after
  the earlier one has adopted, so the earlier group's own changing effect is
  subtracted as if it were a trend (the comparison that can flip the sign);
- *later vs always treated*: a timing group against units treated in every
  period, which can only serve as an already-treated control.

Each comparison's weight grows with the size of the two groups and the variance
of treatment within the pair (largest for groups treated mid-panel). The weights
sum to one and the weighted sum of the 2x2 estimates is the TWFE coefficient.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from evaluation.did._checks import check_binary, check_panel
from evaluation.did._common import DEFAULT_SOURCE
from evaluation.did.fixed_effects import _switches_off, twfe
from evaluation.report import style
from evaluation.results import CopiedFrame, Result, headline, require_no_missing, tidy_frame

__all__ = ["BaconResult", "bacon_decomposition"]

TYPES = (
    "Earlier vs Later Treated",
    "Later vs Earlier Treated",
    "Treated vs Untreated",
    "Later vs Always Treated",
)


@dataclass(frozen=True, kw_only=True)
class BaconResult(Result):
    """The TWFE coefficient and the 2x2 comparisons it averages (Goodman-Bacon 2021).

    The headline (``estimate, se``...) is the two-way fixed-effects coefficient
    with its unit-clustered standard error, as :func:`~evaluation.did.twfe`
    reports it. ``comparisons`` has one row per 2x2 comparison: ``type``,
    ``treated`` and ``control`` (the first treated period of each group; ``inf``
    for never treated), ``estimate`` and ``weight``. ``by_type`` sums the weights
    and averages the estimates within each type, as R's ``bacondecomp`` prints.
    """

    weighted_sum: float = float("nan")
    _comparisons: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    comparisons = CopiedFrame(
        "_comparisons",
        "Every 2x2 comparison, with ``type, treated, control, estimate, weight`` (a copy).",
    )

    @property
    def by_type(self) -> pd.DataFrame:
        """Total weight and weighted average estimate of each comparison type (a new frame)."""
        table = self._comparisons.assign(product=lambda f: f["estimate"] * f["weight"])
        grouped = table.groupby("type", sort=False)[["weight", "product"]].sum()
        grouped["estimate"] = grouped["product"] / grouped["weight"]
        grouped["comparisons"] = table.groupby("type", sort=False).size()
        order = [t for t in TYPES if t in grouped.index]
        return grouped.loc[order, ["weight", "estimate", "comparisons"]].reset_index()

    def tidy(self) -> pd.DataFrame:
        """The TWFE coefficient, then one row per comparison with its ``type`` and ``weight``."""
        rows = self._comparisons
        terms = [
            f"{t}: {_label(g)} vs {_label(c)}"
            for t, g, c in zip(rows["type"], rows["treated"], rows["control"], strict=True)
        ]
        part = tidy_frame(
            {
                "term": terms,
                "estimate": rows["estimate"],
                "n_obs": self.n_obs,
                "type": rows["type"],
                "weight": rows["weight"],
            }
        )
        head = super().tidy().assign(type="TWFE coefficient", weight=1.0)
        return pd.concat([head, part], ignore_index=True)

    def summary(self) -> str:
        """The TWFE coefficient, then each comparison type's weight and average estimate."""
        lines = [super().summary(), "  comparisons by type (weight, average estimate):"]
        for row in self.by_type.itertuples(index=False):
            lines.append(
                f"    {row.type}: {row.weight:.4f}, {row.estimate:.4g} ({row.comparisons} 2x2s)"
            )
        return "\n".join(lines)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Each 2x2 estimate against its weight, marker by type; a line at the TWFE estimate.

        The estimates are in outcome units, the weights shares of the TWFE estimate; the
        figure is titled, labelled and has a source line. To put other words on it (your own
        data source, say), call :func:`evaluation.report.style.finish` on the returned axes.
        """
        ax = style.axes(ax, (8, 4.8))
        markers = dict(zip(TYPES, ["o", "^", "s", "D"], strict=True))
        for colour, kind in zip(style.PALETTE, TYPES, strict=False):
            part = self._comparisons.loc[self._comparisons["type"] == kind]
            if part.empty:
                continue
            ax.scatter(
                part["weight"], part["estimate"], marker=markers[kind], s=60, color=colour,
                label=kind, alpha=0.85,
            )  # fmt: skip
        ax.axhline(
            self.estimate, color="#333333", ls="--", lw=1.5,
            label=f"TWFE estimate ({self.estimate:.3g})",
        )  # fmt: skip
        ax.axhline(0, color="#999999", lw=0.8)
        ax.legend(frameon=False, loc="best", fontsize=9)
        return style.finish(
            ax,
            title="Goodman-Bacon decomposition of the two-way fixed-effects estimate",
            xlabel="Weight of the 2x2 comparison (share of the TWFE estimate)",
            ylabel="2x2 difference-in-differences estimate (outcome units)",
            source=DEFAULT_SOURCE,
        )


def _label(first: float) -> str:
    """A timing group's name: its first treated period, or 'never treated'."""
    return "never treated" if np.isinf(first) else f"{first:g}"


def _wide(data: pd.DataFrame, *, unit: str, time: str, column: str) -> np.ndarray:
    """Units x periods array of ``column`` from a balanced long panel."""
    return data.pivot(index=unit, columns=time, values=column).to_numpy(dtype=float)


def _two_by_twos(y: np.ndarray, d: np.ndarray, periods: np.ndarray) -> pd.DataFrame:
    """Every 2x2 estimate and its Theorem 1 weight, from the units x periods arrays."""
    n_periods = y.shape[1]
    # Index of each unit's first treated period; n_periods for a unit never treated.
    first = np.where(d.any(axis=1), d.argmax(axis=1), n_periods)
    d_tilde = d - d.mean(axis=1, keepdims=True) - d.mean(axis=0, keepdims=True) + d.mean()
    variance = float(np.mean(d_tilde**2))
    groups = np.unique(first)
    path = {g: y[first == g].mean(axis=0) for g in groups}
    share = {g: float(np.mean(first == g)) for g in groups}
    treated_share = {g: (n_periods - g) / n_periods for g in groups}
    name = {g: (np.inf if g == n_periods else float(periods[g])) for g in groups}

    def change(g: int, before: slice, after: slice) -> float:
        return float(path[g][after].mean() - path[g][before].mean())

    rows = []
    timing = [g for g in groups if g < n_periods]
    untreated = n_periods if n_periods in groups else None
    for k in timing:
        if untreated is None or k == 0:
            continue
        before, after = slice(0, k), slice(k, n_periods)
        n_ku = share[k] / (share[k] + share[untreated])
        dk = treated_share[k]
        weight = (share[k] + share[untreated]) ** 2 * n_ku * (1 - n_ku) * dk * (1 - dk)
        estimate = change(k, before, after) - change(untreated, before, after)
        rows.append((TYPES[2], name[k], name[untreated], estimate, weight / variance))
    for i, k in enumerate(timing):
        for later in timing[i + 1 :]:
            n_kl = share[k] / (share[k] + share[later])
            dk, dl = treated_share[k], treated_share[later]
            size = (share[k] + share[later]) ** 2 * n_kl * (1 - n_kl)
            if k > 0:  # earlier vs later, before the later group adopts
                before, mid = slice(0, k), slice(k, later)
                weight = size * (1 - dl) ** 2 * (dk - dl) / (1 - dl) * (1 - dk) / (1 - dl)
                estimate = change(k, before, mid) - change(later, before, mid)
                rows.append((TYPES[0], name[k], name[later], estimate, weight / variance))
            mid, after = slice(k, later), slice(later, n_periods)
            weight = size * dk**2 * (dl / dk) * (dk - dl) / dk
            estimate = change(later, mid, after) - change(k, mid, after)
            kind = TYPES[1] if k > 0 else TYPES[3]
            rows.append((kind, name[later], name[k], estimate, weight / variance))
    return pd.DataFrame(rows, columns=["type", "treated", "control", "estimate", "weight"])


def bacon_decomposition(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treatment: str,
    level: float = 0.95,
) -> BaconResult:
    """Goodman-Bacon (2021) decomposition of the two-way fixed-effects estimate.

    Splits the coefficient of :func:`~evaluation.did.twfe` (no covariates, no
    weights) into every 2x2 comparison between timing groups, with its weight
    and estimate: earlier vs later treated, later vs earlier treated, treated
    vs never treated, and later vs always treated when some units are treated
    in every period. The weights sum to one and the weighted sum of the 2x2
    estimates equals the TWFE coefficient.

    Parameters
    ----------
    data
        Balanced long panel: one row per unit and period.
    outcome, unit, time
        Outcome, unit identifier and period columns.
    treatment
        0/1 column: treated in that period. Once on it must stay on.
    level
        Confidence level of the TWFE coefficient's interval.

    Returns
    -------
    BaconResult

    Raises
    ------
    ValueError
        On absent, non-numeric or missing columns, duplicate unit-periods, an
        unbalanced panel, a treatment that is not 0/1, never varies or
        switches off, or timing with a single group (nothing to compare).

    Examples
    --------
    >>> from evaluation.simulate.did import staggered_adoption
    >>> panel = staggered_adoption(n_units=200, seed=1)
    >>> fit = bacon_decomposition(panel, outcome="outcome", unit="unit", time="time",
    ...                           treatment="treated")
    >>> round(float(fit.comparisons["weight"].sum()), 10)
    1.0
    >>> abs(fit.weighted_sum - fit.estimate) < 1e-10
    True
    """
    check_panel(
        data,
        unit=unit,
        time=time,
        numeric=[outcome],
        columns={"outcome": outcome, "unit": unit, "time": time, "treatment": treatment},
    )
    require_no_missing(data, [treatment])
    d = check_binary(data, treatment)
    if d.min() == d.max():
        raise ValueError(f"Column {treatment!r} never varies; there is nothing to decompose.")
    frame = data[[unit, time, outcome]].assign(_d=d)
    switched = _switches_off(frame, unit=unit, time=time, treatment="_d")
    if switched:
        raise ValueError(
            f"Column {treatment!r} switches from 1 back to 0 for {switched} unit(s) of "
            f"{unit!r}. The decomposition assumes adoption is permanent (staggered adoption); "
            "for a treatment that switches, see did.switching."
        )
    y = _wide(frame, unit=unit, time=time, column=outcome)
    dw = _wide(frame, unit=unit, time=time, column="_d")
    periods = np.sort(data[time].unique())
    comparisons = _two_by_twos(y, dw, periods)
    if comparisons.empty:
        raise ValueError(
            f"Column {treatment!r} gives a single timing group and no never-treated units; "
            "there is no 2x2 comparison to decompose."
        )
    fit = twfe(data, outcome=outcome, unit=unit, time=time, treatment=treatment, level=level)
    weighted = float(np.sum(comparisons["estimate"] * comparisons["weight"]))
    return BaconResult(
        outcome=outcome,
        **headline(fit.estimate, fit.se, level),
        n_obs=len(data),
        method=f"Goodman-Bacon decomposition of two-way fixed effects (clustered by {unit})",
        estimand="TWFE coefficient",
        level=level,
        notes=(
            f"{len(comparisons)} 2x2 comparisons; weights sum to "
            f"{comparisons['weight'].sum():.6f}; their weighted sum is {weighted:.6g}.",
        ),
        weighted_sum=weighted,
        _comparisons=comparisons,
    )
