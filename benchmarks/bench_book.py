"""Book build speed: a cold build (every chapter executed) and a cached rebuild (nothing changed).

Goals (issue 6): cold at most 120 s, cached at most 20 s, on the project's 2-core machine. The
book is built into a temporary copy, so the working tree's own build and execution cache are left
alone. Run: .venv/bin/python benchmarks/bench_book.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")


def build(book: Path) -> float:
    start = time.perf_counter()
    subprocess.run([str(JUPYTER_BOOK), "build", str(book), "-W", "--keep-going"], check=True,
                   capture_output=True, cwd=book.parent)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "kit"
        copy.mkdir()
        # chapters find the case through the repository layout, so copy what they read
        for part in ("book", "case_studies", "templates"):
            shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("_build", "synthetic"))
        cold = build(copy / "book")
        cached = build(copy / "book")
    print(f"book, cold build (all chapters executed): {cold:6.1f} s  (goal <= 120 s)  {'ok' if cold <= 120 else 'SLOW'}")
    print(f"book, cached rebuild (nothing changed):   {cached:6.1f} s  (goal <= 20 s)   {'ok' if cached <= 20 else 'SLOW'}")


if __name__ == "__main__":
    main()
