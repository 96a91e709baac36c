"""``make book-pdf``: the whole book as one PDF, printed offline from the session's build by headless Chromium.

Checks: the first page is a contents page naming every page of the table of contents (titles read here from
the Markdown sources, not from the PDF's own bookmarks) with page numbers that rise through the book; each
chapter takes one or more pages and the page its number points to carries the chapter's title and text from
the chapter; pages are numbered at the foot; the bookmarks hold every chapter; no link points at the local
server the pages were printed from.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
sys.path.insert(0, str(BOOK / "_ext"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.render,
    pytest.mark.book,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs Debian's chromium)"),
]
pytest.importorskip("playwright.sync_api", reason="playwright is part of the dev extra")
pypdf = pytest.importorskip("pypdf", reason="pypdf is part of the dev extra")


def _first_heading(source: Path) -> str:
    in_code = False
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("# "):
            return line[2:].strip()
    raise AssertionError(f"{source} has no title")


def _toc_files() -> list[str]:
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(items):
        for item in items or []:
            files.append(item["file"])
            walk(item.get("sections"))

    for part in toc["parts"]:
        walk(part["chapters"])
    return files


def _words(text: str) -> str:
    """Text as a run of lower-case words: PDF text breaks lines and uses ligatures (ﬁ) and curly quotes."""
    for ligature, letters in {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "’": "'", "‘": "'"}.items():
        text = text.replace(ligature, letters)
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def _body_sentence(source: Path) -> str:
    """The first eight words of ordinary prose in a page (no glue, roles, code or Markdown markup in them)."""
    text = source.read_text(encoding="utf-8")
    if text.startswith("---"):
        text = text.split("\n---", 1)[1]
    in_code = False
    for line in text.splitlines():
        if line.startswith(("```", ":::")):
            in_code = not in_code
            continue
        if in_code or not line.strip() or line.startswith(("#", "|", "-", ">", ":", "(", "*", "1.", " ")):
            continue
        if re.search(r"[{}`$\[\]*_<]", line) or len(line.split()) < 8:
            continue
        return " ".join(line.split()[:8])
    return ""


@pytest.fixture(scope="module")
def book_pdf(built_book, tmp_path_factory):
    from book_pdf import build_pdf

    out = tmp_path_factory.mktemp("pdf") / "book.pdf"
    build_pdf(built_book / "html", out, book=BOOK)
    return pypdf.PdfReader(str(out))


def test_contents_page_lists_every_page_with_rising_page_numbers(book_pdf):
    files = _toc_files()
    front = _words(" ".join(book_pdf.pages[i].extract_text() for i in range(2)))
    assert "contents" in front
    numbers = []
    for name in files:
        title = _words(_first_heading(BOOK / f"{name}.md"))
        m = re.search(re.escape(title) + r" (\d+)", front)
        assert m, f"the contents page does not list {title!r}"
        numbers.append(int(m[1]))
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers), numbers
    assert numbers[-1] <= len(book_pdf.pages)


def test_each_chapter_starts_on_its_page_and_holds_its_text(book_pdf):
    files = _toc_files()
    front = _words(" ".join(book_pdf.pages[i].extract_text() for i in range(2)))
    starts = []
    for name in files:
        title = _words(_first_heading(BOOK / f"{name}.md"))
        starts.append(int(re.search(re.escape(title) + r" (\d+)", front)[1]) - 1)
    ends = starts[1:] + [len(book_pdf.pages)]
    for name, start, end in zip(files, starts, ends):
        source = BOOK / f"{name}.md"
        assert end > start, f"{name} has no page"
        first = _words(book_pdf.pages[start].extract_text())
        assert _words(_first_heading(source)) in first, f"page {start + 1} does not start {name}"
        sentence = _words(_body_sentence(source))
        if sentence:
            text = _words(" ".join(book_pdf.pages[i].extract_text() for i in range(start, end)))
            assert sentence in text, f"{name}: {sentence!r} not found on pages {start + 1}-{end}"


def test_pages_are_numbered_and_bookmarked_and_links_stay_inside(book_pdf):
    n = len(book_pdf.pages)
    for i in (n // 3, n // 2, n - 1):
        lines = [line.strip() for line in book_pdf.pages[i].extract_text().splitlines() if line.strip()]
        assert str(i + 1) in lines, f"page {i + 1} does not show its number"

    def titles(outline):
        for item in outline:
            if isinstance(item, list):
                yield from titles(item)
            else:
                yield _words(item.title)

    marks = set(titles(book_pdf.outline))
    for name in _toc_files():
        assert _words(_first_heading(BOOK / f"{name}.md")) in marks, f"no bookmark for {name}"
    for page in book_pdf.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            uri = str(action.get_object().get("/URI", "")) if action is not None else ""
            assert "127.0.0.1" not in uri, f"a link points at the print server: {uri}"
