"""The wild cluster bootstrap, side by side with the ``wildboottest`` package.

The peer (``wildboottest`` 0.3, test-only) runs in each test on the same
regression (our rows, its own cross-products and scores), with the same weight
type and the same draws: both draw ``numpy.random.default_rng(seed).choice``
over the support, cluster by cluster in sorted label order, and both enumerate
all ``2^G`` Rademacher draws when there are fewer than ``B``. So p-values are
not compared to Monte Carlo error but exactly: the bootstrap t-statistics agree
to 1e-8 and the p-values are equal, once one difference of convention is
allowed for. We count a draw whose ``|t*|`` ties ``|t|`` (the draw of all ones,
and of all minus ones, which every full enumeration holds) as at least as
extreme; the peer compares with a strict "<", which rounding can put either
side of a tie, so its p-value is lower by at most the ties over ``B``
(``2/256`` with 8 clusters). The peer's numba kernel is run as plain
Python (``numba.config.DISABLE_JIT``): the same arithmetic, without a compile
of several seconds on each call.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from evaluation import did
from evaluation.simulate.did import staggered_adoption
from evaluation.simulate.wild import few_clusters

wbt = pytest.importorskip("wildboottest.wildboottest")

EXACT = 1e-8  # identical draws: bootstrap t-statistics agree to rounding
TIE = 1e-10  # relative distance at which |t*| and |t| are the same number


@pytest.fixture(autouse=True)
def _peer_without_compiling() -> Iterator[None]:
    numba = pytest.importorskip("numba")
    before = numba.config.DISABLE_JIT
    numba.config.DISABLE_JIT = True
    yield
    numba.config.DISABLE_JIT = before


def _peer(
    X: np.ndarray, y: np.ndarray, cluster: np.ndarray, R: np.ndarray, **how: object
) -> object:
    """The peer's WCR (type 11, CR1) on the same rows; returns the fitted object."""
    boot = wbt.WildboottestCL(X=X, Y=y, cluster=cluster, R=R, B=how["B"], seed=how["seed"],
                              parallel=False)  # fmt: skip
    boot.get_scores(bootstrap_type="11", impose_null=True)
    boot.get_weights(weights_type=how["weights_type"])
    for step in ("get_numer", "get_denom", "get_tboot", "get_vcov", "get_tstat", "get_pvalue"):
        getattr(boot, step)()
    return boot


def _p_counting_ties(boot: object) -> float:
    t, t_boot = abs(float(boot.t_stat)), np.abs(boot.t_boot)  # type: ignore[attr-defined]
    return float(np.mean(t_boot >= t * (1 - TIE)))


def _two_by_two_rows(data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    g, p = data["treated"].to_numpy(float), data["post"].to_numpy(float)
    return np.column_stack([np.ones(len(data)), g, p, g * p]), data["outcome"].to_numpy(float)


def test_rademacher_with_eight_clusters_is_exact_and_equals_the_peer() -> None:
    """8 clusters: both enumerate all 256 Rademacher draws, so neither is random."""
    data = few_clusters(8, seed=3)
    ours = did.wild_bootstrap(data, estimator="two_by_two", outcome="outcome", treated="treated",
                              post="post", cluster="cluster", replications=999)  # fmt: skip
    X, y = _two_by_two_rows(data)
    boot = _peer(X, y, data["cluster"].to_numpy(), np.array([0, 0, 0, 1.0]), B=999, seed=1,
                 weights_type="rademacher")  # fmt: skip
    assert ours.enumerated and ours.replications == 256 == boot.B
    assert ours.estimate / ours.se == pytest.approx(float(boot.t_stat), abs=EXACT)
    assert ours.p_value == _p_counting_ties(boot)
    ties = np.sum(np.isclose(np.abs(boot.t_boot), abs(float(boot.t_stat)), rtol=TIE, atol=0))
    # The peer's strict "<" meets the ties with rounding noise: it counts 0, 1 or 2 of them.
    assert ties == 2 and 0 <= ours.p_value - boot.pvalue <= ties / 256 + 1e-12
    # The analytic standard error is the estimator's own.
    plain = did.two_by_two(data, outcome="outcome", treated="treated", post="post",
                           cluster="cluster")  # fmt: skip
    assert ours.se == pytest.approx(plain.se, rel=1e-10)
    assert ours.analytic_p_value == plain.p_value


def test_webb_draws_give_the_peers_p_value_and_the_interval_inverts_its_test() -> None:
    """12 clusters, Webb weights, the same seed: identical draws, identical p-values.

    The interval's upper end is where the peer's p-value (outcome shifted by the
    null value) crosses 5%: not rejected just inside it, rejected just outside.
    """
    data = few_clusters(12, seed=5)
    ours = did.wild_bootstrap(data, estimator="two_by_two", outcome="outcome", treated="treated",
                              post="post", cluster="cluster", weight_type="webb", replications=999,
                              seed=42)  # fmt: skip
    X, y = _two_by_two_rows(data)
    R, cluster = np.array([0, 0, 0, 1.0]), data["cluster"].to_numpy()
    boot = _peer(X, y, cluster, R, B=999, seed=42, weights_type="webb")
    assert ours.p_value == boot.pvalue == _p_counting_ties(boot)
    assert not ours.enumerated and ours.replications == 999
    step = 1e-6 * ours.se
    for r, rejected in [(ours.ci_high - step, False), (ours.ci_high + step, True)]:
        shifted = _peer(X, y - r * X[:, 3], cluster, R, B=999, seed=42, weights_type="webb")
        assert bool(shifted.pvalue <= 0.05) is rejected, (r, shifted.pvalue)
    assert ours.ci_low < ours.estimate < ours.ci_high


def test_weights_and_covariates_match_the_peer_on_the_weighted_rows() -> None:
    """Regression weights: the peer takes none, so it gets every row multiplied by the root
    of its weight (weighted least squares as ordinary least squares); same draws."""
    rng = np.random.default_rng(4)
    data = few_clusters(14, seed=6)
    data = data.assign(w=rng.uniform(0.5, 2.0, len(data)), x=rng.normal(size=len(data)))
    ours = did.wild_bootstrap(data, estimator="two_by_two", outcome="outcome", treated="treated",
                              post="post", cluster="cluster", covariates=["x"], weights="w",
                              weight_type="webb", replications=999, seed=9)  # fmt: skip
    X, y = _two_by_two_rows(data)
    root = np.sqrt(data["w"].to_numpy())
    X = np.column_stack([X, data["x"]]) * root[:, None]
    boot = _peer(X, y * root, data["cluster"].to_numpy(), np.array([0, 0, 0, 1.0, 0]), B=999,
                 seed=9, weights_type="webb")  # fmt: skip
    assert ours.p_value == boot.pvalue == _p_counting_ties(boot)
    assert ours.estimate / ours.se == pytest.approx(float(boot.t_stat), abs=EXACT)
    plain = did.two_by_two(data, outcome="outcome", treated="treated", post="post",
                           covariates=["x"], cluster="cluster", weights="w")  # fmt: skip
    assert ours.se == pytest.approx(plain.se, rel=1e-10)


def _panel() -> pd.DataFrame:
    panel = staggered_adoption(n_units=40, n_periods=5, cohorts=(3, 4), seed=8)
    return panel.assign(area=panel["unit"] % 16)  # 16 areas, each holding whole units


def _dummies(panel: pd.DataFrame, regressors: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The regression with every unit and period dummy written out (no demeaning)."""
    fe = pd.get_dummies(panel[["unit", "time"]].astype(str), drop_first=True, dtype=float)
    X = pd.concat([regressors, fe], axis=1).assign(const=1.0)
    return X, panel["outcome"].to_numpy(float)


def test_twfe_with_area_clusters_matches_the_peer_on_the_dummy_regression() -> None:
    """Our within regression against the peer's ``wildboottest()`` on all the dummies.

    Unit effects nested in the 16 area clusters: demeaning changes neither the
    coefficient nor any bootstrap draw (only the small-sample factor, which a
    bootstrap p-value does not depend on).
    """
    panel = _panel()
    ours = did.wild_bootstrap(panel, estimator="twfe", outcome="outcome", unit="unit",
                              time="time", treatment="treated", cluster="area",
                              weight_type="webb", replications=999, seed=7)  # fmt: skip
    X, y = _dummies(panel, panel[["treated"]].astype(float))
    model = sm.OLS(y, X)
    peer = wbt.wildboottest(model, B=999, cluster=panel["area"].to_numpy(), param="treated",
                            weights_type="webb", seed=7, parallel=False, show=False)  # fmt: skip
    assert ours.p_value == float(peer["p-value"].iloc[0])
    assert ours.estimate == pytest.approx(model.fit().params["treated"], abs=EXACT)
    plain = did.twfe(panel, outcome="outcome", unit="unit", time="time", treatment="treated",
                     cluster="area")  # fmt: skip
    assert ours.se == pytest.approx(plain.se, rel=1e-10) and ours.n_clusters == 16


def test_event_study_coefficients_match_the_peer_one_by_one() -> None:
    """Dynamic TWFE event study, Rademacher on 40 unit clusters (random draws, same seed):
    each event time's p-value is the peer's for that dummy's coefficient."""
    panel = _panel()
    ours = did.wild_bootstrap(panel, estimator="event_study", outcome="outcome", unit="unit",
                              time="time", cohort="cohort", method="twfe", replications=499,
                              seed=3)  # fmt: skip
    effects = ours.effects
    event_time = (panel["time"] - panel["cohort"]).where(panel["cohort"] > 0)
    dummies = pd.DataFrame({f"e{e:g}": (event_time == e).astype(float)
                            for e in effects["event_time"]})  # fmt: skip
    X, y = _dummies(panel, dummies)
    R, compared = np.zeros(X.shape[1]), 0
    for row in effects.itertuples():
        if row.event_time not in (-2, 1):  # two of the four, to keep the peer's time down
            continue
        R[:] = 0
        R[X.columns.get_loc(f"e{row.event_time:g}")] = 1
        boot = _peer(X.to_numpy(), y, panel["unit"].to_numpy(), R, B=499, seed=3,
                     weights_type="rademacher")  # fmt: skip
        assert row.p_value == _p_counting_ties(boot) == boot.pvalue
        compared += 1
    assert compared == 2
    plain = did.event_study(panel, outcome="outcome", unit="unit", time="time", cohort="cohort",
                            method="twfe")  # fmt: skip
    assert np.allclose(effects["se"], plain.effects["se"], rtol=1e-10)
    assert ours.estimate == pytest.approx(plain.estimate, abs=1e-12)
    assert len(ours.tidy()) == 1 + len(effects)


def test_interval_and_p_value_agree_with_each_other() -> None:
    """Test inversion: zero lies in the interval exactly when p > 1 - level."""
    data = few_clusters(10, seed=2).assign(outcome=lambda f: f["outcome"] + 1.5 * f["treated"]
                                           * f["post"])  # fmt: skip
    for level in (0.8, 0.95):
        fit = did.wild_bootstrap(data, estimator="two_by_two", outcome="outcome", treated="treated",
                                 post="post", cluster="cluster", weight_type="webb",
                                 replications=399, seed=1, level=level)  # fmt: skip
        assert (fit.ci_low <= 0 <= fit.ci_high) == (fit.p_value > 1 - level)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cluster": "one"}, "at least two clusters"),
        ({"replications": 0}, "replications must be a whole number of at least 1"),
        ({"replications": 9.5}, "replications must be a whole number"),
        ({"weight_type": "mammen"}, "weight_type must be 'rademacher' or 'webb'"),
        ({"estimator": "staggered"}, "estimator must be one of"),
        ({"post": None}, "needs post="),
        ({"unit": "cluster"}, "does not take unit="),
        ({"cluster": "nope"}, "cluster='nope' is not a column"),
    ],
)
def test_bad_input_is_refused(change: dict[str, object], message: str) -> None:
    data = few_clusters(6, seed=1).assign(one=1)
    call: dict[str, object] = {
        "estimator": "two_by_two", "outcome": "outcome", "treated": "treated", "post": "post",
        "cluster": "cluster",
    }  # fmt: skip
    with pytest.raises(ValueError, match=message):
        did.wild_bootstrap(data, **(call | change))  # type: ignore[arg-type]


def test_units_spanning_clusters_are_refused() -> None:
    panel = _panel().assign(area=lambda f: f["time"] % 2)
    with pytest.raises(ValueError, match="more than one cluster"):
        did.wild_bootstrap(panel, estimator="twfe", outcome="outcome", unit="unit", time="time",
                           treatment="treated", cluster="area")  # fmt: skip


def test_sun_abraham_average_is_one_linear_restriction_the_peer_tests_alike() -> None:
    """Sun-Abraham: the post-adoption average is a weighted sum of cohort-by-event-time
    coefficients (weights: each cohort's share of the rows at that event time, averaged over
    event times), tested as one restriction; the peer takes the same restriction vector."""
    panel = _panel()
    ours = did.wild_bootstrap(panel, estimator="event_study", outcome="outcome", unit="unit",
                              time="time", cohort="cohort", method="sun_abraham",
                              weight_type="webb", replications=499, seed=5)  # fmt: skip
    plain = did.event_study(panel, outcome="outcome", unit="unit", time="time", cohort="cohort")
    assert ours.estimate == pytest.approx(plain.estimate, abs=1e-12)
    assert ours.se == pytest.approx(plain.se, rel=1e-10)
    event_time = (panel["time"] - panel["cohort"]).where(panel["cohort"] > 0)
    cells = sorted({(g, e) for g, e in zip(panel["cohort"], event_time, strict=True)
                    if g > 0 and e != -1})  # fmt: skip
    dummies = pd.DataFrame({f"{g}:{e:g}": ((panel["cohort"] == g) & (event_time == e)).astype(float)
                            for g, e in cells})  # fmt: skip
    X, y = _dummies(panel, dummies)
    R = np.zeros(X.shape[1])
    post_times = sorted({e for _, e in cells if e >= 0})
    for e in post_times:
        rows = {g: dummies[f"{g}:{e:g}"].sum() for g, f in cells if f == e}
        for g, count in rows.items():
            R[X.columns.get_loc(f"{g}:{e:g}")] += count / sum(rows.values()) / len(post_times)
    boot = _peer(X.to_numpy(), y, panel["unit"].to_numpy(), R, B=499, seed=5, weights_type="webb")
    assert ours.p_value == boot.pvalue == _p_counting_ties(boot)
