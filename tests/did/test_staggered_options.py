"""Callaway-Sant'Anna on real panels: gaps, anticipation, clusters and weights, side by side.

Each option of :func:`evaluation.did.staggered` is run beside the peers on ``mpdta``
(R ``did``'s example data, shipped by ``moderndid``) in the test itself:

- ``csdid`` (a port of R ``did``): every group-time effect, its analytic standard
  error, and the simple, dynamic and by-cohort aggregations, for an unbalanced
  panel (``allow_unbalanced_panel``), sampling weights (``weights_name``) and
  clusters (``clustervar``; csdid has R's analytic cluster-robust errors), and all
  of them at once with anticipation, covariates and the doubly robust estimator;
- ``moderndid``: every group-time effect and its standard error for each option,
  and the aggregations for anticipation. Its aggregations are not compared with
  weights (its ``aggte`` uses unweighted cohort shares: the result it passes on
  holds no unit weights) or with an unbalanced panel (its ``aggte`` pairs units'
  cohorts with the influence-function rows of other units); csdid and ours agree
  there to 1e-12. Nor its standard errors for the doubly robust estimator with
  covariates on an unbalanced panel (see the test).

Tolerance: ``PEER_TOL`` (1e-6) throughout, as for the balanced panel.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from evaluation import did
from tests.did.conftest import (
    MPDTA,
    MPDTA_PEER,
    PEER_TOL,
    assert_matches_csdid,
    assert_matches_moderndid_aggregations,
    csdid_fit,
)


@pytest.fixture(scope="module")
def real(mpdta: pd.DataFrame) -> pd.DataFrame:
    """mpdta with a seeded sampling weight per county and its state (countyreal // 1000)."""
    counties = np.sort(mpdta["countyreal"].unique())
    weight = dict(
        zip(counties, np.random.default_rng(15).uniform(0.5, 2.0, len(counties)), strict=True)
    )
    return mpdta.assign(
        w=mpdta["countyreal"].map(weight), state=mpdta["countyreal"] // 1000
    ).reset_index(drop=True)


@pytest.fixture(scope="module")
def gappy(real: pd.DataFrame) -> pd.DataFrame:
    """mpdta with a seeded 10% of its rows dropped: an unbalanced panel."""
    keep = np.random.default_rng(7).random(len(real)) > 0.1
    return real.loc[keep].reset_index(drop=True)


def _moderndid(data: pd.DataFrame, **options: Any) -> Any:
    moderndid = pytest.importorskip("moderndid")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return moderndid.att_gt(data=data, **MPDTA_PEER, boot=False, **options)


def _csdid(data: pd.DataFrame, method: str, **options: Any) -> tuple[Any, dict[str, Any]]:
    return csdid_fit(data, method, **MPDTA_PEER, **options)


def _same_cells(ours: did.StaggeredResult, att: Any, se: Any) -> None:
    gt = ours.group_time
    np.testing.assert_allclose(gt["att"], np.asarray(att, dtype=float), atol=PEER_TOL)
    np.testing.assert_allclose(gt["se"], np.asarray(se, dtype=float), atol=PEER_TOL)


@pytest.mark.parametrize(("method", "covariates"), [("reg", None), ("dr", ["lpop"])])
def test_unbalanced_panel_matches_csdid_and_moderndid(
    gappy: pd.DataFrame, method: str, covariates: list[str] | None
) -> None:
    ours = did.staggered(
        gappy,
        **MPDTA,
        method=method,
        covariates=covariates,
        allow_unbalanced=True,  # type: ignore[arg-type]
    )
    assert ours.n_obs == len(gappy) and ours.n_units == 500
    assert "unbalanced panel" in ours.method
    formula = "lemp ~ lpop" if covariates else None
    fit, aggregated = _csdid(gappy, method, allow_unbalanced_panel=True, xformla=formula)
    assert_matches_csdid(ours, fit, aggregated, atol=PEER_TOL)
    # moderndid runs R's unbalanced path with panel=False (its panel=True path fails).
    peer = _moderndid(
        gappy,
        est_method=method,
        allow_unbalanced_panel=True,
        panel=False,
        xformla="~lpop" if covariates else None,
    )
    np.testing.assert_allclose(ours.group_time["att"], peer.att_gt, atol=PEER_TOL)
    if method == "reg":
        np.testing.assert_allclose(ours.group_time["se"], peer.se_gt, atol=PEER_TOL)
    else:
        # moderndid copies R DRDID's drdid_rc, which adds the pre-period outcome-model
        # terms of the influence function where they should be taken away (csdid and we
        # take them away; a nonparametric bootstrap agrees with that sign). Its standard
        # errors differ by under 1% here.
        gap = np.abs(ours.group_time["se"] / peer.se_gt - 1)
        assert 1e-5 < gap.max() < 0.01


def test_weights_match_csdid_and_moderndid(real: pd.DataFrame, gappy: pd.DataFrame) -> None:
    for method, covariates in [("reg", None), ("ipw", ["lpop"]), ("dr", ["lpop"])]:
        ours = did.staggered(real, **MPDTA, method=method, covariates=covariates, weights="w")  # type: ignore[arg-type]
        formula = "~lpop" if covariates else None
        peer = _moderndid(real, est_method=method, weightsname="w", xformla=formula)
        _same_cells(ours, peer.att_gt, peer.se_gt)
    fit, aggregated = _csdid(real, "reg", weights_name="w")
    ours = did.staggered(real, **MPDTA, weights="w")
    assert_matches_csdid(ours, fit, aggregated, atol=PEER_TOL)
    # Weights and gaps together, with not-yet-treated controls.
    ours = did.staggered(
        gappy, **MPDTA, weights="w", allow_unbalanced=True, control_group="not_yet_treated"
    )
    fit, aggregated = _csdid(
        gappy, "reg", weights_name="w", allow_unbalanced_panel=True, control_group="notyettreated"
    )
    assert_matches_csdid(ours, fit, aggregated, atol=PEER_TOL)


@pytest.mark.parametrize(
    ("method", "control", "base_period"),
    [("reg", "not_yet_treated", "varying"), ("dr", "never_treated", "universal")],
)
def test_anticipation_matches_moderndid(
    real: pd.DataFrame, method: str, control: str, base_period: str
) -> None:
    moderndid = pytest.importorskip("moderndid")
    with pytest.warns(UserWarning, match=r"at or before 2004 \(the first period plus 1"):
        ours = did.staggered(
            real,
            **MPDTA,
            method=method,  # type: ignore[arg-type]
            control_group=control,  # type: ignore[arg-type]
            base_period=base_period,  # type: ignore[arg-type]
            anticipation=1,
        )
    assert ours.anticipation == 1 and "1 period(s) of anticipation" in ours.method
    peer = _moderndid(
        real,
        est_method=method,
        anticipation=1,
        control_group=control.replace("_", ""),
        base_period=base_period,
    )
    np.testing.assert_allclose(ours.group_time["cohort"], peer.groups)
    np.testing.assert_allclose(ours.group_time["time"], peer.times)
    _same_cells(ours, peer.att_gt, peer.se_gt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        simple = moderndid.aggte(peer, type="simple", boot=False)
        dynamic = moderndid.aggte(peer, type="dynamic", boot=False)
    assert_matches_moderndid_aggregations(ours, simple, dynamic)
    if base_period == "varying":
        assert ours.pretrend_test().statistic == pytest.approx(peer.wald_stat, abs=1e-6)


def test_cluster_matches_csdid_analytic_and_an_explicit_sum(real: pd.DataFrame) -> None:
    ours = did.staggered(real, **MPDTA, cluster="state")
    assert ours.n_clusters == real["state"].nunique() == 29
    fit, aggregated = _csdid(real, "reg", clustervar="state")
    assert_matches_csdid(ours, fit, aggregated, atol=PEER_TOL)
    assert ours.pretrend_test().statistic == pytest.approx(fit.MP["W"], abs=1e-6)
    # Explicitly: moderndid's own influence functions (units ordered by cohort, then
    # county), summed within states: se = sqrt(sum_c S_c^2) / n.
    peer = _moderndid(real, est_method="reg")
    units = (
        real.loc[real["year"] == 2003]
        .assign(g=real["first.treat"].replace(0, np.inf))
        .sort_values(["g", "countyreal"])
    )
    np.testing.assert_array_equal(np.asarray(peer.G), units["g"].to_numpy())
    sums = pd.DataFrame(np.asarray(peer.influence_func)).groupby(units["state"].to_numpy()).sum()
    explicit = np.sqrt((sums.to_numpy() ** 2).sum(axis=0)) / len(units)
    np.testing.assert_allclose(ours.group_time["se"], explicit, atol=PEER_TOL)
    # The clustered bootstrap band draws one multiplier per state.
    banded = did.staggered(real, **MPDTA, cluster="state", replications=499, seed=3)
    assert np.isfinite(banded.critical_value) and banded.critical_value > 1.5


def test_balanced_panel_same_with_allow_unbalanced_and_polars(mpdta: pd.DataFrame) -> None:
    moderndid = pytest.importorskip("moderndid")
    plain = did.staggered(mpdta, **MPDTA)
    allowed = did.staggered(moderndid.load_mpdta(), **MPDTA, allow_unbalanced=True)
    pd.testing.assert_frame_equal(plain.group_time, allowed.group_time)
    assert plain.se == allowed.se and "unbalanced" not in allowed.method
    with pytest.raises(TypeError, match=r"not numpy\.ndarray"):
        did.staggered(mpdta.to_numpy(), **MPDTA)  # type: ignore[arg-type]


def test_bad_options_are_refused(real: pd.DataFrame, gappy: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="anticipation must be a whole number of at least 0"):
        did.staggered(real, **MPDTA, anticipation=-1)
    with pytest.raises(ValueError, match="anticipation must be a whole number"):
        did.staggered(real, **MPDTA, anticipation=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="or pass allow_unbalanced=True"):
        did.staggered(gappy, **MPDTA)
    bad_weights = [
        (real.assign(w=real["w"].where(real.index != 3, -1.0)), "zero or negative"),
        (real.assign(w=real["w"].where(real.index != 3, np.nan)), "missing"),
        (real.assign(w=real["w"] * (1 + (real["year"] == 2005))), "constant within each unit"),
    ]
    for frame, message in bad_weights:
        with pytest.raises(ValueError, match=message):
            did.staggered(frame, **MPDTA, weights="w")
    moving = real.assign(state=real["state"] + (real["year"] == 2007))
    with pytest.raises(ValueError, match=r"'state' \(cluster\) must be constant within each unit"):
        did.staggered(moving, **MPDTA, cluster="state")
    with pytest.raises(ValueError, match="one value"):
        did.staggered(real.assign(state=1), **MPDTA, cluster="state")
    with pytest.raises(ValueError, match="cluster='region' is not a column"):
        did.staggered(real, **MPDTA, cluster="region")


def test_repeated_cross_section_influence_function_matches_a_bootstrap() -> None:
    """The doubly robust estimator for rows (an unbalanced panel's cells), with a covariate
    whose mean differs by group and period: its influence-function standard error against a
    nonparametric bootstrap of the estimator (150 draws, Monte Carlo error about 6%; the
    sign R DRDID uses for the pre-period outcome-model terms gives a fifth less here).
    """
    from evaluation.did import _drdid

    rng = np.random.default_rng(0)
    n = 1500
    d = (rng.random(n) < 0.4).astype(float)
    post = (rng.random(n) < 0.5).astype(float)
    x1 = rng.normal(size=n) + 1.5 * d + 1.5 * post - d * post
    x = np.column_stack([np.ones(n), x1])
    y = 1 + 2 * x1 + 3 * x1 * post + 2 * x1 * d + d * post + rng.normal(size=n)
    w = rng.uniform(0.5, 2.0, n)
    _, influence = _drdid.doubly_robust_rows(y, post, d, x, w)
    se = np.sqrt(np.mean(influence**2) / n)
    draws = [
        _drdid.doubly_robust_rows(y[i], post[i], d[i], x[i], w[i])[0]
        for i in rng.integers(0, n, size=(150, n))
    ]
    assert se / np.std(draws) == pytest.approx(1, abs=0.12)


@pytest.mark.parametrize("gaps", [False, True])
def test_all_options_together_match_csdid(
    real: pd.DataFrame, gappy: pd.DataFrame, gaps: bool
) -> None:
    data = gappy if gaps else real
    with pytest.warns(UserWarning, match="anticipation"):
        ours = did.staggered(
            data,
            **MPDTA,
            method="dr",
            covariates=["lpop"],
            control_group="not_yet_treated",
            anticipation=1,
            weights="w",
            cluster="state",
            allow_unbalanced=gaps,
        )
    fit, aggregated = _csdid(
        data,
        "dr",
        xformla="lemp ~ lpop",
        control_group="notyettreated",
        anticipation=1,
        weights_name="w",
        clustervar="state",
        allow_unbalanced_panel=gaps,
    )
    assert_matches_csdid(ours, fit, aggregated, atol=PEER_TOL)
