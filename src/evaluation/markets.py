"""Market structure: shares, concentration, entry and exit, ownership mix.

A commissioner who relies on a market to deliver a public service needs to know
whether there is a market at all: how many providers a council can buy from, how
large the biggest are, and whether new providers come in when old ones leave.
This module measures that from a tidy table of providers (or homes) by market.

* :func:`shares` gives each provider's share of a market's capacity (beds,
  places, referrals...).
* :func:`hhi` gives the Herfindahl-Hirschman index on the competition
  authorities' 0-10,000 scale, the *equivalent number* of equal-sized providers
  (10,000 / HHI), the largest shares and the concentration band.
* :func:`concentration_ratio` gives CR_k, the combined share of the k largest.
* :func:`classify` puts an HHI in the UK competition authorities' bands:
  below :data:`UNCONCENTRATED_BELOW` (1,000) *unconcentrated*, above
  :data:`HIGHLY_CONCENTRATED_ABOVE` (2,000) *highly concentrated*, and
  *moderately concentrated* between (Competition Commission and Office of
  Fair Trading, *Merger Assessment Guidelines*, CC2 (Revised) / OFT1254, 2010,
  para. 5.3.5, adopted by the CMA; the European Commission's horizontal merger
  guidelines use the same 1,000 and 2,000 marks).
* :func:`flows` counts entrants, exits and churn between consecutive periods
  from a panel of which providers are present; :func:`flow_rates` turns
  published counts of entries, exits and stock into the same rates.
* :func:`ownership_mix` gives the share of homes or beds by ownership type.
* :func:`concentration_gradient` fits the cross-sectional association between
  concentration and an outcome such as the entry rate (OLS with robust or
  cluster-robust standard errors from statsmodels). It describes; it does not
  identify a causal effect.

Examples
--------
>>> import pandas as pd
>>> homes = pd.DataFrame({"council": ["A"] * 4, "provider": list("wxyz"), "beds": [10] * 4})
>>> table = hhi(homes, market="council", provider="provider", size="beds")
>>> table[["hhi", "equivalent_providers", "band"]].to_dict("records")
[{'hhi': 2500.0, 'equivalent_providers': 4.0, 'band': 'highly concentrated'}]
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from matplotlib.axes import Axes

from evaluation import cells
from evaluation.report import style
from evaluation.results import (
    CopiedFrame,
    Result,
    require_columns,
    require_full_rank,
    require_level,
    require_no_missing,
    require_numeric,
    require_unique,
)

__all__ = [
    "BANDS",
    "HIGHLY_CONCENTRATED_ABOVE",
    "UNCONCENTRATED_BELOW",
    "ConcentrationGradient",
    "classify",
    "concentration_gradient",
    "concentration_ratio",
    "equivalent_providers",
    "flow_rates",
    "flows",
    "hhi",
    "ownership_mix",
    "shares",
]

#: HHI below which a market is *unconcentrated* (CC/OFT Merger Assessment Guidelines 2010,
#: para. 5.3.5: a market with an HHI exceeding 1,000 "may be regarded as concentrated").
UNCONCENTRATED_BELOW = 1_000
#: HHI above which a market is *highly concentrated* (same guidelines: "exceeding 2,000").
HIGHLY_CONCENTRATED_ABOVE = 2_000
#: The three bands, from least to most concentrated.
BANDS = ("unconcentrated", "moderately concentrated", "highly concentrated")

#: The HHI scale: shares in per cent, squared and summed (a monopoly scores 10,000).
HHI_SCALE = 10_000


# --------------------------------------------------------------------------- checks
def _require_hhi_scale(values: pd.Series | np.ndarray, what: str = "An HHI") -> None:
    """Refuse HHIs outside 0-10,000, and HHIs that are all on the 0-1 scale.

    An HHI of 1 or less on the 0-10,000 scale would need 10,000 equal providers; a
    column whose every value is at most 1 is the 0-1 scale, which would make a band
    say "unconcentrated" for a monopoly and a slope 10,000 times too large.
    """
    numbers = np.asarray(values, dtype=float)
    numbers = numbers[~np.isnan(numbers)]
    if np.isinf(numbers).any() or (numbers < 0).any() or (numbers > HHI_SCALE).any():
        raise ValueError(f"{what} lies between 0 and {HHI_SCALE:,}; got values outside that range.")
    if len(numbers) and numbers.max() <= 1:
        raise ValueError(
            f"{what} here is at most {numbers.max():g}: that is the 0-1 scale (shares as "
            f"fractions). The handbook uses the 0-{HHI_SCALE:,} scale (shares in per cent): "
            f"multiply by {HHI_SCALE:,}."
        )


def _keys(market: str, time: str | None) -> list[str]:
    return [market] if time is None else [market, time]


def _check_sizes(data: pd.DataFrame, keys: list[str], size: str) -> None:
    """Sizes must be numeric, present and not negative; each market must have some."""
    require_numeric(data, [size])
    negative = data.index[data[size] < 0]
    if len(negative):
        shown = ", ".join(str(i) for i in negative[:5])
        raise ValueError(
            f"Column {size!r} has {len(negative)} negative value(s) (rows {shown}); "
            "a share of capacity needs sizes of zero or more."
        )
    totals = data.groupby(keys, observed=True, sort=False)[size].sum()
    _warn_if_shares_fall_short(data[size], totals, size)
    empty = totals.index[totals <= 0]
    if len(empty):
        raise ValueError(
            f"{len(empty)} market(s) have a total {size!r} of zero, e.g. {list(empty[:3])}: "
            "shares are undefined there. Drop those markets explicitly first."
        )


def _warn_if_shares_fall_short(values: pd.Series, totals: pd.Series, size: str) -> None:
    """Warn when a column named as shares (share, pct, percent) sums to less than the whole
    (1, or 100 when a value exceeds 1) in some market: rescaling it overstates the HHI when
    the missing share belongs to providers left out of the data. Sizes on any scale (beds,
    or beds in thousands) are shares of their total and need no warning."""
    if not any(word in size.lower() for word in ("share", "pct", "percent")):
        return
    whole = 100.0 if values.max() > 1 else 1.0
    if values.max() > whole:
        return
    short = totals.index[(totals > 0) & (totals < 0.995 * whole)]
    if len(short):
        warnings.warn(
            f"Column {size!r} looks like shares, and they sum to less than {whole:g} in "
            f"{len(short)} market(s), e.g. {list(short[:3])}. They are rescaled to sum to "
            f"{whole:g}; if the rest belongs to providers missing from the data, the HHI "
            "and shares are overstated. Add those providers, or pass sizes (beds, places).",
            UserWarning,
            stacklevel=4,
        )


def _prepared(
    data: pd.DataFrame, *, market: str, provider: str, size: str, time: str | None
) -> pd.DataFrame:
    require_columns(data, {"market": market, "provider": provider, "size": size, "time": time})
    keys = _keys(market, time)
    columns = [*keys, provider, size]
    require_no_missing(data, columns)
    _check_sizes(data, keys, size)
    return data.loc[:, columns]


def _provider_totals(
    records: object, *, market: str, provider: str, size: str | None, time: str | None
) -> pd.DataFrame:
    """Each provider's rows (and total size) by market, summed where the records live."""
    keys = [*_keys(market, time), provider]
    if size is None and "n" in keys:
        raise ValueError("A column named 'n' cannot be a key when rows are counted into 'n'.")
    table = cells.totals(records, keys=keys, size=size)
    return table if size is None else table.drop(columns="n")


# --------------------------------------------------------------------------- shares and HHI
def shares(
    data: pd.DataFrame,
    *,
    market: str,
    provider: str,
    size: str | None = None,
    time: str | None = None,
) -> pd.DataFrame:
    """Each provider's share of its market's capacity.

    Rows for the same provider in the same market (and period) are summed, so
    the data can have one row per home: a provider's share is the share of all
    its homes' beds. With no ``size``, each row counts once: one row per person
    placed gives each provider's share of the people placed.

    Parameters
    ----------
    data
        One row per provider, or per home with its provider, and market (or one
        row per person placed): a pandas frame, or records in another engine (a
        polars frame, a DuckDB relation, a PySpark DataFrame), whose provider
        totals are taken where they live (:func:`evaluation.cells.totals`).
    market, provider, size
        Columns naming the market (e.g. council), the provider (the owner, not
        the home) and its capacity (e.g. beds, a non-negative number). Without
        ``size`` rows are counted, into a column ``n``.
    time
        Optional column of periods: shares are computed within each market and period.

    Returns
    -------
    pandas.DataFrame
        One row per market (and period) and provider: the key columns, ``size``
        (summed; ``n`` when rows are counted) and ``share`` (0-1), largest share
        first within each market.

    Examples
    --------
    >>> import pandas as pd
    >>> homes = pd.DataFrame({"la": ["A"] * 3, "owner": ["p", "p", "q"], "beds": [30, 10, 40]})
    >>> shares(homes, market="la", provider="owner", size="beds")["share"].tolist()
    [0.5, 0.5]

    One row per person placed, in DuckDB:

    >>> import duckdb
    >>> placed = duckdb.sql("SELECT 'A' AS la, CASE WHEN i < 3 THEN 'p' ELSE 'q' END AS owner "
    ...                     "FROM range(4) t(i)")
    >>> shares(placed, market="la", provider="owner")[["owner", "n", "share"]]
      owner  n  share
    0     p  3   0.75
    1     q  1   0.25
    """
    if size is None or not isinstance(data, pd.DataFrame):
        data = _provider_totals(data, market=market, provider=provider, size=size, time=time)
        size = size or "n"
    frame = _prepared(data, market=market, provider=provider, size=size, time=time)
    keys = _keys(market, time)
    summed = frame.groupby([*keys, provider], observed=True, sort=True)[size].sum().reset_index()
    totals = summed.groupby(keys, observed=True)[size].transform("sum")
    summed["share"] = summed[size] / totals
    ordered = summed.sort_values(
        [*keys, "share", provider], ascending=[True] * len(keys) + [False, True]
    )
    return ordered.reset_index(drop=True)


def equivalent_providers(
    hhi_values: pd.Series | np.ndarray | float,
) -> pd.Series | np.ndarray | float:
    """Number of equal-sized providers that would give the same HHI: ``10,000 / HHI``.

    Examples
    --------
    >>> float(equivalent_providers(2_500.0))
    4.0
    """
    values = np.asarray(hhi_values, dtype=float)
    _require_hhi_scale(values)
    if np.any(values <= 0) or np.isnan(values).any():
        raise ValueError(f"An HHI lies in (0, {HHI_SCALE:,}] on the 0-10,000 scale.")
    result = HHI_SCALE / values
    if isinstance(hhi_values, pd.Series):
        return pd.Series(result, index=hhi_values.index, name="equivalent_providers")
    return result if result.ndim else float(result)


def classify(hhi_values: pd.Series | Sequence[float] | np.ndarray) -> pd.Series:
    """The competition authorities' concentration band of each HHI (0-10,000 scale).

    ``hhi < 1,000`` is *unconcentrated*, ``hhi > 2,000`` *highly concentrated*
    and anything from 1,000 to 2,000 inclusive *moderately concentrated*
    (CC/OFT Merger Assessment Guidelines, 2010, para. 5.3.5). Missing values
    stay missing.

    Examples
    --------
    >>> classify([500, 1_000, 2_000, 2_500]).tolist()
    ['unconcentrated', 'moderately concentrated', 'moderately concentrated', 'highly concentrated']
    """
    values = pd.Series(hhi_values, dtype=float)
    _require_hhi_scale(values)
    band = np.select(
        [values < UNCONCENTRATED_BELOW, values > HIGHLY_CONCENTRATED_ABOVE, values.notna()],
        [BANDS[0], BANDS[2], BANDS[1]],
        default="",
    )
    labels = pd.Series(band, index=values.index).replace("", None)
    out = pd.Series(pd.Categorical(labels, categories=BANDS, ordered=True), index=values.index)
    return out.rename("band")


def hhi(
    data: pd.DataFrame,
    *,
    market: str,
    provider: str,
    size: str | None = None,
    time: str | None = None,
) -> pd.DataFrame:
    """Herfindahl-Hirschman index of each market on the 0-10,000 scale.

    The HHI is the sum of the squared percentage shares of all providers: 10,000
    for a monopoly, 2,500 for four equal providers, near zero for many small ones.

    Parameters
    ----------
    data, market, provider, size, time
        As :func:`shares`: records in any engine, and one row per person placed
        when ``size`` is not given.

    Returns
    -------
    pandas.DataFrame
        One row per market (and period): ``n_providers``, ``total`` (summed
        size), ``hhi``, ``equivalent_providers`` (10,000 / HHI), ``cr1`` (the
        largest share, 0-1) and ``band`` (see :func:`classify`).

    Examples
    --------
    >>> import pandas as pd
    >>> two = pd.DataFrame({"m": ["A", "A"], "p": ["x", "y"], "beds": [75, 25]})
    >>> hhi(two, market="m", provider="p", size="beds")["hhi"].item()
    6250.0
    """
    table = shares(data, market=market, provider=provider, size=size, time=time)
    keys = _keys(market, time)
    grouped = table.groupby(keys, observed=True, sort=True)
    out = grouped.agg(
        n_providers=(provider, "size"),
        total=(size or "n", "sum"),
        hhi=("share", lambda s: float(np.sum(np.square(s.to_numpy() * 100)))),
        cr1=("share", "max"),
    ).reset_index()
    out["equivalent_providers"] = HHI_SCALE / out["hhi"]
    out["band"] = classify(out["hhi"]).to_numpy()
    return out[[*keys, "n_providers", "total", "hhi", "equivalent_providers", "cr1", "band"]]


def concentration_ratio(
    data: pd.DataFrame,
    *,
    market: str,
    provider: str,
    size: str,
    k: int = 4,
    time: str | None = None,
) -> pd.DataFrame:
    """CR_k: the combined share (0-1) of the ``k`` largest providers in each market.

    A market with fewer than ``k`` providers has CR_k = 1.

    Examples
    --------
    >>> import pandas as pd
    >>> five = pd.DataFrame({"m": ["A"] * 5, "p": list("abcde"), "beds": [40, 20, 20, 10, 10]})
    >>> cr2 = concentration_ratio(five, market="m", provider="p", size="beds", k=2)
    >>> round(cr2["cr2"].item(), 6)
    0.6
    """
    if not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a whole number of providers, 1 or more; it was {k!r}.")
    table = shares(data, market=market, provider=provider, size=size, time=time)
    keys = _keys(market, time)
    top = table.groupby(keys, observed=True, sort=True).head(int(k))
    out = top.groupby(keys, observed=True, sort=True)["share"].sum().clip(upper=1.0)
    return out.rename(f"cr{k}").reset_index()


# --------------------------------------------------------------------------- entry and exit
def flows(data: pd.DataFrame, *, market: str, provider: str, time: str) -> pd.DataFrame:
    """Entry, exit and churn of providers between consecutive periods, by market.

    Parameters
    ----------
    data
        One row for each provider (or home) present in a market in a period.
        Presence is all that counts: a row means "operating in that period".
    market, provider, time
        Column names. Periods must sort in time order (numbers or dates); the
        consecutive pairs are taken over all periods in the data, so a market
        with no provider in a period has every incumbent exit.

    Returns
    -------
    pandas.DataFrame
        One row per market and period after the first: ``previous`` (the period
        before), ``incumbents`` (present in the previous period), ``entrants``
        (present now, not before), ``exits`` (present before, not now),
        ``present`` (now), and the rates ``entry_rate``, ``exit_rate`` and
        ``churn_rate`` (entrants plus exits), each per incumbent (missing when
        there were no incumbents).

    Raises
    ------
    ValueError
        Missing values, or a provider listed twice in the same market and period.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({"m": ["A"] * 5, "home": ["a", "b", "a", "b", "c"],
    ...                       "year": [1, 1, 2, 2, 2]})
    >>> flows(panel, market="m", provider="home", time="year")[
    ...     ["incumbents", "entrants", "exits", "entry_rate"]].to_dict("records")
    [{'incumbents': 2, 'entrants': 1, 'exits': 0, 'entry_rate': 0.5}]
    """
    require_columns(data, {"market": market, "provider": provider, "time": time})
    require_no_missing(data, [market, provider, time])
    require_unique(data, [market, provider, time])
    periods = np.sort(data[time].unique())
    if len(periods) < 2:
        raise ValueError(
            f"Column {time!r} has {len(periods)} period(s); entry and exit need at least two."
        )
    present = pd.crosstab([data[market], data[provider]], data[time]).reindex(
        columns=periods, fill_value=0
    )
    present = present.gt(0)
    rows = []
    for before, now in zip(periods[:-1], periods[1:], strict=True):
        was, is_ = present[before], present[now]
        counts = (
            pd.DataFrame(
                {
                    "incumbents": was,
                    "entrants": is_ & ~was,
                    "exits": was & ~is_,
                    "present": is_,
                }
            )
            .groupby(level=0)
            .sum()
        )
        counts.insert(0, "previous", before)
        counts.insert(0, time, now)
        rows.append(counts)
    out = pd.concat(rows).rename_axis(market).reset_index()
    return _add_rates(out, start="incumbents")


def _add_rates(frame: pd.DataFrame, *, start: str) -> pd.DataFrame:
    base = frame[start].astype(float).where(frame[start] > 0)
    frame["entry_rate"] = frame["entrants"] / base
    frame["exit_rate"] = frame["exits"] / base
    frame["churn_rate"] = (frame["entrants"] + frame["exits"]) / base
    return frame


def flow_rates(
    data: pd.DataFrame, *, market: str, time: str, entries: str, exits: str, stock: str
) -> pd.DataFrame:
    """Entry, exit and churn rates from published counts of entries, exits and stock.

    The rates are per unit of stock at the *start* of the period, which is the
    closing stock less the period's net change: ``start = stock - entries + exits``.
    This needs no previous row, so a market that is absent in a period (no
    entries, no exits) breaks nothing.

    Parameters
    ----------
    data
        One row per market and period with counts.
    market, time
        Key columns (one row per pair).
    entries, exits, stock
        Counts of entrants, exits, and the stock at the end of the period.

    Returns
    -------
    pandas.DataFrame
        ``data`` with ``entrants`` and ``exits`` (copies of the counts), ``start``
        (stock at the start) and ``entry_rate``, ``exit_rate``, ``churn_rate``
        (per unit of starting stock; missing where the start was zero, as when
        the first period counts every existing home as an entry).

    Examples
    --------
    >>> import pandas as pd
    >>> counts = pd.DataFrame({"la": ["A"], "wave": [1], "new": [2], "closed": [1], "homes": [41]})
    >>> flow_rates(counts, market="la", time="wave", entries="new", exits="closed",
    ...            stock="homes")[["start", "entry_rate"]].to_dict("records")
    [{'start': 40, 'entry_rate': 0.05}]
    """
    require_columns(
        data,
        {"market": market, "time": time, "entries": entries, "exits": exits, "stock": stock},
    )
    require_no_missing(data, [market, time, entries, exits, stock])
    require_numeric(data, [entries, exits, stock])
    require_unique(data, [market, time])
    frame = data.copy()
    frame["entrants"] = frame[entries]
    frame["exits"] = frame[exits]
    frame["start"] = frame[stock] - frame[entries] + frame[exits]
    negative = frame.index[(frame["start"] < 0) | (frame[[entries, exits, stock]] < 0).any(axis=1)]
    if len(negative):
        raise ValueError(
            f"{len(negative)} row(s) have negative counts or a negative starting stock "
            f"({stock} - {entries} + {exits}), e.g. rows {list(negative[:5])}."
        )
    return _add_rates(frame, start="start")


# --------------------------------------------------------------------------- ownership
def ownership_mix(
    data: pd.DataFrame, *, owner: str, size: str | None = None, time: str | None = None
) -> pd.DataFrame:
    """Share of capacity (or of units) held by each type of owner.

    Parameters
    ----------
    data
        One row per home, or per owner type with a count.
    owner
        Column of ownership types (for-profit, council, third sector...).
    size
        Column to sum (beds, or a count of homes); ``None`` counts rows.
    time
        Optional column: shares are within each period.

    Returns
    -------
    pandas.DataFrame
        One row per period and owner type: ``total`` and ``share_pct`` (0-100).

    Examples
    --------
    >>> import pandas as pd
    >>> homes = pd.DataFrame({"owner": ["private", "private", "council"], "beds": [30, 50, 20]})
    >>> ownership_mix(homes, owner="owner", size="beds")["share_pct"].tolist()
    [20.0, 80.0]
    """
    require_columns(data, {"owner": owner, "size": size, "time": time})
    keys = [] if time is None else [time]
    require_no_missing(data, [*keys, owner, *([size] if size else [])])
    frame = data.assign(_one=1.0) if size is None else data
    measure = "_one" if size is None else size
    _check_sizes(frame.assign(_all=0), keys or ["_all"], measure)
    totals = frame.groupby([*keys, owner], observed=True, sort=True)[measure].sum()
    out = totals.rename("total").reset_index()
    within = (
        out.groupby(keys, observed=True)["total"].transform("sum") if keys else out["total"].sum()
    )
    out["share_pct"] = 100 * out["total"] / within
    return out


# --------------------------------------------------------------------------- association
def _design_matrix(
    sample: pd.DataFrame, *, concentration: str, per: float, fixed_effects: str | None
) -> np.ndarray:
    """Constant and scaled concentration, plus one dummy per extra fixed-effect level."""
    slope = sample[concentration].to_numpy(dtype=float) / per
    columns = [np.ones(len(sample)), slope]
    if fixed_effects is not None:
        dummies = pd.get_dummies(sample[fixed_effects], drop_first=True, dtype=float)
        columns += [dummies[c].to_numpy() for c in dummies.columns]
    return np.column_stack(columns)


@dataclass(frozen=True)
class ConcentrationGradient(Result):
    """Cross-sectional slope of an outcome on concentration (per ``per`` HHI points).

    Attributes
    ----------
    intercept
        Fitted outcome at an HHI of zero (averaged over fixed effects, if any).
    per
        The slope is the change in the outcome for ``per`` more HHI points.
    covariance
        ``"HC1"`` (heteroskedasticity-robust) or ``"cluster"``.
    n_clusters
        Number of clusters (0 when not clustered).
    outcome, concentration
        The column names used.
    """

    intercept: float = float("nan")
    per: float = 1_000.0
    covariance: str = "HC1"
    n_clusters: int = 0
    outcome: str = ""
    concentration: str = ""
    _sample: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    sample = CopiedFrame("_sample", "The rows the slope was fitted on (a copy).")

    def tidy(self) -> pd.DataFrame:
        """The headline row plus ``intercept``, ``per``, ``covariance`` and ``n_clusters``."""
        return self._tidy_with("intercept", "per", "covariance", "n_clusters")

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Scatter of outcome against concentration with the fitted line.

        The figure comes titled, labelled and with a source line;
        ``style.finish(ax, title=..., source=...)`` re-words it.
        """
        ax = style.axes(ax)
        x = self._sample[self.concentration].to_numpy(dtype=float)
        y = self._sample[self.outcome].to_numpy(dtype=float)
        ax.scatter(x, y, s=14, alpha=0.55, color="C0", label="Market")
        grid = np.linspace(np.nanmin(x), np.nanmax(x), 50)
        ax.plot(
            grid,
            self.intercept + self.estimate * grid / self.per,
            color="C3",
            lw=2,
            label="OLS line",
        )
        ax.legend(loc="best", fontsize=9)
        return style.finish(
            ax,
            title="Outcome against market concentration, with the fitted line",
            xlabel=f"{self.concentration} (concentration index)",
            ylabel=f"{self.outcome} (outcome units)",
            source=style.DEFAULT_SOURCE,
        )


def concentration_gradient(
    data: pd.DataFrame,
    *,
    outcome: str,
    concentration: str,
    cluster: str | None = None,
    fixed_effects: str | None = None,
    per: float = 1_000.0,
    level: float = 0.95,
) -> ConcentrationGradient:
    """Slope of ``outcome`` on ``concentration`` by OLS, with robust standard errors.

    A description of how an outcome (e.g. the entry rate) differs between more
    and less concentrated markets, not the effect of concentration: markets
    differ in demand, land prices and council fees, which drive both.

    Parameters
    ----------
    data
        One row per market (and period).
    outcome, concentration
        Numeric columns: the outcome and the HHI (0-10,000).
    cluster
        Optional column: standard errors clustered on it (e.g. the council when
        a market appears in several periods). Otherwise HC1 robust errors.
    fixed_effects
        Optional column (e.g. the period): one intercept per value, so the
        slope compares markets within the same period. The fitted line in
        ``plot`` is then drawn at the mean intercept.
    per
        Report the slope per this many HHI points (default 1,000).
    level
        Confidence level.

    Returns
    -------
    ConcentrationGradient
        ``estimate`` is the slope per ``per`` HHI points.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"hhi": [500.0, 1000, 1500, 2000, 2500],
    ...                       "entry": [10.0, 9.1, 7.9, 7.0, 6.1]})
    >>> fit = concentration_gradient(frame, outcome="entry", concentration="hhi")
    >>> round(fit.estimate, 2)
    -1.98
    """
    require_columns(
        data,
        {
            "outcome": outcome,
            "concentration": concentration,
            "cluster": cluster,
            "fixed_effects": fixed_effects,
        },
    )
    extra = [c for c in (cluster, fixed_effects) if c is not None]
    used = [outcome, concentration, *dict.fromkeys(extra)]
    require_no_missing(data, used)
    require_numeric(data, [outcome, concentration])
    _require_hhi_scale(data[concentration], f"Column {concentration!r} (an HHI)")
    level = require_level(level)
    if per <= 0:
        raise ValueError(f"per must be positive; it was {per}.")
    sample = data.loc[:, used].reset_index(drop=True)
    if sample[concentration].nunique() < 2 or len(sample) < 3:
        raise ValueError(
            f"Column {concentration!r} needs at least two distinct values and three rows."
        )
    design = _design_matrix(
        sample, concentration=concentration, per=per, fixed_effects=fixed_effects
    )
    names = ["const", concentration, *[f"fixed effect {i}" for i in range(design.shape[1] - 2)]]
    require_full_rank(design, names, "concentration gradient")
    model = sm.OLS(sample[outcome].to_numpy(dtype=float), design)
    n_clusters = 0
    if cluster is not None:
        groups = pd.factorize(sample[cluster])[0]
        n_clusters = int(groups.max() + 1)
        if n_clusters < 2:
            raise ValueError(f"Column {cluster!r} has a single cluster; it needs several.")
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups})
    else:
        fit = model.fit(cov_type="HC1")
    low, high = fit.conf_int(alpha=1 - level)[1]
    intercept = float(np.mean(fit.fittedvalues - fit.params[1] * design[:, 1]))
    return ConcentrationGradient(
        estimate=float(fit.params[1]),
        se=float(fit.bse[1]),
        ci_low=float(low),
        ci_high=float(high),
        p_value=float(fit.pvalues[1]),
        n_obs=int(fit.nobs),
        method="OLS slope with " + ("cluster-robust" if cluster else "HC1 robust") + " errors",
        estimand=f"change in {outcome} per {per:,.0f} HHI points",
        level=level,
        notes=("A cross-sectional association, not a causal effect.",),
        intercept=intercept,
        per=float(per),
        covariance="cluster" if cluster else "HC1",
        n_clusters=n_clusters,
        outcome=outcome,
        concentration=concentration,
        _sample=sample,
    )
