"""Emit each script once per page.

Under Sphinx 7.4, sphinx-thebe and sphinx-togglebutton register their inline
scripts twice, and the second ``const THEBE_JS_URL`` throws a JavaScript error
in the browser. This extension drops exact repeats from a page's script list.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def _key(script: Any) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    attributes = getattr(script, "attributes", {}) or {}
    body = str(attributes.get("body", ""))
    others = tuple(sorted((k, str(v)) for k, v in attributes.items() if k != "body"))
    filename = getattr(script, "filename", script) or ""  # inline scripts: None or ""
    return (str(filename), body, others)


def drop_repeated_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Keep the first of any scripts that are identical in source, body and attributes."""
    seen: set[tuple[str, str, tuple[tuple[str, str], ...]]] = set()
    unique = []
    for script in context.get("script_files", []):
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
