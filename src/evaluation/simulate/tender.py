"""Simulated tenders: how splitting a contract into lots changes who bids and what it costs.

The story, on one page. A commissioner buys a service worth ``total_value``
(its budget; 100 by default, so every figure reads as per cent of the whole
contract) and splits it into ``L`` equal lots, each with a budget of
``total_value / L`` that also serves as the reserve price. A fixed pool of
potential bidders faces every lot structure:

* ``n_large`` national primes and ``n_small`` small or voluntary providers,
  each with an annual turnover drawn from a log-normal distribution (median
  ``turnover_large`` or ``turnover_small``, log standard deviation
  ``turnover_sigma``).
* **Financial standing.** A bidder passes selection for a lot only if its
  turnover is at least ``turnover_multiple`` times the lot's value. The
  Public Contracts Regulations 2015 (regulation 58) cap such a minimum
  turnover at twice the contract value, save in justified cases, hence the
  default of 2; with lots the test applies lot by lot, but may be set for a
  group of lots one bidder wins. With ``cumulative_standing`` the rule also
  limits the total value of lots a provider may hold (its capacity): lots are
  awarded in turn, and a winner can bid for a further lot only while
  turnover / multiple covers everything it holds plus the new lot.
* **Costs.** Delivering a lot costs a bidder ``fixed_cost`` (set-up and
  management, the same for every lot, so splitting repeats it: the economy of
  scale) plus the lot budget times a unit cost drawn uniformly between
  ``cost_low`` and ``cost_high`` for each bidder and lot; a small provider's
  unit cost is lower by ``sme_advantage`` (local knowledge and links).
* **Award.** Each lot is let by a lowest-price sealed-bid auction under the
  second-price rule: a bidder offers its cost if that is within the reserve,
  the lowest offer wins and is paid the second-lowest offer (or the reserve if
  it is alone). Under this rule bidding one's cost is a dominant strategy, and
  with symmetric bidders the expected price equals that of the first-price
  tender used in practice (revenue equivalence). A lot with no offer within
  the reserve is not let.
* **The commissioner** also spends ``transaction_cost`` per lot tendered
  (procurement and contract management).

The simulation knows every bidder's true cost, so it reports beside the price
the winners' true cost and the lowest cost at which anyone in the pool could
deliver each lot (ignoring the selection rule and the reserve). Every number
it produces is simulated; the defaults are illustrative, not estimates for
England.

Examples
--------
>>> result = tender(lots=(1, 8), replications=200, seed=3)
>>> result.by_lots["n_lots"].tolist()
[1, 8]
>>> bool((result.by_lots["small_bidders_per_lot"].diff().dropna() >= 0).all())
True
>>> result.lots.equals(tender(lots=(1, 8), replications=200, seed=3).lots)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from evaluation.report import style

__all__ = ["MEASURES", "TenderResult", "tender"]

#: The measures averaged over replications, with a plain description and unit.
MEASURES: dict[str, str] = {
    "eligible_per_lot": "bidders passing financial standing, per lot (count)",
    "large_eligible_per_lot": "large primes passing financial standing, per lot (count)",
    "small_eligible_per_lot": "small providers passing financial standing, per lot (count)",
    "bidders_per_lot": "bids received per lot (count)",
    "large_bidders_per_lot": "bids from large primes per lot (count)",
    "small_bidders_per_lot": "bids from small providers per lot (count)",
    "share_few_bids": "share of lots receiving fewer than two bids (0-1)",
    "share_unlet": "share of the contract's value left unlet (0-1)",
    "small_win_share": "share of the let value won by small providers (0-1)",
    "price": "price paid, per 100 of let value",
    "winners_cost": "winners' true cost, per 100 of let value",
    "lowest_cost": "lowest true cost in the pool, per 100 of let value",
    "fixed_costs": "fixed costs of the lots let, per 100 of let value",
    "transaction_costs": "commissioner's cost of tendering, per 100 of let value",
    "commissioner_total": "price plus tendering cost, per 100 of let value",
    "margin": "price less winners' cost, per 100 of let value",
    "n_winners": "distinct winners (count)",
    "hhi": "HHI of let value across winners (0-10,000)",
    "largest_share": "share of let value held by the largest winner (0-1)",
}


@dataclass(frozen=True)
class TenderResult:
    """Simulated tenders for several lot structures, with the truth beside the price.

    Attributes
    ----------
    by_lots
        One row per number of lots: ``n_lots``, ``lot_value``, ``replications``,
        ``nothing_let`` (replications in which no lot was let; their per-let-value
        measures are missing and left out of the means), and for each measure in
        :data:`MEASURES` its mean over replications and ``<measure>_se`` (the
        Monte Carlo standard error of that mean).
    replications
        One row per replication and number of lots, with every measure.
    lots
        One row per replication, number of lots and lot: ``rep``, ``n_lots``,
        ``lot``, ``value``, eligible and bidding counts by type, ``winner``
        (bidder index, -1 if unlet), ``winner_small``, ``price``,
        ``winner_cost`` and ``lowest_cost``.
    pool
        One row per replication and potential bidder: ``rep``, ``bidder`` (the
        index used in ``lots.winner``), ``small`` and ``turnover``.
    parameters
        The arguments of the simulation.
    """

    by_lots: pd.DataFrame
    replications: pd.DataFrame
    lots: pd.DataFrame
    pool: pd.DataFrame
    parameters: dict[str, Any] = field(default_factory=dict)

    def tidy(self) -> pd.DataFrame:
        """One row per number of lots and measure: ``n_lots, measure, mean, se, description``."""
        rows = [
            {
                "n_lots": int(row["n_lots"]),
                "measure": name,
                "mean": float(row[name]),
                "se": float(row[f"{name}_se"]),
                "description": text,
            }
            for _, row in self.by_lots.iterrows()
            for name, text in MEASURES.items()
        ]
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """A short text table of the headline measures (all simulated)."""
        shown = [
            "bidders_per_lot",
            "small_win_share",
            "price",
            "winners_cost",
            "commissioner_total",
            "share_few_bids",
            "largest_share",
        ]
        lines = [
            "Simulated tender (lowest-price, second-price rule); "
            f"{int(self.by_lots['replications'].iloc[0]):,} replications",
        ]
        lines.append(self.by_lots[["n_lots", *shown]].round(3).to_string(index=False))
        return "\n".join(lines)

    def plot(self, measure: str, *, ax: Axes | None = None, **line: Any) -> Axes:
        """Mean of ``measure`` against the number of lots, with 95% Monte Carlo bars.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        if measure not in MEASURES:
            raise ValueError(f"measure={measure!r} is not one of {list(MEASURES)}.")
        ax = style.axes(ax, (7, 4))
        frame = self.by_lots
        ax.errorbar(
            frame["n_lots"],
            frame[measure],
            yerr=1.96 * frame[f"{measure}_se"],
            marker="o",
            capsize=3,
            **line,
        )
        ax.set_xscale("log", base=2)
        ax.set_xticks(frame["n_lots"].tolist(), [str(n) for n in frame["n_lots"]])
        ax.minorticks_off()
        return style.finish(
            ax,
            title="Simulated tenders by number of lots, with 95% Monte Carlo intervals",
            xlabel="Number of lots (log scale)",
            ylabel=MEASURES[measure][:1].upper() + MEASURES[measure][1:],
            source="Source: simulated tenders (evaluation.simulate.tender).",
        )


# --------------------------------------------------------------------------- checks
def _check_lots(lots: Sequence[int]) -> tuple[int, ...]:
    values = tuple(lots)
    if not values:
        raise ValueError("lots must name at least one number of lots; it was empty.")
    for n in values:
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n <= 0:
            raise ValueError(f"lots must be positive whole numbers; it contained {n!r}.")
    if len(set(values)) != len(values):
        raise ValueError(f"lots must not repeat a number of lots; it was {values}.")
    return tuple(sorted(int(n) for n in values))


def _check_arguments(args: dict[str, Any]) -> None:
    for name in ("n_large", "n_small", "replications"):
        value = args[name]
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise ValueError(f"{name} must be a whole number of zero or more; it was {value!r}.")
    if args["n_large"] + args["n_small"] < 1:
        raise ValueError("n_large and n_small are both 0: there is no one to bid.")
    if args["replications"] < 2:
        raise ValueError(f"replications must be at least 2; it was {args['replications']}.")
    positive = ("total_value", "turnover_large", "turnover_small", "reserve")
    non_negative = ("turnover_sigma", "turnover_multiple", "fixed_cost", "transaction_cost")
    for name in positive + non_negative:
        value = float(args[name])
        if not np.isfinite(value) or value < 0 or (name in positive and value == 0):
            kind = "positive" if name in positive else "zero or more"
            raise ValueError(f"{name} must be a finite number, {kind}; it was {args[name]!r}.")
    if not 0 <= args["sme_advantage"] < 1:
        raise ValueError(
            f"sme_advantage is a share of unit cost in [0, 1); it was {args['sme_advantage']!r}."
        )
    low, high = args["cost_low"], args["cost_high"]
    if not (np.isfinite(low) and np.isfinite(high) and 0 <= low < high):
        raise ValueError(
            f"cost_low and cost_high must satisfy 0 <= cost_low < cost_high; they were "
            f"{low!r} and {high!r}."
        )


# --------------------------------------------------------------------------- one structure
def _one_structure(
    n_lots: int,
    turnover: np.ndarray,
    small: np.ndarray,
    p: dict[str, Any],
) -> pd.DataFrame:
    """Simulate every replication of one lot structure; one row per replication and lot."""
    reps, n_bidders = turnover.shape
    rng = np.random.default_rng(np.random.SeedSequence([p["seed"], n_lots]))
    budget = p["total_value"] / n_lots
    reserve = p["reserve"] * budget
    unit = p["cost_low"] + (p["cost_high"] - p["cost_low"]) * rng.random((reps, n_lots, n_bidders))
    unit = unit * np.where(small, 1.0 - p["sme_advantage"], 1.0)
    cost = p["fixed_cost"] + budget * unit
    multiple = p["turnover_multiple"]
    eligible = turnover >= multiple * budget
    capacity = (
        turnover / multiple
        if (p["cumulative_standing"] and multiple > 0)
        else np.full(turnover.shape, np.inf)
    )
    rows = np.arange(reps)
    tol = 1e-9 * budget
    out: dict[str, list[np.ndarray]] = {key: [] for key in _LOT_COLUMNS}
    for j in range(n_lots):
        c = cost[:, j, :]
        bids = eligible & (capacity >= budget - tol) & (c <= reserve)
        offers = np.where(bids, c, np.inf)
        padded = np.concatenate([offers, np.full((reps, 1), np.inf)], axis=1)
        two = np.partition(padded, 1, axis=1)[:, :2]
        n_bids = bids.sum(axis=1)
        let = n_bids > 0
        winner = np.where(let, offers.argmin(axis=1), -1)
        price = np.where(n_bids >= 2, two[:, 1], np.where(let, reserve, np.nan))
        capacity[rows[let], winner[let]] -= budget
        out["rep"].append(rows)
        out["lot"].append(np.full(reps, j + 1))
        out["large_eligible"].append((eligible & ~small).sum(axis=1))
        out["small_eligible"].append((eligible & small).sum(axis=1))
        out["large_bids"].append((bids & ~small).sum(axis=1))
        out["small_bids"].append((bids & small).sum(axis=1))
        out["winner"].append(winner)
        out["winner_small"].append(let & small[np.maximum(winner, 0)])
        out["price"].append(price)
        out["winner_cost"].append(np.where(let, two[:, 0], np.nan))
        out["lowest_cost"].append(c.min(axis=1))
    # stack lots as columns, so that rows run by replication and then by lot
    frame = pd.DataFrame({key: np.stack(parts, axis=1).ravel() for key, parts in out.items()})
    frame.insert(1, "n_lots", n_lots)
    frame.insert(3, "value", budget)
    return frame


_LOT_COLUMNS = (
    "rep",
    "lot",
    "large_eligible",
    "small_eligible",
    "large_bids",
    "small_bids",
    "winner",
    "winner_small",
    "price",
    "winner_cost",
    "lowest_cost",
)


def _per_replication(lots: pd.DataFrame, p: dict[str, Any]) -> pd.DataFrame:
    """Collapse lots to one row per replication and lot structure."""
    keys = ["n_lots", "rep"]
    lots = lots.assign(
        let=lots["winner"] >= 0,
        let_value=lambda d: d["value"] * d["let"],
        few=(lots["large_bids"] + lots["small_bids"]) < 2,
        eligible=lots["large_eligible"] + lots["small_eligible"],
        bids=lots["large_bids"] + lots["small_bids"],
        small_value=lots["value"] * lots["winner_small"],
        let_lowest=lots["lowest_cost"].where(lots["winner"] >= 0, 0.0),
    )
    g = lots.groupby(keys, sort=True)
    reps = g.agg(
        lots_let=("let", "sum"),
        value=("value", "sum"),
        let_value=("let_value", "sum"),
        small_value=("small_value", "sum"),
        price_sum=("price", "sum"),
        cost_sum=("winner_cost", "sum"),
        lowest_sum=("let_lowest", "sum"),
        eligible_per_lot=("eligible", "mean"),
        large_eligible_per_lot=("large_eligible", "mean"),
        small_eligible_per_lot=("small_eligible", "mean"),
        bidders_per_lot=("bids", "mean"),
        large_bidders_per_lot=("large_bids", "mean"),
        small_bidders_per_lot=("small_bids", "mean"),
        share_few_bids=("few", "mean"),
    )
    held = (
        lots[lots["let"]]
        .groupby([*keys, "winner"], sort=True)["value"]
        .sum()
        .rename("held")
        .reset_index()
    )
    held = held.merge(reps["let_value"].reset_index(), on=keys)
    held["share"] = held["held"] / held["let_value"]
    held["squared"] = (100 * held["share"]) ** 2
    concentration = held.groupby(keys).agg(
        n_winners=("winner", "size"),
        hhi=("squared", "sum"),
        largest_share=("share", "max"),
    )
    reps = reps.join(concentration)
    reps["n_winners"] = reps["n_winners"].fillna(0)
    per_100 = 100 / reps["let_value"].where(reps["let_value"] > 0)
    n_lots = reps.index.get_level_values("n_lots").to_numpy()
    reps["share_unlet"] = 1 - reps["let_value"] / reps["value"]
    reps["small_win_share"] = reps["small_value"] * per_100 / 100
    reps["price"] = reps["price_sum"] * per_100
    reps["winners_cost"] = reps["cost_sum"] * per_100
    reps["lowest_cost"] = reps["lowest_sum"] * per_100
    reps["fixed_costs"] = p["fixed_cost"] * reps["lots_let"] * per_100
    reps["transaction_costs"] = p["transaction_cost"] * n_lots * per_100
    reps["commissioner_total"] = reps["price"] + reps["transaction_costs"]
    reps["margin"] = reps["price"] - reps["winners_cost"]
    return reps.reset_index()[["n_lots", "rep", "lots_let", *MEASURES]]


def _summarise(reps: pd.DataFrame) -> pd.DataFrame:
    g = reps.assign(nothing_let=reps["lots_let"] == 0).groupby("n_lots", sort=True)
    means = g[list(MEASURES)].mean()
    counts = g[list(MEASURES)].count()
    ses = g[list(MEASURES)].std().div(counts.pow(0.5)).add_suffix("_se")
    head = g.agg(
        replications=("rep", "size"),
        nothing_let=("nothing_let", "sum"),
    )
    out = head.join(means).join(ses).reset_index()
    ordered = ["n_lots", "replications", "nothing_let"]
    for name in MEASURES:
        ordered += [name, f"{name}_se"]
    return out[ordered]


# --------------------------------------------------------------------------- public
def tender(
    lots: Sequence[int] = (1, 2, 4, 8, 16),
    *,
    n_large: int = 8,
    n_small: int = 40,
    total_value: float = 100.0,
    turnover_large: float = 400.0,
    turnover_small: float = 8.0,
    turnover_sigma: float = 0.8,
    turnover_multiple: float = 2.0,
    cumulative_standing: bool = True,
    cost_low: float = 0.75,
    cost_high: float = 1.05,
    fixed_cost: float = 0.5,
    sme_advantage: float = 0.05,
    transaction_cost: float = 0.25,
    reserve: float = 1.0,
    replications: int = 2_000,
    seed: int = 0,
) -> TenderResult:
    """Simulate tendering one contract as 1, 2, 4, ... equal lots.

    Parameters
    ----------
    lots
        Numbers of lots to compare (positive whole numbers, each once).
    n_large, n_small
        Potential bidders: large national primes and small or voluntary providers.
    total_value
        The whole contract's budget; each lot's budget (and value for the
        financial-standing rule) is ``total_value / L``.
    turnover_large, turnover_small
        Median annual turnover of each type, in the units of ``total_value``.
    turnover_sigma
        Standard deviation of log turnover (both types).
    turnover_multiple
        Turnover required per unit of lot value to pass selection (0 switches
        the rule off; Public Contracts Regulations 2015, reg. 58, cap it at 2).
    cumulative_standing
        Also limit the total value a provider may hold to turnover / multiple.
    cost_low, cost_high
        Range of the uniform unit cost, per unit of a lot's budget.
    fixed_cost
        Cost of setting up and running any one lot, whatever its size.
    sme_advantage
        Proportional saving in a small provider's unit cost, in [0, 1).
    transaction_cost
        The commissioner's cost of tendering and managing each lot.
    reserve
        Reserve price as a multiple of a lot's budget (offers above it are refused).
    replications
        Independent simulated tenders for each lot structure (at least 2).
    seed
        Seed; the bidder pool is shared by every lot structure (common random
        numbers), and each structure's cost draws depend only on ``seed`` and
        its number of lots, so the same arguments give the same result to the byte.

    Returns
    -------
    TenderResult
        Means by number of lots with Monte Carlo standard errors, and the
        replication- and lot-level frames behind them.

    Raises
    ------
    ValueError
        Naming the argument, for lots that are not positive whole numbers,
        negative counts, a share outside [0, 1), costs out of order, or
        non-finite or negative money amounts.
    """
    args = dict(locals())
    structures = _check_lots(lots)
    _check_arguments(args)
    args["lots"] = structures
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0]))
    small = np.r_[np.zeros(n_large, dtype=bool), np.ones(n_small, dtype=bool)]
    median = np.where(small, turnover_small, turnover_large)
    turnover = median * np.exp(turnover_sigma * rng.standard_normal((replications, len(small))))
    lot_frame = pd.concat(
        [_one_structure(n, turnover, small, args) for n in structures], ignore_index=True
    )
    reps = _per_replication(lot_frame, args)
    by_lots = _summarise(reps)
    by_lots.insert(1, "lot_value", total_value / by_lots["n_lots"])
    pool = pd.DataFrame(
        {
            "rep": np.repeat(np.arange(replications), len(small)),
            "bidder": np.tile(np.arange(len(small)), replications),
            "small": np.tile(small, replications),
            "turnover": turnover.ravel(),
        }
    )
    return TenderResult(
        by_lots=by_lots, replications=reps, lots=lot_frame, pool=pool, parameters=args
    )
