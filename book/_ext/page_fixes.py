"""Small fixes to the pages Jupyter Book 1 writes: notebook downloads, and no console errors.

* Notebook downloads. sphinx-book-theme offers a chapter's executed ``.ipynb`` in its download menu
  only when a launch service (Binder, Colab, ...) is configured; this kit runs offline, so the
  notebook that MyST-NB executed is copied into ``_sources`` here and offered the same way.
* Duplicate scripts. sphinx-thebe registers its inline configuration script on every
  ``env-before-read-docs`` event; when the execution cache triggers a second read, the page
  declares ``const THEBE_JS_URL`` twice and the browser reports a SyntaxError. Identical scripts
  are therefore written once.
"""

from __future__ import annotations

from pathlib import Path
from shutil import copy2


def _offer_notebook(app, pagename, templatename, context, doctree):
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file():
        return  # a plain Markdown page, not a notebook
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    copy2(executed, target)
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
