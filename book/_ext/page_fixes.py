"""Small fixes to the pages Jupyter Book 1 writes, so they load with no console errors.

sphinx-thebe registers its inline configuration script on every ``env-before-read-docs`` event; when
the execution cache triggers a second read, the page declares ``const THEBE_JS_URL`` twice and the
browser reports a SyntaxError. Identical scripts are therefore written once.
"""

from __future__ import annotations


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
    app.connect("html-page-context", _drop_duplicate_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
