"""Time clvedu's models and RFM summary against the lifetimes package; print times and ratios.

Goals (issue 3): BG/NBD fit on CDNOW at most half of lifetimes' time; RFM summary of CDNOW's full
transaction log no slower than lifetimes; sBG fit plus DERL under 10 ms; BG/NBD fit on one million
simulated customers under 3 s. Each timing is the best of several runs after a warm-up run.
Run: ``.venv/bin/python benchmarks/bench_models.py``.

The CDNOW data come from ``tests/reference/``. lifetimes is not a dependency of the kit: when it is
installed (``.venv/bin/python -m pip install lifetimes``) its times and the ratios are printed; when it
is not, clvedu's times are printed and each ratio line says "lifetimes not installed: ratio skipped".
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

REFERENCE = Path(__file__).resolve().parents[1] / "tests" / "reference"
NO_LIFETIMES = "lifetimes not installed: ratio skipped"


def best_of(fn, repeats: int = 5) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    from clvedu.data import rfm_summary
    from clvedu.models import BetaGeoNBD, ShiftedBetaGeometric

    warnings.simplefilter("ignore")
    try:
        from lifetimes import BetaGeoFitter
        from lifetimes.utils import summary_data_from_transaction_data
    except ImportError:
        BetaGeoFitter = summary_data_from_transaction_data = None
    rows = []

    summary = pd.read_csv(REFERENCE / "cdnow_summary.csv", index_col=0)
    x, tx, T = summary["frequency"], summary["recency"], summary["T"]
    ours = best_of(lambda: BetaGeoNBD.fit(x, tx, T))
    theirs = best_of(lambda: BetaGeoFitter().fit(x, tx, T)) if BetaGeoFitter else NO_LIFETIMES
    rows.append(("BG/NBD fit, CDNOW (2,357 customers)", ours, theirs, "ratio <= 0.5"))

    log = pd.read_csv(REFERENCE / "CDNOW_master.txt.gz", sep=r"\s+", header=0,
                      names=["customer_id", "date", "quantity", "value"], dtype={"customer_id": str, "date": str})
    log["date"] = pd.to_datetime(log["date"], format="%Y%m%d")
    ours = best_of(lambda: rfm_summary(log, "customer_id", "date", "value", observation_end="1998-06-30"), 3)
    theirs = best_of(lambda: summary_data_from_transaction_data(
        log, "customer_id", "date", "value", observation_period_end="1998-06-30", freq="W"), 3) \
        if summary_data_from_transaction_data else NO_LIFETIMES
    rows.append((f"RFM summary, CDNOW log ({len(log):,} rows)", ours, theirs, "ratio <= 1"))

    regular = [1000, 631, 468, 382, 326, 289, 262, 241]

    def sbg_and_derl():
        model = ShiftedBetaGeometric.fit(regular, period="year")
        model.derl(0.10, renewals=np.arange(12))

    rows.append(("sBG fit + DERL (8-year curve)", best_of(sbg_and_derl, 20), None, "< 10 ms"))

    rng = np.random.default_rng(0)
    n = 1_000_000
    lam = rng.gamma(0.25, 1 / 4.4, n)
    p = rng.beta(0.8, 2.4, n)
    big_t = rng.integers(27, 40, n).astype(float)
    # Whole-week recency, as rfm_summary produces it, drawn from the BG/NBD process.
    freq = np.zeros(n)
    last = np.zeros(n)
    clock = np.zeros(n)
    alive = np.ones(n, bool)
    while alive.any():
        clock[alive] += rng.exponential(1 / np.maximum(lam[alive], 1e-12))
        alive &= clock < big_t
        freq[alive] += 1
        last[alive] = np.floor(clock[alive])
        alive &= rng.random(n) >= p
    rows.append(("BG/NBD fit, 1,000,000 simulated customers",
                 best_of(lambda: BetaGeoNBD.fit(freq, last, big_t), 2), None, "< 3 s"))

    print(f"{'task':48} {'clvedu':>10} {'lifetimes':>10} {'ratio':>7}  goal")
    for name, ours, theirs, goal in rows:
        if isinstance(theirs, str):  # lifetimes missing: say so instead of a ratio
            print(f"{name:48} {ours * 1000:8.1f}ms          -       -  {goal} ({theirs})")
            continue
        ratio = f"{ours / theirs:7.2f}" if theirs else "      -"
        their_text = f"{theirs * 1000:8.1f}ms" if theirs else "         -"
        print(f"{name:48} {ours * 1000:8.1f}ms {their_text} {ratio}  {goal}")


if __name__ == "__main__":
    main()
