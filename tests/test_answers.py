"""Every chapter answers its question first, and the findings page has a cell for each.

Two kinds of check. On the sources: each chapter of the four services, the stewardship
part and the adapting part opens with an ``answer`` box holding a question, an answer,
a grade from the one rubric, the reason and what would change it; each method chapter
has the method form of the box; and each service has exactly one ``finding`` for each
question on the findings page. On the extension (``book/_ext/answers.py``): a tiny book
built with Sphinx shows that a box without a grade is an error, that the Maryland
level printed comes from the design register, and that the findings page links to the
finding.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from evaluation.guide.designs import DESIGNS

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
BLOCK = re.compile(r"^```\{(answer|finding)\}[ \t]*(\S*)\n(.*?)^```[ \t]*$", re.M | re.S)


def _extension() -> ModuleType:
    spec = importlib.util.spec_from_file_location("answers", ROOT / "book/_ext/answers.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ANSWERS = _extension()


def _blocks(path: Path) -> list[tuple[str, str, dict[str, str], str]]:
    """The answer and finding blocks of a chapter: (kind, argument, options, body)."""
    found = []
    for kind, argument, inner in BLOCK.findall(path.read_text(encoding="utf-8")):
        options: dict[str, str] = {}
        body = inner
        if inner.startswith("---\n"):
            head, _, body = inner[4:].partition("\n---\n")
            options = {k: str(v) for k, v in (yaml.safe_load(head) or {}).items()}
        found.append((kind, argument, options, body.strip()))
    return found


def _chapters(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (CHAPTERS / folder).glob("*.md"))


GRADED = _chapters(*ANSWERS.GRADED_FOLDERS)
METHODS = _chapters(ANSWERS.METHOD_FOLDER)


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(CHAPTERS)) for p in paths]


@pytest.mark.parametrize("path", GRADED, ids=_ids(GRADED))
def test_chapter_opens_with_a_graded_answer(path: Path) -> None:
    blocks = _blocks(path)
    assert blocks and blocks[0][0] == "answer", f"{path.name} does not open with an answer box"
    _, _, options, body = blocks[0]
    for name in ("question", "grade", "reason", "design", "change"):
        assert options.get(name, "").strip(), f"{path.name}: the answer box lacks {name}"
    assert options["grade"] in ANSWERS.GRADES
    assert body, f"{path.name}: the answer box has no answer"
    text = path.read_text(encoding="utf-8")
    before = text[: text.index("```{answer}")]
    assert "```{code-cell}" not in before, f"{path.name}: the box is not the first thing"
    assert "In short" not in before.split("\n# ", 1)[-1], "the old box is still there"


@pytest.mark.parametrize("path", METHODS, ids=_ids(METHODS))
def test_method_chapter_opens_with_a_design_box(path: Path) -> None:
    blocks = _blocks(path)
    assert blocks and blocks[0][0] == "answer", f"{path.name} has no box"
    _, _, options, body = blocks[0]
    for name in ("question", "design", "when"):
        assert options.get(name, "").strip(), f"{path.name}: the box lacks {name}"
    assert body


@pytest.mark.parametrize("path", GRADED + METHODS, ids=_ids(GRADED + METHODS))
def test_designs_are_in_the_register(path: Path) -> None:
    for kind, _, options, _ in _blocks(path):
        if kind == "answer":
            keys = [k.strip() for k in options["design"].split(",")]
            assert set(keys) <= {*DESIGNS, ANSWERS.DESCRIPTIVE}, keys


def test_every_service_answers_every_question_once() -> None:
    cells: dict[tuple[str, str], list[str]] = {}
    for path in _chapters(*ANSWERS.SERVICES):
        for kind, key, options, body in _blocks(path):
            if kind != "finding":
                continue
            assert key in ANSWERS.QUESTIONS, f"{path.name}: unknown question {key!r}"
            assert options.get("grade") in (*ANSWERS.GRADES, "none"), path.name
            assert body, f"{path.name}: finding {key!r} has no text"
            cells.setdefault((path.parent.name, key), []).append(path.name)
    wrong = {
        f"{service}/{key}": cells.get((service, key), [])
        for service in ANSWERS.SERVICES
        for key in ANSWERS.QUESTIONS
        if len(cells.get((service, key), [])) != 1
    }
    assert wrong == {}, f"each service needs exactly one finding per question: {wrong}"


@pytest.mark.parametrize("path", GRADED + METHODS, ids=_ids(GRADED + METHODS))
def test_no_box_types_a_maryland_level(path: Path) -> None:
    """The level is printed from the design register, never typed (one source)."""
    for kind, _, options, body in _blocks(path):
        if kind == "answer":
            text = " ".join([*options.values(), body])
            assert not re.search(r"\blevel [1-5]\b", text, re.I), f"{path.name}: {text}"


# --- the extension, on a tiny book -------------------------------------------------------

BOX = """# {title}

```{{answer}}
---
question: Did it work?
{grade}reason: One reason.
design: {design}
change: Better data.
---
It worked a little.
```

## Where

```{{finding}} did-it-work
---
grade: low
---
A little, at best.
```
"""


def _build(tmp_path: Path, chapter: str) -> tuple[int, str, Path]:
    sphinx = pytest.importorskip("sphinx.cmd.build")
    (tmp_path / "chapters/care").mkdir(parents=True)
    (tmp_path / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'book/_ext')!r})\n"
        "extensions = ['myst_parser', 'answers']\n"
        "suppress_warnings = ['myst.xref_missing']\n",
        encoding="utf-8",
    )
    (tmp_path / "index.md").write_text(
        "# Book\n\n(confidence-grades)=\n(maryland-scale)=\n## Rubric\n\n"
        "```{toctree}\nfindings\nchapters/care/a\n```\n",
        encoding="utf-8",
    )
    (tmp_path / "findings.md").write_text("# Findings\n\n```{findings-table}\n```\n")
    (tmp_path / "chapters/care/a.md").write_text(chapter, encoding="utf-8")
    out = tmp_path / "_build"
    warnings = tmp_path / "warnings.txt"
    code = sphinx.build_main(["-q", "-b", "html", "-w", str(warnings), str(tmp_path), str(out)])
    return code, warnings.read_text(encoding="utf-8"), out


def test_box_prints_the_level_from_the_register(tmp_path: Path) -> None:
    code, _, out = _build(tmp_path, BOX.format(title="A", grade="grade: low\n", design="did"))
    assert code == 0
    page = (out / "chapters/care/a.html").read_text(encoding="utf-8")
    assert f"Maryland level {DESIGNS['did'].level} at best" in page
    assert "Low. One reason." in page
    findings = (out / "findings.html").read_text(encoding="utf-8")
    assert 'href="chapters/care/a.html#finding-care-did-it-work"' in findings
    assert "A little, at best." in findings
    assert 'id="question-did-it-work"' in findings
    assert "It worked a little." in findings


def test_box_without_a_grade_is_an_error(tmp_path: Path) -> None:
    _, warnings, _ = _build(tmp_path, BOX.format(title="A", grade="", design="did"))
    assert "lacks grade" in warnings


def test_unknown_design_and_missing_findings_are_reported(tmp_path: Path) -> None:
    _, warnings, _ = _build(tmp_path, BOX.format(title="A", grade="grade: low\n", design="iv"))
    assert "unknown design ['iv']" in warnings
    assert "0 findings for 'care' on 'competition'" in warnings
    assert "probation" not in warnings  # a service with no chapters needs no findings
