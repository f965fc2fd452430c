"""Write the library reference's module pages from the library itself.

Each public module gets a page, ``book/reference/<name>.md`` (``data-registry`` for
``evaluation.data.registry``), whose contents list is the module's ``__all__``. A
package whose names live in several files (``did``, ``compare``, ...) has one page:
its names, then each file's docstring; ``data.loaders`` documents each loader file in
full. The landing page (``index.md``) and the table of contents are written by hand.

Run from the repository root after adding or renaming a public name::

    python book/reference/pages.py          # rewrite the pages
    python book/reference/pages.py --check  # exit 1 if a page is out of date

``tests/test_reference.py`` runs the check, so a stale page fails the tests.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path
from types import ModuleType

import evaluation

HERE = Path(__file__).resolve().parent
#: Packages documented on one page with their files below (the files get no page).
ONE_PAGE = ("evaluation.did", "evaluation.its", "evaluation.rdd", "evaluation.matching",
            "evaluation.compare", "evaluation.synth", "evaluation.data.loaders")  # fmt: skip
#: Packages that hold only other pages (no page of their own beyond the landing page).
CONTAINERS = ("evaluation", "evaluation.data", "evaluation.services", "evaluation.guide",
              "evaluation.report", "evaluation.simulate")  # fmt: skip


def _public(name: str) -> bool:
    return not any(part.startswith("_") for part in name.split("."))


def _modules() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(evaluation.__path__, "evaluation.")]
    return sorted(n for n in names if _public(n) and not n.endswith("__main__"))


def _names(module: ModuleType) -> list[str]:
    """The module's public functions and classes: from its ``__all__``, else what it defines.

    Constants are documented by ``:members:`` where they carry a ``#:`` comment; they
    are left out of the contents list.
    """
    if hasattr(module, "__all__"):
        names = list(module.__all__)
    else:
        names = [
            n
            for n, obj in vars(module).items()
            if not n.startswith("_") and getattr(obj, "__module__", None) == module.__name__
        ]
    return [n for n in names if callable(getattr(module, n, None))]


def _block(name: str, *, members: bool = True) -> str:
    module = importlib.import_module(name)
    parent, _, leaf = name.rpartition(".")
    lines = ["```{eval-rst}"]
    if leaf in _names(importlib.import_module(parent)):
        lines += [
            f".. The function {name} has this module's name, so only the",
            "   function goes in the index.",
            "",
        ]
    lines.append(f".. automodule:: {name}")
    names = _names(module) if members else []
    if members:
        lines.append("   :members:")
    elif leaf in _names(importlib.import_module(parent)):
        lines.append("   :no-index:")
    if names:
        lines += [
            "",
            "   .. rubric:: Contents",
            "",
            "   .. autosummary::",
            "      :nosignatures:",
            "",
        ]
        lines += [f"      {n}" for n in names]
    lines.append("```")
    return "\n".join(lines) + "\n"


def page_name(module: str) -> str:
    """``evaluation.data.registry`` -> ``data-registry``."""
    return module.removeprefix("evaluation.").replace(".", "-")


def render(module: str) -> str:
    """The text of one module's page."""
    text = f"# {module}\n\n" + _block(module)
    if module in ONE_PAGE:
        files = [n for n in _modules() if n.startswith(module + ".")]
        full = module == "evaluation.data.loaders"
        text += "\n## Submodules\n\n"
        if not full:
            text += (
                "The names above are defined in these modules (or in private helpers) and "
                f"imported into\n{{py:mod}}`{module}`: import them from there.\n\n"
            )
        text += "\n".join(f"### `{f}`\n\n" + _block(f, members=full) for f in files)
    return text


def pages() -> dict[str, str]:
    """Every page this script writes, by file name."""
    owned = [m for m in _modules() if m not in CONTAINERS]
    inside = [m for m in owned if any(m.startswith(p + ".") for p in ONE_PAGE)]
    return {page_name(m) + ".md": render(m) for m in owned if m not in inside}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a page is out of date")
    args = parser.parse_args(argv)
    stale = []
    for file, text in pages().items():
        path = HERE / file
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(file)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print("Out of date (run python book/reference/pages.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
