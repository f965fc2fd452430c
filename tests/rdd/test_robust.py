"""rdd.robust and rdd.robust_bandwidth side by side with rdrobust (run in the test).

Tolerance: 1e-4 absolute on every number compared (estimates, standard errors,
robust interval limits, h and b); the measured gaps are below 1e-8.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from rdrobust import rdbwselect, rdrobust

from evaluation import rdd
from tests.reference import rdrobust_senate as published

TOL = 1e-4


def _peer(*args: object, **kwargs: object) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rdrobust(*args, **kwargs)


def _gap(ours: rdd.RobustRDResult, peer: object) -> float:
    """Largest absolute gap over estimate, bias-corrected, SEs, robust CI, h and b."""
    mine = np.array(
        [
            ours.estimate,
            ours.bias_corrected,
            ours.se_conventional,
            ours.se,
            ours.ci_low,
            ours.ci_high,
            ours.h_left,
            ours.h_right,
            ours.b_left,
            ours.b_right,
        ]
    )
    theirs = np.array(
        [
            peer.coef.iloc[0, 0],  # type: ignore[attr-defined]
            peer.coef.iloc[1, 0],  # type: ignore[attr-defined]
            peer.se.iloc[0, 0],  # type: ignore[attr-defined]
            peer.se.iloc[2, 0],  # type: ignore[attr-defined]
            peer.ci.iloc[2, 0],  # type: ignore[attr-defined]
            peer.ci.iloc[2, 1],  # type: ignore[attr-defined]
            *peer.bws.to_numpy().ravel(),  # type: ignore[attr-defined]
        ]
    )
    return float(np.max(np.abs(mine - theirs)))


@pytest.fixture(scope="module")
def senate_extra(senate: pd.DataFrame) -> pd.DataFrame:
    """Senate data plus a made-up covariate and state-like clusters (for the options)."""
    rng = np.random.default_rng(3)
    frame = senate.copy()
    frame["z"] = rng.normal(size=len(frame)) + frame["margin"] / 50
    frame["group"] = rng.integers(0, 50, len(frame))
    return frame


def test_sharp_senate_equals_rdrobust(senate: pd.DataFrame) -> None:
    ours = rdd.robust(senate, outcome="vote", running="margin")
    peer = _peer(senate["vote"], senate["margin"])
    assert _gap(ours, peer) < TOL
    assert (ours.n_left, ours.n_right) == (published.N_LEFT, published.N_RIGHT)
    # The published printout, to its rounding (0.001).
    assert ours.h_left == pytest.approx(published.BANDWIDTH, abs=1e-3)
    assert ours.estimate == pytest.approx(published.ESTIMATE, abs=1e-3)


@pytest.mark.parametrize(
    ("options", "peer_options"),
    [
        ({"selector": "cerrd"}, {"bwselect": "cerrd"}),
        ({"selector": "msetwo", "vce": "hc2"}, {"bwselect": "msetwo", "vce": "hc2"}),
        ({"selector": "msecomb2", "vce": "hc3"}, {"bwselect": "msecomb2", "vce": "hc3"}),
        ({"vce": "hc0", "kernel": "epanechnikov"}, {"vce": "hc0", "kernel": "epa"}),
        ({"vce": "hc1", "kernel": "uniform", "order": 2}, {"vce": "hc1", "kernel": "uni", "p": 2}),
        ({"bandwidth": 15.0, "bias_bandwidth": 25.0}, {"h": 15.0, "b": 25.0}),
    ],
)
def test_sharp_options_equal_rdrobust(
    senate: pd.DataFrame, options: dict[str, object], peer_options: dict[str, object]
) -> None:
    ours = rdd.robust(senate, outcome="vote", running="margin", **options)  # type: ignore[arg-type]
    peer = _peer(senate["vote"], senate["margin"], **peer_options)
    assert _gap(ours, peer) < TOL


def test_covariates_and_clusters_equal_rdrobust(senate_extra: pd.DataFrame) -> None:
    ours = rdd.robust(
        senate_extra, outcome="vote", running="margin", covariates=["z"], cluster="group"
    )
    peer = _peer(
        senate_extra["vote"],
        senate_extra["margin"],
        covs=senate_extra[["z"]],
        cluster=senate_extra["group"],
    )
    assert _gap(ours, peer) < TOL
    assert ours.vce == "cr1" and ours.n_clusters == 50
    # h = b with clusters takes rdrobust's other branch for the robust variance.
    ours = rdd.robust(senate_extra, outcome="vote", running="margin", cluster="group", bandwidth=15)
    peer = _peer(senate_extra["vote"], senate_extra["margin"], cluster=senate_extra["group"], h=15)
    assert _gap(ours, peer) < TOL


def test_bandwidth_selectors_equal_rdbwselect(senate: pd.DataFrame) -> None:
    for selector in ("mserd", "msesum", "msecomb1", "certwo", "cersum"):
        ours = rdd.robust_bandwidth(senate, outcome="vote", running="margin", selector=selector)
        peer = rdbwselect(senate["vote"], senate["margin"], bwselect=selector)
        mine = [ours.h_left, ours.h_right, ours.b_left, ours.b_right]
        assert np.max(np.abs(np.array(mine) - peer.bws.to_numpy()[0])) < TOL


@pytest.fixture(scope="module")
def mortgages() -> pd.DataFrame:
    """Fetter (2013) via causaldata: veteran status jumps at the Korean War cohort cutoff.

    Kept to births within 12 quarters of the cutoff (57,000 men), which keeps the
    test fast; the running variable has 12 distinct values a side (mass points).
    """
    from causaldata import mortgages as source

    frame = source.load_pandas().data
    return frame[frame["qob_minus_kw"].abs() < 12].reset_index(drop=True)


def test_fuzzy_mortgages_equals_rdrobust(mortgages: pd.DataFrame) -> None:
    ours = rdd.robust(
        mortgages, outcome="home_ownership", running="qob_minus_kw", treatment="vet_wwko"
    )
    peer = _peer(
        mortgages["home_ownership"], mortgages["qob_minus_kw"], fuzzy=mortgages["vet_wwko"]
    )
    assert _gap(ours, peer) < TOL
    table = ours.tidy().set_index("term")
    first = table.loc["first stage: robust"]
    assert abs(first["estimate"] - peer.tau_T.iloc[2, 0]) < TOL  # type: ignore[attr-defined]
    assert abs(first["se"] - peer.se_T.iloc[2, 0]) < TOL  # type: ignore[attr-defined]
    assert abs(first["ci_low"] - peer.ci_T.iloc[2, 0]) < TOL  # type: ignore[attr-defined]
    # The reduced form is the sharp RD of the outcome at the same h and b.
    sharp = _peer(
        mortgages["home_ownership"], mortgages["qob_minus_kw"], h=ours.h_left, b=ours.b_left
    )
    reduced = table.loc["reduced form: robust"]
    assert abs(reduced["estimate"] - sharp.coef.iloc[2, 0]) < TOL  # type: ignore[attr-defined]
    assert abs(reduced["se"] - sharp.se.iloc[2, 0]) < TOL  # type: ignore[attr-defined]
    assert ours.estimate == pytest.approx(ours.reduced_form / ours.first_stage, abs=1e-10)


def test_fuzzy_with_covariates_equals_rdrobust(mortgages: pd.DataFrame) -> None:
    ours = rdd.robust(
        mortgages,
        outcome="home_ownership",
        running="qob_minus_kw",
        treatment="vet_wwko",
        covariates=["nonwhite"],
        vce="hc1",
    )
    peer = _peer(
        mortgages["home_ownership"],
        mortgages["qob_minus_kw"],
        fuzzy=mortgages["vet_wwko"],
        covs=mortgages[["nonwhite"]],
        vce="hc1",
    )
    assert _gap(ours, peer) < TOL


def test_masspoints_off_equals_rdrobust(senate: pd.DataFrame) -> None:
    rounded = senate.assign(margin=senate["margin"].round(0))  # whole points: mass points
    for masspoints in ("off", "adjust"):
        ours = rdd.robust(rounded, outcome="vote", running="margin", masspoints=masspoints)
        peer = _peer(rounded["vote"], rounded["margin"], masspoints=masspoints)
        assert _gap(ours, peer) < TOL


def test_bad_inputs_are_refused(senate: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="vce"):
        rdd.robust(senate, outcome="vote", running="margin", vce="bootstrap")
    with pytest.raises(ValueError, match="selector"):
        rdd.robust(senate, outcome="vote", running="margin", selector="ik")
    with pytest.raises(ValueError, match="range"):
        rdd.robust(senate, outcome="vote", running="margin", cutoff=500)
    with pytest.raises(ValueError, match="first stage"):
        rdd.robust(senate.assign(t=1), outcome="vote", running="margin", treatment="t")
    with pytest.raises(ValueError, match="bias_bandwidth"):
        rdd.robust(senate, outcome="vote", running="margin", bias_bandwidth=3)


def test_result_reports(senate: pd.DataFrame) -> None:
    fit = rdd.robust(senate, outcome="vote", running="margin", level=0.9)
    assert list(fit.tidy()["term"]) == ["conventional", "bias-corrected", "robust"]
    assert "robust" in fit.summary()
    assert fit.plot().get_xlabel().startswith("margin")


def test_one_sided_compliance_and_clustered_cer_equal_rdrobust(
    senate_extra: pd.DataFrame,
) -> None:
    rng = np.random.default_rng(1)
    frame = senate_extra.assign(
        t=((senate_extra["margin"] >= 0) & (rng.uniform(size=len(senate_extra)) < 0.7)) * 1.0
    )
    # Nobody below the cutoff is treated: rdrobust then selects sharp bandwidths.
    ours = rdd.robust(frame, outcome="vote", running="margin", treatment="t")
    peer = _peer(frame["vote"], frame["margin"], fuzzy=frame["t"])
    assert _gap(ours, peer) < TOL
    # CER-optimal with clusters shrinks by the number of clusters, not of rows.
    ours = rdd.robust(frame, outcome="vote", running="margin", cluster="group", selector="cerrd")
    peer = _peer(frame["vote"], frame["margin"], cluster=frame["group"], bwselect="cerrd")
    assert _gap(ours, peer) < TOL
