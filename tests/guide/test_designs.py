"""Tests of evaluation.guide.designs: every branch of the tree, the error paths, and agreement with
the handbook's evidence standards, methods chapters, library and figure."""

from __future__ import annotations

import doctest
import importlib
import re
from pathlib import Path

import matplotlib
import pytest

from evaluation import its, synth
from evaluation.guide import designs
from evaluation.guide.designs import DESIGNS, choose_design

matplotlib.use("Agg")


ROOT = Path(__file__).resolve().parents[2]
BASE = {
    "randomised": False,
    "threshold": False,
    "n_treated_units": 50,
    "n_pre_periods": 8,
    "comparison_group": True,
}


def pick(**changes: object) -> designs.Recommendation:
    return choose_design(**{**BASE, **changes})  # type: ignore[arg-type]


# --------------------------------------------------------------------------- each branch
@pytest.mark.parametrize(
    ("changes", "key", "level"),
    [
        ({"randomised": True}, "rct", 5),
        ({"randomised": True, "threshold": True}, "rct", 5),  # the lottery wins
        ({"threshold": True}, "rdd", 4),
        ({"comparison_group": False, "n_pre_periods": its.MIN_PRE_PERIODS}, "its", 2),
        ({"n_pre_periods": 0, "covariates": True}, "matching", 2),
        ({"n_treated_units": 1}, "synth", 3),
        ({"n_treated_units": 1, "n_pre_periods": synth.MIN_PRE_PERIODS - 1}, "did", 3),
        ({"n_treated_units": 1, "n_comparison_units": synth.MIN_DONORS - 1}, "did", 3),
        ({"n_treated_units": 1, "n_pre_periods": 0, "covariates": True}, "matching", 2),
        ({"staggered": True}, "staggered", 3),
        ({}, "did", 3),
        ({"compare_providers": True, "randomised": True}, "rct", 5),
        ({"compare_providers": True}, "performance", 1),
    ],
)
def test_each_branch(changes: dict[str, object], key: str, level: int) -> None:
    rec = pick(**changes)
    assert rec.design.key == key
    assert rec.level == level
    assert rec.reasons, "every recommendation says why"


def test_threshold_without_records_either_side_falls_through() -> None:
    rec = pick(threshold=True, comparison_group=False, n_pre_periods=12)
    assert rec.design.key == "its"
    assert "cut-off" in rec.ruled_out["rdd"]


def test_synth_alternatives_and_ruled_out() -> None:
    long = pick(n_treated_units=1, n_pre_periods=its.MIN_PRE_PERIODS, covariates=True)
    assert [d.key for d in long.alternatives] == ["did", "its", "matching"]
    short = pick(n_treated_units=1, n_pre_periods=synth.MIN_PRE_PERIODS)
    assert [d.key for d in short.alternatives] == ["did"]
    too_short = pick(n_treated_units=1, n_pre_periods=1)
    assert str(synth.MIN_PRE_PERIODS) in too_short.ruled_out["synth"]
    no_donors = pick(n_treated_units=1, n_comparison_units=1)
    assert str(synth.MIN_DONORS) in no_donors.ruled_out["synth"]


def test_caveats_for_few_units_and_one_pre_period() -> None:
    few = pick(n_treated_units=designs.FEW_CLUSTERS - 1, n_pre_periods=1)
    text = " ".join(few.reasons)
    assert "unreliable" in text and "cannot be checked" in text
    many = pick(n_treated_units=designs.FEW_CLUSTERS, n_pre_periods=designs.MIN_PRE_FOR_TRENDS)
    text = " ".join(many.reasons)
    assert "unreliable" not in text and "cannot be checked" not in text


def test_matched_did_offered_beside_did_when_records_exist() -> None:
    assert [d.key for d in pick(covariates=True).alternatives] == ["matching"]
    assert pick().alternatives == ()


def test_summary_and_tidy() -> None:
    rec = pick(n_treated_units=1, n_pre_periods=1, covariates=True)
    table = rec.tidy()
    assert table["role"].tolist() == ["recommended", "alongside", "ruled out"]
    assert table["key"].tolist() == ["did", "matching", "synth"]
    summary = rec.summary()
    assert summary.startswith("Design: One start date")
    assert "Ruled out: One treated area" in summary


# --------------------------------------------------------------------------- error paths
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"randomised": "yes"}, "randomised must be True or False"),
        ({"covariates": 1}, "covariates must be True or False"),
        ({"n_treated_units": 0}, "n_treated_units must be at least 1"),
        ({"n_treated_units": 2.5}, "n_treated_units must be a whole number"),
        ({"n_treated_units": True}, "n_treated_units must be a whole number"),
        ({"n_pre_periods": -1}, "n_pre_periods must be at least 0"),
        ({"n_comparison_units": -3}, "n_comparison_units must be at least 0"),
        ({"n_comparison_units": 0}, "contradicts n_comparison_units=0"),
        ({"comparison_group": False, "n_comparison_units": 5}, "contradicts"),
        ({"randomised": True, "comparison_group": False}, "a lottery that decides"),
        ({"randomised": True, "n_treated_units": 1}, "a lottery over one treated unit"),
        ({"staggered": True, "n_treated_units": 1}, "staggered timing needs at least two"),
        ({"staggered": True, "comparison_group": False}, "not yet adopted"),
        ({"compare_providers": True, "n_treated_units": 1}, "at least two providers"),
        ({"comparison_group": False, "n_pre_periods": its.MIN_PRE_PERIODS - 1}, "No design"),
        ({"n_pre_periods": 0}, "no recorded characteristics"),
        ({"n_treated_units": 1, "n_pre_periods": 0}, "no recorded characteristics"),
    ],
)
def test_errors(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        pick(**changes)


# --------------------------------------------------------------------------- the handbook
def evidence_section(chapter: str) -> str:
    text = (ROOT / "chapters" / f"{chapter}.md").read_text(encoding="utf-8")
    match = re.search(r"^## (Where it sits|Place on)[^\n]*\n(.*?)(?=^## )", text, re.M | re.S)
    assert match, f"{chapter} has no evidence-scale section"
    return match.group(2)


@pytest.mark.parametrize(
    ("key", "chapter", "stated_as"),
    [
        ("did", "methods/did", "did"),
        ("staggered", "methods/did", "did"),  # the chapter states one level for both
        ("synth", "methods/synth", "synth"),
        ("its", "methods/its", "its"),
        ("rdd", "methods/rdd", "rdd"),
        ("matching", "methods/matching", "matching"),
        ("performance", "methods/performance", "performance"),
    ],
)
def test_levels_match_the_chapters(key: str, chapter: str, stated_as: str) -> None:
    """Each design's level on its own chapter is glued from the register, so cannot drift.

    The evidence-scale section glues ``DESIGNS[key].level`` and prints it with
    ``{glue:text}``; a level typed as a digit must equal the register's.
    """
    section = evidence_section(chapter)
    glued = re.search(rf'glue\("(\w+)", str\(DESIGNS\["{stated_as}"\]\.level\)', section)
    typed = re.search(r"\*\*(?:Maryland\s+)?level (\d)\*\*", section)
    assert glued or typed, f"{chapter} states no level for {stated_as}"
    if glued:
        assert f"{{glue:text}}`{glued.group(1)}`" in section
        assert DESIGNS[key].level == DESIGNS[stated_as].level
    else:
        assert typed is not None and DESIGNS[key].level == int(typed.group(1))


def test_levels_match_the_maryland_table() -> None:
    """The evidence-standards table puts each design family on the row the guide uses."""
    text = (ROOT / "book" / "evidence-standards.md").read_text(encoding="utf-8")
    rows = {int(m.group(1)): m.group(2) for m in re.finditer(r"^\| (\d) \| (.*)$", text, re.M)}
    assert "randomised controlled trial" in rows[DESIGNS["rct"].level]
    assert "regression discontinuity" in rows[DESIGNS["rdd"].level]
    assert "difference-in-differences" in rows[DESIGNS["did"].level]
    assert "staggered adoption" in rows[DESIGNS["staggered"].level]
    assert "matching" in rows[DESIGNS["matching"].level]
    assert re.search(r"handbook places it at level 3 by default", text)
    assert DESIGNS["synth"].level == 3
    assert re.search(r"places it at level 2, or at level 3 when a credible", text)
    assert DESIGNS["its"].level == 2


def test_library_functions_exist() -> None:
    for design in DESIGNS.values():
        for name in design.library:
            module_name, *attributes = name.split(".")
            target: object = importlib.import_module(f"evaluation.{module_name}")
            for attribute in attributes:
                target = getattr(target, attribute)
            assert callable(target), name


def test_chapters_exist_and_cli_values_are_the_commands() -> None:
    for design in DESIGNS.values():
        for chapter in design.chapters:
            assert (ROOT / "chapters" / f"{chapter}.md").is_file(), chapter
    allowed = {"did", "staggered", "synth", "its", "rdd", "matching", "performance"}
    assert {d.cli for d in DESIGNS.values()} - {None} == allowed


def test_minimums_come_from_the_estimators() -> None:
    assert f"at least {its.MIN_PRE_PERIODS} periods before" in DESIGNS["its"].data
    assert f"{synth.MIN_PRE_PERIODS} periods before" in DESIGNS["synth"].data
    assert f"least {synth.MIN_DONORS} untreated donor" in DESIGNS["synth"].data


def test_design_table() -> None:
    table = designs.design_table()
    assert table["key"].tolist() == list(DESIGNS)
    assert table.set_index("key").loc["synth", "cli"] == "synth"


def test_doctests() -> None:
    result = doctest.testmod(designs, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
