"""Build a deck: case -> analysis -> context -> rendered slides -> PowerPoint file.

:func:`build_deck` is the entry point; the jobs are in their own modules: :mod:`clvedu.decks.context`
picks what the slides show from the case analysis, :mod:`clvedu.decks.render` renders the slide
specification's texts, :mod:`clvedu.decks.writer` places them on a presentation with python-pptx.
``render_slides``, ``RenderedSlide`` and ``maps_to_line`` are importable from here as before.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from clvedu.cases import load_case
from clvedu.decks import text as textfit
from clvedu.decks.context import build_context, load_settings
from clvedu.decks.render import RenderedSlide, maps_to_line, render_slides, special_table
from clvedu.decks.templating import SpecFile, spec_path
from clvedu.decks.writer import DeckWriter
from clvedu.errors import UserError
from clvedu.io import atomic_write
from clvedu.rubric import load_rubric

__all__ = ["DeckResult", "RenderedSlide", "build_deck", "maps_to_line", "render_slides"]


@dataclass
class DeckResult:
    path: Path
    kind: str
    slides: list[RenderedSlide]

    @property
    def words(self) -> int:
        """Words of the notes that are spoken: backup slides (after Questions) wait for questions."""
        return sum(textfit.word_count(s.notes) for s in self.slides if not s.backup)


# --- the public entry point -----------------------------------------------------------------------------------

def build_deck(case_dir: str | os.PathLike, out: str | os.PathLike, *, kind: str = "exemplar",
               template: str | os.PathLike | None = None, overwrite: bool = False,
               templates_dir: str | os.PathLike | None = None,
               settings: str | os.PathLike | None = None) -> DeckResult:
    """Generate the ``kind`` deck ("exemplar" or "briefing") for a case folder and write it to ``out``.

    Raises :class:`~clvedu.cases.CaseError` for a broken case, :class:`TemplateError` for a broken
    slide specification and :class:`~clvedu.errors.UserError` for a bad template or output path.
    The file is written to a temporary name and renamed, so a failure leaves nothing behind; an
    existing ``out`` is refused unless ``overwrite`` is true. ``settings`` is a tutor's settings file
    (:func:`clvedu.decks.context.load_settings`) whose dates and names fill the briefing's administration.
    """
    out = Path(out)
    if out.suffix.lower() != ".pptx":
        raise UserError(f"--out {out}: the deck file name must end in .pptx")
    if out.exists() and not overwrite:
        raise UserError(f"{out} already exists; choose another name, remove it, or pass --force to replace it")
    case = load_case(case_dir)
    rubric = load_rubric()
    spec_file = SpecFile(spec_path(kind, templates_dir))
    ctx = build_context(case, rubric, settings=load_settings(settings) if settings is not None else None)
    slides, text = render_slides(spec_file, ctx, rubric)
    writer = DeckWriter(template, dict(spec_file.spec.layouts), kind=spec_file.spec.kind)
    for number, s in enumerate(slides, start=1):
        writer.add(s, ctx, lambda key: special_table(key, ctx, text, rubric), number, case.title)
    textfit.set_core_properties(writer.prs, title=case.title)  # cleaned, like every text in the deck
    with atomic_write(out, overwrite=overwrite) as tmp:
        writer.save(tmp)
    return DeckResult(out, kind, slides)
