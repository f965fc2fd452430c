"""The published cases that both the benchmarks and the tests run: their data and calls.

Each case is set up once here, so the benchmark times the same problem the tests check.
The benchmark scripts import this module as ``cases`` (their folder is on the import path);
the tests as ``benchmarks.cases`` (pytest puts the repository root on the path). Peer
packages are imported inside the functions: they are test- and benchmark-only.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import pandas as pd

from evaluation import matching

# --------------------------------------------------------------------------- LaLonde (NSW, CPS)
#: The Dehejia-Wahba (1999, 2002) CPS specification, as used in Cunningham's Mixtape: age,
#: age^2, age^3, educ, educ^2, married, no degree, black, hispanic, re74, re75, u74, u75 (no
#: earnings in 1974 / 1975) and educ x re74.
DW_TERMS = [
    "age",
    "age2",
    "age3",
    "educ",
    "educ2",
    "marr",
    "nodegree",
    "black",
    "hisp",
    "re74",
    "re75",
    "u74",
    "u75",
    "educ_re74",
]


def dw_terms(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the Dehejia-Wahba terms added (earnings as floats)."""
    earnings = frame[["re74", "re75", "re78"]].astype(float)
    return frame.assign(
        **{column: earnings[column] for column in earnings},
        age2=frame["age"] ** 2.0,
        age3=frame["age"] ** 3.0,
        educ2=frame["educ"] ** 2.0,
        u74=(earnings["re74"] == 0).astype(int),
        u75=(earnings["re75"] == 0).astype(int),
        educ_re74=frame["educ"] * earnings["re74"],
    )


def lalonde() -> pd.DataFrame:
    """NSW treated and CPS controls (causaldata) with the Dehejia-Wahba terms."""
    from causaldata import cps_mixtape, nsw_mixtape

    nsw, cps = nsw_mixtape.load_pandas().data, cps_mixtape.load_pandas().data
    return dw_terms(pd.concat([nsw[nsw["treat"] == 1], cps], ignore_index=True))


# --------------------------------------------------------------------------- Proposition 99
def prop99() -> pd.DataFrame:
    """Abadie, Diamond and Hainmueller's (2010) panel as shipped by the scspill package."""
    with files("scspill.data").joinpath("files", "california_panel.csv").open() as handle:
        return pd.read_csv(handle)


def pysyncon_outcome_path(
    data: pd.DataFrame,
    treated: str,
    controls: list[str],
    pre_years: list[int],
    *,
    normalise_v: bool,
) -> Any:
    """pysyncon's ``Synth`` fitted to our outcome-path problem on the Proposition 99 panel.

    The predictors are cigarette sales in each pre-period year. pysyncon divides each
    predictor by its standard deviation across units; a custom V equal to those variances
    undoes that, so it solves our quadratic programme with its own optimiser (SLSQP). With
    ``normalise_v`` the variances are scaled to sum to one: the minimiser is the same, but
    SLSQP (numerical gradients, a loose default tolerance) stops at a different point, so
    the benchmark (normalised) and the test (not) each keep the V they were written with.
    """
    from pysyncon import Dataprep, Synth

    prep = Dataprep(
        foo=data,
        predictors=[],
        predictors_op="mean",
        dependent="cigsale",
        unit_variable="state",
        time_variable="year",
        treatment_identifier=treated,
        controls_identifier=controls,
        time_predictors_prior=pre_years,
        time_optimize_ssr=pre_years,
        special_predictors=[("cigsale", [year], "mean") for year in pre_years],
    )
    x0, x1 = prep.make_covariate_mats()
    variance = pd.concat([x0, x1], axis=1).std(axis=1).to_numpy() ** 2
    model = Synth()
    model.fit(prep, custom_V=variance / variance.sum() if normalise_v else variance)
    return model


# --------------------------------------------------------------------------- Darfur
#: Cinelli and Hazlett's (2020) Darfur regression: controls besides the village fixed effects.
DARFUR_COVARIATES = ["age", "farmer_dar", "herder_dar", "pastvoted", "hhsize_darfur", "female"]
DARFUR_FORMULA = "peacefactor ~ directlyharmed + " + " + ".join(DARFUR_COVARIATES) + " + village"


def darfur_sensitivity(darfur: pd.DataFrame) -> matching.ConfounderSensitivityResult:
    """Ours: the Darfur regression's sensitivity, with bounds 1, 2 and 3 times ``female``."""
    return matching.confounder_sensitivity(
        darfur,
        outcome="peacefactor",
        treatment="directlyharmed",
        covariates=DARFUR_COVARIATES,
        fixed_effects="village",
        benchmarks=["female"],
        kd=[1, 2, 3],
    )


def sensemakr_darfur(darfur: pd.DataFrame) -> dict[str, Any]:
    """sensemakr on the same regression: its statistics, bounds and adjusted estimates.

    Its model-based bounds break on pandas 2, so the benchmark partial R2 go in through its
    own ``partial_r2`` and ``ovb_partial_r2_bound``.
    """
    import sensemakr
    import statsmodels.formula.api as smf

    model = smf.ols(DARFUR_FORMULA, data=darfur).fit()
    treated = smf.ols(
        DARFUR_FORMULA.replace("peacefactor ~ directlyharmed +", "directlyharmed ~"), data=darfur
    ).fit()
    assert model.model.exog_names.index("female") > 0
    stats = sensemakr.sensitivity_stats(model=model, treatment="directlyharmed")
    r2yxj = sensemakr.partial_r2(t_statistic=model.tvalues["female"], dof=model.df_resid)
    r2dxj = sensemakr.partial_r2(t_statistic=treated.tvalues["female"], dof=treated.df_resid)
    bounds = sensemakr.ovb_partial_r2_bound(r2dxj_x=r2dxj, r2yxj_dx=r2yxj, kd=[1, 2, 3])
    common = {
        "estimate": stats["estimate"],
        "se": stats["se"],
        "dof": stats["dof"],
        "r2dz_x": bounds["r2dz_x"].to_numpy(),
        "r2yz_dx": bounds["r2yz_dx"].to_numpy(),
    }
    return {
        **stats,
        "r2dz_x": common["r2dz_x"],
        "r2yz_dx": common["r2yz_dx"],
        "adjusted_estimate": sensemakr.adjusted_estimate(**common),
        "adjusted_se": sensemakr.adjusted_se(
            **{k: v for k, v in common.items() if k != "estimate"}
        ),
        "adjusted_t": sensemakr.adjusted_t(**common),
    }
