"""The criteria map points at real places: every chapter it names is a written chapter in the table of
contents, every section it names is a heading of that chapter, and chapter ids such as ``04b`` are read.

Also: the exemplar's slide list (:func:`clvedu.assessment.exemplar_slides`) agrees with the deck generator.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clvedu.assessment import (
    BookPlace,
    chapter_file,
    chapter_label,
    exemplar_deck,
    exemplar_slides,
    headings,
    load_criteria_map,
    parse_criteria_map,
)
from clvedu.errors import UserError
from clvedu.io import load_yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CASE = ROOT / "case_studies" / "netflix_vs_prime_video"
MAP = ROOT / "clvedu" / "resources" / "criteria_map.yaml"


def toc_files() -> set[str]:
    toc = load_yaml((BOOK / "_toc.yml").read_text(encoding="utf-8"))
    return {entry["file"] for part in toc["parts"] for entry in part["chapters"]}


def test_every_pointer_resolves_to_a_heading_of_a_listed_chapter():
    listed = toc_files()
    for code, places in load_criteria_map().items():
        for place in places:
            files = sorted((BOOK / "chapters").glob(f"{place.chapter}_*.md"))
            assert len(files) == 1, f"{code}: chapter {place.chapter} matches {len(files)} files"
            assert f"chapters/{files[0].stem}" in listed, f"{code}: {files[0].name} is not in book/_toc.yml"
            assert chapter_file(BOOK, place.chapter) == files[0]
            found = {text for _, text in headings(files[0])}
            for section in place.sections:
                assert section in found, f"{code}: {files[0].name} has no heading {section!r}"


def test_the_new_chapters_are_pointed_at():
    chapters = {place.chapter for places in load_criteria_map().values() for place in places}
    # every chapter file of the book teaches some criterion
    on_disk = {p.name.split("_", 1)[0] for p in (BOOK / "chapters").glob("*.md")}
    assert on_disk <= chapters, f"chapters no criterion points to: {sorted(on_disk - chapters)}"
    # the exemplar chapter is where D1 is shown
    assert any(chapter_file(BOOK, p.chapter).stem.endswith("exemplar") for p in load_criteria_map()["D1"])


def test_chapter_ids_with_a_letter_are_read_and_others_refused():
    good = MAP.read_text(encoding="utf-8")
    parsed = parse_criteria_map(good)
    assert any(p.chapter.endswith("b") for places in parsed.values() for p in places)
    for bad in ("4b", "004", "04B", "04bb", "4"):
        text = good.replace('P1:\n  - {chapter: "01"', f'P1:\n  - {{chapter: "{bad}"', 1)
        with pytest.raises(UserError, match=r"P1\[0\]\.chapter: must be a two-digit"):
            parse_criteria_map(text)


def test_chapter_labels_drop_the_leading_zero_only():
    assert chapter_label("04b") == "4b"
    assert chapter_label("10") == "10"
    assert BookPlace("05b", ("x",)).label == "5b"


def test_a_number_and_its_lettered_follower_are_different_chapters(tmp_path):
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    for name in ("04_first.md", "04b_second.md"):
        (chapters / name).write_text("# T\n", encoding="utf-8")
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nparts:\n  - caption: x\n    chapters:\n"
        "      - file: chapters/04_first\n", encoding="utf-8")
    assert chapter_file(tmp_path, "04").name == "04_first.md"
    assert chapter_file(tmp_path, "04b") is None   # written, but not in the table of contents yet


def test_exemplar_slides_agree_with_the_deck_generator():
    from clvedu.cases import load_case
    from clvedu.decks.context import build_context
    from clvedu.decks.render import render_slides
    from clvedu.decks.templating import SpecFile, spec_path
    from clvedu.decks.text import word_count
    from clvedu.rubric import load_rubric

    rubric = load_rubric()
    slides, _ = render_slides(SpecFile(spec_path("exemplar")), build_context(load_case(CASE), rubric), rubric)
    spoken = [s for s in slides if not s.backup]
    listed = exemplar_slides(CASE)
    assert [(s.id, s.title, word_count(s.notes)) for s in spoken] == [(x.id, x.title, x.words) for x in listed]
    assert [x.number for x in listed] == list(range(1, len(spoken) + 1))
    deck = exemplar_deck(CASE)
    assert [p.slide.id for p in deck.pages] == [s.id for s in slides]
    for page, s in zip(deck.pages, slides):
        assert (page.table is not None) == bool(s.table), s.id
        assert bool(page.charts) == bool(s.chart), s.id
        assert (page.diagram is not None) == bool(s.diagram), s.id
