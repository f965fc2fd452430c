"""Rosenbaum bounds: how much hidden bias would a matched-pairs comparison survive?

In a study of matched pairs, Rosenbaum's sensitivity model lets an unrecorded
characteristic make one member of a pair up to Gamma times as likely as the other
to be the treated one (Gamma = 1: as good as random). For each Gamma, Wilcoxon's
signed-rank test then has a range of possible p-values; if even the largest (the
upper bound) is below alpha, a bias of that size could not explain the result
away. The Gamma at which the upper bound reaches alpha is the study's sensitivity.

The large-sample (normal) bounds here follow Rosenbaum (2002, Section 4.3.3) as
programmed in R's ``rbounds::psens``: pairs with no difference are dropped, tied
absolute differences get their average rank.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import optimize, stats

from evaluation.matching.neighbours import MatchingResult
from evaluation.report import style
from evaluation.results import CopiedFrame, require_columns, require_no_missing, require_numeric

__all__ = ["RosenbaumBounds", "matched_pairs", "rosenbaum_bounds"]

#: The Gammas reported when none are given.
DEFAULT_GAMMAS = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0)


def _upper_p(ranks: np.ndarray, statistic: float, gamma: float) -> float:
    p = gamma / (1 + gamma)
    z = (statistic - p * ranks.sum()) / np.sqrt(p * (1 - p) * np.sum(ranks**2))
    return float(stats.norm.sf(z))


def _lower_p(ranks: np.ndarray, statistic: float, gamma: float) -> float:
    return _upper_p(ranks, statistic, 1 / gamma)


@dataclass(frozen=True)
class RosenbaumBounds:
    """Bounds on Wilcoxon's signed-rank p-value under hidden bias of at most Gamma.

    Attributes
    ----------
    outcome
        The outcome compared within pairs.
    n_pairs
        Pairs with a non-zero difference (those the test uses).
    statistic
        Wilcoxon's signed-rank statistic: the sum of the ranks of the positive
        differences, in the direction tested.
    direction
        ``"treated higher"`` or ``"treated lower"``: the one-sided alternative, that of
        the observed median difference.
    alpha
        The test size.
    critical_gamma
        The Gamma at which the upper bound on the p-value reaches ``alpha`` (1.0 if
        the test is not significant even with no hidden bias).
    table
        One row per Gamma: ``gamma, p_lower, p_upper`` (a copy).
    """

    outcome: str
    n_pairs: int
    statistic: float
    direction: str
    alpha: float
    critical_gamma: float
    _table: pd.DataFrame = field(repr=False, compare=False)

    table = CopiedFrame("_table", "The p-value bounds at each Gamma (a copy).")

    def tidy(self) -> pd.DataFrame:
        """One row per Gamma: ``gamma, p_lower, p_upper, significant``."""
        return self._table.assign(significant=self._table["p_upper"] < self.alpha)

    def summary(self) -> str:
        """The statistic, the bounds and the critical Gamma."""
        lines = [
            f"Rosenbaum bounds, Wilcoxon signed-rank test (outcome: {self.outcome})",
            f"  {self.n_pairs} pairs with a difference; statistic {self.statistic:g}; "
            f"alternative: {self.direction}",
            f"  significant at {self.alpha:g} for hidden bias up to Gamma = "
            f"{self.critical_gamma:.2f}",
        ]
        lines += [
            f"  Gamma {row.gamma:g}: p between {row.p_lower:.4g} and {row.p_upper:.4g}"
            for row in self._table.itertuples()
        ]
        return "\n".join(lines)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """The upper bound on the p-value against Gamma, with ``alpha`` and the critical Gamma.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        ax = style.axes(ax, (7, 4.2))
        t = self._table
        ax.plot(t["gamma"], t["p_upper"], "o-", label="Upper bound on p-value")
        ax.axhline(self.alpha, color="C3", ls="--", lw=1.2, label=f"alpha = {self.alpha:g}")
        ax.axvline(
            self.critical_gamma,
            color="#555555",
            ls=":",
            lw=1.2,
            label=f"critical Gamma = {self.critical_gamma:.2f}",
        )
        ax.legend(loc="best", fontsize=9)
        return style.finish(
            ax,
            title="Rosenbaum bounds: the p-value as hidden bias grows",
            xlabel="Gamma (odds of treatment within a pair, hidden bias)",
            ylabel="Upper bound on the p-value (one-sided, 0-1)",
            source=style.DEFAULT_SOURCE,
        )


def rosenbaum_bounds(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    pair: str,
    gammas: Sequence[float] = DEFAULT_GAMMAS,
    alpha: float = 0.05,
) -> RosenbaumBounds:
    """Rosenbaum's sensitivity bounds for Wilcoxon's signed-rank test on matched pairs.

    Parameters
    ----------
    data
        Long format: two rows per pair, one treated (``treatment`` 1) and one control (0).
    outcome, treatment
        Column names; treatment is 0/1.
    pair
        Column identifying each pair.
    gammas
        Values of Gamma (at least 1) to report.
    alpha
        Test size, for the critical Gamma.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"y": [5, 1, 6, 2, 7, 2, 3, 4], "d": [1, 0] * 4,
    ...                       "pair": [1, 1, 2, 2, 3, 3, 4, 4]})
    >>> bounds = rosenbaum_bounds(frame, outcome="y", treatment="d", pair="pair", gammas=[1, 2])
    >>> bounds.n_pairs, bounds.statistic
    (4, 9.0)
    """
    require_columns(data, {"outcome": outcome, "treatment": treatment, "pair": pair})
    require_numeric(data, [outcome, treatment])
    require_no_missing(data, [outcome, treatment, pair])
    if not data[treatment].isin([0, 1]).all():
        raise ValueError(f"treatment={treatment!r} must be 0/1.")
    counts = data.groupby([pair, treatment]).size().unstack(fill_value=0)
    if counts.shape[1] != 2 or not ((counts[0] == 1) & (counts[1] == 1)).all():
        raise ValueError(
            f"Each value of pair={pair!r} must have exactly one treated and one control row."
        )
    gamma_values = np.asarray(list(gammas), dtype=float)
    if gamma_values.size == 0 or np.any(gamma_values < 1) or not np.all(np.isfinite(gamma_values)):
        raise ValueError("gammas must be finite numbers of at least 1.")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1; it was {alpha}.")
    wide = data.pivot(index=pair, columns=treatment, values=outcome)
    differences = (wide[1] - wide[0]).to_numpy(float)
    differences = differences[differences != 0]
    if differences.size < 2:
        raise ValueError("Fewer than two pairs differ in the outcome: there is nothing to test.")
    ranks = stats.rankdata(np.abs(differences))
    statistic = float(ranks[differences > 0].sum())
    lower = statistic < ranks.sum() / 2
    if lower:  # test in the direction of the observed difference
        statistic = float(ranks.sum() - statistic)
    table = pd.DataFrame(
        {
            "gamma": gamma_values,
            "p_lower": [_lower_p(ranks, statistic, g) for g in gamma_values],
            "p_upper": [_upper_p(ranks, statistic, g) for g in gamma_values],
        }
    )
    if _upper_p(ranks, statistic, 1.0) >= alpha:
        critical = 1.0
    else:
        high = 2.0
        while _upper_p(ranks, statistic, high) < alpha and high < 1e6:
            high *= 2
        critical = float(
            optimize.brentq(lambda g: _upper_p(ranks, statistic, g) - alpha, 1.0, high, xtol=1e-10)
        )
    return RosenbaumBounds(
        outcome=outcome,
        n_pairs=int(differences.size),
        statistic=statistic,
        direction="treated lower" if lower else "treated higher",
        alpha=float(alpha),
        critical_gamma=critical,
        _table=table,
    )


def matched_pairs(result: MatchingResult, data: pd.DataFrame) -> pd.DataFrame:
    """The pairs of a one-to-one matching without replacement, in long format.

    Returns the rows of ``data`` used, with a column ``pair`` (the treated unit's
    row label) for :func:`rosenbaum_bounds`.

    Examples
    --------
    >>> from evaluation import matching
    >>> from evaluation.simulate.matching import voluntary_programme
    >>> frame = voluntary_programme(n=600, seed=1)
    >>> fit = matching.nearest_neighbour(frame, outcome="reoffended", treatment="took_part",
    ...                                  covariates=["age", "employed"], replace=False)
    >>> pairs = matched_pairs(fit, frame)
    >>> len(pairs) == 2 * fit.n_treated
    True
    """
    if not isinstance(result, MatchingResult):
        raise TypeError("result must come from evaluation.matching.nearest_neighbour.")
    if result.replace or result.n_neighbours != 1 or result.estimand != "ATT":
        raise ValueError(
            "Rosenbaum bounds for pairs need one-to-one matching without replacement for the "
            "ATT: call nearest_neighbour(..., n_neighbours=1, replace=False)."
        )
    matches = result.matches
    treated = data.loc[matches["unit"]].assign(pair=matches["unit"].to_numpy())
    controls = data.loc[matches["match"]].assign(pair=matches["unit"].to_numpy())
    return pd.concat([treated, controls], ignore_index=True)
