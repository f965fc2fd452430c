"""Callaway-Sant'Anna group-time effects from area-by-period cell sums, for person-level records.

When the records are people within areas - a reform adopted by area, each
person seen once, in one period - the estimator is R ``did``'s ``att_gt`` with
``panel = FALSE`` (repeated cross-sections) and no covariates, run on the
person-level rows, with the influence functions added up by area (or by a
coarser ``cluster``), as ``clustervar`` does, and the cohort shares of the
aggregations counted in people. Every piece of it needs only each cell's count
and sums, so it is computed exactly from the cells that leave the engine.

For the cell ``(g, t)`` with base period ``b``, let ``k`` run over the four
corners of its 2x2 comparison: cohort ``g`` in ``t`` (sign ``+``) and in ``b``
(``-``), the comparison group in ``t`` (``-``) and in ``b`` (``+``). With
``S_k`` and ``M_k`` the sums of ``w`` and ``w y`` over the people of corner
``k`` and ``mu_k = M_k / S_k``:

- the estimate is ``ATT(g, t) = sum_k sign_k mu_k``, a difference of four means
  (with no covariates, outcome regression, inverse probability weighting and the
  doubly robust estimator all reduce to it, influence function included);
- person ``i`` of corner ``k`` has influence ``N sign_k w_i (y_i - mu_k) / S_k``
  (``N`` people in all, ``w`` scaled to average one), the repeated
  cross-section influence of DRDID's ``reg_did_rc`` scaled by ``N`` over the
  rows of the comparison, as ``att_gt`` does;
- so the influence summed over the people of an area-period cell ``c`` in
  corner ``k`` is ``N sign_k (WY_c - mu_k W_c) / S_k``, from the cell's sums.

The aggregations add, for every person, ``w_i`` times a term that depends only
on the person's cohort (the estimated cohort shares), whose cell sum is ``W_c``
times that term. Standard errors add the influence up by cluster: ``se**2 =
sum_a (sum_{c in a} psi_c)**2 / N**2``. So the cells, taken as the rows of
:class:`~evaluation.did._group_time.GroupTime` with weights ``W_c`` and ``N``
people, give the person-level answer term for term.
"""

from __future__ import annotations

import warnings
from functools import partial
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from evaluation import cells as cell_sums
from evaluation.did import _group_time
from evaluation.did._checks import as_pandas, check_cohort, drop_always_treated, unit_constant

__all__: list[str] = []


def as_records(data: Any, *, unit: str, time: str) -> bool:
    """Whether ``data`` are person-level records: not pandas, with a unit-period seen twice.

    Frames of other engines with one row per unit and period are panels, read
    as such; so is anything narwhals does not know (refused later, by name).
    """
    if isinstance(data, pd.DataFrame):
        return False
    try:
        frame = nw.from_native(data)
    except TypeError:
        return False
    schema = frame.collect_schema()
    if unit not in schema or time not in schema:
        return True  # the records path names the absent column
    largest = frame.group_by([unit, time]).agg(nw.len().alias("n")).select(nw.col("n").max())
    return float(cell_sums._to_pandas(largest).to_numpy(float)[0, 0]) > 1


def as_panel(data: Any) -> pd.DataFrame:
    """A panel in any engine as a pandas frame (anything else is refused by ``as_pandas``)."""
    if isinstance(data, pd.DataFrame):
        return data
    try:
        return cell_sums._to_pandas(nw.from_native(data))
    except TypeError:
        return as_pandas(data)


def group_time_records(
    records: Any,
    *,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    control_group: str,
    base_period: str,
    anticipation: int,
    weights: str | None,
    cluster: str | None,
    no_never_treated: Any,
) -> tuple[_group_time.GroupTime, pd.DataFrame]:
    """Group-time effects and their cell-level influence, from records summarised in their engine.

    ``no_never_treated`` is the panel path's handling of data with no
    never-treated unit, applied to the cell table. Returns the group-time
    effects and the cells used (keys, ``n`` and the sums).
    """
    keys = [unit, time, cohort, *([cluster] if cluster and cluster != unit else [])]
    table = cell_sums.summarise(records, keys=keys, outcome=outcome, weights=weights)
    if not np.isfinite(table[["wy"]].to_numpy(float)).all():
        raise ValueError(f"'{outcome}' has infinite or NaN values in the records.")
    first = check_cohort(table, unit=unit, time=time, cohort=cohort)
    if cluster is not None and cluster != unit:
        unit_constant(table, unit=unit, column=cluster, role="cluster")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one warning below, in people rather than cells
        kept, first = drop_always_treated(
            table, first, unit=unit, time=time, cohort=cohort, anticipation=anticipation
        )
    if len(kept) < len(table):
        warnings.warn(
            f"Dropped {table[unit].nunique() - kept[unit].nunique()} {unit}(s) "
            f"({int(table['n'].sum() - kept['n'].sum())} people) treated from the first period"
            f"{f' (plus {anticipation} of anticipation)' if anticipation else ''}: "
            "there is no pre-period to compare.",
            UserWarning,
            stacklevel=3,
        )
    before, last = int(kept["n"].sum()), float(first.max())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kept, first = no_never_treated(
            kept, first, time=time, control_group=control_group, anticipation=anticipation
        )
    if caught:
        warnings.warn(
            f"No never-treated {unit}: dropped {before - int(kept['n'].sum())} people in periods "
            f"from {last - anticipation:g} on"
            "; the last cohort serves as the comparison group (as R's did).",
            UserWarning,
            stacklevel=3,
        )
    if np.isinf(first).all():
        raise ValueError(f"No unit is ever treated: column {cohort!r} is 0 throughout.")
    kept = kept.sort_values([unit, time], ignore_index=True)
    first = first.loc[first.index.isin(kept[unit])]
    area = pd.Index(first.index).get_indexer(pd.Index(kept[unit]))
    if cluster is None or cluster == unit:
        codes = area
    else:
        codes = pd.factorize(kept[cluster], sort=True)[0]
        if codes.max() < 1:
            raise ValueError(f"Column {cluster!r} (cluster) has one value; two or more are needed.")
    periods = np.sort(kept[time].unique())
    n_people = int(kept["n"].sum())
    scale = n_people / float(kept["w"].sum())  # weights scaled to average one over people
    w = kept["w"].to_numpy(float) * scale
    wy = kept["wy"].to_numpy(float) * scale
    period = np.searchsorted(periods, kept[time].to_numpy())
    # Every ATT(g, t) with the influence summed within each cell (one row per cell).
    gt = _group_time.group_time(
        first.to_numpy()[area],
        periods,
        partial(_corners, period=period, w=w, wy=wy, n_people=n_people),
        control_group=control_group,
        base_period=base_period,
        anticipation=anticipation,
        n_units=n_people,
        weights=w,
        cluster=codes,
        missing="nobody treated or nobody in the comparison group",
        stacklevel=4,
    )
    return gt, kept


def _corners(
    treat: np.ndarray,
    comparison: np.ndarray,
    t_index: int,
    base: int,
    *,
    period: np.ndarray,
    w: np.ndarray,
    wy: np.ndarray,
    n_people: int,
) -> tuple[float, np.ndarray] | None:
    """One 2x2 from the weighted means of its four corners, and each cell's influence.

    None when a corner has no one in it.
    """
    influence = np.zeros(len(treat))
    att = 0.0
    corners = [(treat, t_index, 1.0), (treat, base, -1.0)]
    corners += [(comparison, t_index, -1.0), (comparison, base, 1.0)]
    for group, when, sign in corners:
        inside = group & (period == when)
        total = w[inside].sum()
        if total <= 0:
            return None
        mean = wy[inside].sum() / total
        att += sign * mean
        influence[inside] = sign * n_people * (wy[inside] - mean * w[inside]) / total
    return att, influence
