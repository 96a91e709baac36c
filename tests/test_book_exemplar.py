"""The exemplar chapter shows the exemplar deck as the deck generator renders it: every slide's title and
speaker notes, its points, its tables (with header rows) and its charts (with alt text), no code; three
slides at pass, merit and distinction whose better versions carry the analysis's figures; and the timing of
the notes from their word count.

The page is read from the session's book build (``built_book``), or from a build named by the
environment variable ``CLVEDU_BOOK_BUILD`` (its ``_build`` folder), as ``tests/test_tutor_guide.py`` does.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest

from clvedu.decks import filters
from clvedu.decks.coverage import WORDS_PER_MINUTE

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "case_studies" / "netflix_vs_prime_video"
SOURCE = ROOT / "book" / "chapters" / "08_exemplar.md"


def normal(text: str) -> str:
    """Text as a reader sees it, for comparing: entities decoded, typographic quotes and dashes made plain,
    runs of white space made one space."""
    text = html.unescape(text)
    for fancy, plain in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("—", "---"), ("–", "--"),
                         ("…", "..."), ("\u00a0", " ")):
        text = text.replace(fancy, plain)
    return " ".join(text.split())


def visible(page: str) -> str:
    """The article's text: scripts, styles and tags removed."""
    body = page.split('<article class="bd-article"', 1)[-1].split("</article>", 1)[0]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return normal(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture(scope="module")
def built(request) -> Path:
    given = os.environ.get("CLVEDU_BOOK_BUILD")
    return Path(given) if given else request.getfixturevalue("built_book")


@pytest.fixture(scope="module")
def page(built) -> str:
    return (built / "html" / "chapters" / "08_exemplar.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def deck():
    """The exemplar rendered by the deck generator itself (not through the chapter's helper)."""
    from clvedu.cases import load_case
    from clvedu.decks.context import build_context
    from clvedu.decks.render import render_slides
    from clvedu.decks.templating import SpecFile, spec_path
    from clvedu.rubric import load_rubric

    rubric = load_rubric()
    ctx = build_context(load_case(CASE), rubric)
    slides, _ = render_slides(SpecFile(spec_path("exemplar")), ctx, rubric)
    return slides, ctx


def test_the_chapter_is_in_the_book():
    toc = (ROOT / "book" / "_toc.yml").read_text(encoding="utf-8")
    assert f"chapters/{SOURCE.stem}" in toc
    # the slides are drawn in a loop over the rendered deck (spoken, then backup), never typed into the page
    loops = re.findall(r"for page in (\w+):\n    show_slide\(page\)", SOURCE.read_text(encoding="utf-8"))
    assert loops == ["spoken", "backup"]


@pytest.mark.book
def test_every_slide_title_and_its_notes_are_on_the_page(page, deck):
    slides, _ = deck
    text = visible(page)
    headings = [normal(re.sub(r"<[^>]+>", "", h)) for h in re.findall(r"<h3[^>]*>(.*?)</h3>", page, flags=re.S)]
    assert len(slides) > 10
    for number, s in enumerate(slides, start=1):
        assert f"Slide {number}: {normal(s.title)}" in headings, f"no heading for slide {number} ({s.id})"
        for paragraph in s.notes.split("\n\n"):
            assert normal(paragraph) in text, f"slide {number} ({s.id}): notes missing: {paragraph[:60]!r}"
        if s.maps_to:
            assert normal(s.maps_to) in text
        for _, bullet in s.bullets:
            assert normal(bullet) in text, f"slide {number} ({s.id}): bullet missing: {bullet!r}"
    # in the deck's order
    found = [headings.index(f"Slide {n}: {normal(s.title)}") for n, s in enumerate(slides, start=1)]
    assert found == sorted(found)


@pytest.mark.book
def test_tables_have_header_rows_and_charts_are_drawn_with_alt_text(page, deck):
    slides, ctx = deck
    tables = re.findall(r"<table\b.*?</table>", page, flags=re.S)
    with_tables = [s for s in slides if s.table]
    assert len(tables) >= len(with_tables)
    for s in with_tables:
        table = ctx.tables.get(s.table)
        if table is None:
            continue   # a table of the spec's own text (the likely questions): its header is checked below
        def cells(t):
            return [normal(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<th\b.*?</th>", t, flags=re.S)]

        # every column keeps its heading (one left empty on the slide is named on the page)
        assert any(len(cells(t)) == len(table.header) and all(normal(h) == c for h, c in zip(table.header, cells(t)) if h)
                   for t in tables), f"{s.id}: no table with header {table.header}"
    assert all("<thead" in t and "<th" in t for t in tables)
    alts = [html.unescape(a) for a in re.findall(r'<img\b[^>]*\balt="([^"]*)"', page)]
    images = re.findall(r"<img\b[^>]*>", page)
    charts = [spec for s in slides if s.chart for spec in ctx.charts[s.chart]]
    assert len(images) == len(charts)
    for spec in charts:
        assert normal(spec.alt) in [normal(a) for a in alts], f"no image with the alt text of {spec.title!r}"


@pytest.mark.book
def test_no_code_and_every_image_says_what_it_shows(page):
    assert "cell_input" not in page and "highlight-ipython3" not in page
    assert "Traceback" not in page
    for tag in re.findall(r"<img\b[^>]*>", page):
        alt = re.search(r'\balt="([^"]*)"', tag)
        assert alt and alt[1].strip(), f"image without alt text: {tag[:120]}"
        assert not re.fullmatch(r"[\w./-]+\.(png|svg|jpe?g)", alt[1].strip()), f"alt text is a file name: {alt[1]}"


@pytest.mark.book
def test_graded_versions_carry_the_analysis_figures(page):
    from clvedu.analysis import analyse_case
    from clvedu.cases import load_case

    text = visible(page)
    graded = text.split("Three slides at pass, merit and distinction", 1)[1].split("Writing notes to be spoken", 1)[0]
    for band in ("Pass", "Merit", "Distinction"):
        assert graded.count(f"{band} Slide title:") == 3, band
    analysis = analyse_case(load_case(CASE))
    for company in analysis.companies.values():
        base = filters.money(company.clv.base, 0, currency=analysis.currency)
        low = filters.money(company.clv.low, 0, currency=analysis.currency)
        merit = graded.split("Merit Slide title:", 1)[1].split("Distinction Slide title:", 1)[0]
        assert base in merit and company.name in merit
        distinction = graded.split("Distinction Slide title:", 1)[1].split("Pass Slide title:", 1)[0]
        assert base in distinction and low in distinction
    # the pass versions carry no money figure: what they lack is what the better versions add
    for part in graded.split("Pass Slide title:")[1:]:
        assert not re.search(r"\$\d", part.split("Merit Slide title:", 1)[0])


@pytest.mark.book
def test_the_notes_are_timed_from_their_word_count(page, deck):
    from clvedu.decks.text import word_count

    slides, _ = deck
    words = sum(word_count(s.notes) for s in slides if not s.backup)
    text = visible(page)
    spoken = text.split("Writing notes to be spoken", 1)[1].split("Author-date referencing", 1)[0]
    assert f"{words:,}" in spoken
    assert f"{words / WORDS_PER_MINUTE:.1f} minutes" in spoken
    for number, s in enumerate(slides, start=1):
        if s.notes:
            n = word_count(s.notes)
            assert f"Speaker notes ({n} words," in text, f"slide {number}: no word count"


@pytest.mark.book
def test_referencing_examples_come_from_the_case_sources(page):
    from clvedu.analysis import analyse_case
    from clvedu.cases import load_case

    text = visible(page)
    section = text.split("Author-date referencing", 1)[1].split("Summary", 1)[0]
    analysis = analyse_case(load_case(CASE))
    entries = [normal(r.entry) for r in analysis.references]
    assert sum(e in section for e in entries) >= 2
    assert sum(f"({r.citation})" in section for r in analysis.references) >= 1
