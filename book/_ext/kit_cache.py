"""Re-execute the chapters when the kit or the case data change, not only when a chapter does.

Jupyter Book's execution cache keys each notebook on its own cells. A chapter's numbers also
depend on the ``clvedu`` package, the case folders, the templates and the rubric resources, so a
fingerprint of those files is kept beside the cache; when it differs, the cache is cleared before
anything is read and every page is read (so every chapter runs) again. An unchanged kit keeps the
fast cached rebuild.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

WATCHED = ("clvedu", "case_studies", "templates")
SUFFIXES = {".py", ".yaml", ".yml", ".csv"}


def kit_fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    for part in WATCHED:
        for path in sorted((root / part).rglob("*")):
            if path.suffix in SUFFIXES and path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def execution_cache_path(app) -> Path:
    """Where MyST-NB keeps its execution cache: the configured path, else its default beside the HTML."""
    configured = app.config.nb_execution_cache_path
    cache = Path(configured) if configured else Path(app.outdir).parent / ".jupyter_cache"
    return cache if cache.is_absolute() else Path(app.srcdir) / cache


def _clear_stale_cache(app) -> None:
    book = Path(app.srcdir)
    cache = execution_cache_path(app)
    stamp = cache.parent / ".kit-fingerprint"
    current = kit_fingerprint(book.parent)
    if stamp.is_file() and stamp.read_text() == current and cache.exists():
        return
    app.kit_changed = True
    if cache.exists():
        shutil.rmtree(cache)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current)


def _reread_everything(app, env, added, changed, removed):
    # Sphinx re-reads only pages whose source changed; a changed kit changes every page's numbers
    return sorted(env.found_docs) if getattr(app, "kit_changed", False) else []


def setup(app):
    app.connect("builder-inited", _clear_stale_cache)
    app.connect("env-get-outdated", _reread_everything)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
