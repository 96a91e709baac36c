"""Every built page works in a real browser: headless Chromium, no network, served from localhost.

Checks, per page: it has content, no console errors, no failed or 4xx/5xx requests, no broken images,
and every internal link points at a file that exists. The search page must find "churn". Screenshots of
the introduction and the case chapter, at a laptop's and a phone's width, are saved to ``test-artifacts/`` for
people to look at.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.render,
    pytest.mark.book,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs Debian's chromium)"),
]
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is part of the dev extra")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output readable
        pass


@pytest.fixture(scope="module")
def site(built_book):
    html = built_book / "html"
    handler = functools.partial(_QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield html, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield b
        b.close()


def _pages(html: Path) -> list[str]:
    skip = {"genindex.html", "search.html"}
    return sorted(str(p.relative_to(html)) for p in html.rglob("*.html")
                  if p.name not in skip and "_static" not in p.parts and "_sources" not in p.parts)


def _open(browser, url: str, base: str, width: int = 1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems: list[str] = []

    def route(r):
        if r.request.url.startswith(base) or r.request.url.startswith("data:"):
            r.continue_()
        else:  # the test has no network: anything leaving localhost is a bug in the book
            problems.append(f"external request {r.request.url}")
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed request {r.url}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status} {r.url}"))
    page.goto(url, wait_until="networkidle")
    return page, problems


def test_every_page_loads_cleanly(site, browser):
    html, base = site
    pages = _pages(html)
    assert len(pages) >= 2
    failures = []
    for rel in pages:
        page, problems = _open(browser, base + rel, base)
        text = page.inner_text("main") if page.query_selector("main") else page.inner_text("body")
        if len(text.strip()) < 200:
            problems.append("page has almost no content")
        broken = page.eval_on_selector_all(
            "img", "imgs => imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
        problems += [f"broken image {src}" for src in broken]
        for href in page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))"):
            target = urlparse(urljoin(base + rel, href))
            if not (base + rel).startswith(f"{target.scheme}://{target.netloc}") or target.scheme not in ("http",):
                continue
            path = html / unquote(target.path).lstrip("/")
            if target.path.endswith("/"):
                path = path / "index.html"
            if not path.exists():
                problems.append(f"link to missing {href}")
        page.close()
        failures += [f"{rel}: {p}" for p in problems]
    assert not failures, "\n".join(failures)


def test_search_finds_churn(site, browser):
    html, base = site
    page, problems = _open(browser, base + "search.html?q=churn", base)
    page.wait_for_selector("#search-results li", timeout=20000)
    hits = page.eval_on_selector_all("#search-results li", "lis => lis.length")
    page.close()
    assert hits >= 1
    assert not problems, problems


def test_screenshots_for_people_to_look_at(site, browser):
    html, base = site
    ARTIFACTS.mkdir(exist_ok=True)
    wanted = {"intro": "intro.html"}
    case_pages = sorted(html.glob("chapters/*case*.html"))
    if case_pages:
        wanted["case_chapter"] = str(case_pages[0].relative_to(html))
    for name, rel in wanted.items():
        for width, suffix in ((1280, ""), (390, "_phone")):  # a laptop and a phone
            page, problems = _open(browser, base + rel, base, width=width)
            out = ARTIFACTS / f"book_{name}{suffix}.png"
            page.screenshot(path=str(out), full_page=False)
            page.close()
            assert out.stat().st_size > 10_000, f"{out} looks empty"
            assert not problems, problems
