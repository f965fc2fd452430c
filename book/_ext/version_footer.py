"""Show the version of the ``evaluation`` library in the footer of every page.

The footer text comes from ``html.extra_footer`` in ``_config.yml`` (the theme's
``extra_footer`` option); this adds a line naming the library version the site was
built with, read from ``evaluation.__version__``, so a reader can tell which version
of the code the pages and the library reference describe.
"""

from __future__ import annotations

from html import escape
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config


def add_version(app: Sphinx, config: Config) -> None:
    """Append the library version to the theme's ``extra_footer``."""
    import evaluation

    line = (
        '<p class="library-version">Built with the <code>evaluation</code> library, '
        f"version {escape(evaluation.__version__)}.</p>"
    )
    options = dict(config.html_theme_options or {})
    options["extra_footer"] = f"{options.get('extra_footer', '')}\n{line}".strip()
    config.html_theme_options = options


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", add_version)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
