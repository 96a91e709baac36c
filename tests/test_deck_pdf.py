"""``clvedu deck --pdf``: the slides and the notes pages as PDF, all three files or none.

The first tests stand in for LibreOffice with small scripts (missing, failing, hanging, working), so the
all-or-nothing rules are checked on any machine; the ``render`` tests run the real LibreOffice on every
shipped case and read the PDFs back with pdfinfo and pdftotext (poppler-utils), or pypdf if installed.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import time
import unicodedata
from html import unescape as html_unescape
from pathlib import Path

import pytest
from pptx import Presentation

from clvedu.cli import main
from clvedu.decks import pdf as deck_pdf

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted(p for p in (ROOT / "case_studies").iterdir() if (p / "case.yaml").is_file())
MINI = ROOT / "tests" / "fixtures" / "cases" / "mini"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
POPPLER = shutil.which("pdftotext") and shutil.which("pdfinfo")


def fake_soffice(folder: Path, body: str) -> Path:
    """A program called ``soffice`` on a PATH of its own, running the shell ``body``."""
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / "soffice"
    program.write_text("#!/bin/sh\n" + body + "\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return folder


# a stand-in that writes a one-line "PDF" where LibreOffice would: --outdir DIR, the deck last
WRITES_PDF = '''
out=""; prev=""
for a in "$@"; do [ "$prev" = "--outdir" ] && out="$a"; prev="$a"; last="$a"; done
name=$(basename "$last" .pptx)
printf '%%PDF-1.4 stand-in\\n' > "$out/$name.pdf"
'''


def run_deck(tmp_path, capsys, *extra, name="talk.pptx", case=MINI):
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    code = main(["deck", "--case", str(case), "--out", str(out / name), *extra])
    captured = capsys.readouterr()
    return code, captured.err, sorted(p.name for p in out.iterdir())


def test_without_libreoffice_pdf_is_refused_before_anything_is_written(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code, err, files = run_deck(tmp_path, capsys, "--pdf")
    assert code == 2
    assert err.count("\n") == 1 and "--pdf" in err and "LibreOffice" in err and "libreoffice-impress" in err
    assert files == []


def test_failed_conversion_leaves_no_deck_and_no_pdf(tmp_path, capsys, monkeypatch):
    bin_dir = fake_soffice(tmp_path / "bin", 'echo "Error: source file could not be loaded" >&2; exit 1')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    code, err, files = run_deck(tmp_path, capsys, "--pdf")
    assert code == 2 and err.count("\n") == 1
    assert "could not convert" in err and "source file could not be loaded" in err
    assert files == []


def test_a_hanging_libreoffice_is_stopped_and_nothing_is_written(tmp_path, capsys, monkeypatch):
    pid_file = tmp_path / "pid"
    bin_dir = fake_soffice(tmp_path / "bin", f'sleep 300 & echo $! > "{pid_file}"; wait')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(deck_pdf, "TIMEOUT_SECONDS", 2)
    started = time.monotonic()
    code, err, files = run_deck(tmp_path, capsys, "--pdf")
    assert code == 2 and "did not finish" in err and "2 seconds" in err
    assert time.monotonic() - started < 60
    assert files == []
    child = int(pid_file.read_text())
    time.sleep(0.2)
    alive = Path(f"/proc/{child}").exists() and "zombie" not in Path(f"/proc/{child}/status").read_text().lower() \
        if Path("/proc").is_dir() else False
    assert not alive  # the whole process group was stopped, not only the launcher


def test_all_three_files_are_written_and_existing_ones_kept_without_force(tmp_path, capsys, monkeypatch):
    bin_dir = fake_soffice(tmp_path / "bin", WRITES_PDF)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    code, err, files = run_deck(tmp_path, capsys, "--pdf")
    assert code == 0, err
    assert files == ["talk-notes.pdf", "talk.pdf", "talk.pptx"]
    assert len(Presentation(str(tmp_path / "out" / "talk.pptx")).slides) > 5
    # a PDF in the way: refused before building (exit 2), the earlier files untouched
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out").iterdir()}
    (tmp_path / "out" / "talk.pptx").unlink()
    code, err, files = run_deck(tmp_path, capsys, "--pdf")
    assert code == 2 and "talk.pdf already exists" in err and "--force" in err
    assert files == ["talk-notes.pdf", "talk.pdf"]
    assert all((tmp_path / "out" / n).stat().st_mtime_ns == before[n] for n in files)
    code, err, files = run_deck(tmp_path, capsys, "--pdf", "--force")
    assert code == 0 and files == ["talk-notes.pdf", "talk.pdf", "talk.pptx"]


def test_pdf_names_sit_beside_the_deck():
    assert deck_pdf.pdf_paths("a/b/talk.pptx") == (Path("a/b/talk.pdf"), Path("a/b/talk-notes.pdf"))


# --- the real LibreOffice ---------------------------------------------------------------------------------

def pdf_page_count(pdf: Path) -> int:
    try:
        from pypdf import PdfReader
    except ImportError:
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return len(PdfReader(str(pdf)).pages)


def words(text: str) -> list[str]:
    return unicodedata.normalize("NFKC", text).split()


def page_words_with_boxes(pdf: Path, page: int, font_pt: float) -> tuple[list[tuple[str, float]], float]:
    """The words of one page set at about ``font_pt`` points, with the bottom of each (points from the top),
    and the page height. Words of other sizes (the slide picture's, which PDF text extraction interleaves
    with the notes line by line) are left out."""
    html = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', html).group(1))
    found = []
    for w in re.finditer(r'<word [^>]*yMin="([\d.]+)"[^>]*yMax="([\d.]+)"[^>]*>([^<]*)</word>', html):
        top, bottom = float(w.group(1)), float(w.group(2))
        if 1.1 * font_pt <= bottom - top <= 1.5 * font_pt:  # a line box is about 1.3 em
            text = html_unescape(unicodedata.normalize("NFKC", w.group(3)))
            found.append((text, bottom))
    return found, height


def check_notes_pages(deck: Path, slides_pdf: Path, notes_pdf: Path) -> None:
    prs = Presentation(str(deck))
    assert pdf_page_count(slides_pdf) == len(prs.slides)
    assert pdf_page_count(notes_pdf) == len(prs.slides)
    for number, slide in enumerate(prs.slides, start=1):
        notes = words(slide.notes_slide.notes_text_frame.text)
        assert notes, f"slide {number} has no notes"
        ending = notes[-8:]
        size = slide.notes_slide.notes_text_frame.paragraphs[0].runs[0].font.size.pt
        page, height = page_words_with_boxes(notes_pdf, number, size)
        texts = [w for w, _ in page]
        # the last words of the notes, in order, on this slide's notes page...
        at = next((i for i in range(len(texts) - len(ending), -1, -1) if texts[i:i + len(ending)] == ending), None)
        assert at is not None, f"{deck.name}, notes page {number}: {' '.join(ending)!r} not found"
        # ... and inside the page, not run off its foot
        assert all(bottom <= height - 18 for _, bottom in page[at:at + len(ending)]), (number, page[at:])


@pytest.mark.render
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed; .ci/run installs libreoffice-impress")
@pytest.mark.skipif(not POPPLER, reason="pdftotext and pdfinfo (poppler-utils) are not installed")
@pytest.mark.parametrize("kind", ["exemplar", "briefing"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_shipped_deck_as_slides_and_notes_pages(tmp_path, capsys, case, kind):
    name = f"{case.name}-{kind}.pptx"
    code, err, files = run_deck(tmp_path, capsys, "--pdf", "--kind", kind, name=name, case=case)
    assert code == 0, err
    out = tmp_path / "out"
    stem = name[:-5]
    assert files == sorted([name, f"{stem}.pdf", f"{stem}-notes.pdf"])
    check_notes_pages(out / name, out / f"{stem}.pdf", out / f"{stem}-notes.pdf")


@pytest.mark.render
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed; .ci/run installs libreoffice-impress")
@pytest.mark.skipif(not POPPLER, reason="pdftotext and pdfinfo (poppler-utils) are not installed")
def test_a_very_long_note_still_fits_its_page(tmp_path):
    """Notes four times the longest the kit writes: the page layout and font make room for them."""
    from clvedu.decks.accessibility import fit_notes_pages
    from clvedu.decks.build import build_deck

    deck = tmp_path / "long.pptx"
    build_deck(MINI, deck)
    prs = Presentation(str(deck))
    longest = max((s.notes_slide.notes_text_frame.text for s in prs.slides), key=len)
    prs.slides[2].notes_slide.notes_text_frame.text = "\n\n".join([longest] * 4) + "\n\nThe very end of it."
    fit_notes_pages(prs)
    prs.save(str(deck))
    profile = tmp_path / "profile"
    slides = deck_pdf.convert(SOFFICE, deck, tmp_path / "slides", deck_pdf.SLIDES_FILTER, profile)
    notes = deck_pdf.convert(SOFFICE, deck, tmp_path / "notes", deck_pdf.NOTES_FILTER, profile)
    check_notes_pages(deck, slides, notes)
