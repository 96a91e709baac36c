"""The book is accessible and reads as finished, on a laptop and on a phone.

* Alt text: a chart specification writes its own alt text (what kind of chart, its title, its key figures);
  ``clvedu.charts.mpl.draw`` gives it to the figure and to the figure's PNG output in Jupyter; every image
  of the built book has an alt text that says what it shows (never its file name).
* No visible code on the student path: no chapter page shows a code cell's source; the "Working in Python"
  pages do, on purpose.
* Pages that look finished: no "$-20" (the minus goes before the currency), no matplotlib debris.
* axe-core (through axe-playwright-python, which bundles it) finds no serious or critical violation on any
  built page, at a laptop's width and at a phone's (390 px), with the WCAG 2.2 target-size rule and the
  label-in-name rule switched on; chart labels stay at least about 11 px at 390 px; no page scrolls sideways.

The built-book checks use the session's build (``built_book`` in conftest.py), never a second one.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import sys
import threading
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from clvedu.charts import builders  # noqa: E402
from clvedu.charts import mpl as chart_mpl  # noqa: E402
from clvedu.charts.spec import ChartSpec, Series, bar, line  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
sys.path.insert(0, str(BOOK / "_ext"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


# --- alt text from the chart specification ------------------------------------------------------------

def test_bar_chart_alt_names_kind_title_and_every_value_with_the_minus_first():
    spec = bar("CLV by scenario", "Scenario", "CLV (USD)", ["Low", "Base"], {"Netflix": [-20.0, 152.4],
                                                                            "Prime": [43.0, 161.0]},
               number_format="${:,.0f}")
    assert spec.alt.startswith("Bar chart: CLV by scenario.")
    assert "Netflix: Low -$20, Base $152." in spec.alt and "Prime: Low $43, Base $161." in spec.alt
    assert "$-" not in spec.alt


def test_line_chart_alt_gives_range_ends_and_peak():
    spec = line("Survival", "Months since sign-up", "Share still subscribed", [0, 12, 24],
                {"Actual": [1.0, 0.7, 0.5], "Hump": [0.2, 0.9, 0.4]}, number_format="{:.0%}",
                markers={"Today": 12})
    assert "Share still subscribed against months since sign-up, from 0 to 24." in spec.alt
    assert "Actual: 100% at 0, 50% at 24." in spec.alt
    assert "Hump: 20% at 0, 40% at 24, highest 90% at 12." in spec.alt
    assert "Marked: Today at 12." in spec.alt


def test_tornado_alt_reads_each_driver_from_low_to_high():
    table = pd.DataFrame({"driver": ["Monthly churn", "Acquisition cost"], "low_value": [80.0, 95.0],
                          "high_value": [125.0, 105.0], "base_value": [100.0, 100.0]})
    alt = builders.tornado_chart(table, "Netflix", number_format="${:,.0f}").alt
    assert alt.startswith("Tornado chart: Netflix. Base value $100;")
    assert "Monthly churn $80 to $125; Acquisition cost $95 to $105." in alt


def test_long_bar_charts_name_their_extremes_and_scatter_names_points():
    cats = [f"Segment {i}" for i in range(15)]
    spec = bar("Many", "", "", cats, {"Value": [float(i) for i in range(15)]})
    assert "15 bars, highest Segment 14 14, lowest Segment 0 0" in spec.alt
    scatter = builders.perceptual_map_chart(pd.DataFrame({"service": ["A", "B"], "x": [1.0, 2.0], "y": [3.0, 4.5]}),
                                            "Map", x_label="Price", y_label="Breadth")
    assert "A (1, 3.0); B (2, 4.5)" in scatter.alt


def test_alt_is_cleaned_and_an_explicit_alt_is_kept():
    spec = ChartSpec("bar", "Ti\x00tle\nnext", "", "", (Series("S\x07", (1.0,)),), categories=("c\x1b",))
    assert not re.search(r"[\x00-\x1f\x7f]", spec.alt) and "Title next" in spec.alt
    own = bar("t", "", "", ["a"], {"s": [1.0]}, alt="A single bar.\tNothing else.")
    assert own.alt == "A single bar. Nothing else."


def test_draw_keeps_the_alt_on_the_figure_one_chart_or_several():
    a = bar("First", "", "", ["a"], {"s": [1.0]})
    b = bar("Second", "", "", ["a"], {"s": [2.0]})
    fig = chart_mpl.draw(a)
    assert chart_mpl.figure_alt(fig) == a.alt
    fig2, axes = chart_mpl.subplots(2, 1)
    chart_mpl.draw(a, ax=axes[0])
    chart_mpl.draw(b, ax=axes[1])
    assert chart_mpl.figure_alt(fig2) == f"2 charts. Chart 1: {a.alt} Chart 2: {b.alt}"
    chart_mpl.set_alt(fig2, "My own  description.")
    assert chart_mpl.figure_alt(fig2) == "My own description."


def test_png_output_carries_alt_and_its_css_width():
    import base64
    import io

    fig = chart_mpl.draw(bar("Chart", "", "", ["a"], {"s": [1.0]}))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    png = base64.b64encode(buffer.getvalue()).decode()
    width_px = chart_mpl._png_size(png)[0]
    data, meta = chart_mpl._with_alt(lambda f: png)(fig)
    assert data == png and meta["alt"].startswith("Bar chart: Chart.")
    assert meta["width"] == round(width_px / chart_mpl.PIXEL_RATIO)
    # a figure without a chart specification is shown as before
    import matplotlib.pyplot as plt

    plain = plt.figure()
    assert chart_mpl._with_alt(lambda f: png)(plain) == png


def test_chart_fonts_stay_legible_on_a_phone():
    # a label's size on a 390 px phone, where the text column is about 350 px wide
    smallest = min(chart_mpl.TICK_SIZE, chart_mpl.LEGEND_SIZE, chart_mpl.NOTE_SIZE, chart_mpl.LABEL_SIZE)
    on_phone = smallest * chart_mpl.DISPLAY_DPI / 72 * 350 / chart_mpl.DISPLAY_PX
    assert on_phone >= 11


def test_html_fixes_are_targeted_and_idempotent():
    from page_fixes import fix_html

    page = ('<button class="btn search-button-field x" title="Search" aria-label="Search" data-x="1">'
            '<span>Search</span></button><button class="other" aria-label="Search"></button>'
            '<i class="theme-switch fa-sun" data-mode="light" title="Light"></i>'
            '<summary><span class="toctree-toggle" role="presentation"></span></summary><summary>Solution</summary>'
            '<div class="citation" role="doc-biblioentry"></div>'
            '<div id="pst-primary-sidebar" class="bd-sidebar-primary bd-sidebar">')
    fixed = fix_html(page)
    assert '<button class="btn search-button-field x" title="Search" data-x="1">' in fixed
    assert '<button class="other" aria-label="Search">' in fixed  # other buttons untouched
    assert '<i class="theme-switch fa-sun" aria-hidden="true" data-mode="light">' in fixed
    assert '<summary aria-label="Show or hide the pages of this part"><span class="toctree-toggle"' in fixed
    assert "<summary>Solution</summary>" in fixed
    assert 'role="listitem"' in fixed and "doc-biblioentry" not in fixed
    assert 'role="region" aria-label="Book contents and search"' in fixed
    assert fix_html(fixed) == fixed


# --- the built book ---------------------------------------------------------------------------------------

def _pages(html: Path) -> list[Path]:
    """Every built page, not counting the redirect that index.html is (it sends the browser to the root page)."""
    return sorted(p for p in html.rglob("*.html")
                  if not {"_static", "_sources", "_downloads", "_images"} & set(p.relative_to(html).parts)
                  and 'http-equiv="Refresh"' not in p.read_text(encoding="utf-8")[:2000])


@pytest.mark.book
def test_code_is_hidden_on_the_student_path_and_shown_in_working_in_python(built_book):
    html = built_book / "html"
    config = (BOOK / "_config.yml").read_text(encoding="utf-8")
    assert re.search(r"^\s+nb_remove_code_source: true$", config, flags=re.M), "the build-wide default is off"
    for page in _pages(html):
        rel = page.relative_to(html).as_posix()
        text = page.read_text(encoding="utf-8")
        if rel.startswith("python/"):
            continue
        assert 'class="cell_input' not in text, f"{rel} shows code"
    python_pages = sorted((html / "python").glob("*.html"))
    assert python_pages, "the 'Working in Python' part was not built"
    assert any('class="cell_input' in p.read_text(encoding="utf-8") for p in python_pages)
    # its notebook list links to every chapter's downloadable notebook
    index = (html / "python" / "index.html").read_text(encoding="utf-8")
    for chapter in sorted((BOOK / "chapters").glob("*.md")):
        if f"chapters/{chapter.stem}" in (BOOK / "_toc.yml").read_text(encoding="utf-8"):
            assert f"../_sources/chapters/{chapter.stem}.ipynb" in index, chapter.stem
            assert (html / "_sources" / "chapters" / f"{chapter.stem}.ipynb").is_file()


@pytest.mark.book
def test_every_image_has_alt_text_that_says_what_it_shows(built_book):
    html = built_book / "html"
    seen = 0
    problems = []
    for page in _pages(html):
        rel = page.relative_to(html).as_posix()
        for tag in re.findall(r"<img\b[^>]*>", page.read_text(encoding="utf-8")):
            src = re.search(r'src="([^"]*)"', tag)
            alt = re.search(r'alt="([^"]*)"', tag)
            if src is None or "_static/" in src[1]:
                continue  # the theme's own logo and icons
            seen += 1
            if alt is None or len(alt[1].split()) < 6 or re.search(r"\.(png|jpe?g|svg|gif)$", alt[1]):
                problems.append(f"{rel}: {src[1]} has alt {alt[1] if alt else None!r}")
    assert seen >= 5, "the book has almost no figures: was it built?"
    assert not problems, "\n".join(problems)


@pytest.mark.book
def test_pages_show_no_debris_and_no_minus_after_the_currency(built_book):
    html = built_book / "html"
    problems = []
    for page in _pages(html):
        rel = page.relative_to(html).as_posix()
        text = re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8"))
        if rel.startswith("python/"):
            continue  # code pages print Python values on purpose
        for pattern, what in [(r"[$£€]\s?-\d", "a minus after the currency"),
                              (r"&lt;(Figure|Axes|matplotlib)[^&]*&gt;", "a matplotlib object printed"),
                              (r"\bText\(\d", "a matplotlib Text printed"),
                              (r"^\s*\(\d+(\.\d+)?, \d+(\.\d+)?\)\s*$", "an axis limit printed")]:
            for m in re.finditer(pattern, text, flags=re.M):
                problems.append(f"{rel}: {what}: {m.group(0).strip()[:40]!r}")
    assert not problems, "\n".join(problems)


# --- in a browser: axe-core, legibility, no sideways scrolling ----------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a browser that closes a connection early is not a failure of the book


@pytest.fixture(scope="module")
def served_book(built_book):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (.ci/run installs Debian's chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is part of the dev extra")
    pytest.importorskip("axe_playwright_python", reason="axe-playwright-python is part of the dev extra")
    html = built_book / "html"
    server = _QuietServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield html, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


AXE_OPTIONS = {
    "laptop": {
        "resultTypes": ["violations"],
        # off by default in axe-core: the visible label inside the accessible name, and WCAG 2.2's target size
        "rules": {"label-content-name-mismatch": {"enabled": True}, "target-size": {"enabled": True}},
    },
    # at a phone's width only what the layout changes is checked again (the rest does not depend on it)
    "phone": {
        "resultTypes": ["violations"],
        "runOnly": {"type": "rule", "values": [
            "color-contrast", "target-size", "label-content-name-mismatch", "button-name", "link-name",
            "scrollable-region-focusable", "meta-viewport", "region", "nested-interactive", "aria-hidden-focus"]},
    },
}


def _offline_page(chromium, base: str, width: int, height: int):
    """A page at this viewport that may load the served book and data: URLs only (nothing from a network)."""
    page = chromium.new_page(viewport={"width": width, "height": height})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith((base, "data:")) else r.abort())
    return page


def _axe_failures(axe, page, rel: str, options: dict) -> list[str]:
    failures = []
    for v in axe.run(page, options=options).response["violations"]:
        if v["impact"] in ("serious", "critical"):
            where = "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:3])
            failures.append(f"{rel}: {v['impact']} {v['id']} ({len(v['nodes'])}x): {where}")
    return failures


@pytest.mark.render
@pytest.mark.book
def test_axe_finds_no_serious_or_critical_violation_on_a_laptop(served_book, chromium):
    from axe_playwright_python.sync_playwright import Axe

    html, base = served_book
    axe = Axe()
    page = _offline_page(chromium, base, 1280, 900)
    failures = []
    pages = _pages(html)
    for path in pages:
        rel = path.relative_to(html).as_posix()
        page.goto(base + rel, wait_until="networkidle")
        failures += _axe_failures(axe, page, rel, AXE_OPTIONS["laptop"])
    page.close()
    assert len(pages) >= 10
    assert not failures, "\n".join(failures)


@pytest.mark.render
@pytest.mark.book
def test_on_a_phone_axe_passes_no_page_scrolls_sideways_and_chart_labels_stay_legible(served_book, chromium):
    from axe_playwright_python.sync_playwright import Axe

    html, base = served_book
    axe = Axe()
    page = _offline_page(chromium, base, 390, 844)
    problems, charts = [], 0
    for path in _pages(html):
        rel = path.relative_to(html).as_posix()
        page.goto(base + rel, wait_until="networkidle")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 1:
            problems.append(f"{rel}: the page scrolls {overflow} px sideways")
        # charts drawn by clvedu carry their CSS width; shown narrower, their labels shrink in proportion
        for css_width, shown in page.eval_on_selector_all(
                "article img[style*='width']",
                "imgs => imgs.map(i => [parseFloat(i.style.width), i.getBoundingClientRect().width])"):
            charts += 1
            label_px = chart_mpl.TICK_SIZE * chart_mpl.DISPLAY_DPI / 72 * shown / css_width
            if label_px < 10.5:  # about 11 px: a chart a little wider than DISPLAY_PX shrinks a little more
                problems.append(f"{rel}: a chart shown {shown:.0f} px wide has {label_px:.1f} px labels")
        problems += _axe_failures(axe, page, rel, AXE_OPTIONS["phone"])
    page.close()
    assert charts >= 3, "no chart drawn at the book's size was found"
    assert not problems, "\n".join(problems)
