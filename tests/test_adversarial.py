"""No silent wrong number: bad, degenerate and edge-case inputs, and what each must do.

Each case is an input that once gave a number (or a raw traceback) with no word of
warning. It must now give either a clear error that names the problem, or a warning
beside a correct result. The table covers the cases found by an adversarial review;
the property tests below it feed generated degenerate data (infinities, constants,
single units) to every estimator that takes a frame, and assert that each either
answers with finite numbers or refuses with our own ``ValueError``/``TypeError`` whose
message names a column or setting: never NaN without a word, never an error from
numpy, pandas, statsmodels or scipy.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evaluation
from evaluation import (
    cells,
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
from evaluation.compare import providers
from evaluation.data import registry
from evaluation.results import require_full_rank, require_level, require_no_missing
from evaluation.simulate import synth as sim_synth


def _did_frame(seed: int = 0, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g, t = rng.integers(0, 2, n), rng.integers(0, 2, n)
    y = 1.0 + 0.5 * g + 0.3 * t + 2.0 * g * t + rng.normal(0, 1, n)
    return pd.DataFrame({"y": y, "g": g, "t": t, "in_force": g * t})


def _its_frame(n: int = 48) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    month = np.arange(n)
    post = (month >= 24).astype(int)
    y = 10 + 0.1 * month - 2.5 * post + rng.normal(0, 1, n)
    return pd.DataFrame({"y": y, "month": month, "in_force": post})


def _units_panel() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    rows = [
        {"unit": u, "year": t, "owned": u % 2, "y": rng.normal(u % 2, 1)}
        for u in range(20)
        for t in range(5)
    ]
    return pd.DataFrame(rows)


def _matching_frame(n_treated: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 200
    d = np.zeros(n, dtype=int)
    d[:n_treated] = 1
    return pd.DataFrame({"y": rng.normal(0, 1, n), "d": d, "x": rng.normal(0, 1, n)})


def _versus_benchmark(k: list[int], n: list[int], benchmark_pct: float) -> Callable[[], object]:
    """A call of providers.versus_benchmark on events ``k`` out of ``n``."""
    return lambda: providers.versus_benchmark(
        pd.DataFrame({"k": k, "n": n}), events="k", denominator="n", benchmark_pct=benchmark_pct
    )


@dataclass(frozen=True)
class Case:
    """One bad input: the call, and the error or warning it must give."""

    name: str
    call: Callable[[], object]
    error: str | None = None  # regex the ValueError/TypeError must match
    warning: str | None = None  # regex of the warning that must come with the result


CASES = [
    Case(
        "Rosenbaum pairs from a matching with replacement (controls reused across pairs)",
        lambda: matching.matched_pairs(
            matching.nearest_neighbour(
                _matching_frame(50), outcome="y", treatment="d", covariates=["x"]
            ),
            _matching_frame(50),
        ),
        error="without replacement",
    ),
    Case(
        "sensitivity of an estimate on data that lack its rows",
        lambda: matching.sensitivity_of(
            matching.ipw(_matching_frame(50), outcome="y", treatment="d", covariates=["x"]),
            _matching_frame(50).iloc[:20],
        ),
        error="rows the estimate",
    ),
    Case(
        "fixed-effects association with an exposure absorbed by the unit effects",
        lambda: panel.association(
            _units_panel(), outcome="y", exposure="owned", unit="unit", time="year"
        ),
        error="owned",
    ),
    Case(
        "2x2 DiD with a covariate that repeats the interaction",
        lambda: did.two_by_two(
            _did_frame(), outcome="y", treated="g", post="t", covariates=["in_force"]
        ),
        error="'in_force' is a linear combination",
    ),
    Case(
        "segmented regression with a covariate that repeats the level change",
        lambda: its.segmented(
            _its_frame(), outcome="y", time="month", treatment_time=24, covariates=["in_force"]
        ),
        error="'in_force' is a linear combination",
    ),
    Case(
        "regression adjustment with a covariate that repeats the treatment",
        lambda: matching.regression_adjustment(
            _matching_frame(50).assign(d2=lambda f: f["d"] * 2.0),
            outcome="y",
            treatment="d",
            covariates=["d2"],
        ),
        error="'d2' is a linear combination",
    ),
    Case(
        "density test on a whole-number running variable",
        lambda: rdd.density_test(
            pd.DataFrame({"s": np.round(np.random.default_rng(1).normal(50, 15, 3000))}),
            running="s",
            cutoff=50,
        ),
        error="is discrete",
    ),
    Case("HHI band on the 0-1 scale", lambda: markets.classify([0.5]), error="0-1 scale"),
    Case(
        "equivalent providers on the 0-1 scale",
        lambda: markets.equivalent_providers(0.25),
        error="0-1 scale",
    ),
    Case(
        "concentration slope on the 0-1 scale",
        lambda: markets.concentration_gradient(
            pd.DataFrame({"hhi": [0.1, 0.2, 0.3, 0.4], "entry": [4.0, 3.0, 2.5, 1.0]}),
            outcome="entry",
            concentration="hhi",
        ),
        error="0-1 scale",
    ),
    Case(
        "difference in means with one treated unit",
        lambda: matching.difference_in_means(_matching_frame(1), outcome="y", treatment="d"),
        error="1 treated unit",
    ),
    Case(
        "regression adjustment with one treated unit",
        lambda: matching.regression_adjustment(
            _matching_frame(1), outcome="y", treatment="d", covariates=["x"]
        ),
        error="1 treated unit",
    ),
    Case(
        "difference in means of a constant outcome",
        lambda: matching.difference_in_means(
            _matching_frame(50).assign(y=1.0), outcome="y", treatment="d"
        ),
        error="one value in every row",
    ),
    Case(
        "a benchmark given as a proportion where per cent is meant",
        _versus_benchmark(k=[25, 20], n=[100, 100], benchmark_pct=0.2),
        warning="read as 0.2%",
    ),
    Case(
        "a row with more events than people",
        _versus_benchmark(k=[150, 10], n=[100, 1000], benchmark_pct=20),
        error="'k' greater than 'n'",
    ),
    Case(
        "rates DiD with a negative cohort size",
        lambda: did.two_by_two_rates(
            pd.DataFrame({"r": [40.0, 30, 50, 50], "n": [-1000, 1000, None, None]}).assign(
                t=[1, 1, 0, 0], p=[0, 1, 0, 1]
            ),
            outcome="r",
            denominator="n",
            treated="t",
            post="p",
        ),
        error="zero, negative or infinite",
    ),
    Case(
        "Newey-West lags of 47 on 48 months",
        lambda: its.segmented(
            _its_frame(), outcome="y", time="month", treatment_time=24, hac_lags=47
        ),
        error="hac_lags=47 on 48 periods",
    ),
    Case(
        "a season of 12.5 months",
        lambda: its.segmented(
            _its_frame(), outcome="y", time="month", treatment_time=24, seasonal=12.5
        ),
        error="seasonal must be a whole number",
    ),
    Case(
        "a 95 per cent level given as 95",
        lambda: its.segmented(_its_frame(), outcome="y", time="month", treatment_time=24, level=95),
        error="level must lie strictly between 0 and 1",
    ),
    Case(
        "a level of zero",
        lambda: its.segmented(_its_frame(), outcome="y", time="month", treatment_time=24, level=0),
        error="level must lie strictly between 0 and 1",
    ),
    Case(
        "balance weights in a Series whose index does not match the rows",
        lambda: matching.balance(
            _matching_frame(50),
            treatment="d",
            covariates=["x"],
            weights=pd.Series(1.0, index=range(1000, 1200)),
        ),
        error="index does not match",
    ),
    Case(
        "infinity in an outcome",
        lambda: did.two_by_two(
            _did_frame().assign(y=lambda f: f["y"].where(f.index != 3, np.inf)),
            outcome="y",
            treated="g",
            post="t",
        ),
        error="infinite value",
    ),
    Case(
        "infinity in a running variable",
        lambda: rdd.local_linear(
            pd.DataFrame({"x": np.r_[np.linspace(-1, 1, 99), np.inf], "y": np.linspace(0, 1, 100)}),
            outcome="y",
            running="x",
            cutoff=0.0,
        ),
        error="infinite value",
    ),
    Case(
        "conformal intervals at a level the pre-period cannot reach",
        lambda: synth.conformal_intervals(
            synth.synthetic_control(
                sim_synth.panel(seed=1, n_donors=5, n_pre=8, n_post=2),
                outcome="outcome",
                unit="unit",
                time="period",
                treated_unit="treated",
                treatment_time=8,
            ),
            level=0.95,
        ),
        error="whole line",
    ),
    Case(
        "synthetic control weights with no donors",
        lambda: synth.simplex_least_squares(np.empty((5, 0)), np.ones(5)),
        error="nothing to weight",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_gets_an_error_or_a_warning(case: Case) -> None:
    if case.error is not None:
        with pytest.raises((ValueError, TypeError), match=case.error):
            case.call()
    else:
        with pytest.warns(UserWarning, match=case.warning):
            case.call()


def test_rank_check_names_the_collinear_column() -> None:
    x = np.column_stack([np.ones(6), np.arange(6.0), 2 * np.arange(6.0)])
    with pytest.raises(
        ValueError, match=r"'b' is a linear combination of the columns before it \(const, a\)"
    ):
        require_full_rank(x, ["const", "a", "b"])
    with pytest.raises(ValueError, match="'z' is all zero"):
        require_full_rank(np.column_stack([np.ones(3), np.zeros(3)]), ["const", "z"])
    require_full_rank(np.column_stack([np.ones(3), [1.0, 2.0, 4.0]]), ["const", "a"])


@pytest.mark.parametrize("bad", [0, 1, 95, -0.5, True, "0.95"])
def test_levels_outside_zero_and_one_are_refused(bad: object) -> None:
    with pytest.raises((ValueError, TypeError), match="level"):
        require_level(bad)


def test_infinity_is_refused_with_missing_values() -> None:
    with pytest.raises(ValueError, match=r"1 infinite value\(s\) \(rows 2\)"):
        require_no_missing(pd.DataFrame({"y": [1.0, 2.0, -np.inf]}), ["y"])
    require_no_missing(pd.DataFrame({"flag": [True, False]}), ["flag"])


def test_density_test_at_the_spacing_of_a_discrete_score_keeps_its_size() -> None:
    """With one bin per value the test rejects about 5% of null datasets at 5%."""
    rejections = 0
    for seed in range(60):
        x = np.round(np.random.default_rng(seed).normal(50, 15, 3000))
        test = rdd.density_test(pd.DataFrame({"s": x}), running="s", cutoff=50, bin_width=1)
        rejections += test.p_value < 0.05
    assert rejections <= 8  # binomial(60, 0.05): P(X > 8) < 0.01


def test_the_reference_case_still_gives_the_right_answer() -> None:
    """Without the repeated covariate the 2x2 is the difference of the four cell means."""
    frame = _did_frame(seed=1, n=4000)
    means = frame.groupby(["g", "t"])["y"].mean()
    by_hand = (means[1, 1] - means[1, 0]) - (means[0, 1] - means[0, 0])
    fit = did.two_by_two(frame, outcome="y", treated="g", post="t")
    assert fit.estimate == pytest.approx(by_hand, abs=1e-10)
    assert fit.ci_low < 2.0 < fit.ci_high  # the simulated effect


# --- the command line ------------------------------------------------------------------


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evaluation", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def _env(**extra: str) -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "EVALUATION_DATA_DIR"} | extra


def test_verify_with_a_data_folder_that_does_not_exist_fails(tmp_path: Path) -> None:
    done = _cli(
        "data",
        "verify",
        "care_home_hhi_district",
        env=_env(EVALUATION_DATA_DIR=str(tmp_path / "nowhere"), EVALUATION_CACHE_DIR=str(tmp_path)),
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "not a folder" in done.stdout + done.stderr


@pytest.mark.parametrize("kind", ["folder", "pipe"])
def test_verify_refuses_a_folder_or_a_pipe_in_place_of_a_file(tmp_path: Path, kind: str) -> None:
    name = "care_home_hhi_district"
    target = tmp_path / registry.info(name).file
    target.parent.mkdir(parents=True, exist_ok=True)
    if kind == "folder":
        target.mkdir()
    else:
        import os

        os.mkfifo(target)
    done = _cli(
        "data",
        "verify",
        name,
        env=_env(EVALUATION_DATA_DIR=str(tmp_path), EVALUATION_CACHE_DIR=str(tmp_path / "c")),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert ("a folder" if kind == "folder" else "not a regular file") in done.stdout


def test_an_edit_in_place_that_keeps_size_and_time_is_seen(tmp_path: Path) -> None:
    import os

    file = tmp_path / "x.csv"
    file.write_bytes(b"abc")
    before = registry.sha256_of(file)
    stat = file.stat()
    file.write_bytes(b"abd")
    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert registry.sha256_of(file) != before


# --- generated degenerate data ------------------------------------------------------------

OURS = (ValueError, TypeError)
SPECIAL = st.sampled_from([0.0, 1.0, -1.0, 1e9, np.inf, -np.inf, np.nan])


def _column(n: int) -> st.SearchStrategy[list[float]]:
    ordinary = st.floats(-100, 100, allow_nan=False, allow_infinity=False)
    return st.lists(st.one_of(ordinary, SPECIAL), min_size=n, max_size=n)


def _answers_or_refuses(call: Callable[[], object]) -> None:
    """Finite numbers, or one of our errors with a message: nothing else."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a warning with a result is allowed
        warnings.simplefilter("error", RuntimeWarning)  # numpy's invalid-value is not
        try:
            result = call()
        except OURS as exc:
            assert str(exc), "an error with no message"
            return
    estimate, se = result.estimate, result.se
    assert np.isfinite(estimate), f"silent non-finite estimate {estimate}"
    assert np.isfinite(se) or np.isnan(se) and "se" in str(getattr(result, "notes", "")), se


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(y=_column(12), x=_column(12))
def test_did_two_by_two_answers_or_refuses(y: list[float], x: list[float]) -> None:
    frame = pd.DataFrame({"y": y, "x": x, "g": [0, 1] * 6, "t": [0, 0, 1, 1] * 3})
    _answers_or_refuses(
        lambda: did.two_by_two(frame, outcome="y", treated="g", post="t", covariates=["x"])
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(y=_column(24))
def test_segmented_answers_or_refuses(y: list[float]) -> None:
    frame = pd.DataFrame({"y": y, "month": range(24)})
    _answers_or_refuses(lambda: its.segmented(frame, outcome="y", time="month", treatment_time=12))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(y=_column(16), x=_column(16), n_treated=st.integers(0, 16))
def test_matching_answers_or_refuses(y: list[float], x: list[float], n_treated: int) -> None:
    frame = pd.DataFrame({"y": y, "x": x, "d": [1] * n_treated + [0] * (16 - n_treated)})
    _answers_or_refuses(lambda: matching.difference_in_means(frame, outcome="y", treatment="d"))
    _answers_or_refuses(
        lambda: matching.regression_adjustment(frame, outcome="y", treatment="d", covariates=["x"])
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(y=_column(20), x=_column(20))
def test_concentration_gradient_answers_or_refuses(y: list[float], x: list[float]) -> None:
    frame = pd.DataFrame({"y": y, "hhi": np.abs(np.asarray(x)) * 50})
    _answers_or_refuses(
        lambda: markets.concentration_gradient(frame, outcome="y", concentration="hhi")
    )


def test_risk_adjustment_refuses_a_category_the_reference_never_holds() -> None:
    from evaluation.compare import risk_adjust

    rng = np.random.default_rng(8)
    kinds = pd.CategoricalDtype(["a", "b", "c"])
    reference = pd.DataFrame(
        {
            "unit": rng.integers(0, 20, 600),
            "kind": pd.Series(rng.choice(["a", "b"], 600)).astype(kinds),
            "y": rng.integers(0, 2, 600),
        }
    )
    data = reference.assign(kind=pd.Series(["c"] * 600).astype(kinds))
    with pytest.raises(ValueError, match="categories not in the reference data"):
        risk_adjust(data, outcome="y", unit="unit", covariates=["kind"], reference_data=reference)


def test_variance_components_refuses_one_row_per_unit() -> None:
    from evaluation.compare import variance_components

    frame = pd.DataFrame({"council": range(40), "y": np.random.default_rng(2).normal(0, 1, 40)})
    with pytest.raises(ValueError, match="more than one row"):
        variance_components(frame, outcome="y", unit="council")


def test_draft_statement_refuses_a_missing_estimate_and_names_the_level() -> None:
    from evaluation.guide.scaffold import draft_statement
    from evaluation.results import Result

    common = dict(se=0.02, p_value=0.0, n_obs=200, method="RD", estimand="jump")
    blank = Result(estimate=float("nan"), ci_low=float("nan"), ci_high=float("nan"), **common)
    with pytest.raises(ValueError, match="no estimate to grade"):
        draft_statement("rdd", blank)
    ninety = Result(estimate=-0.1, ci_low=-0.13, ci_high=-0.07, level=0.9, **common)
    assert "90% interval" in draft_statement("rdd", ninety)


def test_choose_design_takes_numpy_integers() -> None:
    from evaluation.guide.designs import choose_design

    plain = choose_design(
        randomised=False,
        threshold=False,
        comparison_group=True,
        staggered=False,
        n_treated_units=3,
        n_pre_periods=5,
    )
    numpy = choose_design(
        randomised=False,
        threshold=False,
        comparison_group=True,
        staggered=False,
        n_treated_units=np.int64(3),
        n_pre_periods=np.int64(5),
    )
    assert numpy.design.key == plain.design.key


# --- every public function ---------------------------------------------------------------


def _public_functions() -> dict[str, Callable[..., object]]:
    """Every public function of the method modules the package lists in ``METHODS``."""
    import importlib
    import inspect

    found = {}
    for name in evaluation.METHODS:
        module = importlib.import_module(f"evaluation.{name}")
        for attribute in getattr(module, "__all__", []):
            obj = getattr(module, attribute)
            if inspect.isfunction(obj):
                found[f"{name}.{attribute}"] = obj
    return found


PUBLIC = _public_functions()


def _takes_a_frame(function: Callable[..., object]) -> bool:
    import inspect

    first = next(iter(inspect.signature(function).parameters.values()), None)
    return first is not None and "DataFrame" in str(first.annotation)


FRAME_FUNCTIONS = sorted(name for name, f in PUBLIC.items() if _takes_a_frame(f))


def _dummy_arguments(function: Callable[..., object]) -> dict[str, object]:
    """A column name for each required keyword (a list where a list is wanted)."""
    import inspect

    arguments: dict[str, object] = {}
    for parameter in list(inspect.signature(function).parameters.values())[1:]:
        if parameter.default is parameter.empty and parameter.kind == parameter.KEYWORD_ONLY:
            wanted = str(parameter.annotation)
            arguments[parameter.name] = ["x"] if "Sequence" in wanted or "list" in wanted else "x"
    return arguments


@pytest.mark.parametrize("name", FRAME_FUNCTIONS)
@pytest.mark.parametrize("bad", [[1, 2, 3], pd.DataFrame()], ids=["a list", "an empty frame"])
def test_every_public_estimator_refuses_what_is_not_its_data(name: str, bad: object) -> None:
    """Each of the public functions that take a frame refuses a list or an empty frame
    with our own error, never a KeyError or AttributeError from inside pandas."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises((ValueError, TypeError)) as caught:
            PUBLIC[name](bad, **_dummy_arguments(PUBLIC[name]))
    assert str(caught.value)


SCALAR_CASES = [
    Case("relative change of a missing rate", lambda: did.relative_change(np.nan, 1, 1, 1),
         error="positive numbers"),
    Case("sensitivity with a covariance that is not positive semi-definite",
         lambda: did.trend_sensitivity(coefficients=[0.0, 0.1, 0.2],
                                       covariance=np.diag([1.0, -1.0, 1.0]),
                                       n_pre_coefficients=2), error="positive semi-definite"),
    Case("sensitivity with infinite coefficients",
         lambda: did.trend_sensitivity(coefficients=[0.0, np.inf, 0.2], covariance=np.eye(3),
                                 n_pre_coefficients=2), error="finite"),
    Case("Newey-West lags for no periods", lambda: its.newey_west_lags(0), error="n_obs"),
    Case("Newey-West lags for 2.5 periods", lambda: its.newey_west_lags(2.5), error="n_obs"),
    Case("funnel limits for a target in per cent", lambda: compare.funnel_limits(
        [10, 20], target=50), error="divided by 100"),
    Case("funnel limits for a negative denominator", lambda: compare.funnel_limits(
        [-10, 20], target=0.5), error="positive, finite"),
    Case("smallest denominator of a rate above 100%", lambda: compare.smallest_denominator(
        [140.0]), error="between 0 and scale"),
    Case("power curve at an infinite effect", lambda: power.power_curve(
        [0.1, np.inf], n_obs=100), error="finite"),
    Case("minimum detectable effect at power 80", lambda: power.mde(n_obs=100, power=80),
         error="probability"),
    Case("break-even that is never reached", lambda: vfm.break_even(lambda e: -1.0),
         warning="stays below zero"),
    Case("a discount rate in per cent", lambda: vfm.constant_schedule(3.5),
         error="fraction"),
    Case("discounting calendar years", lambda: vfm.discount_factors([2024, 2025]),
         error="calendar years"),
    Case("pooling with fewer labels than estimates", lambda: meta.pool(
        [1, 2], [0.1, 0.2], labels=["a"]), error="1 labels for 2 estimates"),
    Case("a provider's effort at a negative price", lambda: contracts.best_effort(
        _GROUP, -5), error="price"),
    Case("a provider's response with no tariff for a group", lambda:
        contracts.provider_response([_GROUP], {}), error="No tariff"),
    Case("chance of significance with a negative cohort", lambda: power.chance_significant(
        np.ones((5, 2)), [-10, 20], baseline=0.3), error="cohort size"),
    Case("Bloom multiplier at power 1", lambda: power.bloom_multiplier(power=1.0),
         error="probability"),
    Case("design effect of empty clusters", lambda: power.design_effect(0, 0.1),
         error="cluster_size"),
    Case("MDE of a missing baseline proportion", lambda: power.mde_proportion(
        n_obs=100, baseline=np.nan), error="baseline"),
    Case("power at a missing effect", lambda: power.power_at(np.nan, n_obs=100), error="finite"),
    Case("sample size with no spread", lambda: power.sample_size(0.2, sd=0), error="sd"),
    Case("sample size for no change in a proportion", lambda: power.sample_size_proportion(
        0.3, 0.3), error="no effect"),
    Case("the engine of records that are a list", lambda: cells.engine([1, 2, 3]),
         error="must be a data frame"),
    Case("moments of a column the records lack", lambda: cells.moments(
        _RECORDS, keys=["k"], columns=["z"]), error=r"\['z'\] not among the columns"),
    Case("sums of an outcome the records lack", lambda: cells.summarise(
        _RECORDS, keys=["k"], outcome="z"), error=r"\['z'\] not among the columns"),
    Case("totals of a size the records lack", lambda: cells.totals(
        _RECORDS, keys=["k"], size="z"), error=r"\['z'\] not among the columns"),
    Case("disclosure check of a frame that carries no cells", lambda: disclosure.check_cells(
        _RECORDS), error="must carry the cells"),
    Case("disclosure check of a list, not a fitted result", lambda: disclosure.check_result(
        [1, 2, 3]), error=r"must have a tidy\(\) method"),
]  # fmt: skip

_RECORDS = pd.DataFrame({"k": ["a", "b"], "y": [1.0, 2.0]})

_GROUP = contracts.ParticipantGroup("easy", baseline=0.3, max_log_odds_gain=1.0, effort_scale=500)


@pytest.mark.parametrize("case", SCALAR_CASES, ids=[c.name for c in SCALAR_CASES])
def test_bad_settings_get_an_error_or_a_warning(case: Case) -> None:
    test_bad_input_gets_an_error_or_a_warning(case)


def test_every_public_function_is_tried() -> None:
    """Each public function is in the sweep above or named by a case in this module."""
    source = Path(__file__).read_text(encoding="utf-8")
    untried = [
        name
        for name in PUBLIC
        if name not in FRAME_FUNCTIONS and f"{name.split('.')[1]}(" not in source
    ]
    assert untried == [], f"public functions no bad input here tries: {untried}"


def test_synthetic_control_warns_on_a_predictor_that_is_the_same_everywhere() -> None:
    from evaluation.simulate import synth as simulated

    data = simulated.panel(effect=-10.0, seed=5).assign(flat=1.0)
    with pytest.warns(UserWarning, match=r"\['flat'\] take the same value for every unit"):
        synth.synthetic_control(
            data,
            outcome="outcome",
            unit="unit",
            time="period",
            treated_unit="treated",
            treatment_time=data.attrs["treatment_time"],
            predictors=["flat"],
        )


def test_shares_that_fall_short_of_the_whole_are_not_rescaled_silently() -> None:
    shares = pd.DataFrame({"market": ["a", "a", "b", "b"], "firm": ["p", "q", "p", "r"],
                           "share_pct": [50.0, 30.0, 60.0, 40.0]})  # fmt: skip
    with pytest.warns(UserWarning, match="sum to less than 100 in 1 market"):
        markets.hhi(shares, market="market", provider="firm", size="share_pct")
    beds = shares.rename(columns={"share_pct": "beds"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        markets.hhi(beds, market="market", provider="firm", size="beds")  # sizes: no warning
