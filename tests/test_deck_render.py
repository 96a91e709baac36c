"""Both decks of every shipped case open in LibreOffice and give one PDF page per slide."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pptx import Presentation

from clvedu.decks.build import build_deck

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted(p for p in (ROOT / "case_studies").iterdir() if (p / "case.yaml").is_file())

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = [
    pytest.mark.render,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed; .ci/run installs libreoffice-impress"),
]


def pdf_pages(pdf: Path) -> int:
    data = pdf.read_bytes()
    # count page objects (/Type /Page, not /Pages) in the PDF LibreOffice writes
    return data.count(b"/Type/Page") - data.count(b"/Type/Pages") or \
        data.count(b"/Type /Page") - data.count(b"/Type /Pages")


def test_both_decks_convert_with_one_page_per_slide(tmp_path):
    assert len(CASES) >= 3  # a subscription, a repeat-purchase and a contract case ship with the kit
    decks = []
    for case in CASES:
        for kind in ("exemplar", "briefing"):
            out = tmp_path / f"{case.name}-{kind}.pptx"
            build_deck(case, out, kind=kind)
            decks.append(out)
    proc = subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--convert-to", "pdf",
         "--outdir", str(tmp_path), *map(str, decks)],
        capture_output=True, text=True, timeout=480)
    assert proc.returncode == 0, proc.stderr
    for deck in decks:
        pdf = deck.with_suffix(".pdf")
        assert pdf.is_file(), f"LibreOffice did not convert {deck.name}: {proc.stdout} {proc.stderr}"
        assert pdf_pages(pdf) == len(Presentation(str(deck)).slides)
