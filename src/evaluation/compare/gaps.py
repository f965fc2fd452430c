"""Gaps in a binary outcome between groups and a reference group, with and without controls.

A linear probability model and a logit (average marginal effects), both by
statsmodels, with robust or clustered standard errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from evaluation.results import CopiedFrame, Result, drop_rows, require_columns, tidy_frame
from evaluation.results import headline as headline_fields


# ----------------------------------------------------------- gaps by ownership
@dataclass(frozen=True, kw_only=True, eq=False)
class GroupGaps(Result):
    """Differences in a 0/1 outcome between ownership types, with and without controls.

    The headline is the linear-probability gap (percentage points) of the
    ``headline`` group against the reference group.

    Attributes
    ----------
    table
        One row per non-reference group: ``group``, ``n``, ``rate`` (raw, %),
        ``lpm`` (gap in percentage points from the linear probability model)
        with ``lpm_low``, ``lpm_high``, and ``ame`` (average marginal effect
        of the group dummy in the logit model, points) with ``ame_low``,
        ``ame_high``. The reference group's row has ``n`` and ``rate`` only.
    """

    reference_group: str
    _table: pd.DataFrame = field(repr=False)

    table = CopiedFrame("_table", "The gaps by group (a copy).")

    def tidy(self) -> pd.DataFrame:
        """One row per group and model, with columns ``term, model, estimate, ci_low, ci_high``."""
        rows = []
        for _, row in self._table.dropna(subset=["lpm"]).iterrows():
            for model in ("lpm", "ame"):
                rows.append(
                    {
                        "term": f"{row['group']} vs {self.reference_group}",
                        "estimate": row[model],
                        "ci_low": row[f"{model}_low"],
                        "ci_high": row[f"{model}_high"],
                        "model": model,
                    }
                )
        keys = ("term", "estimate", "ci_low", "ci_high", "model")
        return tidy_frame({key: [row[key] for row in rows] for key in keys})


def _gap_fits(frame: pd.DataFrame, formula: str, cluster: str | None) -> tuple[Any, Any]:
    import statsmodels.formula.api as smf

    if cluster is None:
        cov: dict[str, Any] = {"cov_type": "HC1"}
    else:
        cov = {"cov_type": "cluster", "cov_kwds": {"groups": pd.factorize(frame[cluster])[0]}}
    lpm = smf.ols(formula, frame).fit(**cov)
    logit = smf.logit(formula, frame).fit(disp=0, **cov)
    return lpm, logit


def group_gaps(
    data: pd.DataFrame,
    *,
    outcome: str,
    group: str,
    reference_group: str,
    headline: str,
    covariates: list[str] | None = None,
    cluster: str | None = None,
    level: float = 0.95,
) -> GroupGaps:
    """Gap in a 0/1 outcome between ownership types, adjusted for the controls the data allow.

    Fits a linear probability model (statsmodels OLS) and a logit (statsmodels
    Logit) of ``outcome`` on dummies for ``group`` (against ``reference_group``)
    plus ``covariates`` (columns, entered linearly: add transformed or dummy
    columns first), with heteroskedasticity-robust (HC1) errors, or errors
    clustered by ``cluster`` when units appear more than once. The logit gap
    is the average marginal effect of each group dummy (statsmodels
    ``get_margeff(dummy=True)``). Rows with a missing value in any column
    used are dropped with a warning that counts them.

    Parameters
    ----------
    data
        One row per unit (or per event, with ``cluster``).
    outcome
        0/1 (or boolean) column.
    group, reference, headline
        Ownership column, its reference level and the level whose gap is the
        headline.
    covariates
        Control columns (numeric or boolean).
    cluster
        Column to cluster standard errors by.
    level
        Confidence level.

    Returns
    -------
    GroupGaps

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"owner": rng.choice(["a", "b"], 2000)})
    >>> df["bad"] = rng.random(2000) < np.where(df["owner"] == "b", 0.3, 0.2)
    >>> fit = group_gaps(df, outcome="bad", group="owner", reference_group="a", headline="b")
    >>> 5 < fit.estimate < 15
    True
    """
    require_columns(data, {"outcome": outcome, "group": group, "cluster": cluster})
    terms = covariates or []
    if reference_group not in set(data[group]) or headline not in set(data[group]):
        raise ValueError(f"Column {group!r} lacks {reference_group!r} or {headline!r}.")
    require_columns(data, {f"covariates[{i}]": name for i, name in enumerate(terms)})
    used = [outcome, group, *terms] + ([cluster] if cluster else [])
    frame = data[used].copy()
    missing = frame.isna().any(axis=1)
    frame = drop_rows(frame, missing, "missing outcome, ownership or controls")
    # patsy reads plain numpy types only: nullable booleans and strings become floats and str.
    for column in [outcome, *terms]:
        frame[column] = frame[column].astype("float")
    frame[group] = frame[group].astype(str)
    formula = f"{outcome} ~ C({group}, Treatment(reference={reference_group!r}))"
    formula += "".join(f" + Q({term!r})" for term in terms)
    lpm, logit = _gap_fits(frame, formula, cluster)
    margins = logit.get_margeff(dummy=True).summary_frame(alpha=1 - level)
    rows = []
    for name, count in frame[group].value_counts().sort_index().items():
        row: dict[str, Any] = {"group": name, "n": int(count)}
        row["rate"] = 100 * float(frame.loc[frame[group] == name, outcome].mean())
        if name != reference_group:
            term = f"C({group}, Treatment(reference={reference_group!r}))[T.{name}]"
            low, high = lpm.conf_int(alpha=1 - level).loc[term]
            row |= {"lpm": 100 * lpm.params[term], "lpm_low": 100 * low, "lpm_high": 100 * high}
            effect = margins.loc[term]
            row |= {
                "ame": 100 * effect.iloc[0],
                "ame_low": 100 * effect.iloc[4],
                "ame_high": 100 * effect.iloc[5],
            }
        rows.append(row)
    table = pd.DataFrame(rows)
    head = f"C({group}, Treatment(reference={reference_group!r}))[T.{headline}]"
    estimate, se = 100 * float(lpm.params[head]), 100 * float(lpm.bse[head])
    return GroupGaps(
        outcome=outcome,
        **headline_fields(estimate, se, level),
        n_obs=len(frame),
        method="Linear probability model and logit, robust SE (statsmodels)",
        estimand=f"gap in {outcome}, {headline} vs {reference_group} (percentage points)",
        level=level,
        notes=("controls: " + (", ".join(terms) if terms else "none"),),
        reference_group=reference_group,
        _table=table,
    )
