"""Accessibility of the decks: alt text, decorative shapes, reading order, language, metadata and notes pages.

UK colleges publish teaching material under the Public Sector Bodies Accessibility Regulations 2018
(WCAG 2.2 AA). What this module does to a presentation, wherever the slides came from:

* **Alt text** for charts (:func:`chart_alt_text`: the chart kind, its title and its figures), set on the
  chart's frame as the ``descr`` attribute PowerPoint's "Alt Text" pane reads (:func:`set_alt_text`).
* **Decorative shapes** (title bands, rules, background boxes) carry the ``adec:decorative`` extension
  PowerPoint writes when "Mark as decorative" is ticked, so screen readers skip them (:func:`mark_decorative`).
* **Reading order** (:func:`order_shapes`): the shape tree is the order a screen reader follows, so each
  slide is rearranged as decorative shapes (behind everything), the title, the body, then tables, charts
  and everything else in the order they were added, and the footer last.
* **Language** en-GB on every text run of slides, notes, masters and charts (``a:rPr lang``) and in the
  file's core properties, with a title naming the case and the kind of deck, a subject and an author.
* **Table header rows** are marked (``a:tblPr firstRow="1"``), so a screen reader announces column headers.
* **Notes pages** that fit (:func:`fit_notes_pages`): the notes box under the slide picture is sized, and
  the notes font chosen, so that the longest note of the deck fits its printed page.
* **Colour contrast** (:func:`contrast_ratio`, WCAG 2.x relative luminance) for chart colours, which must
  reach 3:1 against the white background (:data:`MIN_GRAPHICS_CONTRAST`); :func:`ensure_contrast`
  darkens a colour that does not.

:func:`make_accessible` applies everything; :class:`clvedu.decks.writer.DeckWriter` calls it before saving.
"""

from __future__ import annotations

from typing import Any, Iterable

from lxml import etree
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from clvedu.decks import text as textfit

LANGUAGE = "en-GB"
AUTHOR = "clvedu"
SUBJECT = ("Customer lifetime value: Pearson BTEC Higher National in Business, "
           "Unit 38 Customer Value Management")
KIND_LABELS = {"exemplar": "exemplar presentation", "briefing": "briefing and marking deck"}
"""How each shipped deck kind is named in the file's title; any other kind is called "KIND deck"."""

MIN_GRAPHICS_CONTRAST = 3.0
"""WCAG 2.2 success criterion 1.4.11 (non-text contrast): parts of a chart needed to understand it reach 3:1."""
BACKGROUND = "#FFFFFF"

DECORATIVE_URI = "{C183D7F6-B498-43B3-948B-1728B52AA6E4}"
ADEC_NS = "http://schemas.microsoft.com/office/drawing/2017/decorative"
FOOTER_NAME = "Footer"
"""Name given to a slide's footer text box (:func:`mark_footer`), which the reading order puts last."""

CHART_URI = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_SHAPE_TAGS = {qn(t) for t in ("p:sp", "p:grpSp", "p:graphicFrame", "p:cxnSp", "p:pic", "p:contentPart")}
_FOOTER_PLACEHOLDERS = {"ftr", "sldNum", "dt"}
_TITLE_PLACEHOLDERS = {"title", "ctrTitle"}


# --- colour contrast (WCAG 2.x) -------------------------------------------------------------------------------

def _rgb(color: str) -> tuple[int, int, int]:
    value = color.strip().lstrip("#")
    if len(value) != 6 or any(ch not in "0123456789abcdefABCDEF" for ch in value):
        raise ValueError(f"colour {color!r}: give six hexadecimal digits such as '#1F4E79'")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def relative_luminance(color: str) -> float:
    """WCAG relative luminance of an sRGB colour ``'#RRGGBB'``: 0.2126 R + 0.7152 G + 0.0722 B of the
    linearised channels (c / 12.92 up to 0.04045, else ((c + 0.055) / 1.055) ** 2.4)."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(color: str, background: str = BACKGROUND) -> float:
    """WCAG contrast ratio (L1 + 0.05) / (L2 + 0.05) of two colours, the lighter one's luminance on top (1 to 21)."""
    high, low = sorted((relative_luminance(color), relative_luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def ensure_contrast(color: str, background: str = BACKGROUND, minimum: float = MIN_GRAPHICS_CONTRAST) -> str:
    """``color`` itself if it reaches ``minimum`` against ``background``, else the same hue darkened (or, on a
    dark background, lightened) in small steps until it does; returned as ``'#RRGGBB'``."""
    r, g, b = _rgb(color)
    lighten = relative_luminance(background) < 0.18
    for step in range(0, 101):
        t = step / 100
        if lighten:
            mixed = tuple(round(c + (255 - c) * t) for c in (r, g, b))
        else:
            mixed = tuple(round(c * (1 - t)) for c in (r, g, b))
        candidate = "#{:02X}{:02X}{:02X}".format(*mixed)
        if contrast_ratio(candidate, background) >= minimum:
            return candidate
    return "#000000" if not lighten else "#FFFFFF"


# --- alt text -------------------------------------------------------------------------------------------------

def chart_alt_text(spec: Any) -> str:
    """Alt text for a chart drawn from ``spec``: the spec's ``alt`` (by default its kind, title and key
    figures, written by :func:`clvedu.charts.spec.describe`), cleaned for the file; the chart's kind and
    title when a spec has no alt text."""
    own = getattr(spec, "alt", "")
    if isinstance(own, str) and own.strip():
        return textfit.clean(own)
    kind = {"bar": "Bar chart", "barh": "Horizontal bar chart", "tornado": "Tornado chart",
            "line": "Line chart", "scatter": "Scatter chart"}.get(getattr(spec, "kind", ""), "Chart")
    return textfit.clean(f"{kind}: {spec.title}")


def _cnvpr(element):
    """The ``p:cNvPr`` of a shape element (its own, for a group: the group's)."""
    return element[0].find(qn("p:cNvPr")) if len(element) else None


def set_alt_text(shape, text: str) -> None:
    """Give ``shape`` (a python-pptx shape or its XML element) the alt text ``text`` (``p:cNvPr/@descr``)."""
    element = getattr(shape, "_element", shape)
    cnvpr = _cnvpr(element)
    cnvpr.set("descr", textfit.clean(text))


def alt_text(shape) -> str:
    """The alt text of ``shape`` (a python-pptx shape or its XML element), or an empty string."""
    element = getattr(shape, "_element", shape)
    cnvpr = _cnvpr(element)
    return (cnvpr.get("descr") or "") if cnvpr is not None else ""


# --- decorative shapes and footers -------------------------------------------------------------------------

def mark_decorative(shape) -> None:
    """Mark ``shape`` decorative as PowerPoint does (``p:cNvPr/a:extLst/a:ext/adec:decorative val="1"``), so
    screen readers and the accessibility checker skip it; any alt text it had is dropped."""
    element = getattr(shape, "_element", shape)
    cnvpr = _cnvpr(element)
    if is_decorative(element):
        return
    for attr in ("descr", "title"):
        cnvpr.attrib.pop(attr, None)
    ext_list = cnvpr.find(qn("a:extLst"))
    if ext_list is None:
        ext_list = etree.SubElement(cnvpr, qn("a:extLst"))
    ext = etree.SubElement(ext_list, qn("a:ext"))
    ext.set("uri", DECORATIVE_URI)
    flag = etree.SubElement(ext, f"{{{ADEC_NS}}}decorative", nsmap={"adec": ADEC_NS})
    flag.set("val", "1")


def is_decorative(shape) -> bool:
    """Whether ``shape`` (a python-pptx shape or its XML element) is marked decorative."""
    element = getattr(shape, "_element", shape)
    cnvpr = _cnvpr(element)
    if cnvpr is None:
        return False
    flags = cnvpr.findall(f"{qn('a:extLst')}/{qn('a:ext')}/{{{ADEC_NS}}}decorative")
    return any(f.get("val") in ("1", "true") for f in flags)


def mark_footer(shape) -> None:
    """Name ``shape`` as the slide's footer, which :func:`order_shapes` reads last."""
    shape.name = FOOTER_NAME


# --- reading order ------------------------------------------------------------------------------------------

def _placeholder_type(element) -> str | None:
    ph = element.find(f"{qn('p:nvSpPr')}/{qn('p:nvPr')}/{qn('p:ph')}")
    if ph is None:
        return None
    return ph.get("type", "body")


def _reading_rank(element) -> int:
    if is_decorative(element):
        return 0
    kind = _placeholder_type(element)
    cnvpr = _cnvpr(element)
    if kind in _FOOTER_PLACEHOLDERS or (cnvpr is not None and (cnvpr.get("name") or "").startswith(FOOTER_NAME)):
        return 4
    if kind in _TITLE_PLACEHOLDERS:
        return 1
    if kind is not None:
        return 2
    return 3


def order_shapes(slide) -> None:
    """Put the slide's shapes in reading order: decorative shapes (at the back), title, other placeholders
    (body, subtitle), then every other shape in the order it was added (text boxes, tables, charts,
    pictures, diagrams), footers last. A screen reader reads the shape tree in this order; the order is
    also the drawing order, so decorative backgrounds stay behind everything."""
    tree = slide.shapes._spTree
    shapes = [child for child in tree if child.tag in _SHAPE_TAGS]
    ordered = sorted(shapes, key=_reading_rank)  # stable: equal ranks keep the order they were added in
    if ordered == shapes:
        return
    tail = next((child for child in tree if child.tag == qn("p:extLst")), None)
    for element in shapes:
        tree.remove(element)
    for element in ordered:
        if tail is not None:
            tail.addprevious(element)
        else:
            tree.append(element)


# --- language and tables ------------------------------------------------------------------------------------

def set_language(element, language: str = LANGUAGE) -> None:
    """Set ``lang`` on every text run (``a:r``, ``a:fld``: their ``a:rPr``, created when missing), every
    end-of-paragraph and default run property below ``element`` (an XML element)."""
    for run in list(element.iter(qn("a:r"), qn("a:fld"))):
        rpr = run.find(qn("a:rPr"))
        if rpr is None:
            rpr = etree.Element(qn("a:rPr"))
            run.insert(0, rpr)
        rpr.set("lang", language)
    for props in element.iter(qn("a:endParaRPr"), qn("a:defRPr")):
        props.set("lang", language)


def _chart_language(chart_space, language: str) -> None:
    lang = chart_space.find(qn("c:lang"))
    if lang is None:
        lang = etree.Element(qn("c:lang"))
        date = chart_space.find(qn("c:date1904"))
        if date is not None:
            date.addnext(lang)
        else:
            chart_space.insert(0, lang)
    lang.set("val", language)
    set_language(chart_space, language)


def mark_table_headers(slide) -> None:
    """Mark the first row of every table on ``slide`` as its header row (``a:tblPr firstRow="1"``)."""
    for tbl in slide.shapes._spTree.iter(qn("a:tbl")):
        tbl_pr = tbl.find(qn("a:tblPr"))
        if tbl_pr is None:
            tbl_pr = etree.Element(qn("a:tblPr"))
            tbl.insert(0, tbl_pr)
        tbl_pr.set("firstRow", "1")


# --- notes pages ------------------------------------------------------------------------------------------

NOTES_MARGIN = 0.5  # inches round the notes page
NOTES_GAP = 0.25  # inches between the slide picture and the notes
NOTES_SIZES = (14, 13, 12, 11, 10, 9, 8)
NOTES_IMAGE_SHARES = (1.0, 0.8, 0.6, 0.45)
"""The slide picture's width as a share of the page's text width, tried in turn when the notes do not fit."""
NOTES_CHAR_WIDTH = 0.60
"""Average glyph width as a share of the font size assumed for notes: wider than :data:`text.CHAR_WIDTH`,
because LibreOffice sets notes in DejaVu Sans where Calibri is missing."""
NOTES_INSET = Emu(91440)  # the default left/right text inset, 0.1 inch
NOTES_FILL = 0.92  # share of the notes box height the text may use, for the estimate's error


def _notes_paragraphs(notes_slide) -> list[str]:
    return [p.text for p in notes_slide.notes_text_frame.paragraphs] if notes_slide.notes_text_frame else []


def notes_height_pt(paragraphs: Iterable[str], width_pt: float, size: int) -> float:
    """Estimated height in points of ``paragraphs`` set at ``size`` pt in a box ``width_pt`` wide."""
    usable = width_pt * textfit.CHAR_WIDTH / NOTES_CHAR_WIDTH
    lines = sum(textfit.lines_needed(p, usable, size) if p.strip() else 1 for p in paragraphs)
    return lines * size * textfit.LINE_HEIGHT


def _notes_size(prs) -> tuple[int, int]:
    size = prs.part._element.find(qn("p:notesSz"))
    if size is None:
        return Emu(6858000), Emu(9144000)
    return Emu(int(size.get("cx"))), Emu(int(size.get("cy")))


def notes_layout(prs, longest: list[str]) -> tuple[dict[str, tuple[int, int, int, int]], int]:
    """The notes page's geometry (slide picture and notes box, each ``(left, top, width, height)`` in EMU)
    and the font size at which ``longest`` (the paragraphs of the longest note) fits: the largest size of
    :data:`NOTES_SIZES` with the full-width slide picture, else with a smaller picture, else the smallest."""
    page_w, page_h = _notes_size(prs)
    margin, gap = int(Emu(914400 * NOTES_MARGIN)), int(Emu(914400 * NOTES_GAP))
    footer = int(Emu(457200))  # the slide number sits in the bottom half inch
    text_w = page_w - 2 * margin
    aspect = prs.slide_height / prs.slide_width if prs.slide_width else 0.75
    choice = None
    for share in NOTES_IMAGE_SHARES:
        img_w = int(text_w * share)
        img_h = int(img_w * aspect)
        body_top = margin + img_h + gap
        body_h = page_h - body_top - footer
        width_pt = Emu(text_w - 2 * NOTES_INSET).pt
        for size in NOTES_SIZES:
            if notes_height_pt(longest, width_pt, size) <= Emu(body_h).pt * NOTES_FILL - 8:
                choice = (share, size)
                break
        if choice:
            break
    share, size = choice or (NOTES_IMAGE_SHARES[-1], NOTES_SIZES[-1])
    img_w = int(text_w * share)
    img_h = int(img_w * aspect)
    body_top = margin + img_h + gap
    geometry = {
        "sldImg": ((page_w - img_w) // 2, margin, img_w, img_h),
        "body": (margin, body_top, text_w, page_h - body_top - footer),
    }
    return geometry, size


def _place(shape, box) -> None:
    shape.left, shape.top, shape.width, shape.height = (Emu(v) for v in box)


def fit_notes_pages(prs) -> int:
    """Lay out the notes pages so that every slide's notes fit the printed page; return the font size.

    The notes master's slide picture and notes box, and each notes page's, are placed by
    :func:`notes_layout` for the longest note of the deck; every paragraph of notes gets that font size,
    no indent, and the notes master's text style the same size, so PowerPoint and LibreOffice print the
    same page.
    """
    notes_slides = [slide.notes_slide for slide in prs.slides if slide.has_notes_slide]
    longest = max((_notes_paragraphs(n) for n in notes_slides),
                  key=lambda ps: sum(len(p) + 60 for p in ps), default=[])
    geometry, size = notes_layout(prs, longest)
    kinds = {PP_PLACEHOLDER.SLIDE_IMAGE: "sldImg", PP_PLACEHOLDER.BODY: "body"}
    master = prs.notes_master
    for ph in master.placeholders:
        kind = kinds.get(ph.placeholder_format.type)
        if kind:
            _place(ph, geometry[kind])
    style = master._element.find(qn("p:notesStyle"))
    if style is not None:
        for level in style:
            default = level.find(qn("a:defRPr"))
            if default is not None:
                default.set("sz", str(size * 100))
    for notes in notes_slides:
        for ph in notes.placeholders:
            kind = kinds.get(ph.placeholder_format.type)
            if kind:
                _place(ph, geometry[kind])
        frame = notes.notes_text_frame
        if frame is None:
            continue
        frame.word_wrap = True
        for para in frame.paragraphs:
            ppr = para._p.get_or_add_pPr()
            ppr.set("marL", "0")
            ppr.set("indent", "0")
            for run in para.runs:
                run.font.size = Pt(size)
            para._p.get_or_add_endParaRPr().set("sz", str(size * 100))
    return size


# --- the whole presentation -------------------------------------------------------------------------------

def deck_title(case_title: str, kind: str | None) -> str:
    """The file's title: the case title and the kind of deck ("Acme vs Zenith: exemplar presentation")."""
    if not kind:
        return case_title
    label = KIND_LABELS.get(kind, f"{kind} deck")
    return case_title if case_title.endswith(f": {label}") else f"{case_title}: {label}"


def set_metadata(prs, *, kind: str | None = None, language: str = LANGUAGE) -> None:
    """Core properties: title (case title and deck kind), subject, author, language; and the presentation's
    default text language."""
    props = prs.core_properties
    textfit.set_core_properties(prs, title=deck_title(props.title or "", kind), subject=SUBJECT, author=AUTHOR,
                                last_modified_by=AUTHOR, language=language)
    default = prs.part._element.find(f"{qn('p:defaultTextStyle')}")
    if default is not None:
        set_language(default, language)


def make_accessible(prs, *, kind: str | None = None, language: str = LANGUAGE) -> None:
    """Apply every accessibility setting of this module to ``prs`` (see the module's description)."""
    set_metadata(prs, kind=kind, language=language)
    parts = [prs.notes_master] if prs.slides else []
    for master in prs.slide_masters:
        parts.append(master)
        parts += list(master.slide_layouts)
    for part in parts:
        set_language(part._element, language)
    for slide in prs.slides:
        order_shapes(slide)
        mark_table_headers(slide)
        set_language(slide._element, language)
        if slide.has_notes_slide:
            set_language(slide.notes_slide._element, language)
        for shape in slide.shapes:
            if getattr(shape, "has_chart", False):
                _chart_language(shape.chart.part._element, language)
    if prs.slides:
        fit_notes_pages(prs)
        for slide in prs.slides:  # the notes' runs may be new
            if slide.has_notes_slide:
                set_language(slide.notes_slide._element, language)


__all__ = ["AUTHOR", "LANGUAGE", "MIN_GRAPHICS_CONTRAST", "alt_text", "chart_alt_text", "contrast_ratio",
           "deck_title", "ensure_contrast", "fit_notes_pages", "is_decorative", "make_accessible",
           "mark_decorative", "mark_footer", "mark_table_headers", "order_shapes", "relative_luminance",
           "set_alt_text", "set_language", "set_metadata"]
