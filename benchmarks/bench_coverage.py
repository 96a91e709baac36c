"""Coverage of a class: 200 decks in one folder, as a whole `clvedu coverage FOLDER --csv` process, goal < 30 s.

Two runs: 200 copies of the Netflix exemplar deck (coverage only); and 200 copies of a mini-case deck named
after the students of a 200-student `clvedu variants` answer key, with `--answers` (every deck matched to
its student and searched for every student's figures). Building the decks and the key is not timed.
Run: .venv/bin/python benchmarks/bench_coverage.py"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NETFLIX = ROOT / "case_studies" / "netflix_vs_prime_video"
MINI = ROOT / "tests" / "fixtures" / "cases" / "mini"
CLVEDU = Path(sys.executable).with_name("clvedu")
DECKS = 200
GOAL = 30.0


def clvedu(*args: str, ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    proc = subprocess.run([str(CLVEDU), *args], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode not in ok:
        sys.exit(f"clvedu {args[0]} failed (exit {proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}")
    return seconds


def copies(deck: Path, folder: Path, names: list[str]) -> Path:
    folder.mkdir()
    for name in names:
        shutil.copy(deck, folder / f"{name}_talk.pptx")
    return folder


def report(label: str, seconds: float) -> None:
    print(f"{label}: {seconds:.1f} s  (goal < {GOAL:.0f} s)  {'ok' if seconds < GOAL else 'SLOW'}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        clvedu("deck", "--case", str(NETFLIX), "--out", str(tmp / "netflix.pptx"))
        folder = copies(tmp / "netflix.pptx", tmp / "netflix_class", [f"HND{i:05d}" for i in range(1, DECKS + 1)])
        seconds = clvedu("coverage", str(folder), "--csv", str(tmp / "netflix.csv"))
        report(f"{DECKS} decks (Netflix exemplar), table and CSV, whole process", seconds)

        roster = tmp / "roster.csv"
        ids = [f"HND{i:05d}" for i in range(1, DECKS + 1)]
        with open(roster, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["student_id", "name"])
            writer.writerows([sid, f"Student {sid}"] for sid in ids)
        clvedu("variants", "--case", str(MINI), "--roster", str(roster), "--out", str(tmp / "variants"),
               "--seed", "1", "--no-pdf")
        clvedu("deck", "--case", str(tmp / "variants" / ids[0]), "--out", str(tmp / "mini.pptx"))
        folder = copies(tmp / "mini.pptx", tmp / "mini_class", ids)
        seconds = clvedu("coverage", str(folder), "--answers", str(tmp / "variants" / "answer_key.csv"),
                         "--csv", str(tmp / "mini.csv"), ok=(1,))  # 199 decks show another student's figures
        with open(tmp / "mini.csv", newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        traced = sum(ids[0] in r["other_students_figures"] for r in rows if r["student_id"] != ids[0])
        report(f"{DECKS} decks with --answers ({DECKS}-student key), table and CSV, whole process", seconds)
        print(f"  {traced} of {DECKS - 1} copies of {ids[0]}'s deck under other students' names name {ids[0]}")


if __name__ == "__main__":
    main()
