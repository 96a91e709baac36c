"""Variants for a class: 200 students on the Netflix case (variants, HTML data sheets and the answer key,
no PDF) as a whole `clvedu variants` process, goal < 60 s; and, when LibreOffice with Writer is installed,
the PDF conversion of 30 data sheets (no goal: LibreOffice's own speed).
Run: .venv/bin/python benchmarks/bench_variants.py"""

from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "case_studies" / "netflix_vs_prime_video"
CLVEDU = Path(sys.executable).with_name("clvedu")
GOAL = 60.0


def roster(path: Path, students: int) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle)
        w.writerow(["student_id", "name", "group"])
        for i in range(1, students + 1):
            w.writerow([f"HND{i:05d}", f"Student {i}", f"G{i % 8 + 1}"])
    return path


def run(folder: Path, students: int, *pdf: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run([str(CLVEDU), "variants", "--case", str(CASE), "--roster",
                           str(roster(folder / "class.csv", students)), "--out", str(folder / "out"), "--seed", "1",
                           *pdf], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"clvedu variants failed (exit {proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}")
    return time.perf_counter() - start


def main() -> None:
    from clvedu.variants.sheet import soffice_path, writer_missing

    with tempfile.TemporaryDirectory() as tmp:
        two_hundred = run(Path(tmp), 200, "--no-pdf")
    print(f"200 students, variants + HTML data sheets + answer key, whole process: {two_hundred:.1f} s  "
          f"(goal < {GOAL:.0f} s)  {'ok' if two_hundred < GOAL else 'SLOW'}")
    soffice = soffice_path()
    if soffice and not writer_missing(soffice):
        with tempfile.TemporaryDirectory() as tmp:
            thirty = run(Path(tmp), 30)
        print(f"30 students with PDF data sheets (one LibreOffice run):              {thirty:.1f} s")
    else:
        print("30 students with PDF data sheets: skipped (LibreOffice with Writer is not installed)")


if __name__ == "__main__":
    main()
