"""Write rendered slides to a PowerPoint file with python-pptx: the house design or a tutor's template.

The design (when no tutor template is given) is python-pptx's default template resized to 16:9,
with a navy title band, body text between 14 and 20 pt chosen to fill its box, native tables
and native charts. With ``template=TEMPLATE.pptx`` the tutor's master is used as it is: layouts
are found by name and the content area is the layout's body placeholder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE, PP_PLACEHOLDER
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from clvedu.charts.pptx import add_chart
from clvedu.decks import accessibility
from clvedu.decks import text as textfit
from clvedu.decks.context import DeckContext, Table
from clvedu.decks.diagrams import draw as draw_diagram
from clvedu.decks.render import RenderedSlide
from clvedu.decks.templating import TemplateError
from clvedu.errors import UserError
from clvedu.io import open_presentation

NAVY = RGBColor(0x1F, 0x4E, 0x79)
LIGHT = RGBColor(0xF2, 0xF2, 0xF2)
GREY = RGBColor(0x59, 0x59, 0x59)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)

WIDE = (Inches(13.333), Inches(7.5))
BAND = Inches(1.1)
MARGIN = Inches(0.6)
FOOTER = Inches(0.45)
GAP = Inches(0.3)

TABLE_TEXT_WIDTH = 0.88
"""Share of a cell's width the size estimate counts on: table text (bold headers, unbroken web addresses)
runs wider in LibreOffice and PowerPoint than the plain-text estimate, and a row that wraps once more than
estimated pushes the table over the footer."""

TALK_BODY_PT = 18
"""Smallest body text on a spoken slide (bullets and table cells); backup slides, read up close, may go smaller."""
TALK_TABLE_SIZES = (20, 19, 18)
OTHER_TABLE_SIZES = (16, 15, 14, 13, 12, 11, 10)

BODY_PLACEHOLDERS = (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT, PP_PLACEHOLDER.SUBTITLE)
TITLE_PLACEHOLDERS = (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)


# --- python-pptx ------------------------------------------------------------------------------------------

class DeckWriter:
    """Places rendered slides on a presentation (the default design, or a tutor's template)."""

    def __init__(self, template: str | os.PathLike | None, layouts_needed: dict[str, str], *,
                 kind: str | None = None):
        self.house_style = template is None
        self.kind = kind  # the deck kind (exemplar, briefing...), named in the file's title
        if template is not None:
            self.prs = open_presentation(template, f"--template {template}")  # zip sizes checked first
        else:
            self.prs = Presentation()
            self._apply_house_style()
        self.layouts = {layout.name: layout for layout in self.prs.slide_layouts}
        self.template_name = str(template) if template else "the default template"
        for logical, name in layouts_needed.items():
            self._layout(name, needs_body=logical != "blank")

    def _layout(self, name: str, needs_body: bool = True):
        layout = self.layouts.get(name)
        if layout is None:
            raise UserError(f"{self.template_name} has no slide layout named {name!r}; "
                            f"its layouts are: {', '.join(self.layouts)}")
        kinds = {ph.placeholder_format.type for ph in layout.placeholders}
        if not kinds & set(TITLE_PLACEHOLDERS):
            raise UserError(f"{self.template_name}: layout {name!r} has no title placeholder, which every slide needs")
        if needs_body and not kinds & set(BODY_PLACEHOLDERS):
            raise UserError(f"{self.template_name}: layout {name!r} has no body (text or content) placeholder, "
                            "which the slides that use it need for their text")
        return layout

    def _apply_house_style(self) -> None:
        """Widen the default template to 16:9 and move its placeholders to the band design."""
        self.prs.slide_width, self.prs.slide_height = WIDE
        width, height = WIDE
        for layout in self.prs.slide_layouts:
            for ph in layout.placeholders:
                kind = ph.placeholder_format.type
                if layout.name == "Title Slide":
                    if kind == PP_PLACEHOLDER.CENTER_TITLE:
                        ph.left, ph.top, ph.width, ph.height = MARGIN + Inches(0.3), Inches(2.0), width - 2 * MARGIN - Inches(0.6), Inches(2.0)
                    elif kind == PP_PLACEHOLDER.SUBTITLE:
                        ph.left, ph.top, ph.width, ph.height = MARGIN + Inches(0.3), Inches(4.2), width - 2 * MARGIN - Inches(0.6), Inches(2.0)
                elif kind in TITLE_PLACEHOLDERS:
                    ph.left, ph.top, ph.width, ph.height = MARGIN, Inches(0.1), width - 2 * MARGIN, BAND - Inches(0.2)
                elif kind in BODY_PLACEHOLDERS:
                    ph.left, ph.top = MARGIN, BAND + Inches(0.35)
                    ph.width, ph.height = width - 2 * MARGIN, height - BAND - Inches(0.35) - FOOTER - Inches(0.1)

    # -- helpers ----------------------------------------------------------------------------------

    def _to_back(self, slide, shape) -> None:
        tree = slide.shapes._spTree
        tree.remove(shape._element)
        tree.insert(2, shape._element)

    def _rect(self, slide, left, top, width, height, color) -> Any:
        shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, left, top, width, height)
        shape.fill.solid()
        shape.fill.fore_color.rgb = color
        shape.line.fill.background()
        shape.shadow.inherit = False
        self._to_back(slide, shape)
        accessibility.mark_decorative(shape)  # bands, rules and backgrounds: screen readers skip them
        return shape

    def _placeholder(self, slide, kinds):
        return next((ph for ph in slide.placeholders if ph.placeholder_format.type in kinds), None)

    def _fill_text(self, frame, paragraphs: list[tuple[int, str]], width, height, *, largest=20, smallest=14,
                   color=None, bullets=True) -> int:
        size = textfit.fit_font_size(paragraphs, Emu(width).pt, Emu(height).pt, largest=largest, smallest=smallest,
                                     indent_pt=18 if bullets else 0)
        frame.clear()
        frame.word_wrap = True
        frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE  # PowerPoint shrinks further if a font runs wide
        for i, (level, text) in enumerate(paragraphs):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            para.level = level
            run = para.add_run()
            run.text = text
            run.font.size = Pt(max(size - 2 * level, min(size, smallest)))
            if color is not None:
                run.font.color.rgb = color
            para.space_after = Pt(size * 0.35)
        return size

    # -- slides ------------------------------------------------------------------------------------

    def add(self, s: RenderedSlide, ctx: DeckContext, special_table, number: int, footer: str) -> None:
        layout = self._layout(s.layout, needs_body=False)
        slide = self.prs.slides.add_slide(layout)
        width, height = self.prs.slide_width, self.prs.slide_height
        title = self._placeholder(slide, TITLE_PLACEHOLDERS)
        body = self._placeholder(slide, BODY_PLACEHOLDERS)
        is_title_slide = title is not None and title.placeholder_format.type == PP_PLACEHOLDER.CENTER_TITLE
        if title is None:
            raise UserError(f"{self.template_name}: layout {s.layout!r} has no title placeholder")

        title.text_frame.text = s.title
        if self.house_style:
            if is_title_slide:
                self._rect(slide, 0, 0, width, height, NAVY)
                self._rect(slide, MARGIN + Inches(0.3), Inches(4.05), Inches(1.6), Inches(0.06), RGBColor(0xD0, 0x8C, 0x2B))
            else:
                self._rect(slide, 0, 0, width, BAND, NAVY)
            frame = title.text_frame
            frame.word_wrap = True
            frame.vertical_anchor = MSO_ANCHOR.BOTTOM if is_title_slide else MSO_ANCHOR.MIDDLE
            para = frame.paragraphs[0]
            para.alignment = PP_ALIGN.LEFT
            for run in para.runs:
                run.font.size = Pt(40 if is_title_slide else (28 if len(s.title) <= 60 else 24))
                run.font.bold = True
                run.font.color.rgb = WHITE

        if is_title_slide:
            if body is not None:
                paragraphs = [(0, line) for line in s.subtitle.splitlines() if line.strip()] + [(0, t) for _, t in s.bullets]
                self._fill_text(body.text_frame, paragraphs, body.width, body.height, largest=22, smallest=TALK_BODY_PT,
                                color=RGBColor(0xDD, 0xE6, 0xF0) if self.house_style else None, bullets=False)
                for para in body.text_frame.paragraphs:
                    para.alignment = PP_ALIGN.LEFT
        else:
            self._content(slide, s, body, ctx, special_table)
            if self.house_style:
                box = slide.shapes.add_textbox(MARGIN, height - FOOTER, width - 2 * MARGIN, FOOTER - Inches(0.1))
                accessibility.mark_footer(box)  # read last
                box.text_frame.text = f"{textfit.clean(footer)}   ·   {number}"
                p = box.text_frame.paragraphs[0]
                p.alignment = PP_ALIGN.RIGHT
                p.runs[0].font.size = Pt(11)
                p.runs[0].font.color.rgb = GREY

        notes = s.notes + (("\n\n" if s.notes else "") + s.maps_to if s.maps_to else "")
        slide.notes_slide.notes_text_frame.text = notes

    def _content(self, slide, s: RenderedSlide, body, ctx: DeckContext, special_table) -> None:
        width, height = self.prs.slide_width, self.prs.slide_height
        if body is not None:
            left, top, area_w, area_h = body.left, body.top, body.width, body.height
        else:
            left, top = MARGIN, BAND + Inches(0.35)
            area_w, area_h = width - 2 * MARGIN, height - top - FOOTER - Inches(0.1)
        visuals: list[tuple[str, Any]] = []
        if s.table:
            table = ctx.tables.get(s.table) or special_table(s.table)
            if table is None:
                raise TemplateError(f"slide {s.id!r}: no table {s.table!r}; tables: {', '.join(ctx.tables)}")
            visuals.append(("table", table))
        if s.chart:
            if s.chart not in ctx.charts:
                raise TemplateError(f"slide {s.id!r}: no chart {s.chart!r}; charts: {', '.join(ctx.charts)}")
            visuals += [("chart", spec) for spec in ctx.charts[s.chart]]
        if getattr(s, "diagram", None):
            visuals.append(("diagram", ctx.diagrams[s.diagram]))
        talk = getattr(s, "talk", False)
        smallest = TALK_BODY_PT if talk else 14  # spoken slides of a talk are read from the back of a room

        if not visuals:
            text_box = (left, top, area_w, area_h)
            visual_box = None
        elif not s.bullets:
            text_box, visual_box = None, (left, top, area_w, area_h)
        elif s.arrange == "stack" or len(visuals) > 1:
            size = smallest if talk else 18
            lines = sum(textfit.lines_needed(t, (Emu(area_w).pt - 18) * TABLE_TEXT_WIDTH, size) for _, t in s.bullets)
            text_h = min(int(area_h * 0.45), Pt(size * 1.2 * lines + size * 0.35 * len(s.bullets) + 14))
            text_box = (left, top, area_w, text_h)
            visual_box = (left, top + text_h + Inches(0.1), area_w, area_h - text_h - Inches(0.1))
        else:
            share = 0.40 if s.arrange == "side" else 0.5
            text_w = int(area_w * share)
            text_box = (left, top, text_w, area_h)
            visual_box = (left + text_w + GAP, top, area_w - text_w - GAP, area_h)

        if text_box is not None:
            if body is None:
                body = slide.shapes.add_textbox(*text_box)
            else:
                body.left, body.top, body.width, body.height = text_box
            self._fill_text(body.text_frame, s.bullets, text_box[2], text_box[3],
                            largest=max(smallest, 24 if not visuals else 20), smallest=smallest)
        elif body is not None:
            body._element.getparent().remove(body._element)  # an empty placeholder would show its prompt text

        if visual_box is not None:
            vl, vt, vw, vh = visual_box
            n = len(visuals)
            each = int((vw - GAP * (n - 1)) / n)
            for i, (kind, item) in enumerate(visuals):
                x = vl + i * (each + GAP)
                if kind == "table":
                    # a backup table is split over continuation slides (clvedu.decks.render.table_pages) so that
                    # it fits the default design at 14 pt or more; a smaller tutor's template may shrink it further
                    self._table(slide, item, x, vt, each, vh, sizes=TALK_TABLE_SIZES if talk else OTHER_TABLE_SIZES)
                elif kind == "diagram":
                    draw_diagram(slide.shapes, item, x, vt, each, vh)
                else:
                    add_chart(slide.shapes, item, x, vt, each, vh, colors=ctx.colors or None, font_size=12)

    def _table(self, slide, table: Table, left, top, width, max_height, sizes=(16, 15, 14, 13, 12, 11, 10)) -> None:
        cols = len(table.header)
        weights = table.widths or [1.0] * cols
        total = sum(weights)
        col_w = [int(width * w / total) for w in weights]
        cells = [table.header] + table.rows
        note_h = Inches(0.4) if table.note else 0
        chosen, heights = sizes[-1], []
        for size in sizes:
            heights = [max(textfit.lines_needed(str(c), (Emu(w).pt - 12) * TABLE_TEXT_WIDTH, size)
                           for c, w in zip(row, col_w))
                       * size * 1.2 + 8 for row in cells]
            if sum(heights) <= Emu(max_height - note_h).pt:
                chosen = size
                break
        frame = slide.shapes.add_table(len(cells), cols, left, top, width, int(Pt(sum(heights))))
        tbl = frame.table
        for j, w in enumerate(col_w):
            tbl.columns[j].width = w
        for i, row in enumerate(cells):
            tbl.rows[i].height = int(Pt(heights[i]))
            for j, value in enumerate(row):
                cell = tbl.cell(i, j)
                cell.margin_left = cell.margin_right = Pt(6)
                cell.margin_top = cell.margin_bottom = Pt(4)
                cell.text = textfit.clean(str(value))
                cell.vertical_anchor = MSO_ANCHOR.MIDDLE
                run = cell.text_frame.paragraphs[0].runs
                for r in run:
                    r.font.size = Pt(chosen)
                    r.font.bold = i == 0 or (j == 0 and i > 0 and False)
                    if i == 0:
                        r.font.color.rgb = WHITE
                cell.fill.solid()
                cell.fill.fore_color.rgb = NAVY if i == 0 else (LIGHT if i % 2 == 0 else WHITE)
        if table.note:
            # at the foot of the area: renderers may draw rows taller than estimated
            box = slide.shapes.add_textbox(left, top + max_height - note_h, width, note_h)
            box.text_frame.word_wrap = True
            box.text_frame.text = textfit.clean(table.note)
            box.text_frame.paragraphs[0].runs[0].font.size = Pt(12)
            box.text_frame.paragraphs[0].runs[0].font.color.rgb = GREY

    def save(self, path: Path) -> None:
        accessibility.make_accessible(self.prs, kind=self.kind)  # reading order, language, title, notes pages
        self.prs.save(str(path))
