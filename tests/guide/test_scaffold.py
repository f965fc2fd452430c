"""The review kit: every design's generated notebook runs and recovers the simulated truth.

Each generated notebook is executed as the book build executes chapters
(jupytext + nbclient). The truth it is checked against is the effect the
seeded simulator in ``evaluation.simulate`` built into the data, which the
estimators never see.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from dataclasses import fields
from pathlib import Path
from typing import Any

import jupytext
import nbclient
import nbformat
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from evaluation.guide import scaffold
from evaluation.guide.designs import DESIGNS
from evaluation.results import Result
from evaluation.simulate import its as sim_its

#: How far each example's estimate may be from the simulated truth (absolute, outcome units).
TOLERANCE = {
    "did": 0.15,  # true effect 1.0
    "staggered": 0.15,  # true effect about 1.8
    "synth": 0.5,  # true effect -10
    "its": 0.6,  # true effect -5
    "rdd": 0.02,  # true effect -0.10
    "matching": 0.03,  # true ATT about -0.08
    "performance": 0.005,  # true sd of rates about 0.048
}

SECTIONS = [
    "## 1. The question",
    "## 2. Theory of change",
    "## 3. Data and provenance",
    "## 4. Design and its Maryland level",
    "## 5. Estimate",
    "## 6. Diagnostics",
    "## 7. Confidence statement",
    "## 8. Value for money",
    "## 9. What would change the conclusion",
]


def _execute(path: Path) -> dict[str, Any]:
    """Run a generated notebook; return its headline row (read from an appended cell)."""
    notebook = jupytext.read(path)
    notebook.cells.append(
        nbformat.v4.new_code_cell(
            'print("HEADLINE", scaffold.headline(fit, true_effect=TRUE_EFFECT, '
            'attribute=design.attribute).to_json(orient="records"))\n'
            'print("SHA256", SHA256)'
        )
    )
    nbclient.NotebookClient(
        notebook,
        timeout=60,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    text = "".join(o.get("text", "") for o in notebook.cells[-1].get("outputs", []))
    found = re.search(r"HEADLINE (\[.*\])", text)
    sha = re.search(r"SHA256 ([0-9a-f]{64})", text)
    assert found and sha, text
    return {**json.loads(found.group(1))[0], "sha256": sha.group(1)}


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Generate and execute one notebook per design, once for the module."""
    folder = tmp_path_factory.mktemp("reviews")
    return {
        design: _execute(scaffold.new_review(f"example_{design}", design, folder))
        for design in scaffold.TEMPLATES
    }


@pytest.mark.parametrize("design", list(scaffold.TEMPLATES))
def test_generated_notebook_runs_and_recovers_the_truth(
    executed: dict[str, dict[str, Any]], design: str
) -> None:
    row = executed[design]
    assert math.isfinite(row["true_effect"])
    assert abs(row["estimate"] - row["true_effect"]) <= TOLERANCE[design], row
    if row["ci_low"] is not None and math.isfinite(row["ci_low"]):
        assert row["ci_low"] <= row["true_effect"] <= row["ci_high"], row


def test_example_data_have_a_stable_sha256(
    executed: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    """The recorded sha256 is that of the seeded example, reproduced to the byte here."""
    copy = tmp_path / "its.csv"
    sim_its.series(seed=1).to_csv(copy, index=False)
    assert executed["its"]["sha256"] == hashlib.sha256(copy.read_bytes()).hexdigest()
    assert len({row["sha256"] for row in executed.values()}) == len(scaffold.TEMPLATES)


def test_your_data_cell_points_the_review_at_another_file(tmp_path: Path) -> None:
    """With --data and renamed columns the same notebook runs; the truth is then unknown."""
    own = sim_its.series(seed=1).rename(columns={"month": "period_start", "outcome": "calls"})
    csv = tmp_path / "calls.csv"
    own.to_csv(csv, index=False)
    path = scaffold.new_review(
        "calls", "its", tmp_path, data=csv, columns={"outcome": "calls", "time": "period_start"}
    )
    text = path.read_text()
    assert f"DATA_FILE = Path({str(csv.resolve())!r})" in text
    row = _execute(path)
    assert row["true_effect"] is None  # NaN in JSON
    assert row["sha256"] == hashlib.sha256(csv.read_bytes()).hexdigest()
    # The level change, refitted here by ordinary least squares with statsmodels alone:
    # trend, level and slope change, and month-of-year effects (the template's seasonal=12).
    reform = (own["period_start"] >= sim_its.series(seed=1).attrs["treatment_time"]).to_numpy()
    trend = np.arange(len(own), dtype=float)
    design = pd.DataFrame(
        {
            "trend": trend,
            "level change": reform.astype(float),
            "slope change": np.where(reform, trend - trend[reform][0], 0.0),
        }
    ).join(pd.get_dummies(trend.astype(int) % 12, prefix="m", drop_first=True, dtype=float))
    reference = sm.OLS(own["calls"].to_numpy(), sm.add_constant(design)).fit()
    assert row["estimate"] == pytest.approx(reference.params["level change"], rel=1e-9)


# ----------------------------------------------------------------------------- the template
@pytest.mark.parametrize("design", list(scaffold.TEMPLATES))
def test_rendered_notebook_has_every_section_and_no_placeholder(design: str) -> None:
    text = scaffold.render("a_review", design)
    positions = [text.index(heading) for heading in SECTIONS]
    assert positions == sorted(positions)
    assert "{{" not in text and "}}" not in text
    assert text.startswith("---\njupytext:")
    assert "YOUR DATA" in text and "DATA_FILE = None" in text
    spec = scaffold.TEMPLATES[design]
    assert f"{spec.module}.{spec.function}(" in text
    assert f"Maryland level {spec.level}" in text
    assert "vfm.appraisal(" in text and "vfm.break_even_effect(" in text


def test_designs_match_the_evidence_standards() -> None:
    """Levels as book/evidence-standards.md places each design."""
    levels = {key: d.level for key, d in scaffold.TEMPLATES.items()}
    assert levels == {
        "did": 3,
        "staggered": 3,
        "synth": 3,
        "its": 2,
        "rdd": 4,
        "matching": 2,
        "performance": 1,
    }
    table = scaffold.designs_table()
    assert list(table["design"]) == list(scaffold.TEMPLATES)
    assert table["function"].str.startswith("evaluation.").all()
    for spec in scaffold.TEMPLATES.values():
        assert set(spec.default_columns) == set(spec.columns), spec.key
        assert spec.diagnostics


def test_one_record_per_design() -> None:
    """Name, level and diagnostics live only in the decision guide's Design."""
    own = {f.name for f in fields(scaffold.Template)}
    assert not own & {"label", "name", "level", "level_note", "diagnostics"}
    for key, spec in scaffold.TEMPLATES.items():
        design = DESIGNS[key]
        assert design.cli == key
        assert (spec.label, spec.level, spec.diagnostics) == (
            design.name,
            design.level,
            design.diagnostics,
        )


# ----------------------------------------------------------------------------- refusals
def test_refuses_to_overwrite(tmp_path: Path) -> None:
    path = scaffold.new_review("mine", "did", tmp_path)
    path.write_text("my edits")
    with pytest.raises(FileExistsError, match="refusing to overwrite"):
        scaffold.new_review("mine", "rdd", tmp_path)
    assert path.read_text() == "my edits"


@pytest.mark.parametrize(
    "name", ["", "../escape", "a/b", "x.md", ".hidden", "-dash", "with space", "a" * 65, "é"]
)
def test_bad_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="not a safe file name"):
        scaffold.new_review(name, "did", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_bad_directory(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        scaffold.new_review("x", "did", tmp_path / "absent")
    a_file = tmp_path / "file"
    a_file.write_text("")
    with pytest.raises(ValueError, match="not a folder"):
        scaffold.new_review("x", "did", a_file)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_directory(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(ValueError, match="not writable"):
        scaffold.new_review("x", "did", locked)


def test_bad_design_and_role(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Unknown design 'iv'"):
        scaffold.new_review("x", "iv", tmp_path)
    with pytest.raises(ValueError, match="no column role 'cohort'"):
        scaffold.new_review("x", "its", tmp_path, columns={"cohort": "year"})


# ----------------------------------------------------------------------------- helpers
def _result(low: float, high: float) -> Result:
    return Result(
        estimate=(low + high) / 2,
        se=0.1,
        ci_low=low,
        ci_high=high,
        p_value=0.01,
        n_obs=10,
        method="m",
        estimand="effect",
    )


def test_headline_shows_truth_beside_estimate() -> None:
    row = scaffold.headline(_result(1.0, 3.0), true_effect=2.5).iloc[0]
    assert (row["estimate"], row["ci_low"], row["true_effect"]) == (2.0, 1.0, 2.5)
    assert math.isnan(scaffold.headline(_result(1.0, 3.0)).iloc[0]["true_effect"])
    assert isinstance(scaffold.headline(_result(1.0, 3.0)), pd.DataFrame)


@pytest.mark.parametrize(
    ("design", "low", "high", "grade"),
    [
        ("rdd", 1.0, 3.0, "high"),
        ("did", 1.0, 3.0, "moderate"),
        ("its", 1.0, 3.0, "low"),
        ("rdd", -1.0, 3.0, "low"),
    ],
)
def test_draft_statement_grade(design: str, low: float, high: float, grade: str) -> None:
    text = scaffold.draft_statement(design, _result(low, high))
    assert f"Draft confidence: {grade} at most" in text
    assert f"Maryland level {scaffold.TEMPLATES[design].level}" in text
