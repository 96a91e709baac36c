"""Small fixes to the pages Jupyter Book 1 writes: notebook downloads, and no console errors.

* Notebook downloads. sphinx-book-theme offers a chapter's executed ``.ipynb`` in its download menu
  only when a launch service (Binder, Colab, ...) is configured; this kit runs offline, so the
  notebook that MyST-NB executed (with its outputs, also when they came from the execution cache)
  is written into ``_sources`` here and offered the same way.
* Duplicate scripts. sphinx-thebe registers its inline configuration script on every
  ``env-before-read-docs`` event; when the execution cache triggers a second read, the page
  declares ``const THEBE_JS_URL`` twice and the browser reports a SyntaxError. Identical scripts
  are therefore written once.
* Alt text. A chart drawn by ``clvedu.charts.mpl.draw`` leaves its alt text (written from its chart
  specification: title and key figures) in the PNG output's metadata, ``metadata["image/png"]["alt"]``.
  MyST-NB reads only the width and height from there, so the alt is copied onto the image here, unless the
  page gave one itself (a ``{glue:figure}`` with ``:alt:``, or cell metadata).
* Accessible names and roles (what axe-core reports on the theme's pages). The search button's visible text
  ("Search Ctrl+K") must be part of its accessible name, so its shorter ``aria-label`` is dropped; the
  colour-mode button's icons are decorative (their tooltips are not its name); the navigation's
  expand/collapse toggles, which show only an arrow, get a name; bibliography entries use the
  role ``listitem`` that their ``role="list"`` container requires, in place of the deprecated
  ``doc-biblioentry``; the left sidebar becomes a labelled region, so no content lies outside a
  landmark. These are rewritten in the finished HTML, because they come from the theme's templates and
  from docutils, not from the pages.
"""

from __future__ import annotations

import re
from pathlib import Path

from kit_cache import execution_cache_path  # the sibling extension in book/_ext


GLUE_MIME = "application/papermill.record/"


def _with_outputs(notebook, cache_path: Path):
    """The notebook with its executed outputs, glue records left out.

    When MyST-NB takes a chapter from its execution cache it writes the notebook without outputs,
    so they are merged back from the cache (a student should see what each cell printed).
    """
    import nbformat

    if not any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code") and cache_path.exists():
        from jupyter_cache import get_cache

        try:
            _, notebook = get_cache(str(cache_path)).merge_match_into_notebook(notebook)
        except KeyError:
            pass  # not in the cache: offer the notebook as it is
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [out for out in cell.get("outputs", []) if not _is_glue_record(out)]
    return nbformat.writes(notebook)


def _is_glue_record(output) -> bool:
    """A value stored by ``glue(..., display=False)``: data for the book's text, nothing for a reader."""
    data = output.get("data")
    return bool(data) and all(key.startswith(GLUE_MIME) for key in data)


def _offer_notebook(app, pagename, templatename, context, doctree):
    import nbformat

    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file():
        return  # a plain Markdown page, not a notebook
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(_with_outputs(nbformat.read(executed, as_version=4), execution_cache_path(app)),
                      encoding="utf-8")
    context["ipynb_source"] = f"{pagename}.ipynb"


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen = set()
    unique = []
    for script in scripts:
        # the same inline script may be registered once with filename None and once with ""
        key = (getattr(script, "filename", str(script)) or "", getattr(script, "attributes", {}).get("body", ""))
        if key in seen:
            continue
        seen.add(key)
        unique.append(script)
    context["script_files"] = unique


def _alt_from_output_metadata() -> None:
    """Let MyST-NB's image renderer take ``alt`` from the output's metadata (see the module docstring)."""
    from docutils import nodes
    from myst_nb.core.render import NbElementRenderer

    original = NbElementRenderer.render_image
    if getattr(original, "clvedu_alt", False):
        return

    def render_image(self, data):
        rendered = original(self, data)
        alt = (data.output_metadata or {}).get(data.mime_type, {}).get("alt")
        if alt:
            for node in rendered:
                if isinstance(node, nodes.image) and not node.get("alt"):
                    node["alt"] = " ".join(str(alt).split())
        return rendered

    render_image.clvedu_alt = True
    NbElementRenderer.render_image = render_image


HTML_FIXES = (
    # (what to find, what to write instead): each leaves a page it has already fixed unchanged
    (re.compile(r'(<button class="btn search-button-field[^"]*"[^>]*?) aria-label="Search"'), r"\1"),
    (re.compile(r'(<i class="theme-switch [^"]*"(?![^>]*aria-hidden))'), r'\1 aria-hidden="true"'),
    # Font Awesome turns an icon's title into an SVG <title>, which would count as the button's text
    (re.compile(r'(<i class="theme-switch [^>]*?) title="[^"]*"'), r"\1"),
    # the navigation's expand/collapse toggles hold only an icon: give them a name
    (re.compile(r'<summary>(<span class="toctree-toggle")'), r'<summary aria-label="Show or hide the pages of this part">\1'),
    (re.compile(r'role="doc-biblioentry"'), 'role="listitem"'),
    # the left sidebar (title, search field, contents) as one labelled landmark, so nothing lies outside one
    (re.compile(r'(<div id="pst-primary-sidebar" class="bd-sidebar-primary bd-sidebar")>'),
     r'\1 role="region" aria-label="Book contents and search">'),
)


def fix_html(text: str) -> str:
    """``text`` (a built page) with the accessibility fixes of the module docstring applied."""
    for pattern, replacement in HTML_FIXES:
        text = pattern.sub(replacement, text)
    return text


def _fix_written_pages(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in outdir.rglob("*.html"):
        if {"_static", "_sources"} & set(page.relative_to(outdir).parts):
            continue
        text = page.read_text(encoding="utf-8")
        fixed = fix_html(text)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")


def setup(app):
    _alt_from_output_metadata()
    app.connect("build-finished", _fix_written_pages)
    # before sphinx-book-theme builds its header buttons (priority 501)
    app.connect("html-page-context", _offer_notebook, priority=500)
    app.connect("html-page-context", _drop_duplicate_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
