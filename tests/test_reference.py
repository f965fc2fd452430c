"""The library reference in the book (book/reference/) covers every public module.

A module added to ``evaluation`` without a reference page fails here, as does a
reference page left out of the table of contents (with ``only_build_toc_files``
the build would silently skip it).
"""

from __future__ import annotations

import pkgutil
import re
from pathlib import Path

import pytest
import yaml

import evaluation

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "book" / "reference"


def _public_modules() -> list[str]:
    names = ["evaluation"]
    for module in pkgutil.walk_packages(evaluation.__path__, "evaluation."):
        if not any(part.startswith("_") for part in module.name.split(".")):
            names.append(module.name)
    return sorted(names)


def _documented() -> dict[str, str]:
    """Each module named in an ``automodule`` directive, with the page that names it."""
    found = {}
    for page in sorted(REFERENCE.glob("*.md")):
        for name in re.findall(r"^\s*\.\. automodule:: (\S+)\s*$", page.read_text("utf-8"), re.M):
            found[name] = page.stem
    return found


DOCUMENTED = _documented()


def test_the_walk_finds_the_modules() -> None:
    modules = _public_modules()
    assert {"evaluation.did", "evaluation.data.registry", "evaluation.simulate.did"} <= set(modules)
    assert not any("._" in name for name in modules)


@pytest.mark.parametrize("module", _public_modules())
def test_every_public_module_is_in_the_reference(module: str) -> None:
    assert module in DOCUMENTED, (
        f"{module} has no page in book/reference/: add one (an `.. automodule:: {module}`"
        " block) and list it in _toc.yml and on book/reference/index.md"
    )


def test_every_reference_page_is_in_the_table_of_contents() -> None:
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    files = set(re.findall(r"file:\s*(\S+)", toc))
    pages = {f"book/reference/{page.stem}" for page in REFERENCE.glob("*.md")}
    assert pages - files == set(), "reference pages missing from _toc.yml"
    assert yaml.safe_load(toc)  # still valid YAML


def test_landing_page_lists_every_module_page() -> None:
    landing = (REFERENCE / "index.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\s+(evaluation(?:\.\w+)+)\s*$", landing, re.M))
    pages = {name for name, page in DOCUMENTED.items() if page != "index"}
    # A page's own submodules are listed on that page, not on the landing page.
    tops = {name for name in pages if DOCUMENTED.get(name.rsplit(".", 1)[0]) != DOCUMENTED[name]}
    assert tops - listed == set(), "module pages not listed on book/reference/index.md"


def test_the_module_pages_are_up_to_date() -> None:
    """Each page's contents list is its module's ``__all__``: regenerate with pages.py."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("pages", REFERENCE / "pages.py")
    assert spec is not None and spec.loader is not None
    pages = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pages)
    stale = [f for f, text in pages.pages().items() if (REFERENCE / f).read_text("utf-8") != text]
    assert not stale, f"run `python book/reference/pages.py`: {stale} are out of date"
