"""Checks of the built HTML, read as files: offline assets, alt text, the status page."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.site_support import require_site, site_pages

pytestmark = pytest.mark.site
PAGES = site_pages() or ["index.html"]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: Path) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.tags


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_nothing_from_another_host(page: str) -> None:
    site = require_site()
    loaded = [
        attrs.get("src") or attrs.get("href") or ""
        for tag, attrs in _tags(site / page)
        if tag in {"script", "img", "iframe", "source"}
        or (tag == "link" and attrs.get("href"))
        and (attrs.get("rel") or "") in {"stylesheet", "preload", "icon", "modulepreload"}
    ]
    remote = [url for url in loaded if re.match(r"^(https?:)?//", url)]
    assert remote == [], f"{page} loads from other hosts: {remote}"


@pytest.mark.parametrize("page", PAGES)
def test_every_image_has_alt_text(page: str) -> None:
    site = require_site()
    images = [attrs for tag, attrs in _tags(site / page) if tag == "img"]
    missing = [attrs.get("src") for attrs in images if not (attrs.get("alt") or "").strip()]
    assert missing == [], f"{page}: images without alt text: {missing}"


def test_mathjax_is_served_locally() -> None:
    site = require_site()
    assert (site / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert (site / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").is_dir()


def test_status_page_lists_every_notebook() -> None:
    site = require_site()
    status = (site / "book" / "status.html").read_text(encoding="utf-8")
    notebooks = sorted(Path(site.parents[1], "chapters").rglob("*.md"))
    assert notebooks, "no chapters found"
    for notebook in notebooks:
        docname = notebook.relative_to(site.parents[1]).with_suffix("").as_posix()
        assert docname in status, f"{docname} is not on the status page"
    assert "Run Time (s)" in status or "run time" in status.lower()


def test_pages_offer_their_notebook_for_download() -> None:
    site = require_site()
    notebooks = sorted(Path(site.parents[1], "chapters").rglob("*.md"))
    for notebook in notebooks:
        docname = notebook.relative_to(site.parents[1]).with_suffix("").as_posix()
        page = (site / f"{docname}.html").read_text(encoding="utf-8")
        for suffix in (".md", ".ipynb"):
            assert f"_sources/{docname}{suffix}" in page, f"{docname}: no {suffix} download"
            assert (site / "_sources" / f"{docname}{suffix}").is_file()


def _toc_titles() -> list[str]:
    """The first heading of every page in the table of contents."""
    import yaml

    root = Path(__file__).resolve().parents[1]
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    titles = []
    for file in files:
        text = (root / f"{file}.md").read_text(encoding="utf-8")
        titles.append(next(line[2:].strip() for line in text.splitlines() if line.startswith("# ")))
    return titles


def test_printable_pdf_has_every_chapter() -> None:
    from pypdf import PdfReader

    site = require_site()
    pdf = site / "handbook.pdf"
    assert pdf.is_file(), "the PDF of the book was not built (book/make_pdf.py)"
    reader = PdfReader(pdf)
    assert len(reader.pages) > 100, f"the PDF has only {len(reader.pages)} pages"

    def flatten(items: list) -> list[str]:
        out: list[str] = []
        for item in items:
            out.extend(flatten(item) if isinstance(item, list) else [str(item.title)])
        return out

    def plain(text: str) -> str:
        # Chromium drops the space where a long heading wraps, and Sphinx curls quotes.
        return "".join(text.split()).translate(str.maketrans("\u2018\u2019\u201c\u201d", "''\"\""))

    bookmarks = " | ".join(plain(t) for t in flatten(reader.outline))
    missing = [title for title in _toc_titles() if plain(title) not in bookmarks]
    assert missing == [], f"chapters missing from the PDF's outline: {missing}"


def test_landing_page_links_the_pdf() -> None:
    site = require_site()
    hrefs = [attrs.get("href") for tag, attrs in _tags(site / "index.html") if tag == "a"]
    hrefs += [attrs.get("href") for tag, attrs in _tags(site / "book" / "intro.html") if tag == "a"]
    assert any(h and h.endswith("handbook.pdf") for h in hrefs), "no link to handbook.pdf"
