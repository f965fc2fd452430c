"""How uncertain each league-table place is: simulated rank intervals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import stats

from evaluation.results import CopiedFrame, Result, tidy_columns

if TYPE_CHECKING:
    from matplotlib.axes import Axes
from evaluation.compare._counts import _check_counts
from evaluation.compare.shrinkage import _fit_beta_binomial

__all__ = ["RankResult", "rank_intervals"]


# ============================================================== rank intervals
@dataclass(frozen=True, kw_only=True, eq=False)
class RankResult(Result):
    """Simulated league-table places of each unit, with rank intervals at ``level``.

    Attributes
    ----------
    replications, seed
        Simulations drawn and the seed used.
    higher_is_better
        Whether rank 1 is the highest rate.
    n_confident_top, n_confident_bottom
        Units whose whole rank interval lies in the top (bottom) quarter.
    table
        One row per unit (a copy); see :func:`rank_intervals`.
    """

    replications: int
    seed: int
    higher_is_better: bool
    n_confident_top: int
    n_confident_bottom: int
    _table: pd.DataFrame = field(repr=False)

    table = CopiedFrame("_table", "One row per unit, best observed rank first.")

    def tidy(self) -> pd.DataFrame:
        """One row per unit: ``term`` (unit), ``estimate`` (median rank), rank interval."""
        columns = {"term": "unit", "estimate": "median_rank", "n_obs": "denominator"}
        bounds = {"ci_low": "rank_low", "ci_high": "rank_high"}
        kept = ("observed_rank", "p_top_quarter", "p_bottom_quarter")
        return tidy_columns(self._table, {**columns, **bounds}, *kept)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Caterpillar plot: each unit's rank interval at the fit's ``level``, by observed rank.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        from evaluation.report import style

        table = self._table.sort_values("observed_rank").reset_index(drop=True)
        ax = style.axes(ax, (9, 5))
        position = np.arange(1, len(table) + 1)
        quarter = len(table) / 4
        groups = {
            "Surely in the top quarter": (table["rank_high"] <= quarter, "#009E73"),
            "Surely in the bottom quarter": (table["rank_low"] > len(table) - quarter, "#D55E00"),
        }
        uncertain = ~(
            groups["Surely in the top quarter"][0] | groups["Surely in the bottom quarter"][0]
        )
        groups["Could be in more than one quarter"] = (uncertain, "#9A9A9A")
        for label, (chosen, colour) in groups.items():
            ax.vlines(
                position[chosen],
                table.loc[chosen, "rank_low"],
                table.loc[chosen, "rank_high"],
                colors=colour,
                lw=1.4,
                label=f"{label} ({int(chosen.sum())})",
            )
        ax.scatter(
            position,
            table["median_rank"],
            s=6,
            color="#000000",
            zorder=3,
            label="Median simulated rank",
        )
        for edge in (quarter, len(table) - quarter):
            ax.axhline(edge, color="#444444", lw=0.8, ls=":")
        ax.invert_yaxis()
        ax.legend(frameon=False, fontsize=9, loc="upper right")
        return style.finish(
            ax,
            title="Rank intervals: the league-table places each unit could hold",
            xlabel="Units, in order of observed rank",
            ylabel="Place in the league table (rank)",
            source=style.DEFAULT_SOURCE,
        )


def rank_intervals(
    data: pd.DataFrame,
    *,
    unit: str,
    events: str,
    denominator: str,
    replications: int = 1_000,
    seed: int = 0,
    method: Literal["posterior", "bootstrap"] = "posterior",
    higher_is_better: bool = True,
    level: float = 0.95,
) -> RankResult:
    """How uncertain each unit's league-table place is, by simulation.

    ``method="posterior"`` draws each unit's true rate from its empirical-Bayes
    beta posterior (see :func:`shrink`); ``"bootstrap"`` redraws each unit's
    count from a binomial at its own raw rate (a parametric bootstrap). Each
    of the ``replications`` draws is ranked (1 = best; ties share the average rank),
    all at once with numpy. The interval is the central ``level`` range of a
    unit's simulated ranks. Draws are assigned to units in order of
    denominator, events and label, so the order of the rows does not matter.

    Parameters
    ----------
    data
        One row per unit.
    unit, events, denominator
        Column names.
    replications
        Number of simulated league tables.
    seed
        Seed of numpy's generator: the same seed gives the same table to the byte.
    method
        ``"posterior"`` (default) or ``"bootstrap"``.
    higher_is_better
        Rank 1 is the highest rate (``True``) or the lowest (``False``).
    level
        Coverage of the rank interval.

    Returns
    -------
    RankResult
        Headline: the median width of the rank intervals, in places.
        ``table`` columns: ``unit, events, denominator, rate, observed_rank,
        median_rank, rank_low, rank_high, p_top_quarter, p_bottom_quarter``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": list("ABC"), "k": [10, 50, 90], "n": [100, 100, 100]})
    >>> rank_intervals(df, unit="unit", events="k", denominator="n", replications=200,
    ...                method="bootstrap").table["median_rank"].tolist()
    [1.0, 2.0, 3.0]
    """
    _check_counts(data, unit=unit, events=events, denominator=denominator)
    if replications < 10:
        raise ValueError(f"replications must be at least 10; it was {replications}.")
    if method not in ("posterior", "bootstrap"):
        raise ValueError(f"method must be 'posterior' or 'bootstrap'; it was {method!r}.")
    # Draws are assigned to units in a fixed order, so row order cannot change the result.
    data = data.sort_values([denominator, events, unit], kind="stable")
    count = data[events].to_numpy(dtype=float)
    n = data[denominator].to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    if method == "posterior":
        a, b, _ = _fit_beta_binomial(count, n)
        draws = rng.beta(a + count, b + n - count, size=(replications, len(n)))
    else:
        draws = rng.binomial(n.astype(np.int64), count / n, size=(replications, len(n))) / n
    sign = -1.0 if higher_is_better else 1.0
    ranks = stats.rankdata(sign * draws, axis=1)
    tail = (1 - level) / 2
    quarter = len(n) / 4
    table = pd.DataFrame(
        {
            "unit": data[unit].to_numpy(),
            "events": count,
            "denominator": n,
            "rate": count / n,
            "observed_rank": stats.rankdata(sign * count / n),
            "median_rank": np.median(ranks, axis=0),
            "rank_low": np.quantile(ranks, tail, axis=0, method="inverted_cdf"),
            "rank_high": np.quantile(ranks, 1 - tail, axis=0, method="inverted_cdf"),
            "p_top_quarter": (ranks <= quarter).mean(axis=0),
            "p_bottom_quarter": (ranks > len(n) - quarter).mean(axis=0),
        }
    ).sort_values("observed_rank", kind="stable", ignore_index=True)
    width = float(np.median(table["rank_high"] - table["rank_low"]))
    return RankResult(
        estimate=width,
        se=float("nan"),
        ci_low=float("nan"),
        ci_high=float("nan"),
        p_value=float("nan"),
        n_obs=len(table),
        method=f"Rank intervals ({method}, {replications:,} simulations, seed {seed})",
        estimand=f"median width of {round(100 * level)}% rank intervals (places)",
        level=level,
        replications=replications,
        seed=seed,
        higher_is_better=higher_is_better,
        n_confident_top=int((table["rank_high"] <= quarter).sum()),
        n_confident_bottom=int((table["rank_low"] > len(n) - quarter).sum()),
        _table=table,
    )
