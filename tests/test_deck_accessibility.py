"""Every deck of every shipped case is accessible (issue 13): alt text, decorative shapes, reading order,
titles, language, metadata, table headers, chart contrast and series told apart by more than colour.

The decks are opened as a screen reader or PowerPoint's accessibility checker would read them: through
python-pptx and the XML itself, not through the module that wrote them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree
from pptx import Presentation
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.oxml.ns import qn
from pptx.util import Pt

from clvedu.cases import load_case
from clvedu.charts.spec import PALETTE, bar
from clvedu.decks import accessibility
from clvedu.decks.build import build_deck

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted(p for p in (ROOT / "case_studies").iterdir() if (p / "case.yaml").is_file())
MINI = ROOT / "tests" / "fixtures" / "cases" / "mini"
KINDS = ("exemplar", "briefing")

NS = {"p": "http://schemas.openxmlformats.org/presentationml/2006/main",
      "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
      "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
      "adec": "http://schemas.microsoft.com/office/drawing/2017/decorative"}
SHAPES = ("p:sp", "p:grpSp", "p:graphicFrame", "p:cxnSp", "p:pic")


def xp(element, path: str) -> list:
    """``path`` evaluated on ``element`` with this file's namespace prefixes."""
    return etree.XPath(path, namespaces=NS)(element)


def wcag_contrast(hex_a: str, hex_b: str = "FFFFFF") -> float:
    """WCAG 2.x contrast ratio, written out here independently of the kit."""
    def lum(h: str) -> float:
        channels = [int(h.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    a, b = sorted((lum(hex_a), lum(hex_b)), reverse=True)
    return (a + 0.05) / (b + 0.05)


@pytest.fixture(scope="module")
def decks(tmp_path_factory) -> dict[tuple[str, str], Path]:
    out = tmp_path_factory.mktemp("a11y")
    paths = {}
    for case in [*CASES, MINI]:
        for kind in KINDS:
            path = out / f"{case.name}-{kind}.pptx"
            build_deck(case, path, kind=kind)
            paths[(case.name, kind)] = path
    return paths


DECK_IDS = [f"{c.name}-{k}" for c in [*CASES, MINI] for k in KINDS]


@pytest.fixture(params=[(c, k) for c in [*CASES, MINI] for k in KINDS], ids=DECK_IDS)
def deck(request, decks):
    case, kind = request.param
    return case, kind, Presentation(str(decks[(case.name, kind)]))


def top_shapes(slide) -> list:
    return [el for el in slide.shapes._spTree if etree.QName(el).localname in {s[2:] for s in SHAPES}]


def cnvpr(el):
    return el[0].find(qn("p:cNvPr"))


def decorative(el) -> bool:
    flags = xp(cnvpr(el), "a:extLst/a:ext[@uri='{C183D7F6-B498-43B3-948B-1728B52AA6E4}']/adec:decorative/@val")
    return flags == ["1"]


def has_text(el) -> bool:
    return any((t.text or "").strip() for t in el.iter(qn("a:t")))


def placeholder_type(el) -> str | None:
    ph = el.find(f"{qn('p:nvSpPr')}/{qn('p:nvPr')}/{qn('p:ph')}")
    return None if ph is None else ph.get("type", "body")


# --- contrast: the formula, the palette, and the colours actually in the decks ---------------------------------

def test_contrast_ratio_follows_wcag():
    # published reference values: black on white is 21:1; #767676 is the lightest grey at 4.5:1 on white
    assert accessibility.contrast_ratio("#000000") == pytest.approx(21.0)
    assert accessibility.contrast_ratio("#767676") == pytest.approx(4.54, abs=0.01)
    assert accessibility.contrast_ratio("#FFFFFF") == pytest.approx(1.0)
    assert accessibility.contrast_ratio("#1F4E79", "#D08C2B") == accessibility.contrast_ratio("#D08C2B", "#1F4E79")
    for color in ("#D08C2B", "#2E8B57", "#1F4E79", "#8E44AD"):
        assert accessibility.contrast_ratio(color) == pytest.approx(wcag_contrast(color), rel=1e-9)
    with pytest.raises(ValueError, match="six hexadecimal digits"):
        accessibility.contrast_ratio("amber")


def test_the_old_amber_fails_and_every_palette_colour_passes():
    assert wcag_contrast("D08C2B") < 3  # the amber series of issue 13: 2.81:1
    for color in PALETTE:  # shared by the book (matplotlib) and the decks (PowerPoint)
        assert wcag_contrast(color) >= 3, color
    assert len(set(PALETTE)) == len(PALETTE)


def test_ensure_contrast_darkens_only_what_needs_it():
    assert accessibility.ensure_contrast("#1F4E79") == "#1F4E79"
    darker = accessibility.ensure_contrast("#D08C2B")
    assert wcag_contrast(darker) >= 3
    assert wcag_contrast(darker) < 3.2  # the smallest step that passes, not black
    r, g, b = (int(darker[i:i + 2], 16) for i in (1, 3, 5))
    assert r > g > b  # still an amber
    assert wcag_contrast(accessibility.ensure_contrast("#FFFF00", "#000000"), "000000") >= 3


def test_chart_colours_reach_3_to_1_and_series_differ_by_more_than_colour(deck):
    case, kind, prs = deck
    charts = [shape.chart for slide in prs.slides for shape in slide.shapes if shape.has_chart]
    if kind == "exemplar":
        assert charts
    for chart in charts:
        space = chart._chartSpace
        for ser in space.iter(qn("c:ser")):
            colours = xp(ser, "c:spPr/a:solidFill/a:srgbClr/@val | c:spPr/a:pattFill/a:fgClr/a:srgbClr/@val"
                                " | c:spPr/a:ln/a:solidFill/a:srgbClr/@val")
            assert colours and all(wcag_contrast(c) >= 3 for c in colours), colours
        for bars in space.iter(qn("c:barChart")):
            series = bars.findall(qn("c:ser"))
            fills = [(xp(s, "name(c:spPr/*[1])"), tuple(xp(s, "c:spPr/a:pattFill/@prst")))
                     for s in series]
            assert len(set(fills)) == len(series), fills  # each series its own fill: solid, or a hatch
            if not xp(bars, "c:grouping/@val") == ["clustered"] or \
                    xp(bars, "c:overlap/@val") == ["100"]:
                continue  # a tornado: its two series sit either side of the base value
            assert xp(bars, "c:dLbls/c:showVal/@val") == ["1"]  # values written on the bars
        for lines in space.iter(qn("c:scatterChart")):
            styles = [(tuple(xp(s, "c:spPr/a:ln/a:prstDash/@val")),
                       tuple(xp(s, "c:marker/c:symbol/@val"))) for s in lines.findall(qn("c:ser"))]
            assert len(set(styles)) == len(styles), styles


# --- alt text ----------------------------------------------------------------------------------------------

def _shown(value: float, code: str) -> str:
    """The digits a chart shows for ``value`` with the Excel number format ``code`` (e.g. '"$"#,##0')."""
    decimals = len(code.split(".")[1].rstrip('%"£$€')) if "." in code else 0
    if code.rstrip('"').endswith("%"):
        return f"{abs(value) * 100:,.{decimals}f}%"
    return f"{abs(value):,.{decimals}f}"


def test_every_chart_and_picture_has_alt_text_with_its_title_and_figures(deck):
    case, kind, prs = deck
    for number, slide in enumerate(prs.slides, start=1):
        for shape in slide.shapes:
            descr = cnvpr(shape._element).get("descr", "")
            if shape.has_chart:
                chart = shape.chart
                title = chart.chart_title.text_frame.text
                assert descr.startswith(("Bar chart", "Horizontal bar chart", "Tornado chart", "Line chart",
                                         "Scatter chart")), (number, descr)
                assert title in descr, (number, title, descr)
                code = chart.plots[0].data_labels.number_format if chart.plots[0].has_data_labels \
                    else chart.value_axis.tick_labels.number_format
                categories = list(chart.plots[0].categories) if chart.plots[0].categories else []
                if len(categories) <= 10:
                    for series in chart.plots[0].series:
                        for value in series.values:
                            assert _shown(value, code) in descr, (number, value, descr)
                    for category in categories:
                        assert str(category) in descr
            elif shape.shape_type == 13 or etree.QName(shape._element).localname == "grpSp":  # picture, group
                assert descr.strip() or decorative(shape._element), (number, shape.name)


# --- decorative shapes, reading order, titles -------------------------------------------------------------

def test_shapes_without_words_are_decorative_or_described(deck):
    case, kind, prs = deck
    decorative_count = 0
    for number, slide in enumerate(prs.slides, start=1):
        for el in top_shapes(slide):
            if decorative(el):
                decorative_count += 1
                assert not cnvpr(el).get("descr")  # a decorative shape is not also described
                continue
            if etree.QName(el).localname in ("sp", "cxnSp") and not has_text(el) and placeholder_type(el) is None:
                assert cnvpr(el).get("descr"), f"slide {number}: {cnvpr(el).get('name')} has no words, no alt " \
                                               "text and is not marked decorative"
    assert decorative_count >= len(prs.slides)  # every slide of the house design has its title band


def test_reading_order_is_title_body_content_footer(deck):
    case, kind, prs = deck
    for number, slide in enumerate(prs.slides, start=1):
        read = [el for el in top_shapes(slide) if not decorative(el)]
        shapes = top_shapes(slide)
        first_read = shapes.index(read[0])
        assert all(decorative(el) for el in shapes[:first_read])  # backgrounds behind everything
        assert not any(decorative(el) for el in shapes[first_read:])
        assert placeholder_type(read[0]) in ("title", "ctrTitle"), number
        ranks = []
        for el in read:
            kind_ = placeholder_type(el)
            name = cnvpr(el).get("name", "")
            if kind_ in ("title", "ctrTitle"):
                ranks.append(0)
            elif name.startswith("Footer") or kind_ in ("ftr", "sldNum", "dt"):
                ranks.append(3)
            elif kind_ is not None:
                ranks.append(1)
            else:
                ranks.append(2)
        assert ranks == sorted(ranks), (number, [cnvpr(el).get("name") for el in read])
        if number > 1:
            assert ranks[-1] == 3  # the footer is read last


def test_every_slide_has_a_real_title_in_its_title_placeholder(deck):
    case, kind, prs = deck
    titles = []
    for number, slide in enumerate(prs.slides, start=1):
        title = slide.shapes.title
        assert title is not None, number
        text = title.text_frame.text.strip()
        assert text and "Click to" not in text, number
        titles.append(text)
    assert len(set(titles)) >= len(titles) - 1  # at most one repeated title (a "continued" pair is named so)


# --- language, metadata, tables ------------------------------------------------------------------------------

def test_every_run_is_in_british_english(deck):
    case, kind, prs = deck
    parts = []
    for slide in prs.slides:
        parts.append(slide._element)
        if slide.has_notes_slide:
            parts.append(slide.notes_slide._element)
        parts += [shape.chart._chartSpace for shape in slide.shapes if shape.has_chart]
    runs = 0
    for part in parts:
        for run in part.iter(qn("a:r"), qn("a:fld")):
            runs += 1
            assert run.find(qn("a:rPr")) is not None and run.find(qn("a:rPr")).get("lang") == "en-GB"
    assert runs > 10 * len(prs.slides)
    for space in parts:
        if space.tag == qn("c:chartSpace"):
            assert xp(space, "c:lang/@val") == ["en-GB"]
    assert prs.core_properties.language == "en-GB"


def test_core_properties_name_the_case_and_the_deck(deck):
    case, kind, prs = deck
    props = prs.core_properties
    case_title = load_case(case).title
    label = {"exemplar": "exemplar presentation", "briefing": "briefing and marking deck"}[kind]
    assert props.title == f"{case_title}: {label}"
    assert "Unit 38" in props.subject and "lifetime value" in props.subject
    assert props.author == "clvedu" and props.last_modified_by == "clvedu"


def test_table_header_rows_are_marked(deck):
    case, kind, prs = deck
    tables = [shape.table for slide in prs.slides for shape in slide.shapes if shape.has_table]
    assert tables
    for table in tables:
        assert table._tbl.tblPr.get("firstRow") == "1"
        assert table.first_row  # python-pptx reads the same flag


# --- notes pages, and a tutor's own template ---------------------------------------------------------------

def test_notes_pages_give_the_longest_note_room(tmp_path):
    """A deck whose notes are far longer than usual gets a smaller font or a smaller slide picture."""
    short = tmp_path / "short.pptx"
    build_deck(MINI, short)
    prs = Presentation(str(short))
    body = next(ph for ph in prs.notes_master.placeholders if ph.placeholder_format.type == PP_PLACEHOLDER.BODY)
    size_short = accessibility.fit_notes_pages(prs)
    height_short = body.height
    # notes five times as long as the longest: the estimate must pick a smaller size or a taller box
    longest = max((s.notes_slide.notes_text_frame.text for s in prs.slides), key=len)
    prs.slides[1].notes_slide.notes_text_frame.text = " ".join([longest] * 5)
    size_long = accessibility.fit_notes_pages(prs)
    assert (size_long, -body.height) < (size_short, -height_short)
    width_pt = (body.width - 2 * 91440) / 12700
    paragraphs = [p.text for p in prs.slides[1].notes_slide.notes_text_frame.paragraphs]
    # an independent estimate: 0.6 em a character, 1.2 em a line
    chars_per_line = width_pt / (0.6 * size_long)
    lines = sum(max(1, -(-len(p) // int(chars_per_line))) for p in paragraphs)
    if size_long > min(accessibility.NOTES_SIZES):
        assert lines * 1.2 * size_long <= body.height / 12700
    for para in prs.slides[1].notes_slide.notes_text_frame.paragraphs:
        assert all(run.font.size == Pt(size_long) for run in para.runs)


def test_a_tutors_template_deck_is_made_accessible_too(tmp_path):
    template = tmp_path / "tutor.pptx"
    Presentation().save(str(template))
    out = tmp_path / "deck.pptx"
    build_deck(MINI, out, template=template, kind="exemplar")
    prs = Presentation(str(out))
    assert prs.core_properties.language == "en-GB" and prs.core_properties.author == "clvedu"
    for slide in prs.slides:
        assert placeholder_type(top_shapes(slide)[0]) in ("title", "ctrTitle")
        for run in slide._element.iter(qn("a:r")):
            assert run.find(qn("a:rPr")).get("lang") == "en-GB"
        for shape in slide.shapes:
            if shape.has_chart:
                assert cnvpr(shape._element).get("descr")


def test_mark_decorative_writes_what_powerpoint_writes():
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    box = slide.shapes.add_shape(1, 0, 0, 100, 100)
    accessibility.set_alt_text(box, "a box")
    accessibility.mark_decorative(box)
    accessibility.mark_decorative(box)  # twice: still one flag
    xml = etree.tostring(cnvpr(box._element)).decode()
    assert xml.count("adec:decorative") == 1 and 'val="1"' in xml and "descr" not in xml
    assert re.search(r'<a:ext uri="\{C183D7F6-B498-43B3-948B-1728B52AA6E4\}">', xml)
    assert accessibility.is_decorative(box)


def test_a_chart_gets_its_specs_alt_text():
    from clvedu.charts.pptx import add_chart

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    spec = bar("CLV by scenario", "", "CLV ($)", ["Low", "Base"], {"A": [10.0, 20.0]}, number_format="${:,.0f}")
    frame = add_chart(slide.shapes, spec, 0, 0, 4000000, 3000000)
    descr = cnvpr(frame._element).get("descr")
    assert descr.startswith("Bar chart: CLV by scenario") and "$10" in descr and "$20" in descr
    own = bar("T", "", "", ["a"], {"s": [1.0]}, alt="What the chart shows, in words.")
    frame = add_chart(slide.shapes, own, 0, 0, 4000000, 3000000)
    assert cnvpr(frame._element).get("descr") == "What the chart shows, in words."


def test_bar_values_are_labelled_and_a_negative_bar_keeps_its_name_clear():
    from pptx.enum.chart import XL_TICK_LABEL_POSITION

    from clvedu.charts.pptx import add_chart
    from clvedu.charts.spec import ChartSpec, Series

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    spec = ChartSpec("barh", "Gain", "Gain ($)", "", (Series("Gain", (4.0, -2.0)),), categories=("A", "B"),
                     number_format="${:,.0f}")
    chart = add_chart(slide.shapes, spec, 0, 0, 4000000, 3000000).chart
    assert chart.plots[0].has_data_labels and chart.plots[0].data_labels.number_format == '"$"#,##0'
    # the names sit at the left edge, not on the zero line where the negative bar and its label are drawn
    assert chart.category_axis.tick_label_position == XL_TICK_LABEL_POSITION.LOW
