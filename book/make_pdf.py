"""Print the single-page build of the handbook to a PDF with the machine's Chromium.

Usage::

    python book/make_pdf.py _build/singlehtml _build/html/handbook.pdf

The single-page site is served on 127.0.0.1 (by the same helper as the site's
tests), opened in headless Chromium (Debian's
``chromium`` package, driven by Playwright; nothing is downloaded), given time to
typeset its maths, and printed on A4 with page numbers. The PDF is written to a
temporary name first, so a failed print never leaves a truncated file behind.
"""

from __future__ import annotations

import re
import shutil
import sys
import time
from pathlib import Path

# The local server and browser settings are the ones the site's tests use.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.site_support import CHROMIUM_FLAGS, serve

FOOTER = (
    '<div style="font-size:8px;width:100%;text-align:center;color:#555;">'
    "Evaluating public service markets &middot; page "
    '<span class="pageNumber"></span> of <span class="totalPages"></span></div>'
)


def _start_page(site: Path) -> str:
    """The single page's path: ``index.html``, or where its redirect points."""
    index = site / "index.html"
    if not index.is_file():
        raise SystemExit(f"make_pdf: {index} does not exist; build singlehtml first")
    redirect = re.search(r'http-equiv="refresh"[^>]*url=([^"]+)"', index.read_text("utf-8"), re.I)
    if not redirect:
        return "index.html"
    # Sphinx writes the single page's links relative to the site's root even when the
    # root document lives in a folder (book/intro.html), so print a copy from the root.
    (site / "_print.html").write_bytes((site / redirect.group(1)).read_bytes())
    return "_print.html"


def print_pdf(site: Path, target: Path) -> int:
    """Print the single-page build in ``site`` to ``target``; return the number of pages."""
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    start = _start_page(site)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    partial = target.with_suffix(".partial.pdf")
    with serve(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.goto(f"{base}/{start}", wait_until="networkidle", timeout=120_000)
        # MathJax typesets after the load event; wait until it says it has finished.
        page.evaluate(
            "async () => { if (window.MathJax && MathJax.startup)"
            " { await MathJax.startup.promise; } }"
        )
        page.emulate_media(media="print")
        target.parent.mkdir(parents=True, exist_ok=True)
        page.pdf(
            path=str(partial),
            format="A4",
            print_background=True,
            display_header_footer=True,
            header_template="<span></span>",
            footer_template=FOOTER,
            margin={"top": "18mm", "bottom": "18mm", "left": "15mm", "right": "15mm"},
            outline=True,
            tagged=True,
        )
        browser.close()
    pages = len(PdfReader(partial).pages)
    partial.replace(target)
    return pages


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    start = time.perf_counter()
    pages = print_pdf(Path(argv[1]), Path(argv[2]))
    size = Path(argv[2]).stat().st_size / 1e6
    print(f"Wrote {argv[2]}: {pages} pages, {size:.1f} MB in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
