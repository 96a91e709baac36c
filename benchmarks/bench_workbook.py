"""How long writing each shipped case's CLV workbook takes (``clvedu workbook``), and one whole process.

In process: best of 5, split into the case analysis, the layout (every formula and its value) and
XlsxWriter writing the file. Goal: under 1 s per workbook in process, under 2 s as a whole process.
Run: .venv/bin/python benchmarks/bench_workbook.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ["netflix_vs_prime_video", "asos_vs_boohoo", "adp_vs_paychex"]
CLVEDU = Path(sys.executable).with_name("clvedu")


def best_of(repeats: int, call) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    from clvedu.analysis import analyse_case
    from clvedu.cases import load_case
    from clvedu.workbook import build_workbook
    from clvedu.workbook.formula import Expr
    from clvedu.workbook.layout import workbook_layout
    from clvedu.workbook.writer import write_workbook

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"{'case':<24} {'formulas':>8} {'analysis':>9} {'layout':>8} {'write':>8} {'whole':>8}")
        for name in CASES:
            path = ROOT / "case_studies" / name
            case = load_case(path)
            analysis = analyse_case(case, load_journey=False)
            layout = workbook_layout(analysis)
            formulas = sum(isinstance(c.content, Expr) for s in layout.sheets for c in s.cells.values())
            t_analysis = best_of(5, lambda: analyse_case(case, load_journey=False))
            t_layout = best_of(5, lambda: workbook_layout(analysis))
            t_write = best_of(5, lambda: write_workbook(layout, folder / f"{name}-w.xlsx"))
            t_whole = best_of(5, lambda: build_workbook(path, folder / f"{name}.xlsx", overwrite=True))
            verdict = "ok" if t_whole < 1.0 else "SLOW"
            print(f"{name:<24} {formulas:>8} {t_analysis:>8.3f}s {t_layout:>7.3f}s {t_write:>7.3f}s "
                  f"{t_whole:>7.3f}s  (goal < 1 s) {verdict}")
        times = []
        for i in range(3):
            start = time.perf_counter()
            subprocess.run([str(CLVEDU), "workbook", "--case", str(ROOT / "case_studies" / CASES[0]), "--out",
                            str(folder / f"process-{i}.xlsx")], check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        best = min(times)
        print(f"whole `clvedu workbook` process, {CASES[0]} (best of 3): {best:.2f} s  (goal < 2 s) "
              f"{'ok' if best < 2.0 else 'SLOW'}")


if __name__ == "__main__":
    main()
