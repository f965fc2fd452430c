"""The one result contract, checked on a real call of every result class.

Every class the library returns is found by introspection: the subclasses of
:class:`evaluation.results.Result` and the classes that keep the smaller
:class:`evaluation.results.Report` protocol. Each must have a factory below (a
new result class without one fails :func:`test_every_result_class_has_a_real_call`),
and each real call is checked for the contract: immutable; ``tidy()`` a new frame
(with :data:`~evaluation.results.TIDY_COLUMNS` first for an estimate); ``summary()``
text; ``plot(*, ax=None)`` keyword-only, drawing a finished figure (title,
labelled axes, one source line); the ``outcome`` column recorded; and a
different ``level`` changes the interval.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest

import evaluation
from evaluation import (
    compare,
    contracts,
    did,
    disclosure,
    its,
    markets,
    matching,
    meta,
    panel,
    power,
    rdd,
    synth,
    vfm,
)
from evaluation.data import canonical, standards
from evaluation.guide import designs
from evaluation.report import style
from evaluation.results import TIDY_COLUMNS, Report, Result
from evaluation.simulate import contracts as sim_contracts
from evaluation.simulate import did as sim_did
from evaluation.simulate import employment as sim_employment
from evaluation.simulate import its as sim_its
from evaluation.simulate import matching as sim_matching
from evaluation.simulate import performance as sim_performance
from evaluation.simulate import rdd as sim_rdd
from evaluation.simulate import synth as sim_synth
from evaluation.simulate.tender import tender
from tests.test_contracts import counts as wp_counts

matplotlib.use("Agg")


def _library_classes() -> dict[str, type]:
    """Every class defined in the library that is a Result or keeps the Report protocol."""
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(evaluation.__path__, "evaluation."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (
                not inspect.isclass(obj)
                or obj.__module__ != module.__name__
                or obj in (Result, Report)
            ):
                continue
            if issubclass(obj, Result) or (hasattr(obj, "tidy") and hasattr(obj, "summary")):
                found[name] = obj
    return found


CLASSES = _library_classes()

# --------------------------------------------------------------------------- data
STAGGERED = sim_did.staggered_adoption(n_units=120, seed=1)
PROGRAMME = sim_matching.voluntary_programme(n=1500, seed=2)
COVARIATES = ["age", "prior_offences", "employed"]
THRESHOLD = sim_rdd.threshold_rule(n=2000, seed=1)
SERIES = sim_its.series(seed=1)
PROVIDERS = sim_performance.providers(seed=1)
PEOPLE = sim_performance.people(seed=1)
CONTRACTS = sim_employment.contracts(seed=1)
SYNTH = sim_synth.panel(seed=1)


def _two_by_two() -> pd.DataFrame:
    frame = STAGGERED[STAGGERED["cohort"].isin([0, 5])].copy()
    frame["treated_group"] = (frame["cohort"] == 5).astype(int)
    frame["after"] = (frame["time"] >= 5).astype(int)
    return frame


def _panel(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    units, years = 30, 6
    frame = pd.DataFrame(
        {"unit": np.repeat(np.arange(units), years), "year": np.tile(np.arange(years), units)}
    )
    frame["x"] = rng.normal(size=len(frame)) + frame["unit"] / units
    frame["y"] = 0.5 * frame["x"] + frame["unit"] / 10 + rng.normal(size=len(frame))
    return frame


def _ownership(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    owner = rng.choice(["ts", "fp", "la"], size=600)
    size = rng.integers(10, 80, size=600)
    bad = rng.random(600) < np.where(owner == "fp", 0.3, 0.2)
    return pd.DataFrame({"owner": owner, "size": size, "bad": bad.astype(int)})


def _reconviction() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rate": [40.0, 42.0, 36.0, 50.0, 51.0, 52.0],
            "n": [500, 500, 400, 5000, 5000, 5000],
            "treated": [1, 1, 1, 0, 0, 0],
            "post": [0, 0, 1, 0, 0, 1],
        }
    )


def _flows() -> pd.DataFrame:
    return pd.DataFrame(
        {"year": [0, 1, 2, 3], "cost": [1_000, 100, 100, 0], "benefit": [0, 400, 400, 400]}
    )


def _standard_table() -> pd.DataFrame:
    """A provider table that breaks the standard in several ways: a real report to read."""
    return pd.DataFrame({"provider_id": ["P1", "P1"], "numerator": [30, -2]})


# --------------------------------------------------------------------------- real calls
# Each factory takes the confidence level (ignored where the class has none) and
# returns (result, the outcome column it was asked about, or None).
Factory = Callable[[float], tuple[Any, str | None]]
DID = {"outcome": "outcome", "unit": "unit", "time": "time"}
RATES = {"unit": "provider", "events": "events", "denominator": "denominator"}
FACTORIES: dict[str, Factory] = {
    "TwoByTwoResult": lambda lv: (
        did.two_by_two(_two_by_two(), outcome="outcome", treated="treated_group",
                       post="after", level=lv), "outcome"),
    "SwitchingResult": lambda lv: (
        did.switching(sim_did.switching_panel(n_units=120, seed=1), outcome="outcome",
                      unit="unit", time="time", treatment="treated", level=lv), "outcome"),
    "TwfeResult": lambda lv: (
        did.twfe(STAGGERED, **DID, treatment="treated", level=lv), "outcome"),
    "StaggeredResult": lambda lv: (
        did.staggered(STAGGERED, **DID, cohort="cohort", level=lv), "outcome"),
    "EventStudyResult": lambda lv: (
        did.event_study(STAGGERED, **DID, cohort="cohort", level=lv), "outcome"),
    "ImputationResult": lambda lv: (
        did.imputation(STAGGERED, **DID, cohort="cohort", level=lv), "outcome"),
    "BaconResult": lambda lv: (
        did.bacon_decomposition(STAGGERED, **DID, treatment="treated", level=lv), "outcome"),
    "WildBootstrapResult": lambda lv: (
        did.wild_bootstrap(STAGGERED, estimator="event_study", **DID, cohort="cohort",
                           replications=99, seed=1, level=lv), "outcome"),
    "TrendSensitivityResult": lambda lv: (
        did.trend_sensitivity(did.event_study(STAGGERED, **DID, cohort="cohort", window=(-3, 1)),
                        bounds=[0, 1],
                        grid_points=50, level=lv), "outcome"),
    "SyntheticControlResult": lambda lv: (
        synth.synthetic_control(SYNTH, outcome="outcome", unit="unit", time="period",
                                treated_unit=SYNTH.loc[SYNTH["treated"] == 1, "unit"].iloc[0],
                                treatment_time=SYNTH.attrs["treatment_time"]), "outcome"),
    "PlaceboResult": lambda lv: (FACTORIES["SyntheticControlResult"](lv)[0].placebo(), "outcome"),
    "SeveralTreatedResult": lambda lv: (
        synth.synthetic_control_several(SYNTH, outcome="outcome", unit="unit", time="period",
                                        treated_unit=["treated", "donor 01"],
                                        treatment_time=SYNTH.attrs["treatment_time"],
                                        replications=20, seed=1), "outcome"),
    "ConformalResult": lambda lv: (
        synth.conformal_intervals(FACTORIES["SyntheticControlResult"](lv)[0], level=0.9),
        "outcome"),
    "SyntheticDiDResult": lambda lv: (
        synth.synthetic_did(SYNTH, outcome="outcome", unit="unit", time="period",
                            treated_unit="treated", treatment_time=SYNTH.attrs["treatment_time"],
                            replications=10, seed=1, level=lv), "outcome"),
    "SegmentedResult": lambda lv: (
        its.segmented(SERIES, outcome="outcome", time="month",
                      treatment_time=SERIES.attrs["treatment_time"], level=lv), "outcome"),
    "StructuralResult": lambda lv: (
        its.structural(SERIES, outcome="outcome", time="month",
                       treatment_time=SERIES.attrs["treatment_time"], level=lv), "outcome"),
    "RDResult": lambda lv: (
        rdd.local_linear(THRESHOLD, outcome="reoffended", running="risk_score", cutoff=50,
                         level=lv), "reoffended"),
    "DensityTest": lambda lv: (
        rdd.density_test(THRESHOLD, running="risk_score", cutoff=50, level=lv), None),
    "RobustRDResult": lambda lv: (
        rdd.robust(THRESHOLD, outcome="reoffended", running="risk_score", cutoff=50,
                   covariates=["age"], level=lv), "reoffended"),
    "RobustBandwidth": lambda lv: (
        rdd.robust_bandwidth(THRESHOLD, outcome="reoffended", running="risk_score", cutoff=50),
        "reoffended"),
    "LocalDensityTest": lambda lv: (
        rdd.local_density_test(THRESHOLD, running="risk_score", cutoff=50, level=lv), None),
    "RDPower": lambda lv: (
        power.rd_power(THRESHOLD, outcome="reoffended", running="risk_score", cutoff=50), None),
    "IKBandwidth": lambda lv: (
        rdd.ik_bandwidth(THRESHOLD, outcome="reoffended", running="risk_score", cutoff=50),
        "reoffended"),
    "ObservationalResult": lambda lv: (
        matching.ipw(PROGRAMME, outcome="reoffended", treatment="took_part",
                     covariates=COVARIATES, level=lv), "reoffended"),
    "MatchingResult": lambda lv: (
        matching.nearest_neighbour(PROGRAMME, outcome="reoffended", treatment="took_part",
                                   covariates=COVARIATES, level=lv), "reoffended"),
    "ConfounderSensitivityResult": lambda lv: (
        matching.confounder_sensitivity(PROGRAMME, outcome="reoffended", treatment="took_part",
                                        covariates=COVARIATES, benchmarks=["age"], kd=[1, 2],
                                        level=lv), "reoffended"),
    "RosenbaumBounds": lambda lv: (
        matching.rosenbaum_bounds(
            matching.matched_pairs(
                matching.nearest_neighbour(PROGRAMME, outcome="reoffended", treatment="took_part",
                                           covariates=COVARIATES, replace=False), PROGRAMME),
            outcome="reoffended", treatment="took_part", pair="pair"), None),
    "Balance": lambda lv: (
        matching.balance(PROGRAMME, treatment="took_part", covariates=COVARIATES), None),
    "FunnelResult": lambda lv: (compare.funnel(PROVIDERS, **RATES), None),
    "ShrinkageResult": lambda lv: (compare.shrink(PROVIDERS, **RATES, level=lv), None),
    "RankResult": lambda lv: (
        compare.rank_intervals(PROVIDERS, **RATES, replications=200, seed=1, level=lv), None),
    "RiskAdjustedResult": lambda lv: (
        compare.risk_adjust(PEOPLE, outcome="outcome", unit="provider",
                            covariates=["age_band", "deprived", "frailty"], level=lv), "outcome"),
    "VarianceComponents": lambda lv: (
        compare.variance_components(_panel(), outcome="y", unit="unit", time="year", level=lv),
        "y"),
    "PooledResult": lambda lv: (
        meta.pool(canonical.bcg_trials()["log_rr"], canonical.bcg_trials()["se"], level=lv),
        None),
    "ConcentrationGradient": lambda lv: (
        markets.concentration_gradient(_panel().assign(hhi=lambda f: 1_000 + 100 * f["x"]),
                                       outcome="y", concentration="hhi", level=lv), "y"),
    "GamingDiagnostic": lambda lv: (
        contracts.gaming_diagnostic(wp_counts(), group="group", denominator="n", events="jobs",
                                    expected="expected", minimum="mpl", level=lv), None),
    "ProviderResponse": lambda lv: (
        contracts.provider_response(
            sim_contracts.calibrated_groups(),
            sim_contracts.flat_tariffs(sim_contracts.calibrated_groups()),
        ), None),
    "PowerCalculation": lambda lv: (power.mde(n_obs=400), None),
    "Appraisal": lambda lv: (
        vfm.appraisal(_flows(), time="year", costs="cost", benefits="benefit"), None),
    "Recommendation": lambda lv: (
        designs.choose_design(randomised=False, threshold=False, n_treated_units=20,
                              n_pre_periods=4, comparison_group=True), None),
    "ValidationReport": lambda lv: (standards.validate(_standard_table()), None),
    "PanelAssociation": lambda lv: (
        panel.association(_panel(), outcome="y", exposure="x", unit="unit",
                                  time="year", level=lv), "y"),
    "GroupGaps": lambda lv: (
        compare.group_gaps(_ownership(), outcome="bad", group="owner", reference_group="ts",
                            headline="fp", covariates=["size"], level=lv), "bad"),
    "WithinAreaResult": lambda lv: (
        compare.within_area(CONTRACTS, area="area", provider="provider",
                               events="job_outcomes", denominator="referrals", level=lv), None),
    "ProviderEffectsResult": lambda lv: (
        compare.provider_effects(CONTRACTS, area="area", provider="provider",
                                    events="job_outcomes", denominator="referrals", level=lv),
        None),
    "TwoByTwoRatesResult": lambda lv: (
        did.two_by_two_rates(_reconviction(), outcome="rate", denominator="n",
                                   treated="treated", post="post", level=lv), "rate"),
    "ChanceResult": lambda lv: (
        power.chance_significant(np.array([[40, 50, 60], [50, 50, 50], [45, 52, 58]]),
                                     [100, 100, 100], baseline=0.5, level=lv), None),
    "RatingComparison": lambda lv: (
        compare.rating_comparison(
            pd.DataFrame({"who": ["public", "private"], "g": [5, 1], "o": [0, 0], "n": [7, 21]}),
            group="who", good=["g", "o"], rated="n", first="public", second="private",
            level=lv), None),
    "TenderResult": lambda lv: (tender(replications=50, seed=1), None),
    "DisclosureCheck": lambda lv: (
        disclosure.check_counts(pd.DataFrame({"area": list("abc"), "n": [4, 30, 25]}),
                                count="n", keys=["area"]), None),
}  # fmt: skip


def test_every_result_class_has_a_real_call() -> None:
    missing = sorted(set(CLASSES) - set(FACTORIES))
    assert not missing, f"result classes with no real call in FACTORIES: {missing}"
    unknown = sorted(set(FACTORIES) - set(CLASSES))
    assert not unknown, f"FACTORIES names classes the library does not have: {unknown}"


@pytest.fixture(scope="module")
def made() -> dict[str, tuple[Any, str | None]]:
    return {name: factory(0.95) for name, factory in FACTORIES.items()}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_the_call_returns_its_class(name: str, made: dict[str, tuple[Any, str | None]]) -> None:
    result, _ = made[name]
    assert type(result).__name__ == name
    assert isinstance(result, Report)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_results_are_immutable(name: str, made: dict[str, tuple[Any, str | None]]) -> None:
    result, _ = made[name]
    assert dataclasses.is_dataclass(result)
    assert type(result).__dataclass_params__.frozen  # type: ignore[attr-defined]
    field = dataclasses.fields(result)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(result, field, None)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_tidy_is_a_new_frame_with_the_columns(
    name: str, made: dict[str, tuple[Any, str | None]]
) -> None:
    result, _ = made[name]
    first = result.tidy()
    assert isinstance(first, pd.DataFrame) and len(first) > 0
    if isinstance(result, Result):
        assert tuple(first.columns[: len(TIDY_COLUMNS)]) == TIDY_COLUMNS
    first["probe"] = 1  # changes the frame handed out, in place
    assert "probe" not in result.tidy().columns, "tidy() handed out the result's own frame"


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_frames_handed_out_are_copies(name: str, made: dict[str, tuple[Any, str | None]]) -> None:
    result, _ = made[name]
    for attr, value in inspect.getmembers(type(result)):
        if not isinstance(value, property):
            continue
        frame = getattr(result, attr)
        if not isinstance(frame, pd.DataFrame) or frame.empty:
            continue
        frame["probe"] = 1  # changes the frame handed out, in place
        assert "probe" not in getattr(result, attr).columns, f"{name}.{attr} is not a copy"


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_summary_is_text(name: str, made: dict[str, tuple[Any, str | None]]) -> None:
    result, _ = made[name]
    text = result.summary()
    assert isinstance(text, str) and text.strip()


@pytest.mark.parametrize("name", sorted(n for n in FACTORIES if hasattr(CLASSES.get(n), "plot")))
def test_plot_takes_ax_by_keyword_only(name: str) -> None:
    signature = inspect.signature(CLASSES[name].plot)
    ax = signature.parameters.get("ax")
    assert ax is not None, f"{name}.plot has no ax argument"
    assert ax.kind is inspect.Parameter.KEYWORD_ONLY and ax.default is None


#: The plots that still take drawing options beside ``ax``, each used by a chapter
#: or a test. Every other result's ``plot`` is exactly ``(self, *, ax=None)``.
PLOT_OPTIONS = {
    "ConfounderSensitivityResult": ("statistic",),
    "FunnelResult": ("label_outliers",),
    "PlaceboResult": ("max_pre_rmspe_multiple",),
    "PooledResult": ("transform",),
    "RDResult": ("bins", "window"),
    "SyntheticControlResult": ("placebo",),
    "TenderResult": ("measure", "line"),
}


@pytest.mark.parametrize("name", sorted(n for n, cls in CLASSES.items() if hasattr(cls, "plot")))
def test_plot_has_the_one_signature(name: str) -> None:
    """No plot takes label words: each draws its own, and style.finish changes them."""
    parameters = inspect.signature(CLASSES[name].plot).parameters
    assert not {"title", "xlabel", "ylabel", "source"} & set(parameters), name
    options = tuple(p for p in parameters if p not in ("self", "ax"))
    assert options == PLOT_OPTIONS.get(name, ()), f"{name}.plot takes {options}"
    if name not in PLOT_OPTIONS:
        kinds = [(p.name, p.kind, p.default) for p in parameters.values()]
        assert kinds == [
            ("self", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
            ("ax", inspect.Parameter.KEYWORD_ONLY, None),
        ]


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_the_outcome_is_recorded(name: str, made: dict[str, tuple[Any, str | None]]) -> None:
    result, outcome = made[name]
    if isinstance(result, Result):
        assert result.outcome == outcome
        assert isinstance(result.estimand, str) and result.estimand


LEVELLED = sorted(
    name
    for name, cls in CLASSES.items()
    if issubclass(cls, Result)
    and name in FACTORIES
    and "level=lv" in inspect.getsource(FACTORIES[name])
)


def _width(result: Result) -> float:
    """The headline interval's width, or, where the headline has none, the tidy rows' total."""
    if np.isfinite(result.ci_high - result.ci_low):
        return float(result.ci_high - result.ci_low)
    table = result.tidy()
    return float((table["ci_high"] - table["ci_low"]).sum())


@pytest.mark.parametrize("name", LEVELLED)
def test_level_changes_the_interval(name: str) -> None:
    narrow, _ = FACTORIES[name](0.80)
    wide, _ = FACTORIES[name](0.99)
    assert narrow.level == 0.80 and wide.level == 0.99
    assert _width(wide) > _width(narrow) > 0


#: The positional arguments a plot needs beyond ``ax`` (the tender plot draws one measure).
PLOT_ARGUMENTS: dict[str, tuple[Any, ...]] = {"TenderResult": ("price",)}
PLOTTED = sorted(n for n in FACTORIES if hasattr(CLASSES.get(n), "plot"))


def _source_lines(figure: Any) -> list[str]:
    """The source lines :func:`evaluation.report.style.finish` put on ``figure``."""
    return [text.get_text() for text in figure.texts if text.get_gid() == style._SOURCE_LINE]


@pytest.mark.parametrize("name", PLOTTED)
def test_plot_draws_a_finished_figure(name: str, made: dict[str, tuple[Any, str | None]]) -> None:
    """A title, labelled axes and one source line; finishing again re-words it."""
    import matplotlib.pyplot as plt

    result, _ = made[name]
    drawn = result.plot(*PLOT_ARGUMENTS.get(name, ()))
    axes = list(drawn) if isinstance(drawn, list | tuple) else [drawn]
    figure = axes[0].get_figure(root=True)
    try:
        suptitle = figure._suptitle.get_text() if figure._suptitle is not None else ""
        for ax in axes:
            titles = [ax.get_title(loc=place) for place in ("left", "center", "right")]
            assert any(titles) or suptitle, f"{name}.plot has no title"
            assert ax.get_xlabel() and ax.get_ylabel(), f"{name}.plot leaves an axis unlabelled"
        assert len(_source_lines(figure)) == 1, f"{name}.plot has {_source_lines(figure)}"
        style.finish(axes[0], title="X", xlabel="x (units)", ylabel="y (units)", source="Y")
        assert "X" in [axes[0].get_title(loc=place) for place in ("left", "center", "right")]
        assert _source_lines(figure) == ["Y"]
    finally:
        plt.close(figure)
