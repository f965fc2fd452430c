"""Every page of the built site in headless Chromium: no console error, no failed or
off-site request, every image decoded, maths rendered, search working."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from tests.site_support import CHROMIUM_FLAGS, require_site, serve, site_pages

pytestmark = [pytest.mark.site, pytest.mark.browser]
PAGES = site_pages() or ["index.html"]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def site_url() -> Iterator[str]:
    site = require_site()
    with serve(site) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


class PageVisit:
    """Open a page and record what went wrong while it loaded."""

    def __init__(self, browser, base: str, width: int = 1280) -> None:
        self.host = urlparse(base).netloc
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.off_site: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        self.page.on("requestfailed", lambda request: self.failed.append(request.url))
        self.page.on("request", self._request)

    def _console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def _request(self, request) -> None:
        parsed = urlparse(request.url)
        if parsed.scheme in {"http", "https"} and parsed.netloc != self.host:
            self.off_site.append(request.url)

    def open(self, url: str):
        response = self.page.goto(url, wait_until="networkidle")
        assert response is not None and response.ok, (
            f"{url} answered {response and response.status}"
        )
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.mark.parametrize("page", PAGES)
def test_page_is_clean_in_the_browser(browser, site_url: str, page: str) -> None:
    visit = PageVisit(browser, site_url)
    try:
        tab = visit.open(f"{site_url}/{page}")
        undecoded = tab.evaluate(
            """() => Array.from(document.images)
                 .filter(img => !(img.complete && img.naturalWidth > 0))
                 .map(img => img.src)"""
        )
        has_math = tab.evaluate("() => document.querySelectorAll('.math').length > 0")
        if has_math:
            tab.wait_for_selector("mjx-container", timeout=15_000)
        assert visit.console_errors == [], f"{page}: console errors {visit.console_errors}"
        assert visit.failed == [], f"{page}: failed requests {visit.failed}"
        assert visit.off_site == [], f"{page}: requests to other hosts {visit.off_site}"
        assert undecoded == [], f"{page}: images that did not decode {undecoded}"
    finally:
        visit.close()


def test_maths_renders(browser, site_url: str) -> None:
    site = require_site()
    with_maths = [p for p in PAGES if 'class="math' in (site / p).read_text(encoding="utf-8")]
    assert with_maths, "no page of the book has any maths to render"
    visit = PageVisit(browser, site_url)
    try:
        for page in with_maths:
            tab = visit.open(f"{site_url}/{page}")
            tab.wait_for_selector("mjx-container", timeout=15_000)
            unrendered = tab.evaluate(
                """() => Array.from(document.querySelectorAll('.math'))
                     .filter(el => !el.querySelector('mjx-container')).length"""
            )
            assert unrendered == 0, f"{page}: {unrendered} formulae left unrendered"
            assert tab.evaluate("() => document.querySelectorAll('mjx-merror').length") == 0
        assert visit.console_errors == [] and visit.off_site == []
    finally:
        visit.close()


#: Words a commissioner would type, and a page each must find.
SEARCHES = {
    "academies": "chapters/schools/academies.html",
    "academy": "chapters/schools/academies.html",
    "funnel plot": "chapters/methods/performance.html",
    "care home": "chapters/care/competition.html",
    "creaming": "chapters/methods/contracts.html",
    "payment by results": "chapters/methods/contracts.html",
    "postcode lottery": "chapters/markets/postcode_lottery.html",
    "lot size": "chapters/markets/lot_size.html",
    "transparency": "chapters/markets/transparency.html",
    "new review": "chapters/adapting/new_review.html",
}


@pytest.mark.parametrize("query", sorted(SEARCHES))
def test_search_finds_the_page_a_commissioner_expects(browser, site_url: str, query: str) -> None:
    visit = PageVisit(browser, site_url)
    try:
        tab = visit.open(f"{site_url}/search.html?q={query.replace(' ', '+')}")
        # Sphinx writes the summary line once every result has been listed.
        tab.wait_for_selector("#search-results p.search-summary", timeout=20_000)
        found = tab.evaluate(
            """() => Array.from(document.querySelectorAll('#search-results ul.search li a'))
                 .map(a => new URL(a.href).pathname.replace(/^\\//, ''))"""
        )
        assert SEARCHES[query] in found, f"{query!r} found {found[:10]}"
        assert visit.console_errors == []
    finally:
        visit.close()


PHONE_WIDTH = 390


@pytest.mark.parametrize("page", PAGES)
def test_page_fits_a_phone_screen(browser, site_url: str, page: str) -> None:
    visit = PageVisit(browser, site_url, width=PHONE_WIDTH)
    try:
        tab = visit.open(f"{site_url}/{page}")
        width = tab.evaluate("() => document.documentElement.scrollWidth")
        culprits = tab.evaluate(
            """(limit) => Array.from(document.querySelectorAll('.bd-article *'))
                 .filter(el => el.getBoundingClientRect().right > limit + 1
                               && el.children.length === 0)
                 .slice(0, 5)
                 .map(el => el.tagName + '.' + el.className + ' ' +
                            Math.round(el.getBoundingClientRect().right))""",
            PHONE_WIDTH,
        )
        assert width <= PHONE_WIDTH, f"{page} is {width} px wide on a phone: {culprits}"
    finally:
        visit.close()


def test_dark_mode_keeps_figures_on_a_light_ground(browser, site_url: str) -> None:
    visit = PageVisit(browser, site_url)
    try:
        tab = visit.open(f"{site_url}/chapters/data.html")
        tab.evaluate("() => document.documentElement.setAttribute('data-theme', 'dark')")
        grounds = tab.evaluate(
            """() => Array.from(document.querySelectorAll('.cell_output img')).map(img => {
                 const c = document.createElement('canvas');
                 c.width = img.naturalWidth; c.height = img.naturalHeight;
                 const g = c.getContext('2d'); g.drawImage(img, 0, 0);
                 const corner = g.getImageData(1, 1, 1, 1).data;
                 return {alpha: corner[3], light: (corner[0] + corner[1] + corner[2]) / 3};
               })"""
        )
        assert grounds, "the data chapter has no figure"
        # Figures are drawn on an opaque light ground, so dark mode cannot swallow them.
        assert all(g["alpha"] == 255 and g["light"] > 200 for g in grounds), grounds
    finally:
        visit.close()
