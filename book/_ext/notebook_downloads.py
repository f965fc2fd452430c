"""Offer each notebook page as ``.ipynb`` as well as its MyST ``.md`` source.

sphinx-book-theme adds an ``.ipynb`` entry to a page's download menu only when a
launch service (Binder, JupyterHub, ...) is configured. The handbook has none,
so this copies the executed notebook that myst-nb wrote to ``jupyter_execute``
into ``_sources`` and tells the theme where it is.
"""

from __future__ import annotations

from pathlib import Path
from shutil import copy2
from typing import Any

from sphinx.application import Sphinx


def offer_ipynb(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Copy the executed notebook of a text-notebook page next to its source."""
    if not str(context.get("sourcename", "")).endswith((".md", ".md.txt")):
        return
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file():  # a plain Markdown page, not a notebook
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    copy2(executed, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app: Sphinx) -> dict[str, Any]:
    # Before sphinx-book-theme builds the header buttons (default priority 500).
    app.connect("html-page-context", offer_ipynb, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
