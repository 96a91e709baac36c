"""Where each Unit 38 criterion is taught and shown: the data behind the book's assessment guide.

Three sources are joined, none typed into the guide itself:

* the rubric (:func:`clvedu.rubric.load_rubric`): codes, bands, outcomes and summaries;
* ``clvedu/resources/criteria_map.yaml``: for each criterion, the chapters (by number) and the
  sections of them that teach it;
* the exemplar deck specification (``templates/exemplar.yaml``), rendered for a case: the slides
  whose ``maps_to`` claims the criterion.

    >>> from clvedu.assessment import load_criteria_map
    >>> [place.chapter for place in load_criteria_map()["D1"]]
    ['06', '07', '08']

A chapter is named by the start of its file name, ``book/chapters/<id>_*.md``: two digits and, for a
chapter that follows another of the same number, one lower-case letter (``04b``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from clvedu.errors import UserError
from clvedu.io import load_yaml
from clvedu.rubric import Rubric, load_rubric

RESOURCE = "criteria_map.yaml"
_CHAPTER_NUMBER = re.compile(r"^\d{2}[a-z]?$")


@dataclass(frozen=True)
class BookPlace:
    """A chapter (its id: two digits and an optional letter, ``04b``) and either the sections that teach a
    criterion or what to look for."""

    chapter: str
    sections: tuple[str, ...] = ()
    look_for: str = ""

    @property
    def label(self) -> str:
        """The chapter id as a reader sees it: ``4``, ``4b``."""
        return chapter_label(self.chapter)


def chapter_label(chapter: str) -> str:
    """``"04b"`` -> ``"4b"``, ``"07"`` -> ``"7"``: a chapter id without its leading zero."""
    return chapter.lstrip("0") or "0"


@dataclass(frozen=True)
class ExemplarSlide:
    """One slide of the exemplar deck: position, id, rendered title, the rubric codes it claims, words of notes."""

    number: int
    id: str
    title: str
    codes: tuple[str, ...]
    words: int


def parse_criteria_map(text: str, rubric: Rubric | None = None, name: str = RESOURCE) -> dict[str, tuple[BookPlace, ...]]:
    """Validate criteria-map YAML: every criterion of the rubric, and nothing else, with well-formed places.

    Problems raise :class:`UserError` naming ``name``, the criterion and the field.
    """
    rubric = rubric or load_rubric()
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise UserError(f"{name}: malformed YAML: {exc}") from None
    if not isinstance(data, dict):
        raise UserError(f"{name}: expected a mapping of criterion codes to lists of chapters")
    unknown = [code for code in data if code not in rubric.criteria]
    if unknown:
        raise UserError(f"{name}: unknown criterion code(s) {', '.join(map(str, unknown))}; "
                        f"the rubric has {', '.join(rubric.criteria)}")
    missing = [code for code in rubric.criteria if code not in data]
    if missing:
        raise UserError(f"{name}: no entry for criterion {', '.join(missing)}; every criterion needs at least one chapter")
    result: dict[str, tuple[BookPlace, ...]] = {}
    for code in rubric.criteria:
        entries = data[code]
        if not isinstance(entries, list) or not entries:
            raise UserError(f"{name}: {code}: expected a non-empty list of {{chapter, sections | look_for}} entries")
        places = []
        for i, entry in enumerate(entries):
            where = f"{name}: {code}[{i}]"
            if not isinstance(entry, dict):
                raise UserError(f"{where}: expected a mapping with 'chapter' and 'sections' or 'look_for'")
            extra = set(entry) - {"chapter", "sections", "look_for"}
            if extra:
                raise UserError(f"{where}: unknown field(s) {', '.join(sorted(extra))}; allowed: chapter, sections, look_for")
            chapter = str(entry.get("chapter", ""))
            if not _CHAPTER_NUMBER.match(chapter):
                raise UserError(f"{where}.chapter: must be a two-digit chapter number such as \"03\", with a letter for a chapter such as \"04b\"; got {entry.get('chapter')!r}")
            sections = entry.get("sections") or []
            if not isinstance(sections, list) or not all(isinstance(s, str) and s.strip() for s in sections):
                raise UserError(f"{where}.sections: must be a list of section headings")
            look_for = entry.get("look_for") or ""
            if not isinstance(look_for, str):
                raise UserError(f"{where}.look_for: must be text")
            if not sections and not look_for.strip():
                raise UserError(f"{where}: give the 'sections' that teach {code} or say what to 'look_for'")
            places.append(BookPlace(chapter, tuple(s.strip() for s in sections), look_for.strip()))
        result[code] = tuple(places)
    return result


def load_criteria_map(rubric: Rubric | None = None) -> dict[str, tuple[BookPlace, ...]]:
    """The criteria map shipped with the package (``clvedu/resources/criteria_map.yaml``)."""
    text = resources.files("clvedu").joinpath("resources", RESOURCE).read_text(encoding="utf-8")
    return parse_criteria_map(text, rubric)


def chapter_file(book_dir: str | os.PathLike, number: str) -> Path | None:
    """``book/chapters/<number>_*.md`` for chapter ``number`` (``"04"``, ``"04b"``), or ``None`` while the book
    does not include it yet.

    A chapter counts once its file exists and ``book/_toc.yml`` lists it (a link to a page outside the
    table of contents would break the build).
    """
    book = Path(book_dir)
    found = sorted((book / "chapters").glob(f"{number}_*.md"))
    if len(found) > 1:
        raise UserError(f"two chapter files start with {number}_: {', '.join(p.name for p in found)}")
    if not found:
        return None
    toc = load_yaml((book / "_toc.yml").read_text(encoding="utf-8")) or {}
    listed = {entry.get("file") for part in toc.get("parts", []) for entry in part.get("chapters", [])}
    return found[0] if f"chapters/{found[0].stem}" in listed else None


def headings(path: str | os.PathLike) -> list[tuple[int, str]]:
    """The Markdown headings of a chapter as (level, text), skipping the contents of code cells."""
    out = []
    in_code = False
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):  # a fence opens or closes a code cell or directive
            in_code = not in_code
            continue
        if in_code:
            continue
        match = re.match(r"^(#{1,6})\s+(.*?)\s*$", line)
        if match:
            out.append((len(match[1]), match[2]))
    return out


def chapter_title(path: str | os.PathLike) -> str:
    """The first level-one heading of a chapter file."""
    for level, text in headings(path):
        if level == 1:
            return text
    raise UserError(f"{path}: the chapter has no level-one heading (# Title)")


@dataclass(frozen=True)
class ExemplarPage:
    """One slide of the exemplar as a page shows it: the rendered slide (title, bullets, notes, ``maps_to``)
    with what its keys name resolved from the deck context: the table, the chart specifications (drawn by
    :func:`clvedu.charts.mpl.draw` on a page, by python-pptx in the deck) and the diagram."""

    number: int
    slide: Any            # clvedu.decks.render.RenderedSlide
    table: Any = None     # clvedu.decks.context.Table
    charts: tuple = ()    # clvedu.charts.spec.ChartSpec, one per chart on the slide
    diagram: Any = None   # clvedu.decks.diagrams.Diagram

    @property
    def words(self) -> int:
        from clvedu.decks.text import word_count

        return word_count(self.slide.notes)


@dataclass(frozen=True)
class ExemplarDeck:
    """Every slide of the exemplar (spoken and backup) and the spec's rendered texts (``text.academic``: the
    academic sources it cites, written in the reference list's style)."""

    pages: tuple[ExemplarPage, ...]
    text: dict
    references: tuple[str, ...]   # the reference list's entries, as the deck's References slides give them


def exemplar_deck(case_dir: str | os.PathLike) -> ExemplarDeck:
    """The exemplar deck for a case, rendered as the deck generator renders it (no file written): the same
    slide texts, tables, chart specifications and diagrams as ``clvedu deck``."""
    from clvedu.cases import load_case
    from clvedu.decks.context import build_context
    from clvedu.decks.render import render_slides, special_table
    from clvedu.decks.templating import SpecFile, TemplateError, spec_path

    rubric = load_rubric()
    ctx = build_context(load_case(case_dir), rubric)
    slides, text = render_slides(SpecFile(spec_path("exemplar")), ctx, rubric)
    pages = []
    for number, s in enumerate(slides, start=1):
        table = None
        if s.table:
            table = ctx.tables.get(s.table) or special_table(s.table, ctx, text, rubric)
            if table is None:
                raise TemplateError(f"slide {s.id!r}: no table {s.table!r}; tables: {', '.join(ctx.tables)}")
        if s.chart and s.chart not in ctx.charts:
            raise TemplateError(f"slide {s.id!r}: no chart {s.chart!r}; charts: {', '.join(ctx.charts)}")
        charts = tuple(ctx.charts[s.chart]) if s.chart else ()
        diagram = ctx.diagrams.get(s.diagram) if s.diagram else None
        pages.append(ExemplarPage(number, s, table, charts, diagram))
    references = tuple(row[0] for key in ("references", "references_more") if key in ctx.tables
                       for row in ctx.tables[key].rows)
    return ExemplarDeck(tuple(pages), text, references)


def exemplar_slides(case_dir: str | os.PathLike) -> list[ExemplarSlide]:
    """The exemplar's spoken slides for a case (up to Questions; backup slides left out), rendered as the deck
    generator renders them (no file written)."""
    from clvedu.decks.coverage import parse_maps_to

    return [ExemplarSlide(p.number, p.slide.id, p.slide.title, tuple(parse_maps_to(p.slide.maps_to)[0]), p.words)
            for p in exemplar_deck(case_dir).pages if not p.slide.backup]


def assessment_table(book_dir: str | os.PathLike, slides: list[ExemplarSlide]) -> pd.DataFrame:
    """One row per criterion, in rubric order: code, band, outcomes, summary, places, slides.

    ``places`` is a list of dicts (chapter id, label as a reader sees it such as ``4b``, file or None, title or
    None, sections, look_for);
    ``slides`` the exemplar slides that claim the criterion.
    """
    rubric = load_rubric()
    cmap = load_criteria_map(rubric)
    rows = []
    for code, crit in rubric.criteria.items():
        places = []
        for place in cmap[code]:
            path = chapter_file(book_dir, place.chapter)
            places.append({"chapter": place.chapter, "label": place.label, "file": path,
                           "title": chapter_title(path) if path else None,
                           "sections": place.sections, "look_for": place.look_for})
        rows.append({"code": code, "band": crit.band, "outcomes": list(crit.outcomes), "summary": crit.summary,
                     "places": places, "slides": [s for s in slides if code in s.codes]})
    return pd.DataFrame(rows, columns=["code", "band", "outcomes", "summary", "places", "slides"])
