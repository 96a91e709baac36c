"""Deck generation speed: one deck as a whole `clvedu deck` process (goal < 1.5 s) and 30 decks in
one process (goal < 20 s). Run: .venv/bin/python benchmarks/bench_decks.py"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "case_studies" / "netflix_vs_prime_video"
CLVEDU = Path(sys.executable).with_name("clvedu")


def one_deck_process(folder: Path, runs: int = 3) -> float:
    times = []
    for i in range(runs):
        start = time.perf_counter()
        subprocess.run([str(CLVEDU), "deck", "--case", str(CASE), "--out", str(folder / f"one-{i}.pptx")],
                       check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def thirty_decks(folder: Path) -> float:
    from clvedu.decks.build import build_deck

    start = time.perf_counter()
    for i in range(30):
        build_deck(CASE, folder / f"many-{i}.pptx", kind="exemplar" if i % 2 == 0 else "briefing")
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        one = one_deck_process(folder)
        many = thirty_decks(folder)
    print(f"one deck, whole process (median of 3): {one:.2f} s  (goal < 1.5 s)  {'ok' if one < 1.5 else 'SLOW'}")
    print(f"30 decks in one process:              {many:.2f} s  (goal < 20 s)   {'ok' if many < 20 else 'SLOW'}")


if __name__ == "__main__":
    main()
