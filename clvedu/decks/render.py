"""Turn a slide specification into rendered slides: every Jinja2 text filled from the deck context.

:func:`render_slides` renders titles, bullets, notes, table and chart keys of each slide of a
``templates/<kind>.yaml`` (see :mod:`clvedu.decks.templating`) with the context of
:mod:`clvedu.decks.context` and the filters of :mod:`clvedu.decks.filters`, drops the slides whose
``when`` is false, and adds each slide's "Maps to:" line. Nothing here touches python-pptx:
:mod:`clvedu.decks.writer` places the rendered slides on a presentation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clvedu.decks import text as textfit
from clvedu.decks.context import DeckContext, Table, reference_tables
from clvedu.decks.filters import deck_filters
from clvedu.decks.templating import Renderer, SpecFile, TemplateError
from clvedu.rubric import Rubric


@dataclass
class RenderedSlide:
    """One slide with every text rendered: what the builder places and the tests check."""

    id: str
    layout: str
    title: str
    subtitle: str
    bullets: list[tuple[int, str]]
    table: str | None
    chart: str | None
    notes: str
    maps_to: str
    arrange: str = "side"
    diagram: str | None = None   # a key of the context's diagrams (given in the spec as ``chart:``)
    backup: bool = False         # after the Questions slide (or an id starting "backup"): kept for questions
    talk: bool = False           # a spoken slide of a talk (a deck with a Questions slide, up to it): 18 pt text


# --- mapping lines ---------------------------------------------------------------------------------

def maps_to_line(codes: list[str], rubric: Rubric) -> str:
    """``"Maps to: LO1 · P1, M1"``: the outcomes (given, and those of the criteria) then the criteria, in rubric order."""
    unknown = [c for c in codes if c not in rubric.outcomes and c not in rubric.criteria]
    if unknown:
        raise TemplateError(f"maps_to has unknown code(s) {', '.join(unknown)}; the rubric has {', '.join(rubric.codes())}")
    outcomes = {c for c in codes if c in rubric.outcomes}
    criteria = [c for c in rubric.criteria if c in codes]
    for c in criteria:
        outcomes.update(rubric.criteria[c].outcomes)
    ordered = [o for o in rubric.outcomes if o in outcomes]
    line = "Maps to: " + ", ".join(ordered)
    return line + (" · " + ", ".join(criteria) if criteria else "")


# --- backup tables over as many slides as they need ------------------------------------------------------

BACKUP_PT = 14
"""Smallest table text on a backup slide."""
BACKUP_ROWS = 6
"""Most body rows of a backup table with several columns on one slide (a worked calculation of short cells may
take :data:`BACKUP_SHORT_ROWS`, so that it reads on one slide); more go on continuation slides."""
BACKUP_SHORT_ROWS = 15
SHORT_CELL = 40
AREA_PT = (873.0, 396.0)
"""Width and height (points) of the area under a slide's title band in the default design, less a margin for
rows that wrap once more than estimated."""


def table_height(table: Table, size: float, width_pt: float = AREA_PT[0]) -> float:
    """Points a table needs at ``size`` (the writer's estimate: wrapped lines x 1.2 x size + 8 a row)."""
    weights = table.widths or [1.0] * len(table.header)
    col = [width_pt * w / sum(weights) for w in weights]
    rows = [table.header] + table.rows
    return sum(max(textfit.lines_needed(str(c), (w - 12) * 0.88, size) for c, w in zip(row, col)) * size * 1.2 + 8
               for row in rows) + (29 if table.note else 0)


def table_pages(table: Table, size: float = BACKUP_PT, height_pt: float = AREA_PT[1]) -> list[Table]:
    """``table`` split into as few pages of about equal rows as keep each at most :data:`BACKUP_ROWS` rows
    (:data:`BACKUP_SHORT_ROWS` when every cell is short; a one-column list has no row limit) and inside the
    slide at ``size`` points."""
    rows = table.rows
    if not rows:
        return [table]
    short = all(len(str(c)) <= SHORT_CELL for r in rows for c in r)
    most = len(rows) if len(table.header) == 1 else (BACKUP_SHORT_ROWS if short else BACKUP_ROWS)
    for count in range(max(1, -(-len(rows) // most)), len(rows) + 1):
        sizes = [len(rows) // count + (1 if k < len(rows) % count else 0) for k in range(count)]   # as even as can be
        starts = [sum(sizes[:k]) for k in range(count)]
        pages = [rows[a:a + n] for a, n in zip(starts, sizes)]
        if all(table_height(Table(table.header, pg, table.widths, table.note), size) <= height_pt for pg in pages):
            return [Table(table.header, pg, table.widths, table.note) for pg in pages]
    return [Table(table.header, [r], table.widths, table.note) for r in rows]


# --- rendering the specs --------------------------------------------------------------------------------

def _render_tree(renderer: Renderer, value: Any, path: tuple) -> Any:
    if isinstance(value, str):
        return renderer.render(value, path)
    if isinstance(value, list):
        return [_render_tree(renderer, v, path + (i,)) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: _render_tree(renderer, v, path + (k,)) for k, v in value.items()}
    return value


def _rerender(renderer: Renderer, source: Any, done: Any, path: tuple) -> Any:
    """``done`` (``source`` rendered once) with every string that reads ``slide_no`` rendered again."""
    if isinstance(source, str):
        return renderer.render(source, path) if "slide_no" in source else done
    if isinstance(source, list):
        return [_rerender(renderer, v, d, path + (i,)) for i, (v, d) in enumerate(zip(source, done))]
    if isinstance(source, dict):
        return {k: _rerender(renderer, v, done[k], path + (k,)) for k, v in source.items()}
    return done


def _bullet_lines(rendered: str) -> list[tuple[int, str]]:
    out = []
    for line in rendered.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("- "):
            out.append((1, stripped[2:].strip()))
        else:
            out.append((0, stripped))
    return out


def _reference_list(ctx: DeckContext, text: dict) -> int:
    """Add the reference list to the context's tables: the case's sources behind the figures shown and the
    academic sources the spec cites (``text.academic``, entries left empty when not cited); return the
    number of reference tables (one: the renderer splits a long one over continuation slides)."""
    academic = text.get("academic", []) if isinstance(text, dict) else []
    if not isinstance(academic, list):
        raise TemplateError("text.academic must be a list of reference-list entries")
    pages = reference_tables(ctx.values.get("references", ()), [a for a in map(str, academic) if a.strip()])
    ctx.tables["references"] = Table(pages[0].header, [r for pg in pages for r in pg.rows], pages[0].widths)
    ctx.tables.pop("references_more", None)
    return 1  # one table: a backup slide's long table goes on continuation slides (table_pages)


def render_slides(spec_file: SpecFile, ctx: DeckContext, rubric: Rubric) -> tuple[list[RenderedSlide], dict]:
    """Render every slide of the spec; slides whose ``when`` is false are left out."""
    spec = spec_file.spec
    renderer = Renderer(spec_file, ctx.values, filters=deck_filters(ctx.currency))
    text = _render_tree(renderer, spec.text, ("text",))
    renderer.values = {**ctx.values, "text": text, "reference_pages": _reference_list(ctx, text)}
    kept = []
    for i, s in enumerate(spec.slides):
        if s.when is not None:
            keep = renderer.render("{{ (" + s.when + ") and 'yes' or '' }}", ("slides", i, "when"))
            if not keep:
                continue
        kept.append(i)
    # a backup table too long for one slide goes on continuation slides (known before numbering)
    ids = [spec.slides[i].id for i in kept]
    q_at = ids.index("questions") if "questions" in ids else None
    pages: dict[int, list[Table]] = {}
    for pos, i in enumerate(kept):
        s = spec.slides[i]
        backup = s.id.startswith("backup") or (q_at is not None and pos > q_at)
        key = (s.table or "").strip()
        if backup and key and "{" not in key:
            whole = ctx.tables.get(key) or (special_table(key, ctx, text, rubric)
                                             if key in text.get("tables", {}) else None)
            if whole is not None:
                pages[i] = table_pages(whole)
    # every slide's number is known before any text is rendered, so a note can point to a backup slide
    numbers, spans, n = {}, {}, 1
    for i in kept:
        count = len(pages.get(i, [None]))
        numbers[spec.slides[i].id] = n
        spans[spec.slides[i].id] = f"Slide {n}" if count == 1 else f"Slides {n}-{n + count - 1}"
        n += count
    renderer.values["slide_no"] = numbers
    renderer.values["slide_no_span"] = spans  # "Slide 22" or "Slides 22-23": where a split backup table lies
    if numbers != ctx.values.get("slide_no"):
        text = _rerender(renderer, spec.text, text, ("text",))  # texts that name slide numbers, again
        renderer.values["text"] = text
    questions = numbers.get("questions")
    slides = []
    for i in kept:
        s = spec.slides[i]
        base = ("slides", i)
        if s.layout not in spec.layouts:
            raise TemplateError(f"{spec_file.path}, line {spec_file.line_of(base + ('layout',))}: slide {s.id!r} uses "
                                f"layout {s.layout!r}; the spec's layouts are {', '.join(spec.layouts)}")
        bullets: list[tuple[int, str]] = []
        for j, b in enumerate(s.bullets):
            bullets += _bullet_lines(renderer.render(b, base + ("bullets", j)))
        if s.notes_file:
            file, source = spec_file.notes_source(s.notes_file, base)  # inside the specs folder only
            notes = renderer.render(source, base, filename=str(file), first_line=1)
        else:
            notes = renderer.render(s.notes or "", base + ("notes",))
        notes = textfit.clean(" ".join(notes.split())) if "\n\n" not in notes else "\n\n".join(
            textfit.clean(" ".join(p.split())) for p in notes.split("\n\n") if p.strip())
        table = renderer.render(s.table, base + ("table",)).strip() if s.table else None
        chart = renderer.render(s.chart, base + ("chart",)).strip() if s.chart else None
        diagram = None
        if chart and chart in ctx.diagrams:
            chart, diagram = None, chart
        number = numbers[s.id]
        if i in pages and len(pages[i]) > 1:
            key = s.table.strip()
            title = textfit.clean(renderer.render(s.title, base + ("title",)))
            if key not in ctx.tables:  # a table of the spec's text: its rows again, with the final slide numbers
                final, start = special_table(key, ctx, text, rubric), 0
                cut = []
                for page in pages[i]:
                    cut.append(Table(final.header, final.rows[start:start + len(page.rows)], final.widths, final.note))
                    start += len(page.rows)
                pages[i] = cut
            for k, page in enumerate(pages[i], start=1):
                ctx.tables[f"{key}@{k}"] = page
                slides.append(RenderedSlide(
                    id=s.id if k == 1 else f"{s.id}_page{k}", layout=spec.layouts[s.layout],
                    title=title if k == 1 else f"{title.removesuffix(' (continued)')} (continued, {k} of {len(pages[i])})",
                    subtitle="",
                    bullets=textfit.limit_bullets(bullets) if k == 1 else [], table=f"{key}@{k}", chart=None,
                    notes=notes if k == 1 else "The table continues, in the same form.",
                    maps_to=maps_to_line(s.maps_to, rubric) if s.maps_to else "", arrange=getattr(s, "arrange", "side"),
                    backup=True, talk=False))
            continue
        slides.append(RenderedSlide(
            id=s.id, layout=spec.layouts[s.layout], title=textfit.clean(renderer.render(s.title, base + ("title",))),
            subtitle=textfit.clean(renderer.render(s.subtitle, base + ("subtitle",))) if s.subtitle else "",
            bullets=textfit.limit_bullets(bullets), table=table or None, chart=chart or None,
            notes=notes, maps_to=maps_to_line(s.maps_to, rubric) if s.maps_to else "",
            arrange=getattr(s, "arrange", "side"), diagram=diagram,
            backup=s.id.startswith("backup") or (questions is not None and number > questions),
            talk=questions is not None and number <= questions and not s.id.startswith("backup")))
    return slides, text


# --- tables that need the rendered spec text ----------------------------------------------------------------

def special_table(key: str, ctx: DeckContext, text: dict, rubric: Rubric) -> Table | None:
    examples = text.get("examples", {}) if isinstance(text, dict) else {}
    if key.startswith("criteria:"):
        codes = [c.strip() for c in key.split(":", 1)[1].split(",") if c.strip()]
        rows = []
        for code in codes:
            if code not in rubric.criteria:
                raise TemplateError(f"table {key!r}: unknown criterion {code!r}")
            crit = rubric.criteria[code]
            rows.append([f"{code} ({crit.band})", "; ".join(crit.evidence), examples.get(code, "")])
        return Table(["Criterion", "What the evidence looks like", "Example from this case"], rows, [0.8, 2.2, 2.0])
    if key == "marking_grid":
        # the spec's own faithful summaries (text.criteria) where it gives them, else the rubric's
        own = text.get("criteria", {}) if isinstance(text.get("criteria", {}), dict) else {}
        rows = [[f"{c.code} ({c.band})", str(own.get(c.code) or c.summary), "", ""] for c in rubric.criteria.values()]
        return Table(["Criterion", "What it asks", "Met?", "Slides / comment"], rows, [1.0, 5.0, 0.5, 1.6])
    if key == "outcomes":
        rows = [[o.code, o.title, ", ".join(c.code for c in rubric.criteria_for(o.code))] for o in rubric.outcomes.values()]
        return Table(["Outcome", "In plain words", "Criteria"], rows, [1.0, 3.2, 1.2])
    half = None
    for suffix in ("_first", "_more"):
        if key.endswith(suffix) and key[: -len(suffix)] in text.get("tables", {}):
            key, half = key[: -len(suffix)], suffix
    if key in text.get("tables", {}):
        spec = text["tables"][key]
        if not isinstance(spec, dict) or not isinstance(spec.get("header"), list) \
                or not isinstance(spec.get("rows"), list):
            raise TemplateError(f"text.tables.{key} needs a header (a list) and rows (a list of lists)")
        header = [str(h) for h in spec["header"]]
        rows = [list(map(str, r)) if isinstance(r, list) else [str(r)] for r in spec["rows"]]
        for i, row in enumerate(rows, 1):
            if len(row) != len(header):
                raise TemplateError(f"text.tables.{key}, row {i} has {len(row)} cells for {len(header)} columns "
                                    "(a comma inside an unquoted YAML [a, b] item splits it: quote that cell)")
        widths = spec.get("widths")
        if widths is not None and (not isinstance(widths, list) or len(widths) != len(header)):
            raise TemplateError(f"text.tables.{key}: widths needs one number per column ({len(header)})")
        if half is not None:  # KEY_first and KEY_more: the table's rows in two halves, for two slides
            middle = (len(rows) + 1) // 2
            rows = rows[:middle] if half == "_first" else rows[middle:]
        return Table(header, rows, widths)
    return None
