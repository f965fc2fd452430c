"""The 2x2 difference-in-differences: treated and comparison groups, before and after."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from matplotlib.axes import Axes

from evaluation.did._cells import two_by_two_records
from evaluation.did._checks import check_binary, check_weights
from evaluation.did._common import DEFAULT_SOURCE, _readable
from evaluation.report import style
from evaluation.results import (
    CopiedFrame,
    Result,
    headline,
    require_columns,
    require_full_rank,
    require_no_missing,
    require_numeric,
)

__all__ = ["TwoByTwoResult", "two_by_two"]


@dataclass(frozen=True, kw_only=True)
class TwoByTwoResult(Result):
    """A 2x2 difference-in-differences: the interaction of group and period.

    ``cell_means`` holds the (weighted) mean outcome of each group in each
    period, ``coefficients`` the whole regression.
    """

    outcome: str = ""
    _cell_means: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    _coefficients: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    _cells: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    cell_means = CopiedFrame("_cell_means", "Mean outcome by ``treated`` and ``post`` (a copy).")

    coefficients = CopiedFrame(
        "_coefficients", "Every coefficient of the regression with its SE (a copy)."
    )

    @property
    def cells(self) -> pd.DataFrame | None:
        """The cells that left the records' engine (count ``n`` and the sums), a copy;
        ``None`` for a fit on a pandas frame of rows.

        :func:`evaluation.disclosure.check_cells` checks them before release.
        """
        return None if self._cells is None else self._cells.copy()

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """The classic picture: both groups' means, and the treated group's counterfactual.

        The arrow and its label are the difference of the (weighted) cell means, which
        equals the estimate unless covariates were adjusted for. The y-axis is the mean
        outcome, in the outcome's units; the figure is titled and has a source line. To put
        other words on it (your own data source, say), call
        :func:`evaluation.report.style.finish` on the returned axes.
        """
        ax = style.axes(ax, (7, 4.2))
        means = self._cell_means.set_index(["treated", "post"])["mean"]
        x = [0, 1]
        ax.plot(x, [means[(0, 0)], means[(0, 1)]], "o-", color=style.PALETTE[0], label="Comparison")
        ax.plot(x, [means[(1, 0)], means[(1, 1)]], "o-", color=style.PALETTE[3], label="Treated")
        counterfactual = means[(1, 0)] + means[(0, 1)] - means[(0, 0)]
        ax.plot(
            x,
            [means[(1, 0)], counterfactual],
            "o--",
            color=style.PALETTE[3],
            alpha=0.55,
            label="Treated without the policy (parallel trends)",
        )
        observed = means[(1, 1)]
        ax.annotate(
            "",
            xy=(1.04, observed),
            xytext=(1.04, counterfactual),
            arrowprops={"arrowstyle": "<->", "color": "#444444"},
        )
        ax.text(
            1.07,
            (observed + counterfactual) / 2,
            f"DiD\n{_readable(observed - counterfactual)}",
            va="center",
            ha="left",
        )
        ax.set_xlim(-0.15, 1.45)
        ax.set_xticks(x, ["Before", "After"])
        ax.legend(frameon=False, loc="best")
        return style.finish(
            ax,
            title="Difference-in-differences: group means before and after",
            xlabel="Period",
            ylabel=f"Mean {self.outcome}",
            source=DEFAULT_SOURCE,
        )


def two_by_two(
    data: pd.DataFrame,
    *,
    outcome: str,
    treated: str,
    post: str,
    covariates: list[str] | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    cov_type: Literal["HC1", "nonrobust"] = "HC1",
    level: float = 0.95,
) -> TwoByTwoResult:
    """Difference-in-differences with two groups and two periods.

    Fits ``outcome ~ treated + post + treated:post (+ covariates)`` by least
    squares (weighted if ``weights``); the estimate is the interaction.

    Parameters
    ----------
    data
        One row per observation (person, area, house...): a pandas frame, or
        person-level records in another engine (a polars frame, a DuckDB relation,
        a PySpark DataFrame), which are summarised into cells where they live
        (:mod:`evaluation.cells`) with the same estimate and standard errors.
    outcome
        Numeric outcome column.
    treated, post
        0/1 (or boolean) columns: in the treated group; in the later period.
    covariates
        Numeric columns to adjust for.
    cluster
        Column whose values define clusters for cluster-robust SEs.
    weights
        Positive weights (e.g. population).
    cov_type
        ``"HC1"`` (heteroskedasticity-robust, the default) or ``"nonrobust"``
        (classical OLS, as textbooks print). Ignored when ``cluster`` is given.
    level
        Confidence level of the interval.

    Returns
    -------
    TwoByTwoResult

    Raises
    ------
    ValueError
        If a column is absent, non-numeric or incomplete, ``treated``/``post``
        are not 0/1, or one of the four group-period cells is empty.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 1.5, 4.0, 1.1, 2.1, 1.4, 3.9],
    ...                    "g": [0, 0, 1, 1, 0, 0, 1, 1], "t": [0, 1, 0, 1, 0, 1, 0, 1]})
    >>> round(two_by_two(df, outcome="y", treated="g", post="t").estimate, 2)
    1.5
    """
    covariates = list(covariates or [])
    if not isinstance(data, pd.DataFrame):
        if covariates:
            raise ValueError(
                "covariates need a pandas frame: records in another engine are summarised into "
                "treated-by-period cells, within which covariates are not constant."
            )
        fields = two_by_two_records(
            data,
            outcome=outcome,
            treated=treated,
            post=post,
            cluster=cluster,
            weights=weights,
            cov_type=cov_type,
            level=level,
        )
        return TwoByTwoResult(**fields, estimand="ATT", level=level, outcome=outcome)
    require_columns(
        data,
        {
            "outcome": outcome,
            "treated": treated,
            "post": post,
            "cluster": cluster,
            "weights": weights,
        }
        | {f"covariates[{i}]": c for i, c in enumerate(covariates)},
    )
    require_numeric(data, [outcome, *covariates])
    require_no_missing(data, [outcome, treated, post, *covariates, *filter(None, [cluster])])
    check_weights(data, weights)
    group, period = check_binary(data, treated), check_binary(data, post)
    w = np.ones(len(data)) if weights is None else data[weights].to_numpy(dtype=float)
    cells = pd.DataFrame(
        {
            "treated": group.astype(int),
            "post": period.astype(int),
            "w": w,
            "wy": w * data[outcome].to_numpy(dtype=float),
        }
    )
    sums = cells.groupby(["treated", "post"]).agg(n=("w", "size"), w=("w", "sum"), wy=("wy", "sum"))
    missing = [c for c in [(0, 0), (0, 1), (1, 0), (1, 1)] if c not in sums.index]
    if missing:
        raise ValueError(
            f"No rows with ({treated}, {post}) = {missing}: all four group-period cells are "
            "needed for a 2x2 difference-in-differences."
        )
    means = sums.assign(mean=sums["wy"] / sums["w"]).reset_index()[["treated", "post", "mean", "n"]]
    names = ["const", treated, post, f"{treated}:{post}", *covariates]
    design = np.column_stack(
        [np.ones(len(data)), group, period, group * period, data[covariates].to_numpy(dtype=float)]
    )
    require_full_rank(design, names, "2x2 difference-in-differences")
    model = sm.WLS(data[outcome].to_numpy(dtype=float), design, weights=w)
    if cluster is not None:
        groups = pd.factorize(data[cluster])[0]
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups})
    else:
        fit = model.fit(cov_type=cov_type)
    coefficients = pd.DataFrame(
        {"term": names, "estimate": fit.params, "se": fit.bse, "p_value": fit.pvalues}
    )
    se_kind = f"clustered by {cluster}" if cluster else cov_type
    return TwoByTwoResult(
        **headline(float(fit.params[3]), float(fit.bse[3]), level),
        n_obs=len(data),
        method=f"2x2 difference-in-differences (OLS, {se_kind} SE)",
        estimand="ATT",
        level=level,
        outcome=outcome,
        _cell_means=means,
        _coefficients=coefficients,
    )
