"""Chapters carry argument and pictures: no code cell is longer than 40 lines.

Library code belongs in :mod:`evaluation` (the ``services`` panel builders, the
``report`` helpers), where it is tested; a chapter's cell calls it. Counted: the
non-blank lines of a cell's code (jupytext reads the cell, so its metadata and tags
do not count).
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([*(ROOT / "chapters").rglob("*.md"), *(ROOT / "book").glob("*.md")])
MAX_CELL_LINES = 40


def _code_cells(path: Path) -> list[tuple[int, int]]:
    notebook = jupytext.read(path)
    cells = [c for c in notebook.cells if c.cell_type == "code"]
    return [
        (i, len([line for line in c.source.splitlines() if line.strip()]))
        for i, c in enumerate(cells)
    ]


def test_the_pages_have_code_cells() -> None:
    assert sum(len(_code_cells(p)) for p in PAGES) > 300


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_code_cell_is_over_40_lines(path: Path) -> None:
    long = [(i, n) for i, n in _code_cells(path) if n > MAX_CELL_LINES]
    assert not long, f"code cells (index, lines) over {MAX_CELL_LINES} lines: {long}"
