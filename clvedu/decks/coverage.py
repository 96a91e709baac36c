"""Read any deck's speaker notes: which rubric codes each slide claims, talk time, slides without notes.

A slide claims codes with a line in its notes such as ``Maps to: LO1 · P1, M1`` (any separators;
case-insensitive ``Maps to``). Talk time counts the words of the notes, without the mapping line,
at :data:`WORDS_PER_MINUTE`, over the slides that are spoken: as in a generated deck, slides after one
titled "Questions" and slides titled "Backup…" or "Appendix…" wait for questions and are not counted.
Works on students' decks as well as generated ones.

With ``collect_text=True`` :func:`read_coverage` also keeps the words on the slides (text boxes, tables,
groups) and in the notes, one paragraph a line, for :mod:`clvedu.decks.class_report` to look for an
answer key's figures; it reads text only, never pictures or embedded files.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from clvedu.decks.text import for_terminal, word_count
from clvedu.errors import UserError
from clvedu.io import open_presentation
from clvedu.rubric import Rubric, load_rubric

WORDS_PER_MINUTE = 130
TALK_MINUTES = 10.0
MAX_DECK_TEXT = 2_000_000
"""Most characters of slide and notes text kept per deck with ``collect_text`` (a 15-slide talk has about 20,000)."""

_MAPS_TO = re.compile(r"^\s*maps\s+to\s*:(?P<codes>.*)$", re.IGNORECASE | re.MULTILINE)
_CODE = re.compile(r"\b(LO\d+|[PMD]\d+)\b", re.IGNORECASE)
_QUESTIONS_TITLE = re.compile(r"^\s*(any\s+)?questions?\b", re.IGNORECASE)
_BACKUP_TITLE = re.compile(r"^\s*(backup|appendix)\b", re.IGNORECASE)


@dataclass
class SlideNotes:
    number: int
    title: str
    words: int
    codes: list[str]
    unknown: list[str] = field(default_factory=list)
    has_notes: bool = True
    backup: bool = False
    """After the Questions slide, or titled Backup/Appendix: kept for questions, not part of the talk time."""


@dataclass
class Coverage:
    path: Path
    slides: list[SlideNotes]
    rubric_codes: list[str]
    text: str = ""
    """The slides' and notes' words, one paragraph a line (only with ``read_coverage(collect_text=True)``)."""

    @property
    def words(self) -> int:
        """Words of the spoken notes: backup slides are left out, as ``clvedu deck`` leaves them out."""
        return sum(s.words for s in self.slides if not s.backup)

    @property
    def backup_slides(self) -> list[int]:
        return [s.number for s in self.slides if s.backup]

    @property
    def minutes(self) -> float:
        return self.words / WORDS_PER_MINUTE

    @property
    def uncovered(self) -> list[str]:
        claimed = {c for s in self.slides for c in s.codes}
        return [c for c in self.rubric_codes if c not in claimed]

    @property
    def without_notes(self) -> list[int]:
        return [s.number for s in self.slides if not s.has_notes]

    @property
    def ok(self) -> bool:
        return not self.uncovered and not self.without_notes


def parse_maps_to(notes: str) -> tuple[list[str], str]:
    """(codes claimed by the notes' ``Maps to:`` lines, the notes without those lines)."""
    codes: list[str] = []
    for match in _MAPS_TO.finditer(notes):
        for code in _CODE.findall(match["codes"]):
            code = code.upper()
            if code not in codes:
                codes.append(code)
    return codes, _MAPS_TO.sub("", notes)


def _paragraphs(element) -> list[str]:
    """The text of every paragraph (``a:p``) under an XML element: text boxes, tables and groups alike."""
    from pptx.oxml.ns import qn

    a_p, a_t = qn("a:p"), qn("a:t")
    return ["".join(t.text or "" for t in p.iter(a_t)) for p in element.iter(a_p)]


def read_coverage(path: str | os.PathLike, rubric: Rubric | None = None, *, collect_text: bool = False) -> Coverage:
    """Read a .pptx and report each slide's claimed codes and note length.

    Raises :class:`UserError` (one line) for a file that is missing, not a .pptx, truncated, damaged
    or a zip bomb: :func:`clvedu.io.open_presentation` measures its parts before python-pptx reads it.
    ``collect_text`` also keeps the slides' and notes' text (at most :data:`MAX_DECK_TEXT` characters)
    in :attr:`Coverage.text`.
    """
    rubric = rubric or load_rubric()
    path = Path(path)
    prs = open_presentation(path)
    known = set(rubric.codes())
    slides = []
    texts: list[str] = []
    kept = 0
    after_questions = False
    try:
        for number, slide in enumerate(prs.slides, start=1):
            title = slide.shapes.title.text_frame.text.strip() if slide.shapes.title is not None else ""
            notes = (slide.notes_slide.notes_text_frame.text
                     if slide.has_notes_slide and slide.notes_slide.notes_text_frame else "")
            if collect_text and kept < MAX_DECK_TEXT:
                for part in (*_paragraphs(slide.element), notes):
                    texts.append(part)
                    kept += len(part) + 1
            codes, spoken = parse_maps_to(notes)
            slides.append(SlideNotes(number=number, title=title, words=word_count(spoken),
                                     codes=[c for c in codes if c in known],
                                     unknown=[c for c in codes if c not in known], has_notes=bool(spoken.strip()),
                                     backup=after_questions or bool(_BACKUP_TITLE.match(title))))
            after_questions = after_questions or bool(_QUESTIONS_TITLE.match(title))
    except Exception as exc:  # a damaged part python-pptx only meets when reading the slides
        message = " ".join(str(exc).split())[:160]
        raise UserError(f"{path}: not a readable PowerPoint (.pptx) file ({type(exc).__name__}: {message})") from None
    if not slides:
        raise UserError(f"{path}: the deck has no slides")
    return Coverage(path, slides, rubric.codes(), text="\n".join(texts)[:MAX_DECK_TEXT])


def format_report(cov: Coverage) -> str:
    """The criteria x slides matrix, the talk time and the problems, as plain text."""
    numbers = [s.number for s in cov.slides]
    width = max(2, len(str(max(numbers))))
    lines = [f"Coverage of {for_terminal(cov.path.name)}: {len(cov.slides)} slides", ""]
    lines.append("code  " + " ".join(f"{n:>{width}}" for n in numbers) + "  slides")
    for code in cov.rubric_codes:
        marks = [("●" if code in s.codes else "·") for s in cov.slides]
        count = sum(m == "●" for m in marks)
        lines.append(f"{code:<5} " + " ".join(f"{m:>{width}}" for m in marks) + f"  {count}")
    lines.append("")
    verdict = "over" if cov.minutes > TALK_MINUTES * 1.1 else ("under" if cov.minutes < TALK_MINUTES * 0.8 else "about right for")
    backup = cov.backup_slides
    kept_back = f"; {len(backup)} backup slide{'s' if len(backup) != 1 else ''} not counted" if backup else ""
    lines.append(f"Talk time: {cov.words} words of notes ≈ {cov.minutes:.1f} minutes at {WORDS_PER_MINUTE} words a minute "
                 f"({verdict} the {TALK_MINUTES:.0f} minutes{kept_back})")
    lines.append("Slides without notes: " + (", ".join(map(str, cov.without_notes)) or "none"))
    unknown = sorted({c for s in cov.slides for c in s.unknown})
    if unknown:
        lines.append("Codes not in the rubric (ignored): " + ", ".join(unknown))
    lines.append("Not covered: " + (", ".join(cov.uncovered) or "none"))
    return "\n".join(lines)
