"""Small fixes to the pages Jupyter Book 1 writes: notebook downloads, and no console errors.

* Notebook downloads. sphinx-book-theme offers a chapter's executed ``.ipynb`` in its download menu
  only when a launch service (Binder, Colab, ...) is configured; this kit runs offline, so the
  notebook that MyST-NB executed (with its outputs, also when they came from the execution cache)
  is written into ``_sources`` here and offered the same way.
* Duplicate scripts. sphinx-thebe registers its inline configuration script on every
  ``env-before-read-docs`` event; when the execution cache triggers a second read, the page
  declares ``const THEBE_JS_URL`` twice and the browser reports a SyntaxError. Identical scripts
  are therefore written once.
"""

from __future__ import annotations

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


def setup(app):
    # before sphinx-book-theme builds its header buttons (priority 501)
    app.connect("html-page-context", _offer_notebook, priority=500)
    app.connect("html-page-context", _drop_duplicate_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
