"""A variant of a case for every student of a class, their data sheets and the tutor's answer key.

:func:`generate_variants` reads the case and the roster, then for each student (in roster order) draws
a variant (:mod:`clvedu.variants.draw`), checks that it validates and analyses it (a variant that does
not is redrawn, deterministically), and writes::

    OUT/<student id>/case.yaml          the student's case (journey.yaml copied beside it, if the case has one)
    OUT/<student id>/data_sheet.html    their one-page data sheet (data_sheet.pdf too, when LibreOffice is there)
    OUT/answer_key.csv, answer_key.xlsx one row per student (:mod:`clvedu.variants.key`)

Each file is written to a temporary name and renamed into place. Without ``overwrite`` nothing is
written when any of these files already exists.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from clvedu.analysis import CaseAnalysis, analyse_case
from clvedu.cases import Case, CaseError
from clvedu.cases.journey import journey_file, load_journey
from clvedu.cases.loader import MAX_FILE_BYTES
from clvedu.errors import UserError
from clvedu.io import atomic_write, os_error_message
from clvedu.variants import key as answer_key
from clvedu.variants.draw import Draw, VariantDrawer, validate_draw
from clvedu.variants.roster import Roster, read_roster
from clvedu.variants.sheet import convert_to_pdf, render_sheet, sheet_context, soffice_path, writer_missing

KEY_CSV = "answer_key.csv"
KEY_XLSX = "answer_key.xlsx"
CASE_FILE, JOURNEY_FILE, SHEET_HTML, SHEET_PDF = "case.yaml", "journey.yaml", "data_sheet.html", "data_sheet.pdf"
MAX_ATTEMPTS = 100
"""Redraws allowed for one student before the case's ranges are declared unusable."""


@dataclass(frozen=True)
class Variant:
    """One student's drawn case: the text written, the validated case and its analysis."""

    draw: Draw
    case: Case
    analysis: CaseAnalysis
    attempts: int


@dataclass(frozen=True)
class Result:
    out: Path
    students: int
    seed: int
    pdfs: int
    pdf_failed: tuple[str, ...]
    soffice: str | None
    edits_text: bool
    writer_missing: bool = False  # LibreOffice is installed without Writer, which reads HTML
    same_numbers: tuple[tuple[str, ...], ...] = ()  # groups of students whose draws came out the same


def valid_variant(drawer: VariantDrawer, student_id: str, seed: int) -> Variant:
    """The first of the student's draws that validates and can be analysed (attempt 0, 1, ... in turn)."""
    problem: Exception | None = None
    for attempt in range(MAX_ATTEMPTS):
        draw = drawer.draw(student_id, seed, attempt)
        if len(draw.text.encode("utf-8")) > MAX_FILE_BYTES:
            raise UserError(f"{drawer.file}: a variant would exceed {MAX_FILE_BYTES:,} bytes, the most a case file may hold")
        try:
            case = validate_draw(draw)
            analysis = analyse_case(case, load_journey=False)
        except (ValueError, UserError, yaml.YAMLError) as exc:  # pydantic's ValidationError is a ValueError
            problem = exc
            continue
        return Variant(draw, case, analysis, attempt + 1)
    first = str(problem).strip().splitlines()[0] if problem else "unknown"
    raise UserError(f"{drawer.file}: no valid variant for student {student_id} in {MAX_ATTEMPTS} draws; narrow the "
                    f"assumption ranges (last problem: {first})")


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _prepare_out(out: Path, case_dir: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: that is a file; give a folder (it is created if missing)")
    if _inside(out, case_dir):
        raise UserError(f"--out {out}: is inside the case folder {case_dir}; choose a folder outside it, so the "
                        "answer key never travels with the case")
    if not out.exists():
        if not out.parent.is_dir():
            raise UserError(f"--out {out}: the folder {out.parent} does not exist")
        try:
            out.mkdir()
        except OSError as exc:
            raise UserError(os_error_message(exc, out, action="create")) from None


def _targets(out: Path, roster: Roster, journey: bool) -> list[Path]:
    names = [CASE_FILE, *([JOURNEY_FILE] if journey else []), SHEET_HTML, SHEET_PDF]
    return [out / s.id / n for s in roster.students for n in names] + [out / KEY_CSV, out / KEY_XLSX]


def _refuse_existing(out: Path, roster: Roster, journey: bool, overwrite: bool) -> None:
    for s in roster.students:
        folder = out / s.id
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise UserError(f"{folder}: exists and is not a folder; move it away (a student's folder goes there)")
    if overwrite:
        return
    existing = [t for t in _targets(out, roster, journey) if t.exists() or t.is_symlink()]
    if existing:
        more = f" (and {len(existing) - 1} more outputs)" if len(existing) > 1 else ""
        raise UserError(f"{existing[0]} already exists{more}; choose another --out, remove them, or pass --force "
                        "to replace them")


def _write_text(path: Path, text: str, overwrite: bool) -> None:
    with atomic_write(path, overwrite=overwrite) as tmp:
        tmp.write_bytes(text.encode("utf-8"))


def generate_variants(case_dir: str | os.PathLike, roster_path: str | os.PathLike, out_dir: str | os.PathLike, *,
                      seed: int, overwrite: bool = False, pdf: bool = True,
                      progress: Callable[[str, int, int], None] | None = None,
                      templates_dir: str | os.PathLike | None = None) -> Result:
    """Write every student's variant, data sheet and the answer key; see the module notes.

    ``progress(stage, done, total)`` is called after each student (stage ``variants``) and before the
    PDF conversion (stage ``pdf``, done 0). Raises :class:`~clvedu.cases.CaseError` or
    :class:`~clvedu.cases.journey.JourneyError` for a broken case, :class:`~clvedu.variants.roster.RosterError`
    for an unusable roster and :class:`~clvedu.errors.UserError` for anything else a user can fix.
    """
    if not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise UserError(f"--seed must be a whole number from 0 to {2**63 - 1}; got {seed!r}")
    drawer = VariantDrawer(case_dir)
    case_folder = drawer.file.parent
    if not drawer.drawables:
        raise CaseError([f"{drawer.file}: no assumption has a low-high range, so every student would get the same "
                         "numbers; give some assumptions a low and a high"])
    journey_src = journey_file(case_folder)
    journey_text = None
    if journey_src.is_file():
        load_journey(case_folder, case=drawer.case)
        journey_text = journey_src.read_text(encoding="utf-8")
    roster = read_roster(roster_path, reserved=(KEY_CSV, KEY_XLSX))
    out = Path(out_dir)
    _prepare_out(out, case_folder)
    _refuse_existing(out, roster, journey_text is not None, overwrite)

    rows, columns, sheets, drawn = [], None, [], {}
    total = len(roster.students)
    for done, student in enumerate(roster.students, start=1):
        variant = valid_variant(drawer, student.id, seed)
        drawn.setdefault(tuple(sorted(variant.draw.values.items())), []).append(student.id)
        folder = out / student.id
        try:
            folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise UserError(os_error_message(exc, folder, action="create")) from None
        _write_text(folder / CASE_FILE, variant.draw.text, overwrite)
        if journey_text is not None:
            _write_text(folder / JOURNEY_FILE, journey_text, overwrite)
        html = render_sheet(sheet_context(student.id, variant.analysis, case_folder.name), templates_dir)
        _write_text(folder / SHEET_HTML, html, overwrite)
        sheets.append((student.id, folder / SHEET_HTML, folder / SHEET_PDF))
        if columns is None:
            columns = answer_key.key_columns(roster, variant.analysis)
        rows.append(answer_key.key_row(student, answer_key.company_results(variant.analysis)))
        if progress:
            progress("variants", done, total)

    about = [("case", f"{drawer.case.title} ({case_folder.name})"), ("roster", roster.path.name),
             ("students", str(total)), ("seed", str(seed)),
             ("regenerate", f"clvedu variants --case {case_folder.name} --roster {roster.path.name} --out DIR --seed {seed}"),
             ("keep private", "With the roster and the seed anyone can regenerate this key; keep both from students.")]
    answer_key.write_csv(out / KEY_CSV, columns, rows, overwrite=overwrite)
    answer_key.write_xlsx(out / KEY_XLSX, columns, rows, overwrite=overwrite, about=about)

    soffice = soffice_path() if pdf else None
    no_writer = bool(soffice) and writer_missing(soffice)
    if no_writer:
        soffice = None
    failed: list[str] = []
    if soffice:
        if progress:
            progress("pdf", 0, total)
        failed = convert_to_pdf(sheets, soffice, overwrite=overwrite)
    # an earlier run's PDF would show earlier numbers; --force replaces it with nothing rather than keep it
    for sid, _, stale in sheets:
        if (not soffice or sid in failed) and stale.exists():
            stale.unlink()
    shared = tuple(tuple(ids) for ids in drawn.values() if len(ids) > 1)
    return Result(out, total, seed, 0 if not soffice else total - len(failed), tuple(failed), soffice,
                  drawer.edits_text, no_writer, shared)
