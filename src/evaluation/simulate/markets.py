"""Simulated care-home markets: towns inside councils, and a market drawn too wide.

The story: each council contains several towns, and residents (or their
families) choose a home in their own town, so the *true* local market is the
town. Each town has a handful of homes; some belong to national chains that
operate in many towns, the rest to local owners. An analyst with only council
identifiers computes concentration by council and sees many providers; a
resident in a town may face two or three. The generator knows each town's HHI,
so a page can set the council figure beside the truth.

All data are simulated; the numbers are illustrative, not calibrated to England.

Examples
--------
>>> homes = local_markets(n_councils=10, seed=1)
>>> sorted(homes.columns)
['beds', 'council', 'home', 'provider', 'town', 'town_hhi']
>>> homes.equals(local_markets(n_councils=10, seed=1))
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["local_markets"]


def local_markets(
    n_councils: int = 60,
    *,
    towns_per_council: int = 6,
    homes_per_town: float = 3.0,
    chains: int = 6,
    chain_share: float = 0.35,
    seed: int = 0,
) -> pd.DataFrame:
    """Care homes in towns within councils, with the true (town) concentration.

    Parameters
    ----------
    n_councils
        Number of councils.
    towns_per_council
        Towns in each council; each town is a separate local market.
    homes_per_town
        Mean number of homes in a town (at least one; Poisson above one).
    chains
        Number of national chains.
    chain_share
        Probability that a home belongs to a chain (one of ``chains`` at random)
        rather than to its own local owner.
    seed
        Seed of the random generator; the same arguments give the same frame.

    Returns
    -------
    pandas.DataFrame
        One row per home: ``home``, ``council``, ``town``, ``provider``,
        ``beds`` and ``town_hhi`` (the HHI of bed shares in the home's town,
        0-10,000: the concentration its residents face). ``attrs["true_effect"]``
        is the bed-weighted mean town HHI.
    """
    if n_councils < 1 or towns_per_council < 1 or homes_per_town < 1 or chains < 1:
        raise ValueError("Counts of councils, towns, homes and chains must be at least 1.")
    if not 0 <= chain_share <= 1:
        raise ValueError(f"chain_share is a probability; it was {chain_share}.")
    rng = np.random.default_rng(seed)
    n_towns = n_councils * towns_per_council
    homes_in_town = 1 + rng.poisson(homes_per_town - 1, n_towns)
    town = np.repeat(np.arange(n_towns), homes_in_town)
    n_homes = len(town)
    is_chain = rng.random(n_homes) < chain_share
    chain = rng.integers(0, chains, n_homes)
    provider = np.where(
        is_chain, [f"chain {c + 1}" for c in chain], [f"local {i + 1}" for i in range(n_homes)]
    )
    frame = pd.DataFrame(
        {
            "home": np.arange(1, n_homes + 1),
            "council": [f"council {t // towns_per_council + 1:02d}" for t in town],
            "town": [f"town {t + 1:03d}" for t in town],
            "provider": provider,
            "beds": 10 + rng.poisson(30, n_homes),
        }
    )
    provider_beds = frame.groupby(["town", "provider"])["beds"].transform("sum")
    town_beds = frame.groupby("town")["beds"].transform("sum")
    share_sq = (100 * provider_beds / town_beds) ** 2
    # each provider's squared share counted once per town: divide by its homes there
    homes_of_provider = frame.groupby(["town", "provider"])["beds"].transform("size")
    frame["town_hhi"] = (share_sq / homes_of_provider).groupby(frame["town"]).transform("sum")
    frame.attrs["true_effect"] = float(np.average(frame["town_hhi"], weights=frame["beds"]))
    return frame
