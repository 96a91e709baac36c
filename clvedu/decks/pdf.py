"""Decks as PDF: the slides (``NAME.pdf``) and the notes pages (``NAME-notes.pdf``), through LibreOffice.

Tutors upload PDFs to a learning platform and presenters print notes pages, so ``clvedu deck --pdf``
writes both beside the deck. LibreOffice Impress (``soffice``) does the conversion, headless, with a
throwaway user profile (so it neither needs nor touches the user's own) and a time limit. The notes pages
are laid out by :func:`clvedu.decks.accessibility.fit_notes_pages` when the deck is written, so the longest
note fits its page.

All or nothing: the deck is built and converted in a private temporary folder, and only when both PDFs
exist are the three files moved into place (each atomically, :func:`clvedu.io.atomic_write`). A missing
LibreOffice, a conversion that fails or runs out of time, raise :class:`PdfError` (exit code 2) with one
line, and leave no file behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

from clvedu.errors import UserError
from clvedu.io import atomic_write

SOFFICE_PROGRAMS = ("soffice", "libreoffice")
TIMEOUT_SECONDS = 300
"""Longest one conversion may take; a first run also creates LibreOffice's profile (a few seconds)."""
SLIDES_FILTER = "pdf:impress_pdf_Export"
NOTES_FILTER = ('pdf:impress_pdf_Export:{"ExportNotesPages":{"type":"boolean","value":"true"},'
                '"ExportOnlyNotesPages":{"type":"boolean","value":"true"}}')
"""Impress's PDF filter with its options in the JSON form LibreOffice 7.4 and later read on the command
line: notes pages only, one per slide."""
MISSING = ("--pdf needs LibreOffice to convert the deck, and neither soffice nor libreoffice is on the PATH; "
           "install LibreOffice Impress (Debian and Ubuntu: libreoffice-impress) or leave out --pdf")


class PdfError(UserError):
    """LibreOffice is missing, or could not convert the deck; nothing was written."""

    exit_code = 2


def find_soffice() -> str | None:
    """The path of LibreOffice's ``soffice`` (or ``libreoffice``) program, or None when neither is installed."""
    for name in SOFFICE_PROGRAMS:
        found = shutil.which(name)
        if found:
            return found
    return None


def pdf_paths(out: str | os.PathLike) -> tuple[Path, Path]:
    """Where ``--pdf`` writes for the deck ``out``: ``NAME.pdf`` and ``NAME-notes.pdf`` beside it."""
    out = Path(out)
    return out.with_suffix(".pdf"), out.with_name(out.stem + "-notes.pdf")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines()
             if line.strip() and "javaldx" not in line and not line.startswith("convert ")]
    return lines[-1] if lines else ""


def convert(soffice: str, deck: Path, outdir: Path, pdf_filter: str, profile: Path,
            timeout: float | None = None) -> Path:
    """Convert ``deck`` with ``pdf_filter`` into ``outdir``; return the PDF's path. Raises :class:`PdfError`.

    LibreOffice runs in its own process group, so on a time-out (or Ctrl-C) every process it started is
    stopped, not only the launcher. ``timeout`` is in seconds (:data:`TIMEOUT_SECONDS` by default)."""
    timeout = TIMEOUT_SECONDS if timeout is None else timeout
    outdir.mkdir(parents=True, exist_ok=True)
    command = [soffice, "--headless", "--norestore", "--nolockcheck", f"-env:UserInstallation={profile.as_uri()}",
               "--convert-to", pdf_filter, "--outdir", str(outdir), str(deck)]
    try:
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
    except OSError as exc:
        raise PdfError(f"--pdf: cannot start LibreOffice ({soffice}): {exc.strerror or exc}") from None
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc)
        raise PdfError(f"--pdf: LibreOffice did not finish converting the deck within {timeout:g} seconds; "
                       "no deck or PDF written") from None
    except BaseException:
        _stop(proc)
        raise
    pdf = outdir / (deck.stem + ".pdf")
    if proc.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        why = _last_line(stderr) or _last_line(stdout) or f"exit status {proc.returncode}"
        raise PdfError(f"--pdf: LibreOffice could not convert the deck to PDF ({why}); no deck or PDF written")
    return pdf


def _stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.communicate()


def build_deck_with_pdfs(case_dir, out, *, soffice: str, overwrite: bool = False,
                         timeout: float | None = None, **build_options):
    """Build the deck as :func:`clvedu.decks.build.build_deck` does (``build_options`` are passed on), and
    write its slides and notes pages as PDF beside it (:func:`pdf_paths`); return the deck's result.

    Nothing is written unless the deck and both PDFs were made; existing files are refused unless
    ``overwrite``.
    """
    from clvedu.decks.build import build_deck  # build imports the writer; keep this module light

    out = Path(out)
    pdf, notes_pdf = pdf_paths(out)
    targets = [out, pdf, notes_pdf]
    if not overwrite:
        for target in targets:
            if target.exists() or target.is_symlink():
                raise UserError(f"{target} already exists; choose another name, remove it, or pass --force to "
                                "replace it")
    with tempfile.TemporaryDirectory(prefix="clvedu-pdf-") as work:
        work = Path(work)
        deck = work / "deck.pptx"
        result = build_deck(case_dir, deck, overwrite=True, **build_options)
        profile = work / "libreoffice-profile"
        slides = convert(soffice, deck, work / "slides", SLIDES_FILTER, profile, timeout)
        notes = convert(soffice, deck, work / "notes", NOTES_FILTER, profile, timeout)
        committed: list[Path] = []
        try:
            for source, target in zip((slides, notes, deck), (pdf, notes_pdf, out)):
                with atomic_write(target, overwrite=overwrite) as tmp:
                    shutil.copyfile(source, tmp)
                committed.append(target)
        except BaseException:
            if not overwrite:  # files this run created; replaced ones cannot be given back
                for target in committed:
                    target.unlink(missing_ok=True)
            raise
    return replace(result, path=out)
