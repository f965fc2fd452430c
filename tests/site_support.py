"""Helpers for the checks of the built site: where it is, which pages it has, a local server."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SITE = Path(__file__).resolve().parents[1] / "_build" / "html"
#: Headless Chromium on this closed network: no sandbox as root, no calls home.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
_SKIP_DIRS = {"_static", "_sources", "_images", "_sphinx_design_static", "_panels_static"}


def site_pages() -> list[str]:
    """Relative paths of the built HTML pages (empty if the book is not built)."""
    if not SITE.is_dir():
        return []
    pages = []
    for page in sorted(SITE.rglob("*.html")):
        relative = page.relative_to(SITE)
        if not _SKIP_DIRS.intersection(relative.parts):
            pages.append(relative.as_posix())
    return pages


def require_site() -> Path:
    """Return the built site, or skip (fail under `make test`) when it is absent."""
    if (SITE / "index.html").exists():
        return SITE
    message = "the book is not built: run `make book` (or `make test`) first"
    if os.environ.get("EVALUATION_REQUIRE_SITE"):
        pytest.fail(message)
    pytest.skip(message)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 at a free port; yield its base URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
