"""How long vectorised lifetime_value takes for a million customers (prints the timings).

Run: .venv/bin/python benchmarks/bench_clv.py [customers]
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from clvedu.clv import lifetime_value
from clvedu.units import Discount, Duration, Money, Retention


def best_of(repeats: int, call) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def main(customers: int = 1_000_000) -> None:
    rng = np.random.default_rng(2024)
    margin = rng.gamma(2.0, 5.0, customers)        # monthly margin per customer
    retention = rng.uniform(0.80, 0.99, customers)  # monthly retention per customer
    discount = 0.008                                # monthly discount rate
    index = pd.RangeIndex(customers, name="customer")
    cases = {
        "infinite horizon, end timing (arrays)": lambda: lifetime_value(margin, retention, discount),
        "infinite, growth + retention cost": lambda: lifetime_value(
            margin, retention, discount, growth=0.002, retention_cost=0.5, timing="start"),
        "60-period horizon (arrays)": lambda: lifetime_value(margin, retention, discount, horizon=60),
        "timed quantities, 36-month horizon": lambda: lifetime_value(
            Money(margin, "month"), Retention(retention, "month"), Discount(discount, "month"),
            horizon=Duration(3, "year").to("month")),
        "pandas Series in and out": lambda: lifetime_value(
            pd.Series(margin, index=index), pd.Series(retention, index=index), discount),
    }
    print(f"lifetime_value over {customers:,} customers (best of 5)")
    for name, call in cases.items():
        seconds = best_of(5, call)
        print(f"  {name:<40} {seconds * 1e3:8.1f} ms  ({customers / seconds / 1e6:6.1f} M customers/s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
