"""What every evaluation.did estimator shares: invariances and labelled plots."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation import did
from evaluation.did._common import DEFAULT_SOURCE
from evaluation.results import Result
from tests.did.conftest import SIM

matplotlib.use("Agg")


# --- invariances ---------------------------------------------------------------------------

INVARIANCE = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _headline(fit: Result) -> np.ndarray:
    return np.array([fit.estimate, fit.se])


def _all_estimators(frame: pd.DataFrame) -> list[np.ndarray]:
    cs = did.staggered(frame, **SIM)
    return [
        _headline(cs),
        cs.group_time[["att", "se"]].to_numpy(),
        _headline(
            did.twfe(frame, outcome="outcome", unit="unit", time="time", treatment="treated")
        ),
        did.event_study(frame, **SIM).effects[["estimate", "se"]].to_numpy(),
        _headline(
            did.two_by_two(
                frame.assign(
                    post=(frame["time"] >= 3).astype(int), ever=(frame["cohort"] == 3).astype(int)
                ),
                outcome="outcome",
                treated="ever",
                post="post",
            )
        ),
    ]


@INVARIANCE
@given(seed=st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter(panel: pd.DataFrame, seed: int) -> None:
    shuffled = panel.sample(frac=1.0, random_state=seed)
    for a, b in zip(_all_estimators(panel), _all_estimators(shuffled), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@INVARIANCE
@given(shift=st.floats(-1e3, 1e3, allow_nan=False))
def test_adding_a_constant_to_the_outcome_changes_nothing(
    panel: pd.DataFrame, shift: float
) -> None:
    moved = panel.assign(outcome=panel["outcome"] + shift)
    for a, b in zip(_all_estimators(panel), _all_estimators(moved), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)


@INVARIANCE
@given(seed=st.integers(0, 2**32 - 1))
def test_relabelling_units_changes_nothing(panel: pd.DataFrame, seed: int) -> None:
    labels = np.random.default_rng(seed).permutation(panel["unit"].nunique()) * 7 + 1000
    relabelled = panel.assign(
        unit=panel["unit"].map(dict(zip(panel["unit"].unique(), labels, strict=True)))
    )
    for a, b in zip(_all_estimators(panel), _all_estimators(relabelled), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_plots_have_titles_and_labels(panel: pd.DataFrame, kielmc: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    for ax in (
        did.staggered(panel, **SIM, replications=99).plot(),
        did.event_study(panel, **SIM).plot(),
        did.two_by_two(kielmc, outcome="rprice", treated="nearinc", post="y81").plot(),
    ):
        # The house style puts titles on the left; read every position.
        title = "".join(ax.get_title(loc=where) for where in ("left", "center", "right"))
        assert title and ax.get_xlabel() and ax.get_ylabel()
        plt.close(ax.get_figure())


def test_finishing_a_plot_again_replaces_its_words(panel: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    from evaluation.report import style

    ax = did.event_study(panel, **SIM).plot()
    figure = ax.get_figure(root=True)
    assert [text.get_text() for text in figure.texts] == [DEFAULT_SOURCE]
    style.finish(
        ax,
        title="Our reform",
        xlabel="Years since it (event time)",
        ylabel="Effect (visits)",
        source="Source: simulated.",
    )
    assert "".join(ax.get_title(loc=where) for where in ("left", "center", "right")) == (
        "Our reform"
    )
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Years since it (event time)", "Effect (visits)")
    assert [text.get_text() for text in figure.texts] == ["Source: simulated."]
    plt.close(figure)
