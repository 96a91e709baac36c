"""The whole book as one PDF, offline: ``python book/_ext/book_pdf.py HTML_DIR --out book.pdf``.

``make book-pdf`` runs it on the built book. Jupyter Book's own single-page and LaTeX routes need either a
LaTeX installation or a builder that trips over the chapters' hidden code cells, so the PDF is printed
from the HTML the students read, by headless Chromium (through playwright, the ``dev`` extra):

1. every page of ``_toc.yml``, in its order, is opened from a local web server (nothing leaves the
   machine), its dropdowns (exercise solutions, boxes of figures) are opened, and it is printed to A4 with
   the book's print styles (no navigation or buttons; see ``book/_static/clvedu.css``);
2. a title and contents page is written from the table of contents and the number of pages each printed
   page took, with each chapter's first page;
3. the parts are joined with pypdf, every page gets its number at the foot (a page of numbers printed by
   Chromium, laid over it), the contents lines link to their pages, links that pointed at the local server
   become links inside the PDF (or are dropped), and the PDF gets bookmarks for every part and chapter.

Not a Sphinx extension: ``_config.yml`` does not load it. It lives here beside the book's other machinery.
"""

from __future__ import annotations

import argparse
import functools
import html as html_text
import http.server
import io
import shutil
import sys
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

PAGE = {"format": "A4", "margin": {"top": "16mm", "bottom": "20mm", "left": "16mm", "right": "16mm"}}
PRINT_WIDTH_PX = round((210 - 32) / 25.4 * 96)  # the width between the margins, in CSS pixels
CSS_PX_PER_PT = 96 / 72

OPEN_EVERYTHING = """() => {
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
  document.querySelectorAll('details').forEach(d => { d.open = true; });
}"""

WAIT_FOR_MATH = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  await document.fonts.ready;
}"""


class BookPdfError(Exception):
    """A one-line reason the PDF could not be made."""


@dataclass
class Entry:
    """One page of the book in contents order: its document name, title, part and depth."""

    docname: str
    part: str
    depth: int = 0
    title: str = ""
    first_page: int = 0  # 0-based index in the final PDF
    pages: int = 0
    children: list["Entry"] = field(default_factory=list)


def toc_entries(book: Path) -> list[Entry]:
    """The pages of ``book/_toc.yml`` in reading order (root first), each with its part caption."""
    import yaml

    toc_file = book / "_toc.yml"
    try:
        toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise BookPdfError(f"{toc_file}: cannot read the table of contents ({exc})") from None
    if not isinstance(toc, dict) or "root" not in toc:
        raise BookPdfError(f"{toc_file}: no 'root' page")
    entries = [Entry(str(toc["root"]), part="")]

    def walk(items, part, depth):
        for item in items or []:
            if isinstance(item, dict) and "file" in item:
                entries.append(Entry(str(item["file"]), part=part, depth=depth))
                walk(item.get("sections"), part, depth + 1)

    for part in toc.get("parts", []):
        walk(part.get("chapters"), str(part.get("caption", "")), 0)
    walk(toc.get("chapters"), "", 0)
    return entries


def _serve(folder: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise BookPdfError("Chromium is not installed (Debian package 'chromium'); it prints the book's pages")
    return found


def _contents_html(title: str, entries: list[Entry], css_href: str) -> str:
    rows, part = [], None
    for i, e in enumerate(entries):
        if e.part != part and e.part:
            rows.append(f'<tr class="part"><td colspan="2">{html_text.escape(e.part)}</td></tr>')
        part = e.part
        rows.append(f'<tr class="depth{e.depth}" data-entry="{i}"><td>{html_text.escape(e.title)}</td>'
                    f'<td class="page">{e.first_page + 1 if e.first_page else ""}</td></tr>')
    return f"""<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{html_text.escape(title)}</title>
<link rel="stylesheet" href="{css_href}">
<style>
 body {{ font-family: system-ui, "DejaVu Sans", sans-serif; color: #222; font-variant-ligatures: none; }}
 h1 {{ font-size: 24pt; margin: 0 0 3mm; }}
 .sub {{ color: #444; margin-bottom: 8mm; }}
 h2 {{ font-size: 15pt; margin: 0 0 3mm; }}
 table {{ width: 100%; border-collapse: collapse; font-size: 10.5pt; }}
 td {{ padding: 0.9mm 0; border-bottom: 0.2mm dotted #999; }}
 tr {{ break-inside: avoid; }}
 td.page {{ text-align: right; width: 14mm; }}
 tr.part td {{ font-weight: bold; padding-top: 3mm; border-bottom: none; }}
 tr.depth1 td:first-child {{ padding-left: 6mm; }}
</style></head><body>
<h1>{html_text.escape(title)}</h1>
<p class="sub">Printed from the book's web pages on {date.today():%d %B %Y}. Every number in it was computed by the
clvedu kit from the case data when the book was built.</p>
<h2>Contents</h2>
<table>{''.join(rows)}</table>
</body></html>"""


def _numbers_html(count: int, skip: int) -> str:
    """An A4 document of ``count`` pages with only a page number at the foot of each (none on the first ``skip``)."""
    pages = "".join(f'<div class="p"><span>{n + 1 if n >= skip else ""}</span></div>' for n in range(count))
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><style>
 @page {{ size: A4; margin: 0; }}
 html, body {{ margin: 0; }}
 .p {{ height: 297mm; width: 210mm; position: relative; break-after: page; overflow: hidden; }}
 .p span {{ position: absolute; bottom: 9mm; width: 100%; text-align: center;
           font: 9pt "DejaVu Sans", sans-serif; color: #555; }}
</style></head><body>{pages}</body></html>"""


def _fix_links(writer, base: str, page_of: dict[str, int]) -> None:
    """Links to the local server become links to the page in the PDF where that page starts, or are removed."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    for page in writer.pages:
        annots = page.get("/Annots")
        if not annots:
            continue
        kept = ArrayObject()
        for ref in annots.get_object():
            annot = ref.get_object()
            action = annot.get("/A")
            uri = str(action.get_object().get("/URI", "")) if action is not None else ""
            if not uri.startswith(base):
                kept.append(ref)
                continue
            target = uri[len(base):].split("#", 1)[0].split("?", 1)[0]
            index = page_of.get(target)
            if index is None:
                continue  # a link into the site that the PDF does not hold (search, index): dropped
            annot[NameObject("/A")] = DictionaryObject({
                NameObject("/S"): NameObject("/GoTo"),
                NameObject("/D"): ArrayObject([writer.pages[index].indirect_reference, NameObject("/Fit")]),
            })
            kept.append(ref)
        page[NameObject("/Annots")] = kept


def build_pdf(html_dir: Path, out: Path, *, book: Path | None = None, title: str | None = None) -> Path:
    """Print the built book in ``html_dir`` (its ``_toc.yml`` read from ``book``) to ``out``; return ``out``."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
        from pypdf import PdfReader, PdfWriter
        from pypdf.annotations import Link
        from pypdf.generic import Fit
    except ImportError as exc:
        raise BookPdfError(f"{exc.name} is missing: install the dev extra (pip install -e '.[dev]')") from None
    html_dir = Path(html_dir)
    book = Path(book) if book else html_dir.parents[1]
    entries = toc_entries(book)
    missing = [e.docname for e in entries if not (html_dir / f"{e.docname}.html").is_file()]
    if missing:
        raise BookPdfError(f"{html_dir}: pages of the table of contents not built: {', '.join(missing)}")
    if title is None:
        import yaml

        config = yaml.safe_load((book / "_config.yml").read_text(encoding="utf-8")) or {}
        title = str(config.get("title", "The book"))
    server, base = _serve(html_dir)
    printed: list[bytes] = []
    try:
        with sync_playwright() as p:
            try:
                browser = p.chromium.launch(executable_path=_chromium(), args=[
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-quic"])
            except PlaywrightError as exc:
                raise BookPdfError(f"Chromium would not start: {str(exc).splitlines()[0]}") from None
            page = browser.new_page(viewport={"width": PRINT_WIDTH_PX, "height": 1100})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith((base, "data:")) else r.abort())
            page.emulate_media(media="print")
            for e in entries:
                page.goto(base + f"{e.docname}.html", wait_until="networkidle")
                page.evaluate(WAIT_FOR_MATH)
                page.evaluate(OPEN_EVERYTHING)
                e.title = (page.inner_text("article h1") if page.query_selector("article h1") else e.docname)
                e.title = e.title.replace("#", "").strip()
                pdf = page.pdf(print_background=True, **PAGE)
                e.pages = len(PdfReader(io.BytesIO(pdf)).pages)
                printed.append(pdf)

            def contents(first_page_of_body: int) -> bytes:
                start = first_page_of_body
                for e in entries:
                    e.first_page = start
                    start += e.pages
                page.set_content(_contents_html(title, entries, base + "_static/clvedu.css"), wait_until="load")
                return page.pdf(print_background=True, **PAGE)

            draft = contents(1)
            front_pages = len(PdfReader(io.BytesIO(draft)).pages)
            front = contents(front_pages)
            rows = page.eval_on_selector_all(
                "tr[data-entry]", "rs => rs.map(r => { const b = r.getBoundingClientRect();"
                " return [Number(r.dataset.entry), b.left, b.top + window.scrollY, b.width, b.height]; })")
            total = front_pages + sum(e.pages for e in entries)
            page.set_content(_numbers_html(total, skip=front_pages), wait_until="load")
            numbers = page.pdf(width="210mm", height="297mm", margin={"top": "0", "bottom": "0", "left": "0",
                                                                      "right": "0"})
            browser.close()
    finally:
        server.shutdown()

    writer = PdfWriter()
    for blob in [front, *printed]:
        writer.append(PdfReader(io.BytesIO(blob)))
    stamps = PdfReader(io.BytesIO(numbers)).pages
    for i, pdf_page in enumerate(writer.pages):
        if i < len(stamps):
            pdf_page.merge_page(stamps[i])
    _fix_links(writer, base, {f"{e.docname}.html": e.first_page for e in entries})
    # the contents lines link to their pages: CSS pixels on the contents page(s) -> PDF points
    page_height_pt = float(writer.pages[0].mediabox.height)
    top_mm, left_mm = 16, 16
    usable_px = (297 - 16 - 20) / 25.4 * 96
    for index, left, top, width, height in rows:
        sheet = int(top // usable_px)
        y_top_pt = page_height_pt - (top_mm / 25.4 * 72) - (top - sheet * usable_px) / CSS_PX_PER_PT
        x_pt = left_mm / 25.4 * 72 + left / CSS_PX_PER_PT
        rect = (x_pt, y_top_pt - height / CSS_PX_PER_PT, x_pt + width / CSS_PX_PER_PT, y_top_pt)
        if sheet < front_pages:
            writer.add_annotation(sheet, Link(rect=rect, target_page_index=entries[index].first_page,
                                              fit=Fit.fit()))
    # bookmarks: one per part, the chapters inside it
    parent_of: dict[str, object] = {}
    for e in entries:
        parent = None
        if e.part:
            if e.part not in parent_of:
                parent_of[e.part] = writer.add_outline_item(title=e.part, page_number=e.first_page)
            parent = parent_of[e.part]
        writer.add_outline_item(title=e.title, page_number=e.first_page, parent=parent)
    writer.add_metadata({"/Title": title, "/Author": "clvedu contributors", "/Lang": "en-GB"})
    writer.page_mode = "/UseOutlines"
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with open(tmp, "wb") as fh:
        writer.write(fh)
    tmp.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the built book (its HTML) to one PDF with a contents page.")
    parser.add_argument("html", type=Path, help="the built HTML folder, e.g. book/_build/html")
    parser.add_argument("--out", type=Path, required=True, help="the PDF to write")
    parser.add_argument("--book", type=Path, default=None, help="the book's source folder (default: two levels up)")
    args = parser.parse_args(argv)
    try:
        out = build_pdf(args.html, args.out, book=args.book)
    except BookPdfError as exc:
        print(f"book-pdf: {exc}", file=sys.stderr)
        return 2
    print(f"book PDF: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
