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
    number of slides it needs (``references`` and, when long, ``references_more``)."""
    academic = text.get("academic", []) if isinstance(text, dict) else []
    if not isinstance(academic, list):
        raise TemplateError("text.academic must be a list of reference-list entries")
    pages = reference_tables(ctx.values.get("references", ()), [a for a in map(str, academic) if a.strip()])
    ctx.tables["references"] = pages[0]
    if len(pages) > 1:
        ctx.tables["references_more"] = pages[1]
    return len(pages)


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
    # every slide's number is known before any text is rendered, so a note can point to a backup slide
    numbers = {spec.slides[i].id: n for n, i in enumerate(kept, start=1)}
    renderer.values["slide_no"] = numbers
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
