"""Funnel plots.

Each rate against its denominator, with control limits around a target (Spiegelhalter 2005).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import mstats

from evaluation.results import CopiedFrame, Result, interval_only, tidy_columns

if TYPE_CHECKING:
    from matplotlib.axes import Axes
from evaluation.compare._counts import Kind, _check_counts, _pooled_rate, _sampling_sd

__all__ = ["FunnelResult", "funnel", "funnel_limits", "smallest_denominator"]


#: The two control limits of a funnel plot: about 2 and 3 standard errors.
FUNNEL_LEVELS = (0.95, 0.998)


#: Share of z-scores winsorised at each tail when estimating over-dispersion.
WINSOR_SHARE = 0.10


# ===================================================================== funnel
def _exact_limit(p: float, denominator: np.ndarray, target: float, family: Kind) -> np.ndarray:
    """Spiegelhalter's (2005, appendix) interpolated exact limit at probability ``p``.

    ``r`` is the ``p`` quantile of the count (the smallest ``r`` with
    ``P(R <= r) >= p``); the limit is ``(r - a) / n`` with
    ``a = (P(R <= r) - p) / (P(R <= r) - P(R <= r - 1))``, which joins the
    steps of the discrete quantile into a smooth curve. Limits below zero (or
    above one for a proportion) are clipped.
    """
    n = np.asarray(denominator, dtype=float)
    dist = stats.binom(n, target) if family == "binomial" else stats.poisson(target * n)
    r = dist.ppf(p)
    at_r, below_r = dist.cdf(r), dist.cdf(r - 1)
    share = (at_r - p) / (at_r - below_r)
    limit = np.clip((r - share) / n, 0.0, None)
    return np.minimum(limit, 1.0) if family == "binomial" else limit


def funnel_limits(
    denominator: Sequence[float] | np.ndarray,
    *,
    target: float,
    family: Kind = "binomial",
    phi: float = 1.0,
    tau2: float = 0.0,
    levels: Sequence[float] = FUNNEL_LEVELS,
) -> pd.DataFrame:
    """Lower and upper funnel limits at each denominator.

    With ``phi == 1`` and ``tau2 == 0`` the limits are exact (interpolated
    binomial or Poisson quantiles, Spiegelhalter 2005). Otherwise they are
    normal: ``target +/- z * sqrt(phi * s^2 + tau2)`` with ``s`` the
    sampling standard error of a rate at that denominator.

    Returns
    -------
    pandas.DataFrame
        ``denominator`` and ``lower_<level>``/``upper_<level>`` for each level
        (e.g. ``lower_95``, ``upper_998``).

    Examples
    --------
    >>> funnel_limits([100], target=0.5).round(4).iloc[0].tolist()
    [100.0, 0.3968, 0.5932, 0.3412, 0.6488]
    """
    n = np.asarray(denominator, dtype=float)
    if not (np.isfinite(n).all() and (n > 0).all()):
        raise ValueError("Each denominator must be a positive, finite number.")
    upper_bound = 1.0 if family == "binomial" else math.inf
    if not (np.isfinite(target) and 0 < target < upper_bound):
        kind = "a proportion between 0 and 1" if family == "binomial" else "positive"
        raise ValueError(
            f"target is a rate per person ({kind}); it was {target}. A percentage must be "
            "divided by 100."
        )
    out = pd.DataFrame({"denominator": n})
    exact = phi <= 1.0 and tau2 <= 0.0
    sd = np.sqrt(phi * _sampling_sd(target, n, family) ** 2 + tau2)
    for level in levels:
        tag = _level_tag(level)
        tail = (1 - level) / 2
        if exact:
            out[f"lower_{tag}"] = _exact_limit(tail, n, target, family)
            out[f"upper_{tag}"] = _exact_limit(1 - tail, n, target, family)
        else:
            z = stats.norm.ppf(1 - tail)
            out[f"lower_{tag}"] = np.clip(target - z * sd, 0.0, None)
            upper = target + z * sd
            out[f"upper_{tag}"] = np.minimum(upper, 1.0) if family == "binomial" else upper
    return out


def _level_tag(level: float) -> str:
    """95 for 0.95, 998 for 0.998: the digits after the point."""
    return f"{level:.6f}".split(".")[1].rstrip("0")


def _overdispersion(
    z: np.ndarray, sd: np.ndarray, estimated_target: bool
) -> tuple[float, float, float]:
    """Spiegelhalter's winsorised phi, the additive tau^2 (DL on the z-scale) and phi's p-value.

    The 10% most extreme z-scores at each end are set to the 10th and 90th
    percentile values (``scipy.stats.mstats.winsorize``) so that a few real
    outliers do not inflate phi. ``tau2 = (I phi - (I - 1)) / (sum w - sum w^2 /
    sum w)`` with ``w = 1 / s^2`` (Spiegelhalter 2005, DerSimonian-Laird form).
    """
    count = len(z)
    winsorised = np.asarray(mstats.winsorize(z, limits=(WINSOR_SHARE, WINSOR_SHARE)))
    phi = float(np.mean(winsorised**2))
    weights = 1.0 / sd**2
    scale = weights.sum() - np.sum(weights**2) / weights.sum()
    tau2 = max(0.0, float((count * phi - (count - 1)) / scale))
    df = count - 1 if estimated_target else count
    return phi, tau2, float(stats.chi2.sf(count * phi, df))


@dataclass(frozen=True, kw_only=True, eq=False)
class FunnelResult(Result):
    """Funnel-plot limits around a target, and which units fall outside them.

    Attributes
    ----------
    target
        The rate the limits are drawn around (the pooled rate by default).
    family
        ``"binomial"`` (a proportion) or ``"poisson"`` (a rate per person-time
        or an observed/expected ratio).
    overdispersion
        ``None``, ``"multiplicative"`` or ``"additive"``.
    phi, tau2, dispersion_p_value
        The winsorised over-dispersion factor, the additive between-unit
        variance and the p-value of a chi-squared test of ``phi = 1``; phi and
        tau2 are always estimated, and used only if asked for.
    table
        One row per unit (a copy); see :func:`funnel`.
    """

    target: float
    family: str
    overdispersion: str | None
    phi: float
    tau2: float
    dispersion_p_value: float
    _table: pd.DataFrame = field(repr=False)

    table = CopiedFrame("_table", "One row per unit, with rate, z-score, its limits and flags.")

    @property
    def outside(self) -> pd.DataFrame:
        """Units outside the 95% limits, most extreme z-score first."""
        flagged = self._table[self._table["flag_95"] != "within"]
        return flagged.reindex(flagged["z"].abs().sort_values(ascending=False).index).copy()

    def limits(self, denominator: Sequence[float] | np.ndarray) -> pd.DataFrame:
        """The limits of this funnel at other denominators (e.g. a grid for a picture)."""
        phi = self.phi if self.overdispersion == "multiplicative" else 1.0
        tau2 = self.tau2 if self.overdispersion == "additive" else 0.0
        return funnel_limits(
            denominator,
            target=self.target,
            family="poisson" if self.family == "poisson" else "binomial",
            phi=max(phi, 1.0),
            tau2=tau2,
        )

    def tidy(self) -> pd.DataFrame:
        """One row per unit: ``term`` (unit), ``estimate`` (rate), limits and flags."""
        columns = {"term": "unit", "estimate": "rate", "n_obs": "denominator"}
        kept = ("z", "lower_95", "upper_95", "lower_998", "upper_998", "flag_95", "flag_998")
        return tidy_columns(self._table, columns, *kept)

    def summary(self) -> str:
        """Target, over-dispersion and counts of units outside each limit."""
        flags = self._table
        lines = [
            super().summary(),
            f"  over-dispersion: phi = {self.phi:.3g} (p = {self.dispersion_p_value:.3g}), "
            f"tau^2 = {self.tau2:.3g}; limits use {self.overdispersion or 'none'}",
            f"  outside 95% limits: {int((flags['flag_95'] != 'within').sum())} of {len(flags)}; "
            f"outside 99.8%: {int((flags['flag_998'] != 'within').sum())}",
        ]
        return "\n".join(lines)

    def plot(self, *, ax: Axes | None = None, label_outliers: int = 8) -> Axes:
        """Funnel plot: rates against denominators, limits, and labelled outliers.

        Rates are drawn in per cent. At most ``label_outliers`` units outside the
        99.8% limits (else the 95% limits) are labelled.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        import matplotlib.ticker as mticker

        from evaluation.report import style

        ax = style.axes(ax, (8, 5))
        table = self._table
        grid = np.unique(
            np.geomspace(table["denominator"].min(), table["denominator"].max(), 300).round()
        )
        curves = self.limits(grid)
        for tag, dashes in (("95", "--"), ("998", "-")):
            for side in ("lower", "upper"):
                ax.plot(
                    grid,
                    100 * curves[f"{side}_{tag}"],
                    color="#444444",
                    lw=1,
                    ls=dashes,
                    label=f"{'95%' if tag == '95' else '99.8%'} limits"
                    if side == "lower"
                    else None,
                )
        ax.axhline(100 * self.target, color="#444444", lw=0.8, ls=":", label="Target")
        colours = table["flag_998"].map(
            {"above": "#D55E00", "below": "#0072B2", "within": "#999999"}
        )
        colours = colours.where(
            table["flag_998"] != "within",
            table["flag_95"].map({"above": "#E69F00", "below": "#56B4E9", "within": "#999999"}),
        )
        ax.scatter(
            table["denominator"],
            100 * table["rate"],
            c=colours,
            s=22,
            zorder=3,
            edgecolor="white",
            lw=0.4,
        )
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(mticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda x, _: f"{x:,.0f}"))
        ax.xaxis.set_minor_formatter(mticker.NullFormatter())
        outside = self.outside
        labelled = outside[outside["flag_998"] != "within"]
        if labelled.empty:
            labelled = outside
        for number, (_, row) in enumerate(labelled.head(label_outliers).iterrows()):
            ax.annotate(
                str(row["unit"]),
                (row["denominator"], 100 * row["rate"]),
                fontsize=8,
                # alternate right-above and left-below, so neighbouring labels stay legible
                xytext=(4, 4) if number % 2 == 0 else (-4, -11),
                ha="left" if number % 2 == 0 else "right",
                textcoords="offset points",
            )
        ax.legend(frameon=False, fontsize=9, loc="best")
        return style.finish(
            ax,
            title="Funnel plot: rates against the number at risk",
            xlabel="Number at risk (count, log scale)",
            ylabel="Rate (%)",
            source=style.DEFAULT_SOURCE,
        )


def _flag(rate: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    return np.where(rate > upper, "above", np.where(rate < lower, "below", "within"))


def funnel(
    data: pd.DataFrame,
    *,
    unit: str,
    events: str,
    denominator: str,
    target: float | None = None,
    family: Kind = "binomial",
    overdispersion: Literal["multiplicative", "additive"] | None = None,
) -> FunnelResult:
    """Funnel-plot control limits for units' rates, with over-dispersion if asked.

    A unit's rate is ``events / denominator``: a proportion (``family="binomial"``,
    e.g. care leavers in work or education out of all care leavers) or a rate
    per unit of exposure (``family="poisson"``: person-years, or expected
    counts, which makes the rate an observed/expected ratio with target 1).
    The 95% and 99.8% limits around the target are exact (Spiegelhalter 2005):
    a unit outside the 99.8% limits would be there by chance about once in 500
    if it performed at the target.

    Over-dispersion: real systems differ more than chance allows, and then
    many units fall outside exact limits. Spiegelhalter's remedies are
    estimated from 10% winsorised z-scores ``z_i = (y_i - target) / s_i``:
    ``"multiplicative"`` widens the limits by ``sqrt(phi)``, with
    ``phi = mean(z_w^2)``; ``"additive"`` adds a between-unit variance
    ``tau^2`` (DerSimonian-Laird on the z-scale). Limits are not narrowed when
    ``phi <= 1``: the exact limits are kept and a note says so.

    Parameters
    ----------
    data
        One row per unit.
    unit, events, denominator
        Column names: the unit label, the count of events, the denominator.
    target
        The rate to compare with (default: the pooled rate, total events over
        total denominator).
    family
        ``"binomial"`` or ``"poisson"``.
    overdispersion
        ``None`` (exact limits), ``"multiplicative"`` or ``"additive"``.

    Returns
    -------
    FunnelResult
        Headline: the target with its binomial (or Poisson) standard error.
        ``table`` columns: ``unit, events, denominator, rate, expected, z,
        lower_95, upper_95, lower_998, upper_998, flag_95, flag_998`` (flags
        are ``"above"``, ``"below"`` or ``"within"``).

    Raises
    ------
    ValueError
        Missing, negative or impossible counts, zero denominators, duplicate units.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"council": list("ABC"), "yes": [45, 520, 10],
    ...                    "n": [100, 1000, 50]})
    >>> fit = funnel(df, unit="council", events="yes", denominator="n")
    >>> fit.table["flag_998"].tolist()
    ['within', 'within', 'below']
    """
    if family not in ("binomial", "poisson"):
        raise ValueError(f"family must be 'binomial' or 'poisson'; it was {family!r}.")
    if overdispersion not in (None, "multiplicative", "additive"):
        raise ValueError(
            "overdispersion must be None, 'multiplicative' or 'additive'; "
            f"it was {overdispersion!r}."
        )
    _check_counts(data, unit=unit, events=events, denominator=denominator, family=family)
    count = data[events].to_numpy(dtype=float)
    n = data[denominator].to_numpy(dtype=float)
    pooled = _pooled_rate(count, n)
    theta = pooled if target is None else float(target)
    if family == "binomial" and not 0 < theta < 1:
        raise ValueError(f"A binomial target must lie strictly between 0 and 1; it is {theta}.")
    if family == "poisson" and theta <= 0:
        raise ValueError(f"A Poisson target must be positive; it is {theta}.")
    rate = count / n
    sd = _sampling_sd(theta, n, family)
    z = (rate - theta) / sd
    phi, tau2, phi_p = _overdispersion(z, sd, estimated_target=target is None)
    notes = [f"target = {'pooled rate' if target is None else 'given'} {theta:.4g}"]
    used_phi = phi if overdispersion == "multiplicative" else 1.0
    used_tau2 = tau2 if overdispersion == "additive" else 0.0
    if overdispersion and max(used_phi - 1.0, used_tau2) <= 0:
        notes.append(f"no over-dispersion found (phi = {phi:.3g}): exact limits kept")
    limits = funnel_limits(n, target=theta, family=family, phi=max(used_phi, 1.0), tau2=used_tau2)
    table = pd.DataFrame(
        {
            "unit": data[unit].to_numpy(),
            "events": count,
            "denominator": n,
            "rate": rate,
            "expected": theta * n,
            "z": (rate - theta) / np.sqrt(max(used_phi, 1.0) * sd**2 + used_tau2),
        }
    )
    for tag in ("95", "998"):
        table[f"lower_{tag}"] = limits[f"lower_{tag}"].to_numpy()
        table[f"upper_{tag}"] = limits[f"upper_{tag}"].to_numpy()
    for tag in ("95", "998"):
        table[f"flag_{tag}"] = _flag(
            rate, table[f"lower_{tag}"].to_numpy(), table[f"upper_{tag}"].to_numpy()
        )
    limit_kind = "exact" if used_phi <= 1 and used_tau2 == 0 else overdispersion
    target_se = float(_sampling_sd(theta, np.array([n.sum()]), family)[0])
    return FunnelResult(
        **interval_only(theta, target_se),
        n_obs=len(table),
        method=f"Funnel plot ({family}, {limit_kind} limits)",
        estimand="target rate",
        notes=tuple(notes),
        target=theta,
        family=family,
        overdispersion=overdispersion,
        phi=phi,
        tau2=tau2,
        dispersion_p_value=phi_p,
        _table=table,
    )


# ========================================================= missing denominators
def smallest_denominator(
    rates: Sequence[float] | np.ndarray | pd.Series,
    *,
    decimals: int = 2,
    scale: float = 100.0,
    max_denominator: int = 5_000,
) -> np.ndarray:
    """The smallest whole denominator consistent with each published, rounded rate.

    A rate published as 40.63% to two decimals must be ``100 k / n`` for some
    whole ``k`` and ``n`` that round to it; the smallest such ``n`` (here 32,
    as 13/32 = 40.625%) is a *lower bound* on the true denominator, not an
    estimate of it: 13/32, 26/64 and 39/96 all round to 40.63%. Because funnel
    limits narrow as the denominator grows, a unit outside limits drawn at
    this lower bound is outside them at its true denominator too: the bound
    gives conservative limits where a publisher withholds the denominator.

    Parameters
    ----------
    rates
        Published rates (missing values give NaN).
    decimals
        Decimal places the rates were rounded to.
    scale
        100 for percentages, 1 for proportions, 1000 for rates per thousand.
    max_denominator
        Largest denominator searched; NaN when none up to it fits.

    Examples
    --------
    >>> smallest_denominator([40.63, 50.0, 32.61]).tolist()
    [32.0, 2.0, 46.0]
    """
    values = np.asarray(rates, dtype=float)
    outside = np.isinf(values) | (values < 0) | (values > scale)
    if outside.any():
        raise ValueError(
            f"Rates lie between 0 and scale={scale:g}; positions "
            f"{np.flatnonzero(outside)[:5].tolist()} do not."
        )
    result = np.full(values.shape, np.nan)
    tolerance = 0.5 * 10.0 ** (-decimals) + 1e-9
    pending = np.isfinite(values)
    for n in range(1, max_denominator + 1):
        if not pending.any():
            break
        k = np.round(values[pending] * n / scale)
        fits = np.abs(scale * k / n - values[pending]) <= tolerance
        index = np.flatnonzero(pending)[fits]
        result[index] = n
        pending[index] = False
    return result
